import { main } from "./program";

/**
 * The `bulwark` command (package.json bin; the commands are in ./program). Exit status: 0 success,
 * 1 findings/changes that fail the gate, 2 bad usage or unreadable input (one line on stderr, no stack
 * trace); a bug ends the process with its stack trace. A status of 0 leaves the process's own alone:
 * a script `bulwark run` runs (a test runner) may have set it.
 */
main(process.argv.slice(2)).then((code) => {
  if (code !== 0) process.exitCode = code;
});

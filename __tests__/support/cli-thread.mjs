// The CLI's commands in a thread of a test process (support/cli.ts): cli/program.ts from the fast
// path's bundle, as the `bulwark` binary loads it, answering one request at a time. The caller blocks
// on `flag` until the answer is posted on `port`.
import path from "node:path";
import { pathToFileURL } from "node:url";
import { workerData } from "node:worker_threads";

const { root, port, flag } = workerData;
const answer = (reply) => {
  port.postMessage(reply);
  Atomics.store(flag, 0, 1);
  Atomics.notify(flag, 0);
};

let program;
let failure;
try {
  const { runTypeScript } = await import(pathToFileURL(path.join(root, "scripts", "runner.mjs")).href);
  program = await runTypeScript("cli/program.ts", [], { root });
} catch (e) {
  failure = `the CLI could not be loaded in a thread: ${e?.stack ?? e}`;
}
// A command that throws outside its promise (a timer, a stream) still gets an answer to its caller.
let current;
process.on("uncaughtException", (e) => answer({ id: current, error: `uncaught in the CLI thread: ${e?.stack ?? e}` }));

port.on("message", async ({ id, args, env }) => {
  current = id;
  if (failure) return answer({ id, error: failure });
  for (const name of Object.keys(process.env)) delete process.env[name];
  Object.assign(process.env, env);
  let stdout = "";
  let stderr = "";
  let status;
  try {
    status = await program.main(args, { out: (t) => void (stdout += t), err: (t) => void (stderr += t) });
  } catch (e) {
    // What node does with an error nobody catches: its stack on stderr, exit status 1.
    stderr += `${e?.stack ?? e}\n`;
    status = 1;
  }
  answer({ id, status, stdout, stderr });
});

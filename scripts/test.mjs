#!/usr/bin/env node
// `npm test`: the type-check (package.json's `typecheck` script, `tsc ...`) and jest at the same time; the
// arguments go to jest. jest's output streams as it comes; the type-check's is printed as soon as it
// ends with errors (and summed up in one line at the end). The exit status is jest's when jest failed,
// else the type-check's. When jest fails before the type-check is done (its global setup stopped the
// run), the type-check is stopped too, so that the run ends at once. Run one after the other, the
// type-check's 13 s of wall time came first; at once, it uses the CPU jest's global setup leaves idle.
import { spawn } from "node:child_process";
import fs from "node:fs";
import { createRequire } from "node:module";
import { constants } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const require = createRequire(path.join(root, "package.json"));

const children = new Set();
function start(args, stdio) {
  const child = spawn(process.execPath, args, { cwd: root, stdio });
  children.add(child);
  const done = new Promise((resolve) => {
    child.once("error", (e) => {
      children.delete(child);
      resolve({ status: 1, error: e.message });
    });
    child.once("close", (status, signal) => {
      children.delete(child);
      resolve({ status: status ?? 128 + (constants.signals[signal] ?? 0), signal });
    });
  });
  return { child, done };
}

// A signal to this process goes to both children; once they are gone, this process ends by it too.
let received;
const forward = (signal) => {
  received = signal;
  for (const c of children) c.kill(signal);
};
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) process.on(signal, forward);

// The type-check as `npm run typecheck` runs it, without npm around it.
const typecheckScript = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")).scripts.typecheck;
const [tscName, ...tscArgs] = typecheckScript.trim().split(/\s+/);
if (tscName !== "tsc") throw new Error(`package.json's typecheck script must run tsc: ${JSON.stringify(typecheckScript)}`);
const tsc = start([require.resolve("typescript/bin/tsc"), ...tscArgs], ["ignore", "pipe", "pipe"]);
let typeErrors = "";
tsc.child.stdout.on("data", (c) => (typeErrors += c));
tsc.child.stderr.on("data", (c) => (typeErrors += c));
const jest = start([require.resolve("jest/bin/jest"), ...process.argv.slice(2)], "inherit");

let stopped = false;
jest.done.then((j) => {
  if (j.status !== 0 && children.has(tsc.child)) {
    stopped = true;
    tsc.child.kill("SIGTERM");
  }
});
const typecheck = tsc.done.then((r) => {
  if (r.status !== 0 && !stopped) {
    const why = r.error ? `: ${r.error}` : r.signal ? ` (stopped by ${r.signal})` : "";
    process.stderr.write(`\ntypecheck (${typecheckScript}) failed${why}:\n${typeErrors}\n`);
  }
  return r;
});
const [t, j] = await Promise.all([typecheck, jest.done]);

if (received) {
  process.removeListener(received, forward);
  process.kill(process.pid, received);
} else {
  if (stopped) process.stderr.write("typecheck stopped: jest failed before it was done\n");
  else if (t.status !== 0) {
    const count = (typeErrors.match(/error TS\d+/g) ?? []).length;
    const what = t.error ? `could not run (${t.error})` : t.signal ? `stopped by ${t.signal}` : `failed: ${count} error(s), printed above`;
    process.stderr.write(`typecheck ${what}; jest ${j.status === 0 ? "passed" : "failed"}\n`);
  }
  process.exitCode = j.status !== 0 ? j.status : t.status;
}

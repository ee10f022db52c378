#!/usr/bin/env node
// `npm test`: the type-check (`tsc --noEmit`, as `npm run typecheck`) and jest at the same time; the
// arguments go to jest. jest's output streams as it comes; the type-check's is printed as soon as it
// ends with errors (and again, as one line, at the end). The exit status is jest's when jest failed,
// else the type-check's. Run one after the other, the type-check's 13 s of wall time came first; at
// once, it uses the CPU that jest's global setup and its last test files leave idle.
import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const require = createRequire(path.join(root, "package.json"));

const children = new Set();
function start(args, stdio) {
  const child = spawn(process.execPath, args, { cwd: root, stdio });
  children.add(child);
  const done = new Promise((resolve) => {
    child.once("error", (e) => resolve({ status: 1, error: e.message }));
    child.once("close", (status, signal) => {
      children.delete(child);
      resolve({ status: status ?? 1, signal });
    });
  });
  return { child, done };
}

for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) {
  process.on(signal, () => {
    for (const c of children) c.kill(signal);
    process.exitCode = 130;
  });
}

const tsc = start([require.resolve("typescript/bin/tsc"), "--noEmit", "-p", "."], ["ignore", "pipe", "pipe"]);
let typeErrors = "";
tsc.child.stdout.on("data", (c) => (typeErrors += c));
tsc.child.stderr.on("data", (c) => (typeErrors += c));
const jest = start([require.resolve("jest/bin/jest"), ...process.argv.slice(2)], "inherit");

const typecheck = tsc.done.then((r) => {
  if (r.status !== 0) process.stderr.write(`\ntypecheck (tsc --noEmit) failed${r.error ? `: ${r.error}` : ""}:\n${typeErrors}\n`);
  return r;
});
const [t, j] = await Promise.all([typecheck, jest.done]);
if (t.status !== 0) {
  const count = (typeErrors.match(/error TS\d+/g) ?? []).length;
  process.stderr.write(`typecheck failed: ${count} error(s), printed above; jest ${j.status === 0 ? "passed" : "failed"}\n`);
}
process.exitCode = j.status !== 0 ? j.status : t.status;

import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { MessageChannel, MessagePort, receiveMessageOnPort, Worker } from "node:worker_threads";
import { ROOT } from "./app";

export interface CliRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

/**
 * The commands `bulwark()` runs in a thread of the test process: they only read input and write
 * reports. `synth`, `run` and `init` run a user's code or make a project: they get a process of their own.
 */
const IN_THREAD = new Set(["check", "diff", "exposure", "publish"]);

/**
 * Runs `bulwark ...` as a user would after `npm ci` and returns what a process running it would:
 * exit status, stdout and stderr. `check`, `diff`, `exposure` and `publish` run in a thread of the
 * test process that loads the CLI once from the fast path's bundle (as bin/bulwark.mjs does), which
 * saves a node process and the CLI's loading per call (the suite makes about 150); everything else,
 * a `cwd` other than the test process's, and every call when BULWARK_TEST_CLI=process, runs
 * bin/bulwark.mjs in a process (`bulwarkProcess`). A test in cli/check.test.ts holds the two to the
 * same answers.
 */
export function bulwark(args: string[], cwd = ROOT): CliRun {
  const inThread = process.env.BULWARK_TEST_CLI !== "process" && IN_THREAD.has(args[0]) && path.resolve(cwd) === process.cwd();
  return inThread ? inCliThread(args) : bulwarkProcess(args, cwd);
}

/** Runs bin/bulwark.mjs in a node process of its own. */
export function bulwarkProcess(args: string[], cwd = ROOT): CliRun {
  const res = spawnSync(process.execPath, [path.join(ROOT, "bin", "bulwark.mjs"), ...args], { cwd, encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });
  return { status: res.status, stdout: res.stdout, stderr: res.stderr };
}

interface CliThread {
  worker: Worker;
  port: MessagePort;
  flag: Int32Array;
}
let thread: CliThread | undefined;
let requests = 0;

/** Longer than any one command of the suite takes (a publish of every module is under a minute). */
const THREAD_TIMEOUT_MS = 10 * 60_000;

function inCliThread(args: string[]): CliRun {
  if (!thread) {
    const { port1, port2 } = new MessageChannel();
    const flag = new Int32Array(new SharedArrayBuffer(4));
    const worker = new Worker(path.join(__dirname, "cli-thread.mjs"), { workerData: { root: ROOT, port: port2, flag }, transferList: [port2] });
    worker.unref();
    thread = { worker, port: port1, flag };
  }
  const t = thread;
  const id = ++requests;
  Atomics.store(t.flag, 0, 0);
  t.port.postMessage({ id, args, env: { ...process.env } });
  const deadline = Date.now() + THREAD_TIMEOUT_MS;
  let reply: (CliRun & { id: number; error?: string }) | undefined;
  // Answers to an earlier request (an error its command threw after it had answered) are passed over.
  while (!reply || reply.id !== id) {
    if (Atomics.wait(t.flag, 0, 0, Math.max(0, deadline - Date.now())) === "timed-out") throw new Error(`bulwark ${args.join(" ")}: no answer from the CLI thread in ${THREAD_TIMEOUT_MS / 1000} s`);
    Atomics.store(t.flag, 0, 0);
    for (let m = receiveMessageOnPort(t.port); m; m = receiveMessageOnPort(t.port)) if ((m.message as { id: number }).id === id) reply = m.message;
  }
  if (reply.error) throw new Error(`bulwark ${args.join(" ")}: ${reply.error}`);
  return { status: reply.status, stdout: reply.stdout, stderr: reply.stderr };
}

// The thread ends with the test file that started it.
if (typeof afterAll === "function") afterAll(async () => {
  if (!thread) return;
  const t = thread;
  thread = undefined;
  t.port.close();
  await t.worker.terminate();
});

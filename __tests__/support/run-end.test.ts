/**
 * A jest run ended by a signal runs no global teardown: the global setup's own handlers must still stop
 * the emulator it started and remove the run's temporary directory (global-setup.ts,
 * `cleanUpWhenEndedEarly`). Checked on a real run of jest with this project's configuration, on one
 * test file that waits, ended with SIGTERM: while the test runs, and during the global setup, as soon as
 * the emulator's process exists (it answers only about 1.5 s later).
 */
import { ChildProcess, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { alive } from "./emulator";
import { ROOT } from "./app";

const { statSum } = require("./provider-pool.js") as { statSum: (stat: string, fields: number[]) => number };

const emulatorBinary = process.env.BULWARK_AWS_EMULATOR && !/^https?:/.test(process.env.BULWARK_AWS_EMULATOR) ? process.env.BULWARK_AWS_EMULATOR : undefined;

async function until(what: string, done: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms / 1000} s`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A jest run of this project's configuration on `dir`'s waits.test.ts, with an emulator where this run has one to start, and the provider pool if asked for. */
function jestRun(dir: string, pool = false): { child: ChildProcess; stderr: () => string; exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }> } {
  const env: NodeJS.ProcessEnv = { ...process.env, BULWARK_TF_SHARED_PROVIDER: pool ? "1" : "0" };
  for (const k of ["BULWARK_AWS_EMULATOR_URL", "BULWARK_AWS_EMULATOR_PID", "BULWARK_TF_POOL", "BULWARK_TF_PROVIDER_PID", "BULWARK_KEEP_DEPLOY", "JEST_WORKER_ID"]) delete env[k];
  if (!emulatorBinary) delete env.BULWARK_AWS_EMULATOR;
  const child = spawn(process.execPath, [path.join(ROOT, "node_modules", "jest", "bin", "jest.js"), "--ci", "-i", "--roots", dir, "--testMatch", "**/waits.test.ts"], {
    cwd: ROOT,
    env,
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr!.on("data", (c) => (stderr += c));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once("close", (code, signal) => resolve({ code, signal })));
  return { child, stderr: () => stderr, exited };
}

/**
 * After a failed check: ends the run under test outright and what it started. A process killed with SIGKILL
 * runs no exit handler, so everything below jest's process (its emulator, the provider pool and the pool's
 * provider processes) is found first and killed with it, as are `known` pids the test read before.
 */
function killRun(child: ChildProcess, known: number[]): void {
  const running = child.exitCode === null && child.signalCode === null;
  const below = running ? descendantsOf(child.pid!) : [];
  if (running) child.kill("SIGKILL");
  for (const p of [...known, ...below]) if (p > 0 && alive(p)) process.kill(p, "SIGKILL");
}

/** Every process's parent pid, by pid (field 4 of /proc/<pid>/stat). */
function parents(): Map<number, number> {
  const out = new Map<number, number>();
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      out.set(Number(entry), statSum(fs.readFileSync(`/proc/${entry}/stat`, "utf8"), [4]));
    } catch {
      /* gone */
    }
  }
  return out;
}

/** The pids whose parent is `pid` and whose command line holds `command` (from /proc). */
function childrenOf(pid: number, command: string): number[] {
  return [...parents()]
    .filter(([, parent]) => parent === pid)
    .map(([p]) => p)
    .filter((p) => {
      try {
        return fs.readFileSync(`/proc/${p}/cmdline`, "utf8").includes(command);
      } catch {
        return false; // gone
      }
    });
}

/** Every process below `pid`: its children, theirs, and so on (from /proc). */
function descendantsOf(pid: number): number[] {
  const parentOf = parents();
  const out: number[] = [];
  for (let i = -1; i < out.length; i++) {
    const of = i < 0 ? pid : out[i];
    for (const [p, parent] of parentOf) if (parent === of) out.push(p);
  }
  return out;
}

/** The run directories (`bulwark-test-run-*`) in this run's temporary directory, where a nested run makes its own. */
const runDirs = () => fs.readdirSync(os.tmpdir()).filter((n) => n.startsWith("bulwark-test-run-"));

it(`a run ended by SIGTERM exits with 143, stops ${emulatorBinary ? "the emulator it started" : "what it started"} and leaves no temporary directory`, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bulwark-run-end-"));
  const marker = path.join(dir, "started.json");
  fs.writeFileSync(
    path.join(dir, "waits.test.ts"),
    `import * as fs from "node:fs";
test("waits", async () => {
  // Written whole, then renamed: the run's side polls for the name and must never read a file still empty.
  fs.writeFileSync(${JSON.stringify(marker + ".part")}, JSON.stringify({ tmp: process.env.BULWARK_TEST_RUN_TMPDIR, emulator: process.env.BULWARK_AWS_EMULATOR_PID }));
  fs.renameSync(${JSON.stringify(marker + ".part")}, ${JSON.stringify(marker)});
  await new Promise((r) => setTimeout(r, 120_000));
}, 180_000);
`,
  );
  const { child, stderr, exited } = jestRun(dir);
  let emulatorPid = 0;
  try {
    await until(`the waiting test started (jest said: ${stderr().slice(-500)})`, () => fs.existsSync(marker), 60_000);
    const started = JSON.parse(fs.readFileSync(marker, "utf8")) as { tmp: string; emulator?: string };
    emulatorPid = Number(started.emulator ?? 0);
    expect(fs.existsSync(started.tmp)).toBe(true);
    expect(path.dirname(started.tmp)).toBe(path.dirname(dir));
    if (emulatorBinary) expect(alive(emulatorPid)).toBe(true);

    child.kill("SIGTERM");
    expect(await exited).toEqual({ code: 143, signal: null });
    if (emulatorBinary) await until("the emulator stopped", () => !alive(emulatorPid), 10_000);
    await until(`the run's temporary directory ${started.tmp} removed`, () => !fs.existsSync(started.tmp), 15_000);
  } finally {
    // Whatever the run under test left (when the behaviour checked here is broken) goes too.
    killRun(child, [emulatorPid]);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}, 120_000);

/**
 * The global setup starts the emulator, then (once it answers) the provider pool; a signal may come while
 * either has started and does not serve yet.
 */
const starting = [
  { what: "the emulator", command: "moto_server", pool: false },
  { what: "the provider pool", command: "provider-pool.js", pool: true },
];
(emulatorBinary ? it.each(starting) : it.skip.each(starting))("a run ended by SIGTERM during its global setup, $what started but not serving yet, stops it and leaves no temporary directory", async ({ command, pool }) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bulwark-run-end-"));
  fs.writeFileSync(path.join(dir, "waits.test.ts"), `test("waits", () => new Promise((r) => setTimeout(r, 120_000)), 180_000);\n`);
  const before = new Set(runDirs());
  const { child, stderr, exited } = jestRun(dir, pool);
  let pid = 0;
  let emulatorPid = 0;
  try {
    // As soon as jest's process has it for a child: the emulator boots (about 1.5 s) and the pool starts its first provider while the setup goes on.
    // (The pool also stops by itself when its parent is gone; the exit handler stops it at once and waits for it before removing the directory.)
    await until(`${command} started (jest said: ${stderr().slice(-500)})`, () => (pid = childrenOf(child.pid!, command)[0] ?? 0) > 0, 60_000);
    emulatorPid = childrenOf(child.pid!, "moto_server")[0] ?? 0;
    child.kill("SIGTERM");
    expect(await exited).toEqual({ code: 143, signal: null });
    await until(`${command} stopped`, () => !alive(pid) && !(emulatorPid > 0 && alive(emulatorPid)), 10_000);
    await until("the run's temporary directory removed", () => runDirs().every((n) => before.has(n)), 15_000);
  } finally {
    killRun(child, [pid, emulatorPid]);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}, 120_000);

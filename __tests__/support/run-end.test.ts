/**
 * A jest run ended by a signal runs no global teardown: the global setup's own handlers must still stop
 * the emulator it started and remove the run's temporary directory (global-setup.ts,
 * `cleanUpWhenEndedEarly`). Checked on a real run of jest with this project's configuration, on one
 * test file that waits, ended with SIGTERM.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { alive } from "./emulator";
import { ROOT } from "./app";

const emulatorBinary = process.env.BULWARK_AWS_EMULATOR && !/^https?:/.test(process.env.BULWARK_AWS_EMULATOR) ? process.env.BULWARK_AWS_EMULATOR : undefined;

async function until(what: string, done: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms / 1000} s`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

it(`a run ended by SIGTERM exits with 143, stops ${emulatorBinary ? "the emulator it started" : "what it started"} and leaves no temporary directory`, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bulwark-run-end-"));
  const marker = path.join(dir, "started.json");
  fs.writeFileSync(
    path.join(dir, "waits.test.ts"),
    `import * as fs from "node:fs";
test("waits", async () => {
  fs.writeFileSync(${JSON.stringify(marker)}, JSON.stringify({ tmp: process.env.BULWARK_TEST_RUN_TMPDIR, emulator: process.env.BULWARK_AWS_EMULATOR_PID }));
  await new Promise((r) => setTimeout(r, 120_000));
}, 180_000);
`,
  );
  // The run of this file's own, without the provider pool (it has its own test); with an emulator where
  // this run has one to start.
  const env: NodeJS.ProcessEnv = { ...process.env, BULWARK_TF_SHARED_PROVIDER: "0" };
  for (const k of ["BULWARK_AWS_EMULATOR_URL", "BULWARK_AWS_EMULATOR_PID", "BULWARK_TF_POOL", "BULWARK_TF_PROVIDER_PID", "BULWARK_KEEP_DEPLOY", "JEST_WORKER_ID"]) delete env[k];
  if (!emulatorBinary) delete env.BULWARK_AWS_EMULATOR;
  const child = spawn(process.execPath, [path.join(ROOT, "node_modules", "jest", "bin", "jest.js"), "--ci", "-i", "--roots", dir, "--testMatch", "**/waits.test.ts"], {
    cwd: ROOT,
    env,
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (c) => (stderr += c));
  let emulatorPid = 0;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once("close", (code, signal) => resolve({ code, signal })));
  try {
    await until(`the waiting test started (jest said: ${stderr.slice(-500)})`, () => fs.existsSync(marker), 60_000);
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
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    if (emulatorPid > 0 && alive(emulatorPid)) process.kill(emulatorPid, "SIGKILL");
    fs.rmSync(dir, { recursive: true, force: true });
  }
}, 120_000);

/**
 * The AWS API emulator the deploy suites apply to (docs/TESTING.md, "Deploying to the emulator").
 *
 * Found through the environment, never a machine path in code: BULWARK_AWS_EMULATOR is either an
 * endpoint URL (an emulator somebody else runs) or the path of a `moto_server` executable to start.
 * The jest global setup starts one for the whole run on a free loopback port and hands its URL to
 * the workers as BULWARK_AWS_EMULATOR_URL; the global teardown (and, should jest die first, an exit
 * handler) stops it by its pid.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";

export type EmulatorSource = { kind: "url"; url: string } | { kind: "binary"; bin: string } | { kind: "none"; why: string };

/** Where the emulator comes from, read from the environment. */
export function emulatorSource(env: NodeJS.ProcessEnv): EmulatorSource {
  const value = env.BULWARK_AWS_EMULATOR;
  if (value === undefined || value.trim() === "") return { kind: "none", why: "BULWARK_AWS_EMULATOR is not set (an endpoint URL, or the path of a moto_server to start)" };
  if (/^https?:\/\//.test(value)) return { kind: "url", url: value.replace(/\/+$/, "") };
  if (!fs.existsSync(value)) return { kind: "none", why: `BULWARK_AWS_EMULATOR=${value} is neither an http(s) URL nor an existing file` };
  return { kind: "binary", bin: value };
}

/** A free TCP port on 127.0.0.1 (the kernel picks it; closed again before the emulator binds it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

/** Whether the emulator at `url` answers its own API. */
export async function answers(url: string): Promise<boolean> {
  try {
    const res = await fetch(`${url}/moto-api/`, { signal: AbortSignal.timeout(2000) });
    return res.ok;
  } catch {
    return false;
  }
}

export interface StartedEmulator {
  url: string;
  pid: number;
  log: string;
}

/**
 * Starts `bin` on 127.0.0.1 and a free port, with the AWS-managed IAM policies loaded (attachments of
 * AmazonSSMManagedInstanceCore and the like need them), and waits until it answers. A server that
 * exits or stays silent is stopped and reported in one line naming the port and the log. `onSpawn` gets
 * the pid at once, before the server answers, for whoever must stop it if the caller ends first.
 */
export async function startEmulator(bin: string, opts: { timeoutMs?: number; logDir?: string; onSpawn?: (pid: number) => void } = {}): Promise<StartedEmulator> {
  const port = await freePort();
  const logDir = opts.logDir ?? fs.mkdtempSync(path.join(os.tmpdir(), "bulwark-emulator-"));
  const log = path.join(logDir, "emulator.log");
  const fd = fs.openSync(log, "a");
  const child = spawn(bin, ["-H", "127.0.0.1", "-p", String(port)], {
    env: { ...process.env, MOTO_IAM_LOAD_MANAGED_POLICIES: "true" },
    stdio: ["ignore", fd, fd],
    detached: false,
  });
  fs.closeSync(fd);
  let exited: string | undefined;
  child.once("exit", (code, signal) => (exited = `exited (${signal ?? `code ${code}`})`));
  child.once("error", (e) => (exited = `could not start (${e.message})`));
  child.unref();
  if (child.pid !== undefined) opts.onSpawn?.(child.pid);
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
  while (Date.now() < deadline) {
    if (exited) break;
    if (await answers(url)) return { url, pid: child.pid!, log };
    await new Promise((r) => setTimeout(r, 200));
  }
  const what = exited ?? `did not answer within ${Math.round((opts.timeoutMs ?? 60_000) / 1000)} s`;
  if (child.pid !== undefined && !exited) await stopProcessAndWait(child.pid);
  throw oneLine(`the AWS API emulator ${bin} on 127.0.0.1:${port} ${what}; see ${log}`);
}

/** Asks a server the run started (the emulator, the shared provider) to stop: `signal` (SIGTERM) to its pid; for an exit handler, which cannot wait. */
export function stopProcess(pid: number, signal: NodeJS.Signals = "SIGTERM"): void {
  try {
    process.kill(pid, signal);
  } catch {
    /* gone already */
  }
}

/** Stops a server the run started by its pid and waits until it is gone (SIGKILL after 5 s). */
export async function stopProcessAndWait(pid: number): Promise<void> {
  stopProcess(pid);
  for (let i = 0; i < 50; i++) {
    if (!alive(pid)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  try {
    process.kill(pid, "SIGKILL");
  } catch {
    /* gone */
  }
}

/** Whether a process with this pid exists. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** An Error whose message is all jest prints: one line, no stack. */
export function oneLine(message: string): Error {
  const e = new Error(message);
  e.stack = message;
  return e;
}

/** The emulator the suites of this run use, or why there is none. */
export function runEmulator(env: NodeJS.ProcessEnv = process.env): { url: string } | { why: string } {
  if (env.BULWARK_AWS_EMULATOR_URL) return { url: env.BULWARK_AWS_EMULATOR_URL };
  const source = emulatorSource(env);
  if (source.kind === "url") return { url: source.url };
  if (source.kind === "none") return { why: source.why };
  return { why: `the emulator ${source.bin} was not started by the jest global setup (run the suite through jest with its config)` };
}

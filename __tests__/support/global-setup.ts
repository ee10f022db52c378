import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { AWS_PROVIDER_VERSION } from "../../modules/core/stack";
import { noProviderMessage, providerSource } from "./provider-mirror";
import { AWS_ONLY_CONFIGURATION, awsInstallDir, terraform, terraformEnv } from "./terraform";
import { emulatorSource, startEmulator, stopProcess } from "./emulator";
import { mirroredProvider, startProviderPool } from "./provider-server";

/**
 * Once per jest run, before any suite: one temporary directory for the whole run; where Terraform
 * gets the aws provider (a mirror found here is handed to the workers as BULWARK_TF_MIRROR), and one
 * `terraform init` proving it can, kept as the run's one installation of it (when it cannot, the run stops here with one message saying what to
 * set, instead of every Terraform suite failing with the registry's errors); the shared provider
 * processes (provider-server.ts); the AWS API emulator.
 */
export default async function globalSetup(_global: unknown, project: { rootDir: string; moduleNameMapper?: [string, string][] }): Promise<void> {
  // Every temporary directory of the run (staged stacks, published roots, plans, Terraform's own)
  // goes under one, which the global teardown removes: nothing is left in the system's temp dir.
  const runTmp = fs.mkdtempSync(path.join(os.tmpdir(), "bulwark-test-run-"));
  process.env.BULWARK_TEST_RUN_TMPDIR = runTmp;
  process.env.TMPDIR = runTmp;
  cleanUpWhenEndedEarly(runTmp);
  withoutExtraCaCerts();
  // The AWS SDK clients of the deploy suites' read-back (pinned, test-only) warn on Node.js below 22
  // that their versions published from January 2027 will need it: docs/TESTING.md says so once, instead
  // of every run printing it. A value set by the caller wins.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
  // One AWS API emulator for the whole run (the deploy suites share it, each in its own accounts),
  // started first: it boots (about 1.5 s) while the bundles are checked and the provider is probed.
  // Its pid is in the environment from the moment it exists, for the exit handler of a run ended before it answers.
  const source = emulatorSource(process.env);
  const starting =
    source.kind === "binary"
      ? startEmulator(source.bin, { onSpawn: (pid) => (process.env.BULWARK_AWS_EMULATOR_PID = String(pid)) }).catch((e: unknown) => {
          // It stopped what it started.
          delete process.env.BULWARK_AWS_EMULATOR_PID;
          throw e;
        })
      : undefined;
  // Handled here so that a failure to start waits, unreported by node, for the `await` below to report it.
  starting?.catch(() => undefined);
  try {
    await bundlePackages(project);
    probeProvider();
  } catch (e) {
    // The run stops here (jest runs no teardown then): so does the emulator it started, and its temporary directory goes.
    await starting?.then((started) => stopProcess(started.pid), () => undefined);
    delete process.env.BULWARK_AWS_EMULATOR_PID;
    fs.rmSync(runTmp, { recursive: true, force: true });
    throw e;
  }
  if (starting) {
    const started = await starting;
    process.env.BULWARK_AWS_EMULATOR_URL = started.url;
    process.env.BULWARK_AWS_EMULATOR_LOG = started.log;
  } else if (source.kind === "url") {
    process.env.BULWARK_AWS_EMULATOR_URL = source.url;
  }
  await shareProviders();
}

/**
 * jest runs the global teardown after the suites, failed or not; a run that ends first (a signal: node
 * then ends without its exit event, unless a handler exits) still stops the servers it started and loses
 * its temporary directory. Each signal exits with its usual status; on exit, the servers the teardown
 * has not stopped (their pids are still in the environment) are asked to stop, and a detached process
 * removes the directory once they are gone: the run's processes may still write there while they stop.
 * After a teardown the directory is gone already, or kept on purpose (BULWARK_KEEP_DEPLOY).
 */
function cleanUpWhenEndedEarly(runTmp: string): void {
  for (const signal of ["SIGTERM", "SIGHUP", "SIGINT"] as const) process.once(signal, () => process.exit(128 + os.constants.signals[signal]));
  process.once("exit", () => {
    const servers = [process.env.BULWARK_AWS_EMULATOR_PID, process.env.BULWARK_TF_PROVIDER_PID].filter((p): p is string => Number(p) > 0);
    for (const pid of servers) stopProcess(Number(pid));
    if (process.env.BULWARK_KEEP_DEPLOY || !fs.existsSync(runTmp)) return;
    spawn(process.execPath, ["-e", REMOVE_WHEN_GONE, runTmp, ...servers], { detached: true, stdio: "ignore" }).unref();
  });
}

/** node -e: waits (10 s at most) until the pids given after the directory are gone, then removes the directory. */
const REMOVE_WHEN_GONE = `
const [dir, ...pids] = process.argv.slice(1);
const alive = (p) => { try { process.kill(Number(p), 0); return true; } catch { return false; } };
const deadline = Date.now() + 10000;
(function wait() {
  if (pids.some(alive) && Date.now() < deadline) return setTimeout(wait, 200);
  setTimeout(() => require("fs").rmSync(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 }), 500);
})();`;

/**
 * Node reads the whole bundle NODE_EXTRA_CA_CERTS names when it starts, about 43 ms of CPU, in each of
 * the run's 200-odd node processes (workers, CLI runs, synths). None of them makes a TLS connection but
 * npm's in the package suite, which gets the setting back (BULWARK_NODE_EXTRA_CA_CERTS).
 */
function withoutExtraCaCerts(): void {
  const certs = process.env.NODE_EXTRA_CA_CERTS;
  if (!certs) return;
  process.env.BULWARK_NODE_EXTRA_CA_CERTS = certs;
  delete process.env.NODE_EXTRA_CA_CERTS;
}

/**
 * The bundles jest.config.js maps packages to (`moduleNameMapper` entries under
 * `.bulwark/build/jest/entries/`), built as the fast path builds its own (scripts/runner.mjs): each
 * entry's file name is the import path it serves.
 */
async function bundlePackages(project: { rootDir: string; moduleNameMapper?: [string, string][] }): Promise<void> {
  const dir = path.join(project.rootDir, ".bulwark", "build", "jest");
  const mapped = (project.moduleNameMapper ?? []).map(([, to]) => to).filter((to) => path.dirname(to) === path.join(dir, "entries"));
  if (mapped.length === 0) return;
  const packages = mapped.map((to) => decodeURIComponent(path.basename(to, ".cjs")));
  // A real dynamic import: the runner is an ES module, and this file is compiled to CommonJS.
  const importEsm = new Function("specifier", "return import(specifier)") as (s: string) => Promise<{ packageBundles: (root: string, packages: string[], dir: string) => Promise<Record<string, string>> }>;
  const { packageBundles } = await importEsm(path.join(project.rootDir, "scripts", "runner.mjs"));
  const entries = await packageBundles(project.rootDir, packages, dir);
  const missing = mapped.filter((to) => !Object.values(entries).includes(to));
  if (missing.length) throw new Error(`global setup: the bundles jest.config.js maps to were not written: ${missing.join(", ")}`);
}

function probeProvider(): void {
  const source = providerSource(process.env);
  if (source.kind === "mirror" && source.from === "found") process.env.BULWARK_TF_MIRROR = source.mirror;
  // Kept for the run: the installation every init of a configuration needing only the aws provider shares
  // (`init` in terraform.ts).
  const dir = awsInstallDir(process.env.BULWARK_TEST_RUN_TMPDIR!);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, "main.tf.json"), JSON.stringify(AWS_ONLY_CONFIGURATION));
  let said: string | undefined;
  try {
    const res = terraform(dir, ["init", "-input=false", "-backend=false"], { allowFailure: true });
    if (res.status !== 0) said = `${res.stderr}\n${res.stdout}`;
  } catch (e) {
    said = (e as Error).message;
  }
  if (said !== undefined) {
    fs.rmSync(dir, { recursive: true, force: true });
    const error = new Error(noProviderMessage(source, said));
    error.stack = error.message; // one message, no stack trace
    throw error;
  }
}

/**
 * The provider processes Terraform attaches to (provider-server.ts), when the provider comes from a
 * mirror: one listening profile for Terraform's plain environment and, with an emulator, one for the
 * deploy suites' (AWS_ENDPOINT_URL: the emulator). Stopped by the global teardown (and on exit); the
 * pool stops the processes it started. One that will not start costs only speed: the run goes on with
 * Terraform's own processes, and says so in one line.
 */
async function shareProviders(): Promise<void> {
  const mirror = process.env.BULWARK_TF_MIRROR;
  if (process.env.BULWARK_TF_SHARED_PROVIDER === "0" || !mirror) return;
  const bin = mirroredProvider(mirror, AWS_PROVIDER_VERSION);
  if (!bin) return;
  const url = process.env.BULWARK_AWS_EMULATOR_URL;
  try {
    // The pool's processes live for the whole run, twenty and more at once: Go's usual heap target for them
    // (Terraform's own are short-lived and get a larger one, terraformEnv).
    const env = { ...terraformEnv(), GOGC: process.env.GOGC ?? "100" };
    const profiles = { plain: {}, ...(url ? { emulated: { AWS_ENDPOINT_URL: url } } : {}) };
    const pool = await startProviderPool(bin, path.join(process.env.TMPDIR ?? os.tmpdir(), "providers"), env, profiles, {
      onSpawn: (pid) => (process.env.BULWARK_TF_PROVIDER_PID = String(pid)),
    });
    process.env.BULWARK_TF_POOL = JSON.stringify(pool.profiles);
  } catch (e) {
    // It killed what it started.
    delete process.env.BULWARK_TF_PROVIDER_PID;
    process.stderr.write(`${(e as Error).message}; Terraform starts its own provider processes\n`);
  }
}

import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const REPO = path.join(__dirname, "..", "..");

/**
 * The Debian root file system the user-data test runs cloud-init in (`scripts/test-root.sh`, which
 * `.ci/run` calls before `npm test`). Built here when missing; when it cannot be built, throws one
 * line saying why (the test fails rather than skips).
 */
export function testRoot(): string {
  const r = spawnSync("bash", [path.join(REPO, "scripts", "test-root.sh")], { encoding: "utf8", timeout: 900_000 });
  const root = r.stdout.trim().split("\n").pop() ?? "";
  if (r.status === 0 && root && fs.existsSync(path.join(root, ".bulwark-root"))) return root;
  const why = (r.stderr || r.error?.message || `exit ${r.status}`).trim().split("\n").filter(Boolean).pop();
  throw new Error(`no test root for the user-data run (scripts/test-root.sh): ${why}`);
}

/** What the host ended up with after each pass (`__tests__/support/run-user-data.sh` names the files). */
export interface UserDataRun {
  /** The text of OUT/<name>-<pass> (e.g. `read("sshd-T", 1)`); "" when the run wrote none. */
  read(name: string, pass: number): string;
  /** Seconds the run took, for docs/PERFORMANCE.md. */
  readonly seconds: number;
}

/**
 * Runs `userData` through the real cloud-init in a throwaway overlay of the test root, `passes`
 * times (each pass as a fresh instance: `cloud-init clean` first), in new mount, network, PID and
 * UTS namespaces, so nothing reaches the machine: the firewall loads into an empty network namespace.
 */
export function runUserData(root: string, userData: string, passes = 1): UserDataRun {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "bulwark-user-data-"));
  const file = path.join(work, "user-data");
  fs.writeFileSync(file, userData);
  const started = Date.now();
  const r = spawnSync(
    "unshare",
    ["--mount", "--net", "--pid", "--uts", "--ipc", "--fork", "bash", path.join(__dirname, "run-user-data.sh"), root, work, file, String(passes)],
    { encoding: "utf8", timeout: 600_000 },
  );
  const seconds = (Date.now() - started) / 1000;
  if (r.status !== 0) {
    fs.rmSync(work, { recursive: true, force: true });
    throw new Error(`user-data run failed (exit ${r.status}${r.signal ? `, ${r.signal}` : ""}): ${(r.stderr || r.error?.message || "").trim().split("\n").slice(-5).join(" | ")}`);
  }
  const out = path.join(work, "out");
  const files = new Map<string, string>();
  for (const name of fs.readdirSync(out)) files.set(name, fs.readFileSync(path.join(out, name), "utf8"));
  fs.rmSync(work, { recursive: true, force: true });
  return {
    seconds,
    read: (name, pass) => files.get([...files.keys()].find((f) => f.startsWith(`${name}-${pass}.`)) ?? "") ?? "",
  };
}

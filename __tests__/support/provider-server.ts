/**
 * One aws provider process for the whole jest run, which Terraform attaches to instead of starting
 * its own (TF_REATTACH_PROVIDERS, the provider started with `-debug`) where that is safe: calls that
 * never configure the provider. Starting the 700 MB provider costs about 0.4 s of CPU, and Terraform
 * starts one per provider configuration per walk: a `terraform test` of 14 plan-only run blocks took
 * 19.8 s of CPU with its own processes and 2.3 s attached (docs/PERFORMANCE.md).
 *
 * Safe means: `validate`, `show` and `graph` (schemas and configuration checks, no state in the provider), and
 * `terraform test` when every test file mocks the aws provider (a mocked provider is never configured:
 * it only asks the real one for schemas and resource validation). A plan, apply or destroy configures
 * the provider, and a configured provider is one per process, so those keep their own.
 * BULWARK_TF_SHARED_PROVIDER=0 turns it off.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

/** The provider binary in a filesystem mirror, for this platform and `version`; undefined when absent. */
export function mirroredProvider(mirror: string, version: string): string | undefined {
  const arch = process.arch === "x64" ? "amd64" : process.arch === "ia32" ? "386" : process.arch;
  const dir = path.join(mirror, "registry.terraform.io", "hashicorp", "aws", version, `${process.platform}_${arch}`);
  if (!fs.existsSync(dir)) return undefined;
  const bin = fs.readdirSync(dir).find((f) => f.startsWith("terraform-provider-aws"));
  return bin ? path.join(dir, bin) : undefined;
}

/** Starts `bin -debug` and waits for the TF_REATTACH_PROVIDERS value it prints; its output goes to `log`. */
export async function startProviderServer(bin: string, log: string, timeoutMs = 60_000): Promise<{ reattach: string; pid: number }> {
  const fd = fs.openSync(log, "a");
  const child = spawn(bin, ["-debug"], { stdio: ["ignore", fd, fd], detached: false });
  fs.closeSync(fd);
  let exited: string | undefined;
  child.once("exit", (code, signal) => (exited = `exited (${signal ?? `code ${code}`})`));
  child.once("error", (e) => (exited = `could not start (${e.message})`));
  child.unref();
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && !exited) {
    const m = /TF_REATTACH_PROVIDERS='([^']+)'/.exec(fs.readFileSync(log, "utf8"));
    if (m) return { reattach: m[1], pid: child.pid! };
    await new Promise((r) => setTimeout(r, 100));
  }
  if (child.pid !== undefined && !exited) child.kill("SIGKILL");
  throw new Error(`the shared aws provider ${bin} ${exited ?? "printed no TF_REATTACH_PROVIDERS"}; see ${log}`);
}

/** Whether a terraform call in `dir` may attach to the shared provider (see the file's comment). */
export function mayShareProvider(dir: string, args: string[]): boolean {
  const command = args[0];
  if (command === "validate" || command === "show" || command === "graph") return true;
  if (command !== "test") return false;
  const files = [dir, path.join(dir, "tests")].flatMap((d) => (fs.existsSync(d) ? fs.readdirSync(d).filter((f) => f.endsWith(".tftest.hcl")).map((f) => path.join(d, f)) : []));
  return files.length > 0 && files.every((f) => {
    const text = fs.readFileSync(f, "utf8");
    return /^mock_provider\s+"aws"/m.test(text) && !/^provider\s+"aws"/m.test(text);
  });
}

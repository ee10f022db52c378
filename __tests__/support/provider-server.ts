/**
 * The aws provider processes of a jest run, shared by every Terraform call that can attach to them
 * (TF_REATTACH_PROVIDERS): `provider-pool.js`, a server the global setup starts, routes each provider
 * instance Terraform opens to one unconfigured process (schemas, validation) until it configures the
 * provider, then to a process configured with exactly that configuration, started on first use and kept
 * for the next walk and the next call. On its own, Terraform starts one 700 MB process per provider
 * configuration per walk (validate, plan, apply; a destroy adds one), about 0.7 s of CPU each
 * (docs/PERFORMANCE.md). A provider process reads its own environment, not the calling Terraform's, so
 * the server listens once per environment profile and a call attaches only to the profile whose
 * provider environment equals its own. `init` never attaches (Terraform skips installing a provider it
 * is told to attach to). BULWARK_TF_SHARED_PROVIDER=0 turns it off.
 *
 * A call that says which directories hold its configuration attaches to a view (`viewOf`): the same
 * processes, with a schema of only the resource types those directories name, which Terraform decodes in a
 * tenth of the time the whole schema takes. A view that turns out too narrow fails with Terraform's own
 * "does not support resource type" or "no schema available"; the caller (`terraform`) then runs the call
 * again with the whole schema and writes it down (`recordViewMiss`; the teardown lists them).
 * BULWARK_TF_SCHEMA_VIEWS=0 turns views off.
 */
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as http2 from "node:http2";
import * as net from "node:net";
import * as path from "node:path";
import { sleepMs } from "./once";

/** The provider binary in a filesystem mirror, for this platform and `version`; undefined when absent. */
export function mirroredProvider(mirror: string, version: string): string | undefined {
  const arch = process.arch === "x64" ? "amd64" : process.arch === "ia32" ? "386" : process.arch;
  const dir = path.join(mirror, "registry.terraform.io", "hashicorp", "aws", version, `${process.platform}_${arch}`);
  if (!fs.existsSync(dir)) return undefined;
  const bin = fs.readdirSync(dir).find((f) => f.startsWith("terraform-provider-aws"));
  return bin ? path.join(dir, bin) : undefined;
}

/**
 * What a provider process reads of its environment: the AWS SDK's and the provider's own variables,
 * its logging, proxies, certificates and the home directory (shared config files). Two calls whose
 * values here are equal get the same behaviour from the same process.
 */
const PROVIDER_ENV = /^(AWS_|TF_AWS_|TF_LOG|TF_APPEND_USER_AGENT$|HTTPS?_PROXY$|NO_PROXY$|SSL_CERT_|HOME$)/i;

/** The part of `env` a provider process reads, sorted by name. */
export function providerEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(
    Object.entries(env)
      .filter((e): e is [string, string] => PROVIDER_ENV.test(e[0]) && e[1] !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
  );
}

/**
 * How many configured processes nobody uses the pool keeps (BULWARK_TF_POOL_IDLE, default 20): a whole
 * number from 0; anything else is refused with the variable and its value named.
 */
export function poolIdleLimit(env: NodeJS.ProcessEnv): number {
  const raw = env.BULWARK_TF_POOL_IDLE;
  if (raw === undefined || raw === "") return 20;
  if (!/^\d+$/.test(raw.trim())) throw new Error(`BULWARK_TF_POOL_IDLE must be a whole number of processes (0 or more), not ${JSON.stringify(raw)}`);
  return Number(raw.trim());
}

/** A listening profile of the pool: what Terraform attaches with, and the provider environment it serves. */
export interface PoolProfile {
  reattach: string;
  env: Record<string, string>;
}

/**
 * Starts `provider-pool.js` for `bin` with one listening socket per profile (each a set of environment
 * additions to `base`, the environment every provider process starts with), its files in `dir`. `onSpawn`
 * gets the pool's pid at once, before it serves, for whoever must stop it if the caller ends first.
 */
export async function startProviderPool(
  bin: string,
  dir: string,
  base: NodeJS.ProcessEnv,
  profiles: Record<string, Record<string, string>>,
  opts: { timeoutMs?: number; onSpawn?: (pid: number) => void } = {},
): Promise<{ pid: number; profiles: PoolProfile[] }> {
  const timeoutMs = opts.timeoutMs ?? 60_000;
  const idle = poolIdleLimit(base);
  fs.mkdirSync(dir, { recursive: true });
  const log = path.join(dir, "pool.log");
  const fd = fs.openSync(log, "a");
  const child = spawn(process.execPath, [path.join(__dirname, "provider-pool.js"), bin, dir, JSON.stringify(profiles)], {
    stdio: ["ignore", "pipe", fd],
    env: { ...base, BULWARK_TF_POOL_IDLE: String(idle) },
  });
  fs.closeSync(fd);
  if (child.pid !== undefined) opts.onSpawn?.(child.pid);
  let ready: { pid: number; sockets: Record<string, string> };
  try {
    ready = await new Promise((resolve, reject) => {
      let out = "";
      const timer = setTimeout(() => reject(new Error(`the provider pool printed nothing in ${timeoutMs / 1000} s; see ${log}`)), timeoutMs);
      child.stdout!.on("data", (d) => {
        out += d;
        const line = out.split("\n").find((l) => l.startsWith("{"));
        if (!line) return;
        clearTimeout(timer);
        child.stdout!.removeAllListeners("data");
        child.stdout!.resume();
        resolve(JSON.parse(line));
      });
      child.once("exit", (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`the provider pool for ${bin} exited (${signal ?? `code ${code}`}) before serving; see ${log}`));
      });
    });
  } catch (e) {
    child.kill("SIGKILL");
    throw e;
  }
  child.removeAllListeners("exit");
  child.unref();
  (child.stdout as unknown as { unref?: () => void }).unref?.();
  return {
    pid: ready.pid,
    profiles: Object.entries(profiles).map(([name, env]) => ({
      reattach: JSON.stringify({ "registry.terraform.io/hashicorp/aws": { Protocol: "grpc", ProtocolVersion: 5, Pid: ready.pid, Test: true, Addr: { Network: "unix", String: ready.sockets[name] } } }),
      env: providerEnv({ ...base, ...env }),
    })),
  };
}

/** Whether a terraform call may attach: every command but `init` and `providers` (they install providers). */
export function mayShareProvider(args: string[]): boolean {
  return args[0] !== "init" && args[0] !== "providers";
}

/**
 * TF_REATTACH_PROVIDERS for a terraform call with `args` and `env`: the pool's profile (BULWARK_TF_POOL, set
 * by the global setup) whose provider environment equals the call's, or undefined (Terraform then starts
 * its own processes).
 */
export function reattachFor(args: string[], env: NodeJS.ProcessEnv, pool = process.env.BULWARK_TF_POOL): string | undefined {
  if (!pool || !mayShareProvider(args)) return undefined;
  const mine = JSON.stringify(providerEnv(env));
  return (JSON.parse(pool) as PoolProfile[]).find((p) => JSON.stringify(p.env) === mine)?.reattach;
}

/**
 * The same environment with TF_REATTACH_PROVIDERS where a pool profile serves it (`reattachFor`): a view of
 * the types `scan` (the directories holding the call's configuration, state and tests) names, when given,
 * views are on (BULWARK_TF_SCHEMA_VIEWS is not "0") and Terraform files are found there.
 */
export function attached(args: string[], env: NodeJS.ProcessEnv, scan?: string[]): NodeJS.ProcessEnv {
  const reattach = reattachFor(args, env);
  if (!reattach) return env;
  const types = scan && env.BULWARK_TF_SCHEMA_VIEWS !== "0" ? configurationTypes(scan) : undefined;
  return { ...env, TF_REATTACH_PROVIDERS: types ? viewOf(reattach, types) : reattach };
}

/** Files whose text can name a resource or data source type Terraform will ask the schema of. */
const TERRAFORM_FILE = /(\.tf|\.tf\.json|\.tftest\.hcl|\.tftest\.json|\.tfmock\.hcl|\.tfmock\.json|\.tfvars|\.tfvars\.json|\.tfstate|\.tfstate\.backup)$/;
const SKIPPED_DIRS = new Set([".terraform", "node_modules", ".git"]);
/** Beyond this much text, a view is not worth its scan: the whole schema is served. */
const SCAN_LIMIT = 64 * 1024 * 1024;

/**
 * Every `aws_…` word in the Terraform files (configuration, tests, mocks, variables, local state) under
 * `dirs` (recursively, but for .terraform, node_modules and .git) and in the modules `terraform init`
 * installed for them (`.terraform/modules/modules.json`): a superset of the resource, data-source and
 * ephemeral types a call in those directories can meet, however their names are escaped (`unescaped`). Undefined when no Terraform file is found, or
 * when there is more text than a scan is worth (the call then gets the whole schema).
 */
export function configurationTypes(dirs: readonly string[]): string[] | undefined {
  const types = new Set<string>();
  const seen = new Set<string>();
  let files = 0;
  let bytes = 0;
  const visit = (dir: string): boolean => {
    const real = (() => {
      try {
        return fs.realpathSync(dir);
      } catch {
        return undefined;
      }
    })();
    if (!real || seen.has(real)) return true;
    seen.add(real);
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(real, { withFileTypes: true });
    } catch {
      return true;
    }
    for (const e of entries) {
      const full = path.join(real, e.name);
      if (e.isDirectory()) {
        if (!SKIPPED_DIRS.has(e.name) && !visit(full)) return false;
      } else if (TERRAFORM_FILE.test(e.name)) {
        const text = fs.readFileSync(full, "utf8");
        bytes += text.length;
        if (bytes > SCAN_LIMIT) return false;
        files++;
        for (const m of unescaped(text).matchAll(/\baws_[a-z0-9_]+\b/g)) types.add(m[0]);
      }
    }
    const installed = path.join(real, ".terraform", "modules", "modules.json");
    if (fs.existsSync(installed)) {
      try {
        const modules = (JSON.parse(fs.readFileSync(installed, "utf8")).Modules ?? []) as { Dir?: string }[];
        for (const m of modules) if (m.Dir && !visit(path.resolve(real, m.Dir))) return false;
      } catch {
        return false; // a manifest that does not read: the whole schema
      }
    }
    return true;
  };
  for (const d of dirs) if (!visit(d)) return undefined;
  return files ? [...types].sort() : undefined;
}

/**
 * `text` with the escapes JSON and HCL strings share (`\uXXXX`, and HCL's `\UXXXXXXXX`) written as the
 * characters they stand for, so that a type or block name reads the same however it is spelled. An escape
 * that is not one (`\\u0061`) is decoded too: a reader of words may see more, never less.
 */
export function unescaped(text: string): string {
  if (!text.includes("\\")) return text;
  return text.replace(/\\u([0-9a-fA-F]{4})|\\U([0-9a-fA-F]{8})/g, (whole, four: string | undefined, eight: string | undefined) => {
    const code = parseInt(four ?? eight!, 16);
    return code <= 0x10ffff ? String.fromCodePoint(code) : whole;
  });
}

/**
 * The reattach string of the pool's view of `types` for the profile `reattach` attaches to: asked for by
 * writing `<pool dir>/views/<key>.json` (the key a hash of profile and types), ready when the pool's socket
 * for it exists. Throws, naming the socket and the pool's log, when it does not appear within `timeoutMs`.
 */
export function viewOf(reattach: string, types: readonly string[], timeoutMs = 10_000): string {
  const parsed = JSON.parse(reattach);
  const addr = parsed["registry.terraform.io/hashicorp/aws"].Addr;
  const dir = path.dirname(addr.String);
  const profile = path.basename(addr.String, ".sock");
  const sorted = [...new Set(types)].sort();
  const key = createHash("sha256").update(`${profile}\n${sorted.join("\n")}`).digest("hex").slice(0, 24);
  const sock = path.join(dir, `v-${key}.sock`);
  if (!fs.existsSync(sock)) {
    const file = path.join(dir, "views", `${key}.json`);
    if (!fs.existsSync(file)) {
      const partial = `${file}.${process.pid}.tmp`;
      fs.writeFileSync(partial, JSON.stringify({ profile, types: sorted }));
      fs.renameSync(partial, file);
    }
    const deadline = Date.now() + timeoutMs;
    while (!fs.existsSync(sock)) {
      if (Date.now() > deadline) throw new Error(`the provider pool did not open ${sock} (a view of ${sorted.length} types) in ${timeoutMs / 1000} s; see ${path.join(dir, "pool.log")}`);
      sleepMs(5);
    }
  }
  return JSON.stringify({ ...parsed, "registry.terraform.io/hashicorp/aws": { ...parsed["registry.terraform.io/hashicorp/aws"], Addr: { ...addr, String: sock } } });
}

/** Whether Terraform's `output` says a type was missing from the schema it was given (a view too narrow). */
export function missingFromView(output: string): boolean {
  return /does not support (resource|data source|ephemeral resource) type|no schema (is )?(available|found) for|missing schema for|Invalid (resource|data source|ephemeral resource) type/.test(output);
}

/** Whether `env` attaches to a view (not a profile's whole schema). */
export function isView(env: NodeJS.ProcessEnv): boolean {
  const r = env.TF_REATTACH_PROVIDERS;
  return !!r && /\/v-[0-9a-f]+\.sock"/.test(r);
}

/**
 * Whether a call that failed with `output` failed because its view was too narrow (it attached to a view,
 * and Terraform said a type was missing from the schema), written down in the pool's `view-misses` file
 * when so: the caller then runs it again with the whole schema.
 */
export function viewTooNarrow(env: NodeJS.ProcessEnv, output: string, args: readonly string[], dir: string): boolean {
  if (!isView(env) || !missingFromView(output)) return false;
  recordViewMiss(env, args, dir);
  return true;
}

/** Writes down a call a view was too narrow for, in the pool's `view-misses` file. */
export function recordViewMiss(env: NodeJS.ProcessEnv, args: readonly string[], dir: string): void {
  const sock = JSON.parse(env.TF_REATTACH_PROVIDERS!)["registry.terraform.io/hashicorp/aws"].Addr.String as string;
  fs.appendFileSync(path.join(path.dirname(sock), "view-misses"), `terraform ${args.join(" ")} in ${dir}\n`);
}

/** The calls a view was too narrow for in the pool whose files are in `dir`. */
export function viewMisses(dir: string): string[] {
  const file = path.join(dir, "view-misses");
  return fs.existsSync(file) ? fs.readFileSync(file, "utf8").split("\n").filter(Boolean) : [];
}

/** The pool's counters (provider-pool.js, `/bulwark.pool/stats`), asked through a profile's socket. */
export function poolStats(reattach: string): Promise<Record<string, any>> {
  const sock = JSON.parse(reattach)["registry.terraform.io/hashicorp/aws"].Addr.String;
  return new Promise((resolve, reject) => {
    const session = http2.connect("http://pool", { createConnection: () => net.connect(sock) });
    session.on("error", reject);
    const req = session.request({ ":path": "/bulwark.pool/stats" });
    let body = "";
    req.on("data", (d) => (body += d));
    req.on("error", reject);
    req.on("end", () => {
      session.close();
      try {
        resolve(JSON.parse(body));
      } catch (e) {
        reject(e);
      }
    });
    req.end();
  });
}

/**
 * Kills what a pool in `dir` started and left running: its provider processes outlive a pool killed with
 * SIGKILL (go-plugin kills the reattach pid when a dial to it fails). Only pids the pool wrote down whose
 * command line is still an aws provider, not exited; returns them.
 */
export function stopPoolLeftovers(dir: string): number[] {
  const file = path.join(dir, "pids");
  if (!fs.existsSync(file)) return [];
  const killed: number[] = [];
  for (const pid of fs.readFileSync(file, "utf8").split("\n").filter(Boolean).map(Number)) {
    try {
      const state = fs.readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.[0];
      if (state === "Z" || !fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("terraform-provider-aws")) continue;
      process.kill(pid, "SIGKILL");
      killed.push(pid);
    } catch {
      /* gone */
    }
  }
  return killed;
}

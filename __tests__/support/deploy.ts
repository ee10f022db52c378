/**
 * Applying to the AWS API emulator: which resources go in (the rest named with the emulator's
 * error), `cdktf deploy`/`destroy` as users run them, the plan right after an apply, and AWS SDK
 * clients that read back what the emulator stores. See docs/TESTING.md, "Deploying to the emulator".
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { AssumeRoleCommand, STSClient } from "@aws-sdk/client-sts";
import { EMULATOR_DEPLOY_ROLE, emulatorProviderSettings } from "../../modules/core/emulator";
import { EmulatorGap, EmulatorQuirk } from "../deploy/emulator-gaps";
import { ROOT } from "./app";
import { terraform, terraformEnv } from "./terraform";
import { attached, viewTooNarrow } from "./provider-server";

type Json = Record<string, any>;

/** The addresses of a Terraform JSON configuration's managed resources, each with the addresses it refers to. */
export function resourceGraph(config: Json): Map<string, Set<string>> {
  const resources = new Map<string, Json>();
  for (const [type, byName] of Object.entries((config.resource ?? {}) as Record<string, Record<string, Json>>)) {
    for (const [name, body] of Object.entries(byName)) resources.set(`${type}.${name}`, body);
  }
  const graph = new Map<string, Set<string>>();
  for (const [address, body] of resources) {
    const { "//": _meta, ...rest } = body;
    const text = JSON.stringify(rest);
    const refs = new Set<string>();
    for (const m of text.matchAll(/\b(aws_[a-z0-9_]+\.[A-Za-z_][A-Za-z0-9_-]*)/g)) if (resources.has(m[1]) && m[1] !== address) refs.add(m[1]);
    graph.set(address, refs);
  }
  return graph;
}

export interface ApplyScope {
  /** What the apply creates (`-target` each). */
  applied: string[];
  /** What it leaves out, each with the reason: the emulator's gap, or the left-out resource it depends on. */
  leftOut: Map<string, string>;
}

/**
 * The resources and data sources of `terraform graph`'s output (its resource-only graph, Terraform ≥ 1.7),
 * by address without instance keys, each with the ones it depends on: what `applyScopeOf` needs,
 * from Terraform's own dependency analysis. `terraform graph` builds the plan graph without walking it:
 * it asks the provider for its schema and configures nothing, so it needs neither a plan nor the
 * emulator (a plan of the published examples' sixteen provider configurations cost about 29 s of CPU).
 */
export function dotGraph(dot: string): Map<string, Set<string>> {
  const graph = new Map<string, Set<string>>();
  const node = (address: string) => graph.get(address) ?? graph.set(address, new Set()).get(address)!;
  for (const line of dot.split("\n")) {
    const edge = /^\s*"([^"]+)"\s*->\s*"([^"]+)"/.exec(line);
    if (edge) {
      node(edge[1]).add(edge[2]);
      node(edge[2]);
      continue;
    }
    const declared = /^\s*"([^"]+)"\s*\[label=/.exec(line);
    if (declared) node(declared[1]);
  }
  return graph;
}

/**
 * `-target` arguments that select exactly `applied` among `all` (addresses without instance keys, as
 * `dotGraph` gives them), as coarse as possible: a module call whose every resource is applied is
 * targeted whole (a target ending in a module call without a key takes every instance of a counted
 * module, where a resource address below it would take none), otherwise its resources one by one.
 * Data sources are never targeted: Terraform reads those a target needs.
 */
export function coveringTargets(applied: readonly string[], all: readonly string[]): string[] {
  const managed = (a: string) => !/(^|\.)data\./.test(a);
  const keep = new Set(applied.filter(managed));
  const every = all.filter(managed);
  const out: string[] = [];
  const visit = (prefix: string, addresses: string[]): void => {
    const calls = new Map<string, string[]>();
    for (const a of addresses) {
      const rest = a.slice(prefix.length);
      const call = /^(module\.[^.]+)\./.exec(rest)?.[1];
      if (call) calls.set(call, [...(calls.get(call) ?? []), a]);
      else if (keep.has(a)) out.push(a);
    }
    for (const [call, inside] of calls) {
      if (inside.every((a) => keep.has(a))) out.push(`${prefix}${call}`);
      else if (inside.some((a) => keep.has(a))) visit(`${prefix}${call}.`, inside);
    }
  };
  visit("", every);
  return out.sort();
}

/** Splits a configuration into what the emulator can apply and what it cannot (with everything that depends on that). */
export function applyScope(config: Json, gaps: EmulatorGap[]): ApplyScope {
  return applyScopeOf(resourceGraph(config), gaps);
}

/** `applyScope` over a graph of addresses and what each refers to. */
export function applyScopeOf(graph: Map<string, Set<string>>, gaps: EmulatorGap[]): ApplyScope {
  const leftOut = new Map<string, string>();
  for (const address of graph.keys()) {
    const type = address.split(".").slice(-2)[0];
    const gap = gaps.find((g) => g.type === type);
    if (gap) leftOut.set(address, `the emulator cannot apply ${gap.type}: ${gap.error}`);
  }
  for (let changed = true; changed; ) {
    changed = false;
    for (const [address, refs] of graph) {
      if (leftOut.has(address)) continue;
      const missing = [...refs].find((r) => leftOut.has(r));
      if (missing) {
        leftOut.set(address, `depends on ${missing}, which is left out`);
        changed = true;
      }
    }
  }
  return { applied: [...graph.keys()].filter((a) => !leftOut.has(a)).sort(), leftOut };
}

/** Removes terminal colour and cursor sequences. */
export function plain(text: string): string {
  return text.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, "").replace(/\r/g, "");
}

/**
 * The refusals in cdktf's output, one line each: stack, resource address and Terraform's error
 * (cdktf prefixes every line of a stack's Terraform output with the stack's name).
 */
export function refusals(output: string, stacks: readonly string[]): string[] {
  const lines = plain(output).split("\n");
  const found: string[] = [];
  let current = "?";
  for (let i = 0; i < lines.length; i++) {
    const head = /^(\S+)\s/.exec(lines[i])?.[1];
    if (head !== undefined && stacks.includes(head)) current = head;
    const m = /^\S*\s*│\s*Error: (.*)$/.exec(lines[i]);
    if (!m) continue;
    const stack = current;
    let message = m[1].trim();
    let address = "";
    for (let j = i + 1; j < Math.min(lines.length, i + 25); j++) {
      const body = lines[j].replace(/^\S+\s+(?=│)/, "");
      if (/^│?\s*╵/.test(body) || /Error: /.test(body)) break;
      const w = /│\s+with ([^\s,]+)/.exec(body);
      if (w) {
        address = w[1];
        break;
      }
      const more = /^│\s*(.*)$/.exec(body);
      if (more && more[1].trim() && !address && message.length < 600) message += ` ${more[1].trim()}`;
    }
    const line = `stack ${stack}: ${address || "(no resource)"}: ${message}`;
    if (!found.includes(line)) found.push(line);
  }
  return found;
}

export interface CdktfRun {
  status: number | null;
  output: string;
}

/**
 * Runs `terraform` or `cdktf` to its end without blocking the event loop (so that several run at once);
 * stdout and stderr interleaved. Terraform attaches to the run's provider processes where the
 * environment allows (`attached`, provider-server.ts).
 */
export async function run(bin: string, args: string[], opts: { cwd: string; env: NodeJS.ProcessEnv; scan?: string[] }): Promise<CdktfRun> {
  const terraformItself = path.basename(bin).startsWith("terraform");
  // Terraform's configuration is in its working directory; cdktf's, where the caller says (its output).
  const scan = opts.scan ?? (terraformItself ? [opts.cwd] : undefined);
  const once = (env: NodeJS.ProcessEnv) =>
    new Promise<CdktfRun>((resolve, reject) => {
      const child = spawn(bin, args, { cwd: opts.cwd, env, stdio: ["ignore", "pipe", "pipe"] });
      const chunks: Buffer[] = [];
      child.stdout.on("data", (c: Buffer) => chunks.push(c));
      child.stderr.on("data", (c: Buffer) => chunks.push(c));
      child.once("error", (e) => reject(new Error(`cannot run ${bin}: ${e.message}`)));
      child.once("close", (status) => resolve({ status, output: Buffer.concat(chunks).toString("utf8") }));
    });
  const env = attached(args, opts.env, scan);
  const first = await once(env);
  // A schema view too narrow (provider-server.ts): Terraform refused before it changed anything, so once
  // more with the whole schema. Not cdktf: it may have applied a stack before another one failed.
  if (first.status === 0 || !terraformItself || !viewTooNarrow(env, first.output, args, opts.cwd)) return first;
  return once(attached(args, opts.env));
}

/** Runs the project's cdktf CLI (`cdktf deploy`, `cdktf destroy`) from the repository root. */
export function cdktf(args: string[], env: NodeJS.ProcessEnv): Promise<CdktfRun> {
  const bin = path.join(ROOT, "node_modules", ".bin", "cdktf");
  // With --skip-synth, the configuration Terraform runs is the given output's, whole: a view of its types.
  const at = args.indexOf("--output");
  const scan = args.includes("--skip-synth") && at >= 0 && args[at + 1] ? [path.resolve(ROOT, args[at + 1])] : undefined;
  return run(bin, [...args, "--no-color"], { cwd: ROOT, env: { ...terraformEnv(), CI: "1", FORCE_COLOR: "0", ...env }, scan });
}

/**
 * Whether a `cdktf deploy` applied every stack named: Terraform said "Apply complete!" for each and
 * refused nothing. cdktf 0.21's CLI then fails drawing an output whose value is null (`Object.entries`
 * of null in its outputs view): an output that refers to a left-out resource is null after a targeted
 * apply, so that one failure of the CLI's own, after the apply, is not taken as the deploy failing.
 */
export function deployResult(run: CdktfRun, stacks: readonly string[]): { ok: boolean; refused: string[]; cliNullOutputCrash: boolean } {
  const text = plain(run.output);
  const refused = refusals(run.output, stacks);
  // cdktf prefixes only the first line of a block of a stack's output with its name: count the completions.
  const applied = (text.match(/Apply complete! Resources: \d+ added/g) ?? []).length >= stacks.length;
  const cliNullOutputCrash = run.status !== 0 && /Cannot convert undefined or null to object/.test(text) && /cdktf-cli\/bundle\/bin\/cmds\/handlers\.js/.test(text);
  return { ok: refused.length === 0 && applied && (run.status === 0 || cliNullOutputCrash), refused, cliNullOutputCrash };
}

export interface PlannedChange {
  address: string;
  type: string;
  actions: string[];
  /** Top-level attributes whose planned value differs from the stored one. */
  attributes: string[];
  /** The stored and planned values of those attributes, for the failure message. */
  detail: string;
  /** Every value that differs, as a path without list indexes (`rule.destination.bucket`); an attribute known only after apply is its own path. */
  paths: string[];
}

/** The paths (list indexes left out) at which two values differ. */
export function differingPaths(before: unknown, after: unknown, at: string): string[] {
  const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
  if (Array.isArray(before) && Array.isArray(after) && before.length === after.length) return before.flatMap((b, i) => differingPaths(b, after[i], at));
  if (Array.isArray(before) && Array.isArray(after) && before.length + after.length === 1) return differingPaths(before[0] ?? {}, after[0] ?? {}, at);
  if (isObject(before) && isObject(after)) {
    return [...new Set([...Object.keys(before), ...Object.keys(after)])].flatMap((k) => differingPaths(before[k], after[k], `${at}.${k}`));
  }
  return JSON.stringify(before ?? null) === JSON.stringify(after ?? null) ? [] : [at];
}

/**
 * `terraform plan -detailed-exitcode` of an applied stack (limited to `targets`), with what would change;
 * `opts.env` adds to Terraform's environment, `opts.args` to the plan's arguments.
 */
export async function planAfterApply(dir: string, targets: string[], opts: { env?: NodeJS.ProcessEnv; args?: string[] } = {}): Promise<{ exitCode: number | null; changes: PlannedChange[] }> {
  const bin = process.env.TERRAFORM_BIN ?? "terraform";
  const args = ["plan", "-no-color", "-input=false", "-lock=false", "-detailed-exitcode", "-out=after-apply.tfplan", ...(opts.args ?? []), ...targets.map((t) => `-target=${t}`)];
  const res = await run(bin, args, { cwd: dir, env: { ...terraformEnv(), ...opts.env } });
  if (res.status !== 0 && res.status !== 2) throw new Error(`terraform plan after the apply failed in ${dir}:\n${plain(res.output).trim()}`);
  const plan = JSON.parse(terraform(dir, ["show", "-json", "after-apply.tfplan"]).stdout) as Json;
  fs.rmSync(path.join(dir, "after-apply.tfplan"), { force: true });
  const changes: PlannedChange[] = [];
  for (const rc of (plan.resource_changes ?? []) as Json[]) {
    const actions = rc.change.actions as string[];
    if (actions.every((a) => a === "no-op" || a === "read")) continue;
    const before = (rc.change.before ?? {}) as Json;
    const after = (rc.change.after ?? {}) as Json;
    const unknown = (rc.change.after_unknown ?? {}) as Json;
    const keys = new Set([...Object.keys(before), ...Object.keys(after), ...Object.keys(unknown)]);
    const attributes = [...keys].filter((k) => JSON.stringify(before[k]) !== JSON.stringify(after[k]) || unknown[k] === true || (typeof unknown[k] === "object" && JSON.stringify(unknown[k]).includes("true"))).sort();
    const detail = attributes.map((k) => `${k}: ${JSON.stringify(before[k])} -> ${unknown[k] === true ? "(known after apply)" : JSON.stringify(after[k])}`).join("; ");
    const paths = attributes.flatMap((k) => (unknown[k] === true || (typeof unknown[k] === "object" && JSON.stringify(unknown[k]).includes("true")) ? [k] : differingPaths(before[k], after[k], k)));
    changes.push({ address: rc.address, type: rc.type, actions, attributes, detail, paths: paths.length ? paths : attributes });
  }
  return { exitCode: res.status, changes };
}

/** The planned changes no listed emulator quirk explains, as `address: attribute (actions)` lines. */
export function unexplained(changes: PlannedChange[], quirks: EmulatorQuirk[]): string[] {
  const out: string[] = [];
  for (const c of changes) {
    if (!c.actions.every((a) => a === "update")) {
      out.push(`${c.address}: ${c.actions.join("/")} (${c.attributes.join(", ") || "no attribute"})`);
      continue;
    }
    // A quirk names an attribute or a path below it; every differing path must fall under one.
    const covered = (path: string) => quirks.some((q) => q.type === c.type && (path === q.attribute || path.startsWith(`${q.attribute}.`)));
    for (const path of c.paths ?? c.attributes) if (!covered(path)) out.push(`${c.address}: ${path} (update; ${c.detail})`);
  }
  return out;
}

/** SDK client settings for one account of the emulator: a role there assumed, as the stacks' providers do. */
export async function emulatorCredentials(url: string, accountId: string, region: string) {
  const sts = new STSClient({ endpoint: url, region, credentials: { accessKeyId: "emulator", secretAccessKey: "emulator" } });
  const res = await sts.send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${accountId}:role/${EMULATOR_DEPLOY_ROLE}`, RoleSessionName: "bulwark-readback" }));
  const c = res.Credentials!;
  return {
    endpoint: url,
    region,
    forcePathStyle: true,
    credentials: { accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken },
  };
}

/** The `provider "aws"` configurations of an HCL file: `undefined` for the default one, else the alias. */
export function providerAliases(hcl: string): (string | undefined)[] {
  const out: (string | undefined)[] = [];
  for (const m of hcl.matchAll(/^provider\s+"aws"\s*\{([\s\S]*?)^\}/gm)) out.push(/^\s*alias\s*=\s*"([^"]+)"/m.exec(m[1])?.[1]);
  return out;
}

/**
 * What sends a published example's providers to the emulator, as the account `accountId`: the
 * override file (`emulator_override.tf.json`, one entry per provider configuration) and the
 * environment its Terraform runs with. The settings are the constructs' (`emulatorProviderSettings`)
 * with the endpoint from the environment (`AWS_ENDPOINT_URL`, the SDK's own setting, every service
 * at once) rather than an `endpoints` block: the provider spends about 3 s of CPU validating such a
 * block, even an empty one, in every provider process, and Terraform starts one per provider
 * configuration per walk (validate, plan, apply), so a root of sixteen configurations spent most of
 * its time there (docs/PERFORMANCE.md).
 */
export function emulatorOverride(url: string, accountId: string, aliases: (string | undefined)[]): { override: { provider: { aws: Record<string, unknown>[] } }; env: { AWS_ENDPOINT_URL: string } } {
  // The same settings the constructs give their providers, in Terraform's spelling.
  const settings = snakeKeys(emulatorProviderSettings(url, accountId, "environment")) as Record<string, unknown>;
  return { override: { provider: { aws: aliases.map((alias) => ({ ...(alias ? { alias } : {}), ...settings })) } }, env: { AWS_ENDPOINT_URL: url } };
}

/** A value with every object key from camelCase to Terraform's snake_case (`roleArn` → `role_arn`). */
function snakeKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(snakeKeys);
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined).map(([k, v]) => [k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`), snakeKeys(v)]));
  }
  return value;
}

import * as fs from "node:fs";
import * as path from "node:path";
import { parse as parseYaml } from "yaml";
import { TfResource, UNKNOWN } from "./model";

/** Unreadable or unrecognised input: the CLI turns it into exit status 2. */
export class InputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "InputError";
  }
}

export interface LoadedInput {
  kind: "config" | "plan";
  resources: TfResource[];
  stacks: string[];
}

/** Name of the plain-Terraform suppression file read next to a configuration or plan. */
export const SUPPRESSION_FILE = "bulwark-suppressions.yaml";

const REF = /\$\{([^}]*)\}/g;
const ADDRESS = /(?:^|[^A-Za-z0-9_.])((?:data\.)?[a-z][a-z0-9_]*\.[A-Za-z_][A-Za-z0-9_-]*)/g;

/** Addresses mentioned inside `${...}` expressions anywhere in a value. */
export function referencesIn(value: unknown, out = new Set<string>()): Set<string> {
  if (typeof value === "string") {
    for (const m of value.matchAll(REF)) for (const a of m[1].matchAll(ADDRESS)) if (!/^(var|local|each|count|path|self|module|terraform)\./.test(a[1])) out.add(a[1]);
  } else if (Array.isArray(value)) {
    for (const v of value) referencesIn(v, out);
  } else if (value && typeof value === "object") {
    for (const v of Object.values(value)) referencesIn(v, out);
  }
  return out;
}

function readJson(file: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (e) {
    throw new InputError(`${file}: cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new InputError(`${file}: is not valid JSON (${(e as Error).message})`);
  }
}

function isPlan(json: Record<string, unknown>): boolean {
  return typeof json.format_version === "string" && ("planned_values" in json || "resource_changes" in json || "terraform_version" in json);
}

function isConfig(json: Record<string, unknown>): boolean {
  return ["resource", "data", "terraform", "provider", "module", "variable", "output", "locals"].some((k) => k in json);
}

/** Resources of one Terraform JSON configuration (a cdktf stack or a *.tf.json file). */
export function configResources(json: Record<string, any>, stack: string): TfResource[] {
  const out: TfResource[] = [];
  const account = accountOfConfig(json);
  for (const [mode, key] of [["managed", "resource"], ["data", "data"]] as const) {
    for (const [type, byName] of Object.entries<Record<string, any>>(json[key] ?? {})) {
      for (const [name, body] of Object.entries<Record<string, any>>(byName ?? {})) {
        const { "//": meta, ...values } = body ?? {};
        const refs: Record<string, string[]> = {};
        for (const [attr, v] of Object.entries(values)) {
          const r = [...referencesIn(v)];
          if (r.length) refs[attr] = r;
        }
        out.push({
          stack,
          mode,
          type,
          name,
          address: mode === "data" ? `data.${type}.${name}` : `${type}.${name}`,
          values,
          refs,
          constructPath: meta?.metadata?.path,
          suppressions: Array.isArray(meta?.bulwark?.suppressions) ? meta.bulwark.suppressions : [],
          ...(account ? { account } : {}),
        });
      }
    }
  }
  return out;
}

/** `account/region` of a configuration's default AWS provider, when both are literal. */
function accountOfConfig(json: Record<string, any>): string | undefined {
  const providers = json.provider?.aws;
  const p = (Array.isArray(providers) ? providers : providers ? [providers] : []).find((x: { alias?: string }) => !x?.alias);
  const account = Array.isArray(p?.allowed_account_ids) && p.allowed_account_ids.length === 1 ? p.allowed_account_ids[0] : undefined;
  const region = typeof p?.region === "string" && !p.region.includes("${") ? p.region : undefined;
  return account && region ? `${account}/${region}` : undefined;
}

/** Replaces values unknown until apply with UNKNOWN, following `after_unknown`. */
function withUnknowns(values: unknown, unknown: unknown): unknown {
  if (unknown === true) return values === undefined || values === null ? UNKNOWN : values;
  if (Array.isArray(unknown)) {
    const arr = Array.isArray(values) ? [...values] : [];
    unknown.forEach((u, i) => (arr[i] = withUnknowns(arr[i], u)));
    return arr;
  }
  if (unknown && typeof unknown === "object") {
    const obj: Record<string, unknown> = values && typeof values === "object" ? { ...(values as object) } : {};
    for (const [k, u] of Object.entries(unknown)) obj[k] = withUnknowns(obj[k], u);
    return obj;
  }
  return values;
}

/** Resources of a `terraform show -json` plan: planned values, unknowns marked, references from its configuration. */
export function planResources(plan: Record<string, any>, stack: string): TfResource[] {
  const unknowns = new Map<string, unknown>();
  for (const rc of plan.resource_changes ?? []) if (rc.change?.after_unknown) unknowns.set(rc.address, rc.change.after_unknown);
  const configRefs = new Map<string, Record<string, string[]>>();
  const walkConfig = (mod: any, prefix: string) => {
    for (const r of mod?.resources ?? []) {
      const refs: Record<string, string[]> = {};
      for (const [attr, expr] of Object.entries<any>(r.expressions ?? {})) {
        const found = new Set<string>();
        const collect = (e: any) => {
          if (Array.isArray(e)) e.forEach(collect);
          else if (e && typeof e === "object") {
            for (const ref of e.references ?? []) {
              const m = /^((?:data\.)?[a-z][a-z0-9_]*\.[A-Za-z_][A-Za-z0-9_-]*)/.exec(ref);
              if (m && !/^(var|local|each|count|path|self|module)\./.test(m[1])) found.add(prefix + m[1]);
            }
            for (const [k, v] of Object.entries(e)) if (k !== "references") collect(v);
          }
        };
        collect(expr);
        if (found.size) refs[attr] = [...found];
      }
      configRefs.set(prefix + r.address, refs);
    }
    for (const [name, call] of Object.entries<any>(mod?.module_calls ?? {})) walkConfig(call.module, `${prefix}module.${name}.`);
  };
  walkConfig(plan.configuration?.root_module, "");

  const out: TfResource[] = [];
  const walk = (mod: any) => {
    for (const r of mod?.resources ?? []) {
      const baseAddress = String(r.address).replace(/\[[^\]]*\]$/, "");
      out.push({
        stack,
        mode: r.mode === "data" ? "data" : "managed",
        type: r.type,
        name: r.index !== undefined ? `${r.name}[${JSON.stringify(r.index)}]` : r.name,
        address: r.address,
        values: withUnknowns(r.values ?? {}, unknowns.get(r.address)) as Record<string, any>,
        refs: configRefs.get(baseAddress) ?? {},
        suppressions: [],
      });
    }
    for (const child of mod?.child_modules ?? []) walk(child);
  };
  walk(plan.planned_values?.root_module);
  return out;
}

interface SuppressionEntry {
  rule: string;
  address: string;
  reason: string;
}

/** Reads `bulwark-suppressions.yaml` from `dir` if present: `- { rule, address, reason }`. */
export function readSuppressionFile(dir: string): SuppressionEntry[] {
  const file = path.join(dir, SUPPRESSION_FILE);
  if (!fs.existsSync(file)) return [];
  let doc: unknown;
  try {
    doc = parseYaml(fs.readFileSync(file, "utf8"));
  } catch (e) {
    throw new InputError(`${file}: is not valid YAML (${(e as Error).message.split("\n")[0]})`);
  }
  const list = (doc as { suppressions?: unknown })?.suppressions ?? doc;
  if (!Array.isArray(list)) throw new InputError(`${file}: must be a list of { rule, address, reason }`);
  return list.map((e, i) => {
    const entry = e as Partial<SuppressionEntry>;
    for (const k of ["rule", "address", "reason"] as const) {
      if (typeof entry?.[k] !== "string" || !entry[k]!.trim()) throw new InputError(`${file}: entry ${i + 1}: ${k} is required`);
    }
    if (entry.reason!.trim().length < 10) throw new InputError(`${file}: entry ${i + 1}: reason must say why (at least 10 characters)`);
    return entry as SuppressionEntry;
  });
}

function applySuppressionFile(resources: TfResource[], entries: SuppressionEntry[]): TfResource[] {
  if (entries.length === 0) return resources;
  return resources.map((r) => {
    const extra = entries
      .filter((e) => e.address === r.address || e.address === `${r.stack}:${r.address}` || (e.address.endsWith("*") && r.address.startsWith(e.address.slice(0, -1))))
      .map((e) => ({ ruleId: e.rule, reason: e.reason }));
    return extra.length ? { ...r, suppressions: [...r.suppressions, ...extra] } : r;
  });
}

/**
 * Loads a cdktf output directory (manifest.json), a directory of `*.tf.json`, one
 * `*.tf.json`, or a plan JSON. Throws InputError for anything else.
 */
export function loadInput(target: string): LoadedInput {
  if (!fs.existsSync(target)) throw new InputError(`${target}: no such file or directory`);
  const stat = fs.statSync(target);
  if (stat.isDirectory()) {
    const manifest = path.join(target, "manifest.json");
    let resources: TfResource[] = [];
    let stacks: string[];
    if (fs.existsSync(manifest)) {
      const m = readJson(manifest) as { stacks?: Record<string, { synthesizedStackPath?: string }> };
      if (!m.stacks || typeof m.stacks !== "object") throw new InputError(`${manifest}: is not a cdktf manifest (no stacks)`);
      stacks = Object.keys(m.stacks).sort();
      for (const name of stacks) {
        const file = path.join(target, m.stacks[name].synthesizedStackPath ?? path.join("stacks", name, "cdk.tf.json"));
        resources.push(...applySuppressionFile(configResources(readJson(file) as Record<string, any>, name), readSuppressionFile(path.dirname(file))));
      }
    } else {
      const files = fs.readdirSync(target).filter((f) => f.endsWith(".tf.json")).sort();
      if (files.length === 0) {
        const hcl = fs.readdirSync(target).some((f) => f.endsWith(".tf"));
        throw new InputError(`${target}: holds no cdktf manifest.json and no *.tf.json${hcl ? " (HCL is not read: pass `terraform show -json` output of a plan)" : ""}`);
      }
      const stack = path.basename(path.resolve(target));
      stacks = [stack];
      for (const f of files) {
        const json = readJson(path.join(target, f)) as Record<string, unknown>;
        if (!isConfig(json)) throw new InputError(`${path.join(target, f)}: is not a Terraform JSON configuration`);
        resources.push(...configResources(json, stack));
      }
      resources = applySuppressionFile(resources, readSuppressionFile(target));
    }
    return { kind: "config", resources, stacks };
  }
  const json = readJson(target);
  if (!json || typeof json !== "object" || Array.isArray(json)) throw new InputError(`${target}: is neither a Terraform JSON configuration nor a plan`);
  const obj = json as Record<string, unknown>;
  const stack = path.basename(target).replace(/(\.tf)?\.json$/, "").replace(/^cdk$/, path.basename(path.dirname(path.resolve(target))));
  const entries = readSuppressionFile(path.dirname(target));
  if (isPlan(obj)) {
    if (!/^1\./.test(String(obj.format_version))) throw new InputError(`${target}: plan format_version ${obj.format_version} is not supported (1.x)`);
    return { kind: "plan", resources: applySuppressionFile(planResources(obj, stack), entries), stacks: [stack] };
  }
  if (isConfig(obj)) return { kind: "config", resources: applySuppressionFile(configResources(obj, stack), entries), stacks: [stack] };
  throw new InputError(`${target}: is neither a Terraform JSON configuration nor a plan (no resource/terraform keys, no format_version)`);
}

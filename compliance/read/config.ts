import * as path from "node:path";
import { InputGap, SuppressionRecord, TfResource } from "../model";
import { unknown } from "../values";
import { expectObject, InputError, isObject, kindOf } from "./json";

/**
 * Terraform JSON configurations as Terraform reads them: every `*.tf.json` of a directory
 * together, override files (`override.tf.json`, `*_override.tf.json`) merged into the blocks
 * they override, expressions kept as Unknown values with the references they make.
 */

const BLOCK_KEYS = ["resource", "data", "module", "provider", "variable", "output", "locals", "terraform", "moved", "import", "removed", "check"] as const;

export function isOverrideFile(file: string): boolean {
  const base = path.basename(file);
  return /^override\.tf(\.json)?$/.test(base) || /_override\.tf(\.json)?$/.test(base);
}

export function looksLikeConfig(json: Record<string, unknown>): boolean {
  return (BLOCK_KEYS as readonly string[]).some((k) => k in json);
}

type Body = Record<string, unknown>;
/** type → name → body, with where each came from. */
type Labeled = Map<string, Map<string, { body: Body; file: string }>>;

/** A configuration read from one or more files. */
export interface MergedConfig {
  readonly resource: Labeled;
  readonly data: Labeled;
  readonly module: Map<string, { body: Body; file: string }>;
  readonly provider: Record<string, unknown>;
}

/**
 * HCL JSON allows a block's content as an object or as a list of objects (several blocks);
 * yields the objects, refusing anything else with the file and path.
 */
function objectsAt(value: unknown, file: string, where: string): Body[] {
  if (Array.isArray(value)) return value.map((v, i) => expectObject(v, file, `${where}[${i}]`));
  return [expectObject(value, file, where)];
}

function labeledBlocks(json: Body, key: "resource" | "data", file: string, into: Labeled, override: boolean): void {
  if (!(key in json)) return;
  for (const byType of objectsAt(json[key], file, key)) {
    for (const [type, byNameValue] of Object.entries(byType)) {
      if (type === "//") continue;
      for (const byName of objectsAt(byNameValue, file, `${key}.${type}`)) {
        for (const [name, bodyValue] of Object.entries(byName)) {
          if (name === "//") continue;
          const bodies = objectsAt(bodyValue, file, `${key}.${type}.${name}`);
          if (bodies.length !== 1) throw new InputError(`${file}: ${key}.${type}.${name} must be one object, not a list of ${bodies.length}`);
          const what = `${key === "data" ? "data." : ""}${type}.${name}`;
          const byTypeMap = into.get(type) ?? into.set(type, new Map()).get(type)!;
          const existing = byTypeMap.get(name);
          if (override) {
            if (!existing) throw new InputError(`${file}: overrides ${what}, which no other file defines (Terraform refuses this)`);
            existing.body = mergeBody(existing.body, bodies[0]);
          } else {
            if (existing) throw new InputError(`${file}: ${what} is also defined in ${existing.file} (Terraform refuses duplicate resources)`);
            byTypeMap.set(name, { body: bodies[0], file });
          }
        }
      }
    }
  }
}

/**
 * Terraform's override merge for a block body: each argument the override sets replaces the
 * original (a nested block type replaces all blocks of that type), except `lifecycle`, which
 * is merged argument by argument.
 */
function mergeBody(base: Body, override: Body): Body {
  const out: Body = { ...base };
  for (const [k, v] of Object.entries(override)) {
    if (k === "lifecycle" && isObject(base.lifecycle) && isObject(v)) out.lifecycle = { ...base.lifecycle, ...v };
    else out[k] = v;
  }
  return out;
}

function providers(json: Body, file: string, into: Record<string, unknown>, override: boolean): void {
  if (!("provider" in json)) return;
  for (const byName of objectsAt(json.provider, file, "provider")) {
    for (const [name, value] of Object.entries(byName)) {
      if (name === "//") continue;
      const configs = objectsAt(value, file, `provider.${name}`);
      const list = (into[name] as Body[] | undefined) ?? [];
      for (const c of configs) {
        const i = list.findIndex((p) => (p.alias ?? null) === (c.alias ?? null));
        if (override && i >= 0) list[i] = mergeBody(list[i], c);
        else if (override) throw new InputError(`${file}: overrides provider ${name}${c.alias ? ` (alias ${c.alias})` : ""}, which no other file configures`);
        else list.push(c);
      }
      into[name] = list;
    }
  }
}

function modules(json: Body, file: string, into: MergedConfig["module"], override: boolean): void {
  if (!("module" in json)) return;
  for (const byName of objectsAt(json.module, file, "module")) {
    for (const [name, body] of Object.entries(byName)) {
      if (name === "//") continue;
      const bodies = objectsAt(body, file, `module.${name}`);
      if (bodies.length !== 1) throw new InputError(`${file}: module.${name} must be one object, not a list of ${bodies.length}`);
      const b = bodies[0];
      const existing = into.get(name);
      if (override) {
        if (!existing) throw new InputError(`${file}: overrides module.${name}, which no other file defines`);
        existing.body = mergeBody(existing.body, b);
      } else {
        if (existing) throw new InputError(`${file}: module.${name} is also defined in ${existing.file}`);
        into.set(name, { body: b, file });
      }
    }
  }
}

/**
 * Merges configuration files the way Terraform loads a module directory: base files first,
 * then override files in lexical order. `files` maps a path to its parsed JSON.
 */
export function mergeConfigs(files: readonly { file: string; json: unknown }[]): MergedConfig {
  const merged: MergedConfig = { resource: new Map(), data: new Map(), module: new Map(), provider: {} };
  const ordered = [...files.filter((f) => !isOverrideFile(f.file)), ...files.filter((f) => isOverrideFile(f.file))];
  for (const { file, json } of ordered) {
    if (!isObject(json)) throw new InputError(`${file}: must hold a JSON object (a Terraform configuration), not ${kindOf(json)}`);
    const override = isOverrideFile(file);
    labeledBlocks(json, "resource", file, merged.resource, override);
    labeledBlocks(json, "data", file, merged.data, override);
    modules(json, file, merged.module, override);
    providers(json, file, merged.provider, override);
  }
  return merged;
}

// ------------------------------------------------------------------------------ values

const EXPRESSION = /\$\{|%\{/;
const REF = /\$\{([^}]*)\}/g;
const TRAVERSAL = /(?:^|[^A-Za-z0-9_."])((?:data\.)?[A-Za-z_][A-Za-z0-9_-]*\.[A-Za-z_][A-Za-z0-9_-]*)/g;
/** Roots that name no resource and hide none (`count.index`, `path.module`). */
const INERT = /^(count|path|terraform|self)\./;
/** Roots that stand for values this input cannot follow to a resource. */
const OPAQUE = /^(var|local|module|each)\./;

/** Turns `${...}` strings into Unknowns (the expression is kept as the reason). */
export function withExpressions(value: unknown): unknown {
  if (typeof value === "string") return EXPRESSION.test(value) ? unknown(value) : value;
  if (Array.isArray(value)) return value.map(withExpressions);
  if (isObject(value)) {
    const out: Body = {};
    for (const [k, v] of Object.entries(value)) out[k] = withExpressions(v);
    return out;
  }
  return value;
}

/** Resource addresses referred to inside `${...}`, and whether anything else is referred to. */
export function referencesIn(value: unknown, out = { addresses: new Set<string>(), opaque: false }): { addresses: Set<string>; opaque: boolean } {
  if (typeof value === "string") {
    for (const m of value.matchAll(REF)) {
      for (const a of m[1].matchAll(TRAVERSAL)) {
        if (INERT.test(a[1])) continue;
        if (OPAQUE.test(a[1])) out.opaque = true;
        else out.addresses.add(a[1]);
      }
    }
  } else if (Array.isArray(value)) {
    for (const v of value) referencesIn(v, out);
  } else if (isObject(value)) {
    for (const v of Object.values(value)) referencesIn(v, out);
  }
  return out;
}

/** `account/region` of a configuration's default AWS provider, when both are literal. */
export function accountOfProviders(provider: Record<string, unknown> | undefined): string | undefined {
  const aws = provider?.aws;
  const p = (Array.isArray(aws) ? aws : aws ? [aws] : []).find((x: Body) => isObject(x) && !x.alias) as Body | undefined;
  const ids = p?.allowed_account_ids;
  const account = Array.isArray(ids) && ids.length === 1 && typeof ids[0] === "string" && !EXPRESSION.test(ids[0]) ? ids[0] : undefined;
  const region = typeof p?.region === "string" && !EXPRESSION.test(p.region) ? p.region : undefined;
  return account && region ? `${account}/${region}` : undefined;
}

function suppressionsOf(meta: unknown, where: string): SuppressionRecord[] {
  const list = isObject(meta) && isObject(meta.bulwark) ? meta.bulwark.suppressions : undefined;
  if (list === undefined) return [];
  if (!Array.isArray(list)) throw new InputError(`${where}: "//".bulwark.suppressions must be a list of { ruleId, reason }, not ${kindOf(list)}`);
  return list.map((s, i) => {
    const at = `${where}: suppression ${i + 1}`;
    if (!isObject(s)) throw new InputError(`${at} must be { ruleId, reason }, not ${kindOf(s)}`);
    if (typeof s.ruleId !== "string" || !s.ruleId.trim()) throw new InputError(`${at}: ruleId is required`);
    if (typeof s.reason !== "string" || s.reason.trim().length < 10) {
      throw new InputError(`${at} (${s.ruleId}): reason ${s.reason === undefined ? "is missing" : JSON.stringify(s.reason)}: a suppression must say why (at least 10 characters)`);
    }
    return { ruleId: s.ruleId, reason: s.reason.trim() };
  });
}

/** Resources of a merged configuration (a cdktf stack, or a directory of `*.tf.json`). */
export function mergedResources(config: MergedConfig, stack: string): TfResource[] {
  const out: TfResource[] = [];
  const account = accountOfProviders(config.provider);
  for (const [mode, blocks] of [["managed", config.resource], ["data", config.data]] as const) {
    for (const [type, byName] of blocks) {
      for (const [name, { body, file }] of byName) {
        const { "//": meta, ...raw } = body;
        const address = mode === "data" ? `data.${type}.${name}` : `${type}.${name}`;
        const refs: Record<string, string[]> = {};
        const opaque = new Set<string>();
        for (const [attr, v] of Object.entries(raw)) {
          const r = referencesIn(v);
          if (r.addresses.size) refs[attr] = [...r.addresses];
          if (r.opaque) opaque.add(attr);
        }
        const constructPath = isObject(meta) && isObject(meta.metadata) && typeof meta.metadata.path === "string" ? meta.metadata.path : undefined;
        out.push({
          stack,
          mode,
          type,
          name,
          address,
          module: "",
          values: withExpressions(raw) as Record<string, any>,
          refs,
          opaque,
          ...(constructPath ? { constructPath } : {}),
          suppressions: suppressionsOf(meta, `${file}: ${address}`),
          ...(account ? { account } : {}),
          file,
        });
      }
    }
  }
  return out;
}

/** Resources of one Terraform JSON configuration object (a cdktf stack or one `*.tf.json`). */
export function configResources(json: Record<string, unknown>, stack: string, file = `${stack}.tf.json`): TfResource[] {
  return mergedResources(mergeConfigs([{ file, json }]), stack);
}

/** Module calls are not expanded: each is a gap in what was judged. */
export function moduleGaps(config: MergedConfig, stack: string): InputGap[] {
  return [...config.module].map(([name, { body, file }]) => ({
    stack,
    address: `${file}: module.${name}`,
    message: `module call ${name} (source ${JSON.stringify(typeof body.source === "string" ? body.source : "?")}) is not expanded: check a plan (terraform show -json) to judge its resources`,
  }));
}

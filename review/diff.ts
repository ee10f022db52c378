import * as fs from "node:fs";
import * as path from "node:path";
import { ALL_RULES, FileSuppression, Finding, InputError, loadInput, planResources, runRules, TfResource } from "../compliance/checker";
import { expectArray, expectObject, isObject, kindOf, parseJsonText } from "../compliance/read/json";
import { resourceDangers, settingsDangers } from "./dangers";
import { Action, AttributeChange, DangerClass, DangerousChange, DiffResult, emptySummary, FORCE_NEW, FORCE_NEW_WHEN, isSecurityType, ResourceChange, StackSummary, SuppressedFinding } from "./model";
import { exposureChanges } from "./exposure";
import { launchTemplateRollouts, TemplateUse, templateUsesOfConfig, templateUsesOfPlan } from "./rollout";
import { flatten, policyOf, show, stable } from "./values";

const KNOWN_AFTER_APPLY = "(known after apply)";
const SENSITIVE = "(sensitive)";

export { flatten, show } from "./values";

/** A finding's identity: rule, stack, address and subject. Its message is free text (a hop limit 2 → 3 is the same finding). */
export function findingKey(f: Finding): string {
  return `${f.ruleId}\u0000${f.stack}\u0000${f.address}\u0000${f.subject ?? ""}`;
}

/**
 * Findings the head has and the base had not (introduced), the reverse (resolved), and the
 * head's suppressed findings that the base had unsuppressed, had not at all, or had suppressed
 * for another reason (suppressed: risk newly accepted). `moved` maps a renamed resource's base
 * `stack\0address` to its head address: its findings are neither introduced nor resolved.
 */
export function compareFindings(
  base: readonly TfResource[],
  head: readonly TfResource[],
  files: { base?: readonly FileSuppression[]; head?: readonly FileSuppression[] } = {},
  moved: ReadonlyMap<string, string> = new Map(),
): { introduced: Finding[]; resolved: Finding[]; suppressed: SuppressedFinding[] } {
  const before = runRules(base, ALL_RULES, { suppressions: files.base }).findings;
  const after = runRules(head, ALL_RULES, { suppressions: files.head }).findings;
  // A renamed resource keeps its findings: the base's are keyed by the address it moved to.
  const baseKey = (f: Finding) => findingKey({ ...f, address: moved.get(`${f.stack}\u0000${f.address}`) ?? f.address });
  const beforeBy = new Map<string, Finding>();
  for (const f of before) if (!beforeBy.has(baseKey(f))) beforeBy.set(baseKey(f), f);
  const afterKeys = new Set(after.map(findingKey));
  const suppressed: SuppressedFinding[] = [];
  for (const f of after) {
    if (!f.suppressed) continue;
    const was = beforeBy.get(findingKey(f));
    if (was?.suppressed && was.suppressionReason === f.suppressionReason) continue;
    suppressed.push({ ...f, previousReason: was === undefined ? null : was.suppressed ? (was.suppressionReason ?? "") : "" });
  }
  return { introduced: after.filter((f) => !beforeBy.has(findingKey(f))), resolved: before.filter((f) => !afterKeys.has(baseKey(f))), suppressed };
}

function count(stacks: Record<string, StackSummary>, stack: string, actions: Action[]): void {
  const s = (stacks[stack] ??= emptySummary());
  for (const a of actions) if (a !== "no-op") s[a]++;
}

/** The Terraform JSON of each stack of a synthesized output (or of a directory of `*.tf.json`), for settings. */
function stackJsons(dir: string, stacks: readonly string[]): Map<string, Record<string, any>> {
  const out = new Map<string, Record<string, any>>();
  const read = (file: string) => JSON.parse(fs.readFileSync(file, "utf8")) as Record<string, any>;
  const manifest = path.join(dir, "manifest.json");
  if (fs.existsSync(manifest)) {
    const m = read(manifest) as { stacks?: Record<string, { synthesizedStackPath?: string }> };
    for (const name of stacks) out.set(name, read(path.join(dir, m.stacks?.[name]?.synthesizedStackPath ?? path.join("stacks", name, "cdk.tf.json"))));
  } else if (stacks.length === 1) {
    const merged: Record<string, any> = {};
    for (const f of fs.readdirSync(dir).filter((x) => x.endsWith(".tf.json")).sort()) {
      const json = read(path.join(dir, f));
      if (json.terraform) merged.terraform = { ...merged.terraform, ...json.terraform };
      if (json.provider) merged.provider = { ...merged.provider, ...json.provider };
      for (const [type, byName] of Object.entries<any>(json.resource ?? {})) merged.resource = { ...merged.resource, [type]: { ...merged.resource?.[type], ...byName } };
    }
    out.set(stacks[0], merged);
  }
  return out;
}

// ------------------------------------------------------------------ configuration vs configuration

/**
 * Diffs two synthesized outputs (e.g. a pull request's base and head `cdktf.out`) without
 * Terraform or credentials: added, removed and changed resources, replacements inferred
 * from arguments that force them, and renames with the `moved` block that avoids them.
 */
export function diffConfigs(baseDir: string, headDir: string): DiffResult {
  for (const [flag, dir] of [["--base", baseDir], ["--head", headDir]]) {
    if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw new InputError(`${flag} ${dir}: no such directory`);
  }
  // The one loader: suppressions (construct metadata and bulwark-suppressions.yaml) are read as `bulwark check` reads them.
  const baseInput = loadInput(baseDir);
  const headInput = loadInput(headDir);
  // Two plain single-configuration directories are named after themselves: compare them as one stack.
  const rename = baseInput.stacks.length === 1 && headInput.stacks.length === 1 && baseInput.stacks[0] !== headInput.stacks[0] ? headInput.stacks[0] : undefined;
  const base = baseInput.resources.filter((r) => r.mode === "managed").map((r) => (rename ? { ...r, stack: rename } : r));
  const head = headInput.resources.filter((r) => r.mode === "managed");
  const key = (r: TfResource) => `${r.stack}\u0000${r.address}`;
  const baseBy = new Map(base.map((r) => [key(r), r]));
  const headBy = new Map(head.map((r) => [key(r), r]));
  // The configurations as written: the reader shortens long expressions (a policy that
  // interpolates an ARN), and a change beyond the cut must still show.
  const baseJson = stackJsons(baseDir, baseInput.stacks);
  const headJson = stackJsons(headDir, headInput.stacks);
  const rawOf = (jsons: Map<string, Record<string, any>>, stack: string, r: TfResource): Record<string, any> | undefined => {
    const raw = r.module === "" ? jsons.get(stack)?.resource?.[r.type]?.[r.name] : undefined;
    if (!raw || typeof raw !== "object") return undefined;
    const { "//": _metadata, ...values } = raw;
    return values;
  };
  const raw = new Map<TfResource, Record<string, any>>();
  for (const r of base) {
    const v = rawOf(baseJson, rename ? baseInput.stacks[0] : r.stack, r);
    if (v) raw.set(r, v);
  }
  for (const r of head) {
    const v = rawOf(headJson, r.stack, r);
    if (v) raw.set(r, v);
  }
  const changes: ResourceChange[] = [];
  const created: TfResource[] = [];
  const deleted: TfResource[] = [];
  const valuesOf = new Map<TfResource, { before?: Record<string, any>; after?: Record<string, any> }>();

  for (const h of head) {
    const b = baseBy.get(key(h));
    if (!b) {
      created.push(h);
      continue;
    }
    const rb = raw.get(b) ?? b.values;
    const rh = raw.get(h) ?? h.values;
    if (stable(b.values) === stable(h.values) && stable(rb) === stable(rh)) continue;
    const attributes = attributeChanges(rb, rh, h.type);
    const replace = attributes.some((a) => a.forcesReplacement);
    const change: ResourceChange = { stack: h.stack, address: h.address, type: h.type, actions: [replace ? "replace" : "update"], constructPath: h.constructPath, attributes };
    changes.push(change);
    valuesOf.set(h, { before: b.values, after: h.values });
  }
  for (const b of base) if (!headBy.has(key(b))) deleted.push(b);

  const pairs = pairRenames(deleted, created);
  const renamed = new Set<TfResource>(pairs.flat());
  const byChange = new Map<ResourceChange, { before?: Record<string, any>; after?: Record<string, any> }>();
  for (const c of changes) {
    const h = headBy.get(`${c.stack}\u0000${c.address}`)!;
    byChange.set(c, valuesOf.get(h)!);
  }
  for (const [d, twin] of pairs) {
    const attributes = attributeChanges(d.values, twin.values);
    const change: ResourceChange = {
      stack: twin.stack,
      address: twin.address,
      type: twin.type,
      actions: ["replace"],
      constructPath: twin.constructPath,
      attributes,
      reason: `address changed from ${d.address}: Terraform destroys and recreates it${attributes.length ? "; with the moved block it updates the attributes below in place" : ""}`,
      previousAddress: d.address,
      movedBlock: `moved {\n  from = ${d.address}\n  to   = ${twin.address}\n}`,
    };
    changes.push(change);
    byChange.set(change, { before: d.values, after: twin.values });
  }
  for (const c of created.filter((r) => !renamed.has(r))) {
    const change: ResourceChange = { stack: c.stack, address: c.address, type: c.type, actions: ["create"], constructPath: c.constructPath, attributes: Object.entries(flatten(raw.get(c) ?? c.values)).sort().map(([p, v]) => ({ path: p, before: "(none)", after: show(v), ...policyOf(undefined, v) })) };
    changes.push(change);
    byChange.set(change, { after: c.values });
  }
  for (const d of deleted.filter((r) => !renamed.has(r))) {
    const change: ResourceChange = { stack: d.stack, address: d.address, type: d.type, actions: ["delete"], constructPath: d.constructPath, attributes: [] };
    changes.push(change);
    byChange.set(change, { before: d.values });
  }
  const dangerous: DangerousChange[] = [];
  for (const c of changes) dangerous.push(...resourceDangers({ stack: c.stack, address: c.address, type: c.type, actions: c.actions, ...byChange.get(c)! }));
  // Backend, provider and version constraints of every stack both sides have.
  for (const [stack, h] of headJson) {
    const b = baseJson.get(rename ? baseInput.stacks[0] : stack);
    if (b) dangerous.push(...settingsDangers(stack, b, h));
  }
  const moved = new Map(pairs.map(([d, twin]) => [`${d.stack}\u0000${d.address}`, twin.address]));
  const findings = compareFindings(base, head, { base: baseInput.suppressions.map((x) => (rename && x.stack ? { ...x, stack: rename } : x)), head: headInput.suppressions }, moved);
  const names: Record<string, Record<string, string>> = {};
  for (const r of [...base, ...head]) if (r.constructPath) (names[r.stack] ??= {})[r.address] = r.constructPath;
  const newStacks: NonNullable<DiffResult["newStacks"]> = {};
  if (!rename && baseInput.stacks.length > 0) {
    for (const [stack, h] of headJson) if (!baseJson.has(stack)) newStacks[stack] = accountOf(Object.values<any>(h.provider ?? {}).flat().find((p) => p && !p.alias));
  }
  return { ...finish("config", changes, findings, dangerous, [], [], templateUsesOfConfig(head), { names, newStacks }), exposure: exposureChanges(base, head) };
}

/** The account (`allowed_account_ids`, when it names one) and region a provider configuration allows. */
function accountOf(provider: Record<string, any> | undefined): { account?: string; region?: string } {
  const ids = provider?.allowed_account_ids;
  const account = Array.isArray(ids) && ids.every((x) => typeof x === "string") && ids.length ? ids.join(", ") : undefined;
  const region = typeof provider?.region === "string" ? provider.region : undefined;
  return { ...(account ? { account } : {}), ...(region ? { region } : {}) };
}

/** The literal values of a plan's provider configuration expressions (`constant_value`); references as `${...}`. */
export function providerValues(expressions: Record<string, any> | undefined): Record<string, unknown> {
  const value = (e: any): unknown => {
    if (Array.isArray(e)) return e.map((b) => providerValues(b));
    if (e && typeof e === "object" && "constant_value" in e) return e.constant_value;
    if (e && typeof e === "object" && Array.isArray(e.references)) return `\${${e.references[0] ?? "an expression"}}`;
    return e && typeof e === "object" ? providerValues(e) : e;
  };
  return Object.fromEntries(Object.entries(expressions ?? {}).map(([k, e]) => [k, value(e)]));
}

/** The provider blocks and provider version constraints of a Terraform JSON configuration (what a plan can be compared with). */
function providerSettingsOfConfig(json: Record<string, any>): Record<string, any> {
  const versions: Record<string, unknown> = {};
  for (const [name, req] of Object.entries<any>(json.terraform?.required_providers ?? {})) versions[name] = { version: typeof req === "string" ? req : req?.version };
  return { terraform: { required_providers: versions }, provider: json.provider ?? {} };
}

/** The same from a plan's `configuration.provider_config` (root module): literal values, references as `${...}`. */
function providerSettingsOfPlan(plan: PlanJson): Record<string, any> {
  const versions: Record<string, unknown> = {};
  const provider: Record<string, Record<string, unknown>[]> = {};
  for (const [key, conf] of Object.entries<any>(plan.configuration?.provider_config ?? {})) {
    if (key.includes(":") || !conf?.name) continue; // a module's own provider configuration
    if (!conf.alias || !(conf.name in versions)) versions[conf.name] = { version: conf.version_constraint };
    (provider[conf.name] ??= []).push({ ...providerValues(conf.expressions), ...(conf.alias ? { alias: conf.alias } : {}) });
  }
  return { terraform: { required_providers: versions }, provider };
}

/** Attribute changes between two configurations of one resource; `type` marks the arguments that force replacement. */
function attributeChanges(beforeValues: Record<string, any>, afterValues: Record<string, any>, type?: string): AttributeChange[] {
  const before = flatten(beforeValues);
  const after = flatten(afterValues);
  const forceNew = new Set(type ? (FORCE_NEW[type] ?? []) : []);
  const when = type ? (FORCE_NEW_WHEN[type] ?? {}) : {};
  return [...new Set([...Object.keys(before), ...Object.keys(after)])]
    // An empty block (`lifecycle {}` once its only argument is gone) is no block.
    .filter((p) => stable(before[p] ?? {}) !== stable(after[p] ?? {}))
    .sort()
    .map((p) => {
      const top = p.split(/[.[]/)[0];
      const forces = forceNew.has(top) || (when[top]?.(afterValues) ?? false);
      return { path: p, before: show(before[p]), after: show(after[p]), ...(forces ? { forcesReplacement: true } : {}), ...policyOf(before[p], after[p]) };
    });
}

/**
 * Renames: a removed and an added resource of one type with the same construct path or the
 * same configuration is a rename that Terraform would destroy and recreate unless moved. A
 * rename often changes the Name tag too: configurations equal but for their tags pair up as
 * well, when the pairing is unambiguous (one candidate on each side). Pairs by hashing the
 * construct path and the normalized configuration, so thousands of renames pair in linear time.
 */
export function pairRenames(deleted: readonly TfResource[], created: readonly TfResource[]): [TfResource, TfResource][] {
  const kind = (r: TfResource) => `${r.stack}\u0000${r.type}\u0000`;
  const full = new Map<TfResource, string>();
  const valuesKey = (r: TfResource) => full.get(r) ?? full.set(r, stable(r.values)).get(r)!;
  const untagged = (r: TfResource) => {
    const { tags: _tags, tags_all: _tagsAll, ...rest } = r.values;
    return stable(rest);
  };
  // Created resources by construct path and by configuration, in their order: the first free one wins.
  const queues = new Map<string, number[]>();
  const push = (k: string, i: number) => (queues.get(k) ?? queues.set(k, []).get(k)!).push(i);
  created.forEach((c, i) => {
    if (c.constructPath) push(`p\u0000${kind(c)}${c.constructPath}`, i);
    push(`v\u0000${kind(c)}${valuesKey(c)}`, i);
  });
  const taken = new Set<number>();
  const firstFree = (k: string): number | undefined => {
    const q = queues.get(k);
    while (q && q.length && taken.has(q[0])) q.shift();
    return q?.[0];
  };
  const pairs: [TfResource, TfResource][] = [];
  const pairedDeleted = new Set<TfResource>();
  for (const d of deleted) {
    const byPath = d.constructPath ? firstFree(`p\u0000${kind(d)}${d.constructPath}`) : undefined;
    const byValues = firstFree(`v\u0000${kind(d)}${valuesKey(d)}`);
    const i = byPath === undefined ? byValues : byValues === undefined ? byPath : Math.min(byPath, byValues);
    if (i === undefined) continue;
    taken.add(i);
    pairedDeleted.add(d);
    pairs.push([d, created[i]]);
  }
  // Equal but for tags: only groups of exactly one removed and one added resource pair up.
  const groups = new Map<string, { deleted: TfResource[]; created: TfResource[] }>();
  const group = (k: string) => groups.get(k) ?? groups.set(k, { deleted: [], created: [] }).get(k)!;
  for (const d of deleted) if (!pairedDeleted.has(d)) group(kind(d) + untagged(d)).deleted.push(d);
  created.forEach((c, i) => {
    if (!taken.has(i)) group(kind(c) + untagged(c)).created.push(c);
  });
  for (const g of groups.values()) if (g.deleted.length === 1 && g.created.length === 1) pairs.push([g.deleted[0], g.created[0]]);
  return pairs;
}

// ------------------------------------------------------------------ plans

interface PlanJson {
  format_version?: string;
  resource_changes?: any[];
  resource_drift?: any[];
  output_changes?: Record<string, any>;
  planned_values?: any;
  prior_state?: any;
  configuration?: any;
}

/**
 * Reads a plan for review as `bulwark check` reads JSON (a repeated key or nesting deeper than 256
 * levels is refused), then checks the shape of everything the review reads besides what the
 * compliance reader checks: resource changes and drift, output changes, the prior state's modules
 * and the provider configuration. A shape Terraform never writes is one InputError line naming the
 * file and the path.
 */
function readPlan(file: string): PlanJson {
  const where = `--plan ${file}`;
  if (!fs.existsSync(file)) throw new InputError(`${where}: no such file`);
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (e) {
    throw new InputError(`${where}: cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  const json = parseJsonText(text, where);
  if (!isObject(json) || typeof json.format_version !== "string" || !("resource_changes" in json || "planned_values" in json)) {
    throw new InputError(`${where}: is not a plan from \`terraform show -json\` (no format_version and resource_changes)`);
  }
  if (!/^1\./.test(json.format_version)) throw new InputError(`${where}: format_version ${json.format_version} is not supported (1.x)`);
  const list = (value: unknown, at: string): unknown[] => (value === undefined || value === null ? [] : expectArray(value, where, at));
  const object = (value: unknown, at: string): Record<string, unknown> => (value === undefined || value === null ? {} : expectObject(value, where, at));
  const optionalString = (value: unknown, at: string) => {
    if (value !== undefined && value !== null && typeof value !== "string") throw new InputError(`${where}: ${at} must be a string, not ${kindOf(value)}`);
  };
  const strings = (value: unknown, at: string) =>
    list(value, at).forEach((v, i) => {
      if (typeof v !== "string") throw new InputError(`${where}: ${at}[${i}] must be a string, not ${kindOf(v)}`);
    });
  const change = (value: unknown, at: string) => {
    const c = object(value, at);
    strings(c.actions, `${at}.actions`);
    for (const k of ["before", "after"]) if (c[k] !== undefined && c[k] !== null) expectObject(c[k], where, `${at}.${k}`);
    for (const k of ["after_unknown", "before_sensitive", "after_sensitive"]) {
      if (c[k] !== undefined && c[k] !== null && typeof c[k] !== "boolean" && !isObject(c[k])) throw new InputError(`${where}: ${at}.${k} must be an object or true/false, not ${kindOf(c[k])}`);
    }
    list(c.replace_paths, `${at}.replace_paths`).forEach((p, i) =>
      expectArray(p, where, `${at}.replace_paths[${i}]`).forEach((step, j) => {
        if (typeof step !== "string" && typeof step !== "number") throw new InputError(`${where}: ${at}.replace_paths[${i}][${j}] must be a string or a number, not ${kindOf(step)}`);
      }),
    );
  };
  const resourceChanges = (key: string) =>
    list(json[key], key).forEach((rc, i) => {
      const at = `${key}[${i}]`;
      const r = expectObject(rc, where, at);
      for (const k of ["address", "type"]) if (typeof r[k] !== "string") throw new InputError(`${where}: ${at}.${k} must be a string, not ${kindOf(r[k])}`);
      for (const k of ["mode", "previous_address", "action_reason", "provider_name"]) optionalString(r[k], `${at}.${k}`);
      change(r.change, `${at}.change`);
    });
  resourceChanges("resource_changes");
  resourceChanges("resource_drift");
  for (const [name, oc] of Object.entries(object(json.output_changes, "output_changes"))) strings(expectObject(oc, where, `output_changes[${JSON.stringify(name)}]`).actions, `output_changes[${JSON.stringify(name)}].actions`);
  // The prior state's modules, walked for providers and ids (its values are read as a plan's below).
  const walk = (mod: unknown, at: string, depth: number) => {
    if (depth > 64) throw new InputError(`${where}: modules nest deeper than 64 levels at ${at}`);
    const m = object(mod, at);
    list(m.resources, `${at}.resources`).forEach((r, i) => {
      const res = expectObject(r, where, `${at}.resources[${i}]`);
      for (const k of ["address", "type", "provider_name"]) optionalString(res[k], `${at}.resources[${i}].${k}`);
      object(res.values, `${at}.resources[${i}].values`);
    });
    list(m.child_modules, `${at}.child_modules`).forEach((c, i) => walk(c, `${at}.child_modules[${i}]`, depth + 1));
  };
  walk(object(object(json.prior_state, "prior_state").values, "prior_state.values").root_module, "prior_state.values.root_module", 0);
  const configuration = object(json.configuration, "configuration");
  for (const [key, conf] of Object.entries(object(configuration.provider_config, "configuration.provider_config"))) {
    const c = expectObject(conf, where, `configuration.provider_config[${JSON.stringify(key)}]`);
    for (const k of ["name", "alias", "version_constraint"]) optionalString(c[k], `configuration.provider_config[${JSON.stringify(key)}].${k}`);
    object(c.expressions, `configuration.provider_config[${JSON.stringify(key)}].expressions`);
  }
  return json as PlanJson;
}

/** Stack name of a plan file: its name, or its directory's for generic names (`plan.json`). */
export function stackOfPlan(file: string): string {
  const base = path.basename(file).replace(/\.json$/, "").replace(/\.tfplan$/, "");
  return ["plan", "tfplan", "terraform"].includes(base) ? path.basename(path.dirname(path.resolve(file))) : base;
}

function actionsOf(rc: any): Action[] {
  const a: string[] = rc.change?.actions ?? [];
  const out: Action[] = [];
  if (a.includes("delete") && a.includes("create")) out.push("replace");
  else if (a.includes("create")) out.push("create");
  else if (a.includes("delete")) out.push("delete");
  else if (a.includes("update")) out.push("update");
  else if (a.includes("read")) out.push("read");
  // `removed { lifecycle { destroy = false } }` (Terraform ≥ 1.7): ["forget"], or ["create", "forget"]
  // when a replacement is created and the old object is left behind unmanaged.
  if (a.includes("forget")) out.push("forget");
  if (rc.change?.importing) out.push("import");
  if (rc.previous_address && rc.previous_address !== rc.address) out.push("move");
  return out;
}

/** After values with what is unknown until apply taken as unchanged (an unknown is no evidence of a regression). */
function knownAfter(after: unknown, unknown: unknown, before: unknown): unknown {
  if (unknown === true) return before;
  if (Array.isArray(unknown)) return unknown.map((u, i) => knownAfter(Array.isArray(after) ? after[i] : undefined, u, Array.isArray(before) ? before[i] : undefined));
  if (unknown && typeof unknown === "object") {
    const out: Record<string, unknown> = after && typeof after === "object" ? { ...(after as object) } : {};
    for (const [k, u] of Object.entries(unknown)) out[k] = knownAfter(out[k], u, before && typeof before === "object" ? (before as Record<string, unknown>)[k] : undefined);
    return out;
  }
  return after;
}

function renderLeaf(value: unknown, unknown: boolean, sensitive: boolean): string {
  if (sensitive) return SENSITIVE;
  if (unknown) return KNOWN_AFTER_APPLY;
  return show(value);
}

/** Attribute changes of one resource change, unknowns and sensitive values marked. */
export function planAttributes(change: any): AttributeChange[] {
  const before = flatten(change.before ?? {});
  const after = flatten(change.after ?? {});
  const unknown = flatten(change.after_unknown ?? {});
  const sensBefore = flatten(change.before_sensitive ?? {});
  const sensAfter = flatten(change.after_sensitive ?? {});
  const replacePaths = new Set<string>((change.replace_paths ?? []).map((p: (string | number)[]) => p.map((s) => (typeof s === "number" ? `[${s}]` : `.${s}`)).join("").replace(/^\./, "")));
  const covered = (p: string, set: Record<string, unknown>) => Object.keys(set).some((k) => set[k] === true && (p === k || p.startsWith(`${k}.`) || p.startsWith(`${k}[`)));
  const paths = [...new Set([...Object.keys(before), ...Object.keys(after), ...Object.keys(unknown).filter((k) => unknown[k] === true)])].sort();
  const out: AttributeChange[] = [];
  for (const p of paths) {
    const isUnknown = covered(p, unknown);
    if (!isUnknown && stable(before[p]) === stable(after[p])) continue;
    out.push({
      path: p,
      before: renderLeaf(before[p], false, covered(p, sensBefore)),
      after: renderLeaf(after[p], isUnknown, covered(p, sensAfter)),
      ...([...replacePaths].some((r) => p === r || p.startsWith(`${r}.`) || p.startsWith(`${r}[`)) ? { forcesReplacement: true } : {}),
      ...policyOf(covered(p, sensBefore) ? undefined : before[p], isUnknown || covered(p, sensAfter) ? undefined : after[p]),
    });
  }
  return out;
}

/**
 * Reviews plans from `terraform show -json`: per-stack counts, attribute changes, what
 * forces replacements, drift and output changes, and the findings the plan introduces or
 * resolves (rules run on the prior state and on the planned values).
 */
export function diffPlans(files: readonly string[], synthDir?: string, baseDir?: string): DiffResult {
  if (files.length === 0) throw new InputError("--plan needs at least one plan file");
  if (baseDir && (!fs.existsSync(baseDir) || !fs.statSync(baseDir).isDirectory())) throw new InputError(`--base ${baseDir}: no such directory`);
  const baseStacks = baseDir ? loadInput(baseDir).stacks : [];
  // Plans carry no cdktf metadata: the synthesized output the plans were made from names the
  // construct paths and carries the suppressions recorded in construct metadata.
  const fromSynth = new Map<string, TfResource>();
  if (synthDir) {
    for (const r of loadInput(synthDir).resources) fromSynth.set(`${r.stack}\u0000${r.address}`, r);
  }
  const synthOf = (stack: string, address: string) => fromSynth.get(`${stack}\u0000${address.replace(/\[[^\]]*\]$/, "")}`);
  const names: Record<string, Record<string, string>> = {};
  for (const r of fromSynth.values()) if (r.constructPath) (names[r.stack] ??= {})[r.address] = r.constructPath;
  const newStacks: NonNullable<DiffResult["newStacks"]> = {};
  const changes: ResourceChange[] = [];
  const dangerous: DangerousChange[] = [];
  const outputs: DiffResult["outputs"] = [];
  const drift: DiffResult["drift"] = [];
  const uses: TemplateUse[] = [];
  const headSuppressions: FileSuppression[] = [];
  const base: TfResource[] = [];
  const head: TfResource[] = [];
  const seen = new Set<string>();
  for (const file of files) {
    const plan = readPlan(file);
    let stack = stackOfPlan(file);
    while (seen.has(stack)) stack = `${stack}'`;
    seen.add(stack);
    const priorProvider = new Map<string, string>();
    const walkPrior = (mod: any) => {
      for (const r of mod?.resources ?? []) if (r.provider_name) priorProvider.set(r.address, r.provider_name);
      for (const child of mod?.child_modules ?? []) walkPrior(child);
    };
    walkPrior(plan.prior_state?.values?.root_module);
    // Security group ids of the prior state name their construct (a rule's source `sg-0abc...`).
    const walkIds = (mod: any) => {
      for (const r of mod?.resources ?? []) {
        const path = synthOf(stack, String(r.address))?.constructPath;
        if (path && typeof r.values?.id === "string" && /^(aws_security_group|aws_default_security_group)$/.test(r.type)) (names[stack] ??= {})[r.values.id] = path;
      }
      for (const child of mod?.child_modules ?? []) walkIds(child);
    };
    walkIds(plan.prior_state?.values?.root_module);
    // A plan with no prior state, only creates, makes a new stack.
    if (priorProvider.size === 0 && (plan.resource_changes ?? []).some((rc: any) => (rc.change?.actions ?? []).includes("create"))) {
      newStacks[stack] = accountOf(providerValues(plan.configuration?.provider_config?.aws?.expressions));
    }
    for (const rc of plan.resource_changes ?? []) {
      const actions = actionsOf(rc);
      if (actions.length === 0) continue;
      const constructPath = synthOf(stack, String(rc.address))?.constructPath;
      changes.push({
        stack,
        address: rc.address,
        type: rc.type,
        actions,
        ...(constructPath ? { constructPath } : {}),
        attributes: rc.mode === "data" ? [] : planAttributes(rc.change ?? {}),
        ...(rc.action_reason ? { reason: rc.action_reason } : actions.includes("forget") ? { reason: "removed from the configuration with destroy = false: Terraform forgets it and leaves it in place" } : {}),
        ...(rc.previous_address && rc.previous_address !== rc.address ? { previousAddress: rc.previous_address } : {}),
      });
      if (rc.mode === "data") continue;
      const before = rc.change?.before ?? undefined;
      const after = rc.change?.after ? (knownAfter(rc.change.after, rc.change.after_unknown, before) as Record<string, any>) : undefined;
      dangerous.push(...resourceDangers({ stack, address: rc.address, type: rc.type, actions, before: before ?? undefined, after: actions.includes("delete") || (actions.includes("forget") && !actions.includes("create")) ? undefined : after }));
      const was = priorProvider.get(rc.previous_address ?? rc.address);
      if (was && rc.provider_name && was !== rc.provider_name) dangerous.push({ class: "settings", stack, address: rc.address, attribute: "provider", message: "managed by another provider", before: was, after: rc.provider_name });
    }
    // A plan holds the head's provider configuration only: with the base's configuration
    // (--base), its provider blocks and version constraints are compared with the plan's.
    if (baseDir && baseStacks.includes(stack)) {
      const baseJson = stackJsons(baseDir, [stack]).get(stack);
      if (baseJson) dangerous.push(...settingsDangers(stack, providerSettingsOfConfig(baseJson), providerSettingsOfPlan(plan)));
    }
    for (const d of plan.resource_drift ?? []) drift.push({ stack, address: d.address, actions: d.change?.actions ?? [] });
    for (const [name, oc] of Object.entries<any>(plan.output_changes ?? {})) {
      if ((oc.actions ?? []).includes("no-op")) continue;
      outputs.push({ stack, name, before: oc.before_sensitive ? SENSITIVE : show(oc.before), after: oc.after_sensitive ? SENSITIVE : oc.after_unknown ? KNOWN_AFTER_APPLY : show(oc.after) });
    }
    // The one loader: the plan's resources with the suppression file next to it applied, as
    // `bulwark check PLAN.json` reads them, plus construct-metadata suppressions from --synth.
    const input = loadInput(file);
    headSuppressions.push(...input.suppressions.map((x) => ({ ...x, stack })));
    head.push(
      ...input.resources.map((r) => {
        const s = synthOf(stack, r.address);
        return { ...r, stack, ...(s?.constructPath ? { constructPath: s.constructPath } : {}), suppressions: [...r.suppressions, ...(s?.suppressions ?? [])] };
      }),
    );
    // The prior state has no suppressions of its own: a suppressed finding of the plan is listed as accepted risk.
    if (plan.prior_state?.values) base.push(...planResources({ planned_values: plan.prior_state.values, configuration: plan.configuration }, stack));
    uses.push(...templateUsesOfPlan(plan, stack));
  }
  return { ...finish("plan", changes, compareFindings(base, head, { head: headSuppressions }), dangerous, outputs, drift, uses, { names, newStacks }), exposure: exposureChanges(base, head) };
}

/** Order of the dangerous-change list: what cannot be undone first. */
export const DANGER_ORDER: readonly DangerClass[] = ["destroy", "protection", "security", "settings", "suppression", "finding"];

function finish(
  mode: DiffResult["mode"],
  raw: ResourceChange[],
  findings: { introduced: Finding[]; resolved: Finding[]; suppressed: SuppressedFinding[] },
  resourceDangerous: DangerousChange[],
  outputs: DiffResult["outputs"],
  drift: DiffResult["drift"],
  uses: readonly TemplateUse[],
  context: Pick<DiffResult, "names" | "newStacks"> = {},
): DiffResult {
  const dangerous = [...resourceDangerous];
  for (const f of findings.introduced) {
    if (f.severity === "error" && !f.suppressed) dangerous.push({ class: "finding", stack: f.stack, address: f.address, ...(f.subject ? { attribute: f.subject } : {}), message: `introduces ${f.ruleId}: ${f.message}` });
  }
  for (const f of findings.suppressed) {
    dangerous.push({
      class: "suppression",
      stack: f.stack,
      address: f.address,
      ...(f.subject ? { attribute: f.subject } : {}),
      message: `${f.ruleId} (${f.severity}) ${f.previousReason === null ? "is a new finding, suppressed" : f.previousReason === "" ? "is now suppressed" : "suppressed for another reason"}: ${f.message}`,
      before: f.previousReason === null ? "(no finding)" : f.previousReason === "" ? "(not suppressed)" : f.previousReason,
      after: f.suppressionReason ?? "(no reason)",
    });
  }
  const rank = (d: DangerousChange) => DANGER_ORDER.indexOf(d.class);
  dangerous.sort((a, b) => rank(a) - rank(b) || a.stack.localeCompare(b.stack) || a.address.localeCompare(b.address));
  const byResource = new Map<string, string[]>();
  for (const d of dangerous) if (d.class !== "settings") (byResource.get(`${d.stack}\u0000${d.address}`) ?? byResource.set(`${d.stack}\u0000${d.address}`, []).get(`${d.stack}\u0000${d.address}`)!).push(d.message);
  const changes = raw
    .map((c) => {
      const danger = byResource.get(`${c.stack}\u0000${c.address}`);
      return danger ? { ...c, danger: danger.join("; ") } : c;
    })
    // Security resources first: they are what a reviewer weighs most.
    .sort((a, b) => a.stack.localeCompare(b.stack) || Number(isSecurityType(b.type)) - Number(isSecurityType(a.type)) || a.address.localeCompare(b.address));
  const stacks: Record<string, StackSummary> = {};
  for (const c of changes) count(stacks, c.stack, c.actions);
  const newStacks = Object.fromEntries(Object.entries(context.newStacks ?? {}).filter(([s]) => stacks[s]));
  return {
    mode,
    stacks,
    changes,
    introduced: findings.introduced,
    resolved: findings.resolved,
    suppressed: findings.suppressed,
    dangerous,
    outputs,
    drift,
    rollouts: launchTemplateRollouts(changes, uses),
    ...(context.names ? { names: context.names } : {}),
    ...(Object.keys(newStacks).length ? { newStacks } : {}),
  };
}

/** Totals across stacks. */
export function totals(result: DiffResult): { create: number; update: number; delete: number; replace: number } {
  const t = { create: 0, update: 0, delete: 0, replace: 0 };
  for (const s of Object.values(result.stacks)) for (const k of Object.keys(t) as (keyof typeof t)[]) t[k] += s[k];
  return t;
}

/** The JSON contract (/work/shared/DESIGN.md): summary, changes, findings, dangerous, exposure. */
export function diffJson(result: DiffResult): string {
  return (
    JSON.stringify(
      {
        summary: totals(result),
        changes: result.changes.map((c) => ({ stack: c.stack, address: c.address, actions: c.actions, ...(c.constructPath ? { constructPath: c.constructPath } : {}) })),
        findings: { introduced: result.introduced, resolved: result.resolved, suppressed: result.suppressed },
        dangerous: result.dangerous,
        ...(result.rollouts?.length ? { rollouts: result.rollouts } : {}),
        // Network paths opened and closed by the change (bulwark exposure on base and head).
        exposure: result.exposure ?? { opened: [], closed: [] },
      },
      null,
      2,
    ) + "\n"
  );
}

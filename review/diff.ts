import * as fs from "node:fs";
import * as path from "node:path";
import { ALL_RULES, Finding, InputError, loadInput, planResources, runRules, TfResource } from "../compliance";
import { Action, AttributeChange, DiffResult, emptySummary, FORCE_NEW, ResourceChange, STATEFUL_OR_SECURITY_TYPES, StackSummary } from "./model";
import { launchTemplateRollouts, TemplateUse, templateUsesOfConfig, templateUsesOfPlan } from "./rollout";

const KNOWN_AFTER_APPLY = "(known after apply)";
const SENSITIVE = "(sensitive)";

/** Renders a value for review: short JSON, long values cut. */
export function show(value: unknown): string {
  if (value === undefined) return "(none)";
  const text = typeof value === "string" ? JSON.stringify(value) : JSON.stringify(value) ?? String(value);
  return text.length > 200 ? `${text.slice(0, 197)}...` : text;
}

/** Flattens nested values to `a.b[0].c` paths (lists of blocks included). */
export function flatten(value: unknown, prefix = "", out: Record<string, unknown> = {}): Record<string, unknown> {
  if (Array.isArray(value)) {
    if (value.length === 0 || value.every((v) => v === null || typeof v !== "object")) out[prefix] = value;
    else value.forEach((v, i) => flatten(v, `${prefix}[${i}]`, out));
  } else if (value && typeof value === "object") {
    const entries = Object.entries(value);
    if (entries.length === 0 && prefix) out[prefix] = value;
    for (const [k, v] of entries) flatten(v, prefix ? `${prefix}.${k}` : k, out);
  } else if (prefix) {
    out[prefix] = value;
  }
  return out;
}

function stable(value: unknown): string {
  return JSON.stringify(value, (_k, v) => (v && typeof v === "object" && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b))) : v));
}

function findingKey(f: Finding): string {
  return `${f.ruleId}\u0000${f.stack}\u0000${f.address}\u0000${f.message}`;
}

/** Findings the head has and the base had not (introduced), and the reverse (resolved). */
export function compareFindings(base: readonly TfResource[], head: readonly TfResource[]): { introduced: Finding[]; resolved: Finding[] } {
  const before = runRules(base, ALL_RULES).findings;
  const after = runRules(head, ALL_RULES).findings;
  const beforeKeys = new Set(before.map(findingKey));
  const afterKeys = new Set(after.map(findingKey));
  return { introduced: after.filter((f) => !beforeKeys.has(findingKey(f))), resolved: before.filter((f) => !afterKeys.has(findingKey(f))) };
}

function dangerOf(change: ResourceChange): string | undefined {
  if ((change.actions.includes("delete") || change.actions.includes("replace")) && STATEFUL_OR_SECURITY_TYPES.has(change.type)) {
    return `${change.actions.includes("replace") ? "replaces" : "destroys"} a stateful or security resource (${change.type})`;
  }
  return undefined;
}

function count(stacks: Record<string, StackSummary>, stack: string, actions: Action[]): void {
  const s = (stacks[stack] ??= emptySummary());
  for (const a of actions) if (a !== "no-op") s[a]++;
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
  const baseInput = loadInput(baseDir);
  const headInput = loadInput(headDir);
  // Two plain single-configuration directories are named after themselves: compare them as one stack.
  const rename = baseInput.stacks.length === 1 && headInput.stacks.length === 1 && baseInput.stacks[0] !== headInput.stacks[0] ? headInput.stacks[0] : undefined;
  const base = baseInput.resources.filter((r) => r.mode === "managed").map((r) => (rename ? { ...r, stack: rename } : r));
  const head = headInput.resources.filter((r) => r.mode === "managed");
  const key = (r: TfResource) => `${r.stack}\u0000${r.address}`;
  const baseBy = new Map(base.map((r) => [key(r), r]));
  const headBy = new Map(head.map((r) => [key(r), r]));
  const changes: ResourceChange[] = [];
  const created: TfResource[] = [];
  const deleted: TfResource[] = [];

  for (const h of head) {
    const b = baseBy.get(key(h));
    if (!b) {
      created.push(h);
      continue;
    }
    if (stable(b.values) === stable(h.values)) continue;
    const before = flatten(b.values);
    const after = flatten(h.values);
    const forceNew = new Set(FORCE_NEW[h.type] ?? []);
    const attributes: AttributeChange[] = [...new Set([...Object.keys(before), ...Object.keys(after)])]
      .filter((p) => stable(before[p]) !== stable(after[p]))
      .sort()
      .map((p) => ({ path: p, before: show(before[p]), after: show(after[p]), ...(forceNew.has(p.split(/[.[]/)[0]) ? { forcesReplacement: true } : {}) }));
    const replace = attributes.some((a) => a.forcesReplacement);
    changes.push({ stack: h.stack, address: h.address, type: h.type, actions: [replace ? "replace" : "update"], constructPath: h.constructPath, attributes });
  }
  for (const b of base) if (!headBy.has(key(b))) deleted.push(b);

  // A removed and an added resource of one type with the same construct path or the same
  // configuration is a rename: Terraform would destroy and recreate it unless moved. A rename
  // often changes the Name tag too: configurations equal but for their tags pair up as well,
  // when the pairing is unambiguous (one candidate on each side).
  const renamed = new Set<TfResource>();
  const untagged = (r: TfResource) => {
    const { tags: _tags, tags_all: _tagsAll, ...rest } = r.values;
    return stable(rest);
  };
  const pairs: [TfResource, TfResource][] = [];
  const sameKind = (c: TfResource, d: TfResource) => c.stack === d.stack && c.type === d.type;
  for (const d of deleted) {
    const twin = created.find((c) => !renamed.has(c) && sameKind(c, d) && ((c.constructPath && c.constructPath === d.constructPath) || stable(c.values) === stable(d.values)));
    if (!twin) continue;
    renamed.add(twin).add(d);
    pairs.push([d, twin]);
  }
  for (const d of deleted.filter((r) => !renamed.has(r))) {
    const candidates = created.filter((c) => !renamed.has(c) && sameKind(c, d) && untagged(c) === untagged(d));
    if (candidates.length !== 1) continue;
    const rivals = deleted.filter((o) => !renamed.has(o) && sameKind(candidates[0], o) && untagged(o) === untagged(candidates[0]));
    if (rivals.length !== 1) continue;
    renamed.add(candidates[0]).add(d);
    pairs.push([d, candidates[0]]);
  }
  for (const [d, twin] of pairs) {
    const before = flatten(d.values);
    const after = flatten(twin.values);
    const attributes = [...new Set([...Object.keys(before), ...Object.keys(after)])]
      .filter((p) => stable(before[p]) !== stable(after[p]))
      .sort()
      .map((p) => ({ path: p, before: show(before[p]), after: show(after[p]) }));
    changes.push({
      stack: twin.stack,
      address: twin.address,
      type: twin.type,
      actions: ["replace"],
      constructPath: twin.constructPath,
      attributes,
      reason: `address changed from ${d.address}: Terraform destroys and recreates it${attributes.length ? "; with the moved block it updates the attributes below in place" : ""}`,
      previousAddress: d.address,
      movedBlock: `moved {\n  from = ${d.address}\n  to   = ${twin.address}\n}`,
    });
  }
  for (const c of created.filter((r) => !renamed.has(r))) {
    changes.push({ stack: c.stack, address: c.address, type: c.type, actions: ["create"], constructPath: c.constructPath, attributes: Object.entries(flatten(c.values)).sort().map(([p, v]) => ({ path: p, before: "(none)", after: show(v) })) });
  }
  for (const d of deleted.filter((r) => !renamed.has(r))) {
    changes.push({ stack: d.stack, address: d.address, type: d.type, actions: ["delete"], constructPath: d.constructPath, attributes: [] });
  }
  return finish("config", changes, compareFindings(base, head), [], [], templateUsesOfConfig(head));
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

function readPlan(file: string): PlanJson {
  if (!fs.existsSync(file)) throw new InputError(`--plan ${file}: no such file`);
  let json: unknown;
  try {
    json = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (e) {
    throw new InputError(`--plan ${file}: is not valid JSON (${(e as Error).message})`);
  }
  const plan = json as PlanJson;
  if (!plan || typeof plan !== "object" || typeof plan.format_version !== "string" || !("resource_changes" in plan || "planned_values" in plan)) {
    throw new InputError(`--plan ${file}: is not a plan from \`terraform show -json\` (no format_version and resource_changes)`);
  }
  if (!/^1\./.test(plan.format_version)) throw new InputError(`--plan ${file}: format_version ${plan.format_version} is not supported (1.x)`);
  return plan;
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
  if (rc.change?.importing) out.push("import");
  if (rc.previous_address && rc.previous_address !== rc.address) out.push("move");
  return out;
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
    });
  }
  return out;
}

/**
 * Reviews plans from `terraform show -json`: per-stack counts, attribute changes, what
 * forces replacements, drift and output changes, and the findings the plan introduces or
 * resolves (rules run on the prior state and on the planned values).
 */
export function diffPlans(files: readonly string[], synthDir?: string): DiffResult {
  if (files.length === 0) throw new InputError("--plan needs at least one plan file");
  // Plans carry no cdktf metadata: the synthesized output the plans were made from names the construct paths.
  const paths = new Map<string, string>();
  if (synthDir) {
    for (const r of loadInput(synthDir).resources) if (r.constructPath) paths.set(`${r.stack}\u0000${r.address}`, r.constructPath);
  }
  const changes: ResourceChange[] = [];
  const outputs: DiffResult["outputs"] = [];
  const drift: DiffResult["drift"] = [];
  const base: TfResource[] = [];
  const head: TfResource[] = [];
  const seen = new Set<string>();
  const uses: TemplateUse[] = [];
  for (const file of files) {
    const plan = readPlan(file);
    let stack = stackOfPlan(file);
    while (seen.has(stack)) stack = `${stack}'`;
    seen.add(stack);
    for (const rc of plan.resource_changes ?? []) {
      const actions = actionsOf(rc);
      if (actions.length === 0) continue;
      const constructPath = paths.get(`${stack}\u0000${String(rc.address).replace(/\[[^\]]*\]$/, "")}`);
      changes.push({
        stack,
        address: rc.address,
        type: rc.type,
        actions,
        ...(constructPath ? { constructPath } : {}),
        attributes: rc.mode === "data" ? [] : planAttributes(rc.change ?? {}),
        ...(rc.action_reason ? { reason: rc.action_reason } : {}),
        ...(rc.previous_address && rc.previous_address !== rc.address ? { previousAddress: rc.previous_address } : {}),
      });
    }
    for (const d of plan.resource_drift ?? []) drift.push({ stack, address: d.address, actions: d.change?.actions ?? [] });
    for (const [name, oc] of Object.entries<any>(plan.output_changes ?? {})) {
      if ((oc.actions ?? []).includes("no-op")) continue;
      outputs.push({ stack, name, before: oc.before_sensitive ? SENSITIVE : show(oc.before), after: oc.after_sensitive ? SENSITIVE : oc.after_unknown ? KNOWN_AFTER_APPLY : show(oc.after) });
    }
    head.push(...planResources(plan, stack));
    uses.push(...templateUsesOfPlan(plan, stack));
    if (plan.prior_state?.values) base.push(...planResources({ planned_values: plan.prior_state.values, configuration: plan.configuration }, stack));
  }
  return finish("plan", changes, compareFindings(base, head), outputs, drift, uses);
}

function finish(mode: DiffResult["mode"], raw: ResourceChange[], findings: { introduced: Finding[]; resolved: Finding[] }, outputs: DiffResult["outputs"], drift: DiffResult["drift"], uses: readonly TemplateUse[]): DiffResult {
  const changes = raw
    .map((c) => {
      const danger = dangerOf(c);
      return danger ? { ...c, danger } : c;
    })
    .sort((a, b) => a.stack.localeCompare(b.stack) || a.address.localeCompare(b.address));
  const stacks: Record<string, StackSummary> = {};
  for (const c of changes) count(stacks, c.stack, c.actions);
  return { mode, stacks, changes, introduced: findings.introduced, resolved: findings.resolved, outputs, drift, rollouts: launchTemplateRollouts(changes, uses) };
}

/** Totals across stacks. */
export function totals(result: DiffResult): { create: number; update: number; delete: number; replace: number } {
  const t = { create: 0, update: 0, delete: 0, replace: 0 };
  for (const s of Object.values(result.stacks)) for (const k of Object.keys(t) as (keyof typeof t)[]) t[k] += s[k];
  return t;
}

/** The JSON contract: summary, changes (stack, address, actions, constructPath), findings introduced/resolved. */
export function diffJson(result: DiffResult): string {
  return (
    JSON.stringify(
      {
        summary: totals(result),
        changes: result.changes.map((c) => ({ stack: c.stack, address: c.address, actions: c.actions, ...(c.constructPath ? { constructPath: c.constructPath } : {}) })),
        findings: { introduced: result.introduced, resolved: result.resolved },
        ...(result.rollouts?.length ? { rollouts: result.rollouts } : {}),
      },
      null,
      2,
    ) + "\n"
  );
}

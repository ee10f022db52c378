import { createHash } from "node:crypto";
import { SourcedText, TfResource, UserDataSource } from "../model";
import { isUnknown as isUnknownValue, unknown } from "../values";
import { join, moduleKey, parentOf, parseResourceAddress, steps } from "./address";
import { expectArray, expectObject, InputError, isObject, kindOf } from "./json";

/**
 * `terraform show -json` output — a plan, or state — as resources: planned values with every
 * value Terraform learns only at apply marked Unknown, and references followed through the
 * plan's configuration to full instance addresses (`module.a["x"].aws_vpc.this[0]`), so a
 * resource in one module instance never joins one in another.
 */

type Obj = Record<string, any>;

/** Configuration of one module (no instance keys), from the plan's `configuration`. */
interface ConfigModule {
  resources: Map<string, Obj>;
  calls: Map<string, { expressions: Obj; module: ConfigModule }>;
  outputs: Obj;
}

function readConfigModule(mod: unknown, file: string, where: string): ConfigModule {
  const m = mod === undefined ? {} : expectObject(mod, file, where);
  const out: ConfigModule = { resources: new Map(), calls: new Map(), outputs: isObject(m.outputs) ? m.outputs : {} };
  for (const [i, r] of (m.resources === undefined ? [] : expectArray(m.resources, file, `${where}.resources`)).entries()) {
    const res = expectObject(r, file, `${where}.resources[${i}]`);
    if (typeof res.address === "string") out.resources.set(res.address, res);
  }
  const calls = m.module_calls === undefined ? {} : expectObject(m.module_calls, file, `${where}.module_calls`);
  for (const [name, c] of Object.entries(calls)) {
    const call = expectObject(c, file, `${where}.module_calls.${name}`);
    out.calls.set(name, { expressions: isObject(call.expressions) ? call.expressions : {}, module: readConfigModule(call.module, file, `${where}.module_calls.${name}.module`) });
  }
  return out;
}

function configModuleAt(root: ConfigModule, configPath: string): ConfigModule | undefined {
  let mod: ConfigModule | undefined = root;
  if (!configPath) return mod;
  const s = steps(configPath) ?? [];
  for (let i = 0; i + 1 < s.length && mod; i += 2) mod = mod.calls.get(s[i + 1].name)?.module;
  return mod;
}

const isExpression = (e: unknown): e is Obj => isObject(e) && ("references" in e || "constant_value" in e);

/**
 * The expression the configuration gives at a path of a resource's arguments: the expression,
 * "absent" (the block is there, the argument is not), or "unknown" (the path runs through a
 * block the plan does not describe: a `dynamic` block, or no configuration at all). `values`
 * are the planned values along the same path: where the value holds more blocks of a type than
 * the configuration describes, dynamic blocks sit among them and no index maps to its block.
 */
function expressionAt(expressions: unknown, path: (string | number)[], values?: unknown): Obj | "absent" | "unknown" {
  let e: unknown = expressions;
  let v: unknown = values;
  for (const [i, p] of path.entries()) {
    if (isExpression(e)) return e;
    if (Array.isArray(e)) {
      if (typeof p !== "number") return "unknown";
      if (e[p] === undefined) return "unknown";
      if (Array.isArray(v) && v.length !== e.length) return "unknown";
      e = e[p];
      v = Array.isArray(v) ? v[p] : undefined;
    } else if (isObject(e)) {
      if (typeof p === "number") {
        v = Array.isArray(v) ? v[p] : v;
        continue;
      }
      // A block the value has but the configuration does not describe is a `dynamic` block.
      if (!(p in e)) return i === path.length - 1 ? "absent" : "unknown";
      e = e[p];
      v = isObject(v) ? v[p] : undefined;
    } else return "unknown";
  }
  return isExpression(e) ? e : "unknown";
}

/** Replaces values unknown until apply with Unknown, following `after_unknown`. */
function withUnknowns(values: unknown, unknownTree: unknown, provenance: (path: (string | number)[]) => boolean | undefined, path: (string | number)[] = []): unknown {
  if (unknownTree === true) return unknown("known after apply", provenance(path));
  if (Array.isArray(unknownTree)) {
    const arr = Array.isArray(values) ? [...values] : [];
    unknownTree.forEach((u, i) => {
      if (u !== false && u !== undefined) arr[i] = withUnknowns(arr[i], u, provenance, [...path, i]);
    });
    return arr;
  }
  if (isObject(unknownTree)) {
    const obj: Obj = isObject(values) ? { ...values } : {};
    for (const [k, u] of Object.entries(unknownTree)) if (u !== false) obj[k] = withUnknowns(obj[k], u, provenance, [...path, k]);
    return obj;
  }
  return values;
}

/** Every reference string of an expression tree. */
function referenceStrings(expr: unknown, out: string[] = []): string[] {
  if (Array.isArray(expr)) for (const e of expr) referenceStrings(e, out);
  else if (isObject(expr)) {
    if (Array.isArray(expr.references)) for (const r of expr.references) if (typeof r === "string") out.push(r);
    for (const [k, v] of Object.entries(expr)) if (k !== "references" && k !== "constant_value") referenceStrings(v, out);
  }
  return out;
}

export interface PlanRead {
  resources: TfResource[];
  account?: string;
}

/** Reads a plan (or `terraform show -json` of state); shapes Terraform never writes are InputErrors naming the path. */
export function readPlan(plan: Obj, stack: string, file: string): PlanRead {
  const changes = plan.resource_changes === undefined ? [] : expectArray(plan.resource_changes, file, "resource_changes");
  const unknownTrees = new Map<string, unknown>();
  for (const [i, rc] of changes.entries()) {
    const c = expectObject(rc, file, `resource_changes[${i}]`);
    const address = c.address;
    if (typeof address !== "string") throw new InputError(`${file}: resource_changes[${i}].address must be a string, not ${kindOf(address)}`);
    if (c.change !== undefined) {
      const ch = expectObject(c.change, file, `resource_changes[${i}].change`);
      if (ch.after_unknown !== undefined) unknownTrees.set(address, ch.after_unknown);
    }
  }
  const configuration = plan.configuration === undefined ? {} : expectObject(plan.configuration, file, "configuration");
  const variables: Obj = isObject(plan.variables) ? plan.variables : {};
  const rootConfig = readConfigModule(configuration.root_module, file, "configuration.root_module");
  const valuesRoot = plan.planned_values !== undefined ? expectObject(plan.planned_values, file, "planned_values") : plan.values !== undefined ? expectObject(plan.values, file, "values") : {};

  // Instances by module instance and base address, for resolving references.
  const raw: { r: Obj; parsed: NonNullable<ReturnType<typeof parseResourceAddress>> }[] = [];
  const walk = (mod: unknown, where: string, depth: number) => {
    if (mod === undefined) return;
    if (depth > 64) throw new InputError(`${file}: modules nest deeper than 64 levels at ${where}`);
    const m = expectObject(mod, file, where);
    for (const [i, r] of (m.resources === undefined ? [] : expectArray(m.resources, file, `${where}.resources`)).entries()) {
      const res = expectObject(r, file, `${where}.resources[${i}]`);
      for (const k of ["address", "type", "name"]) if (typeof res[k] !== "string") throw new InputError(`${file}: ${where}.resources[${i}].${k} must be a string, not ${kindOf(res[k])}`);
      if (res.values !== undefined && !isObject(res.values)) throw new InputError(`${file}: ${where}.resources[${i}].values must be an object, not ${kindOf(res.values)}`);
      const parsed = parseResourceAddress(res.address as string);
      if (!parsed) throw new InputError(`${file}: ${where}.resources[${i}].address ${JSON.stringify(res.address).slice(0, 120)} is not a resource address`);
      raw.push({ r: res, parsed });
    }
    for (const [i, child] of (m.child_modules === undefined ? [] : expectArray(m.child_modules, file, `${where}.child_modules`)).entries()) walk(child, `${where}.child_modules[${i}]`, depth + 1);
  };
  walk(valuesRoot.root_module, plan.planned_values !== undefined ? "planned_values.root_module" : "values.root_module", 0);

  const instances = new Map<string, string[]>(); // `${module}\0${base}` → addresses
  const moduleInstances = new Map<string, string[]>(); // `${parent}\0${call}` → module instance paths
  for (const { r, parsed } of raw) {
    const k = `${parsed.module}\u0000${parsed.base}`;
    (instances.get(k) ?? instances.set(k, []).get(k)!).push(r.address);
    let m = parsed.module;
    while (m) {
      const p = parentOf(m)!;
      const mk = `${p.parent}\u0000${p.call}`;
      const list = moduleInstances.get(mk) ?? moduleInstances.set(mk, []).get(mk)!;
      if (!list.includes(m)) list.push(m);
      m = p.parent;
    }
  }

  /**
   * Follows one reference made in module instance `module` by something with instance key
   * `key`, to resource instance addresses; undefined when it cannot be followed.
   */
  const resolve = (ref: string, module: string, key: string | undefined, depth: number): string[] | undefined => {
    if (depth > 16) return undefined;
    const s = steps(ref);
    if (!s || s.length === 0) return undefined;
    const root = s[0].name;
    if (["count", "path", "terraform", "self"].includes(root)) return [];
    // `each.key` is the referrer's own key, a string: `aws_eip.nat[each.key]` is listed as
    // `aws_eip.nat` and `each.key`, and the instance of that key is picked below. `each.value` may
    // carry anything.
    if (root === "each" && s[1]?.name === "key") return [];
    if (root === "local" && localsNameNothing) return [];
    if (root === "local" || root === "each") return undefined;
    if (root === "var") {
      // A root variable's value is known while planning: it names no resource being created
      // (an existing one is matched by its id). A module variable follows the caller's argument.
      const p = parentOf(module);
      if (!s[1]) return undefined;
      if (!p) return [];
      const call = configModuleAt(rootConfig, configPathOf(p.parent))?.calls.get(p.call);
      if (!call) return undefined;
      const expr = call.expressions?.[s[1].name];
      if (expr === undefined) return [];
      return resolveAll(referenceStrings(expr), p.parent, p.key, depth + 1);
    }
    if (root === "module") {
      if (!s[1]) return undefined;
      const candidates = (moduleInstances.get(`${module}\u0000${s[1].name}`) ?? []).filter((m) => !s[1].key || m.endsWith(`${s[1].name}${s[1].key}`));
      const output = s[2]?.name;
      if (output && candidates.length === 0 && hasNoInstances(module, s[1].name)) return [];
      if (!output || candidates.length === 0) return undefined;
      const pick = candidates.length === 1 ? candidates : key ? candidates.filter((m) => moduleKey(m) === key) : [];
      if (pick.length !== 1) return undefined;
      const outputs = configModuleAt(rootConfig, configPathOf(pick[0]))?.outputs;
      const expr = outputs?.[output]?.expression;
      if (expr === undefined) return undefined;
      return resolveAll(referenceStrings(expr), pick[0], moduleKey(pick[0]), depth + 1);
    }
    const data = root === "data";
    const type = s[data ? 1 : 0];
    const name = s[data ? 2 : 1];
    if (!type || !name) return undefined;
    const base = `${data ? "data." : ""}${type.name}.${name.name}`;
    const found = instances.get(`${module}\u0000${base}`) ?? [];
    if (name.key) return found.filter((a) => a === join(module, `${base}${name.key}`));
    if (found.length <= 1) return found;
    // `aws_vpc.this[count.index]` is recorded without its index: the referrer's own key picks the instance.
    if (key) {
      const same = found.filter((a) => a === join(module, `${base}${key}`));
      if (same.length === 1) return same;
    }
    return undefined;
  };
  /**
   * A module call of `module` whose module always creates a resource (one without count or
   * for_each) but has no instance in the plan has none at all (`count = 0`): a reference to it names
   * nothing, it can only stand in a branch Terraform does not take
   * (`var.create_kms_key ? module.kms_key[0].key_arn : var.kms_key_arn`).
   */
  const hasNoInstances = (module: string, call: string): boolean => {
    const called = configModuleAt(rootConfig, configPathOf(module))?.calls.get(call)?.module;
    return [...(called?.resources.values() ?? [])].some((r) => r.mode === "managed" && r.count_expression === undefined && r.for_each_expression === undefined);
  };
  const resolveAll = (refs: string[], module: string, key: string | undefined, depth: number): string[] | undefined => {
    // Terraform lists `aws_vpc.this[0].id`, `aws_vpc.this[0]` and `aws_vpc.this`: the most specific wins.
    const specific = refs.filter((r) => !refs.some((o) => o !== r && o.startsWith(r) && /^[[.]/.test(o.slice(r.length))));
    const out = new Set<string>();
    for (const r of specific) {
      const got = resolve(r, module, key, depth);
      if (got === undefined) return undefined;
      for (const a of got) out.add(a);
    }
    return [...out];
  };
  /** What resolveAll reaches when locals are taken to name nothing (TfResource.partialRefs). */
  let localsNameNothing = false;
  const resolvePartly = (refs: string[], module: string, key: string | undefined): string[] | undefined => {
    localsNameNothing = true;
    try {
      return resolveAll(refs, module, key, 0);
    } finally {
      localsNameNothing = false;
    }
  };

  const resources: TfResource[] = [];
  for (const { r, parsed } of raw) {
    const config = configModuleAt(rootConfig, parsed.configModule)?.resources.get(parsed.base);
    const expressions: Obj = isObject(config?.expressions) ? config!.expressions : {};
    const refs: Record<string, string[]> = {};
    const opaque = new Set<string>();
    const partialRefs: Record<string, string[]> = {};
    for (const [attr, expr] of Object.entries(expressions)) {
      const strings = referenceStrings(expr);
      if (strings.length === 0) continue;
      const got = resolveAll(strings, parsed.module, parsed.key, 0);
      if (got === undefined) {
        opaque.add(attr);
        const partly = resolvePartly(strings, parsed.module, parsed.key);
        if (partly?.length) partialRefs[attr] = partly;
      } else if (got.length) refs[attr] = got;
    }
    // An unknown value the configuration sets to something from a resource is set; one whose
    // expression comes only from variables and constants evaluated to null: the provider's choice.
    const provenance = (path: (string | number)[]): boolean | undefined => {
      if (!config) return undefined;
      const e = expressionAt(expressions, path, r.values);
      if (e === "absent") return false;
      if (e === "unknown") return undefined;
      const strings = referenceStrings(e);
      if (strings.length === 0) return e.constant_value !== undefined && e.constant_value !== null;
      const got = resolveAll(strings, parsed.module, parsed.key, 0);
      return got === undefined ? undefined : got.length > 0;
    };
    const values = withUnknowns(r.values ?? {}, unknownTrees.get(r.address), provenance) as Obj;
    const userData = USER_DATA_TYPES.has(r.type) && r.mode !== "data" ? userDataFromPlan(r.type, values, config === undefined ? undefined : expressions, parsed.module, plan.configuration === undefined) : undefined;
    resources.push({
      stack,
      mode: r.mode === "data" ? "data" : "managed",
      type: r.type,
      name: parsed.key ? `${r.name}${parsed.key}` : r.name,
      address: r.address,
      module: parsed.module,
      values,
      refs,
      opaque,
      ...(Object.keys(partialRefs).length ? { partialRefs } : {}),
      suppressions: [],
      file,
      ...(userData ? { userData } : {}),
    });
  }
  return { resources, account: accountOfPlan(configuration) };

  /**
   * The known texts an expression of module instance `module` is built from: its constant, and
   * the values of the variables it refers to (root variables from the plan's `variables`, module
   * variables through the caller's argument). `exact` is the whole value when the expression is
   * one constant or one variable and nothing else; `hidden` names what the plan does not carry.
   */
  function textsOf(expr: unknown, module: string, depth: number): { exact?: { text: string; from: string }; inputs: SourcedText[]; hidden: string[] } {
    const none = { inputs: [], hidden: [] as string[] };
    if (!isObject(expr) || depth > 16) return { ...none, hidden: ["an expression the plan does not describe"] };
    if ("constant_value" in expr) {
      const v = expr.constant_value;
      if (typeof v === "string") return { exact: { text: v, from: "the configuration" }, inputs: [{ text: v, from: "the configuration" }], hidden: [] };
      return { ...none, inputs: stringsIn(v).map((text) => ({ text, from: "the configuration" })) };
    }
    const refs = referenceStrings(expr);
    const specific = refs.filter((r) => !refs.some((o) => o !== r && o.startsWith(r) && /^[[.]/.test(o.slice(r.length))));
    if (specific.length === 0) return { ...none, hidden: ["a function call whose arguments the plan does not carry"] };
    const inputs: SourcedText[] = [];
    const hidden: string[] = [];
    let exact: { text: string; from: string } | undefined;
    for (const ref of specific) {
      const s = steps(ref) ?? [];
      const root = s[0]?.name;
      if (root === "var" && s[1]) {
        const name = s[1].name;
        const parent = parentOf(module);
        if (!parent) {
          const v = isObject(variables[name]) ? variables[name].value : undefined;
          if (v === undefined) hidden.push(`var.${name} (no value in the plan)`);
          else {
            const texts = stringsIn(v).map((text) => ({ text, from: `var.${name}`, ...(typeof v === "string" ? { names: [name] } : {}) }));
            inputs.push(...texts);
            if (typeof v === "string" && specific.length === 1 && s.length === 2) exact = { text: v, from: `var.${name}` };
          }
        } else {
          const call = configModuleAt(rootConfig, configPathOf(parent.parent))?.calls.get(parent.call);
          const arg = call?.expressions?.[name];
          if (arg === undefined) hidden.push(`var.${name} of ${module} (its default is not in the plan)`);
          else {
            const got = textsOf(arg, parent.parent, depth + 1);
            const via = (from: string) => (from === "the configuration" ? `the argument ${name} of ${module}` : `${from} (argument ${name} of ${module})`);
            const whole = s.length === 2;
            inputs.push(...got.inputs.map((i) => ({ text: i.text, from: via(i.from), ...(whole && got.exact?.text === i.text ? { names: [name, ...(i.names ?? [])] } : {}) })));
            hidden.push(...got.hidden);
            if (got.exact && specific.length === 1 && s.length === 2) exact = { text: got.exact.text, from: via(got.exact.from) };
          }
        }
      } else if (root === "local") hidden.push(`${ref} (locals are not in a plan)`);
      else if (root === "path") hidden.push(`a file under ${ref} (file contents are not in a plan)`);
      else if (root === "count" || root === "each" || root === "terraform") hidden.push(ref);
      else hidden.push(`${ref} (known only after apply)`);
    }
    return { exact, inputs, hidden };
  }

  /** Where the text of a resource's user data is, when the planned value does not show it. */
  function userDataFromPlan(type: string, values: Obj, expressions: Obj | undefined, module: string, noConfiguration: boolean): UserDataSource | undefined {
    for (const attr of ["user_data", "user_data_base64"]) {
      const v = values[attr];
      const hashed = HASHED_USER_DATA.has(type) && attr === "user_data" && typeof v === "string" && /^[0-9a-f]{40}$/.test(v);
      const unknownValue = isUnknownValue(v) && v.set !== false;
      if (!hashed && !unknownValue) continue;
      const shown = hashed ? "stores user data as a SHA-1 hash" : "shows user data as known only after apply";
      if (!expressions) {
        const why = noConfiguration ? `the input ${shown} and carries no configuration to read it from` : `the plan ${shown} and its configuration does not describe this resource`;
        return { kind: "unverifiable", why, inputs: [] };
      }
      const got = textsOf(expressions[attr], module, 0);
      if (hashed) {
        const proven = [got.exact, ...got.inputs].find((c) => c !== undefined && userDataHash(c.text) === v);
        if (proven) return { kind: "text", text: proven.text, from: proven.from };
      }
      const hiddenBy = got.hidden.length ? `it is built from ${[...new Set(got.hidden)].slice(0, 3).join(", ")}` : got.exact ? `the configuration's value does not match the plan's hash` : "its expression is not in the plan";
      return { kind: "unverifiable", why: `the plan ${shown}; ${hiddenBy}`, inputs: got.inputs };
    }
    return undefined;
  }
}

/** Types whose user data the plan may not show as text. */
const USER_DATA_TYPES = new Set(["aws_instance", "aws_spot_instance_request", "aws_launch_configuration", "aws_launch_template"]);
/** Types whose `user_data` the AWS provider stores as a SHA-1 of the (base64-decoded) text. */
const HASHED_USER_DATA = new Set(["aws_instance", "aws_spot_instance_request", "aws_launch_configuration"]);

/** The AWS provider's user data hash: SHA-1 of the text, base64-decoded first when it is base64. */
export function userDataHash(text: string): string {
  const b64 = text.length % 4 === 0 && /^[A-Za-z0-9+/]*={0,2}$/.test(text) ? Buffer.from(text, "base64") : undefined;
  return createHash("sha1").update(b64 && b64.toString("base64") === text ? b64 : Buffer.from(text, "utf8")).digest("hex");
}

/** Every string inside a JSON value. */
function stringsIn(v: unknown, out: string[] = []): string[] {
  if (typeof v === "string") out.push(v);
  else if (Array.isArray(v)) for (const x of v) stringsIn(x, out);
  else if (isObject(v)) for (const x of Object.values(v)) stringsIn(x, out);
  return out;
}

function configPathOf(moduleInstance: string): string {
  return (steps(moduleInstance) ?? []).map((s) => s.name).join(".");
}

/** `account/region` of the plan's default AWS provider configuration, when both are constants. */
function accountOfPlan(configuration: Obj): string | undefined {
  const aws = isObject(configuration.provider_config) ? configuration.provider_config.aws : undefined;
  const e: Obj | undefined = isObject(aws) && isObject(aws.expressions) ? aws.expressions : undefined;
  const ids = e?.allowed_account_ids?.constant_value;
  const region = e?.region?.constant_value;
  const account = Array.isArray(ids) && ids.length === 1 && typeof ids[0] === "string" ? ids[0] : undefined;
  return account && typeof region === "string" ? `${account}/${region}` : undefined;
}

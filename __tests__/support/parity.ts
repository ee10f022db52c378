import * as fs from "node:fs";
import * as path from "node:path";
import { parse as parseYaml } from "yaml";
import { ALL_RULES, configResources, FileSuppression, planResources, runRules } from "../../compliance";
import { AWS_MOCKS } from "../../publish/mocks";
import { init, offlinePlan, PlanJson, stageStack, terraform } from "./terraform";

/**
 * Parity of a construct and its published module, judged on offline plans: each side's planned
 * creates are grouped by resource type, paired by a key that does not depend on how the side
 * names its resources, and every known attribute is compared (JSON documents parsed). Values
 * unknown until apply on both sides cannot be compared; they are listed, not judged equal.
 */

export interface PlannedResource {
  readonly address: string;
  readonly type: string;
  readonly after: Record<string, unknown>;
  readonly unknown: Record<string, unknown>;
}

/** The planned creates whose address starts with `prefix` (a construct id or `module.<name>.`). */
export function plannedUnder(plan: PlanJson, prefix: (address: string) => boolean): PlannedResource[] {
  return (plan.resource_changes ?? [])
    .filter((rc) => rc.change.actions.includes("create") && prefix(rc.address))
    .map((rc) => ({ address: rc.address, type: rc.type, after: (rc.change.after ?? {}) as Record<string, unknown>, unknown: ((rc.change as { after_unknown?: Record<string, unknown> }).after_unknown ?? {}) as Record<string, unknown> }));
}

/** Attributes that name or label a resource but decide nothing about its security. */
const COSMETIC = new Set(["tags", "tags_all", "description", "alarm_description", "name_prefix"]);

/**
 * A string holding a JSON object or array (policies, documents) compares parsed, base64 user
 * data decoded; lists compare as sets (order decides nothing in the attributes compared here:
 * statements, tag specifications, CIDR lists).
 */
function normalize(value: unknown, attr = ""): unknown {
  if (typeof value === "string" && attr === "user_data") return Buffer.from(value, "base64").toString("utf8");
  if (typeof value === "string" && /^\s*[[{]/.test(value)) {
    try {
      return normalize(JSON.parse(value));
    } catch {
      return value;
    }
  }
  if (Array.isArray(value)) return value.map((v) => normalize(v)).sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : JSON.stringify(a) > JSON.stringify(b) ? 1 : 0));
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.keys(value).sort().map((k) => [k, normalize((value as Record<string, unknown>)[k])]));
  }
  return value;
}

/** How resources of a type are paired across the two sides: a name they share, else their content. */
const KEYS: Record<string, (a: Record<string, unknown>) => unknown> = {
  aws_cloudwatch_metric_alarm: (a) => a.alarm_name,
  aws_network_acl_rule: (a) => `${a.egress ? "egress" : "ingress"}/${a.rule_number}`,
  aws_vpc_security_group_ingress_rule: (a) => JSON.stringify([a.ip_protocol, a.from_port, a.to_port, a.cidr_ipv4 ?? a.cidr_ipv6 ?? a.prefix_list_id ?? a.referenced_security_group_id ?? "?"]),
  aws_lb_listener: (a) => a.port,
  aws_vpc_security_group_egress_rule: (a) => JSON.stringify([a.ip_protocol, a.from_port, a.to_port, a.cidr_ipv4 ?? a.cidr_ipv6 ?? a.prefix_list_id ?? a.referenced_security_group_id ?? "?"]),
};

function keyOf(r: PlannedResource, indexInType: number): string {
  const k = KEYS[r.type]?.(r.after) ?? r.after.name ?? r.after.bucket ?? r.after.alarm_name ?? r.after.policy_arn ?? r.after.document_type;
  return `${r.type}[${k !== undefined && k !== null ? JSON.stringify(k) : `#${indexInType}`}]`;
}

export interface ParityReport {
  /** Every semantic difference, naming the resource key and the attribute. */
  readonly differences: string[];
  /** Attributes unknown on both sides (known after apply), by key: not compared on the plans. */
  readonly unknownOnBoth: string[];
  /** The same, with both sides' addresses, for a mocked apply to compare. */
  readonly unknownPairs: { key: string; attr: string; construct: string; module: string }[];
}

function keyed(rs: PlannedResource[]): Map<string, PlannedResource> {
  const out = new Map<string, PlannedResource>();
  const byType = new Map<string, number>();
  for (const r of [...rs].sort((a, b) => a.address.localeCompare(b.address))) {
    const i = byType.get(r.type) ?? 0;
    byType.set(r.type, i + 1);
    let k = keyOf(r, i);
    while (out.has(k)) k = `${k}'`;
    out.set(k, r);
  }
  return out;
}

export function compareSides(construct: PlannedResource[], module: PlannedResource[], ignore: (key: string, attribute: string) => boolean = () => false): ParityReport {
  const differences: string[] = [];
  const unknownOnBoth: string[] = [];
  const unknownPairs: ParityReport["unknownPairs"] = [];
  const count = (rs: PlannedResource[]) => rs.reduce((m, r) => m.set(r.type, (m.get(r.type) ?? 0) + 1), new Map<string, number>());
  const [cc, mc] = [count(construct), count(module)];
  for (const type of [...new Set([...cc.keys(), ...mc.keys()])].sort()) {
    if (cc.get(type) !== mc.get(type) && !ignore(type, "count")) differences.push(`${type}: count construct ${cc.get(type) ?? 0}, module ${mc.get(type) ?? 0}`);
  }
  const [ck, mk] = [keyed(construct), keyed(module)];
  for (const key of [...new Set([...ck.keys(), ...mk.keys()])].sort()) {
    const c = ck.get(key);
    const m = mk.get(key);
    if (!c || !m) {
      if (!ignore(key, "presence") && cc.get((c ?? m)!.type) === mc.get((c ?? m)!.type)) differences.push(`${key}: only in the ${c ? "construct" : "module"} (${(c ?? m)!.address})`);
      continue;
    }
    for (const attr of [...new Set([...Object.keys(c.after), ...Object.keys(m.after), ...Object.keys(c.unknown), ...Object.keys(m.unknown)])].sort()) {
      if (COSMETIC.has(attr) || ignore(key, attr)) continue;
      const cu = c.unknown[attr] === true;
      const mu = m.unknown[attr] === true;
      if (cu && mu) {
        unknownOnBoth.push(`${key}.${attr}`);
        unknownPairs.push({ key, attr, construct: c.address, module: m.address });
        continue;
      }
      if (cu !== mu) {
        differences.push(`${key}.${attr}: ${cu ? "unknown until apply in the construct" : "unknown until apply in the module"}, known on the other side (${JSON.stringify(cu ? m.after[attr] : c.after[attr])?.slice(0, 200)})`);
        continue;
      }
      const [cv, mv] = [normalize(c.after[attr] ?? null, attr), normalize(m.after[attr] ?? null, attr)];
      const [cs, ms] = [JSON.stringify(cv), JSON.stringify(mv)];
      const empty = (s: string) => s === "null" || s === "[]" || s === "{}";
      if (cs !== ms && !(empty(cs) && empty(ms))) differences.push(`${key}.${attr}: ${firstDifference(cv, mv)}`);
    }
  }
  return { differences, unknownOnBoth, unknownPairs };
}

/** Where two normalized values first differ, as a path and both values (short). */
function firstDifference(c: unknown, m: unknown, at = ""): string {
  if (c && m && typeof c === "object" && typeof m === "object" && Array.isArray(c) === Array.isArray(m)) {
    const keys = [...new Set([...Object.keys(c), ...Object.keys(m)])];
    for (const k of keys) {
      const [cv, mv] = [(c as Record<string, unknown>)[k], (m as Record<string, unknown>)[k]];
      if (JSON.stringify(cv) !== JSON.stringify(mv)) return firstDifference(cv, mv, `${at}${Array.isArray(c) ? `[${k}]` : `.${k}`}`);
    }
  }
  if (typeof c === "string" && typeof m === "string" && c.includes("\n")) {
    const [cl, ml] = [c.split("\n"), m.split("\n")];
    const i = cl.findIndex((l, n) => l !== ml[n]);
    return `${at || "value"} line ${i + 1}: construct ${JSON.stringify(cl[i])}, module ${JSON.stringify(ml[i])}`;
  }
  return `${at || "value"}: construct ${JSON.stringify(c)?.slice(0, 200)}, module ${JSON.stringify(m)?.slice(0, 200)}`;
}

/** Security-relevant attributes that plans often cannot know (they hold ARNs): compared after a mocked apply. */
export const APPLY_TIME_ATTRIBUTES = new Set([
  "policy", "assume_role_policy", "content", "alarm_actions", "ok_actions", "kms_key_id", "kms_master_key_id", "kms_key_arn", "s3_kms_key_arn",
  "cloud_watch_logs_group_arn", "cloud_watch_logs_role_arn", "role_arn", "s3_bucket_name", "sns_topic_arn", "policy_arn", "role", "target_key_id", "user_data",
]);

/**
 * Values after `terraform test` applies `dir` with the shared mocks (fixed ARNs per resource
 * type, so both sides see the same ones). `dumpOutput` names an output holding
 * base64(jsonencode(values)); terraform test cannot export state, so a run asserts the output
 * against an impossible value and the value is read back from Terraform's own failure message.
 */
export function mockedOutput(dir: string, dumpOutput: string): Record<string, unknown> {
  fs.mkdirSync(path.join(dir, "tests", "mocks"), { recursive: true });
  fs.writeFileSync(path.join(dir, "tests", "mocks", "aws.tfmock.hcl"), AWS_MOCKS);
  const run = ['mock_provider "aws" {', '  source = "./tests/mocks"', "}", "", 'run "dump" {', "  command = apply", "  assert {", `    condition     = output.${dumpOutput} == "-"`, '    error_message = "parity dump"', "  }", "}", ""];
  fs.writeFileSync(path.join(dir, "tests", "parity.tftest.hcl"), run.join("\n"));
  const res = terraform(dir, ["test", "-filter=tests/parity.tftest.hcl"], { allowFailure: true });
  const text = `${res.stdout}\n${res.stderr}`;
  const m = new RegExp(`output\\.${dumpOutput} is "([A-Za-z0-9+/=]+)"`).exec(text);
  if (!m) throw new Error(`no value of output.${dumpOutput} in terraform test's output:\n${text.slice(0, 4000)}`);
  return JSON.parse(Buffer.from(m[1], "base64").toString("utf8")) as Record<string, unknown>;
}

const MOCK_RANDOM = /^[a-z0-9]{8}$/;

/** Compares the mocked values of the two sides, key by key (normalized as on the plans). */
export function compareValues(construct: Record<string, unknown>, module: Record<string, unknown>): string[] {
  const out: string[] = [];
  for (const key of [...new Set([...Object.keys(construct), ...Object.keys(module)])].sort()) {
    const attr = key.slice(key.lastIndexOf(".") + 1);
    const [cv, mv] = [normalize(construct[key] ?? null, attr), normalize(module[key] ?? null, attr)];
    // A computed attribute the mocks give no value gets a random 8-character string on each side: nothing to compare.
    if ([cv, mv].every((v) => typeof v === "string" && MOCK_RANDOM.test(v))) continue;
    if (JSON.stringify(cv) !== JSON.stringify(mv)) out.push(`${key} (after a mocked apply): ${firstDifference(cv, mv)}`);
  }
  return out;
}

/**
 * One construct/module pairing in a parity run: `construct` matches the construct's plan
 * addresses, `module` is the module call's address prefix (`module.<call>.`), `dir` the
 * published module's folder when it is not the side's name (several calls of one module).
 */
export interface ParitySide {
  readonly construct: RegExp;
  readonly module: string;
  readonly dir?: string;
}

export interface ParityRun {
  readonly constructPlan: PlanJson;
  readonly modulePlan: PlanJson;
  /** Differences on the plans, by side. */
  readonly reports: Record<string, ParityReport>;
  /** Differences after one mocked apply per side, by side. */
  readonly applied: Record<string, string[]>;
  /** What was compared after the mocked apply, by side (`<side> <key>.<attr>`). */
  readonly comparedAfterApply: Record<string, string[]>;
  /** Unknown on both plans but inside a module the module calls: compared on the plans only. */
  readonly notCompared: Record<string, string[]>;
}

/**
 * Plans the constructs' stack and a root calling the published modules offline (one init and
 * one plan per side), compares each side's resources, then compares what neither plan knows
 * (policies and documents holding ARNs) after one mocked `terraform test` apply per side.
 * `modulesDir` holds the published modules; the root is written next to it.
 */
export function runParity(
  constructJson: Record<string, unknown>,
  modulesDir: string,
  moduleCalls: string,
  sides: Record<string, ParitySide>,
  applyTime: ReadonlySet<string> = APPLY_TIME_ATTRIBUTES,
): ParityRun {
  const root = path.join(path.dirname(modulesDir), "root");
  fs.mkdirSync(root, { recursive: true });
  fs.writeFileSync(path.join(root, "main.tf"), moduleCalls);
  const constructDir = stageStack(constructJson, "parity");
  for (const dir of [constructDir, root]) init(dir);
  const constructPlan = offlinePlan(constructDir);
  const modulePlan = offlinePlan(root);

  const reports: Record<string, ParityReport> = {};
  const notCompared: Record<string, string[]> = {};
  const constructExprs: Record<string, string> = {};
  const moduleExprs: Record<string, Record<string, string>> = {};
  for (const [name, side] of Object.entries(sides)) {
    reports[name] = compareSides(plannedUnder(constructPlan, (a) => side.construct.test(a)), plannedUnder(modulePlan, (a) => a.startsWith(side.module)));
    notCompared[name] = [];
    for (const u of reports[name].unknownPairs.filter((p) => applyTime.has(p.attr))) {
      const inner = u.module.slice(side.module.length);
      if (inner.startsWith("module.")) {
        notCompared[name].push(`${u.key}.${u.attr}`);
        continue;
      }
      const k = `${name} ${u.key}.${u.attr}`;
      constructExprs[k] = `${u.construct}.${u.attr}`;
      (moduleExprs[side.dir ?? name] ??= {})[k] = `${inner}.${u.attr}`;
    }
  }
  // One output per module folder holds every side's expressions (try: a call may lack another call's resources); the root keeps each call's own.
  const object = (exprs: Record<string, string>, wrap = (e: string) => e) => `{ ${Object.entries(exprs).map(([k, e]) => `${JSON.stringify(k)} = ${wrap(e)}`).join(", ")} }`;
  fs.writeFileSync(path.join(constructDir, "parity_dump.tf.json"), JSON.stringify({ output: { parity_dump: { value: `\${base64encode(jsonencode(${object(constructExprs)}))}` } } }));
  for (const [dir, exprs] of Object.entries(moduleExprs)) {
    fs.writeFileSync(path.join(modulesDir, dir, "zz_parity.tf"), `output "parity" {\n  value = ${object(exprs, (e) => `try(${e}, null)`)}\n}\n`);
  }
  const calls = Object.entries(sides)
    .filter(([name, side]) => moduleExprs[side.dir ?? name])
    .map(([name, side]) => `{ for k, v in module.${side.module.split(".")[1]}.parity : k => v if startswith(k, ${JSON.stringify(`${name} `)}) }`);
  fs.writeFileSync(path.join(root, "parity.tf"), `output "parity_dump" {\n  value = base64encode(jsonencode(merge(${calls.join(", ")})))\n}\n`);
  const [constructValues, moduleValues] = [mockedOutput(constructDir, "parity_dump"), mockedOutput(root, "parity_dump")];
  const applied: Record<string, string[]> = {};
  const comparedAfterApply: Record<string, string[]> = {};
  for (const name of Object.keys(sides)) {
    const mine = (values: Record<string, unknown>) => Object.fromEntries(Object.entries(values).filter(([k]) => k.startsWith(`${name} `)));
    applied[name] = compareValues(mine(constructValues), mine(moduleValues));
    comparedAfterApply[name] = Object.keys(mine(constructValues));
  }
  return { constructPlan, modulePlan, reports, applied, comparedAfterApply, notCompared };
}

/**
 * Every rule's findings on one side's plan for the resources `belongs` selects, as
 * `<rule> <severity>[ suppressed (<reason>)] on <type>` (sorted): comparable across the two
 * sides whatever their addresses. `suppressions` are applied as `bulwark check` applies
 * bulwark-suppressions.yaml.
 */
export function findingsOn(plan: PlanJson, belongs: (address: string) => boolean, suppressions: readonly FileSuppression[] = []): string[] {
  const report = runRules(planResources(plan, "parity"), ALL_RULES, { scope: "resource", suppressions });
  const type = (address: string) => /(?:^|\.)(aws_[a-z0-9_]+)\.[^.]+$/.exec(address.replace(/\["[^"]*"\]$/, "").replace(/\[\d+\]$/, ""))?.[1] ?? address;
  return report.findings
    .filter((f) => belongs(f.address))
    .map((f) => `${f.ruleId} ${f.severity}${f.suppressed ? ` suppressed (${f.suppressionReason})` : ""} on ${type(f.address)}`)
    .sort();
}

/** The suppressions a synthesized stack records in its resources' `//` blocks, as file entries for its plan. */
export function constructSuppressions(stackJson: Record<string, unknown>): FileSuppression[] {
  return configResources(stackJson, "parity").flatMap((r) => r.suppressions.map((s) => ({ rule: s.ruleId, address: r.address, reason: s.reason, file: "construct" })));
}

/** The root output `bulwark_suppressions` (rootSuppressionsHcl) of a module plan, as file entries. */
export function moduleSuppressions(plan: PlanJson): FileSuppression[] {
  const yaml = (plan.planned_values as { outputs?: Record<string, { value?: unknown }> } | undefined)?.outputs?.bulwark_suppressions?.value;
  if (typeof yaml !== "string") throw new Error("the module plan has no bulwark_suppressions output (rootSuppressionsHcl)");
  return ((parseYaml(yaml) as { rule: string; address: string; reason: string }[] | null) ?? []).map((e) => ({ ...e, file: "module" }));
}

import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { TerraformProvider } from "cdktf";
import { Construct } from "constructs";
import { parse as parseYaml } from "yaml";
import { ALL_RULES, FileSuppression, Finding, planResources, runRules, TfResource } from "../../compliance";
import { HardenedAwsProvider } from "../../modules/core/stack";
import { PUBLISHED_MODULES } from "../../publish";
import { AWS_MOCKS } from "../../publish/mocks";
import { rootSuppressionsHcl, SUPPRESSIONS_OUTPUT } from "../../publish/suppressions";
import { bulwark } from "./cli";
import { synthJson, TEST_ACCOUNT, TfJson } from "./synth";
import { init, offlinePlan, PlanJson, stageStack, terraform } from "./terraform";

/**
 * Parity of a construct and its published module, judged on offline plans: each side's planned
 * creates are grouped by resource type, paired by a key that does not depend on how the side
 * names its resources, and every known attribute is compared (JSON documents parsed, user data
 * parsed as cloud-init reads it), then what each attribute refers to. Security-relevant values
 * unknown until apply on both sides (policies holding ARNs) are compared in a plan with the mocks' values;
 * the others are listed, not judged equal. `describeParity` runs a file's cases this way.
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
 * User data as cloud-init reads it: a MIME multipart split into its parts (content type and
 * content), a `#cloud-config` document parsed as YAML, anything else (a shell script) as text.
 * Two renderings that cloud-init reads alike compare equal (YAML quoting, key order, MIME
 * boundaries and file names); the order of lists (runcmd, parts) is kept, since it decides.
 */
export function parseUserData(text: string): unknown {
  const boundary = /^Content-Type: multipart\/mixed; boundary="([^"]+)"/.exec(text)?.[1];
  if (boundary) {
    const parts = text.split(`--${boundary}`).slice(1, -1);
    return {
      multipart: parts.map((p) => {
        const body = p.replace(/^\n/, "");
        const split = body.indexOf("\n\n");
        const header = body.slice(0, split);
        const contentType = /^Content-Type: ([^;\n]+)/m.exec(header)?.[1] ?? "?";
        return { contentType, content: parseUserData(body.slice(split + 2).replace(/\n$/, "")) };
      }),
    };
  }
  if (text.startsWith("#cloud-config\n")) return { cloudConfig: ordered(parseYaml(text)) };
  return text;
}

/** Objects with sorted keys, lists in order, JSON documents inside strings parsed. */
function ordered(value: unknown): unknown {
  if (typeof value === "string" && /^\s*[[{]/.test(value)) {
    try {
      return ordered(JSON.parse(value));
    } catch {
      return value;
    }
  }
  if (Array.isArray(value)) return value.map(ordered);
  if (value && typeof value === "object") return Object.fromEntries(Object.keys(value).sort().map((k) => [k, ordered((value as Record<string, unknown>)[k])]));
  return value;
}

/**
 * A string holding a JSON object or array (policies, documents) compares parsed, user data
 * decoded and parsed as cloud-init does (`parseUserData`); other lists compare as sets (order
 * decides nothing in the attributes compared here: statements, tag specifications, CIDR lists).
 */
function normalize(value: unknown, attr = ""): unknown {
  if (typeof value === "string" && attr === "user_data") return parseUserData(Buffer.from(value, "base64").toString("utf8"));
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
  aws_kms_key: (a) => a.description,
  aws_vpc: (a) => a.cidr_block,
  aws_subnet: (a) => a.cidr_block,
  aws_vpc_endpoint: (a) => a.service_name,
  aws_backup_vault_lock_configuration: (a) => a.backup_vault_name,
  // A policy the plan cannot name yet (the bastion's operator policy) is paired by the role or group it goes to.
  aws_iam_role_policy_attachment: (a) => a.policy_arn ?? (a.role ? `role ${a.role}` : undefined),
  aws_iam_group_policy_attachment: (a) => a.policy_arn ?? (a.group ? `group ${a.group}` : undefined),
};

function keyOf(r: PlannedResource, indexInType: number): string {
  const nameTag = (r.after.tags as Record<string, string> | null | undefined)?.Name;
  const k = KEYS[r.type]?.(r.after) ?? r.after.name ?? r.after.bucket ?? r.after.alarm_name ?? r.after.policy_arn ?? r.after.document_type ?? nameTag;
  return `${r.type}[${k !== undefined && k !== null ? JSON.stringify(k) : `#${indexInType}`}]`;
}

export interface ParityReport {
  /** Every semantic difference, naming the resource key and the attribute. */
  readonly differences: string[];
  /** Attributes unknown on both sides (known after apply), by key: not compared on the plans. */
  readonly unknownOnBoth: string[];
  /** The same, with both sides' addresses, for the mocked plan to compare. */
  readonly unknownPairs: { key: string; attr: string; construct: string; module: string }[];
}

/** Each resource's parity key (as compareSides pairs them) by its address. */
export function keysByAddress(rs: PlannedResource[]): Map<string, string> {
  return new Map([...keyed(rs)].map(([k, r]) => [r.address, k]));
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

/** Security-relevant attributes that plans often cannot know (they hold ARNs): compared in a plan with the mocks' values. */
export const APPLY_TIME_ATTRIBUTES = new Set([
  "policy", "assume_role_policy", "content", "alarm_actions", "ok_actions", "kms_key_id", "kms_master_key_id", "kms_key_arn", "s3_kms_key_arn",
  "cloud_watch_logs_group_arn", "cloud_watch_logs_role_arn", "role_arn", "s3_bucket_name", "sns_topic_arn", "policy_arn", "role", "target_key_id", "user_data",
  "iam_role_arn", "log_destination", "key_arn", "service_role_arn", "topic_arn",
  // The load balancer's wiring: ARNs only an apply knows.
  "resource_arn", "web_acl_arn", "log_destination_configs", "load_balancer_arn",
]);

/**
 * The values of `exprs` (Terraform expressions, by key) in `dir` planned by `terraform test` with the
 * shared mocks in effect during the plan (`override_during = plan`: fixed ARNs per resource type, so
 * both sides see the same ones), without an apply or its teardown. terraform test cannot export
 * values, so each is a local holding base64(jsonencode(value)) that an assertion compares with an
 * impossible one, and the value is read back from Terraform's own failure message. A value the mocked
 * plan still cannot know (an attribute neither the configuration nor the mocks set, left to the
 * provider) is returned in `unknown`.
 */
export function mockedValues(dir: string, exprs: Record<string, string>, aliases: readonly RegionProvider[] = []): { values: Record<string, unknown>; unknown: string[] } {
  const keys = Object.keys(exprs);
  fs.writeFileSync(path.join(dir, "parity_dump.tf.json"), JSON.stringify({ locals: Object.fromEntries(keys.map((k, i) => [`parity_${i}`, `\${base64encode(jsonencode(${exprs[k]}))}`])) }));
  fs.mkdirSync(path.join(dir, "tests", "mocks"), { recursive: true });
  fs.writeFileSync(path.join(dir, "tests", "mocks", "aws.tfmock.hcl"), AWS_MOCKS);
  // A provider of another region reports that region, as the real one would.
  const aliased = aliases.flatMap((p) => [`mock_provider "aws" {`, `  alias           = "${p.alias}"`, '  source          = "./tests/mocks"', "  override_during = plan", '  mock_data "aws_region" {', `    defaults = { name = "${p.region}" }`, "  }", "}", ""]);
  const asserts = keys.flatMap((_, i) => ["  assert {", `    condition     = local.parity_${i} == "-"`, `    error_message = "parity ${i}"`, "  }"]);
  const run = ['mock_provider "aws" {', '  source          = "./tests/mocks"', "  override_during = plan", "}", "", ...aliased, 'run "dump" {', "  command = plan", ...asserts, "}", ""];
  fs.writeFileSync(path.join(dir, "tests", "parity.tftest.hcl"), run.join("\n"));
  const res = terraform(dir, ["test", "-filter=tests/parity.tftest.hcl"], { allowFailure: true });
  const text = `${res.stdout}\n${res.stderr}`;
  const found = new Map([...text.matchAll(/local\.parity_(\d+) is "([A-Za-z0-9+/=]*)"/g)].map((m) => [Number(m[1]), m[2]]));
  const values: Record<string, unknown> = {};
  const unknown: string[] = [];
  keys.forEach((k, i) => {
    const b64 = found.get(i);
    if (b64 === undefined) unknown.push(k);
    else values[k] = JSON.parse(Buffer.from(b64, "base64").toString("utf8"));
  });
  // Every value not read back must be one Terraform called unknown, one error each: anything else is a failed run.
  const unknownErrors = (text.match(/Error: Unknown condition value/g) ?? []).length;
  if (unknownErrors !== unknown.length || !/Failure! 0 passed, 1 failed/.test(text)) {
    throw new Error(`terraform test in ${dir} gave ${found.size} of ${keys.length} values and ${unknownErrors} unknown ones:\n${text.slice(0, 4000)}`);
  }
  return { values, unknown };
}

/**
 * Attributes that stay unknown in a plan even with the mocks' values because neither the configuration nor
 * the mocks set them and AWS chooses them (`<key>.<attribute>`): listed as not compared, never judged.
 */
export const LEFT_TO_PROVIDER: readonly RegExp[] = [
  // An endpoint without a policy gets AWS's default one (full access).
  /^aws_vpc_endpoint\[[^\]]*\]\.policy$/,
];

/** `value` as an HCL string literal: JSON's escapes, with template sequences (`${`, `%{`) taken literally. */
export function hclString(value: string): string {
  return JSON.stringify(value)
    .replace(/\\(.)/g, (escape, c: string) => (c === "b" ? "\\u0008" : c === "f" ? "\\u000c" : escape))
    .replace(/\$\{/g, () => "$${")
    .replace(/%\{/g, () => "%%{");
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
    if (JSON.stringify(cv) !== JSON.stringify(mv)) out.push(`${key} (with the mocks' values): ${firstDifference(cv, mv)}`);
  }
  return out;
}

// ---------------------------------------------------------------------------------------
// The driver: every case of a file in one root per side (one init and one plan each, one
// plan with the mocks' values each), so a test file only lists its cases.

/** A provider of another region (the backup copy region), configured alike on both sides. */
export interface RegionProvider {
  readonly alias: string;
  readonly region: string;
}

export interface ParityContext {
  /** The `ParityOptions.providers` of the construct side, by alias. */
  readonly providers: Readonly<Record<string, TerraformProvider>>;
}

/** A difference the module's README lists under "Deliberate difference from the construct". */
export interface DeliberateDifference {
  /** How compareSides names it: `key`, `key.attribute`, or `type: count`. */
  readonly difference: string;
  /** Words of the module's README that explain it. */
  readonly readme: string;
}

export interface ParityCase {
  /**
   * The case: the id of the construct scope the case builds into and the name of the module call,
   * so each side's resources are found by it (`aws_x.<id>_...`, `module.<id>.`).
   */
  readonly id: string;
  /** The published module called. */
  readonly module: string;
  /** Builds the construct(s) into the case's scope. */
  readonly construct: (scope: Construct, ctx: ParityContext) => void;
  /** The module call's arguments (HCL), `source` excepted. */
  readonly call: string;
  readonly deliberate?: readonly DeliberateDifference[];
  /**
   * Findings only the module's plan has, as findingsOf names them, each explained in the module's
   * README (a rule the checker cannot decide on the module's plan, naming the rule id).
   */
  readonly moduleOnlyFindings?: readonly string[];
}

export interface ParityOptions {
  readonly providers?: readonly RegionProvider[];
}

export interface CaseParity {
  /** Resources each side plans for the case. */
  readonly counts: { readonly construct: number; readonly module: number };
  /** Every difference on the plans and with the mocks' values (deliberate ones included). */
  readonly differences: string[];
  /** What the mocked plan compared (`<id> <key>.<attribute>`). */
  readonly comparedWithMocks: string[];
  /**
   * Unknown on both plans inside a module the module calls (compared on the plans only), or still
   * unknown on both sides with the mocks' values (left to the provider): listed, not judged equal.
   */
  readonly notCompared: string[];
  /** Of those, what was still unknown on both sides with the mocks' values (`<key>.<attribute>`). */
  readonly leftToProvider: string[];
  readonly constructFindings: string[];
  readonly moduleFindings: string[];
}

export interface ParityRun {
  readonly constructJson: TfJson;
  /** The construct side's staged stack (cdk.tf.json). */
  readonly constructDir: string;
  readonly constructPlan: PlanJson;
  readonly modulePlan: PlanJson;
  /** The module side's root (module calls in main.tf, modules in ../modules). */
  readonly root: string;
  /** The suppressions each side records: the construct's `//` metadata, the module's bulwark_suppressions output. */
  readonly suppressions: { readonly construct: FileSuppression[]; readonly module: FileSuppression[] };
  readonly cases: Readonly<Record<string, CaseParity>>;
}

const constructSide = (id: string) => {
  const re = new RegExp(`^aws_[a-z0-9_]+\\.${id}_`);
  return (address: string) => re.test(address);
};
const moduleSide = (id: string) => (address: string) => address.startsWith(`module.${id}.`);

/** The suppressions a synthesized stack records (`"//".bulwark.suppressions`), as bulwark-suppressions.yaml entries of its plan. */
function constructSuppressions(json: TfJson): FileSuppression[] {
  const out: FileSuppression[] = [];
  for (const [type, byName] of Object.entries(json.resource ?? {})) {
    for (const [name, r] of Object.entries(byName)) {
      for (const s of (r["//"]?.bulwark?.suppressions ?? []) as { ruleId: string; reason: string }[]) out.push({ rule: s.ruleId, address: `${type}.${name}`, reason: s.reason, file: "construct" });
    }
  }
  return out;
}

/** The module side's suppressions: the root output collecting every call's bulwark_suppressions (rootSuppressionsHcl). */
function moduleSuppressions(plan: PlanJson): FileSuppression[] {
  const yaml = (plan.planned_values as { outputs?: Record<string, { value?: unknown }> } | undefined)?.outputs?.[SUPPRESSIONS_OUTPUT]?.value;
  if (yaml === undefined) return [];
  if (typeof yaml !== "string") throw new Error(`output ${SUPPRESSIONS_OUTPUT} is not known at plan time: ${JSON.stringify(yaml)}`);
  return ((parseYaml(yaml) ?? []) as { rule: string; address: string; reason: string }[]).map((e) => ({ ...e, file: "module" }));
}

/** The findings of every resource rule on one side's plan, with that side's suppressions. */
function judge(resources: TfResource[], suppressions: FileSuppression[]): Finding[] {
  return runRules(resources, ALL_RULES, { scope: "resource", suppressions }).findings;
}

/** A resource address's type, for what lies outside a case (a data source, another case's resource). */
const typeOf = (address: string) => /(?:^|\.)((?:data\.)?aws_[a-z0-9_]+)\.[^.]+$/.exec(address.replace(/\[[^\]]*\]$/, ""))?.[1] ?? address;

/**
 * The findings of one case: `<rule> <severity>[ suppressed: <reason>] on <parity key>`, so the two
 * sides' findings compare resource by resource whatever each side calls its resources.
 */
function findingsOf(findings: Finding[], resources: PlannedResource[], belongs: (address: string) => boolean): string[] {
  const keys = keysByAddress(resources);
  return findings
    .filter((f) => belongs(f.address))
    .map((f) => `${f.ruleId} ${f.severity}${f.suppressed ? ` suppressed: ${f.suppressionReason}` : ""} on ${keys.get(f.address) ?? typeOf(f.address)}`)
    .sort();
}

/**
 * What each paired resource's attributes refer to, by parity key (which security groups an
 * endpoint has, which role a flow log writes with, which group a rule belongs to), as the checker
 * follows references on each plan. Mocked values cannot show this wiring (every resource
 * of a type gets the same mock ARN), names differ between the sides, the keys do not. References
 * are the configuration's, per block, not per instance: an attribute one side sets without a
 * reference (a literal name, a `dynamic` block the plan does not describe) or cannot follow (a
 * local) is not judged, and a side may name more (both branches of a conditional, every key of a
 * `for_each` block's expression); what differs is wiring to other resources on both sides.
 */
export function compareWiring(construct: PlannedResource[], module: PlannedResource[], constructRefs: Map<string, TfResource>, moduleRefs: Map<string, TfResource>): string[] {
  const out: string[] = [];
  const [ck, mk] = [keysByAddress(construct), keysByAddress(module)];
  const byKey = new Map([...mk].map(([address, key]) => [key, address]));
  for (const [address, key] of ck) {
    const [c, m] = [constructRefs.get(address), moduleRefs.get(byKey.get(key) ?? "")];
    if (!c || !m) continue;
    for (const attr of [...new Set([...Object.keys(c.refs), ...Object.keys(m.refs)])].sort()) {
      if (COSMETIC.has(attr) || c.opaque.has(attr) || m.opaque.has(attr)) continue;
      const named = (refs: string[] | undefined, keys: Map<string, string>) => [...new Set((refs ?? []).map((a) => keys.get(a) ?? typeOf(a)))].sort();
      const [cn, mn] = [named(c.refs[attr], ck), named(m.refs[attr], mk)];
      const within = (a: string[], b: string[]) => a.every((x) => b.includes(x));
      if (cn.length && mn.length && !within(cn, mn) && !within(mn, cn)) out.push(`${key}.${attr} refers to: construct ${JSON.stringify(cn)}, module ${JSON.stringify(mn)}`);
    }
  }
  return out;
}

/**
 * Builds every case as constructs in one stack and as module calls in one root, plans both
 * offline, compares each case's resources (plans, then one plan per side with the mocks' values
 * for what the offline plans cannot know) and runs every rule over both plans with each side's suppressions.
 */
export function runParity(cases: readonly ParityCase[], opts: ParityOptions = {}): ParityRun {
  const ids = cases.map((c) => c.id);
  const twice = ids.filter((id, i) => ids.indexOf(id) !== i);
  if (twice.length) throw new Error(`parity case ids must be unique (they name the construct scope and the module call): ${[...new Set(twice)].join(", ")}`);
  const providers = opts.providers ?? [];
  const out = fs.mkdtempSync(path.join(os.tmpdir(), "bulwark-parity-"));
  const modules = path.join(out, "modules");
  const published = bulwark(["publish", "--out", modules, ...[...new Set(cases.map((c) => c.module))].flatMap((m) => ["--module", m])]);
  if (published.status !== 0) throw new Error(`bulwark publish failed: ${published.stderr}`);
  // Each call gets its own copy of the module (beside the modules it calls), for its own `parity` output.
  for (const c of cases) fs.cpSync(path.join(modules, c.module), path.join(modules, `case-${c.id}`), { recursive: true });

  const root = path.join(out, "root");
  fs.mkdirSync(root);
  const providerBlocks = [{ region: TEST_ACCOUNT.region }, ...providers.map((p) => ({ alias: p.alias, region: p.region }))];
  fs.writeFileSync(path.join(root, "providers.tf.json"), JSON.stringify({ provider: { aws: providerBlocks } }, null, 2));
  const calls = cases.map((c) => `module "${c.id}" {\n  source = "../modules/case-${c.id}"\n\n${c.call.trim()}\n}\n`);
  const withSuppressions = cases.filter((c) => PUBLISHED_MODULES.find((m) => m.name === c.module)?.outputs.some((o) => o.name === SUPPRESSIONS_OUTPUT));
  fs.writeFileSync(path.join(root, "main.tf"), [...calls, withSuppressions.length ? rootSuppressionsHcl(withSuppressions.map((c) => c.id)) : ""].join("\n"));

  const constructJson = synthJson((s) => {
    const byAlias = Object.fromEntries(providers.map((p) => [p.alias, new HardenedAwsProvider(s, `aws-${p.alias}`, { alias: p.alias, region: p.region })]));
    for (const c of cases) c.construct(new Construct(s, c.id), { providers: byAlias });
  });
  const constructDir = stageStack(constructJson as Record<string, unknown>, "parity");
  for (const dir of [constructDir, root]) init(dir);
  const constructPlan = offlinePlan(constructDir);
  const modulePlan = offlinePlan(root);

  // Plans first; then what neither plan knows (policies and documents holding ARNs) in one plan per side with the mocks' values.
  const sides: Record<string, { construct: PlannedResource[]; module: PlannedResource[] }> = {};
  const reports: Record<string, ParityReport> = {};
  const notCompared: Record<string, string[]> = {};
  const constructExprs: Record<string, string> = {};
  const moduleExprs: Record<string, Record<string, string>> = {};
  for (const c of cases) {
    sides[c.id] = { construct: plannedUnder(constructPlan, constructSide(c.id)), module: plannedUnder(modulePlan, moduleSide(c.id)) };
    reports[c.id] = compareSides(sides[c.id].construct, sides[c.id].module);
    notCompared[c.id] = [];
    for (const u of reports[c.id].unknownPairs.filter((p) => APPLY_TIME_ATTRIBUTES.has(p.attr))) {
      const inner = u.module.slice(`module.${c.id}.`.length);
      if (inner.startsWith("module.")) {
        notCompared[c.id].push(`${u.key}.${u.attr}`);
        continue;
      }
      const k = `${c.id} ${u.key}.${u.attr}`;
      constructExprs[k] = `${u.construct}.${u.attr}`;
      (moduleExprs[c.id] ??= {})[k] = `${inner}.${u.attr}`;
    }
  }
  let constructValues: Record<string, unknown> = {};
  let moduleValues: Record<string, unknown> = {};
  const oneSideUnknown: string[] = [];
  const leftToProvider: string[] = [];
  if (Object.keys(constructExprs).length > 0) {
    const object = (exprs: Record<string, string>) => `{ ${Object.entries(exprs).map(([k, e]) => `${hclString(k)} = ${e}`).join(", ")} }`;
    for (const [id, exprs] of Object.entries(moduleExprs)) fs.writeFileSync(path.join(modules, `case-${id}`, "zz_parity.tf"), `output "parity" {\n  value = ${object(exprs)}\n}\n`);
    const moduleRefs = Object.fromEntries(Object.entries(moduleExprs).flatMap(([id, exprs]) => Object.keys(exprs).map((k) => [k, `module.${id}.parity[${hclString(k)}]`])));
    const [c, m] = [mockedValues(constructDir, constructExprs, providers), mockedValues(root, moduleRefs, providers)];
    [constructValues, moduleValues] = [c.values, m.values];
    // Unknown on both sides: left to the provider on both (no configuration or mock sets it), listed, not judged equal.
    for (const k of c.unknown.filter((k) => m.unknown.includes(k))) {
      notCompared[k.slice(0, k.indexOf(" "))].push(k.slice(k.indexOf(" ") + 1));
      leftToProvider.push(k);
    }
    for (const k of [...c.unknown, ...m.unknown].filter((k) => !(c.unknown.includes(k) && m.unknown.includes(k)))) {
      oneSideUnknown.push(`${k} (with the mocks' values): unknown on the ${c.unknown.includes(k) ? "construct" : "module"} side only`);
      delete constructValues[k];
      delete moduleValues[k];
    }
  }

  const suppressions = { construct: constructSuppressions(constructJson), module: moduleSuppressions(modulePlan) };
  const read = { construct: planResources(constructPlan, "parity"), module: planResources(modulePlan, "parity") };
  const findings = { construct: judge(read.construct, suppressions.construct), module: judge(read.module, suppressions.module) };
  const byAddress = (rs: TfResource[]) => new Map(rs.map((r) => [r.address, r]));
  const refs = { construct: byAddress(read.construct), module: byAddress(read.module) };
  const results: Record<string, CaseParity> = {};
  for (const c of cases) {
    const mine = (values: Record<string, unknown>) => Object.fromEntries(Object.entries(values).filter(([k]) => k.startsWith(`${c.id} `)));
    const side = sides[c.id];
    results[c.id] = {
      counts: { construct: side.construct.length, module: side.module.length },
      differences: [
        ...reports[c.id].differences,
        ...compareWiring(side.construct, side.module, refs.construct, refs.module),
        ...compareValues(mine(constructValues), mine(moduleValues)),
        ...oneSideUnknown.filter((d) => d.startsWith(`${c.id} `)),
      ],
      comparedWithMocks: Object.keys(mine(constructValues)),
      notCompared: notCompared[c.id],
      leftToProvider: leftToProvider.filter((k) => k.startsWith(`${c.id} `)).map((k) => k.slice(c.id.length + 1)),
      constructFindings: findingsOf(findings.construct, side.construct, constructSide(c.id)),
      moduleFindings: findingsOf(findings.module, side.module, moduleSide(c.id)),
    };
  }
  return { constructJson, constructDir, constructPlan, modulePlan, root, suppressions, cases: results };
}

/** Does `difference` (as compareSides writes it) fall under a listed deliberate one? */
const isListed = (listed: readonly DeliberateDifference[] | undefined, difference: string) =>
  (listed ?? []).some((d) => difference === d.difference || difference.startsWith(`${d.difference}:`) || difference.startsWith(`${d.difference} `) || difference.startsWith(`${d.difference}.`));

/**
 * The parity suite of one file: its cases in one root per side (runParity), and for each case
 * the same resources and attributes, the same findings with the same suppressions, and every
 * deliberate difference both real and explained in the module's README. `more` adds tests that
 * read the run.
 */
export function describeParity(title: string, cases: readonly ParityCase[], opts: ParityOptions = {}, more?: (run: () => ParityRun) => void): void {
  describe(title, () => {
    let run: ParityRun | undefined;
    beforeAll(() => {
      run = runParity(cases, opts);
    });
    const result = (id: string) => {
      if (!run) throw new Error("the parity roots were not planned (see the beforeAll failure)");
      return run.cases[id];
    };

    describe.each(cases.map((c) => [`${c.id} (${c.module})`, c] as const))("%s", (_, c) => {
      const readme = () => PUBLISHED_MODULES.find((m) => m.name === c.module)!.secureDefaults.join("\n");

      it("creates the same resources with the same security-relevant attributes (plans, then with the mocks' values)", () => {
        const r = result(c.id);
        expect(r.counts.construct).toBeGreaterThan(0);
        // Unknown even with the mocks' values only where AWS chooses the value: anything else means a mock stopped working.
        expect(r.leftToProvider.filter((k) => !LEFT_TO_PROVIDER.some((p) => p.test(k)))).toEqual([]);
        expect(r.differences.filter((d) => !isListed(c.deliberate, d))).toEqual([]);
        // A listed difference that no longer occurs is stale: remove it from the README and the case.
        for (const d of c.deliberate ?? []) expect([d.difference, r.differences.some((x) => isListed([d], x))]).toEqual([d.difference, true]);
      });

      it("gets the same compliance findings, suppressed with the same reasons", () => {
        const r = result(c.id);
        const module = [...r.moduleFindings];
        for (const f of c.moduleOnlyFindings ?? []) {
          const i = module.indexOf(f);
          expect([f, i >= 0]).toEqual([f, true]);
          module.splice(i, 1);
        }
        expect(module).toEqual(r.constructFindings);
      });

      if (c.deliberate?.length || c.moduleOnlyFindings?.length) {
        it("explains each deliberate difference in the module's README", () => {
          expect(readme()).toContain("Deliberate difference from the construct");
          for (const d of c.deliberate ?? []) expect([d.difference, readme().includes(d.readme)]).toEqual([d.difference, true]);
          for (const f of c.moduleOnlyFindings ?? []) expect([f, readme().includes(`\`${f.split(" ")[0]}\``)]).toEqual([f, true]);
        });
      }
    });

    more?.(() => {
      if (!run) throw new Error("the parity roots were not planned (see the beforeAll failure)");
      return run;
    });
  });
}

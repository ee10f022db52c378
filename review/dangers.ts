import { describe, isUnknown, knownBlocks } from "../compliance/checker";
import { cidrRange, cidrsCoverInternet, IpFamily, Ranges, rangesSize, subtractRanges, unionRanges } from "../modules/core/cidr";
import { Action, DangerousChange, STATEFUL_OR_SECURITY_TYPES } from "./model";
import { at, flatten, isTrue, show, stable } from "./values";

type Values = Record<string, unknown> | undefined;

/** What one resource change puts at risk: destroyed state, removed protection, weakened controls. */
export interface ResourceChangeFacts {
  readonly stack: string;
  readonly address: string;
  readonly type: string;
  readonly actions: readonly Action[];
  /** Values before and after; undefined when the object does not exist on that side. */
  readonly before?: Values;
  readonly after?: Values;
}

/** Boolean guards against deletion: true → false or removed is a protection removal. */
const PROTECTION_FLAGS: Record<string, string[]> = {
  aws_lb: ["enable_deletion_protection"],
  aws_alb: ["enable_deletion_protection"],
  aws_db_instance: ["deletion_protection"],
  aws_rds_cluster: ["deletion_protection"],
  aws_dynamodb_table: ["deletion_protection_enabled"],
  aws_instance: ["disable_api_termination"],
  aws_launch_template: ["disable_api_termination"],
  aws_s3_bucket: ["object_lock_enabled"],
};

/** Resources whose only purpose is a lock: removing them removes the protection. */
const LOCK_RESOURCES: Record<string, string> = {
  aws_backup_vault_lock_configuration: "backup vault lock removed",
  aws_s3_bucket_object_lock_configuration: "S3 object lock configuration removed",
};

/** Boolean security controls: true → false or removed weakens the resource in place. */
const SECURITY_FLAGS: Record<string, string> = {
  encrypted: "encryption turned off",
  storage_encrypted: "encryption turned off",
  enable_key_rotation: "key rotation turned off",
  enable_logging: "logging turned off",
  enable_log_file_validation: "log file validation turned off",
  is_multi_region_trail: "trail no longer multi-region",
  "access_logs.enabled": "access logging turned off",
  "ebs.encrypted": "encryption turned off",
};

/** Resources that are themselves a logging or encryption control. */
const CONTROL_RESOURCES: Record<string, string> = {
  aws_s3_bucket_logging: "bucket access logging removed",
  aws_s3_bucket_server_side_encryption_configuration: "bucket encryption configuration removed",
  aws_ebs_encryption_by_default: "EBS encryption by default removed",
  aws_flow_log: "VPC flow log removed",
  aws_cloudtrail: "CloudTrail trail removed",
  aws_config_configuration_recorder: "AWS Config recorder removed",
};


function num(v: unknown): number | undefined {
  const n = typeof v === "number" ? v : typeof v === "string" && v.trim() !== "" ? Number(v) : NaN;
  return Number.isFinite(n) ? n : undefined;
}

/**
 * One allow rule as the danger checks compare it: its sources (CIDRs of any family; group,
 * prefix-list or `self` references, a reference read from configuration as its `${...}`
 * expression) and its protocol and ports. Unknown CIDRs are left out: an unknown is no
 * evidence of a widening.
 */
interface RuleShape {
  readonly cidrs: string[];
  readonly groups: string[];
  readonly protocol: string;
  readonly from?: number;
  readonly to?: number;
}

const strings = (x: unknown): string[] => (Array.isArray(x) ? x : x === undefined || x === null ? [] : [x]).filter((c): c is string => typeof c === "string" && c !== "");
/** References: known ids, or the expression of a reference read from configuration. */
const references = (x: unknown): string[] => (Array.isArray(x) ? x : x === undefined || x === null ? [] : [x]).flatMap((c) => (isUnknown(c) ? [describe(c)] : typeof c === "string" && c !== "" ? [c] : []));

function shape(v: Record<string, unknown>, cidrs: unknown[], groups: unknown[]): RuleShape {
  return { cidrs: cidrs.flatMap(strings), groups: groups.flatMap(references), protocol: String(v.ip_protocol ?? v.protocol ?? ""), from: num(v.from_port), to: num(v.to_port) };
}

/** Ingress rule resources (security-group rules and NACL rules), undefined for anything else or an egress rule. */
function ingressRule(type: string, v: Values): RuleShape | undefined {
  if (!v) return undefined;
  if (type === "aws_vpc_security_group_ingress_rule") return shape(v, [v.cidr_ipv4, v.cidr_ipv6], [v.referenced_security_group_id, v.prefix_list_id]);
  if (type === "aws_security_group_rule" && v.type === "ingress") return shape(v, [v.cidr_blocks, v.ipv6_cidr_blocks], [v.source_security_group_id, v.prefix_list_ids, isTrue(v.self) ? "self" : undefined]);
  if (type === "aws_network_acl_rule" && !isTrue(v.egress) && v.rule_action === "allow") return shape(v, [v.cidr_block, v.ipv6_cidr_block], []);
  return undefined;
}

const allProtocols = (r: RuleShape) => r.protocol === "-1" || r.protocol === "all";

/** NACL rules and inline blocks may name the protocol by its IANA number. */
const PROTOCOL_NAMES: Record<string, string> = { "6": "tcp", "17": "udp", "1": "icmp", "58": "icmpv6" };

function portsOf(r: RuleShape): string {
  if (allProtocols(r)) return "all ports";
  const protocol = PROTOCOL_NAMES[r.protocol] ?? r.protocol;
  return r.from === r.to ? `${protocol} ${r.from}` : `${protocol} ${r.from}-${r.to}`;
}

/** How many ports a rule opens (all protocols: more than any range). */
function span(r: RuleShape): number {
  return allProtocols(r) ? 65536 : (r.to ?? 65535) - (r.from ?? 0);
}

/** Addresses the CIDRs cover, per family, parsed (modules/core/cidr.ts): never compared as text. */
function coverage(cidrs: readonly string[]): Record<IpFamily, Ranges> {
  const of = (family: IpFamily) => unionRanges(cidrs.map((c) => cidrRange(c)).filter((c) => c?.family === family).map((c) => c!.range));
  return { ipv4: of("ipv4"), ipv6: of("ipv6") };
}

/**
 * Whether `after` admits sources `before` did not, and more of them: a group reference
 * becoming an address range, a broader range, the world. A range merely moved (as many
 * addresses, other ones) is an ordinary update, not a widening.
 */
function sourceWidening(before: RuleShape, after: RuleShape): { message: string; before: string; after: string } | undefined {
  const was = before.cidrs.join(", ") || before.groups.join(", ") || "(none)";
  if (after.cidrs.length === 0) return undefined;
  if (before.cidrs.length === 0) {
    return { message: before.groups.length ? `source widened from a group reference to an address range (${portsOf(after)})` : `source widened (${portsOf(after)})`, before: was, after: after.cidrs.join(", ") };
  }
  const b = coverage(before.cidrs);
  const a = coverage(after.cidrs);
  const world = cidrsCoverInternet(after.cidrs) && !cidrsCoverInternet(before.cidrs);
  const wider = (["ipv4", "ipv6"] as const).some((f) => rangesSize(subtractRanges(a[f], b[f])) > 0n && rangesSize(a[f]) > rangesSize(b[f]));
  if (!world && !wider) return undefined;
  return { message: `source widened${world ? " to the internet" : ""} (${portsOf(after)})`, before: was, after: after.cidrs.join(", ") };
}

/** A rule's source or ports widened in place, or a new rule open to the internet. */
function ruleWidening(base: { stack: string; address: string }, before: RuleShape | undefined, after: RuleShape, what: { attribute?: string; rule: string }): DangerousChange[] {
  const out: DangerousChange[] = [];
  const d = { class: "security" as const, ...base };
  if (!before) {
    if (cidrsCoverInternet(after.cidrs)) out.push({ ...d, attribute: what.attribute ?? "source", message: `new ${what.rule} reachable from the internet (${portsOf(after)})`, after: after.cidrs.join(", ") });
    return out;
  }
  const widened = sourceWidening(before, after);
  if (widened) out.push({ ...d, attribute: what.attribute ?? "source", message: what.attribute ? `${what.rule}: ${widened.message}` : widened.message, before: widened.before, after: widened.after });
  if (span(after) > span(before)) out.push({ ...d, attribute: what.attribute ?? "ports", message: what.attribute ? `${what.rule}: port range widened` : "port range widened", before: portsOf(before), after: portsOf(after) });
  return out;
}

/** Security-group rules and NACL rules as resources: widened in place, or new and world-open. */
function ingressWidening(f: ResourceChangeFacts): DangerousChange[] {
  const base = { stack: f.stack, address: f.address };
  const out: DangerousChange[] = [];
  if (f.type === "aws_network_acl_rule" && f.before && f.after) {
    // Terraform replaces a NACL rule for any of these: the plan's replace keeps both sides.
    if (f.before.rule_action === "deny" && f.after.rule_action === "allow") out.push({ class: "security", ...base, attribute: "rule_action", message: "NACL rule turned from deny into allow", before: '"deny"', after: '"allow"' });
    if (isTrue(f.before.egress) !== isTrue(f.after.egress) && f.after.rule_action === "allow") {
      out.push({ class: "security", ...base, attribute: "egress", message: isTrue(f.after.egress) ? "NACL allow rule now applies to outbound traffic" : "NACL allow rule now applies to inbound traffic", before: show(f.before.egress ?? false), after: show(f.after.egress ?? false) });
    }
  }
  const after = ingressRule(f.type, f.after);
  if (!after) return out;
  // A rule that was not an ingress allow (deny, egress) is new as an ingress allow.
  const before = f.actions.includes("create") ? undefined : ingressRule(f.type, f.before);
  out.push(...ruleWidening(base, before, after, { rule: f.type === "aws_network_acl_rule" ? "NACL allow rule" : "rule" }));
  return out;
}

/** Inline `ingress` blocks of a security group or a network ACL, as rule shapes (NACL: allow blocks only, by rule_no). */
function inlineIngress(type: string, v: Values): { key: string; rule: RuleShape; raw: string; action?: string }[] | undefined {
  if (!v || (type !== "aws_security_group" && type !== "aws_network_acl" && type !== "aws_default_security_group" && type !== "aws_default_network_acl")) return undefined;
  const acl = type.endsWith("network_acl");
  return knownBlocks(v.ingress).map((b) => ({
    key: acl ? `rule ${String(b.rule_no)}` : "",
    rule: acl ? shape(b, [b.cidr_block, b.ipv6_cidr_block], []) : shape(b, [b.cidr_blocks, b.ipv6_cidr_blocks], [b.security_groups, b.prefix_list_ids, isTrue(b.self) ? "self" : undefined]),
    raw: stable(b),
    ...(acl ? { action: String(b.action ?? "") } : {}),
  }));
}

/**
 * Inline ingress blocks are a set: a block the head has and the base had not is matched to
 * the base block it most likely changed (a NACL block by rule_no; a group's block by protocol
 * and ports, else by sources) and compared with it, or judged as a new rule.
 */
function inlineWidening(f: ResourceChangeFacts): DangerousChange[] {
  const after = inlineIngress(f.type, f.after);
  if (!after) return [];
  const before = inlineIngress(f.type, f.before) ?? [];
  const acl = f.type.endsWith("network_acl");
  const unchanged = new Set(after.map((a) => a.raw));
  const candidates = before.filter((b) => !unchanged.has(b.raw));
  const out: DangerousChange[] = [];
  const base = { stack: f.stack, address: f.address };
  for (const a of after) {
    if (before.some((b) => b.raw === a.raw)) continue;
    if (acl) {
      const b = candidates.find((x) => x.key === a.key);
      if (b?.action === "deny" && a.action === "allow") out.push({ class: "security", ...base, attribute: "ingress", message: `inline ingress ${a.key} turned from deny into allow (${portsOf(a.rule)})`, before: '"deny"', after: '"allow"' });
      // A deny turned allow is said above; it is also judged as a new allow when world-open.
      if (a.action !== "allow" || (b?.action === "deny" && !cidrsCoverInternet(a.rule.cidrs))) continue;
      out.push(...ruleWidening(base, b?.action === "allow" ? b.rule : undefined, a.rule, { attribute: "ingress", rule: `inline ingress ${a.key}` }));
      continue;
    }
    const samePorts = (x: RuleShape) => x.protocol === a.rule.protocol && x.from === a.rule.from && x.to === a.rule.to;
    const sameSources = (x: RuleShape) => stable([...x.cidrs].sort()) === stable([...a.rule.cidrs].sort()) && stable([...x.groups].sort()) === stable([...a.rule.groups].sort());
    const b = candidates.find((x) => samePorts(x.rule)) ?? candidates.find((x) => sameSources(x.rule));
    out.push(...ruleWidening(base, b?.rule, a.rule, { attribute: "ingress", rule: "inline ingress rule" }));
  }
  return out;
}

/**
 * The dangerous changes of one resource change: destroying a stateful or security resource,
 * removing a protection (prevent_destroy, deletion protection, locks, termination protection,
 * a shorter KMS deletion window), and weakening a control in place.
 */
export function resourceDangers(f: ResourceChangeFacts): DangerousChange[] {
  const out: DangerousChange[] = [];
  const base = { stack: f.stack, address: f.address };
  const gone = f.actions.includes("delete") || f.actions.includes("forget");
  const replaced = f.actions.includes("replace");
  if ((gone || replaced) && STATEFUL_OR_SECURITY_TYPES.has(f.type)) {
    const verb = f.actions.includes("forget") ? "forgets (no longer managed, left in place)" : replaced ? "replaces" : "destroys";
    out.push({ class: "destroy", ...base, message: `${verb} a stateful or security resource (${f.type})` });
  }
  // Protection removed. A resource removed from the configuration takes its prevent_destroy
  // with it: Terraform destroys it without asking.
  if (isTrue(at(f.before, "lifecycle.prevent_destroy")) && !isTrue(at(f.after, "lifecycle.prevent_destroy"))) {
    out.push({ class: "protection", ...base, attribute: "lifecycle.prevent_destroy", message: f.after ? "prevent_destroy removed" : "resource with prevent_destroy removed from the configuration", before: "true", after: f.after ? show(at(f.after, "lifecycle.prevent_destroy")) : "(resource removed)" });
  }
  for (const flag of PROTECTION_FLAGS[f.type] ?? []) {
    if (isTrue(at(f.before, flag)) && (gone || !isTrue(at(f.after, flag)))) {
      out.push({ class: "protection", ...base, attribute: flag, message: `${flag} turned off`, before: "true", after: f.after ? show(at(f.after, flag)) : "(resource removed)" });
    }
  }
  if (f.type === "aws_s3_bucket" && at(f.before, "object_lock_configuration.object_lock_enabled") === "Enabled" && at(f.after, "object_lock_configuration.object_lock_enabled") !== "Enabled") {
    out.push({ class: "protection", ...base, attribute: "object_lock_configuration", message: "S3 object lock removed", before: '"Enabled"', after: show(at(f.after, "object_lock_configuration.object_lock_enabled")) });
  }
  if (LOCK_RESOURCES[f.type] && f.before && (gone || replaced)) {
    out.push({ class: "protection", ...base, message: LOCK_RESOURCES[f.type] + (replaced ? " (replaced: unlocked until recreated)" : "") });
  }
  if (f.type === "aws_s3_bucket_object_lock_configuration" && f.before && f.after) {
    const mode = (v: Values) => at(v, "rule.default_retention.mode");
    if (mode(f.before) === "COMPLIANCE" && mode(f.after) !== "COMPLIANCE") {
      out.push({ class: "protection", ...base, attribute: "rule.default_retention.mode", message: "object lock weakened", before: show(mode(f.before)), after: show(mode(f.after)) });
    }
    const days = (v: Values) => (num(at(v, "rule.default_retention.days")) ?? 0) + 365 * (num(at(v, "rule.default_retention.years")) ?? 0);
    if (days(f.after) < days(f.before)) {
      out.push({ class: "protection", ...base, attribute: "rule.default_retention", message: "object lock retention shortened", before: `${days(f.before)} days`, after: `${days(f.after)} days` });
    }
  }
  if (f.type === "aws_backup_vault_lock_configuration" && f.before && f.after) {
    const b = num(at(f.before, "min_retention_days"));
    const a = num(at(f.after, "min_retention_days"));
    if (b !== undefined && (a === undefined || a < b)) out.push({ class: "protection", ...base, attribute: "min_retention_days", message: "backup vault lock retention shortened", before: show(b), after: show(a) });
  }
  if (f.type === "aws_kms_key" && f.before && f.after) {
    // The provider's default deletion window is 30 days.
    const b = num(at(f.before, "deletion_window_in_days")) ?? 30;
    const a = num(at(f.after, "deletion_window_in_days")) ?? 30;
    if (a < b) out.push({ class: "protection", ...base, attribute: "deletion_window_in_days", message: "KMS key deletion window shortened", before: show(b), after: show(a) });
  }
  // Controls weakened in place or removed.
  if (f.before && f.after) {
    const before = flatten(f.before);
    const after = flatten(f.after);
    const norm = (p: string) => p.replace(/\[\d+\]/g, "");
    const afterNorm = new Map<string, unknown>();
    for (const [p, v] of Object.entries(after)) afterNorm.set(norm(p), v);
    for (const [p, v] of Object.entries(before)) {
      const n = norm(p);
      const what = SECURITY_FLAGS[n] ?? SECURITY_FLAGS[n.split(".").pop()!];
      if (what && isTrue(v) && !isTrue(afterNorm.get(n))) out.push({ class: "security", ...base, attribute: p, message: what, before: show(v), after: show(afterNorm.get(n)) });
      if (/(^|\.)(kms_key_id|kms_key_arn|kms_master_key_id)$/.test(n) && typeof v === "string" && v !== "" && (afterNorm.get(n) === undefined || afterNorm.get(n) === "" || afterNorm.get(n) === null)) {
        out.push({ class: "security", ...base, attribute: p, message: "customer-managed key removed", before: show(v), after: show(afterNorm.get(n)) });
      }
    }
    if ((f.type === "aws_ebs_encryption_by_default" || f.type === "aws_config_configuration_recorder_status") && isTrue(f.before.enabled ?? f.before.is_enabled) && !isTrue(f.after.enabled ?? f.after.is_enabled)) {
      out.push({ class: "security", ...base, attribute: "enabled", message: `${f.type} disabled`, before: "true", after: show(f.after.enabled ?? f.after.is_enabled) });
    }
  }
  if (gone && CONTROL_RESOURCES[f.type] && !STATEFUL_OR_SECURITY_TYPES.has(f.type)) out.push({ class: "security", ...base, message: CONTROL_RESOURCES[f.type] });
  out.push(...ingressWidening(f), ...inlineWidening(f), ...policyWidening(f));
  return out;
}

/** Attributes holding an IAM-style policy document, per resource type. */
const POLICY_ATTRIBUTES: Record<string, string[]> = {
  aws_iam_policy: ["policy"],
  aws_iam_role_policy: ["policy"],
  aws_iam_user_policy: ["policy"],
  aws_iam_group_policy: ["policy"],
  aws_iam_role: ["assume_role_policy", "inline_policy.policy"],
  aws_s3_bucket_policy: ["policy"],
  aws_kms_key: ["policy"],
  aws_sns_topic_policy: ["policy"],
  aws_sns_topic: ["policy"],
  aws_sqs_queue_policy: ["policy"],
  aws_cloudwatch_log_resource_policy: ["policy_document"],
};

/** Every (principal, action, resource) an Allow statement grants, as text, from literal policy JSON. */
function grants(policy: unknown): Set<string> | undefined {
  if (typeof policy !== "string") return undefined;
  let doc: any;
  try {
    doc = JSON.parse(policy);
  } catch {
    return undefined;
  }
  const list = (x: unknown): string[] => (Array.isArray(x) ? x : x === undefined ? ["*"] : [x]).map((v) => (typeof v === "string" ? v : JSON.stringify(v)));
  const out = new Set<string>();
  for (const st of Array.isArray(doc?.Statement) ? doc.Statement : doc?.Statement ? [doc.Statement] : []) {
    if (st?.Effect !== "Allow") continue;
    const principals = st.Principal === undefined ? ["(identity)"] : typeof st.Principal === "string" ? [st.Principal] : Object.entries<unknown>(st.Principal).flatMap(([k, v]) => list(v).map((x) => `${k}:${x}`));
    const actions = st.NotAction !== undefined ? list(st.NotAction).map((a) => `NOT ${a}`) : list(st.Action);
    const resources = st.NotResource !== undefined ? list(st.NotResource).map((r) => `NOT ${r}`) : list(st.Resource);
    const condition = st.Condition ? ` if ${JSON.stringify(st.Condition)}` : "";
    for (const p of principals) for (const a of actions) for (const r of resources) out.add(`${p} ${a} on ${r}${condition}`);
  }
  return out;
}

/**
 * An IAM (or resource) policy that grants something it did not: a new action, resource or
 * principal in an Allow statement, or a condition dropped. Judged on the parsed documents; a
 * policy only known after apply is no evidence either way.
 */
function policyWidening(f: ResourceChangeFacts): DangerousChange[] {
  if (!f.before || !f.after) return [];
  const out: DangerousChange[] = [];
  for (const attr of POLICY_ATTRIBUTES[f.type] ?? []) {
    const before = grants(at(f.before, attr));
    const after = grants(at(f.after, attr));
    if (!before || !after) continue;
    const added = [...after].filter((g) => !before.has(g));
    if (added.length === 0) continue;
    const shown = added.slice(0, 3).join("; ") + (added.length > 3 ? `; and ${added.length - 3} more` : "");
    out.push({ class: "security", stack: f.stack, address: f.address, attribute: attr, message: `policy grants more: ${added.length} new allowed (principal, action, resource)`, before: `${before.size} grant(s)`, after: shown });
  }
  return out;
}

/**
 * Backend, provider and provider-version changes between two Terraform JSON configurations of
 * one stack: where state lives, which account and region are touched, which role is assumed
 * and which provider code runs are as consequential as any resource.
 */
export function settingsDangers(stack: string, before: Record<string, any> | undefined, after: Record<string, any> | undefined): DangerousChange[] {
  const out: DangerousChange[] = [];
  const providers = (json: Record<string, any> | undefined) => {
    const byAlias: Record<string, unknown> = {};
    for (const [name, conf] of Object.entries<any>(json?.provider ?? {})) {
      for (const p of Array.isArray(conf) ? conf : [conf]) byAlias[`provider.${name}${p?.alias ? `.${p.alias}` : ""}`] = p;
    }
    return byAlias;
  };
  const sections: [string, unknown, unknown][] = [
    ["terraform.backend", before?.terraform?.backend, after?.terraform?.backend],
    ["terraform.cloud", before?.terraform?.cloud, after?.terraform?.cloud],
    ["terraform.required_providers", before?.terraform?.required_providers, after?.terraform?.required_providers],
    ["terraform.required_version", before?.terraform?.required_version, after?.terraform?.required_version],
  ];
  const pb = providers(before);
  const pa = providers(after);
  for (const k of [...new Set([...Object.keys(pb), ...Object.keys(pa)])].sort()) sections.push([k, pb[k], pa[k]]);
  for (const [address, b, a] of sections) {
    if (stable(b) === stable(a)) continue;
    if (b === undefined || a === undefined || typeof b !== "object" || typeof a !== "object" || b === null || a === null) {
      out.push({ class: "settings", stack, address, message: b === undefined ? "added" : a === undefined ? "removed" : "changed", before: show(b), after: show(a) });
      continue;
    }
    const fb = flatten(b);
    const fa = flatten(a);
    for (const p of [...new Set([...Object.keys(fb), ...Object.keys(fa)])].sort()) {
      if (stable(fb[p]) === stable(fa[p])) continue;
      out.push({ class: "settings", stack, address, attribute: p, message: "changed", before: show(fb[p]), after: show(fa[p]) });
    }
  }
  return out;
}

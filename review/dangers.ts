import { cidrsCoverInternet, isWorld } from "../modules/core/cidr";
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


function prefixLength(cidr: unknown): number | undefined {
  if (typeof cidr !== "string") return undefined;
  const m = /\/(\d{1,3})$/.exec(cidr);
  return m ? Number(m[1]) : undefined;
}

function num(v: unknown): number | undefined {
  const n = typeof v === "number" ? v : typeof v === "string" && v.trim() !== "" ? Number(v) : NaN;
  return Number.isFinite(n) ? n : undefined;
}

/** Sources of an ingress rule: CIDRs (any family) and group or prefix-list references. */
function ingressSources(type: string, v: Values): { cidrs: string[]; groups: string[] } | undefined {
  if (!v) return undefined;
  if (type === "aws_vpc_security_group_ingress_rule") {
    const cidrs = [v.cidr_ipv4, v.cidr_ipv6].filter((c): c is string => typeof c === "string" && c !== "");
    const groups = [v.referenced_security_group_id, v.prefix_list_id].filter((c): c is string => typeof c === "string" && c !== "");
    return { cidrs, groups };
  }
  if (type === "aws_security_group_rule" && v.type === "ingress") {
    const list = (x: unknown) => (Array.isArray(x) ? x.filter((c): c is string => typeof c === "string") : []);
    const groups = [v.source_security_group_id].filter((c): c is string => typeof c === "string" && c !== "");
    if (isTrue(v.self)) groups.push("self");
    return { cidrs: [...list(v.cidr_blocks), ...list(v.ipv6_cidr_blocks)], groups: [...groups, ...list(v.prefix_list_ids)] };
  }
  return undefined;
}

function portsOf(v: Record<string, unknown>): string {
  const proto = String(v.ip_protocol ?? v.protocol ?? "");
  if (proto === "-1" || proto === "all") return "all ports";
  const from = v.from_port;
  const to = v.to_port;
  return from === to ? `${proto} ${from}` : `${proto} ${from}-${to}`;
}

/** A security-group rule's source widened: group reference → CIDR, a CIDR broader, a world-open new rule. */
function ingressWidening(f: ResourceChangeFacts): DangerousChange[] {
  const after = ingressSources(f.type, f.after);
  if (!after || !f.after) return [];
  const before = ingressSources(f.type, f.before);
  const out: DangerousChange[] = [];
  const base = { class: "security" as const, stack: f.stack, address: f.address };
  if (!before || f.actions.includes("create")) {
    // The internet however it is spelled, or split over a rule's CIDRs (modules/core/cidr.ts).
    const world = cidrsCoverInternet(after.cidrs.filter((c): c is string => typeof c === "string")) ? after.cidrs : [];
    if (world.length) out.push({ ...base, attribute: "source", message: `new rule reachable from the internet (${portsOf(f.after)})`, after: world.join(", ") });
    return out;
  }
  if (before.cidrs.length === 0 && before.groups.length > 0 && after.cidrs.length > 0) {
    out.push({ ...base, attribute: "source", message: `source widened from a group reference to an address range (${portsOf(f.after)})`, before: before.groups.join(", "), after: after.cidrs.join(", ") });
    return out;
  }
  const narrowestBefore = Math.min(...before.cidrs.map((c) => prefixLength(c) ?? 128));
  for (const c of after.cidrs) {
    if (before.cidrs.includes(c)) continue;
    const len = prefixLength(c);
    if ((typeof c === "string" && isWorld(c)) || (len !== undefined && before.cidrs.length > 0 && len < narrowestBefore) || before.cidrs.length === 0) {
      out.push({ ...base, attribute: "source", message: `source widened (${portsOf(f.after)})`, before: before.cidrs.join(", ") || before.groups.join(", ") || "(none)", after: c });
    }
  }
  const span = (v: Record<string, unknown>) => (num(v.to_port) ?? 65535) - (num(v.from_port) ?? 0);
  if (f.before && span(f.after) > span(f.before)) {
    out.push({ ...base, attribute: "ports", message: "port range widened", before: portsOf(f.before), after: portsOf(f.after) });
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
  out.push(...ingressWidening(f));
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

import { RuleContext, TfResource } from "../model";
import { attr, blocks, bool, first, isSet, isUnknown, str, unknown, Unknown } from "../values";

/**
 * The compute family of the typed model: launch templates and launch configurations read into
 * one launch specification, and instances (aws_instance, aws_spot_instance_request) with the
 * template's settings under their own — EC2 takes an argument given at launch over the
 * template's, so the instance's own metadata_options win.
 */

export type Val<T> = T | undefined | Unknown;

export interface BlockDevice {
  readonly name: string;
  readonly encrypted: Val<boolean>;
  readonly kmsKey: unknown;
  readonly snapshot: unknown;
  /** A device the input does not describe (an AMI's root volume): its encryption is the AMI's or the account default's. */
  readonly implicit?: boolean;
}

export interface LaunchSpec {
  readonly resource: TfResource;
  readonly kind: "launch template" | "launch configuration" | "instance";
  readonly httpTokens: Val<string>;
  readonly httpEndpoint: Val<string>;
  readonly hopLimit: unknown;
  /** Undefined: no metadata options given at all. */
  readonly metadataGiven: boolean | Unknown;
  readonly devices: BlockDevice[] | Unknown;
  readonly publicIp: Val<boolean>;
  /** The instance profile argument (name or ARN). */
  readonly profile: unknown;
  /** The resource whose `iam_instance_profile` gives it (the instance, or its template). */
  readonly profileHolder: TfResource;
  readonly monitoring: Val<boolean>;
  readonly userData: unknown;
}

function metadataOf(block: unknown): Pick<LaunchSpec, "httpTokens" | "httpEndpoint" | "hopLimit" | "metadataGiven"> {
  const m = first(block);
  if (isUnknown(m)) return { httpTokens: m.set !== false ? m : undefined, httpEndpoint: m.set !== false ? m : undefined, hopLimit: m.set !== false ? m : undefined, metadataGiven: m.set !== false ? m : false };
  if (!m) return { httpTokens: undefined, httpEndpoint: undefined, hopLimit: undefined, metadataGiven: false };
  const given = (v: unknown) => (isUnknown(v) && v.set === false ? undefined : v);
  return { httpTokens: str(given(m.http_tokens)), httpEndpoint: str(given(m.http_endpoint)), hopLimit: given(m.http_put_response_hop_limit), metadataGiven: true };
}

/** A launch template or launch configuration as one specification. */
export function launchSpec(r: TfResource): LaunchSpec {
  if (r.type === "aws_launch_configuration") {
    const devices: BlockDevice[] = [];
    const root = first(r.values.root_block_device);
    if (root && !isUnknown(root)) devices.push({ name: "root", encrypted: bool(root.encrypted), kmsKey: undefined, snapshot: undefined });
    else devices.push({ name: "root", encrypted: undefined, kmsKey: undefined, snapshot: undefined, implicit: true });
    const ebs = blocks(r.values.ebs_block_device);
    if (!isUnknown(ebs)) for (const b of ebs) devices.push({ name: String(b.device_name ?? "(unnamed)"), encrypted: bool(b.encrypted), kmsKey: undefined, snapshot: b.snapshot_id });
    const monitoring = bool(r.values.enable_monitoring);
    return {
      resource: r,
      kind: "launch configuration",
      ...metadataOf(r.values.metadata_options),
      devices,
      publicIp: bool(r.values.associate_public_ip_address),
      profile: r.values.iam_instance_profile,
      profileHolder: r,
      // enable_monitoring defaults to true on launch configurations.
      monitoring: monitoring === undefined || (isUnknown(monitoring) && monitoring.set === false) ? true : monitoring,
      userData: r.values.user_data ?? r.values.user_data_base64,
    };
  }
  const mappings = blocks(r.values.block_device_mappings);
  const devices: BlockDevice[] | Unknown = isUnknown(mappings)
    ? mappings.set !== false
      ? mappings
      : []
    : mappings.flatMap((m) => {
        const ebs = first(m.ebs);
        if (!ebs) return [];
        const name = String(isUnknown(m.device_name) ? "(unknown device)" : (m.device_name ?? "(unnamed)"));
        if (isUnknown(ebs)) return [{ name, encrypted: ebs, kmsKey: ebs, snapshot: undefined }];
        return [{ name, encrypted: bool(ebs.encrypted), kmsKey: ebs.kms_key_id, snapshot: ebs.snapshot_id }];
      });
  const interfaces = blocks(r.values.network_interfaces);
  const publicIp: Val<boolean> = isUnknown(interfaces)
    ? interfaces.set !== false
      ? interfaces
      : undefined
    : interfaces.map((n) => bool(n.associate_public_ip_address)).reduce<Val<boolean>>((acc, v) => (acc === true || v === true ? true : isUnknown(acc) ? acc : isUnknown(v) && v.set !== false ? v : (acc ?? (v === false ? false : undefined))), undefined);
  const profile = first(r.values.iam_instance_profile);
  const profileValue = isUnknown(profile) ? profile : profile ? [profile.arn, profile.name].find((v) => isSet(v) === true) ?? [profile.arn, profile.name].find((v) => isUnknown(v)) : undefined;
  const monitoringBlock = first(r.values.monitoring);
  return {
    resource: r,
    kind: "launch template",
    ...metadataOf(r.values.metadata_options),
    devices,
    publicIp,
    profile: profileValue,
    profileHolder: r,
    monitoring: bool(attr(monitoringBlock, "enabled")),
    userData: r.values.user_data,
  };
}

export interface InstanceSpec extends LaunchSpec {
  readonly devices: BlockDevice[];
  /** The template it launches from: found, not in this input (Unknown), or none. */
  readonly template?: LaunchSpec | Unknown;
  readonly subnet: TfResource | undefined | Unknown;
}

/** The launch template an instance or group names, when it names one. */
export function templateOf(ctx: RuleContext, r: TfResource, attrName = "launch_template"): LaunchSpec | Unknown | undefined {
  const lt = first(r.values[attrName]);
  if (lt === undefined) return undefined;
  const found = ctx.referenced(r, attrName).filter((t) => t.type === "aws_launch_template");
  if (found.length === 1 && !ctx.isOpaque(r, attrName)) return launchSpec(found[0]);
  if (!isUnknown(lt)) {
    const byId = [lt.id, lt.name].flatMap((v) => (typeof v === "string" ? ctx.named(v) : [])).filter((t) => t.type === "aws_launch_template" && t.stack === r.stack);
    if (byId.length === 1) return launchSpec(byId[0]);
  }
  return unknown(`launch template ${isUnknown(lt) ? lt.why : describeRef(lt)} is not in this input`);
}

function describeRef(lt: Record<string, unknown>): string {
  const v = [lt.id, lt.name].find((x) => x !== undefined && x !== null && x !== "");
  return isUnknown(v) ? v.why : JSON.stringify(v ?? "?");
}

function ownGiven(own: unknown): boolean {
  return own !== undefined && own !== null && !(isUnknown(own) && own.set === false);
}

/** Own value when the instance gives one, else the template's, else the default. */
function pick<T>(own: T, template: LaunchSpec | Unknown | undefined, fromTemplate: (t: LaunchSpec) => T, fallback: T): T | Unknown {
  if (ownGiven(own)) return own;
  if (template === undefined) return fallback;
  if (isUnknown(template)) return template;
  const t = fromTemplate(template);
  return t === undefined ? fallback : t;
}

/** An instance with the template's settings under its own. */
export function instanceSpec(ctx: RuleContext, r: TfResource): InstanceSpec {
  const template = templateOf(ctx, r);
  const own = metadataOf(r.values.metadata_options);
  const devices: BlockDevice[] = [];
  const root = first(r.values.root_block_device);
  if (root && !(isUnknown(root) && root.set === false)) {
    if (isUnknown(root)) devices.push({ name: "root", encrypted: root, kmsKey: root, snapshot: undefined });
    else {
      const enc = bool(root.encrypted);
      devices.push({ name: "root", encrypted: isUnknown(enc) && enc.set === false ? undefined : enc, kmsKey: root.kms_key_id, snapshot: undefined, implicit: enc === undefined || (isUnknown(enc) && enc.set === false) });
    }
  } else devices.push({ name: "root", encrypted: undefined, kmsKey: undefined, snapshot: undefined, implicit: true });
  const ebs = blocks(r.values.ebs_block_device);
  if (!isUnknown(ebs)) {
    for (const b of ebs) {
      const enc = bool(b.encrypted);
      devices.push({ name: String(b.device_name ?? "(unnamed)"), encrypted: isUnknown(enc) && enc.set === false ? undefined : enc, kmsKey: b.kms_key_id, snapshot: b.snapshot_id, implicit: enc === undefined || (isUnknown(enc) && enc.set === false) });
    }
  }
  const subnets = ctx.referenced(r, "subnet_id").filter((s) => s.type === "aws_subnet");
  const subnet = subnets.length === 1 && !ctx.isOpaque(r, "subnet_id") ? subnets[0] : r.values.subnet_id === undefined || r.values.subnet_id === null ? undefined : unknown(`subnet ${isUnknown(r.values.subnet_id) ? r.values.subnet_id.why : JSON.stringify(r.values.subnet_id)} is not in this input`);
  const ownProfile = r.values.iam_instance_profile;
  const ownMonitoring = bool(r.values.monitoring);
  return {
    resource: r,
    kind: "instance",
    template,
    subnet,
    httpTokens: own.metadataGiven === true && own.httpTokens !== undefined ? own.httpTokens : pick(undefined, template, (t) => t.httpTokens, undefined),
    httpEndpoint: own.metadataGiven === true && own.httpEndpoint !== undefined ? own.httpEndpoint : pick(undefined, template, (t) => t.httpEndpoint, undefined),
    hopLimit: own.metadataGiven === true && own.hopLimit !== undefined ? own.hopLimit : pick(undefined, template, (t) => t.hopLimit, undefined),
    metadataGiven: own.metadataGiven === true ? true : template === undefined ? own.metadataGiven : isUnknown(template) ? template : template.metadataGiven,
    devices,
    publicIp: pick(bool(r.values.associate_public_ip_address), template, (t) => t.publicIp, undefined),
    profile: pick(ownProfile === "" ? undefined : ownProfile, template, (t) => t.profile, undefined),
    profileHolder: ownGiven(ownProfile === "" ? undefined : ownProfile) || !template || isUnknown(template) ? r : template.resource,
    // aws_instance's monitoring defaults to false (basic five-minute metrics).
    monitoring: pick(ownMonitoring, template, (t) => t.monitoring, false),
    userData: r.values.user_data ?? r.values.user_data_base64,
  };
}

/** Every launch template and configuration of the run. */
export function launchSpecs(ctx: RuleContext): LaunchSpec[] {
  return ctx.memo("launch-specs", () => [...ctx.ofType("aws_launch_template"), ...ctx.ofType("aws_launch_configuration")].map(launchSpec));
}

/** Every instance (on-demand and spot requests) of the run. */
export function instanceSpecs(ctx: RuleContext): InstanceSpec[] {
  return ctx.memo("instance-specs", () => [...ctx.ofType("aws_instance"), ...ctx.ofType("aws_spot_instance_request")].map((r) => instanceSpec(ctx, r)));
}

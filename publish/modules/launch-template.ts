import { AMI_ID_PATTERN, IAM_POLICY_ARN_PATTERN, INSTANCE_TYPE_PATTERN } from "../../modules/core/validate";
import { buildUserData, DEFAULT_DISABLED_SERVICES, DEVICE_NAME_PATTERN, IOPS_PER_GIB, MANAGED_POLICIES, SECRET_PATTERNS, SERVICE_NAME_PATTERN, escapeTemplate, LOG_RETENTION_DAYS, MIME_FOOTER, MIME_HEADER, mimePart, OPERATING_SYSTEMS, OperatingSystem, VOLUME_LIMITS, VOLUME_TYPES } from "../../modules/launch-template";
import { isNetworkCidrHcl } from "../predicates";
import { RuleIds } from "../../modules/core/rule-ids";
import { rootSuppressionsHcl, suppressionsOutput, suppressionWhen } from "../suppressions";
import { ACCOUNT_ID_VARIABLE, ModuleSpec, hclRegex, hclServiceRole, hclString, hclValue, kmsKeyModuleCall, kmsKeyVariables, KMS_KEY_ARN_EXPR } from "../spec";

const NAME_PLACEHOLDER = "__BULWARK_NAME__";
/** The construct's block device name pattern, as an HCL string. */
const DEVICE_PATTERN_HCL = hclRegex(DEVICE_NAME_PATTERN);

/**
 * The construct's user-data builder, called once per OS with sentinel inputs: an `AllowUsers`
 * line and one host-firewall rule with an IPv4 and an IPv6 source. The module keeps the text as
 * a template and replaces those sentinel lines (and the line disabling a sentinel service) with the lines of its own inputs, written in the
 * builder's format (the sentinel lines with the values swapped for interpolations).
 */
const SENTINEL = { svc: "bulwarksentinelsvc", user: "bulwarksentineluser", rule: "Bulwarksentinelrule", port: 54321, v4: "192.0.2.0/24", v6: "2001:db8::/32" } as const;

function sentinelUserData(os: OperatingSystem): { text: string; allowUsers: string; firewall: [string, string]; disable: string } {
  const text = buildUserData({
    os,
    logGroupPrefix: `/bulwark/${NAME_PLACEHOLDER}`,
    sshAllowUsers: [SENTINEL.user],
    disableServices: [SENTINEL.svc],
    firewallAllow: { [SENTINEL.rule]: { port: SENTINEL.port, sources: [SENTINEL.v4, SENTINEL.v6] } },
  });
  const lines = text.split("\n");
  const one = (test: (l: string) => boolean, what: string) => {
    const found = lines.filter(test);
    if (found.length !== 1) throw new Error(`the user-data builder's ${what} line is not where the published module expects it (${found.length} found)`);
    return found[0];
  };
  const allowUsers = one((l) => l.trimStart() === `AllowUsers ${SENTINEL.user}`, "AllowUsers");
  const v4 = one((l) => l.includes(`{ ${SENTINEL.v4} }`), "IPv4 firewall");
  const v6 = one((l) => l.includes(`{ ${SENTINEL.v6} }`), "IPv6 firewall");
  if (lines.indexOf(v6) !== lines.indexOf(v4) + 1) throw new Error("the user-data builder no longer writes a rule's IPv6 line right after its IPv4 line");
  const disable = one((l) => l.includes(SENTINEL.svc), "disabled service");
  return { text, allowUsers, firewall: [v4, v6], disable };
}

const SENTINELS = Object.fromEntries(OPERATING_SYSTEMS.map((os) => [os, sentinelUserData(os)])) as Record<OperatingSystem, ReturnType<typeof sentinelUserData>>;
for (const os of OPERATING_SYSTEMS) {
  const [a, b] = [SENTINELS[os], SENTINELS[OPERATING_SYSTEMS[0]]];
  if (a.allowUsers !== b.allowUsers || a.firewall.join("\n") !== b.firewall.join("\n") || a.disable !== b.disable) throw new Error(`the sshd, firewall and service lines of ${os} differ from ${OPERATING_SYSTEMS[0]}'s: render them per OS`);
}
const LINES = SENTINELS[OPERATING_SYSTEMS[0]];

/** The hardening cloud-init per OS, as a Terraform template with the module's name in the log group prefix (sentinel lines kept). */
function userDataLocals(): string {
  return OPERATING_SYSTEMS.map((os) => {
    const text = escapeTemplate(SENTINELS[os].text).split(NAME_PLACEHOLDER).join("${var.name}");
    return `    "${os}" = <<-EOT\n${text.replace(/\n$/, "").split("\n").map((l) => (l ? `      ${l}` : "")).join("\n")}\n    EOT`;
  }).join("\n");
}

/** A sentinel line with each sentinel value (found once) swapped for an HCL expression, as an HCL string ending in a newline. */
function lineTemplate(line: string, swaps: Readonly<Record<string, string>>): string {
  const placeholders: Record<string, string> = {};
  let text = line;
  Object.entries(swaps).forEach(([from, expr], i) => {
    if (text.split(from).length !== 2) throw new Error(`sentinel ${from} is not once in the user-data line ${line}`);
    text = text.replace(from, `__SLOT${i}__`);
    placeholders[`__SLOT${i}__`] = expr;
  });
  return hclValue(`${text}\n`, placeholders);
}

/** A host-firewall line of the builder for the rule `r` of local.host_firewall_rules, with the sources of one family. */
const firewallLine = (line: string, sentinel: string, sources: string) =>
  lineTemplate(line, { [sentinel]: `join(", ", ${sources})`, [SENTINEL.rule]: "r.name", tcp: "r.protocol", [String(SENTINEL.port)]: "r.port" });

/** The user-data locals: the builder's template with the sentinel lines replaced, then MIME parts when there are extra parts. */
const USER_DATA_HCL = `
  ssh_allow_users_line = length(var.ssh_allow_users) == 0 ? "" : ${lineTemplate(LINES.allowUsers, { [SENTINEL.user]: 'join(" ", var.ssh_allow_users)' })}
  host_firewall_rules = [
    for name, r in var.host_firewall_allow : {
      name     = name
      port     = r.port
      protocol = r.protocol
      v4       = [for c in r.sources : c if !strcontains(c, ":")]
      v6       = [for c in r.sources : c if strcontains(c, ":")]
    }
  ]
  host_firewall_lines = join("", flatten([
    for r in local.host_firewall_rules : [
      length(r.v4) == 0 ? "" : ${firewallLine(LINES.firewall[0], SENTINEL.v4, "r.v4")},
      length(r.v6) == 0 ? "" : ${firewallLine(LINES.firewall[1], SENTINEL.v6, "r.v6")},
    ]
  ]))
  disable_services      = var.disable_services != null ? var.disable_services : ${hclValue(DEFAULT_DISABLED_SERVICES)}[var.os]
  disable_services_lines = join("", [for s in sort(local.disable_services) : ${lineTemplate(LINES.disable, { [SENTINEL.svc]: "s" })}])
  cloud_config = replace(replace(replace(local.user_data_templates[var.os], ${hclValue(`${LINES.allowUsers}\n`)}, local.ssh_allow_users_line), ${hclValue(`${LINES.firewall.join("\n")}\n`)}, local.host_firewall_lines), ${hclValue(`${LINES.disable}\n`)}, local.disable_services_lines)
  user_data_parts = concat([{ content_type = "text/cloud-config", content = local.cloud_config }], var.extra_user_data_parts)
  user_data = length(var.extra_user_data_parts) == 0 ? local.cloud_config : join("", concat(
    [${hclValue(MIME_HEADER)}],
    [for i, p in local.user_data_parts : ${hclValue(mimePart("__CT__", "__CONTENT__", "__INDEX__"), { __CT__: "p.content_type", __CONTENT__: "p.content", __INDEX__: 'format("%02d", i)' })}],
    [${hclValue(MIME_FOOTER)}],
  ))`;
/**
 * One block device mapping: every volume encrypted with the key and deleted on termination. The root
 * volume is a static block, so a plan's configuration holds its key (bulwark check follows it); the
 * data volumes are dynamic blocks around it, keeping the construct's device-name order.
 */
function deviceMapping(device: string, volume: string): string {
  return `device_name = ${device}
    ebs {
      volume_type           = ${volume}.type
      volume_size           = ${volume}.size_gib
      iops                  = ${volume}.iops
      throughput            = ${volume}.throughput
      encrypted             = true
      kms_key_id            = ${KMS_KEY_ARN_EXPR}
      delete_on_termination = true
    }`;
}
const dataMappings = (which: string) => `dynamic "block_device_mappings" {
    for_each = local.${which}
    content {
      ${deviceMapping("block_device_mappings.key", "block_device_mappings.value").split("\n").join("\n  ")}
    }
  }`;

/**
 * The construct's VOLUME_LIMITS and IOPS_PER_GIB as one HCL object of one shape per type, inlined in
 * validations (variables cannot read locals): an empty range is a setting the type does not take,
 * a ratio of 0 no IOPS-per-GiB limit.
 */
const LIMITS_HCL = hclValue(
  Object.fromEntries(VOLUME_TYPES.map((t) => [t, { size: VOLUME_LIMITS[t].size, iops: VOLUME_LIMITS[t].iops ?? [], throughput: VOLUME_LIMITS[t].throughput ?? [], ratio: IOPS_PER_GIB[t] ?? 0 }])),
);
/** Types whose volumes need `iops`: those with a provisioned-IOPS ratio. */
const IOPS_REQUIRED = VOLUME_TYPES.filter((t) => IOPS_PER_GIB[t] !== undefined);
const whole = (x: string) => `floor(${x}) == ${x}`;
// Terraform evaluates both sides of || and &&: each check guards its lookup with a conditional, and
// an unknown type passes the IOPS and throughput checks (the type check refuses it).
const known = (v: string, then: string) => `contains(${JSON.stringify(VOLUME_TYPES)}, ${v}.type) ? ${then} : `;
const lim = (v: string) => `${LIMITS_HCL}[${v}.type]`;
/** The construct's validateVolume as three conditions on one volume object `v`: type and size, IOPS, throughput. */
const volumeChecks = (v: string) => ({
  size: `${known(v, `${v}.size_gib >= ${lim(v)}.size[0] && ${v}.size_gib <= ${lim(v)}.size[1] && ${whole(`${v}.size_gib`)}`)}false`,
  iops: `${known(
    v,
    `(${v}.iops == null ? !contains(${JSON.stringify(IOPS_REQUIRED)}, ${v}.type) : (length(${lim(v)}.iops) == 0 ? false : ${v}.iops >= ${lim(v)}.iops[0] && ${v}.iops <= ${lim(v)}.iops[1] && ${whole(`${v}.iops`)} && (${lim(v)}.ratio == 0 || ${v}.iops <= ${v}.size_gib * ${lim(v)}.ratio)))`,
  )}true`,
  throughput: `${known(v, `(${v}.throughput == null ? true : (length(${lim(v)}.throughput) == 0 ? false : ${v}.throughput >= ${lim(v)}.throughput[0] && ${v}.throughput <= ${lim(v)}.throughput[1] && ${whole(`${v}.throughput`)}))`)}true`,
});
const describeLimits = (what: "iops" | "throughput") =>
  VOLUME_TYPES.filter((t) => VOLUME_LIMITS[t][what])
    .map((t) => `${t}: ${VOLUME_LIMITS[t][what]!.join("-")}${what === "iops" && IOPS_PER_GIB[t] ? ` and at most ${IOPS_PER_GIB[t]} per GiB` : ""}`)
    .join("; ");
const IOPS_MESSAGE = `iops must be a whole number within the type's limits (${describeLimits("iops")}), is required for ${IOPS_REQUIRED.join(" and ")} and cannot be set for other types.`;
const THROUGHPUT_MESSAGE = `throughput must be a whole number of MiB/s within the type's limits (${describeLimits("throughput")}) and cannot be set for other types.`;
/** The construct's SECRET_PATTERNS as RE2 patterns (`(?i)` for the `i` flag). */
const SECRET_REGEXES_HCL = `[${SECRET_PATTERNS.map(({ pattern }) => {
  if (pattern.flags.replace("i", "") !== "") throw new Error(`secret pattern ${pattern} has flags RE2 cannot take`);
  hclRegex(pattern); // refuses lookaround
  return hclString(pattern.flags.includes("i") ? `(?i)${pattern.source}` : pattern.source);
}).join(", ")}]`;

export const launchTemplateModule: ModuleSpec = {
  name: "launch-template",
  title: "launch-template: a hardened EC2 launch template",
  summary:
    "An EC2 launch template hardened by default, with its instance role and profile, KMS-encrypted host log groups and hardening cloud-init (SSH without root or passwords, automatic security updates, a default-deny host firewall, the CloudWatch agent, unneeded services off).",
  secureDefaults: [
    "IMDSv2 required, hop limit 1; containers on the host get a higher one only through `container_metadata_access = { reason = ... }` (a missing or short reason fails `terraform validate`), returned with the rule id in the `bulwark_suppressions` output for `bulwark-suppressions.yaml` (see the example).",
    "Every EBS volume encrypted with a customer-managed KMS key (created unless `create_kms_key = false`), gp3, deleted on termination.",
    "Deliberate difference from the construct: with `data_volumes` and a key the plan does not know (the module's own, or another module's output), `bulwark check` reports `ebs-cmk` *unverifiable* for the template's block devices where the construct's plan passes: the data volumes are `dynamic` blocks, which a plan's JSON does not describe, so the checker cannot see which key they name (without data volumes the root volume, a static block, is judged). With a `kms_key_arn` the plan knows, every device is judged.",
    "No public IP on the network interface; detailed monitoring on; EBS-optimized.",
    "Instance role with exactly AmazonSSMManagedInstanceCore and CloudWatchAgentServerPolicy.",
    "Host log groups KMS-encrypted, kept at least a year.",
    "`update_default_version` so Auto Scaling takes new versions.",
  ],
  controls: ["EC2.8", "EC2.170", "AutoScaling.4", "EC2.181", "EC2.25", "SSM.1", "CKV_AWS_79", "CKV_AWS_341", "CKV_AWS_126", "CKV_AWS_158"],
  variables: [
    ACCOUNT_ID_VARIABLE,
    {
      name: "name",
      type: "string",
      description: "Launch template name; also names the role, instance profile and log groups (3-55 letters, digits, _ or -).",
      validations: [{ condition: 'can(regex("^[A-Za-z0-9][A-Za-z0-9_-]{2,54}$", var.name))', message: "name must be 3-55 letters, digits, _ or -." }],
    },
    {
      name: "ami_id",
      type: "string",
      description: "AMI id (ami- and 8 or 17 hex digits). Null when image_ssm_parameter is set.",
      default: "null",
      validations: [{ condition: `var.ami_id == null || can(regex(${hclRegex(AMI_ID_PATTERN)}, var.ami_id))`, message: "ami_id must be ami- followed by 8 or 17 hex digits." }],
    },
    {
      name: "image_ssm_parameter",
      type: "string",
      description: "SSM parameter resolved by EC2 at launch (resolve:ssm:), e.g. /aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64.",
      default: "null",
      validations: [{ condition: 'var.image_ssm_parameter == null || can(regex("^/[A-Za-z0-9_./-]+$", var.image_ssm_parameter))', message: "image_ssm_parameter must be a parameter name starting with /." }],
    },
    {
      name: "os",
      type: "string",
      description: `Operating system of the AMI: ${OPERATING_SYSTEMS.join(" or ")}.`,
      default: '"amazon-linux-2023"',
      validations: [{ condition: `contains(${JSON.stringify(OPERATING_SYSTEMS)}, var.os)`, message: `os must be ${OPERATING_SYSTEMS.join(" or ")}.` }],
    },
    {
      name: "instance_type",
      type: "string",
      description: "EC2 instance type, e.g. t3.micro.",
      validations: [{ condition: `can(regex(${hclRegex(INSTANCE_TYPE_PATTERN)}, var.instance_type))`, message: "instance_type must look like t3.micro." }],
    },
    {
      name: "security_group_ids",
      type: "list(string)",
      description: "Security groups of the primary network interface (at least one).",
      validations: [{ condition: "length(var.security_group_ids) > 0", message: "security_group_ids must name at least one security group." }],
    },
    ...kmsKeyVariables("for volumes and log groups"),
    {
      name: "root_volume",
      type: `object({
    size_gib   = optional(number, 20)
    type       = optional(string, "gp3")
    iops       = optional(number)
    throughput = optional(number)
  })`,
      description: "Root volume; always encrypted and deleted on termination.",
      default: "{}",
      validations: [
        {
          condition: volumeChecks("var.root_volume").size,
          message: `root_volume.type must be one of ${VOLUME_TYPES.join(", ")} and root_volume.size_gib a whole number within that type's limits (${VOLUME_TYPES.map((t) => `${t}: ${VOLUME_LIMITS[t].size.join("-")}`).join("; ")}).`,
        },
        { condition: volumeChecks("var.root_volume").iops, message: `root_volume.${IOPS_MESSAGE}` },
        { condition: volumeChecks("var.root_volume").throughput, message: `root_volume.${THROUGHPUT_MESSAGE}` },
      ],
    },
    {
      name: "data_volumes",
      type: `map(object({
    device_name = string
    size_gib    = number
    type        = optional(string, "gp3")
    iops        = optional(number)
    throughput  = optional(number)
  }))`,
      description: "Extra volumes keyed by name; all encrypted with the key.",
      default: "{}",
      validations: [
        { condition: `alltrue([for v in values(var.data_volumes) : ${volumeChecks("v").size}])`, message: "every data volume needs a known type and a whole size within its limits." },
        { condition: `alltrue([for v in values(var.data_volumes) : ${volumeChecks("v").iops}])`, message: `every data volume's ${IOPS_MESSAGE}` },
        { condition: `alltrue([for v in values(var.data_volumes) : ${volumeChecks("v").throughput}])`, message: `every data volume's ${THROUGHPUT_MESSAGE}` },
        { condition: `alltrue([for v in values(var.data_volumes) : can(regex(${DEVICE_PATTERN_HCL}, v.device_name))])`, message: "device_name must look like /dev/xvdf." },
        { condition: "length(distinct([for v in values(var.data_volumes) : v.device_name])) == length(var.data_volumes)", message: "every data volume needs a device_name of its own." },
      ],
    },
    {
      name: "root_device_name",
      type: "string",
      description: "Device name of the root volume (the construct's rootDeviceName); null: /dev/xvda on Amazon Linux 2023, /dev/sda1 on Ubuntu.",
      default: "null",
      validations: [{ condition: `var.root_device_name == null ? true : can(regex(${DEVICE_PATTERN_HCL}, var.root_device_name))`, message: "root_device_name must look like /dev/xvda." }],
    },
    {
      name: "container_metadata_access",
      type: `object({
    reason    = string
    hop_limit = optional(number, 2)
  })`,
      description:
        "Raises the IMDSv2 hop limit from 1 so containers on the host reach instance metadata (the construct's containerMetadataAccess). The reason is required and returned in the bulwark_suppressions output (ec2-imds-hop-limit).",
      default: "null",
      validations: [
        { condition: "var.container_metadata_access == null ? true : try(length(trimspace(var.container_metadata_access.reason)) >= 10, false)", message: "container_metadata_access.reason must say why containers need instance metadata (at least 10 characters)." },
        {
          condition: "var.container_metadata_access == null ? true : try(var.container_metadata_access.hop_limit >= 2 && var.container_metadata_access.hop_limit <= 64 && floor(var.container_metadata_access.hop_limit) == var.container_metadata_access.hop_limit, false)",
          message: "container_metadata_access.hop_limit must be a whole number from 2 to 64.",
        },
      ],
    },
    { name: "instance_metadata_tags", type: "bool", description: "Exposes instance tags through instance metadata (the construct's instanceMetadataTags).", default: "false" },
    {
      name: "disable_detailed_monitoring_reason",
      type: "string",
      description: "Turns detailed monitoring off; says why (returned in the bulwark_suppressions output).",
      default: "null",
      validations: [{ condition: "var.disable_detailed_monitoring_reason == null ? true : length(trimspace(var.disable_detailed_monitoring_reason)) >= 10", message: "disable_detailed_monitoring_reason must say why (at least 10 characters)." }],
    },
    {
      name: "extra_managed_policy_arns",
      type: "map(string)",
      description: "Extra managed policies for the instance role, keyed by name.",
      default: "{}",
      validations: [
        { condition: `alltrue([for a in values(var.extra_managed_policy_arns) : can(regex(${hclRegex(IAM_POLICY_ARN_PATTERN)}, a))])`, message: "extra_managed_policy_arns values must be IAM policy ARNs." },
        // A reserved key would replace a built-in attachment (the SSM core policy, say) rather than add one.
        { condition: `length(setintersection(keys(var.extra_managed_policy_arns), ${JSON.stringify(Object.keys(MANAGED_POLICIES))})) == 0`, message: `extra_managed_policy_arns keys ${Object.keys(MANAGED_POLICIES).join(" and ")} are reserved for the built-in policies.` },
      ],
    },
    {
      name: "permissions_boundary_arn",
      type: "string",
      description: "Permissions boundary of the instance role.",
      default: "null",
      validations: [{ condition: `var.permissions_boundary_arn == null ? true : can(regex(${hclRegex(IAM_POLICY_ARN_PATTERN)}, var.permissions_boundary_arn))`, message: "permissions_boundary_arn must be an IAM policy ARN." }],
    },
    {
      name: "log_retention_days",
      type: "number",
      description: "Retention of the host log groups (at least a year).",
      default: "365",
      validations: [{ condition: `contains(${JSON.stringify(LOG_RETENTION_DAYS)}, var.log_retention_days)`, message: `log_retention_days must be one of ${LOG_RETENTION_DAYS.join(", ")}.` }],
    },
    {
      name: "ssh_allow_users",
      type: "list(string)",
      description: "Users allowed to log in over SSH (sshd AllowUsers; the construct's userData.sshAllowUsers). Empty: no AllowUsers line; root and passwords are refused regardless.",
      default: "[]",
      validations: [{ condition: 'alltrue([for u in var.ssh_allow_users : can(regex("^[a-z_][a-z0-9_-]{0,31}$", u)) && u != "root"])', message: "ssh_allow_users must be non-root Linux user names." }],
    },
    {
      name: "host_firewall_allow",
      type: `map(object({
    port     = number
    protocol = optional(string, "tcp")
    sources  = list(string)
  }))`,
      description: "Inbound allowlist of the host firewall (nftables), keyed by rule name (the construct's userData.firewallAllow); everything else inbound is dropped.",
      default: "{}",
      validations: [
        { condition: 'alltrue([for k in keys(var.host_firewall_allow) : can(regex("^[A-Za-z][A-Za-z0-9-]{0,62}$", k))])', message: "host_firewall_allow keys must be a letter, then letters, digits or hyphens." },
        { condition: "alltrue([for r in values(var.host_firewall_allow) : r.port >= 1 && r.port <= 65535 && floor(r.port) == r.port])", message: "host_firewall_allow ports must be whole numbers from 1 to 65535." },
        { condition: 'alltrue([for r in values(var.host_firewall_allow) : contains(["tcp", "udp"], r.protocol)])', message: "host_firewall_allow protocol must be tcp or udp." },
        { condition: `alltrue([for r in values(var.host_firewall_allow) : length(r.sources) > 0 && alltrue([for c in r.sources : ${isNetworkCidrHcl("c")}])])`, message: "host_firewall_allow sources must name at least one IPv4 or IPv6 CIDR each, without host bits." },
      ],
    },
    {
      name: "extra_user_data_parts",
      type: `list(object({
    content_type = string
    content      = string
  }))`,
      description: "Parts appended to the hardening cloud-config as MIME parts, in order (the construct's userData.extraParts): text/x-shellscript runs once at first boot, text/cloud-config merges.",
      default: "[]",
      validations: [
        { condition: 'alltrue([for p in var.extra_user_data_parts : contains(["text/x-shellscript", "text/cloud-config"], p.content_type)])', message: "extra_user_data_parts content_type must be text/x-shellscript or text/cloud-config." },
        {
          // The construct's findSecret over the parts (the hardening text holds none): user data is readable by anyone who can describe the instance.
          condition: `alltrue([for p in var.extra_user_data_parts : alltrue([for re in ${SECRET_REGEXES_HCL} : !can(regex(re, p.content))])])`,
          message: `extra_user_data_parts must hold no secret (${SECRET_PATTERNS.map((p) => p.what).join(", ")}); pass secrets through SSM Parameter Store or Secrets Manager instead.`,
        },
      ],
    },
    {
      name: "disable_services",
      type: "list(string)",
      description: `Services stopped and disabled at boot when present (the construct's userData.disableServices); null: ${[...new Set(Object.values(DEFAULT_DISABLED_SERVICES).flat())].join(", ")}${OPERATING_SYSTEMS.every((os) => DEFAULT_DISABLED_SERVICES[os].join() === DEFAULT_DISABLED_SERVICES[OPERATING_SYSTEMS[0]].join()) ? "" : " (per OS)"}; [] disables none.`,
      default: "null",
      validations: [{ condition: `var.disable_services == null ? true : alltrue([for s in var.disable_services : can(regex(${hclRegex(SERVICE_NAME_PATTERN)}, s))])`, message: "disable_services must be systemd unit names (letters, digits, @, ., _ or -)." }],
    },
    { name: "dedicated_tenancy", type: "bool", description: "Run on single-tenant hardware.", default: "false" },
    { name: "tags", type: "map(string)", description: "Tags for the template and its instances, volumes and interfaces.", default: "{}" },
  ],
  outputs: [
    { name: "id", value: "aws_launch_template.this.id", description: "Launch template id." },
    { name: "arn", value: "aws_launch_template.this.arn", description: "Launch template ARN." },
    { name: "latest_version", value: "aws_launch_template.this.latest_version", description: "Latest version number." },
    { name: "role_name", value: "aws_iam_role.this.name", description: "Instance role name (attach more policies here)." },
    { name: "instance_profile_arn", value: "aws_iam_instance_profile.this.arn", description: "Instance profile ARN." },
    { name: "kms_key_arn", value: KMS_KEY_ARN_EXPR, description: "Key encrypting volumes and log groups." },
    { name: "security_group_ids", value: "var.security_group_ids", description: "Security groups attached." },
    { name: "log_group_names", value: "{ for k, g in aws_cloudwatch_log_group.host : k => g.name }", description: "Host log groups by kind." },
    suppressionsOutput([
      suppressionWhen("var.container_metadata_access != null", RuleIds.imdsHopLimit, "aws_launch_template.this", "try(var.container_metadata_access.reason, null)"),
      suppressionWhen("var.disable_detailed_monitoring_reason != null", RuleIds.detailedMonitoring, "aws_launch_template.this", "var.disable_detailed_monitoring_reason"),
    ]),
  ],
  uses: ["kms-key"],
  main: `
data "aws_partition" "current" {}

locals {
  image_id    = var.image_ssm_parameter != null ? "resolve:ssm:\${var.image_ssm_parameter}" : var.ami_id
  root_device = coalesce(var.root_device_name, var.os == "ubuntu" ? "/dev/sda1" : "/dev/xvda")
  # Block devices in device-name order, as the construct writes them: the data volumes named before the root device, the root, the rest.
  device_order     = sort(concat([local.root_device], [for v in values(var.data_volumes) : v.device_name]))
  data_before_root = { for v in values(var.data_volumes) : v.device_name => v if index(local.device_order, v.device_name) < index(local.device_order, local.root_device) }
  data_after_root  = { for v in values(var.data_volumes) : v.device_name => v if index(local.device_order, v.device_name) > index(local.device_order, local.root_device) }
  tags = merge(var.tags, { Name = var.name })
  # The hardening cloud-init of the construct's user-data builder per OS. Its sentinel AllowUsers and
  # firewall lines are replaced by the lines of ssh_allow_users and host_firewall_allow below.
  user_data_templates = {
${userDataLocals()}
  }
${USER_DATA_HCL}
}

${kmsKeyModuleCall("\${var.name}/ebs-logs", ["autoscaling", "cloudwatch-logs"])}

resource "aws_cloudwatch_log_group" "host" {
  for_each = toset(["system", "auth", "cloud-init"])

  name              = "/bulwark/\${var.name}/\${each.key}"
  kms_key_id        = ${KMS_KEY_ARN_EXPR}
  retention_in_days = var.log_retention_days
  tags              = var.tags
}

${hclServiceRole("this", "\"${var.name}-instance\"", "\"Instance role of launch template ${var.name}: Session Manager and the CloudWatch agent only\"", "ec2.amazonaws.com", ["permissions_boundary = var.permissions_boundary_arn"])}

resource "aws_iam_role_policy_attachment" "this" {
  for_each = merge(
    {
${Object.entries(MANAGED_POLICIES).map(([key, name]) => `      ${JSON.stringify(key)} = "arn:\${data.aws_partition.current.partition}:iam::aws:policy/${name}"`).join("\n")}
    },
    var.extra_managed_policy_arns,
  )

  role       = aws_iam_role.this.name
  policy_arn = each.value
}

resource "aws_iam_instance_profile" "this" {
  name = "\${var.name}-instance"
  role = aws_iam_role.this.name
  tags = var.tags
}

resource "aws_launch_template" "this" {
  name                   = var.name
  description            = "bulwark hardened launch template \${var.name}"
  image_id               = local.image_id
  instance_type          = var.instance_type
  ebs_optimized          = true
  update_default_version = true
  user_data              = base64encode(local.user_data)

  iam_instance_profile {
    arn = aws_iam_instance_profile.this.arn
  }

  metadata_options {
    http_endpoint               = "enabled"
    http_tokens                 = "required"
    http_put_response_hop_limit = var.container_metadata_access != null ? var.container_metadata_access.hop_limit : 1
    http_protocol_ipv6          = "disabled"
    instance_metadata_tags      = var.instance_metadata_tags ? "enabled" : "disabled"
  }

  monitoring {
    enabled = var.disable_detailed_monitoring_reason == null
  }

  network_interfaces {
    device_index                = 0
    associate_public_ip_address = false
    delete_on_termination       = true
    security_groups             = var.security_group_ids
  }

  ${dataMappings("data_before_root")}

  block_device_mappings {
    ${deviceMapping("local.root_device", "var.root_volume")}
  }

  ${dataMappings("data_after_root")}

  dynamic "placement" {
    for_each = var.dedicated_tenancy ? [1] : []
    content {
      tenancy = "dedicated"
    }
  }

  dynamic "tag_specifications" {
    for_each = toset(["instance", "volume", "network-interface"])
    content {
      resource_type = tag_specifications.value
      tags          = local.tags
    }
  }

  tags = local.tags

  lifecycle {
    precondition {
      condition     = var.create_kms_key || var.kms_key_arn != null
      error_message = "Set kms_key_arn when create_kms_key is false: every volume is encrypted with a customer-managed key."
    }
    precondition {
      condition     = !contains([for v in values(var.data_volumes) : v.device_name], local.root_device)
      error_message = "A data volume uses the root volume's device name."
    }
    precondition {
      condition     = (var.ami_id == null) != (var.image_ssm_parameter == null)
      error_message = "Set exactly one of ami_id and image_ssm_parameter."
    }
    precondition {
      condition     = length(base64encode(local.user_data)) <= 21848
      error_message = "User data exceeds the EC2 limit of 16384 bytes."
    }
  }
}
`,
  example: `
module "app_launch_template" {
  source = "../.."

  name               = "prod-app"
  ami_id             = "ami-0123456789abcdef0"
  instance_type      = "m7i.large"
  security_group_ids = ["sg-0123456789abcdef0"]
  data_volumes = {
    data = { device_name = "/dev/xvdf", size_gib = 100 }
  }
}

${rootSuppressionsHcl(["app_launch_template"])}
`,
  tests: {
    "launch_template.tftest.hcl": `
mock_provider "aws" {
  source = "./tests/mocks"
}

variables {
  name               = "app"
  ami_id             = "ami-0123456789abcdef0"
  instance_type      = "t3.micro"
  security_group_ids = ["sg-0123456789abcdef0"]
}

run "defaults_are_hardened" {
  command = apply

  assert {
    condition     = aws_launch_template.this.metadata_options[0].http_tokens == "required" && aws_launch_template.this.metadata_options[0].http_put_response_hop_limit == 1
    error_message = "IMDSv2 with hop limit 1 is required"
  }
  assert {
    condition     = alltrue([for m in aws_launch_template.this.block_device_mappings : m.ebs[0].encrypted == "true" && m.ebs[0].kms_key_id != null])
    error_message = "every volume must be encrypted with the key"
  }
  assert {
    condition     = aws_launch_template.this.network_interfaces[0].associate_public_ip_address == "false"
    error_message = "no public IP"
  }
  assert {
    condition     = aws_launch_template.this.monitoring[0].enabled
    error_message = "detailed monitoring must be on"
  }
  assert {
    condition     = length(aws_iam_role_policy_attachment.this) == 2
    error_message = "the role has exactly the two managed policies"
  }
  assert {
    condition     = strcontains(base64decode(aws_launch_template.this.user_data), "PermitRootLogin no")
    error_message = "user data hardens sshd"
  }
  assert {
    condition     = !strcontains(base64decode(aws_launch_template.this.user_data), "AllowUsers") && !strcontains(base64decode(aws_launch_template.this.user_data), "saddr") && !strcontains(base64decode(aws_launch_template.this.user_data), "sentinel")
    error_message = "without inputs, no AllowUsers line and nothing inbound in the host firewall"
  }
  assert {
    condition     = length(module.kms_key) == 1
    error_message = "a key is created when none is passed"
  }
}

run "ssh_users_host_firewall_and_extra_parts_go_into_user_data" {
  command = plan
  variables {
    ssh_allow_users       = ["ec2-user"]
    host_firewall_allow   = { ssh = { port = 22, sources = ["10.0.0.0/8", "fd00::/8", "192.168.0.0/16"] }, dns = { port = 53, protocol = "udp", sources = ["fd00::/8"] } }
    extra_user_data_parts = [{ content_type = "text/x-shellscript", content = "#!/bin/bash\\necho keys" }]
  }

  assert {
    condition     = strcontains(base64decode(aws_launch_template.this.user_data), "\\n      AllowUsers ec2-user\\n")
    error_message = "sshd allows the named users only"
  }
  assert {
    condition     = strcontains(base64decode(aws_launch_template.this.user_data), "ip saddr { 10.0.0.0/8, 192.168.0.0/16 } tcp dport 22 accept comment \\"ssh\\"\\n") && strcontains(base64decode(aws_launch_template.this.user_data), "ip6 saddr { fd00::/8 } tcp dport 22 accept comment \\"ssh\\"\\n") && strcontains(base64decode(aws_launch_template.this.user_data), "ip6 saddr { fd00::/8 } udp dport 53 accept comment \\"dns\\"\\n") && !strcontains(base64decode(aws_launch_template.this.user_data), "ip saddr {  }")
    error_message = "the host firewall lets in exactly the listed sources, per family"
  }
  assert {
    condition     = startswith(base64decode(aws_launch_template.this.user_data), "Content-Type: multipart/mixed") && strcontains(base64decode(aws_launch_template.this.user_data), "filename=\\"part-01\\"\\n\\n#!/bin/bash\\necho keys\\n--") && !strcontains(base64decode(aws_launch_template.this.user_data), "sentinel")
    error_message = "extra parts follow the cloud-config as MIME parts"
  }
}

run "disable_services_replaces_the_default_list" {
  command = plan
  variables {
    disable_services = ["postfix", "bluetooth"]
  }
  assert {
    condition     = strcontains(base64decode(aws_launch_template.this.user_data), "  - systemctl disable --now bluetooth 2>/dev/null || true\\n  - systemctl disable --now postfix 2>/dev/null || true\\n") && !strcontains(base64decode(aws_launch_template.this.user_data), "disable --now cups") && !strcontains(base64decode(aws_launch_template.this.user_data), "sentinel")
    error_message = "exactly the listed services are disabled, in name order"
  }
}

run "rejects_a_service_name_with_a_space" {
  command = plan
  variables {
    disable_services = ["cups; reboot"]
  }
  expect_failures = [var.disable_services]
}

run "rejects_an_access_key_in_an_extra_part" {
  command = plan
  variables {
    extra_user_data_parts = [{ content_type = "text/x-shellscript", content = "#!/bin/bash\\nexport AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE" }]
  }
  expect_failures = [var.extra_user_data_parts]
}

run "rejects_a_private_key_in_an_extra_part" {
  command = plan
  variables {
    extra_user_data_parts = [{ content_type = "text/cloud-config", content = "write_files:\\n- content: |\\n    -----BEGIN OPENSSH PRIVATE KEY-----\\n" }]
  }
  expect_failures = [var.extra_user_data_parts]
}

run "rejects_gp3_iops_above_its_limit" {
  command = plan
  variables {
    root_volume = { iops = 16001 }
  }
  expect_failures = [var.root_volume]
}

run "rejects_iops_on_gp2" {
  command = plan
  variables {
    root_volume = { type = "gp2", iops = 3000 }
  }
  expect_failures = [var.root_volume]
}

run "rejects_io2_without_iops" {
  command = plan
  variables {
    data_volumes = { data = { device_name = "/dev/xvdf", size_gib = 100, type = "io2" } }
  }
  expect_failures = [var.data_volumes]
}

run "rejects_io1_iops_above_50_per_gib" {
  command = plan
  variables {
    data_volumes = { data = { device_name = "/dev/xvdf", size_gib = 10, type = "io1", iops = 501 } }
  }
  expect_failures = [var.data_volumes]
}

run "rejects_throughput_on_io2" {
  command = plan
  variables {
    root_volume = { type = "io2", iops = 1000, throughput = 250 }
  }
  expect_failures = [var.root_volume]
}

run "rejects_gp3_throughput_below_125" {
  command = plan
  variables {
    data_volumes = { data = { device_name = "/dev/xvdf", size_gib = 100, throughput = 100 } }
  }
  expect_failures = [var.data_volumes]
}

run "accepts_volumes_at_their_limits" {
  command = plan
  variables {
    root_volume  = { size_gib = 4, type = "io2", iops = 2000 }
    data_volumes = { fast = { device_name = "/dev/xvdf", size_gib = 16384, iops = 16000, throughput = 1000 }, io1 = { device_name = "/dev/xvdg", size_gib = 10, type = "io1", iops = 500 } }
  }
  assert {
    condition     = length(aws_launch_template.this.block_device_mappings) == 3
    error_message = "volumes at the limits are accepted"
  }
}

run "rejects_a_host_firewall_source_with_host_bits" {
  command = plan
  variables {
    host_firewall_allow = { ssh = { port = 22, sources = ["10.0.0.1/8"] } }
  }
  expect_failures = [var.host_firewall_allow]
}

run "rejects_a_malformed_ami" {
  command = plan
  variables {
    ami_id = "ami-123"
  }
  expect_failures = [var.ami_id]
}

run "rejects_an_extra_policy_under_a_built_in_key" {
  command = plan
  variables {
    extra_managed_policy_arns = { ssm = "arn:aws:iam::aws:policy/AdministratorAccess" }
  }
  expect_failures = [var.extra_managed_policy_arns]
}

run "rejects_a_permissions_boundary_that_is_no_policy_arn" {
  command = plan
  variables {
    permissions_boundary_arn = "boundary"
  }
  expect_failures = [var.permissions_boundary_arn]
}

run "rejects_hop_limit_65" {
  command = plan
  variables {
    container_metadata_access = { reason = "containers on the host read metadata", hop_limit = 65 }
  }
  expect_failures = [var.container_metadata_access]
}

run "container_access_needs_a_reason" {
  command = plan
  variables {
    container_metadata_access = { reason = "docker" }
  }
  expect_failures = [var.container_metadata_access]
}

run "container_access_with_a_reason_is_suppressed" {
  command = plan
  variables {
    container_metadata_access = { reason = "containers on the host read metadata" }
    instance_metadata_tags    = true
  }
  assert {
    condition     = aws_launch_template.this.metadata_options[0].http_put_response_hop_limit == 2 && aws_launch_template.this.metadata_options[0].instance_metadata_tags == "enabled"
    error_message = "hop limit 2 and metadata tags as asked"
  }
  assert {
    condition     = length(output.bulwark_suppressions) == 1 && output.bulwark_suppressions[0].rule == "ec2-imds-hop-limit" && output.bulwark_suppressions[0].address == "aws_launch_template.this" && output.bulwark_suppressions[0].reason == "containers on the host read metadata"
    error_message = "the weakening is returned as a suppression entry"
  }
}

run "a_data_volume_named_root_keeps_the_root_volume" {
  command = plan
  variables {
    root_device_name = "/dev/xvdb"
    data_volumes     = { root = { device_name = "/dev/sdf", size_gib = 10 } }
  }
  assert {
    condition     = [for m in aws_launch_template.this.block_device_mappings : m.device_name] == ["/dev/sdf", "/dev/xvdb"]
    error_message = "the root volume on its device and the data volume beside it, in device-name order"
  }
}

run "rejects_a_data_volume_on_the_root_device" {
  command = plan
  variables {
    data_volumes = { data = { device_name = "/dev/xvda", size_gib = 10 } }
  }
  expect_failures = [aws_launch_template.this]
}

run "rejects_two_data_volumes_on_one_device" {
  command = plan
  variables {
    data_volumes = { a = { device_name = "/dev/xvdf", size_gib = 10 }, b = { device_name = "/dev/xvdf", size_gib = 20 } }
  }
  expect_failures = [var.data_volumes]
}

run "rejects_volume_size_0" {
  command = plan
  variables {
    root_volume = { size_gib = 0 }
  }
  expect_failures = [var.root_volume]
}

run "rejects_an_unknown_volume_type" {
  command = plan
  variables {
    root_volume = { type = "gp9" }
  }
  expect_failures = [var.root_volume]
}

run "needs_a_key_when_not_creating_one" {
  command = plan
  variables {
    create_kms_key = false
  }
  expect_failures = [aws_launch_template.this]
}

run "rejects_a_malformed_kms_key_arn" {
  command = plan
  variables {
    kms_key_arn = "arn:aws:kms:eu-west-1:1:key/x"
  }
  expect_failures = [var.kms_key_arn]
}
`,
  },
};

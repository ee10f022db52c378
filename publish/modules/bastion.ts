import { AMI_ID_PATTERN, LOG_RETENTION_DAYS, NAME_PATTERN } from "../../modules/core/validate";
import { OPERATING_SYSTEMS } from "../../modules/launch-template";
import {
  authorizedKeysParameterName,
  BASTION_SECURITY_GROUP_DESCRIPTION,
  BASTION_TAG,
  RSA_MIN_BODY_BYTES,
  SESSION_SHELL_PROFILE,
  SSH_BROAD_PREFIX,
  SSH_KEY_TYPES,
  SSH_PRIVATE_RANGES,
  sshConnectCommand,
  sshKeysScript,
  ssmConnectCommand,
  takeAddressScript,
} from "../../modules/bastion";
import { GROUP_METRICS } from "../../modules/auto-scaling";
import { RuleIds } from "../../modules/core/rule-ids";
import { cidrContainsHcl, isNetworkCidrHcl, isWorldHcl } from "../predicates";
import { rootSuppressionsHcl, suppressionsOutput } from "../suppressions";
import { ACCOUNT_ID_VARIABLE, ACCOUNT_ID_EXPR, CALLER_IDENTITY_HCL, ModuleSpec, hclHeredoc, hclRegex, hclString, hclValue, kmsKeyModuleCall, kmsKeyVariables, KMS_KEY_ARN_EXPR } from "../spec";

/**
 * HCL twin of `isBroadPublicSource` (modules/bastion): a valid CIDR outside the private ranges
 * with a prefix shorter than SSH_BROAD_PREFIX. __tests__/publish/predicates.test.ts evaluates both.
 */
export function isBroadPublicSourceHcl(cidr: string): string {
  const inPrivate = SSH_PRIVATE_RANGES.map((r) => cidrContainsHcl(r, cidr)).join(" || ");
  return `(${isNetworkCidrHcl(cidr)} && !(${inPrivate}) && try(tonumber(split("/", ${cidr})[1]) < (strcontains(${cidr}, ":") ? ${SSH_BROAD_PREFIX.ipv6} : ${SSH_BROAD_PREFIX.ipv4}), false))`;
}

const BASE64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const reChars = (chars: string) => chars.replace(/[+]/g, "\\+");

/**
 * The base64 text every body of a key type starts with: its header (a 4-byte length, then the
 * type name) encoded, the last character as the class of those that carry the header's last bits.
 * HCL cannot decode a key body to bytes (base64decode wants UTF-8), so the module reads the text.
 */
function keyHeaderPattern(type: string): string {
  const header = Buffer.alloc(4 + type.length);
  header.writeUInt32BE(type.length, 0);
  header.write(type, 4, "ascii");
  const whole = Math.floor(header.length / 3) * 3;
  const rest = header.subarray(whole);
  let re = reChars(header.subarray(0, whole).toString("base64"));
  const cls = (from: number, n: number) => `[${reChars(BASE64.slice(from, from + n))}]`;
  if (rest.length === 1) re += reChars(BASE64[rest[0] >> 2]) + cls((rest[0] & 3) << 4, 16);
  if (rest.length === 2) re += reChars(BASE64[rest[0] >> 2] + BASE64[((rest[0] & 3) << 4) | (rest[1] >> 4)]) + cls((rest[1] & 15) << 2, 4);
  return re;
}

/** A key line: a type, a body starting with that type's header, an optional comment (publicKeyProblem's grammar). */
const KEY_LINE_HCL = new RegExp(`^(?:${SSH_KEY_TYPES.map((t) => `${t.replace(/[.]/g, "\\.")} ${keyHeaderPattern(t)}`).join("|")})[A-Za-z0-9+/]*={0,3}(?: [^\\n]*)?$`);

/** HCL twin of `publicKeyProblem(key) === undefined` (modules/bastion); the predicates test evaluates both over the same keys. */
export function isPublicKeyHcl(key: string): string {
  const k = `trimspace(${key})`;
  return `try(can(regex(${hclRegex(KEY_LINE_HCL)}, ${k})) && (!startswith(${k}, "ssh-rsa ") || floor(length(replace(split(" ", ${k})[1], "=", "")) * 3 / 4) >= ${RSA_MIN_BODY_BYTES}), false)`;
}

/** Placeholders the construct's script builders are called with. */
const NAME = "__BULWARK_NAME__";
const REGION = "__BULWARK_REGION__";
const USER = "__BULWARK_USER__";
const ALLOCATION = "__BULWARK_ALLOCATION__";
const IP = "__BULWARK_PUBLIC_IP__";
const scriptRefs = { [NAME]: "var.name", [REGION]: "data.aws_region.current.name", [USER]: "local.ssh_user", [ALLOCATION]: "aws_eip.public_address[0].allocation_id" };

/** The construct's keys command per `restrict_forwarding`/`instance_connect`, keyed "true/false". */
const KEYS_SCRIPTS = [true, false]
  .flatMap((restrict) => [false, true].map((eic) => `    "${restrict}/${eic}" = ${hclHeredoc(sshKeysScript(NAME, REGION, USER, authorizedKeysParameterName(NAME), restrict, eic), scriptRefs, 4)}`))
  .join("\n");

/** A well-formed ed25519 public key for the example and the tests (the key type's header, then 32 bytes): replace it with yours. */
const EXAMPLE_KEY = (() => {
  const type = "ssh-ed25519";
  const header = Buffer.alloc(4 + type.length);
  header.writeUInt32BE(type.length, 0);
  header.write(type, 4, "ascii");
  const material = Buffer.alloc(4 + 32, 0x5a);
  material.writeUInt32BE(32, 0);
  return `${type} ${Buffer.concat([header, material]).toString("base64")}`;
})();

export const bastionModule: ModuleSpec = {
  name: "bastion",
  title: "bastion: a Session Manager bastion, or SSH from an allowlist",
  summary:
    "A bastion reached through Session Manager by default: an Auto Scaling group of exactly one instance (self-healing, rolling refresh) on the hardened launch-template module, a security group with no ingress, session preferences that log every session to a KMS-encrypted log group and encrypt session data, and an operator policy that may start sessions on this bastion and nothing else. `mode = \"ssh\"` is the explicit opt-in to SSH: port 22 from a named allowlist only, in the security group and the host firewall alike, with keys read from an SSM parameter at each login. The construct `Bastion` (modules/bastion) as Terraform.",
  secureDefaults: [
    "No inbound port at all (mode ssm); egress only HTTPS to the VPC endpoints, DNS and SSH inside the VPC.",
    "Sessions streamed to a KMS-encrypted log group kept a year; session data encrypted; idle timeout 15 min; maximum 60 min; run as a non-root user.",
    "Operators may start sessions only on instances tagged as this bastion, only with these preferences.",
    "The hardened launch template: IMDSv2, encrypted volumes, no public IP, SSM role.",
    "A new AMI reaches the bastion: the group follows the template's latest_version, so any template change starts an instance refresh that launches the new instance, waits until it is healthy, then terminates the old one (rolled back if it never becomes healthy).",
    "`mode = \"ssh\"` (explicit opt-in): port 22 only from `ssh.allowlist` (named CIDRs), in the security group and in the host firewall alike. A CIDR covering the internet (`0.0.0.0/0`, `::/0` or any other spelling, judged by parsing as the construct does) and a public range broader than /24 (/56 for IPv6) are refused unless `ssh.allow_broad_sources = { reason = ... }`, which the `bulwark_suppressions` output returns. No default key pair: `ssh.public_keys` (OpenSSH keys, checked like the construct: type, a body whose header matches the type, RSA at least 2048 bits) live in an SSM parameter that sshd reads at each login, so rotating a key replaces no instance. sshd allows only `ssh.user` (never root, no passwords); TCP and agent forwarding and tunnels are off unless `restrict_forwarding = false`.",
    "SSH mode has no public address unless `ssh.public_address = { reason = ... }`: an Elastic IP each instance takes at boot (the role may associate it with this bastion only), returned as a suppression of `ec2-no-public-ip` in `bulwark_suppressions`. EC2 Instance Connect keys are ignored unless `ssh.instance_connect = true`; then the operator policy allows pushing a key to this bastion for the SSH user only.",
    "The user data and the keys command are the construct's, rendered from the same TypeScript builders. Key bodies cannot be decoded to bytes in HCL (`base64decode` wants UTF-8), so the key check reads the base64 text: the header each key type's body starts with (encoded from the same key types) and the RSA body length from the text's length, with the construct's verdicts (`__tests__/publish/predicates.test.ts` evaluates both over valid, truncated, mismatched and short keys).",
  ],
  differences: [
    "`mode`, `ssh` and `os` are checked together by preconditions when Terraform plans, not by `terraform validate`: a validation of Terraform 1.7 sees only its own variable. A `mode = \"ssh\"` without `ssh`, `ssh` with `mode = \"ssm\"`, and SSH mode on Ubuntu without `ssh.aws_cli_on_image = true` fail the plan with the construct's messages.",
    "No `alarm_topic_arn`: the construct's `alarmTopicArn` adds its `AsgAlarms` on a topic of the caller's, and the `alarms` module creates a topic of its own; call the `alarms` module with `autoscaling_group_name = module.<bastion>.autoscaling_group_name` and `min_in_service = 1` instead.",
  ],
  controls: ["SSM.1", "EC2.53", "EC2.54", "CKV_AWS_158"],
  variables: [
    ACCOUNT_ID_VARIABLE,
    { name: "name", type: "string", description: "Bastion name.", validations: [{ condition: 'can(regex("^[A-Za-z][A-Za-z0-9-]{2,40}$", var.name))', message: "name must be 3-41 letters, digits or hyphens, starting with a letter." }] },
    { name: "vpc_id", type: "string", description: "VPC." },
    { name: "vpc_cidr", type: "string", description: "VPC CIDR (DNS and onward SSH).", validations: [{ condition: "can(cidrhost(var.vpc_cidr, 0))", message: "vpc_cidr must be a CIDR." }] },
    {
      name: "mode",
      type: "string",
      description: 'How operators reach the bastion: "ssm" (Session Manager, no inbound port) or "ssh" (port 22 from ssh.allowlist, keys from ssh.public_keys).',
      default: '"ssm"',
      validations: [{ condition: 'contains(["ssm", "ssh"], var.mode)', message: 'mode must be "ssm" or "ssh".' }],
    },
    {
      name: "ssh",
      type: `object({
    allowlist           = map(string)
    public_keys         = map(string)
    user                = optional(string)
    allow_broad_sources = optional(object({ reason = string }))
    restrict_forwarding = optional(bool, true)
    public_address      = optional(object({ reason = string }))
    instance_connect    = optional(bool, false)
    aws_cli_on_image    = optional(bool, false)
  })`,
      description:
        'SSH mode only (the construct\'s ssh): allowlist = source CIDRs keyed by name; public_keys = OpenSSH public keys keyed by name (rotate by editing the map); user = the login user (null: ec2-user on Amazon Linux 2023, ubuntu on Ubuntu); allow_broad_sources = { reason } for the world or a public range broader than /24 (/56); restrict_forwarding = false allows TCP and agent forwarding; public_address = { reason } for an Elastic IP; instance_connect = true admits EC2 Instance Connect keys; aws_cli_on_image = true says an Ubuntu AMI carries the AWS CLI the keys command runs.',
      default: "null",
      validations: [
        { condition: "var.ssh == null ? true : length(var.ssh.allowlist) > 0", message: "ssh.allowlist must name at least one source CIDR." },
        { condition: `var.ssh == null ? true : alltrue([for k in keys(var.ssh.allowlist) : can(regex(${hclRegex(NAME_PATTERN)}, k))])`, message: "ssh.allowlist keys must be a letter, then up to 62 letters, digits or hyphens." },
        { condition: `var.ssh == null ? true : alltrue([for c in values(var.ssh.allowlist) : ${isNetworkCidrHcl("c")}])`, message: "ssh.allowlist values must be IPv4 or IPv6 CIDRs without host bits (and no IPv4 octet with a leading zero)." },
        {
          condition: `var.ssh == null ? true : var.ssh.allow_broad_sources != null || !anytrue([for c in values(var.ssh.allowlist) : ${isWorldHcl("c")}])`,
          message: "ssh.allowlist opens SSH to the whole internet (0.0.0.0/0, ::/0 or another spelling of them); name the office or VPN ranges, or set ssh.allow_broad_sources with a reason.",
        },
        {
          condition: `var.ssh == null ? true : var.ssh.allow_broad_sources != null || !anytrue([for c in values(var.ssh.allowlist) : ${isBroadPublicSourceHcl("c")}])`,
          message: `ssh.allowlist holds a public range broader than /${SSH_BROAD_PREFIX.ipv4} (/${SSH_BROAD_PREFIX.ipv6} for IPv6); narrow it or set ssh.allow_broad_sources with a reason.`,
        },
        {
          condition: "var.ssh == null ? true : var.ssh.allow_broad_sources == null ? true : try(length(trimspace(var.ssh.allow_broad_sources.reason)) >= 10, false)",
          message: "ssh.allow_broad_sources.reason must say why the secure default is weakened (at least 10 characters).",
        },
        { condition: "var.ssh == null ? true : length(var.ssh.public_keys) > 0", message: "ssh.public_keys must hold at least one public key (no default key pair is used)." },
        { condition: `var.ssh == null ? true : alltrue([for k in keys(var.ssh.public_keys) : can(regex(${hclRegex(NAME_PATTERN)}, k))])`, message: "ssh.public_keys keys must be a letter, then up to 62 letters, digits or hyphens." },
        {
          condition: `var.ssh == null ? true : alltrue([for k in values(var.ssh.public_keys) : ${isPublicKeyHcl("k")}])`,
          message: "ssh.public_keys values must be OpenSSH public keys (type, base64 body whose header matches the type, optional comment); RSA keys of at least 2048 bits.",
        },
        { condition: 'var.ssh == null ? true : var.ssh.user == null ? true : can(regex("^[a-z_][a-z0-9_-]{0,31}$", var.ssh.user)) && var.ssh.user != "root"', message: "ssh.user must be a non-root Linux user name." },
        {
          condition: "var.ssh == null ? true : var.ssh.public_address == null ? true : try(length(trimspace(var.ssh.public_address.reason)) >= 10, false)",
          message: "ssh.public_address.reason must say why the secure default is weakened (at least 10 characters).",
        },
      ],
    },
    { name: "subnet_ids", type: "list(string)", description: "Subnets (one instance across them): private for mode ssm, and for mode ssh reached over VPN or Direct Connect; public with ssh.public_address.", validations: [{ condition: "length(var.subnet_ids) > 0", message: "subnet_ids must name at least one subnet." }] },
    { name: "endpoints_security_group_id", type: "string", description: "Security group of the VPC interface endpoints." },
    {
      name: "s3_prefix_list_id",
      type: "string",
      description: "Prefix list of the VPC's S3 gateway endpoint: HTTPS to S3 for the OS package repositories.",
      default: "null",
      validations: [{ condition: 'var.s3_prefix_list_id == null ? true : can(regex("^pl-[0-9a-f]+$", var.s3_prefix_list_id))', message: "s3_prefix_list_id must be a prefix list id (pl-...)." }],
    },
    { name: "ami_id", type: "string", description: "AMI id.", validations: [{ condition: `can(regex(${hclRegex(AMI_ID_PATTERN)}, var.ami_id))`, message: "ami_id must be ami- followed by 8 or 17 hex digits." }] },
    {
      name: "os",
      type: "string",
      description: `Operating system of the AMI: ${OPERATING_SYSTEMS.join(" or ")} (the construct's os). SSH mode on Ubuntu needs ssh.aws_cli_on_image.`,
      default: '"amazon-linux-2023"',
      validations: [{ condition: `contains(${JSON.stringify(OPERATING_SYSTEMS)}, var.os)`, message: `os must be ${OPERATING_SYSTEMS.join(" or ")}.` }],
    },
    { name: "instance_type", type: "string", description: "Instance type.", default: '"t3.micro"' },
    ...kmsKeyVariables("for volumes, session logs and session data"),
    { name: "idle_timeout_minutes", type: "number", description: "Minutes before an idle session ends.", default: "15", validations: [{ condition: "var.idle_timeout_minutes >= 1 && var.idle_timeout_minutes <= 60", message: "idle_timeout_minutes must be 1-60." }] },
    { name: "max_session_minutes", type: "number", description: "Maximum session length.", default: "60", validations: [{ condition: "var.max_session_minutes >= 1 && var.max_session_minutes <= 1440", message: "max_session_minutes must be 1-1440." }] },
    {
      name: "run_as_user",
      type: "string",
      description: "Non-root user sessions run as.",
      default: '"ssm-user"',
      validations: [{ condition: 'can(regex("^[a-z_][a-z0-9_-]{0,31}$", var.run_as_user)) && var.run_as_user != "root"', message: "run_as_user must be a non-root Linux user name." }],
    },
    {
      name: "log_retention_days",
      type: "number",
      description: "Retention of the session log group (at least a year; the construct's logRetentionDays).",
      default: "365",
      validations: [{ condition: `contains(${JSON.stringify(LOG_RETENTION_DAYS)}, var.log_retention_days)`, message: `log_retention_days must be one of ${LOG_RETENTION_DAYS.join(", ")}.` }],
    },
    { name: "operator_group_names", type: "set(string)", description: "IAM groups given the operator policy.", default: "[]" },
    { name: "operator_role_names", type: "set(string)", description: "IAM roles given the operator policy (the construct's operatorRoles).", default: "[]" },
    { name: "instance_tags", type: "map(string)", description: "Extra tags for the instance and its volumes, e.g. a patch group or backup selection (the construct's instanceTags).", default: "{}" },
    { name: "tags", type: "map(string)", description: "Tags.", default: "{}" },
  ],
  outputs: [
    { name: "autoscaling_group_name", value: "aws_autoscaling_group.this.name", description: "Auto Scaling group." },
    { name: "security_group_id", value: "aws_security_group.this.id", description: "Bastion security group (no ingress in mode ssm; port 22 from ssh.allowlist in mode ssh)." },
    { name: "authorized_keys_parameter_name", value: "local.ssh_on ? aws_ssm_parameter.authorized_keys[0].name : null", description: "SSM parameter holding the SSH public keys (mode ssh); null in mode ssm." },
    { name: "public_ip", value: "local.ssh_public_address ? aws_eip.public_address[0].public_ip : null", description: "The Elastic IP (mode ssh with ssh.public_address); null otherwise." },
    { name: "session_document_name", value: "aws_ssm_document.session.name", description: "Session preferences document." },
    { name: "operator_policy_arn", value: "aws_iam_policy.operators.arn", description: "Policy for operators." },
    {
      name: "connect_command",
      // The construct's commands; its document name is the session document's.
      value: `local.ssh_on ? (local.ssh_public_address ? ${hclValue(sshConnectCommand(USER, IP), { ...scriptRefs, [IP]: "aws_eip.public_address[0].public_ip" })} : ${hclValue(sshConnectCommand(USER), scriptRefs)}) : ${hclValue(ssmConnectCommand(NAME, REGION), scriptRefs)}`,
      description: "The command an operator runs to connect.",
    },
    suppressionsOutput([
      // The construct records the reason on the whole bastion (allowBroadSources) and on each world rule (allowWorldAdminAccess).
      `local.ssh_on && try(var.ssh.allow_broad_sources, null) != null ? [{ rule = "${RuleIds.securityGroupAdminPortsFromWorld}", address = "*", reason = var.ssh.allow_broad_sources.reason }] : []`,
      `flatten([for k, c in local.ssh_allowlist : [for rule in ["${RuleIds.securityGroupAdminPortsFromWorld}", "${RuleIds.securityGroupUnauthorizedPortsFromWorld}"] : { rule = rule, address = "aws_vpc_security_group_ingress_rule.ssh[\\"\${k}\\"]", reason = var.ssh.allow_broad_sources.reason }] if ${isWorldHcl("c")} && try(var.ssh.allow_broad_sources, null) != null])`,
      `local.ssh_public_address ? [{ rule = "${RuleIds.instancePublicIp}", address = "aws_eip.public_address[0]", reason = var.ssh.public_address.reason }] : []`,
    ]),
  ],
  uses: ["launch-template", "kms-key"],
  main: `
${CALLER_IDENTITY_HCL}
data "aws_region" "current" {}
data "aws_partition" "current" {}

locals {
  account_id = ${ACCOUNT_ID_EXPR}
  # Mode ssh without ssh is refused by the security group's precondition; nothing else reads a null ssh.
  ssh_on             = var.mode == "ssh" && var.ssh != null
  ssh_allowlist      = local.ssh_on ? try(var.ssh.allowlist, {}) : {}
  ssh_user           = coalesce(try(var.ssh.user, null), var.os == "ubuntu" ? "ubuntu" : "ec2-user")
  ssh_public_address = local.ssh_on && try(var.ssh.public_address, null) != null
  # The construct's keys command (sshKeysScript), per restrict_forwarding/instance_connect.
  ssh_keys_scripts = {
${KEYS_SCRIPTS}
  }
  ssh_keys_script = local.ssh_keys_scripts["\${try(var.ssh.restrict_forwarding, true)}/\${try(var.ssh.instance_connect, false)}"]
}

${kmsKeyModuleCall("\${var.name}/bastion", ["autoscaling", "cloudwatch-logs"])}

resource "aws_security_group" "this" {
  name                   = var.name
  description            = local.ssh_on ? ${hclString(BASTION_SECURITY_GROUP_DESCRIPTION.ssh)} : ${hclString(BASTION_SECURITY_GROUP_DESCRIPTION.ssm)}
  vpc_id                 = var.vpc_id
  revoke_rules_on_delete = true
  tags                   = merge(var.tags, { Name = var.name })

  lifecycle {
    precondition {
      condition     = var.mode != "ssh" || var.ssh != null
      error_message = "ssh is required for mode \\"ssh\\" (allowlist and public keys)."
    }
    precondition {
      condition     = var.mode == "ssh" || var.ssh == null
      error_message = "ssh applies only to mode \\"ssh\\"."
    }
    precondition {
      condition     = !(local.ssh_on && var.os == "ubuntu" && !try(var.ssh.aws_cli_on_image, false))
      error_message = "os \\"ubuntu\\" cannot serve SSH mode as is: the keys command runs the AWS CLI, which Ubuntu images lack; use amazon-linux-2023, or an AMI with the AWS CLI and ssh.aws_cli_on_image = true."
    }
  }
}

# SSH mode: port 22 from each allowlisted CIDR, one rule per name.
resource "aws_vpc_security_group_ingress_rule" "ssh" {
  for_each = local.ssh_allowlist

  security_group_id = aws_security_group.this.id
  description       = "SSH from \${each.key}"
  ip_protocol       = "tcp"
  from_port         = 22
  to_port           = 22
  cidr_ipv4         = strcontains(each.value, ":") ? null : each.value
  cidr_ipv6         = strcontains(each.value, ":") ? each.value : null
  tags              = { Name = "ssh-\${each.key}" }
}

# SSH mode: the keys sshd reads at each login, so rotating a key needs no new instance.
resource "aws_ssm_parameter" "authorized_keys" {
  count = local.ssh_on ? 1 : 0

  name        = "${authorizedKeysParameterName("${var.name}")}"
  description = "SSH public keys of bastion \${var.name}; read at each login, so rotating a key needs no new instance"
  type        = "String"
  value       = join("\\n", [for k in sort(keys(var.ssh.public_keys)) : "\${join(" ", slice(split(" ", trimspace(var.ssh.public_keys[k])), 0, 2))} \${k}"])
  tags        = var.tags
}

# SSH mode with public_address: an Elastic IP each instance takes at boot (a replacement keeps it).
resource "aws_eip" "public_address" {
  count = local.ssh_public_address ? 1 : 0

  domain = "vpc"
  tags   = merge(var.tags, { Name = var.name, "${BASTION_TAG}" = var.name })
}

resource "aws_vpc_security_group_egress_rule" "this" {
  for_each = merge(
    {
      https-endpoints = { description = "HTTPS to the VPC interface endpoints (Session Manager)", protocol = "tcp", port = 443, cidr = null, sg = var.endpoints_security_group_id, pl = null }
      dns-udp         = { description = "DNS to the VPC resolver", protocol = "udp", port = 53, cidr = var.vpc_cidr, sg = null, pl = null }
      dns-tcp         = { description = "DNS over TCP to the VPC resolver", protocol = "tcp", port = 53, cidr = var.vpc_cidr, sg = null, pl = null }
      ssh-vpc         = { description = "SSH onward to hosts inside the VPC", protocol = "tcp", port = 22, cidr = var.vpc_cidr, sg = null, pl = null }
    },
    var.s3_prefix_list_id == null ? {} : {
      https-s3 = { description = "HTTPS to S3 through the gateway endpoint (package repositories)", protocol = "tcp", port = 443, cidr = null, sg = null, pl = var.s3_prefix_list_id }
    },
  )

  security_group_id            = aws_security_group.this.id
  description                  = each.value.description
  ip_protocol                  = each.value.protocol
  from_port                    = each.value.port
  to_port                      = each.value.port
  cidr_ipv4                    = each.value.cidr
  referenced_security_group_id = each.value.sg
  prefix_list_id               = each.value.pl
}

module "launch_template" {
  source = "../launch-template"

  account_id = var.account_id
  name               = var.name
  ami_id             = var.ami_id
  os                 = var.os
  instance_type      = var.instance_type
  security_group_ids = [aws_security_group.this.id]
  create_kms_key     = false
  kms_key_arn        = ${KMS_KEY_ARN_EXPR}
  tags               = merge(var.tags, var.instance_tags, { "${BASTION_TAG}" = var.name })

  # SSH mode: sshd admits the SSH user only, the host firewall lets SSH in from the same allowlist
  # as the security group, and the keys command (and the address takeover) run at first boot.
  ssh_allow_users     = local.ssh_on ? [local.ssh_user] : []
  host_firewall_allow = { for k, v in { ssh = { port = 22, sources = [for n in sort(keys(local.ssh_allowlist)) : local.ssh_allowlist[n]] } } : k => v if local.ssh_on }
  extra_user_data_parts = concat(
    local.ssh_on ? [{ content_type = "text/x-shellscript", content = local.ssh_keys_script }] : [],
    local.ssh_public_address ? [{ content_type = "text/x-shellscript", content = ${hclHeredoc(takeAddressScript(REGION, ALLOCATION), scriptRefs, 4)} }] : [],
  )
}

resource "aws_cloudwatch_log_group" "sessions" {
  name              = "/bulwark/\${var.name}/sessions"
  kms_key_id        = ${KMS_KEY_ARN_EXPR}
  retention_in_days = var.log_retention_days
  tags              = var.tags
}

resource "aws_iam_role_policy" "sessions" {
  name = "session-manager-logging"
  role = module.launch_template.role_name
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = concat([
      { Sid = "WriteSessionLogs", Effect = "Allow", Action = ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"], Resource = [aws_cloudwatch_log_group.sessions.arn, "\${aws_cloudwatch_log_group.sessions.arn}:*"] },
      { Sid = "FindLogGroups", Effect = "Allow", Action = "logs:DescribeLogGroups", Resource = "*" },
      { Sid = "EncryptSessions", Effect = "Allow", Action = ["kms:Decrypt", "kms:GenerateDataKey"], Resource = ${KMS_KEY_ARN_EXPR} },
      ],
      local.ssh_on ? [{ Sid = "ReadAuthorizedKeys", Effect = "Allow", Action = "ssm:GetParameter", Resource = aws_ssm_parameter.authorized_keys[0].arn }] : [],
      # One list per statement: a conditional's two tuples must have one type.
      local.ssh_public_address ? [{
        Sid      = "TakeThePublicAddress"
        Effect   = "Allow"
        Action   = "ec2:AssociateAddress"
        Resource = "arn:\${data.aws_partition.current.partition}:ec2:\${data.aws_region.current.name}:\${local.account_id}:elastic-ip/\${aws_eip.public_address[0].allocation_id}"
      }] : [],
      local.ssh_public_address ? [{
        Sid       = "OnlyForThisBastion"
        Effect    = "Allow"
        Action    = "ec2:AssociateAddress"
        Resource  = "arn:\${data.aws_partition.current.partition}:ec2:\${data.aws_region.current.name}:\${local.account_id}:instance/*"
        Condition = { StringEquals = { "ec2:ResourceTag/${BASTION_TAG}" = var.name } }
      }] : [],
    )
  })
}

resource "aws_ssm_document" "session" {
  name            = "\${var.name}-session-preferences"
  document_type   = "Session"
  document_format = "JSON"
  content = jsonencode({
    schemaVersion = "1.0"
    description   = "Session Manager preferences of bastion \${var.name}: encrypted, logged, time-limited, non-root"
    sessionType   = "Standard_Stream"
    inputs = {
      s3BucketName                = ""
      s3EncryptionEnabled         = true
      cloudWatchLogGroupName      = aws_cloudwatch_log_group.sessions.name
      cloudWatchEncryptionEnabled = true
      cloudWatchStreamingEnabled  = true
      kmsKeyId                    = ${KMS_KEY_ARN_EXPR}
      runAsEnabled                = true
      runAsDefaultUser            = var.run_as_user
      idleSessionTimeout          = tostring(var.idle_timeout_minutes)
      maxSessionDuration          = tostring(var.max_session_minutes)
      shellProfile                = { ${Object.entries(SESSION_SHELL_PROFILE).map(([k, v]) => `${k} = ${JSON.stringify(v)}`).join(", ")} }
    }
  })
  tags = var.tags
}

resource "aws_autoscaling_group" "this" {
  name                = var.name
  min_size            = 1
  max_size            = 1
  desired_capacity    = 1
  vpc_zone_identifier = var.subnet_ids
  health_check_type   = "EC2"
  # Group metrics, as the construct's HardenedAutoScalingGroup enables them: an in-service alarm needs them.
  enabled_metrics     = ${JSON.stringify(GROUP_METRICS).replace(/,/g, ", ")}
  metrics_granularity = "1Minute"

  # latest_version, not "$Latest": the provider starts an instance refresh only when this block
  # changes, so a new AMI (any template change) now replaces the running instance.
  launch_template {
    id      = module.launch_template.id
    version = module.launch_template.latest_version
  }

  # The new instance is launched and healthy before the old one is terminated (a group of one may
  # run two for the warm-up); a refresh whose instance never becomes healthy rolls back.
  instance_refresh {
    strategy = "Rolling"
    preferences {
      min_healthy_percentage       = 100
      max_healthy_percentage       = 200
      instance_warmup              = 300
      auto_rollback                = true
      skip_matching                = true
      scale_in_protected_instances = "Refresh"
      standby_instances            = "Terminate"
    }
  }

  dynamic "tag" {
    for_each = merge(var.instance_tags, { "${BASTION_TAG}" = var.name })
    content {
      key                 = tag.key
      value               = tag.value
      propagate_at_launch = true
    }
  }
}

resource "aws_iam_policy" "operators" {
  name        = "\${var.name}-operators"
  description = "Start Session Manager sessions on bastion \${var.name} only, with its preferences"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = concat([
      {
        Sid       = "StartSessionOnThisBastion"
        Effect    = "Allow"
        Action    = "ssm:StartSession"
        Resource  = "arn:\${data.aws_partition.current.partition}:ec2:\${data.aws_region.current.name}:\${local.account_id}:instance/*"
        Condition = { StringEquals = { "ssm:resourceTag/${BASTION_TAG}" = var.name } }
      },
      { Sid = "UseTheseSessionPreferences", Effect = "Allow", Action = "ssm:StartSession", Resource = aws_ssm_document.session.arn },
      { Sid = "ManageOwnSessions", Effect = "Allow", Action = ["ssm:TerminateSession", "ssm:ResumeSession"], Resource = "arn:\${data.aws_partition.current.partition}:ssm:*:\${local.account_id}:session/$\${aws:userid}-*" },
      { Sid = "EncryptSessionData", Effect = "Allow", Action = "kms:GenerateDataKey", Resource = ${KMS_KEY_ARN_EXPR} },
      { Sid = "FindTheBastion", Effect = "Allow", Action = ["ec2:DescribeInstances", "ssm:DescribeSessions", "ssm:GetConnectionStatus"], Resource = "*" },
      ],
      local.ssh_on && try(var.ssh.instance_connect, false) ? [{
        Sid       = "InstanceConnectToThisBastion"
        Effect    = "Allow"
        Action    = "ec2-instance-connect:SendSSHPublicKey"
        Resource  = "arn:\${data.aws_partition.current.partition}:ec2:\${data.aws_region.current.name}:\${local.account_id}:instance/*"
        Condition = { StringEquals = { "ec2:ResourceTag/${BASTION_TAG}" = var.name, "ec2:osuser" = local.ssh_user } }
      }] : [],
    )
  })
  tags = var.tags
}

resource "aws_iam_group_policy_attachment" "operators" {
  for_each = var.operator_group_names

  group      = each.key
  policy_arn = aws_iam_policy.operators.arn
}

resource "aws_iam_role_policy_attachment" "operators" {
  for_each = var.operator_role_names

  role       = each.key
  policy_arn = aws_iam_policy.operators.arn
}
`,
  example: `
module "bastion" {
  source = "../.."

  name                        = "prod-bastion"
  vpc_id                      = "vpc-0123456789abcdef0"
  vpc_cidr                    = "10.20.0.0/16"
  subnet_ids                  = ["subnet-0123456789abcdef0"]
  endpoints_security_group_id = "sg-0123456789abcdef0"
  ami_id                      = "ami-0123456789abcdef0"
  operator_group_names        = ["platform-admins"]
}

# SSH instead of Session Manager, an explicit opt-in: port 22 from the named ranges only.
module "bastion_ssh" {
  source = "../.."

  name                        = "prod-ssh-bastion"
  mode                        = "ssh"
  vpc_id                      = "vpc-0123456789abcdef0"
  vpc_cidr                    = "10.20.0.0/16"
  subnet_ids                  = ["subnet-0123456789abcdef0"]
  endpoints_security_group_id = "sg-0123456789abcdef0"
  ami_id                      = "ami-0123456789abcdef0"
  ssh = {
    allowlist   = { office = "203.0.113.0/24", vpn = "10.8.0.0/16" }
    public_keys = { alice = "${EXAMPLE_KEY} alice@laptop" }
  }
}

${rootSuppressionsHcl(["bastion", "bastion_ssh"])}
`,
  tests: {
    "bastion.tftest.hcl": `
mock_provider "aws" {
  source = "./tests/mocks"
}

variables {
  name                        = "bastion"
  vpc_id                      = "vpc-0123456789abcdef0"
  vpc_cidr                    = "10.0.0.0/16"
  subnet_ids                  = ["subnet-0123456789abcdef0"]
  endpoints_security_group_id = "sg-0123456789abcdef0"
  ami_id                      = "ami-0123456789abcdef0"
}

run "session_manager_only" {
  command = apply

  assert {
    condition     = length(aws_security_group.this.ingress) == 0
    error_message = "the bastion has no ingress"
  }
  assert {
    condition     = length(aws_vpc_security_group_egress_rule.this) == 4 && !contains(keys(aws_vpc_security_group_egress_rule.this), "https-s3")
    error_message = "egress to the endpoints, DNS and onward SSH only"
  }
  assert {
    condition     = aws_autoscaling_group.this.min_size == 1 && aws_autoscaling_group.this.max_size == 1
    error_message = "exactly one self-healing instance"
  }
  assert {
    condition     = aws_autoscaling_group.this.launch_template[0].version == tostring(module.launch_template.latest_version)
    error_message = "the group follows the template's latest_version, so a template change starts a refresh"
  }
  assert {
    condition     = aws_autoscaling_group.this.instance_refresh[0].preferences[0].min_healthy_percentage == 100 && aws_autoscaling_group.this.instance_refresh[0].preferences[0].max_healthy_percentage == 200 && aws_autoscaling_group.this.instance_refresh[0].preferences[0].auto_rollback
    error_message = "the new instance is healthy before the old one goes, and a failed refresh rolls back"
  }
  assert {
    condition     = jsondecode(aws_ssm_document.session.content).inputs.cloudWatchEncryptionEnabled && jsondecode(aws_ssm_document.session.content).inputs.kmsKeyId != ""
    error_message = "sessions are logged encrypted with the key"
  }
  assert {
    condition     = jsondecode(aws_ssm_document.session.content).inputs.runAsDefaultUser == "ssm-user"
    error_message = "sessions run as a non-root user"
  }
  assert {
    condition     = jsondecode(aws_ssm_document.session.content).inputs.shellProfile.linux == ${JSON.stringify(SESSION_SHELL_PROFILE.linux)}
    error_message = "sessions start a login shell, as the construct's"
  }
  assert {
    condition     = contains(aws_autoscaling_group.this.enabled_metrics, "GroupInServiceInstances")
    error_message = "group metrics are enabled (an in-service alarm needs them)"
  }
  assert {
    condition     = jsondecode(aws_iam_policy.operators.policy).Statement[0].Condition.StringEquals["ssm:resourceTag/${BASTION_TAG}"] == "bastion"
    error_message = "operators may start sessions on this bastion only"
  }
  assert {
    condition     = output.connect_command == ${hclString(ssmConnectCommand("bastion", "eu-west-1"))} && aws_ssm_document.session.name == "bastion-session-preferences"
    error_message = "the connect command is the construct's, in the bastion's region, naming the session document"
  }
}

run "https_to_s3_only_when_given_the_prefix_list" {
  command = plan
  variables {
    s3_prefix_list_id = "pl-6ea54007"
  }

  assert {
    condition     = aws_vpc_security_group_egress_rule.this["https-s3"].prefix_list_id == "pl-6ea54007" && aws_vpc_security_group_egress_rule.this["https-s3"].from_port == 443
    error_message = "HTTPS to S3 goes through the gateway endpoint's prefix list"
  }
  assert {
    condition     = length(aws_vpc_security_group_egress_rule.this) == 5
    error_message = "one more egress rule, nothing else"
  }
}

run "rejects_a_malformed_prefix_list" {
  command = plan
  variables {
    s3_prefix_list_id = "sg-123"
  }
  expect_failures = [var.s3_prefix_list_id]
}

run "rejects_root_as_run_as_user" {
  command = plan
  variables {
    run_as_user = "root"
  }
  expect_failures = [var.run_as_user]
}

run "rejects_no_subnets" {
  command = plan
  variables {
    subnet_ids = []
  }
  expect_failures = [var.subnet_ids]
}

run "rejects_a_malformed_ami" {
  command = plan
  variables {
    ami_id = "ami-xyz"
  }
  expect_failures = [var.ami_id]
}

run "ssh_from_the_allowlist_only" {
  command = apply
  variables {
    mode = "ssh"
    ssh = {
      allowlist        = { office = "203.0.113.0/24", vpn = "10.8.0.0/16", office-v6 = "2001:db8:1::/56" }
      public_keys      = { alice = "${EXAMPLE_KEY} alice@laptop", bob = "  ${EXAMPLE_KEY}  " }
      instance_connect = true
    }
  }

  assert {
    condition     = length(aws_vpc_security_group_ingress_rule.ssh) == 3 && aws_vpc_security_group_ingress_rule.ssh["office"].cidr_ipv4 == "203.0.113.0/24" && aws_vpc_security_group_ingress_rule.ssh["office-v6"].cidr_ipv6 == "2001:db8:1::/56" && alltrue([for r in values(aws_vpc_security_group_ingress_rule.ssh) : r.from_port == 22 && r.to_port == 22 && r.ip_protocol == "tcp"])
    error_message = "port 22 only, from each allowlisted range"
  }
  assert {
    condition     = aws_security_group.this.description == ${JSON.stringify(BASTION_SECURITY_GROUP_DESCRIPTION.ssh)} && length(aws_vpc_security_group_egress_rule.this) == 4
    error_message = "the SSH group keeps the egress of mode ssm"
  }
  assert {
    condition     = aws_ssm_parameter.authorized_keys[0].value == "${EXAMPLE_KEY} alice\\n${EXAMPLE_KEY} bob" && aws_ssm_parameter.authorized_keys[0].name == "/bulwark/bastion/authorized-keys"
    error_message = "the keys live in the SSM parameter, one line per name, comments dropped"
  }
  assert {
    condition     = contains([for st in jsondecode(aws_iam_role_policy.sessions.policy).Statement : st.Sid], "ReadAuthorizedKeys") && !contains([for st in jsondecode(aws_iam_role_policy.sessions.policy).Statement : st.Sid], "TakeThePublicAddress")
    error_message = "the instance may read its keys and take no address"
  }
  assert {
    condition     = one([for st in jsondecode(aws_iam_policy.operators.policy).Statement : st.Condition.StringEquals["ec2:osuser"] if st.Sid == "InstanceConnectToThisBastion"]) == "ec2-user"
    error_message = "Instance Connect keys only for the SSH user"
  }
  assert {
    condition     = length(aws_eip.public_address) == 0 && startswith(output.connect_command, "ssh -J ec2-user@<bastion private address> ") && length(output.bulwark_suppressions) == 0
    error_message = "no public address, nothing weakened"
  }
}

run "ssh_from_the_world_with_reasons" {
  command = apply
  variables {
    mode = "ssh"
    ssh = {
      allowlist           = { anywhere = "0.0.0.0/0" }
      public_keys         = { alice = "${EXAMPLE_KEY}" }
      user                = "ops"
      allow_broad_sources = { reason = "vendor support over the internet, ticket SEC-42" }
      public_address      = { reason = "no VPN in this account yet, ticket NET-7" }
      restrict_forwarding = false
    }
  }

  assert {
    condition     = length(aws_eip.public_address) == 1 && contains([for st in jsondecode(aws_iam_role_policy.sessions.policy).Statement : st.Sid], "TakeThePublicAddress") && strcontains(output.connect_command, "ssh -J ops@")
    error_message = "the Elastic IP, the right to take it, and the command naming it"
  }
  assert {
    condition     = toset([for e in output.bulwark_suppressions : "\${e.rule} \${e.address}"]) == toset(["${RuleIds.securityGroupAdminPortsFromWorld} *", "${RuleIds.securityGroupAdminPortsFromWorld} aws_vpc_security_group_ingress_rule.ssh[\\"anywhere\\"]", "${RuleIds.securityGroupUnauthorizedPortsFromWorld} aws_vpc_security_group_ingress_rule.ssh[\\"anywhere\\"]", "${RuleIds.instancePublicIp} aws_eip.public_address[0]"])
    error_message = "every weakened default is returned with its reason"
  }
}

run "rejects_ssh_from_the_world_without_a_reason" {
  command = plan
  variables {
    mode = "ssh"
    ssh  = { allowlist = { anywhere = "::0/0" }, public_keys = { alice = "${EXAMPLE_KEY}" } }
  }
  expect_failures = [var.ssh]
}

run "rejects_a_broad_public_range_without_a_reason" {
  command = plan
  variables {
    mode = "ssh"
    ssh  = { allowlist = { isp = "198.51.0.0/16" }, public_keys = { alice = "${EXAMPLE_KEY}" } }
  }
  expect_failures = [var.ssh]
}

run "rejects_a_truncated_public_key" {
  command = plan
  variables {
    mode = "ssh"
    ssh  = { allowlist = { office = "203.0.113.0/24" }, public_keys = { alice = "ssh-ed25519 AAAA" } }
  }
  expect_failures = [var.ssh]
}

run "rejects_ssh_mode_without_ssh" {
  command = plan
  variables {
    mode = "ssh"
  }
  expect_failures = [aws_security_group.this]
}

run "options_reach_the_resources" {
  command = plan
  variables {
    os                  = "ubuntu"
    log_retention_days  = 731
    operator_role_names = ["oncall"]
    instance_tags       = { "Patch Group" = "bastions" }
  }
  assert {
    condition     = aws_cloudwatch_log_group.sessions.retention_in_days == 731
    error_message = "session logs are kept as long as asked"
  }
  assert {
    condition     = keys(aws_iam_role_policy_attachment.operators) == ["oncall"] && length(aws_iam_group_policy_attachment.operators) == 0
    error_message = "the operator policy goes to the named role"
  }
  assert {
    condition     = { for t in aws_autoscaling_group.this.tag : t.key => t.value if t.propagate_at_launch } == { "Patch Group" = "bastions", "${BASTION_TAG}" = "bastion" }
    error_message = "the instance tags and the bastion tag propagate to the instance"
  }
}

run "ssh_on_ubuntu_with_the_aws_cli_logs_in_as_ubuntu" {
  command = plan
  variables {
    os   = "ubuntu"
    mode = "ssh"
    ssh  = { allowlist = { office = "203.0.113.0/24" }, public_keys = { alice = "${EXAMPLE_KEY}" }, aws_cli_on_image = true, instance_connect = true }
  }
  assert {
    condition     = [for st in jsondecode(aws_iam_policy.operators.policy).Statement : st.Condition.StringEquals["ec2:osuser"] if st.Sid == "InstanceConnectToThisBastion"] == ["ubuntu"] && startswith(output.connect_command, "ssh -J ubuntu@")
    error_message = "the SSH user defaults to ubuntu on Ubuntu, as the construct's"
  }
}

run "rejects_ssh_on_ubuntu_without_the_aws_cli" {
  command = plan
  variables {
    os   = "ubuntu"
    mode = "ssh"
    ssh  = { allowlist = { office = "203.0.113.0/24" }, public_keys = { alice = "${EXAMPLE_KEY}" } }
  }
  expect_failures = [aws_security_group.this]
}

run "rejects_a_log_retention_of_30_days" {
  command = plan
  variables {
    log_retention_days = 30
  }
  expect_failures = [var.log_retention_days]
}

run "rejects_an_unknown_os" {
  command = plan
  variables {
    os = "windows"
  }
  expect_failures = [var.os]
}
`,
  },
};

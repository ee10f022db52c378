import { DEFAULT_INTERFACE_ENDPOINTS, FLOW_LOG_DESTINATIONS, NAT_MODES } from "../../modules/network";
import { RuleIds } from "../../modules/core/rule-ids";
import { AVAILABILITY_ZONE_PATTERN, S3_BUCKET_ARN_PATTERN } from "../../modules/core/validate";
import { rootSuppressionsHcl, suppressionsOutput, suppressionWhen } from "../suppressions";
import { PRESET_DEFAULTS } from "../../modules/network-acl/rules";
import { LOG_RETENTION_DAYS } from "../../modules/launch-template";
import { ACCOUNT_ID_VARIABLE, ModuleSpec, hclRegex, hclServiceRole, kmsKeyModuleCall, kmsKeyVariables, KMS_KEY_ARN_EXPR } from "../spec";
import { NACL_RULE_TYPE } from "./network-acl";

const subnetVar = (tier: string, required: boolean) => ({
  name: `${tier}_subnets`,
  type: "map(string)",
  description: `${tier[0].toUpperCase()}${tier.slice(1)} subnet CIDRs keyed by availability zone${required ? "" : " (empty: no such tier)"}.`,
  ...(required ? {} : { default: "{}" }),
  validations: [
    { condition: `alltrue([for az, c in var.${tier}_subnets : can(regex(${hclRegex(AVAILABILITY_ZONE_PATTERN)}, az)) && can(cidrhost(c, 0)) && !strcontains(c, ":")])`, message: `${tier}_subnets must map availability zones (eu-west-1a) to IPv4 CIDRs.` },
    { condition: `alltrue([for c in values(var.${tier}_subnets) : tonumber(split("/", c)[1]) <= 28])`, message: `${tier}_subnets must be /28 or larger.` },
    ...(required ? [{ condition: `length(var.${tier}_subnets) > 0`, message: `${tier}_subnets must name at least one availability zone.` }] : []),
  ],
});

export const networkModule: ModuleSpec = {
  name: "network",
  title: "network: a private-by-default VPC",
  summary:
    "A VPC whose subnets never assign public IPs, with route tables per tier, optional NAT, Session Manager / logs / KMS / CloudWatch / EC2 interface endpoints and an S3 gateway endpoint (private instances are managed and monitored with no NAT), the default security group and ACL taken over with no rules, a network ACL per tier with the construct's presets (their return traffic included), and flow logs of ALL traffic to a KMS-encrypted log group.",
  secureDefaults: [
    "`map_public_ip_on_launch = false` on every subnet (EC2.15).",
    "Default security group and default network ACL managed with no rules (EC2.2, CIS 5.5); no subnet stays on the default ACL.",
    "Each tier's subnets on their own network ACL (the `network-acl` module), with the construct's preset per tier: public = public-web (80/443 in, the app port to the private subnets, their HTTPS through NAT), private = app (the app port from the public subnets, the data ports to the isolated subnets, HTTPS to the endpoints, HTTPS from every private subnet to the endpoints' interfaces in the others, out through NAT when there is one, else to S3), isolated = data (the data ports from the private subnets); each with its stateless return traffic. `acl_rules` replaces a tier's preset, as the construct's aclRules.",
    "Flow logs of ALL traffic, 60-second aggregation, to a KMS-encrypted log group kept a year, through a role that may write only that group (EC2.6, CIS 3.7), or to the caller's bucket with `flow_log_destination = \"s3\"`; off only with `disable_flow_logs_reason`.",
    "Every weakening this call makes (flow logs off, a tier ACL rule with `allow_world_admin_reason` in `acl_rules`) comes back with its rule id and reason in the `bulwark_suppressions` output, for `bulwark-suppressions.yaml` (see the example), as the construct records it.",
    "Interface endpoints accept HTTPS from the VPC only.",
    "No NAT unless asked (`nat_gateways`: none, single or per-az, as the construct's natGateways); internet gateway only with public subnets.",
  ],
  controls: ["EC2.2", "EC2.6", "EC2.15", "CIS 3.7", "CIS 5.5", "CKV2_AWS_11", "CKV2_AWS_12"],
  variables: [
    ACCOUNT_ID_VARIABLE,
    { name: "name", type: "string", description: "Name prefix.", validations: [{ condition: 'can(regex("^[A-Za-z][A-Za-z0-9-]{0,40}$", var.name))', message: "name must be a letter, then up to 40 letters, digits or hyphens." }] },
    {
      name: "cidr",
      type: "string",
      description: "VPC IPv4 CIDR, /16 to /28.",
      validations: [{ condition: 'can(cidrhost(var.cidr, 0)) && !strcontains(var.cidr, ":") ? tonumber(split("/", var.cidr)[1]) >= 16 && tonumber(split("/", var.cidr)[1]) <= 28 : false', message: "cidr must be an IPv4 CIDR from /16 to /28." }],
    },
    subnetVar("private", true),
    subnetVar("public", false),
    subnetVar("isolated", false),
    {
      name: "nat_gateways",
      type: "string",
      description:
        "NAT for the private subnets' internet egress (the construct's natGateways): none; single (one gateway in the first public subnet); per-az (one per availability zone, each zone's private subnets routed through their own, so one zone's outage leaves the others' egress up).",
      default: '"none"',
      validations: [{ condition: `contains(${JSON.stringify(NAT_MODES)}, var.nat_gateways)`, message: `nat_gateways must be one of ${NAT_MODES.join(", ")}.` }],
    },
    {
      name: "app_port",
      type: "number",
      description: "Port of the app tier, for the ACL presets (the construct's appPort).",
      default: String(PRESET_DEFAULTS.appPort),
      validations: [{ condition: "var.app_port >= 1 && var.app_port <= 65535 && floor(var.app_port) == var.app_port", message: "app_port must be a port 1-65535." }],
    },
    {
      name: "data_ports",
      type: "list(number)",
      description: "Ports of the data tier, for the ACL presets (the construct's dataPorts).",
      default: JSON.stringify(PRESET_DEFAULTS.dataPorts),
      validations: [{ condition: "alltrue([for p in var.data_ports : p >= 1 && p <= 65535 && floor(p) == p])", message: "data_ports must be ports 1-65535." }],
    },
    {
      name: "acl_rules",
      type: `map(map(${NACL_RULE_TYPE}))`,
      description: "Network ACL rules per tier (public, private, isolated), keyed by name as the network-acl module's rules; a tier named here gets these rules instead of its preset (the construct's aclRules).",
      default: "{}",
      validations: [{ condition: 'alltrue([for t in keys(var.acl_rules) : contains(["public", "private", "isolated"], t)])', message: "acl_rules keys must be public, private or isolated." }],
    },
    {
      name: "acl_rule_quota",
      type: "number",
      description:
        "Rules each tier's ACL may hold per direction (the construct's aclRuleQuota, the network-acl module's rule_quota): the AWS quota is 20, raisable to 40; the private preset holds a rule per public, isolated and private subnet (and per data port) each way.",
      default: "20",
      validations: [{ condition: "var.acl_rule_quota >= 1 && var.acl_rule_quota <= 40 && floor(var.acl_rule_quota) == var.acl_rule_quota", message: "acl_rule_quota must be a whole number from 1 to 40." }],
    },
    {
      name: "interface_endpoints",
      type: "set(string)",
      description: "Interface endpoints in the private subnets.",
      default: JSON.stringify([...DEFAULT_INTERFACE_ENDPOINTS]),
      validations: [{ condition: 'alltrue([for s in var.interface_endpoints : can(regex("^[a-z0-9.-]+$", s))])', message: "interface_endpoints must be service names such as ssm." }],
    },
    ...kmsKeyVariables("of the flow-log group"),
    {
      name: "flow_log_destination",
      type: "string",
      description: "Where flow logs go (the construct's flowLogs.destination): cloudwatch, a KMS-encrypted log group of this module written through a role that may write only it; or s3, the bucket flow_log_bucket_arn.",
      default: '"cloudwatch"',
      validations: [{ condition: `contains(${JSON.stringify(FLOW_LOG_DESTINATIONS)}, var.flow_log_destination)`, message: `flow_log_destination must be one of ${FLOW_LOG_DESTINATIONS.join(", ")}.` }],
    },
    {
      name: "flow_log_bucket_arn",
      type: "string",
      description: "Bucket of the s3 flow-log destination (the construct's flowLogs.bucketArn).",
      default: "null",
      validations: [{ condition: `var.flow_log_bucket_arn == null ? true : can(regex(${hclRegex(S3_BUCKET_ARN_PATTERN)}, var.flow_log_bucket_arn))`, message: "flow_log_bucket_arn must be an S3 bucket ARN (arn:aws:s3:::<bucket>)." }],
    },
    {
      name: "disable_flow_logs_reason",
      type: "string",
      description: "Turns flow logs off (the construct's disableFlowLogs); says why. Returned in the bulwark_suppressions output (vpc-flow-logs).",
      default: "null",
      validations: [{ condition: "var.disable_flow_logs_reason == null ? true : length(trimspace(var.disable_flow_logs_reason)) >= 10", message: "disable_flow_logs_reason must say why flow logs are off (at least 10 characters)." }],
    },
    {
      name: "flow_log_retention_days",
      type: "number",
      description: "Flow-log retention (at least a year).",
      default: "365",
      validations: [{ condition: `contains(${JSON.stringify(LOG_RETENTION_DAYS)}, var.flow_log_retention_days)`, message: `flow_log_retention_days must be one of ${LOG_RETENTION_DAYS.join(", ")}.` }],
    },
    { name: "tags", type: "map(string)", description: "Tags.", default: "{}" },
  ],
  outputs: [
    { name: "vpc_id", value: "aws_vpc.this.id", description: "VPC id." },
    { name: "cidr", value: "aws_vpc.this.cidr_block", description: "VPC CIDR." },
    { name: "private_subnet_ids", value: '{ for k, s in aws_subnet.this : split("/", k)[1] => s.id if startswith(k, "private/") }', description: "Private subnet ids by availability zone." },
    { name: "public_subnet_ids", value: '{ for k, s in aws_subnet.this : split("/", k)[1] => s.id if startswith(k, "public/") }', description: "Public subnet ids by availability zone." },
    { name: "isolated_subnet_ids", value: '{ for k, s in aws_subnet.this : split("/", k)[1] => s.id if startswith(k, "isolated/") }', description: "Isolated subnet ids by availability zone." },
    { name: "endpoints_security_group_id", value: "aws_security_group.endpoints.id", description: "Security group of the interface endpoints." },
    { name: "s3_prefix_list_id", value: "aws_vpc_endpoint.s3.prefix_list_id", description: "Prefix list of the S3 gateway endpoint." },
    { name: "flow_log_id", value: "one(aws_flow_log.this[*].id)", description: "Flow log id (null when flow logs are off)." },
    { name: "network_acl_ids", value: "{ for t, acl in module.acl : t => acl.id }", description: "Network ACL id of each tier." },
    { name: "network_acl_rule_numbers", value: "{ for t, acl in module.acl : t => acl.rule_numbers }", description: "Rule number of each named ACL rule, per tier." },
    suppressionsOutput([
      suppressionWhen("var.disable_flow_logs_reason != null", RuleIds.flowLogs, "aws_vpc.this", "var.disable_flow_logs_reason"),
      // Each tier's ACL weakenings (acl_rules with allow_world_admin_reason), at their address in this module.
      'flatten([for t, acl in module.acl : [for e in acl.bulwark_suppressions : merge(e, { address = "module.acl[\\"${t}\\"].${e.address}" })]])',
    ]),
  ],
  uses: ["kms-key", "network-acl"],
  main: `
data "aws_region" "current" {}

locals {
  tiers = { private = var.private_subnets, public = var.public_subnets, isolated = var.isolated_subnets }
  subnets = merge([for tier, m in local.tiers : { for az, cidr in m : "\${tier}/\${az}" => { tier = tier, az = az, cidr = cidr } }]...)
  vpc_prefix  = tonumber(split("/", var.cidr)[1])
  # NAT gateways by availability zone; private route tables per zone with per-az NAT, else one.
  nat_azs     = var.nat_gateways == "per-az" ? sort(keys(var.public_subnets)) : var.nat_gateways == "single" && length(var.public_subnets) > 0 ? [sort(keys(var.public_subnets))[0]] : []
  table_of    = { for k, s in local.subnets : k => s.tier == "private" && var.nat_gateways == "per-az" ? "private-\${s.az}" : s.tier }
  # The construct's ACL presets per tier, over the subnet CIDRs in zone order.
  cidrs_of = { for tier, m in local.tiers : tier => [for az in sort(keys(m)) : m[az]] }
  # The interface endpoints have an interface in every private subnet, and their Regional DNS name
  # resolves to all of them: the private ACL admits HTTPS from every private subnet (their clients).
  endpoint_clients = length(var.interface_endpoints) > 0 ? local.cidrs_of.private : []
  acl_presets = {
    public   = { tier = "public-web", app_cidrs = local.cidrs_of.private, app_port = var.app_port, nat_client_cidrs = var.nat_gateways == "none" ? [] : local.cidrs_of.private }
    private  = { tier = "app", web_cidrs = local.cidrs_of.public, data_cidrs = local.cidrs_of.isolated, app_port = var.app_port, data_ports = var.data_ports, vpc_cidr = var.cidr, endpoint_client_cidrs = local.endpoint_clients, https_to_internet = var.nat_gateways != "none", https_to_s3 = true }
    isolated = { tier = "data", app_cidrs = local.cidrs_of.private, data_ports = var.data_ports }
  }
  # Flow logs to a log group of this module (the default), to the caller's bucket, or off with a reason.
  flow_log_group = var.disable_flow_logs_reason == null && var.flow_log_destination == "cloudwatch"
  private_nat = { for t in distinct([for k, s in local.subnets : local.table_of[k] if s.tier == "private"]) : t => var.nat_gateways == "per-az" ? trimprefix(t, "private-") : local.nat_azs[0] if length(local.nat_azs) > 0 }
}

resource "aws_vpc" "this" {
  cidr_block           = var.cidr
  enable_dns_hostnames = true
  enable_dns_support   = true
  tags                 = merge(var.tags, { Name = var.name })

  lifecycle {
    precondition {
      # A subnet fits when its network address, masked to the VPC prefix, is the VPC's.
      condition     = alltrue([for s in values(local.subnets) : tonumber(split("/", s.cidr)[1]) >= local.vpc_prefix && cidrhost("\${cidrhost(s.cidr, 0)}/\${local.vpc_prefix}", 0) == cidrhost(var.cidr, 0)])
      error_message = "Every subnet CIDR must lie inside the VPC CIDR."
    }
    precondition {
      condition     = var.flow_log_destination != "s3" || var.flow_log_bucket_arn != null
      error_message = "flow_log_destination s3 needs flow_log_bucket_arn."
    }
    precondition {
      condition     = var.nat_gateways == "none" || length(var.public_subnets) > 0
      error_message = "nat_gateways needs public_subnets to hold the NAT gateways."
    }
    precondition {
      condition     = var.nat_gateways != "per-az" || alltrue([for az in keys(var.private_subnets) : contains(keys(var.public_subnets), az)])
      error_message = "nat_gateways per-az needs a public subnet in every availability zone of the private subnets."
    }
  }
}

# Take over the VPC's defaults with no rules: nothing may use them by accident (EC2.2).
resource "aws_default_security_group" "this" {
  vpc_id = aws_vpc.this.id
  tags   = merge(var.tags, { Name = "\${var.name}-default-deny-all" })
}

resource "aws_default_network_acl" "this" {
  default_network_acl_id = aws_vpc.this.default_network_acl_id
  tags                   = merge(var.tags, { Name = "\${var.name}-default-deny-all" })

  lifecycle {
    ignore_changes = [subnet_ids]
  }
}

resource "aws_subnet" "this" {
  for_each = local.subnets

  vpc_id                  = aws_vpc.this.id
  cidr_block              = each.value.cidr
  availability_zone       = each.value.az
  map_public_ip_on_launch = false
  tags                    = merge(var.tags, { Name = "\${var.name}-\${each.value.tier}-\${each.value.az}", "bulwark:tier" = each.value.tier })
}

resource "aws_route_table" "this" {
  for_each = toset(values(local.table_of))

  vpc_id = aws_vpc.this.id
  tags   = merge(var.tags, { Name = "\${var.name}-\${each.key}" })
}

resource "aws_route_table_association" "this" {
  for_each = local.subnets

  subnet_id      = aws_subnet.this[each.key].id
  route_table_id = aws_route_table.this[local.table_of[each.key]].id
}

# A network ACL per tier: its subnets leave the default ACL (which allows nothing) for the tier's rules.
module "acl" {
  source   = "../network-acl"
  for_each = { for tier, m in local.tiers : tier => m if length(m) > 0 }

  name       = "\${var.name}-\${each.key}"
  vpc_id     = aws_vpc.this.id
  subnet_ids = { for az in keys(each.value) : az => aws_subnet.this["\${each.key}/\${az}"].id }
  preset     = contains(keys(var.acl_rules), each.key) ? null : local.acl_presets[each.key]
  rules      = lookup(var.acl_rules, each.key, {})
  rule_quota = var.acl_rule_quota
  tags       = var.tags
}

resource "aws_internet_gateway" "this" {
  count  = length(var.public_subnets) > 0 ? 1 : 0
  vpc_id = aws_vpc.this.id
  tags   = merge(var.tags, { Name = var.name })
}

resource "aws_route" "public_internet" {
  count                  = length(var.public_subnets) > 0 ? 1 : 0
  route_table_id         = aws_route_table.this["public"].id
  destination_cidr_block = "0.0.0.0/0"
  gateway_id             = aws_internet_gateway.this[0].id
}

resource "aws_eip" "nat" {
  for_each = toset(local.nat_azs)

  domain = "vpc"
  tags   = merge(var.tags, { Name = "\${var.name}-nat-\${each.key}" })
}

resource "aws_nat_gateway" "this" {
  for_each = toset(local.nat_azs)

  allocation_id = aws_eip.nat[each.key].allocation_id
  subnet_id     = aws_subnet.this["public/\${each.key}"].id
  tags          = merge(var.tags, { Name = "\${var.name}-nat-\${each.key}" })
}

resource "aws_route" "private_nat" {
  for_each = local.private_nat

  route_table_id         = aws_route_table.this[each.key].id
  destination_cidr_block = "0.0.0.0/0"
  nat_gateway_id         = aws_nat_gateway.this[each.value].id
}

resource "aws_security_group" "endpoints" {
  name                   = "\${var.name}-endpoints"
  description            = "VPC interface endpoints: HTTPS from inside the VPC only"
  vpc_id                 = aws_vpc.this.id
  revoke_rules_on_delete = true
  tags                   = merge(var.tags, { Name = "\${var.name}-endpoints" })
}

resource "aws_vpc_security_group_ingress_rule" "endpoints_https" {
  security_group_id = aws_security_group.endpoints.id
  description       = "HTTPS from the VPC to AWS APIs"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = var.cidr
}

resource "aws_vpc_endpoint" "interface" {
  for_each = var.interface_endpoints

  vpc_id              = aws_vpc.this.id
  service_name        = "com.amazonaws.\${data.aws_region.current.name}.\${each.key}"
  vpc_endpoint_type   = "Interface"
  private_dns_enabled = true
  subnet_ids          = [for az in sort(keys(var.private_subnets)) : aws_subnet.this["private/\${az}"].id]
  security_group_ids  = [aws_security_group.endpoints.id]
  tags                = merge(var.tags, { Name = "\${var.name}-\${each.key}" })
}

resource "aws_vpc_endpoint" "s3" {
  vpc_id            = aws_vpc.this.id
  service_name      = "com.amazonaws.\${data.aws_region.current.name}.s3"
  vpc_endpoint_type = "Gateway"
  route_table_ids   = [for t, rt in aws_route_table.this : rt.id if t != "public"]
  tags              = merge(var.tags, { Name = "\${var.name}-s3" })
}

${kmsKeyModuleCall("\${var.name}/flow-logs", ["cloudwatch-logs"], "local.flow_log_group")}

resource "aws_cloudwatch_log_group" "flow_logs" {
  count = local.flow_log_group ? 1 : 0

  name              = "/bulwark/\${var.name}/vpc-flow-logs"
  kms_key_id        = ${KMS_KEY_ARN_EXPR}
  retention_in_days = var.flow_log_retention_days
  tags              = var.tags
}

${hclServiceRole("flow_logs", "\"${var.name}-vpc-flow-logs\"", "\"Delivers VPC flow logs of ${var.name} to its log group\"", "vpc-flow-logs.amazonaws.com", ["count = local.flow_log_group ? 1 : 0"])}

resource "aws_iam_role_policy" "flow_logs" {
  count = local.flow_log_group ? 1 : 0

  name = "write-flow-logs"
  role = aws_iam_role.flow_logs[0].name
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      { Sid = "WriteThisLogGroup", Effect = "Allow", Action = ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"], Resource = [aws_cloudwatch_log_group.flow_logs[0].arn, "\${aws_cloudwatch_log_group.flow_logs[0].arn}:*"] },
      { Sid = "FindLogGroups", Effect = "Allow", Action = "logs:DescribeLogGroups", Resource = "*" },
    ]
  })
}

resource "aws_flow_log" "this" {
  count = var.disable_flow_logs_reason == null ? 1 : 0

  vpc_id                   = aws_vpc.this.id
  traffic_type             = "ALL"
  log_destination_type     = local.flow_log_group ? "cloud-watch-logs" : "s3"
  log_destination          = local.flow_log_group ? one(aws_cloudwatch_log_group.flow_logs[*].arn) : var.flow_log_bucket_arn
  iam_role_arn             = local.flow_log_group ? one(aws_iam_role.flow_logs[*].arn) : null
  max_aggregation_interval = 60
  tags                     = merge(var.tags, { Name = var.name })
}

# The flow-log resources are counted (s3 destination, flow logs off): states that hold them uncounted move.
moved {
  from = aws_cloudwatch_log_group.flow_logs
  to   = aws_cloudwatch_log_group.flow_logs[0]
}

moved {
  from = aws_iam_role.flow_logs
  to   = aws_iam_role.flow_logs[0]
}

moved {
  from = aws_iam_role_policy.flow_logs
  to   = aws_iam_role_policy.flow_logs[0]
}

moved {
  from = aws_flow_log.this
  to   = aws_flow_log.this[0]
}
`,
  example: `
module "network" {
  source = "../.."

  name            = "prod"
  cidr            = "10.20.0.0/16"
  private_subnets = { "eu-west-1a" = "10.20.0.0/20", "eu-west-1b" = "10.20.16.0/20" }
  public_subnets  = { "eu-west-1a" = "10.20.128.0/24", "eu-west-1b" = "10.20.129.0/24" }
  nat_gateways    = "per-az"
}

${rootSuppressionsHcl(["network"])}
`,
  tests: {
    "network.tftest.hcl": `
mock_provider "aws" {
  source = "./tests/mocks"
}

variables {
  name            = "test"
  cidr            = "10.0.0.0/16"
  private_subnets = { "eu-west-1a" = "10.0.0.0/20", "eu-west-1b" = "10.0.16.0/20" }
}

run "private_by_default" {
  command = apply

  assert {
    condition     = alltrue([for s in aws_subnet.this : s.map_public_ip_on_launch == false])
    error_message = "no subnet may map public IPs"
  }
  assert {
    condition     = aws_flow_log.this[0].traffic_type == "ALL"
    error_message = "flow logs record ALL traffic"
  }
  assert {
    condition     = length(aws_default_security_group.this.ingress) == 0 && length(aws_default_security_group.this.egress) == 0
    error_message = "the default security group has no rules"
  }
  assert {
    condition     = length(aws_internet_gateway.this) == 0 && length(aws_nat_gateway.this) == 0
    error_message = "no internet path without public subnets"
  }
  assert {
    condition     = keys(output.network_acl_ids) == ["private"] && contains(keys(output.network_acl_rule_numbers.private), "https-endpoints-out") && contains(keys(output.network_acl_rule_numbers.private), "endpoints-return")
    error_message = "the private subnets have their own ACL with the app preset, HTTPS to the endpoints and its replies"
  }
  assert {
    condition     = alltrue([for k in ["endpoint-clients-10-0-0-0-20", "endpoint-replies-10-0-0-0-20", "endpoint-clients-10-0-16-0-20", "endpoint-replies-10-0-16-0-20"] : contains(keys(output.network_acl_rule_numbers.private), k)])
    error_message = "each private subnet reaches the endpoints' interfaces in the others: HTTPS in from it, the replies out to it"
  }
  assert {
    condition     = length(aws_vpc_endpoint.interface) == ${DEFAULT_INTERFACE_ENDPOINTS.length} && alltrue([for s in ["ssm", "ssmmessages", "ec2messages", "monitoring"] : contains(keys(aws_vpc_endpoint.interface), s)])
    error_message = "the Session Manager and CloudWatch endpoints exist"
  }
}

run "rejects_a_vpc_too_large" {
  command = plan
  variables {
    cidr = "10.0.0.0/8"
  }
  expect_failures = [var.cidr]
}

run "rejects_a_subnet_outside_the_vpc" {
  command = plan
  variables {
    private_subnets = { "eu-west-1a" = "10.1.0.0/20" }
  }
  expect_failures = [aws_vpc.this]
}

run "rejects_nat_without_public_subnets" {
  command = plan
  variables {
    nat_gateways = "single"
  }
  expect_failures = [aws_vpc.this]
}

run "single_nat_serves_every_private_subnet" {
  command = plan
  variables {
    public_subnets = { "eu-west-1a" = "10.0.128.0/24", "eu-west-1b" = "10.0.129.0/24" }
    nat_gateways   = "single"
  }
  assert {
    condition     = keys(aws_nat_gateway.this) == ["eu-west-1a"] && keys(aws_route.private_nat) == ["private"]
    error_message = "one gateway in the first zone, one private route table through it"
  }
}

run "per_az_nat_routes_each_zone_through_its_own_gateway" {
  command = apply
  variables {
    public_subnets = { "eu-west-1a" = "10.0.128.0/24", "eu-west-1b" = "10.0.129.0/24" }
    nat_gateways   = "per-az"
  }
  assert {
    condition     = keys(aws_nat_gateway.this) == ["eu-west-1a", "eu-west-1b"] && keys(aws_route.private_nat) == ["private-eu-west-1a", "private-eu-west-1b"]
    error_message = "one gateway and one private route table per zone"
  }
  assert {
    condition     = aws_route_table_association.this["private/eu-west-1b"].route_table_id == aws_route_table.this["private-eu-west-1b"].id
    error_message = "each zone's private subnet uses its own route table"
  }
  assert {
    condition     = keys(output.network_acl_ids) == ["private", "public"] && contains(keys(output.network_acl_rule_numbers.public), "nat-https-out") && contains(keys(output.network_acl_rule_numbers.private), "https-internet-out")
    error_message = "each tier has its ACL, and both let HTTPS through the NAT gateways"
  }
}

run "no_endpoints_no_https_between_private_subnets" {
  command = plan
  variables {
    interface_endpoints = []
  }
  assert {
    condition     = length([for k in keys(output.network_acl_rule_numbers.private) : k if startswith(k, "endpoint-")]) == 0
    error_message = "without interface endpoints the private ACL admits no HTTPS from the other private subnets"
  }
}

run "acl_rules_replace_a_tier_preset" {
  command = plan
  variables {
    acl_rules = { private = { only = { direction = "egress", protocol = "tcp", from_port = 443, to_port = 443, cidr = "10.0.0.0/16" } } }
  }
  assert {
    condition     = keys(output.network_acl_rule_numbers.private) == ["only"]
    error_message = "acl_rules replace the tier's preset"
  }
}

run "rejects_per_az_nat_without_a_public_subnet_in_each_zone" {
  command = plan
  variables {
    public_subnets = { "eu-west-1a" = "10.0.128.0/24" }
    nat_gateways   = "per-az"
  }
  expect_failures = [aws_vpc.this]
}

run "flow_logs_off_only_with_a_reason_which_is_returned" {
  command = plan
  variables {
    disable_flow_logs_reason = "lab VPC: its traffic is mirrored to the IDS"
  }
  assert {
    condition     = length(aws_flow_log.this) == 0 && length(aws_cloudwatch_log_group.flow_logs) == 0 && length(module.kms_key) == 0
    error_message = "no flow log, log group nor key when flow logs are off"
  }
  assert {
    condition     = output.bulwark_suppressions == [{ rule = "${RuleIds.flowLogs}", address = "aws_vpc.this", reason = "lab VPC: its traffic is mirrored to the IDS" }]
    error_message = "the weakening is returned as a suppression entry"
  }
}

run "rejects_flow_logs_off_without_a_reason" {
  command = plan
  variables {
    disable_flow_logs_reason = "lab"
  }
  expect_failures = [var.disable_flow_logs_reason]
}

run "flow_logs_to_a_bucket" {
  command = plan
  variables {
    flow_log_destination = "s3"
    flow_log_bucket_arn  = "arn:aws:s3:::central-flow-logs"
  }
  assert {
    condition     = aws_flow_log.this[0].log_destination_type == "s3" && aws_flow_log.this[0].log_destination == "arn:aws:s3:::central-flow-logs" && length(aws_iam_role.flow_logs) == 0 && length(module.kms_key) == 0
    error_message = "flow logs go to the bucket, with no log group, role nor key"
  }
}

run "rejects_the_s3_destination_without_a_bucket" {
  command = plan
  variables {
    flow_log_destination = "s3"
  }
  expect_failures = [aws_vpc.this]
}

run "returns_a_tier_acl_weakening_at_its_address" {
  command = plan
  variables {
    acl_rules = { private = { vendor-ssh = { direction = "ingress", protocol = "tcp", from_port = 22, to_port = 22, cidr = "0.0.0.0/0", allow_world_admin_reason = "vendor appliance, ticket SEC-42" } } }
  }
  assert {
    condition     = output.bulwark_suppressions == [{ rule = "${RuleIds.naclAdminPortsFromWorld}", address = "module.acl[\\"private\\"].aws_network_acl_rule.this[\\"vendor-ssh\\"]", reason = "vendor appliance, ticket SEC-42" }]
    error_message = "the tier ACL's suppression entry is passed on"
  }
}

run "rejects_an_acl_rule_quota_above_40" {
  command = plan
  variables {
    acl_rule_quota = 41
  }
  expect_failures = [var.acl_rule_quota]
}

run "rejects_a_short_retention" {
  command = plan
  variables {
    flow_log_retention_days = 30
  }
  expect_failures = [var.flow_log_retention_days]
}
`,
  },
};

import { ALLOW_BAND, DENY_BAND } from "../../modules/network-acl/rules";
import { ADMIN_PORTS_TEXT, isWorldHcl, reachesAdminPortHcl } from "../predicates";
import { RuleIds } from "../../modules/core/rule-ids";
import { rootSuppressionsHcl, suppressionsOutput } from "../suppressions";
import { ModuleSpec } from "../spec";

/**
 * The HCL twin of the construct's `hashedRuleNumber` (modules/network-acl/rules.ts): a rule's
 * number from its name, deny rules in DENY_BAND, allow rules in ALLOW_BAND. A test evaluates both.
 */
export function hashedRuleNumberHcl(name: string, action: string): string {
  const slot = `parseint(substr(md5(${name}), 0, 6), 16)`;
  const [dlo, dhi] = DENY_BAND;
  const [alo, ahi] = ALLOW_BAND;
  return `(${action} == "deny" ? ${dlo} + ${slot} % ${dhi - dlo + 1} : ${alo} + ${slot} % ${ahi - alo + 1})`;
}

/**
 * The construct's collision handling in HCL: rules without a number are taken in the order of
 * their hashed number, then name, and each gets the first number at or after its hashed one that
 * neither an explicit number nor an earlier rule holds (linear probing in resolveRules). HCL has
 * no loop with state, so the same result is computed in closed form: within a band, with the
 * explicit numbers removed, the i-th rule lands on position max over j <= i of (start_j + i - j),
 * and a position maps back to a number by adding the explicit numbers at or before it.
 */
const NUMBERING_HCL = `
  bands = { deny = [${DENY_BAND.join(", ")}], allow = [${ALLOW_BAND.join(", ")}] }
  # Explicit numbers per direction, ascending (sort() compares text: pad to five digits).
  explicit = { for d in ["ingress", "egress"] : d => [for s in sort([for r in values(local.base) : format("%05d", r.rule_number) if r.direction == d && r.rule_number != null]) : tonumber(s)] }
  # Rules to number per direction and band, in the construct's order: hashed number, then name.
  auto_order = { for g in ["ingress/deny", "ingress/allow", "egress/deny", "egress/allow"] : g => [for s in sort([for k, r in local.base : format("%05d/%s", r.hashed, k) if "\${r.direction}/\${r.action}" == g && r.rule_number == null]) : split("/", s)[1]] }
  band_explicit = { for g in keys(local.auto_order) : g => [for e in local.explicit[split("/", g)[0]] : e if e >= local.bands[split("/", g)[1]][0] && e <= local.bands[split("/", g)[1]][1]] }
  auto_start = { for g, names in local.auto_order : g => [for k in names : local.base[k].hashed - local.bands[split("/", g)[1]][0] - length([for e in local.band_explicit[g] : e if e < local.base[k].hashed])] }
  auto_position = { for g, names in local.auto_order : g => [for i, k in names : max([for j in range(i + 1) : local.auto_start[g][j] + i - j]...)] }
  auto_number = merge([for g, names in local.auto_order : { for i, k in names : k => local.bands[split("/", g)[1]][0] + local.auto_position[g][i] + length([for m, e in local.band_explicit[g] : e if e - local.bands[split("/", g)[1]][0] - m <= local.auto_position[g][i]]) }]...)`;

export const networkAclModule: ModuleSpec = {
  name: "network-acl",
  title: "network-acl: a network ACL with named, stable rules",
  summary:
    "A network ACL with one `aws_network_acl_rule` per named rule (`for_each` over a map keyed by name, never `count`), so reordering or inserting rules plans no change to the others, and explicit subnet associations.",
  secureDefaults: [
    `Rules keyed by name; rule numbers explicit or derived from the name (deny rules ${DENY_BAND.join("-")}, allow rules ${ALLOW_BAND.join("-")}); names that hash to one number are moved to the next free number, as the construct does, so both number a rule set alike.`,
    "Deliberate difference from the construct: when moving past taken numbers would run off the end of a band the construct wraps to the band's start; the module refuses the plan and asks for an explicit `rule_number` (HCL cannot express the wrap; it needs several rules hashed to the band's last numbers).",
    `Any allow from the whole internet reaching port ${ADMIN_PORTS_TEXT} is refused unless the rule carries \`allow_world_admin_reason\` (EC2.21, CIS 5.2). CIDRs are parsed, not compared as text: \`0::/0\`, \`::0/0\`, \`00.0.0.0/0\` or \`::/1\` are the internet too.`,
    "Deliberate difference from the construct: a validation judges one rule at a time, so rules that only together cover the internet (`0.0.0.0/1` + `128.0.0.0/1`, or a deny of one range before an allow of everything) pass the module; the construct refuses them, and `bulwark check` on the plan reports them (EC2.21).",
    "icmp with an IPv6 CIDR and icmpv6 with an IPv4 CIDR are refused (they would match nothing).",
    "At least one subnet association (an unused ACL protects nothing: EC2.16).",
  ],
  controls: ["EC2.21", "EC2.16", "CIS 5.2", "CKV_AWS_231", "CKV_AWS_232", "CKV_AWS_352", "CKV2_AWS_1"],
  variables: [
    {
      name: "name",
      type: "string",
      description: "Name tag of the ACL.",
      validations: [{ condition: 'can(regex("^[A-Za-z][A-Za-z0-9-]{0,62}$", var.name))', message: "name must be a letter, then up to 62 letters, digits or hyphens." }],
    },
    { name: "vpc_id", type: "string", description: "VPC of the ACL." },
    {
      name: "subnet_ids",
      type: "map(string)",
      description: "Subnets to associate, keyed by a stable name (e.g. the availability zone).",
      validations: [{ condition: "length(var.subnet_ids) > 0", message: "subnet_ids must name at least one subnet (an unassociated ACL protects nothing)." }],
    },
    {
      name: "rules",
      type: `map(object({
    direction                = string
    action                   = optional(string, "allow")
    protocol                 = string
    from_port                = optional(number, 0)
    to_port                  = optional(number, 0)
    cidr                     = string
    icmp_type                = optional(number)
    icmp_code                = optional(number)
    rule_number              = optional(number)
    allow_world_admin_reason = optional(string)
  }))`,
      description: "Rules keyed by name (the resource key). protocol: tcp, udp, icmp, icmpv6, all or a number.",
      validations: [
        { condition: 'alltrue([for k, r in var.rules : can(regex("^[A-Za-z][A-Za-z0-9-]{0,62}$", k))])', message: "rule names must be a letter, then letters, digits or hyphens." },
        { condition: 'alltrue([for r in values(var.rules) : contains(["ingress", "egress"], r.direction) && contains(["allow", "deny"], r.action)])', message: "direction must be ingress or egress; action allow or deny." },
        { condition: "alltrue([for r in values(var.rules) : can(cidrhost(r.cidr, 0))])", message: "every cidr must be a valid IPv4 or IPv6 CIDR." },
        {
          condition: 'alltrue([for r in values(var.rules) : contains(["tcp", "udp", "icmp", "icmpv6", "all", "-1"], r.protocol) || can(regex("^([0-9]|[1-9][0-9]|1[0-9][0-9]|2[0-4][0-9]|25[0-5])$", r.protocol))])',
          message: "protocol must be tcp, udp, icmp, icmpv6, all or a protocol number 0-255.",
        },
        { condition: "alltrue([for r in values(var.rules) : r.from_port >= 0 && r.to_port <= 65535 && r.from_port <= r.to_port])", message: "ports must be 0-65535 with from_port <= to_port." },
        {
          // The construct refuses these too: icmp never matches IPv6 traffic, icmpv6 never IPv4.
          condition: 'alltrue([for r in values(var.rules) : !(contains(["icmp", "1"], r.protocol) && strcontains(r.cidr, ":")) && !(contains(["icmpv6", "58"], r.protocol) && !strcontains(r.cidr, ":"))])',
          message: "icmp does not match IPv6 traffic (use icmpv6 with an IPv6 cidr), icmpv6 does not match IPv4 traffic (use icmp).",
        },
        { condition: "alltrue([for r in values(var.rules) : r.rule_number == null ? true : r.rule_number >= 1 && r.rule_number <= 32766])", message: "rule_number must be 1-32766." },
        {
          condition:
            `alltrue([for r in values(var.rules) : !(r.direction == "ingress" && r.action == "allow" && ${isWorldHcl("r.cidr")} && (contains(["all", "-1"], r.protocol) || (contains(["tcp", "udp", "6", "17"], r.protocol) && ${reachesAdminPortHcl("r.from_port", "r.to_port")}))) || try(length(trimspace(r.allow_world_admin_reason)) >= 10, false)])`,
          message: `an allow from the whole internet (0.0.0.0/0, ::/0 or another spelling of them) reaching port ${ADMIN_PORTS_TEXT} needs allow_world_admin_reason (EC2.21); narrow the source instead.`,
        },
      ],
    },
    {
      name: "rule_quota",
      type: "number",
      description: "Rules allowed per direction (the account's quota).",
      default: "20",
      validations: [{ condition: "var.rule_quota >= 1 && var.rule_quota <= 40", message: "rule_quota must be 1-40." }],
    },
    { name: "tags", type: "map(string)", description: "Tags.", default: "{}" },
  ],
  outputs: [
    { name: "id", value: "aws_network_acl.this.id", description: "ACL id." },
    { name: "rule_numbers", value: "{ for k, r in aws_network_acl_rule.this : k => r.rule_number }", description: "Rule number of each named rule." },
    suppressionsOutput([
      `[for k, r in var.rules : { rule = "${RuleIds.naclAdminPortsFromWorld}", address = "aws_network_acl_rule.this[\\"\${k}\\"]", reason = r.allow_world_admin_reason } if r.allow_world_admin_reason != null]`,
    ]),
  ],
  main: `
locals {
  protocols = { tcp = "6", udp = "17", icmp = "1", icmpv6 = "58", all = "-1", "-1" = "-1" }
  base = {
    for k, r in var.rules : k => merge(r, {
      protocol_number = lookup(local.protocols, r.protocol, r.protocol)
      ipv6            = strcontains(r.cidr, ":")
      hashed          = ${hashedRuleNumberHcl("k", "r.action")}
    })
  }
${NUMBERING_HCL}
  # Stable numbers from the name (denies first, then allows), moved past taken numbers as the construct does; explicit numbers win.
  rules = { for k, r in local.base : k => merge(r, { number = r.rule_number != null ? r.rule_number : local.auto_number[k] }) }
  numbers = { for d in ["ingress", "egress"] : d => [for k, r in local.rules : r.number if r.direction == d] }
}

resource "aws_network_acl" "this" {
  vpc_id = var.vpc_id
  tags   = merge(var.tags, { Name = var.name })

  lifecycle {
    precondition {
      condition     = alltrue([for d, n in local.numbers : length(n) == length(distinct(n))])
      error_message = "Two rules of one direction share an explicit rule_number."
    }
    precondition {
      condition     = alltrue([for k, r in local.rules : r.rule_number != null || (r.number >= local.bands[r.action][0] && r.number <= local.bands[r.action][1])])
      error_message = "A hashed rule number ran past the end of its band (the construct wraps to the band's start): set rule_number on the rule."
    }
    precondition {
      condition     = alltrue([for d, n in local.numbers : length(n) <= var.rule_quota])
      error_message = "More rules in one direction than rule_quota allows."
    }
  }
}

resource "aws_network_acl_rule" "this" {
  for_each = local.rules

  network_acl_id  = aws_network_acl.this.id
  egress          = each.value.direction == "egress"
  rule_number     = each.value.number
  rule_action     = each.value.action
  protocol        = each.value.protocol_number
  from_port       = contains(["6", "17"], each.value.protocol_number) ? each.value.from_port : null
  to_port         = contains(["6", "17"], each.value.protocol_number) ? each.value.to_port : null
  icmp_type       = contains(["1", "58"], each.value.protocol_number) ? coalesce(each.value.icmp_type, -1) : null
  icmp_code       = contains(["1", "58"], each.value.protocol_number) ? coalesce(each.value.icmp_code, -1) : null
  cidr_block      = each.value.ipv6 ? null : each.value.cidr
  ipv6_cidr_block = each.value.ipv6 ? each.value.cidr : null
}

resource "aws_network_acl_association" "this" {
  for_each = var.subnet_ids

  network_acl_id = aws_network_acl.this.id
  subnet_id      = each.value
}
`,
  example: `
module "app_acl" {
  source = "../.."

  name       = "prod-app"
  vpc_id     = "vpc-0123456789abcdef0"
  subnet_ids = { "eu-west-1a" = "subnet-0123456789abcdef0" }
  rules = {
    app-in         = { direction = "ingress", protocol = "tcp", from_port = 8080, to_port = 8080, cidr = "10.0.0.0/24" }
    web-return     = { direction = "egress", protocol = "tcp", from_port = 1024, to_port = 65535, cidr = "10.0.0.0/24" }
    https-out      = { direction = "egress", protocol = "tcp", from_port = 443, to_port = 443, cidr = "10.0.0.0/16" }
    https-return   = { direction = "ingress", protocol = "tcp", from_port = 1024, to_port = 65535, cidr = "10.0.0.0/16" }
    block-scanners = { direction = "ingress", action = "deny", protocol = "all", cidr = "10.0.99.0/24" }
  }
}

${rootSuppressionsHcl(["app_acl"])}
`,
  tests: {
    "network_acl.tftest.hcl": `
mock_provider "aws" {
  source = "./tests/mocks"
}

variables {
  name       = "app"
  vpc_id     = "vpc-0123456789abcdef0"
  subnet_ids = { a = "subnet-0123456789abcdef0", b = "subnet-0123456789abcdef1" }
  rules = {
    https-in = { direction = "ingress", protocol = "tcp", from_port = 443, to_port = 443, cidr = "10.0.0.0/16" }
    return   = { direction = "egress", protocol = "tcp", from_port = 1024, to_port = 65535, cidr = "10.0.0.0/16" }
    deny-bad = { direction = "ingress", action = "deny", protocol = "all", cidr = "10.0.99.0/24" }
    ping-v6  = { direction = "ingress", protocol = "icmpv6", cidr = "fd00::/8", icmp_type = 128 }
  }
}

run "one_rule_per_name_denies_first" {
  command = apply

  assert {
    condition     = length(aws_network_acl_rule.this) == 4 && length(aws_network_acl_association.this) == 2
    error_message = "one rule resource per name and one association per subnet"
  }
  assert {
    condition     = aws_network_acl_rule.this["deny-bad"].rule_number < aws_network_acl_rule.this["https-in"].rule_number
    error_message = "deny rules are numbered before allow rules"
  }
  assert {
    condition     = aws_network_acl_rule.this["https-in"].protocol == "6" && aws_network_acl_rule.this["ping-v6"].ipv6_cidr_block == "fd00::/8"
    error_message = "protocol numbers and address families are set"
  }
}

run "refuses_world_ssh" {
  command = plan
  variables {
    rules = { ssh = { direction = "ingress", protocol = "tcp", from_port = 22, to_port = 22, cidr = "0.0.0.0/0" } }
  }
  expect_failures = [var.rules]
}

run "refuses_world_rdp_inside_a_range" {
  command = plan
  variables {
    rules = { ephemeral = { direction = "ingress", protocol = "tcp", from_port = 1024, to_port = 65535, cidr = "::/0" } }
  }
  expect_failures = [var.rules]
}

run "refuses_world_ssh_spelled_0_colon_colon_0" {
  command = plan
  variables {
    rules = { ssh = { direction = "ingress", protocol = "tcp", from_port = 22, to_port = 22, cidr = "0::/0" } }
  }
  expect_failures = [var.rules]
}

run "refuses_world_rdp_spelled_colon_colon_0_slash_0" {
  command = plan
  variables {
    rules = { all = { direction = "ingress", protocol = "all", cidr = "::0/0" } }
  }
  expect_failures = [var.rules]
}

run "refuses_icmp_with_an_ipv6_cidr" {
  command = plan
  variables {
    rules = { ping = { direction = "ingress", protocol = "icmp", cidr = "fd00::/8" } }
  }
  expect_failures = [var.rules]
}

run "allows_world_ssh_with_a_reason" {
  command = plan
  variables {
    rules = { ssh = { direction = "ingress", protocol = "tcp", from_port = 22, to_port = 22, cidr = "0.0.0.0/0", allow_world_admin_reason = "vendor appliance, ticket SEC-42" } }
  }
}

run "refuses_a_bad_cidr" {
  command = plan
  variables {
    rules = { x = { direction = "ingress", protocol = "tcp", from_port = 443, to_port = 443, cidr = "10.0.0.0/33" } }
  }
  expect_failures = [var.rules]
}

run "refuses_reversed_ports" {
  command = plan
  variables {
    rules = { x = { direction = "ingress", protocol = "tcp", from_port = 90, to_port = 80, cidr = "10.0.0.0/8" } }
  }
  expect_failures = [var.rules]
}

run "refuses_duplicate_numbers" {
  command = plan
  variables {
    rules = {
      a = { direction = "ingress", protocol = "tcp", from_port = 1, to_port = 1, cidr = "10.0.0.0/8", rule_number = 100 }
      b = { direction = "ingress", protocol = "tcp", from_port = 2, to_port = 2, cidr = "10.0.0.0/8", rule_number = 100 }
    }
  }
  expect_failures = [aws_network_acl.this]
}

run "refuses_no_subnets" {
  command = plan
  variables {
    subnet_ids = {}
  }
  expect_failures = [var.subnet_ids]
}
`,
  },
};

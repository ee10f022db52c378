import { ADMIN_PORTS_TEXT, isWorldHcl, reachesAdminPortHcl } from "../predicates";
import { WORLD_ADMIN_SUPPRESSED_RULES } from "../../modules/security-groups";
import { rootSuppressionsHcl, suppressionsOutput } from "../suppressions";
import { ModuleSpec } from "../spec";

export const securityGroupsModule: ModuleSpec = {
  name: "security-groups",
  title: "security-groups: a security group with named, described rules",
  summary:
    "A security group with no inline rules and one `aws_vpc_security_group_ingress_rule` / `_egress_rule` per named rule (`for_each` over a map keyed by name), so reordering rules plans no change. Without rules it allows nothing, not even egress.",
  secureDefaults: [
    "No rules by default: nothing in, nothing out (the provider's allow-all egress is not created).",
    "Every group and rule needs a description (CKV_AWS_23).",
    `Ingress from the whole internet reaching port ${ADMIN_PORTS_TEXT} is refused unless the rule carries \`allow_world_admin_reason\` (EC2.53, EC2.54, CIS 5.3/5.4), returned in the \`bulwark_suppressions\` output for \`sg-no-world-admin-ports\` and \`sg-no-world-unauthorized-ports\`, as the construct records it. CIDRs are parsed, not compared as text: \`0::/0\`, \`::0/0\`, \`00.0.0.0/0\` or \`::/1\` are the internet too.`,
    "Deliberate difference from the construct: a validation judges one rule at a time, so rules that only together cover the internet (`0.0.0.0/1` + `128.0.0.0/1`) pass the module; the construct refuses them, and `bulwark check` on the plan reports them (EC2.53/EC2.54).",
    "Peers by security group id or prefix list as well as CIDR: tiers reference each other, not address ranges.",
  ],
  controls: ["EC2.53", "EC2.54", "CIS 5.3", "CIS 5.4", "CKV_AWS_23", "CKV_AWS_24", "CKV_AWS_25", "CKV_AWS_260", "CKV_AWS_277"],
  variables: [
    { name: "name", type: "string", description: "Group name.", validations: [{ condition: 'can(regex("^[A-Za-z][A-Za-z0-9-]{0,62}$", var.name))', message: "name must be a letter, then up to 62 letters, digits or hyphens." }] },
    { name: "description", type: "string", description: "What the group is for.", validations: [{ condition: "length(trimspace(var.description)) >= 5", message: "description must say what the group is for (CKV_AWS_23)." }] },
    { name: "vpc_id", type: "string", description: "VPC of the group." },
    {
      name: "rules",
      type: `map(object({
    direction                = string
    description              = string
    protocol                 = optional(string, "tcp")
    from_port                = optional(number)
    to_port                  = optional(number)
    cidr                     = optional(string)
    security_group_id        = optional(string)
    prefix_list_id           = optional(string)
    allow_world_admin_reason = optional(string)
  }))`,
      description: "Rules keyed by name (the resource key): exactly one peer (cidr, security_group_id or prefix_list_id) each.",
      default: "{}",
      validations: [
        { condition: 'alltrue([for k, r in var.rules : can(regex("^[A-Za-z][A-Za-z0-9-]{0,62}$", k))])', message: "rule names must be a letter, then letters, digits or hyphens." },
        { condition: 'alltrue([for r in values(var.rules) : contains(["ingress", "egress"], r.direction)])', message: "direction must be ingress or egress." },
        { condition: "alltrue([for r in values(var.rules) : length(trimspace(r.description)) >= 5])", message: "every rule needs a description (CKV_AWS_23)." },
        { condition: 'alltrue([for r in values(var.rules) : contains(["tcp", "udp", "icmp", "icmpv6", "-1", "all"], r.protocol)])', message: "protocol must be tcp, udp, icmp, icmpv6 or all." },
        { condition: "alltrue([for r in values(var.rules) : length([for p in [r.cidr, r.security_group_id, r.prefix_list_id] : p if p != null]) == 1])", message: "each rule needs exactly one of cidr, security_group_id and prefix_list_id." },
        { condition: "alltrue([for r in values(var.rules) : r.cidr == null ? true : can(cidrhost(r.cidr, 0))])", message: "cidr must be a valid IPv4 or IPv6 CIDR." },
        {
          condition: 'alltrue([for r in values(var.rules) : contains(["tcp", "udp"], r.protocol) ? try(r.from_port >= 0 && r.from_port <= 65535 && coalesce(r.to_port, r.from_port) >= r.from_port && coalesce(r.to_port, r.from_port) <= 65535, false) : true])',
          message: "tcp and udp rules need from_port (and to_port) in 0-65535 with from_port <= to_port.",
        },
        {
          // Terraform evaluates both sides of && and ||: null ports are caught with try().
          condition: `alltrue([for r in values(var.rules) : r.direction == "ingress" && ${isWorldHcl("coalesce(r.cidr, \"-\")")} && (contains(["-1", "all"], r.protocol) || (contains(["tcp", "udp"], r.protocol) && try(${reachesAdminPortHcl("r.from_port", "coalesce(r.to_port, r.from_port)")}, false))) ? try(length(trimspace(r.allow_world_admin_reason)) >= 10, false) : true])`,
          message: `ingress from the whole internet (0.0.0.0/0, ::/0 or another spelling of them) to port ${ADMIN_PORTS_TEXT} needs allow_world_admin_reason (EC2.53/EC2.54); narrow the source instead.`,
        },
      ],
    },
    { name: "tags", type: "map(string)", description: "Tags.", default: "{}" },
  ],
  outputs: [
    { name: "id", value: "aws_security_group.this.id", description: "Security group id." },
    { name: "arn", value: "aws_security_group.this.arn", description: "Security group ARN." },
    suppressionsOutput([
      // The construct's WORLD_ADMIN_SUPPRESSED_RULES, on the rule's own resource.
      `flatten([for k, r in var.rules : [for id in ${JSON.stringify(WORLD_ADMIN_SUPPRESSED_RULES).replace(/,/g, ", ")} : { rule = id, address = "aws_vpc_security_group_\${r.direction}_rule.this[\\"\${k}\\"]", reason = r.allow_world_admin_reason }] if r.allow_world_admin_reason != null])`,
    ]),
  ],
  main: `
locals {
  rules = {
    for k, r in var.rules : k => merge(r, {
      ip_protocol = r.protocol == "all" ? "-1" : r.protocol
      ported      = contains(["tcp", "udp"], r.protocol)
      icmp        = contains(["icmp", "icmpv6"], r.protocol)
      ipv6        = r.cidr != null && strcontains(coalesce(r.cidr, "-"), ":")
    })
  }
}

resource "aws_security_group" "this" {
  name                   = var.name
  description            = var.description
  vpc_id                 = var.vpc_id
  revoke_rules_on_delete = true
  tags                   = merge(var.tags, { Name = var.name })
}

resource "aws_vpc_security_group_ingress_rule" "this" {
  for_each = { for k, r in local.rules : k => r if r.direction == "ingress" }

  security_group_id            = aws_security_group.this.id
  description                  = each.value.description
  ip_protocol                  = each.value.ip_protocol
  from_port                    = each.value.ported ? each.value.from_port : (each.value.icmp ? -1 : null)
  to_port                      = each.value.ported ? coalesce(each.value.to_port, each.value.from_port) : (each.value.icmp ? -1 : null)
  cidr_ipv4                    = each.value.cidr != null && !each.value.ipv6 ? each.value.cidr : null
  cidr_ipv6                    = each.value.ipv6 ? each.value.cidr : null
  referenced_security_group_id = each.value.security_group_id
  prefix_list_id               = each.value.prefix_list_id
  tags                         = merge(var.tags, { Name = each.key })
}

resource "aws_vpc_security_group_egress_rule" "this" {
  for_each = { for k, r in local.rules : k => r if r.direction == "egress" }

  security_group_id            = aws_security_group.this.id
  description                  = each.value.description
  ip_protocol                  = each.value.ip_protocol
  from_port                    = each.value.ported ? each.value.from_port : (each.value.icmp ? -1 : null)
  to_port                      = each.value.ported ? coalesce(each.value.to_port, each.value.from_port) : (each.value.icmp ? -1 : null)
  cidr_ipv4                    = each.value.cidr != null && !each.value.ipv6 ? each.value.cidr : null
  cidr_ipv6                    = each.value.ipv6 ? each.value.cidr : null
  referenced_security_group_id = each.value.security_group_id
  prefix_list_id               = each.value.prefix_list_id
  tags                         = merge(var.tags, { Name = each.key })
}
`,
  example: `
module "app_sg" {
  source = "../.."

  name        = "prod-app"
  description = "App instances"
  vpc_id      = "vpc-0123456789abcdef0"
  rules = {
    from-alb        = { direction = "ingress", description = "App port from the load balancer", from_port = 8080, security_group_id = "sg-0123456789abcdef0" }
    https-endpoints = { direction = "egress", description = "HTTPS to the VPC endpoints", from_port = 443, cidr = "10.0.0.0/16" }
  }
}

${rootSuppressionsHcl(["app_sg"])}
`,
  tests: {
    "security_groups.tftest.hcl": `
mock_provider "aws" {
  source = "./tests/mocks"
}

variables {
  name        = "app"
  description = "App instances"
  vpc_id      = "vpc-0123456789abcdef0"
  rules = {
    from-alb = { direction = "ingress", description = "App port from the load balancer", from_port = 8080, security_group_id = "sg-0123456789abcdef0" }
    dns      = { direction = "egress", description = "DNS to the resolver", protocol = "udp", from_port = 53, cidr = "10.0.0.0/16" }
    v6       = { direction = "egress", description = "HTTPS over IPv6", from_port = 443, cidr = "::/0" }
  }
}

run "one_rule_per_name_nothing_inline" {
  command = apply

  assert {
    condition     = length(aws_vpc_security_group_ingress_rule.this) == 1 && length(aws_vpc_security_group_egress_rule.this) == 2
    error_message = "one rule resource per name"
  }
  assert {
    condition     = aws_vpc_security_group_egress_rule.this["v6"].cidr_ipv6 == var.rules["v6"].cidr && aws_vpc_security_group_egress_rule.this["v6"].cidr_ipv4 == null && aws_vpc_security_group_egress_rule.this["dns"].ip_protocol == "udp"
    error_message = "address family and protocol are kept"
  }
}

run "refuses_world_ssh" {
  command = plan
  variables {
    rules = { ssh = { direction = "ingress", description = "SSH from anywhere", from_port = 22, cidr = "0.0.0.0/0" } }
  }
  expect_failures = [var.rules]
}

run "refuses_world_rdp_for_all_protocols" {
  command = plan
  variables {
    rules = { all = { direction = "ingress", description = "everything", protocol = "all", cidr = "::/0" } }
  }
  expect_failures = [var.rules]
}

run "refuses_world_ssh_spelled_0_colon_colon_0" {
  command = plan
  variables {
    rules = { ssh = { direction = "ingress", description = "SSH from anywhere", from_port = 22, cidr = "0::/0" } }
  }
  expect_failures = [var.rules]
}

run "refuses_world_rdp_spelled_00_0_0_0" {
  command = plan
  variables {
    rules = { rdp = { direction = "ingress", description = "RDP from anywhere", from_port = 3389, cidr = "00.0.0.0/0" } }
  }
  expect_failures = [var.rules]
}

run "a_reasoned_world_ssh_returns_what_the_construct_suppresses" {
  command = plan
  variables {
    rules = { vendor-ssh = { direction = "ingress", description = "SSH for the vendor", from_port = 22, cidr = "0.0.0.0/0", allow_world_admin_reason = "vendor appliance, ticket SEC-42" } }
  }
  assert {
    condition     = [for e in output.bulwark_suppressions : e.rule] == ${JSON.stringify(WORLD_ADMIN_SUPPRESSED_RULES).replace(/,/g, ", ")} && alltrue([for e in output.bulwark_suppressions : e.address == "aws_vpc_security_group_ingress_rule.this[\\"vendor-ssh\\"]"])
    error_message = "both rules the construct suppresses, on the rule's resource"
  }
}

run "refuses_a_rule_without_description" {
  command = plan
  variables {
    rules = { x = { direction = "egress", description = "", from_port = 443, cidr = "10.0.0.0/8" } }
  }
  expect_failures = [var.rules]
}

run "refuses_two_peers" {
  command = plan
  variables {
    rules = { x = { direction = "egress", description = "HTTPS out", from_port = 443, cidr = "10.0.0.0/8", security_group_id = "sg-0123456789abcdef0" } }
  }
  expect_failures = [var.rules]
}
`,
  },
};

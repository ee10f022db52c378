import { ADMIN_PORTS, ALLOW_BAND, DEFAULT_EPHEMERAL, DENY_BAND, PRESET_DEFAULTS } from "../../modules/network-acl/rules";
import { ADMIN_PORTS_TEXT, isWorldHcl, reachesAdminPortHcl } from "../predicates";
import { RuleIds } from "../../modules/core/rule-ids";
import { rootSuppressionsHcl, suppressionsOutput } from "../suppressions";
import { ModuleSpec } from "../spec";

/** The HCL type of one named NACL rule: this module's `rules` and the network module's `acl_rules` share it. */
export const NACL_RULE_TYPE = `object({
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
  })`;

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


// ---------------------------------------------------------------------------------------
// Tier presets in HCL: the construct's preset functions (modules/network-acl/rules.ts) written
// over the module's inputs, which are known only at plan time. Names, ports and the stateless
// return traffic follow the TypeScript presets rule for rule; __tests__/publish/nacl-presets.test.ts
// plans both for the same inputs and compares every rule (name, number, direction, cidr, ports).

/** The tiers a preset names, each the construct function it mirrors. */
export const NACL_PRESETS = { "public-web": "publicWebTierRules", app: "appTierRules", data: "dataTierRules", management: "managementTierRules" } as const;

/** The `preset` variable's attributes: the construct's preset options, snake_cased, with their defaults. */
const PRESET_TYPE = `object({
    tier                  = string
    client_cidrs          = optional(list(string), ${JSON.stringify(PRESET_DEFAULTS.clientCidrs)})
    app_cidrs             = optional(list(string), [])
    web_cidrs             = optional(list(string), [])
    data_cidrs            = optional(list(string), [])
    nat_client_cidrs      = optional(list(string), [])
    endpoint_client_cidrs = optional(list(string), [])
    ssh_cidrs             = optional(list(string), [])
    vpc_cidr              = optional(string)
    app_port              = optional(number, ${PRESET_DEFAULTS.appPort})
    data_ports            = optional(list(number), ${JSON.stringify(PRESET_DEFAULTS.dataPorts)})
    vpc_ports             = optional(list(number), [])
    https_to_internet     = optional(bool, false)
    https_to_s3           = optional(bool, false)
    ephemeral_ports       = optional(list(number), [${DEFAULT_EPHEMERAL.join(", ")}])
  })`;

/** No preset: every list empty, so the preset locals make no rule. */
const PRESET_NONE = `{ tier = "none", client_cidrs = [], app_cidrs = [], web_cidrs = [], data_cidrs = [], nat_client_cidrs = [], endpoint_client_cidrs = [], ssh_cidrs = [], vpc_cidr = null, app_port = 0, data_ports = [], vpc_ports = [], https_to_internet = false, https_to_s3 = false, ephemeral_ports = [${DEFAULT_EPHEMERAL.join(", ")}] }`;

/** `cidrKey` (slug of the CIDR) in HCL. */
const cidrKeyHcl = (cidr: string) => `trim(replace(${cidr}, "/[^A-Za-z0-9]+/", "-"), "-")`;

/** One allowed tcp rule, with every attribute of the `rules` variable so the maps merge. */
function tcpRule(direction: "ingress" | "egress", from: string, to: string, cidr: string): string {
  return `{ direction = "${direction}", action = "allow", protocol = "tcp", from_port = ${from}, to_port = ${to}, cidr = ${cidr}, icmp_type = null, icmp_code = null, rule_number = null, allow_world_admin_reason = null }`;
}

/**
 * `returnTraffic(prefix, direction, cidr)`: the ephemeral range to or from `cidr`; from the world
 * (ingress) split around the admin ports (local.preset_world_ranges), each part named by its range.
 */
function returnTrafficHcl(prefix: string, direction: "ingress" | "egress", cidr: string): string {
  if (direction === "egress") return `{ (${prefix}) = ${tcpRule("egress", "local.preset_ephemeral[0]", "local.preset_ephemeral[1]", cidr)} }`;
  const ranges = `(${isWorldHcl(cidr)} ? local.preset_world_ranges : [local.preset_ephemeral])`;
  return `{ for rg in ${ranges} : (length(${ranges}) == 1 ? ${prefix} : "\${${prefix}}-\${rg[0]}-\${rg[1]}") => ${tcpRule("ingress", "rg[0]", "rg[1]", cidr)} }`;
}

/** `httpsOut`: HTTPS out of the VPC through NAT (`internet`) or else to S3 (`s3`), with its replies. */
const HTTPS_OUT_HCL = `merge([for via in local.preset_https_via : merge({ "https-\${via}-out" = ${tcpRule("egress", "443", "443", '"0.0.0.0/0"')} }, ${returnTrafficHcl('"${via}-return"', "ingress", '"0.0.0.0/0"')})]...)`;

const PRESET_HCL = `
  # Tier presets (the construct's publicWebTierRules, appTierRules, dataTierRules, managementTierRules):
  # every list below is empty unless its tier is chosen, so only the chosen preset makes rules.
  # var.preset over an empty preset, so every attribute exists when no preset is chosen.
  preset           = merge(concat([${PRESET_NONE}], [for p in [var.preset] : p if p != null])...)
  preset_tier      = local.preset.tier
  preset_ephemeral = local.preset.ephemeral_ports
  # The ephemeral range with the admin ports (${ADMIN_PORTS_TEXT}) cut out, for return traffic from the world.
  preset_admin_cut    = [for a in [${[...ADMIN_PORTS].sort((a, b) => a - b).join(", ")}] : a if a >= local.preset_ephemeral[0] && a <= local.preset_ephemeral[1]]
  preset_world_ranges = [for i, s in concat([local.preset_ephemeral[0]], [for a in local.preset_admin_cut : a + 1]) : [s, concat([for a in local.preset_admin_cut : a - 1], [local.preset_ephemeral[1]])[i]] if s <= concat([for a in local.preset_admin_cut : a - 1], [local.preset_ephemeral[1]])[i]]
  preset_on        = { for t in ${JSON.stringify(Object.keys(NACL_PRESETS))} : t => local.preset_tier == t }
  preset_https_via = (local.preset_on.app || local.preset_on.management) ? (local.preset.https_to_internet ? ["internet"] : local.preset.https_to_s3 ? ["s3"] : []) : []
  preset_vpc       = (local.preset_on.app || local.preset_on.management) ? [local.preset.vpc_cidr] : []
  # public-web: HTTP/HTTPS in from the clients, the app port out to the app subnets, HTTPS of the NAT clients.
  web_clients = local.preset_on["public-web"] ? local.preset.client_cidrs : []
  web_suffix  = { for c in local.web_clients : c => length(local.web_clients) == 1 ? "" : "-\${${cidrKeyHcl("c")}}" }
  web_apps    = local.preset_on["public-web"] ? local.preset.app_cidrs : []
  web_nat     = local.preset_on["public-web"] ? local.preset.nat_client_cidrs : []
  public_web_rules = merge(
    merge([for c in local.web_clients : merge(
      { "https-in\${local.web_suffix[c]}" = ${tcpRule("ingress", "443", "443", "c")} },
      { "http-in\${local.web_suffix[c]}" = ${tcpRule("ingress", "80", "80", "c")} },
      ${returnTrafficHcl('"clients-return${local.web_suffix[c]}"', "egress", "c")},
    )]...),
    merge([for c in local.web_apps : merge(
      { "app-out-\${${cidrKeyHcl("c")}}" = ${tcpRule("egress", "local.preset.app_port", "local.preset.app_port", "c")} },
      ${returnTrafficHcl(`"app-return-\${${cidrKeyHcl("c")}}"`, "ingress", "c")},
    )]...),
    merge([for c in local.web_nat : merge(
      { "nat-https-in-\${${cidrKeyHcl("c")}}" = ${tcpRule("ingress", "443", "443", "c")} },
      ${returnTrafficHcl(`"nat-return-\${${cidrKeyHcl("c")}}"`, "egress", "c")},
    )]...),
    merge([for c in (length(local.web_nat) > 0 ? ["0.0.0.0/0"] : []) : merge(
      { "nat-https-out" = ${tcpRule("egress", "443", "443", "c")} },
      ${returnTrafficHcl('"nat-internet-return"', "ingress", "c")},
    )]...),
  )
  # app: the app port from the web subnets, the data ports to the data subnets, HTTPS to the endpoints and out,
  # and HTTPS from the endpoints' clients in other subnets when the endpoints are here (endpointHostRules).
  app_webs             = local.preset_on.app ? local.preset.web_cidrs : []
  app_datas            = local.preset_on.app ? local.preset.data_cidrs : []
  app_endpoint_clients = local.preset_on.app ? local.preset.endpoint_client_cidrs : []
  app_rules = merge(
    merge([for c in local.app_webs : merge(
      { "app-in-\${${cidrKeyHcl("c")}}" = ${tcpRule("ingress", "local.preset.app_port", "local.preset.app_port", "c")} },
      ${returnTrafficHcl(`"web-return-\${${cidrKeyHcl("c")}}"`, "egress", "c")},
    )]...),
    merge([for c in local.app_datas : merge(
      merge([for p in local.preset.data_ports : { "data-out-\${p}-\${${cidrKeyHcl("c")}}" = ${tcpRule("egress", "p", "p", "c")} }]...),
      ${returnTrafficHcl(`"data-return-\${${cidrKeyHcl("c")}}"`, "ingress", "c")},
    )]...),
    merge([for c in (local.preset_on.app ? local.preset_vpc : []) : merge(
      { "https-endpoints-out" = ${tcpRule("egress", "443", "443", "c")} },
      ${returnTrafficHcl('"endpoints-return"', "ingress", "c")},
    )]...),
    merge([for c in local.app_endpoint_clients : merge(
      { "endpoint-clients-\${${cidrKeyHcl("c")}}" = ${tcpRule("ingress", "443", "443", "c")} },
      ${returnTrafficHcl(`"endpoint-replies-\${${cidrKeyHcl("c")}}"`, "egress", "c")},
    )]...),
  )
  # data: the data ports from the app subnets and nothing else.
  data_apps = local.preset_on.data ? local.preset.app_cidrs : []
  data_rules = merge([for c in local.data_apps : merge(
    merge([for p in local.preset.data_ports : { "data-in-\${p}-\${${cidrKeyHcl("c")}}" = ${tcpRule("ingress", "p", "p", "c")} }]...),
    ${returnTrafficHcl(`"app-return-\${${cidrKeyHcl("c")}}"`, "egress", "c")},
  )]...)
  # management: HTTPS to the endpoints, ports to the VPC, SSH in from an allowlist, HTTPS out.
  mgmt_ssh = local.preset_on.management ? local.preset.ssh_cidrs : []
  management_rules = merge(
    merge([for c in (local.preset_on.management ? local.preset_vpc : []) : merge(
      { "https-endpoints-out" = ${tcpRule("egress", "443", "443", "c")} },
      ${returnTrafficHcl('"vpc-return"', "ingress", "c")},
      merge([for p in local.preset.vpc_ports : { "vpc-out-\${p}" = ${tcpRule("egress", "p", "p", "c")} }]...),
    )]...),
    merge([for c in local.mgmt_ssh : merge(
      { "ssh-in-\${${cidrKeyHcl("c")}}" = ${tcpRule("ingress", "22", "22", "c")} },
      ${returnTrafficHcl(`"ssh-return-\${${cidrKeyHcl("c")}}"`, "egress", "c")},
    )]...),
  )
  preset_rules = merge(local.public_web_rules, local.app_rules, local.data_rules, local.management_rules, ${HTTPS_OUT_HCL})`;

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
    "Tier presets (`preset = { tier = \"app\", ... }`: public-web, app, data, management) make the construct's preset rules with the same names and numbers, stateless return traffic included (from the internet, the ephemeral range is split around the admin ports); `rules` adds to them or replaces one by name. A preset letting the internet reach an admin port (ssh_cidrs of 0.0.0.0/0) is refused.",
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
      type: `map(${NACL_RULE_TYPE})`,
      description: "Rules keyed by name (the resource key). protocol: tcp, udp, icmp, icmpv6, all or a number. Added to the preset's rules; a rule of the preset's name replaces it.",
      default: "{}",
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
      name: "preset",
      type: PRESET_TYPE,
      description:
        "A tier preset with its stateless return traffic, as the construct's preset functions: `public-web` (80/443 in from client_cidrs, app_port out to app_cidrs, HTTPS of nat_client_cidrs through NAT), `app` (app_port in from web_cidrs, data_ports out to data_cidrs, HTTPS to vpc_cidr, HTTPS in from endpoint_client_cidrs when the subnets hold interface endpoints, and out through NAT with https_to_internet or to S3 with https_to_s3), `data` (data_ports in from app_cidrs) or `management` (HTTPS to vpc_cidr, vpc_ports to the VPC, SSH in from ssh_cidrs, HTTPS out as app). null: only `rules`.",
      default: "null",
      validations: [
        { condition: `var.preset == null ? true : contains(${JSON.stringify(Object.keys(NACL_PRESETS))}, var.preset.tier)`, message: `preset.tier must be one of ${Object.keys(NACL_PRESETS).join(", ")}.` },
        { condition: 'var.preset == null ? true : !contains(["app", "management"], var.preset.tier) || can(cidrhost(var.preset.vpc_cidr, 0))', message: "preset.vpc_cidr must be the VPC CIDR for the app and management presets." },
        {
          condition: "var.preset == null ? true : alltrue([for c in concat(var.preset.client_cidrs, var.preset.app_cidrs, var.preset.web_cidrs, var.preset.data_cidrs, var.preset.nat_client_cidrs, var.preset.endpoint_client_cidrs, var.preset.ssh_cidrs) : can(cidrhost(c, 0))])",
          message: "every CIDR of the preset must be a valid IPv4 or IPv6 CIDR.",
        },
        {
          condition: "var.preset == null ? true : alltrue([for p in concat([var.preset.app_port], var.preset.data_ports, var.preset.vpc_ports) : p >= 0 && p <= 65535 && floor(p) == p])",
          message: "preset ports must be whole numbers 0-65535.",
        },
        {
          condition: "var.preset == null ? true : length(var.preset.ephemeral_ports) == 2 && var.preset.ephemeral_ports[0] >= 0 && var.preset.ephemeral_ports[0] <= var.preset.ephemeral_ports[1] && var.preset.ephemeral_ports[1] <= 65535",
          message: "preset.ephemeral_ports must be [from, to] within 0-65535.",
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
    for k, r in merge(local.preset_rules, var.rules) : k => merge(r, {
      protocol_number = lookup(local.protocols, r.protocol, r.protocol)
      ipv6            = strcontains(r.cidr, ":")
      hashed          = ${hashedRuleNumberHcl("k", "r.action")}
    })
  }
${PRESET_HCL}
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
      # The construct refuses these in any rule set; var.rules is checked by its validation.
      condition     = alltrue([for r in values(local.preset_rules) : !(r.direction == "ingress" && ${isWorldHcl("r.cidr")} && ${reachesAdminPortHcl("r.from_port", "r.to_port")})])
      error_message = "The preset lets the whole internet reach port ${ADMIN_PORTS_TEXT} (EC2.21): narrow ssh_cidrs (or the CIDRs meeting an admin port)."
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
  # The app tier's rules and their return traffic, as the construct's appTierRules makes them.
  preset = {
    tier       = "app"
    web_cidrs  = ["10.0.0.0/24"]
    data_cidrs = ["10.0.32.0/24"]
    vpc_cidr   = "10.0.0.0/16"
  }
  rules = {
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

run "app_preset_with_its_return_traffic" {
  command = plan
  variables {
    rules  = {}
    preset = { tier = "app", web_cidrs = ["10.0.0.0/24"], data_cidrs = ["10.0.32.0/24"], vpc_cidr = "10.0.0.0/16", https_to_internet = true }
  }
  assert {
    condition     = aws_network_acl_rule.this["app-in-10-0-0-0-24"].from_port == 8080 && aws_network_acl_rule.this["web-return-10-0-0-0-24"].egress && aws_network_acl_rule.this["data-out-5432-10-0-32-0-24"].egress
    error_message = "the app preset allows the app port in, its replies out and the data port out"
  }
  assert {
    condition     = aws_network_acl_rule.this["internet-return-1024-3388"].to_port == 3388 && aws_network_acl_rule.this["internet-return-3390-65535"].from_port == 3390
    error_message = "replies from the internet skip the admin port 3389"
  }
}

run "refuses_a_preset_opening_ssh_to_the_world" {
  command = plan
  variables {
    rules  = {}
    preset = { tier = "management", vpc_cidr = "10.0.0.0/16", ssh_cidrs = ["0.0.0.0/0"] }
  }
  expect_failures = [aws_network_acl.this]
}

run "refuses_an_app_preset_without_vpc_cidr" {
  command = plan
  variables {
    preset = { tier = "app", web_cidrs = ["10.0.0.0/24"] }
  }
  expect_failures = [var.preset]
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

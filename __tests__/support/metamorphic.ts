/**
 * Scenarios for the metamorphic suite: an abstract network (a VPC with an internet gateway, a subnet,
 * a security group's ingress rules, optionally a network ACL, an instance) written out as Terraform
 * JSON in one of many spellings Terraform and AWS treat alike — IPv4 or IPv6 and every spelling of
 * `::/0`, inline rules or rule resources of either kind, CIDRs and port ranges split in parts, any
 * order, any names. A verdict is what check and exposure say about the scenario, in the scenario's
 * own terms (which rule fails on which part, which internet port reaches the instance), so two
 * spellings of one scenario must have the same verdict.
 */
import * as fc from "fast-check";
import { buildContext, configResources, FileSuppression, Finding, runRules, ALL_RULES, TfResource } from "../../compliance";
import { listedPaths } from "../../compliance/exposure/paths";
import { Res } from "./topologies";

export type Proto = "tcp" | "udp" | "all";
export type Family = "ipv4" | "ipv6";

/** One ingress rule of the group: from the internet or from a private range. */
export interface SgRule {
  readonly proto: Proto;
  readonly from: number;
  readonly to: number;
  readonly world: boolean;
  /** The source is a variable's value, not known to the checker (`world` is then ignored). */
  readonly unknown?: boolean;
}

/** One network ACL entry. */
export interface AclEntry {
  readonly n: number;
  readonly egress: boolean;
  readonly allow: boolean;
  readonly proto: Proto;
  readonly from: number;
  readonly to: number;
  readonly world: boolean;
}

export interface Scenario {
  readonly rules: readonly SgRule[];
  /** A network ACL on the subnet; none: AWS's default ACL (allows everything). */
  readonly acl?: readonly AclEntry[];
  /** The subnet routes the internet (0.0.0.0/0 or ::/0) to the internet gateway. */
  readonly routed: boolean;
  /** How the instance gets a public address: none, from the subnet's setting, or its own. */
  readonly address: "none" | "subnet" | "instance";
  /** An instance (`aws_instance.i`), or an Auto Scaling group launching from a template (`aws_autoscaling_group.i`). */
  readonly workload?: "instance" | "group";
}

/** How a scenario is written. */
export interface Spelling {
  readonly family: Family;
  /** Each rule's style (cycled over the rules): inline blocks, aws_security_group_rule, aws_vpc_security_group_ingress_rule. */
  readonly styles: readonly ("inline" | "sg_rule" | "vpc_rule")[];
  /** Which spelling of the world CIDR (cycled over the places it is written). */
  readonly world: number;
  /** The world CIDR written as this many parts (1: whole); a part per rule resource where the style allows, an ACL entry per part. */
  readonly cidrParts: 1 | 2 | 3;
  /** Split each port range in two adjacent ranges (rules and ACL entries of more than one port). */
  readonly splitPorts: boolean;
  /** Instance IPv6 address as a count or as a list (family ipv6, address "instance"). */
  readonly ipv6Instance: "count" | "list";
  /** The internet route inline in the table or as an aws_route. */
  readonly route: "inline" | "resource";
  /** ACL entries inline in the ACL or as aws_network_acl_rule resources. */
  readonly acl: "inline" | "resource";
  /** A seed for names and order. */
  readonly shuffle: number;
  /** Rule names taken from content (stable) or random words. */
  readonly names: "content" | "random";
}

export const VPC_V4 = "10.0.0.0/16";
export const VPC_V6 = "2600:1f18:1234:5600::/56";
export const SUBNET_V4 = "10.0.1.0/24";
export const SUBNET_V6 = "2600:1f18:1234:5601::/64";
const PRIVATE: Record<Family, string> = { ipv4: "10.0.0.0/8", ipv6: "fd00::/8" };
/** Every way the world is written, per family. */
export const WORLD: Record<Family, readonly string[]> = {
  ipv4: ["0.0.0.0/0"],
  ipv6: ["::/0", "0::/0", "::0/0", "0:0:0:0:0:0:0:0/0", "0000::/0", "::0000/0"],
};
/** The world in parts whose union is the world. */
const WORLD_PARTS: Record<Family, Record<2 | 3, string[]>> = {
  ipv4: { 2: ["0.0.0.0/1", "128.0.0.0/1"], 3: ["0.0.0.0/1", "128.0.0.0/2", "192.0.0.0/2"] },
  ipv6: { 2: ["::/1", "8000::/1"], 3: ["::/1", "8000::/2", "c000::/2"] },
};

const PROTOCOL_NUMBER: Record<Proto, string> = { tcp: "6", udp: "17", all: "-1" };

/*
 * In Terraform JSON, inline `ingress`, `route` and ACL entries are attributes, not blocks: every
 * argument must be written (null or empty where unused), as Terraform requires of them.
 */
const INGRESS_ATTRIBUTES = { cidr_blocks: [], ipv6_cidr_blocks: [], prefix_list_ids: [], security_groups: [], self: false };
const ROUTE_ATTRIBUTES = Object.fromEntries(
  ["carrier_gateway_id", "cidr_block", "core_network_arn", "destination_prefix_list_id", "egress_only_gateway_id", "gateway_id", "ipv6_cidr_block", "local_gateway_id", "nat_gateway_id", "network_interface_id", "transit_gateway_id", "vpc_endpoint_id", "vpc_peering_connection_id"].map((k) => [k, null]),
);
const ACL_ATTRIBUTES = { cidr_block: null, ipv6_cidr_block: null, icmp_code: null, icmp_type: null };

/** A small deterministic generator for names and shuffles. */
function prng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32;
  };
}

function shuffled<T>(xs: readonly T[], rnd: () => number): T[] {
  const out = [...xs];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/** The object with its keys in a shuffled order (JSON key order must not matter). */
function reorder<T extends Record<string, unknown>>(o: T, rnd: () => number): T {
  return Object.fromEntries(shuffled(Object.entries(o), rnd)) as T;
}

/** The port ranges a rule is written as. */
function portParts(r: { proto: Proto; from: number; to: number }, split: boolean): [number, number][] {
  if (r.proto === "all") return [[0, 0]];
  if (!split || r.from === r.to) return [[r.from, r.to]];
  const mid = r.from + Math.floor((r.to - r.from) / 2);
  return [
    [r.from, mid],
    [mid + 1, r.to],
  ];
}

/** Where the world is written, cycling spellings. */
function worldCidrs(sp: Spelling, counter: { n: number }): string[] {
  if (sp.cidrParts > 1) return WORLD_PARTS[sp.family][sp.cidrParts as 2 | 3];
  const spellings = WORLD[sp.family];
  return [spellings[(sp.world + counter.n++) % spellings.length]];
}

/** Terraform JSON `resource` block of the scenario as spelled. */
export function render(s: Scenario, sp: Spelling): Res {
  const rnd = prng(sp.shuffle);
  const v6 = sp.family === "ipv6";
  const counter = { n: 0 };
  const word = () => `n${Math.floor(rnd() * 1e9).toString(36)}`;
  const out: Res = {
    aws_vpc: { v: { cidr_block: VPC_V4, ...(v6 ? { ipv6_cidr_block: VPC_V6, ipv6_ipam_pool_id: "ipam-pool-0123456789abcdef0" } : {}) } },
    aws_internet_gateway: { igw: { vpc_id: "${aws_vpc.v.id}" } },
    aws_route_table: { t: { vpc_id: "${aws_vpc.v.id}" } },
    aws_subnet: {
      s: {
        vpc_id: "${aws_vpc.v.id}",
        cidr_block: SUBNET_V4,
        ...(v6 ? { ipv6_cidr_block: SUBNET_V6 } : {}),
        ...(s.address === "subnet" ? (v6 ? { assign_ipv6_address_on_creation: true } : { map_public_ip_on_launch: true }) : {}),
      },
    },
    aws_route_table_association: { s: { subnet_id: "${aws_subnet.s.id}", route_table_id: "${aws_route_table.t.id}" } },
    aws_security_group: { g: { vpc_id: "${aws_vpc.v.id}", description: "scenario group" } },
    aws_instance: {
      i: {
        ami: "ami-12345678",
        instance_type: "t3.micro",
        subnet_id: "${aws_subnet.s.id}",
        vpc_security_group_ids: ["${aws_security_group.g.id}"],
        ...(s.address === "instance" ? (v6 ? (sp.ipv6Instance === "count" ? { ipv6_address_count: 1 } : { ipv6_addresses: ["2600:1f18:1234:5601::10"] }) : { associate_public_ip_address: true }) : {}),
        ...(s.address === "none" && !v6 ? { associate_public_ip_address: false } : {}),
      },
    },
  };
  const inst = out.aws_instance.i;
  if (s.workload === "group") {
    // The same workload as an Auto Scaling group: its address from the template's network interface.
    const { ami, instance_type, subnet_id: _s, vpc_security_group_ids, ...own } = inst;
    const ni = Object.keys(own).length ? { network_interfaces: [{ device_index: 0, security_groups: vpc_security_group_ids, ...own }] } : { vpc_security_group_ids };
    delete out.aws_instance;
    out.aws_launch_template = { t: { image_id: ami, instance_type, metadata_options: { http_tokens: "required" }, ...ni } };
    out.aws_autoscaling_group = { i: { min_size: 1, max_size: 1, vpc_zone_identifier: ["${aws_subnet.s.id}"], launch_template: { id: "${aws_launch_template.t.id}", version: "${aws_launch_template.t.latest_version}" } } };
  }
  if (s.routed) {
    const dest = v6 ? { ipv6_cidr_block: WORLD.ipv6[sp.world % WORLD.ipv6.length] } : { cidr_block: "0.0.0.0/0" };
    if (sp.route === "inline") out.aws_route_table.t.route = [{ ...ROUTE_ATTRIBUTES, ...dest, gateway_id: "${aws_internet_gateway.igw.id}" }];
    else out.aws_route = { internet: { route_table_id: "${aws_route_table.t.id}", ...(v6 ? { destination_ipv6_cidr_block: dest.ipv6_cidr_block } : { destination_cidr_block: "0.0.0.0/0" }), gateway_id: "${aws_internet_gateway.igw.id}" } };
  }
  // Security group rules.
  const inline: Record<string, unknown>[] = [];
  const groupRules: Record<string, Record<string, unknown>> = {};
  const vpcRules: Record<string, Record<string, unknown>> = {};
  const cidrKey = v6 ? "ipv6_cidr_blocks" : "cidr_blocks";
  s.rules.forEach((r, i) => {
    const style = sp.styles[i % sp.styles.length];
    const cidrs = r.unknown ? ["${var.source}"] : r.world ? worldCidrs(sp, counter) : [PRIVATE[sp.family]];
    const name = (part: string) => (sp.names === "content" ? `r${i}_${r.proto}_${r.from}_${r.to}${part}` : `${word()}${part}`);
    portParts(r, sp.splitPorts).forEach(([from, to], p) => {
      const ports = r.proto === "all" ? { from_port: 0, to_port: 0 } : { from_port: from, to_port: to };
      if (style === "inline") inline.push({ ...INGRESS_ATTRIBUTES, protocol: r.proto === "all" ? "-1" : r.proto, ...ports, [cidrKey]: cidrs, description: `rule ${i}` });
      else if (style === "sg_rule") {
        // One resource per CIDR part when the world is split: the parts open the port only together.
        const groups = cidrs.length > 1 ? cidrs.map((c) => [c]) : [cidrs];
        groups.forEach((cs, c) => {
          groupRules[name(`_${p}_${c}`)] = { type: "ingress", security_group_id: "${aws_security_group.g.id}", protocol: r.proto === "all" ? "-1" : r.proto, ...ports, [cidrKey]: cs, description: `rule ${i}` };
        });
      } else {
        cidrs.forEach((c, ci) => {
          vpcRules[name(`_${p}_${ci}`)] = {
            security_group_id: "${aws_security_group.g.id}",
            ip_protocol: r.proto === "all" ? "-1" : r.proto,
            ...(r.proto === "all" ? {} : { from_port: from, to_port: to }),
            [v6 ? "cidr_ipv6" : "cidr_ipv4"]: c,
            description: `rule ${i}`,
          };
        });
      }
    });
  });
  if (inline.length) out.aws_security_group.g.ingress = shuffled(inline, rnd);
  if (Object.keys(groupRules).length) out.aws_security_group_rule = reorder(groupRules, rnd);
  if (Object.keys(vpcRules).length) out.aws_vpc_security_group_ingress_rule = reorder(vpcRules, rnd);
  // Network ACL.
  if (s.acl) {
    out.aws_network_acl = { a: { vpc_id: "${aws_vpc.v.id}", subnet_ids: ["${aws_subnet.s.id}"] } };
    // ACL entries are ordered: a split entry's parts take the numbers right after it (numbers are
    // multiples of ten, so at most six parts keep their place among the other entries).
    const entries = s.acl.flatMap((e) => {
      const cidrs = e.world ? worldCidrs(sp, counter) : [PRIVATE[sp.family]];
      const parts = cidrs.flatMap((cidr) => portParts(e, sp.splitPorts).map(([from, to]) => ({ cidr, from, to })));
      return parts.map((p, i) => ({ e: { ...e, n: e.n + i, from: p.from, to: p.to }, cidr: p.cidr }));
    });
    if (sp.acl === "inline") {
      for (const dir of ["ingress", "egress"] as const) {
        const list = entries
          .filter(({ e }) => e.egress === (dir === "egress"))
          .map(({ e, cidr }) => ({ ...ACL_ATTRIBUTES, rule_no: e.n, action: e.allow ? "allow" : "deny", protocol: e.proto === "all" ? "-1" : e.proto, from_port: e.proto === "all" ? 0 : e.from, to_port: e.proto === "all" ? 0 : e.to, [v6 ? "ipv6_cidr_block" : "cidr_block"]: cidr }));
        if (list.length) out.aws_network_acl.a[dir] = shuffled(list, rnd);
      }
    } else {
      out.aws_network_acl_rule = reorder(
        Object.fromEntries(
          entries.map(({ e, cidr }) => [
            sp.names === "content" ? `${e.egress ? "out" : "in"}_${e.n}` : word(),
            { network_acl_id: "${aws_network_acl.a.id}", rule_number: e.n, egress: e.egress, protocol: PROTOCOL_NUMBER[e.proto], rule_action: e.allow ? "allow" : "deny", ...(e.proto === "all" ? {} : { from_port: e.from, to_port: e.to }), [v6 ? "ipv6_cidr_block" : "cidr_block"]: cidr },
          ]),
        ),
        rnd,
      );
    }
  }
  return reorder(out, rnd);
}

/** The rules whose verdicts the relations compare: everything about the network's exposure. */
export const NETWORK_RULES = ALL_RULES.filter((r) =>
  ["sg-no-world-admin-ports", "sg-no-world-high-risk-ports", "sg-no-world-unauthorized-ports", "nacl-no-world-admin-ports", "subnet-no-public-ip", "exposure-no-internet-admin"].includes(r.id),
);

/** The part of the scenario a resource is (every spelling of the group's rules is the group). */
export function partOf(r: Pick<TfResource, "type"> | string): string {
  const type = typeof r === "string" ? r.split(".").slice(-2)[0] : r.type;
  if (/security_group/.test(type)) return "group";
  if (/network_acl/.test(type)) return "acl";
  return type.replace(/^aws_/, "");
}

export interface Verdict {
  /** `rule part severity` of every unsuppressed finding. */
  readonly check: readonly string[];
  /** `protocol port status` of every internet port that reaches the instance, over the probe ports. */
  readonly exposure: readonly string[];
}

/** Ports worth probing for a scenario: the rules' edges and their neighbours, and the ports rules name. */
export function probes(s: Scenario): number[] {
  const out = new Set([0, 1, 21, 22, 23, 80, 443, 1023, 1024, 3306, 3389, 8080, 65535]);
  for (const r of [...s.rules, ...(s.acl ?? [])]) for (const p of [r.from - 1, r.from, r.to, r.to + 1]) if (p >= 0 && p <= 65535) out.add(p);
  return [...out].sort((a, b) => a - b);
}

const JUDGED = new WeakMap<readonly TfResource[], { findings: Finding[]; paths: ReturnType<typeof listedPaths> }>();

/** What check and exposure say, in the scenario's terms. */
export function verdictOf(resource: Res, ports: readonly number[], suppressions: readonly FileSuppression[] = []): Verdict & { findings: Finding[] } {
  return verdictOfResources(configResources({ resource }, "s"), ports, "", suppressions);
}

/** The verdict on resources read from any input (a plan too), for the scenario in module instance `module` ("" at the root). */
export function verdictOfResources(resources: readonly TfResource[], ports: readonly number[], module = "", suppressions: readonly FileSuppression[] = []): Verdict & { findings: Finding[] } {
  const prefix = module ? `${module}.` : "";
  const mine = (address: string) => (module ? address.startsWith(prefix) && !address.slice(prefix.length).startsWith("module.") : !address.startsWith("module."));
  // One run per input: a plan holding many scenarios is judged once and read per module.
  const judged = suppressions.length ? undefined : JUDGED.get(resources);
  const all = judged ?? { findings: runRules(resources, NETWORK_RULES, { scope: "resource", suppressions }).findings, paths: listedPaths(buildContext(resources)) };
  if (!judged && !suppressions.length) JUDGED.set(resources, all);
  const findings = all.findings.filter((f) => mine(f.address));
  const check = [...new Set(findings.filter((f) => !f.suppressed).map((f) => `${f.ruleId} ${partOf(f.address)} ${f.severity}`))].sort();
  const exposure = new Set<string>();
  for (const p of all.paths) {
    if (p.source.kind !== "internet" || ![`${prefix}aws_instance.i`, `${prefix}aws_autoscaling_group.i`].includes(p.destination.address)) continue;
    for (const port of ports) if (port >= p.ports[0] && port <= p.ports[1]) exposure.add(`${p.protocol} ${port} ${p.status}`);
  }
  return { check, exposure: [...exposure].sort(), findings };
}

// ------------------------------------------------------------------------------- generators

const PORTS = fc.oneof(fc.constantFrom(0, 1, 21, 22, 23, 80, 443, 1023, 1024, 3306, 3389, 5432, 8080, 65535), fc.integer({ min: 0, max: 65535 }));
const range = fc.tuple(PORTS, PORTS).map(([a, b]) => (a <= b ? [a, b] : [b, a]) as [number, number]);
const proto = fc.constantFrom<Proto>("tcp", "tcp", "tcp", "udp", "all");

export const sgRule: fc.Arbitrary<SgRule> = fc
  .record({ proto, range, world: fc.boolean(), unknown: fc.oneof({ weight: 9, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }) })
  .map(({ proto: p, range: [from, to], world, unknown }) => ({ proto: p, from: p === "all" ? 0 : from, to: p === "all" ? 0 : to, world, ...(unknown ? { unknown } : {}) }));

export const aclEntry: fc.Arbitrary<AclEntry> = fc
  .record({ n: fc.integer({ min: 1, max: 32 }).map((x) => x * 10), egress: fc.boolean(), allow: fc.boolean(), proto, range, world: fc.boolean() })
  .map(({ n, egress, allow, proto: p, range: [from, to], world }) => ({ n, egress, allow, proto: p, from: p === "all" ? 0 : from, to: p === "all" ? 0 : to, world }));

/**
 * ACL entries with distinct numbers per direction: a few random ones, and most often an allow-all
 * both ways numbered after them (as ACLs are written: exceptions first), so that paths get through.
 */
const acl = fc.tuple(fc.array(aclEntry, { maxLength: 4 }), fc.boolean(), fc.boolean()).map(([es, allIn, allOut]) => {
  const seen = new Set<string>();
  const base: AclEntry[] = [
    ...(allIn || !allOut ? [{ n: 500, egress: false, allow: true, proto: "all" as const, from: 0, to: 0, world: true }] : []),
    ...(allOut || !allIn ? [{ n: 500, egress: true, allow: true, proto: "all" as const, from: 0, to: 0, world: true }] : []),
  ];
  return [...es, ...base].filter((e) => {
    const k = `${e.egress}:${e.n}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
});

export const scenario: fc.Arbitrary<Scenario> = fc.record(
  {
    rules: fc.array(sgRule, { minLength: 1, maxLength: 4 }),
    acl,
    routed: fc.oneof({ weight: 3, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
    address: fc.constantFrom<Scenario["address"]>("none", "subnet", "subnet", "instance", "instance"),
    workload: fc.constantFrom<"instance" | "group">("instance", "instance", "group"),
  },
  { requiredKeys: ["rules", "routed", "address", "workload"] },
);

const style = fc.constantFrom<"inline" | "sg_rule" | "vpc_rule">("inline", "sg_rule", "vpc_rule");
export const spelling = (family?: Family): fc.Arbitrary<Spelling> =>
  fc.record({
    family: family ? fc.constant(family) : fc.constantFrom<Family>("ipv4", "ipv6"),
    styles: fc.array(style, { minLength: 1, maxLength: 3 }),
    world: fc.nat({ max: 5 }),
    cidrParts: fc.constantFrom<1 | 2 | 3>(1, 1, 2, 3),
    splitPorts: fc.boolean(),
    ipv6Instance: fc.constantFrom<"count" | "list">("count", "list"),
    route: fc.constantFrom<"inline" | "resource">("inline", "resource"),
    acl: fc.constantFrom<"inline" | "resource">("inline", "resource"),
    shuffle: fc.integer({ min: 1, max: 2 ** 31 - 1 }),
    names: fc.constantFrom<"content" | "random">("content", "random"),
  });

/** The plainest spelling: IPv4, inline, whole CIDRs and ranges, content names. */
export const PLAIN: Spelling = { family: "ipv4", styles: ["inline"], world: 0, cidrParts: 1, splitPorts: false, ipv6Instance: "count", route: "inline", acl: "inline", shuffle: 1, names: "content" };

/** A scenario strictly more open than `s`: one rule from the internet instead of a private range, a wider range, or an ACL deny made an allow. */
export const widened = (s: Scenario, i: number, how: "world" | "ports" | "acl"): Scenario => ({
  ...s,
  ...(how === "acl" && s.acl ? { acl: s.acl.map((e, j) => (j === i % s.acl!.length ? { ...e, allow: true } : e)) } : {}),
  rules: s.rules.map((r, j) => (j !== i % s.rules.length || how === "acl" ? r : how === "world" ? { proto: r.proto, from: r.from, to: r.to, world: true } : r.proto === "all" ? r : { ...r, from: Math.max(0, r.from - 100), to: Math.min(65535, r.to + 100) })),
});

/** The Terraform JSON a failing case is printed as: the smallest spelling that shows it. */
export const shown = (resource: Res) => JSON.stringify({ resource }, null, 1);

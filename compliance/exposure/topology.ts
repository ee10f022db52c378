import { cidrRange, IpFamily, Ranges, subtractRanges, unionRanges } from "../../modules/core/cidr";
import { templateOf } from "../families/compute";
import { intersectRanges, naclRuleSets, prefixListPeer, RuleSet, securityGroupRuleSets, valueTargets } from "../families/network";
import { RuleContext, TfResource } from "../model";
import { asList, blocks, bool, first, isUnknown, knownBlocks, num, str, unknown, Unknown } from "../values";

/**
 * The network as the exposure analysis sees it, read from the same model as the rules:
 * subnets with where their route tables send each address and their ACL, the things that sit
 * in them (Auto Scaling groups, instances, load balancers, interface endpoints) with their
 * security groups, peering connections and subnet tiers. Anything this input cannot say is
 * Unknown, so a path through it is unverifiable, never open or closed.
 */

/** Addresses a layer lets through: `certain` whatever unknown values turn out to be, `possible` if they turn out wide. */
export type Verdict = { readonly certain: Ranges; readonly possible: Ranges };
export const NONE: Verdict = { certain: [], possible: [] };
const ALL: Record<IpFamily, Ranges> = { ipv4: [[0n, (1n << 32n) - 1n]], ipv6: [[0n, (1n << 128n) - 1n]] };
export const all = (family: IpFamily): Ranges => ALL[family];
export const everything = (family: IpFamily): Verdict => ({ certain: ALL[family], possible: ALL[family] });
export const meet = (a: Verdict, b: Verdict): Verdict => ({ certain: intersectRanges(a.certain, b.certain), possible: intersectRanges(a.possible, b.possible) });
export const join = (a: Verdict, b: Verdict): Verdict => ({ certain: unionRanges([...a.certain, ...b.certain]), possible: unionRanges([...a.possible, ...b.possible]) });
export const exactly = (r: Ranges): Verdict => ({ certain: r, possible: r });

/** Where a subnet's route table sends addresses, by longest prefix. */
export interface Routing {
  /** Addresses routed to an internet gateway. */
  readonly internet: Record<IpFamily, Verdict>;
  /** Addresses routed to each peering connection (by Peering.key). */
  readonly peerings: ReadonlyMap<string, Record<IpFamily, Verdict>>;
}

export interface Subnet {
  readonly resource: TfResource;
  readonly vpc?: TfResource;
  /** Its addresses: exactly its CIDRs, or — a CIDR not known until apply — possibly any of the VPC's. */
  readonly addresses: Record<IpFamily, Verdict>;
  readonly routing: Routing;
  /** The subnet's ACL; undefined is AWS's default ACL left as it is (allows everything). */
  readonly acl: RuleSet | undefined | Unknown;
  readonly mapsPublicIp: boolean | Unknown;
  readonly assignsIpv6: boolean | Unknown;
}

export interface Workload {
  readonly kind: "auto-scaling group" | "instance" | "load balancer" | "vpc endpoint";
  readonly resource: TfResource;
  readonly subnets: Subnet[] | Unknown;
  /** Addresses of the security groups its interfaces carry. */
  readonly groups: string[] | Unknown;
  /** Has a public IPv4 address (instances: their own setting or the subnet's; load balancers: internet-facing). */
  readonly publicIpv4: boolean | Unknown;
  /** Has an IPv6 address (instances and templates: `ipv6_address_count`/`ipv6_addresses`; load balancers: internet-facing and dual-stack; endpoints: dual-stack or IPv6); undefined: the subnet's setting. */
  readonly ipv6?: boolean | Unknown;
  readonly internetFacing?: boolean | Unknown;
  /** Network load balancers without security groups filter nothing. */
  readonly unfiltered?: boolean;
  readonly lbType?: string;
  /** Ports it answers on (load balancers: their listeners'; endpoints for AWS services: HTTPS), when known. */
  readonly listening?: ReadonlySet<number>;
  /** Protocols it answers on, when not both. */
  readonly protocols?: readonly ("tcp" | "udp")[];
}

export interface Forward {
  readonly lb: Workload;
  readonly listener: TfResource;
  readonly port: number;
  readonly targetGroup: TfResource;
  readonly targetPort: number | Unknown;
  readonly targets: Workload[];
}

/** A VPC peering connection: a resource of this input, or one a route names by id. */
export interface Peering {
  readonly key: string;
  /** Its address, or the `pcx-` id a route gives. */
  readonly id: string;
  readonly resource?: TfResource;
  /** Both VPCs, where this input holds them. */
  readonly vpcs: readonly TfResource[];
}

/** Subnets of one VPC with the same `bulwark:tier` tag (network and NetworkAclTier set it), or one untagged subnet. */
export interface Tier {
  readonly id: string;
  readonly stack: string;
  readonly vpc?: TfResource;
  readonly subnets: Subnet[];
  readonly addresses: Record<IpFamily, Verdict>;
}

export interface Topology {
  readonly subnets: Map<string, Subnet>;
  readonly workloads: Workload[];
  readonly forwards: Forward[];
  /** Security groups' rule sets by stack and address. */
  readonly groupSets: Map<string, RuleSet>;
  group(stack: string, address: string): RuleSet | undefined;
  readonly naclSets: RuleSet[];
  readonly peerings: Map<string, Peering>;
  readonly tiers: Tier[];
  /** Address ranges of each VPC (key: stack + address). */
  readonly vpcRanges: Map<string, Record<IpFamily, Ranges> | Unknown>;
}

export const TIER_TAG = "bulwark:tier";
export const key = (r: TfResource) => `${r.stack}\u0000${r.address}`;

function rangesOf(...cidrs: unknown[]): Record<IpFamily, Ranges> {
  const out: Record<IpFamily, (readonly [bigint, bigint])[]> = { ipv4: [], ipv6: [] };
  for (const c of cidrs) {
    if (typeof c !== "string") continue;
    const r = cidrRange(c);
    if (r) out[r.family].push(r.range);
  }
  return { ipv4: unionRanges(out.ipv4), ipv6: unionRanges(out.ipv6) };
}

/** Resources an attribute refers to, by reference or known id; Unknown when it cannot be followed. */
function targets(ctx: RuleContext, r: TfResource, attr: string, type: string): TfResource[] | Unknown {
  const byRef = ctx.referenced(r, attr).filter((t) => t.type === type);
  const values = asList(r.values[attr]).flatMap((v) => (Array.isArray(v) ? v : [v]));
  const byId = values.filter((v): v is string => typeof v === "string").flatMap((v) => ctx.named(v).filter((t) => t.type === type && t.stack === r.stack));
  const found = [...new Set([...byRef, ...byId])];
  const unresolved = ctx.isOpaque(r, attr) || (isUnknown(r.values[attr]) && found.length === 0) || values.some((v) => (isUnknown(v) || typeof v === "string") && !found.length);
  if (found.length === 0 && unresolved) return unknown(`${r.address}.${attr} refers to something not in this input`);
  return found;
}

/** Builds (once per run) the topology of every stack in the context. */
export function topology(ctx: RuleContext): Topology {
  return ctx.memo("exposure-topology", () => build(ctx));
}

// ------------------------------------------------------------------------------- routes

type Target = { kind: "igw" } | { kind: "peering"; key: string } | { kind: "local" } | { kind: "other" } | { kind: "unknown" };
type Destination = { family: IpFamily; range: readonly [bigint, bigint]; length: number } | { unknown: "cidr" | "prefix-list"; family?: IpFamily };

/** Route targets an argument names, per argument: which kind of next hop each is. */
const TARGET_ARGS = ["gateway_id", "vpc_peering_connection_id", "nat_gateway_id", "egress_only_gateway_id", "transit_gateway_id", "network_interface_id", "vpc_endpoint_id", "local_gateway_id", "carrier_gateway_id", "core_network_arn", "instance_id"];

function routeTarget(ctx: RuleContext, holder: TfResource, attr: string, route: Record<string, unknown>, peerings: Map<string, Peering>): Target | undefined {
  for (const arg of TARGET_ARGS) {
    const v = route[arg];
    if (v === undefined || v === null || v === "") continue;
    if (isUnknown(v) && v.set === false) continue;
    const on = attr === "route" ? "route" : arg;
    if (arg === "gateway_id") {
      if (v === "local") return { kind: "local" };
      if (typeof v === "string") return v.startsWith("igw-") ? { kind: "igw" } : { kind: "other" };
      const t = valueTargets(ctx, holder, on, v, (r) => r.type === "aws_internet_gateway" || r.type === "aws_vpn_gateway");
      if (t) return t[0].type === "aws_internet_gateway" ? { kind: "igw" } : { kind: "other" };
      return { kind: "unknown" };
    }
    if (arg === "vpc_peering_connection_id") {
      const t = valueTargets(ctx, holder, on, v, (r) => r.type === "aws_vpc_peering_connection" || r.type === "aws_vpc_peering_connection_accepter");
      if (t) {
        const pcx = peeringOf(ctx, t[0]);
        return pcx ? { kind: "peering", key: key(pcx) } : { kind: "unknown" };
      }
      if (typeof v === "string") {
        const k = `${holder.stack}\u0000${v}`;
        if (!peerings.has(k)) peerings.set(k, { key: k, id: v, vpcs: [] });
        return { kind: "peering", key: k };
      }
      return { kind: "unknown" };
    }
    return { kind: "other" };
  }
  return undefined;
}

/** An accepter stands for the connection it accepts. */
function peeringOf(ctx: RuleContext, r: TfResource): TfResource | undefined {
  if (r.type === "aws_vpc_peering_connection") return r;
  const t = valueTargets(ctx, r, "vpc_peering_connection_id", r.values.vpc_peering_connection_id, (x) => x.type === "aws_vpc_peering_connection");
  return t?.[0];
}

function destinations(ctx: RuleContext, holder: TfResource, attr: string, v4: unknown, v6: unknown, prefixList: unknown): Destination[] {
  const out: Destination[] = [];
  for (const [family, dest] of [["ipv4", v4], ["ipv6", v6]] as const) {
    if (dest === undefined || dest === null || dest === "" || (isUnknown(dest) && dest.set === false)) continue;
    if (isUnknown(dest)) out.push({ unknown: "cidr", family });
    else if (typeof dest === "string") {
      const r = cidrRange(dest);
      if (r) out.push({ family: r.family, range: r.range, length: Number(dest.split("/")[1] ?? (r.family === "ipv4" ? 32 : 128)) });
    }
  }
  if (prefixList !== undefined && prefixList !== null && prefixList !== "" && !(isUnknown(prefixList) && prefixList.set === false)) {
    const pl = prefixListPeer(ctx, holder, attr === "route" ? "route" : "destination_prefix_list_id", prefixList);
    if (!pl.cidrs) out.push({ unknown: "prefix-list" });
    else
      for (const c of pl.cidrs) {
        if (isUnknown(c)) out.push({ unknown: "cidr" });
        else {
          const r = cidrRange(c);
          if (r) out.push({ family: r.family, range: r.range, length: Number(c.split("/")[1] ?? (r.family === "ipv4" ? 32 : 128)) });
        }
      }
  }
  return out;
}

/**
 * Paints a route table's routes by prefix length (longer wins) over the VPC's local routes, and
 * reads off the addresses each next hop gets. A destination not known until apply can take any
 * address: it makes its target possible for all, and takes every address from the certain
 * answer of the others — except an unknown prefix list, which this analysis takes for an AWS
 * service's addresses (a gateway endpoint's, CloudFront's), never a client's.
 */
function routingOf(ctx: RuleContext, table: TfResource, local: Record<IpFamily, Ranges> | Unknown, peerings: Map<string, Peering>): Routing {
  const routes: { dest: Destination; target: Target }[] = [];
  for (const b of knownBlocks(table.values.route)) {
    const target = routeTarget(ctx, table, "route", b, peerings);
    if (!target) continue;
    for (const dest of destinations(ctx, table, "route", b.cidr_block, b.ipv6_cidr_block, b.destination_prefix_list_id)) routes.push({ dest, target });
  }
  if (isUnknown(table.values.route) && table.values.route.set !== false) routes.push({ dest: { unknown: "cidr" }, target: { kind: "unknown" } });
  for (const r of ctx.referencing("aws_route", "route_table_id", table)) {
    const target = routeTarget(ctx, r, "aws_route", r.values, peerings);
    if (!target) continue;
    for (const dest of destinations(ctx, r, "aws_route", r.values.destination_cidr_block, r.values.destination_ipv6_cidr_block, r.values.destination_prefix_list_id)) routes.push({ dest, target });
  }
  const targetKey = (t: Target) => (t.kind === "peering" ? `peering:${t.key}` : t.kind);
  const result = { internet: { ipv4: NONE, ipv6: NONE } as Record<IpFamily, Verdict>, peerings: new Map<string, Record<IpFamily, Verdict>>() };
  for (const family of ["ipv4", "ipv6"] as const) {
    const known = routes.filter((r): r is { dest: Extract<Destination, { range: unknown }>; target: Target } => "range" in r.dest && r.dest.family === family);
    const localRanges = isUnknown(local) ? [] : local[family];
    // Longest prefix wins: paint shorter prefixes first, local routes over what they cover.
    let painted: { range: readonly [bigint, bigint]; target: Target }[] = [];
    const paint = (range: readonly [bigint, bigint], target: Target) => {
      const next: { range: readonly [bigint, bigint]; target: Target }[] = [];
      for (const p of painted) for (const rest of subtractRanges([p.range], [range])) next.push({ range: rest, target: p.target });
      next.push({ range, target });
      painted = next;
    };
    for (const r of [...known].sort((a, b) => a.dest.length - b.dest.length)) paint(r.dest.range, r.target);
    for (const r of localRanges) paint(r, { kind: "local" });
    const unknownDests = routes.flatMap((r) => ("unknown" in r.dest && (r.dest.family === undefined || r.dest.family === family) ? [{ what: r.dest.unknown, target: r.target }] : []));
    const by = new Map<string, (readonly [bigint, bigint])[]>();
    for (const p of painted) (by.get(targetKey(p.target)) ?? by.set(targetKey(p.target), []).get(targetKey(p.target))!).push(p.range);
    const unknownTarget = unionRanges(by.get("unknown") ?? []);
    const verdictFor = (k: string): Verdict => {
      const mine = unionRanges(by.get(k) ?? []);
      const anyAddress = unknownDests.some((r) => targetKey(r.target) === k || r.target.kind === "unknown");
      const taken = unknownDests.some((r) => r.what === "cidr" && targetKey(r.target) !== k);
      return { certain: taken ? [] : mine, possible: anyAddress ? all(family) : unionRanges([...mine, ...unknownTarget]) };
    };
    result.internet[family] = verdictFor("igw");
    const keys = new Set([...by.keys(), ...unknownDests.map((r) => targetKey(r.target))].filter((k) => k.startsWith("peering:")));
    for (const k of keys) {
      const pk = k.slice("peering:".length);
      const entry = result.peerings.get(pk) ?? result.peerings.set(pk, { ipv4: NONE, ipv6: NONE }).get(pk)!;
      entry[family] = verdictFor(k);
    }
  }
  return result;
}

/** Routing through several tables (a subnet associated twice): certain where all agree, possible where any does. */
function combine(rs: Routing[]): Routing {
  const both = (f: (r: Routing) => Record<IpFamily, Verdict> | undefined): Record<IpFamily, Verdict> => {
    const out = {} as Record<IpFamily, Verdict>;
    for (const family of ["ipv4", "ipv6"] as const) {
      const vs = rs.map((r) => f(r)?.[family] ?? NONE);
      out[family] = { certain: vs.map((v) => v.certain).reduce((a, b) => intersectRanges(a, b)), possible: unionRanges(vs.flatMap((v) => v.possible)) };
    }
    return out;
  };
  const peerings = new Map<string, Record<IpFamily, Verdict>>();
  for (const k of new Set(rs.flatMap((r) => [...r.peerings.keys()]))) peerings.set(k, both((r) => r.peerings.get(k)));
  return { internet: both((r) => r.internet), peerings };
}

const UNKNOWN_ROUTING: Routing = { internet: { ipv4: { certain: [], possible: ALL.ipv4 }, ipv6: { certain: [], possible: ALL.ipv6 } }, peerings: new Map() };
const NO_ROUTES: Routing = { internet: { ipv4: NONE, ipv6: NONE }, peerings: new Map() };

// -------------------------------------------------------------------------------- build

/** AWS services' interface endpoints answer HTTPS; SES's SMTP endpoint answers its mail ports. */
function endpointPorts(service: unknown): ReadonlySet<number> | undefined {
  // PrivateLink services (com.amazonaws.vpce.<region>.vpce-svc-…) answer whatever their provider chose.
  if (typeof service !== "string" || service.startsWith("com.amazonaws.vpce.")) return undefined;
  const m = /^com\.amazonaws\.[a-z0-9-]+\.([a-z0-9.-]+)$/.exec(service);
  if (!m) return undefined;
  return new Set(m[1] === "email-smtp" ? [25, 465, 587, 2465, 2587] : [443]);
}

function build(ctx: RuleContext): Topology {
  const naclSets = naclRuleSets(ctx);
  const aclOf = new Map<string, RuleSet>();
  for (const set of naclSets) if (set.owner) aclOf.set(key(set.owner), set);
  const groupSets = new Map<string, RuleSet>();
  for (const set of securityGroupRuleSets(ctx)) if (set.owner) groupSets.set(key(set.owner), set);

  const vpcRanges = new Map<string, Record<IpFamily, Ranges> | Unknown>();
  for (const v of ctx.ofType("aws_vpc")) {
    const extra = ctx.referencing("aws_vpc_ipv4_cidr_block_association", "vpc_id", v).map((a) => a.values.cidr_block);
    const cidrs = [v.values.cidr_block, v.values.ipv6_cidr_block, ...extra];
    vpcRanges.set(key(v), isUnknown(v.values.cidr_block) && v.values.cidr_block.set !== false ? v.values.cidr_block : rangesOf(...cidrs));
  }

  const peerings = new Map<string, Peering>();
  for (const p of ctx.ofType("aws_vpc_peering_connection")) {
    const vpcs = ["vpc_id", "peer_vpc_id"].flatMap((a) => valueTargets(ctx, p, a, p.values[a], (r) => r.type === "aws_vpc") ?? []);
    peerings.set(key(p), { key: key(p), id: p.address, resource: p, vpcs });
  }

  const routingCache = new Map<string, Routing>();
  const tableRouting = (t: TfResource, vpc: TfResource | undefined) => {
    const k = key(t);
    let r = routingCache.get(k);
    if (!r) {
      const local = vpc ? (vpcRanges.get(key(vpc)) ?? { ipv4: [], ipv6: [] }) : { ipv4: [], ipv6: [] };
      r = routingOf(ctx, t, local, peerings);
      routingCache.set(k, r);
    }
    return r;
  };

  const subnets = new Map<string, Subnet>();
  for (const s of ctx.ofType("aws_subnet")) {
    const vpcs = ctx.referenced(s, "vpc_id").filter((v) => v.type === "aws_vpc");
    const vpc = vpcs.length === 1 ? vpcs[0] : typeof s.values.vpc_id === "string" ? ctx.named(s.values.vpc_id).find((v) => v.type === "aws_vpc" && v.stack === s.stack) : undefined;
    // Route table: the association's, else the VPC's main table.
    const assoc = ctx.referencing("aws_route_table_association", "subnet_id", s);
    let routing: Routing;
    if (assoc.length) {
      const tables = assoc.flatMap((a) => {
        const t = targets(ctx, a, "route_table_id", "aws_route_table");
        return isUnknown(t) ? [] : t;
      });
      routing = tables.length ? combine(tables.map((t) => tableRouting(t, vpc))) : UNKNOWN_ROUTING;
    } else if (ctx.mayReference("aws_route_table_association", "subnet_id", s).length) {
      routing = UNKNOWN_ROUTING;
    } else {
      const main = vpc
        ? [
            ...ctx.referencing("aws_default_route_table", "default_route_table_id", vpc),
            ...ctx.referencing("aws_main_route_table_association", "vpc_id", vpc).flatMap((m) => {
              const t = targets(ctx, m, "route_table_id", "aws_route_table");
              return isUnknown(t) ? [] : t;
            }),
          ]
        : [];
      routing = main.length ? tableRouting(main[0], vpc) : NO_ROUTES;
    }
    // ACL: an association, an ACL listing it, else the VPC's default ACL (managed or AWS's allow-all).
    let acl: RuleSet | undefined | Unknown;
    const assocAcl = ctx.referencing("aws_network_acl_association", "subnet_id", s).flatMap((a) => ctx.referenced(a, "network_acl_id"));
    const listing = ctx.referencing("aws_network_acl", "subnet_ids", s);
    const chosen = [...assocAcl, ...listing][0];
    if (chosen) acl = aclOf.get(key(chosen)) ?? { owner: chosen, rules: [] };
    else if (ctx.mayReference("aws_network_acl_association", "subnet_id", s).length || ctx.mayReference("aws_network_acl", "subnet_ids", s).length) acl = unknown("its network ACL association cannot be followed");
    else {
      const dflt = vpc ? ctx.referencing("aws_default_network_acl", "default_network_acl_id", vpc)[0] : undefined;
      acl = dflt ? (aclOf.get(key(dflt)) ?? { owner: dflt, rules: [] }) : undefined;
    }
    const maps = bool(s.values.map_public_ip_on_launch);
    const v6 = bool(s.values.assign_ipv6_address_on_creation);
    const known = rangesOf(s.values.cidr_block, s.values.ipv6_cidr_block);
    const inVpc = vpc ? vpcRanges.get(key(vpc)) : undefined;
    const addressOf = (family: IpFamily, given: unknown): Verdict =>
      isUnknown(given) && given.set !== false ? { certain: [], possible: inVpc && !isUnknown(inVpc) && inVpc[family].length ? inVpc[family] : all(family) } : exactly(known[family]);
    subnets.set(key(s), {
      resource: s,
      ...(vpc ? { vpc } : {}),
      addresses: { ipv4: addressOf("ipv4", s.values.cidr_block), ipv6: addressOf("ipv6", s.values.ipv6_cidr_block) },
      routing,
      acl,
      mapsPublicIp: maps === undefined ? false : maps,
      assignsIpv6: v6 === undefined ? false : v6,
    });
  }
  const subnetsOf = (r: TfResource, attr: string): Subnet[] | Unknown => {
    const t = targets(ctx, r, attr, "aws_subnet");
    return isUnknown(t) ? t : t.map((s) => subnets.get(key(s))!).filter(Boolean);
  };
  const groupsOf = (r: TfResource, ...attrs: string[]): string[] | Unknown => {
    const out: string[] = [];
    for (const attr of attrs) {
      const v = r.values[attr];
      // Not given (a plan shows an unset computed attribute as known after apply, not set).
      if (v === undefined || (isUnknown(v) && v.set === false && !(r.refs[attr]?.length) && !ctx.isOpaque(r, attr))) continue;
      const t = targets(ctx, r, attr, "aws_security_group");
      if (isUnknown(t)) return t;
      out.push(...t.map((g) => g.address));
    }
    return out;
  };
  const publicOf = (own: unknown, subs: Subnet[] | Unknown): boolean | Unknown => {
    const b = bool(own);
    if (b === true || b === false) return b;
    if (isUnknown(b) && b.set !== false) return b;
    if (isUnknown(subs)) return subs;
    const maps = subs.map((s) => s.mapsPublicIp);
    return maps.includes(true) ? true : (maps.find(isUnknown) ?? false);
  };

  /**
   * An IPv6 address the launch asks for itself (`ipv6_address_count` above 0, `ipv6_addresses`), on
   * the instance or a launch template's network interface; undefined leaves it to the subnet's
   * `assign_ipv6_address_on_creation`.
   */
  const ipv6Of = (v: Record<string, unknown> | undefined): boolean | Unknown | undefined => {
    if (!v) return undefined;
    const count = v.ipv6_address_count;
    const list = v.ipv6_addresses;
    if (typeof count === "number" && count > 0) return true;
    if (Array.isArray(list) && list.length > 0) return true;
    if (isUnknown(count) && count.set !== false) return count;
    if (isUnknown(list) && list.set !== false) return list;
    return undefined;
  };

  const workloads: Workload[] = [];
  const byAddress = new Map<string, Workload>();
  for (const g of ctx.ofType("aws_autoscaling_group")) {
    const subs = subnetsOf(g, "vpc_zone_identifier");
    const lt = templateOf(ctx, g) ?? templateOf(ctx, g, "mixed_instances_policy");
    let groups: string[] | Unknown = [];
    let publicIp: boolean | Unknown = false;
    let ipv6: boolean | Unknown | undefined;
    if (isUnknown(lt)) {
      groups = lt;
      publicIp = lt;
      ipv6 = lt;
    } else if (lt) {
      const ni = first(lt.resource.values.network_interfaces);
      const ownGroups = groupsOf(lt.resource, "vpc_security_group_ids", "security_group_names");
      groups = ni && !isUnknown(ni) && ni.security_groups !== undefined ? groupsOf(lt.resource, "network_interfaces") : ownGroups;
      publicIp = publicOf(ni && !isUnknown(ni) ? ni.associate_public_ip_address : undefined, subs);
      ipv6 = isUnknown(ni) ? ni : ipv6Of(ni);
    }
    const w: Workload = { kind: "auto-scaling group", resource: g, subnets: subs, groups, publicIpv4: publicIp, ...(ipv6 !== undefined ? { ipv6 } : {}) };
    workloads.push(w);
    byAddress.set(key(g), w);
  }
  for (const i of ctx.ofType("aws_instance")) {
    const subs: Subnet[] | Unknown = i.values.subnet_id === undefined ? unknown("no subnet_id: the default VPC") : subnetsOf(i, "subnet_id");
    const ipv6 = ipv6Of(i.values);
    const w: Workload = { kind: "instance", resource: i, subnets: subs, groups: groupsOf(i, "vpc_security_group_ids", "security_groups"), publicIpv4: publicOf(i.values.associate_public_ip_address, subs), ...(ipv6 !== undefined ? { ipv6 } : {}) };
    workloads.push(w);
    byAddress.set(key(i), w);
  }
  for (const lb of [...ctx.ofType("aws_lb"), ...ctx.ofType("aws_alb")]) {
    const internal = bool(lb.values.internal);
    const facing = internal === true ? false : internal === false || internal === undefined ? true : internal;
    const subs = lb.values.subnets !== undefined ? subnetsOf(lb, "subnets") : subnetsOf(lb, "subnet_mapping");
    const type = str(lb.values.load_balancer_type);
    const lbType = typeof type === "string" ? type : "application";
    const ipType = str(lb.values.ip_address_type);
    const dualStack = isUnknown(ipType) ? ipType : typeof ipType === "string" && ipType.startsWith("dualstack");
    const noGroups = lb.values.security_groups === undefined || (Array.isArray(lb.values.security_groups) && lb.values.security_groups.length === 0);
    const ipv6 = facing === true ? dualStack : facing;
    const w: Workload = { kind: "load balancer", resource: lb, subnets: subs, groups: groupsOf(lb, "security_groups"), publicIpv4: facing, ipv6, internetFacing: facing, lbType, unfiltered: lbType === "network" && noGroups };
    workloads.push(w);
    byAddress.set(key(lb), w);
  }
  for (const e of ctx.ofType("aws_vpc_endpoint")) {
    // Interface endpoints are addresses in subnets; gateway endpoints are route targets.
    if (str(e.values.vpc_endpoint_type) !== "Interface") continue;
    const assocSubnets = ctx.referencing("aws_vpc_endpoint_subnet_association", "vpc_endpoint_id", e).map((a) => subnetsOf(a, "subnet_id"));
    const own = e.values.subnet_ids === undefined ? [] : subnetsOf(e, "subnet_ids");
    const subs: Subnet[] | Unknown = [own, ...assocSubnets].find(isUnknown) ?? [...new Set([own as Subnet[], ...(assocSubnets as Subnet[][])].flat())];
    const assocGroups = ctx.referencing("aws_vpc_endpoint_security_group_association", "vpc_endpoint_id", e).map((a) => groupsOf(a, "security_group_id"));
    let groups: string[] | Unknown = [groupsOf(e, "security_group_ids"), ...assocGroups].find(isUnknown) ?? [...new Set([groupsOf(e, "security_group_ids") as string[], ...(assocGroups as string[][])].flat())];
    if (!isUnknown(groups) && groups.length === 0) {
      // No group named: AWS gives the endpoint the VPC's default security group.
      const vpc = valueTargets(ctx, e, "vpc_id", e.values.vpc_id, (r) => r.type === "aws_vpc")?.[0];
      const dflt = vpc ? ctx.referencing("aws_default_security_group", "vpc_id", vpc)[0] : undefined;
      groups = dflt ? [dflt.address] : unknown(`${e.address} has no security_group_ids: the VPC's default security group, which this input does not hold`);
    }
    const ipType = str(e.values.ip_address_type);
    const ipv6 = isUnknown(ipType) ? ipType : ipType === "dualstack" || ipType === "ipv6";
    const listening = endpointPorts(e.values.service_name);
    const w: Workload = { kind: "vpc endpoint", resource: e, subnets: subs, groups, publicIpv4: false, ipv6, ...(listening ? { listening, protocols: ["tcp"] as const } : {}) };
    workloads.push(w);
    byAddress.set(key(e), w);
  }

  const forwards: Forward[] = [];
  const listenerPorts = new Map<string, Set<number>>();
  for (const listener of ctx.ofType("aws_lb_listener")) {
    const lbs = ctx.referenced(listener, "load_balancer_arn").map((l) => byAddress.get(key(l))).filter((w): w is Workload => !!w);
    const port = num(listener.values.port);
    if (lbs.length !== 1 || typeof port !== "number") continue;
    const k = key(lbs[0].resource);
    (listenerPorts.get(k) ?? listenerPorts.set(k, new Set()).get(k)!).add(port);
    for (const action of knownBlocks(listener.values.default_action)) {
      if (str(action.type) !== "forward") continue;
      const tgs = ctx.referenced(listener, "default_action").filter((t) => t.type === "aws_lb_target_group");
      for (const tg of tgs) {
        const members = [
          ...ctx.referencing("aws_autoscaling_group", "target_group_arns", tg),
          ...ctx.referencing("aws_autoscaling_attachment", "lb_target_group_arn", tg).flatMap((a) => ctx.referenced(a, "autoscaling_group_name")),
          ...ctx.referencing("aws_lb_target_group_attachment", "target_group_arn", tg).flatMap((a) => ctx.referenced(a, "target_id")),
        ]
          .map((m) => byAddress.get(key(m)))
          .filter((w): w is Workload => !!w);
        const tp = num(tg.values.port);
        forwards.push({ lb: lbs[0], listener, port, targetGroup: tg, targetPort: tp === undefined ? port : tp, targets: [...new Set(members)] });
      }
    }
  }
  // A load balancer answers only on its listeners' ports.
  for (const [i, w] of workloads.entries()) {
    const ports = w.kind === "load balancer" ? listenerPorts.get(key(w.resource)) : undefined;
    if (ports) {
      const withPorts = { ...w, listening: ports };
      workloads[i] = withPorts;
      byAddress.set(key(w.resource), withPorts);
    }
  }
  const current = (w: Workload) => byAddress.get(key(w.resource)) ?? w;
  const linked = forwards.map((f) => ({ ...f, lb: current(f.lb), targets: f.targets.map(current) }));

  // Tiers: subnets of one VPC sharing a tier tag; an untagged subnet is a tier of its own.
  const tierMap = new Map<string, { id: string; stack: string; vpc?: TfResource; subnets: Subnet[] }>();
  for (const s of subnets.values()) {
    const tags = s.resource.values.tags;
    const tag = tags && typeof tags === "object" && !isUnknown(tags) ? (tags as Record<string, unknown>)[TIER_TAG] : undefined;
    const id = typeof tag === "string" ? `tier:${tag}` : s.resource.address;
    const k = `${s.resource.stack}\u0000${s.vpc ? key(s.vpc) : "?"}\u0000${id}`;
    const t = tierMap.get(k) ?? tierMap.set(k, { id, stack: s.resource.stack, ...(s.vpc ? { vpc: s.vpc } : {}), subnets: [] }).get(k)!;
    t.subnets.push(s);
  }
  const tiers: Tier[] = [...tierMap.values()].map((t) => ({ ...t, addresses: { ipv4: t.subnets.map((s) => s.addresses.ipv4).reduce(join, NONE), ipv6: t.subnets.map((s) => s.addresses.ipv6).reduce(join, NONE) } }));

  return { subnets, workloads, forwards: linked, groupSets, group: (stack, address) => groupSets.get(`${stack}\u0000${address}`), naclSets, peerings, tiers, vpcRanges };
}

/** Blocks of an argument, for callers that need the raw list. */
export { blocks };

import { cidrRange, cidrsCoverInternet, IpFamily, Ranges, unionRanges } from "../../modules/core/cidr";
import { templateOf } from "../families/compute";
import { naclRuleSets, RuleSet, securityGroupRuleSets } from "../families/network";
import { RuleContext, TfResource } from "../model";
import { asList, bool, first, isUnknown, knownBlocks, num, str, unknown, Unknown } from "../values";

/**
 * The network as the exposure analysis sees it, read from the same model as the rules:
 * subnets with their routes to the internet and their ACL, and the things that sit in them
 * (Auto Scaling groups, instances, load balancers) with their security groups. Anything this
 * input cannot say is Unknown, so a path through it is unverifiable, never open or closed.
 */

export interface Subnet {
  readonly resource: TfResource;
  readonly ranges: Record<IpFamily, Ranges>;
  /** A route to an internet gateway for the family's whole internet (0.0.0.0/0, ::/0). */
  readonly internetRoute: Record<IpFamily, boolean | Unknown>;
  /** The subnet's ACL; undefined is AWS's default ACL left as it is (allows everything). */
  readonly acl: RuleSet | undefined | Unknown;
  readonly mapsPublicIp: boolean | Unknown;
  readonly assignsIpv6: boolean | Unknown;
}

export interface Workload {
  readonly kind: "auto-scaling group" | "instance" | "load balancer";
  readonly resource: TfResource;
  readonly subnets: Subnet[] | Unknown;
  /** Addresses of the security groups its interfaces carry. */
  readonly groups: string[] | Unknown;
  /** Has a public IPv4 address (instances: their own setting or the subnet's; load balancers: internet-facing). */
  readonly publicIpv4: boolean | Unknown;
  readonly internetFacing?: boolean | Unknown;
  /** Load balancers: dual-stack (an IPv6 address); network load balancers without security groups filter nothing. */
  readonly dualStack?: boolean | Unknown;
  readonly unfiltered?: boolean;
  readonly lbType?: string;
}

export interface Forward {
  readonly lb: Workload;
  readonly listener: TfResource;
  readonly port: number;
  readonly targetGroup: TfResource;
  readonly targetPort: number | Unknown;
  readonly targets: Workload[];
}

export interface Topology {
  readonly subnets: Map<string, Subnet>;
  readonly workloads: Workload[];
  readonly forwards: Forward[];
  readonly groupSets: Map<string, RuleSet>;
  readonly naclSets: RuleSet[];
  /** Ports each load balancer listens on (stack + address → ports), when its listeners are in the input. */
  readonly listenerPorts: Map<string, Set<number>>;
}

const key = (r: TfResource) => `${r.stack}\u0000${r.address}`;

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

function routesToInternet(ctx: RuleContext, table: TfResource): Record<IpFamily, boolean | Unknown> {
  const out: Record<IpFamily, boolean | Unknown> = { ipv4: false, ipv6: false };
  const routes: { dest4: unknown; dest6: unknown; gateway: unknown; holder: TfResource; attr: string }[] = [];
  for (const b of knownBlocks(table.values.route)) routes.push({ dest4: b.cidr_block, dest6: b.ipv6_cidr_block, gateway: b.gateway_id, holder: table, attr: "route" });
  for (const r of ctx.referencing("aws_route", "route_table_id", table)) routes.push({ dest4: r.values.destination_cidr_block, dest6: r.values.destination_ipv6_cidr_block, gateway: r.values.gateway_id, holder: r, attr: "gateway_id" });
  for (const route of routes) {
    const gw = route.gateway;
    if (gw === undefined || gw === null || gw === "") continue;
    const igw = ctx.referenced(route.holder, route.attr).some((g) => g.type === "aws_internet_gateway") || (typeof gw === "string" && gw.startsWith("igw-"));
    const unknownGw = !igw && isUnknown(gw) && (ctx.isOpaque(route.holder, route.attr) || !(route.holder.refs[route.attr]?.length));
    for (const [family, dest] of [["ipv4", route.dest4], ["ipv6", route.dest6]] as const) {
      if (isUnknown(dest)) {
        if ((igw || unknownGw) && out[family] !== true) out[family] = dest;
      } else if (typeof dest === "string" && cidrsCoverInternet([dest])) {
        if (igw) out[family] = true;
        else if (unknownGw && out[family] !== true) out[family] = gw as Unknown;
      }
    }
  }
  return out;
}

function build(ctx: RuleContext): Topology {
  const naclSets = naclRuleSets(ctx);
  const aclOf = new Map<string, RuleSet>();
  for (const set of naclSets) if (set.owner) aclOf.set(key(set.owner), set);
  const groupSets = new Map<string, RuleSet>();
  for (const set of securityGroupRuleSets(ctx)) if (set.owner) groupSets.set(set.owner.address, set);

  const subnets = new Map<string, Subnet>();
  for (const s of ctx.ofType("aws_subnet")) {
    const vpcs = ctx.referenced(s, "vpc_id").filter((v) => v.type === "aws_vpc");
    const vpc = vpcs.length === 1 ? vpcs[0] : undefined;
    // Route table: the association's, else the VPC's main table.
    const assoc = ctx.referencing("aws_route_table_association", "subnet_id", s);
    let internetRoute: Record<IpFamily, boolean | Unknown>;
    if (assoc.length) {
      const tables = assoc.flatMap((a) => {
        const t = targets(ctx, a, "route_table_id", "aws_route_table");
        return isUnknown(t) ? [] : t;
      });
      internetRoute = tables.length ? tables.map((t) => routesToInternet(ctx, t)).reduce((a, b) => ({ ipv4: a.ipv4 === true ? true : b.ipv4, ipv6: a.ipv6 === true ? true : b.ipv6 })) : { ipv4: unknown("route table not in this input"), ipv6: false };
    } else if (ctx.mayReference("aws_route_table_association", "subnet_id", s).length) {
      internetRoute = { ipv4: unknown("a route table association's reference cannot be followed"), ipv6: false };
    } else {
      const main = vpc ? [...ctx.referencing("aws_default_route_table", "default_route_table_id", vpc), ...ctx.referencing("aws_main_route_table_association", "vpc_id", vpc).flatMap((m) => { const t = targets(ctx, m, "route_table_id", "aws_route_table"); return isUnknown(t) ? [] : t; })] : [];
      internetRoute = main.length ? routesToInternet(ctx, main[0]) : { ipv4: false, ipv6: false };
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
    subnets.set(key(s), {
      resource: s,
      ranges: rangesOf(s.values.cidr_block, s.values.ipv6_cidr_block),
      internetRoute,
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
      if (r.values[attr] === undefined) continue;
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

  const workloads: Workload[] = [];
  const byAddress = new Map<string, Workload>();
  for (const g of ctx.ofType("aws_autoscaling_group")) {
    const subs = subnetsOf(g, "vpc_zone_identifier");
    const lt = templateOf(ctx, g) ?? templateOf(ctx, g, "mixed_instances_policy");
    let groups: string[] | Unknown = [];
    let publicIp: boolean | Unknown = false;
    if (isUnknown(lt)) {
      groups = lt;
      publicIp = lt;
    } else if (lt) {
      const ni = first(lt.resource.values.network_interfaces);
      const ownGroups = groupsOf(lt.resource, "vpc_security_group_ids", "security_group_names");
      groups = ni && !isUnknown(ni) && ni.security_groups !== undefined ? groupsOf(lt.resource, "network_interfaces") : ownGroups;
      publicIp = publicOf(ni && !isUnknown(ni) ? ni.associate_public_ip_address : undefined, subs);
    }
    const w: Workload = { kind: "auto-scaling group", resource: g, subnets: subs, groups, publicIpv4: publicIp };
    workloads.push(w);
    byAddress.set(key(g), w);
  }
  for (const i of ctx.ofType("aws_instance")) {
    const subs: Subnet[] | Unknown = i.values.subnet_id === undefined ? unknown("no subnet_id: the default VPC") : subnetsOf(i, "subnet_id");
    const w: Workload = { kind: "instance", resource: i, subnets: subs, groups: groupsOf(i, "vpc_security_group_ids", "security_groups"), publicIpv4: publicOf(i.values.associate_public_ip_address, subs) };
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
    const w: Workload = { kind: "load balancer", resource: lb, subnets: subs, groups: groupsOf(lb, "security_groups"), publicIpv4: facing, internetFacing: facing, dualStack, lbType, unfiltered: lbType === "network" && noGroups };
    workloads.push(w);
    byAddress.set(key(lb), w);
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
  return { subnets, workloads, forwards, groupSets, naclSets, listenerPorts };
}

import { cidrRange, coversInternet, INTERNET, IpFamily, Ranges, rangesSize, subtractRanges, unionRanges } from "../../modules/core/cidr";
import { allowedRanges, intersectRanges, NetRule, PrefixListPeer, RuleSet } from "../families/network";
import { RuleContext, TfResource } from "../model";
import { bool, isUnknown, str, Unknown } from "../values";
import { all, everything, exactly, Forward, join, meet, NONE, Subnet, Tier, topology, Topology, Verdict, Workload } from "./topology";

/**
 * Who can reach what: a path exists when routes, network ACLs (both directions, the reply on
 * the client's ephemeral ports) and security groups (stateful) all allow it. `open` holds
 * whatever unknown values turn out to be; `unverifiable` only if they turn out wide.
 */

export type SourceKind = "internet" | "cidr" | "subnet" | "security-group" | "prefix-list" | "peering";

export interface PathSource {
  readonly kind: SourceKind;
  /** internet: its CIDR; cidr: the CIDRs; subnet: `tier:<tag>` or the subnet's address; security group, prefix list, peering: address or id. */
  readonly id: string;
  /** What else names it: a prefix list's name, the peer addresses a peering reaches, the part of a tier that reaches. */
  readonly name?: string;
}

export interface ExposurePath {
  readonly source: PathSource;
  readonly destination: { readonly stack: string; readonly address: string; readonly group?: string; readonly kind: Workload["kind"] };
  readonly protocol: "tcp" | "udp";
  readonly ports: readonly [number, number];
  readonly via: readonly string[];
  readonly status: "open" | "unverifiable";
  /** Why it is unverifiable, when one thing decides it. */
  readonly reason?: string;
  /** The destination resource (for suppressions and construct paths). */
  readonly resource: TfResource;
  /** The destination's security groups (addresses), when known. */
  readonly groups?: readonly string[];
  /** The source's addresses that reach, for address sources: what `--from CIDR` matches and a network load balancer passes on. */
  readonly addresses?: { readonly family: IpFamily } & Verdict;
  /**
   * A path from inside (a subnet tier, a peer, a prefix list) to where the internet's open path goes on
   * the same ports and way: not listed (listedPaths), but kept so that a change to the internet's path
   * never reads as opening it.
   */
  readonly covered?: true;
}

/** Client ports a reply goes back to (Linux, Windows and NAT gateways use parts of this range). */
export const EPHEMERAL: readonly [number, number] = [1024, 65535];

const replyCache = new WeakMap<object, Map<string, Verdict>>();

/** What an ACL lets in on `port` and back out to the client's ephemeral ports, for one family (`inbound` false: out on `port`, the reply in). */
function aclBothWays(acl: Subnet["acl"], protocol: "tcp" | "udp", port: number, family: IpFamily, inbound = true): Verdict {
  if (isUnknown(acl)) return { certain: [], possible: all(family) };
  const first = allowedRanges(acl, inbound ? "ingress" : "egress", protocol, port, family, true);
  if (!acl) return first;
  const cache = replyCache.get(acl) ?? replyCache.set(acl, new Map()).get(acl)!;
  const k = `${protocol}|${family}|${inbound}`;
  let reply = cache.get(k);
  if (!reply) {
    reply = replyOf(acl, protocol, family, inbound);
    cache.set(k, reply);
  }
  return meet(first, reply);
}

/** Addresses the ACL lets a reply reach on some of the client's ephemeral ports. */
function replyOf(acl: RuleSet, protocol: "tcp" | "udp", family: IpFamily, inbound: boolean): Verdict {
  const replyDir = inbound ? "egress" : "ingress";
  let reply: Verdict = NONE;
  for (const p of edges([acl], replyDir).filter((q) => q >= EPHEMERAL[0] && q <= EPHEMERAL[1]).concat(EPHEMERAL[0])) reply = join(reply, allowedRanges(acl, replyDir, protocol, p, family, true));
  return reply;
}

/** Ports where a rule set's answer may change (each rule's edges and their neighbours) in one direction. */
function edges(sets: readonly RuleSet[], direction: "ingress" | "egress"): number[] {
  const ports = new Set<number>([0, 65535]);
  for (const set of sets)
    for (const r of set.rules) {
      if (r.direction !== direction) continue;
      for (const v of [r.from, r.to]) if (typeof v === "number" && v >= 0 && v <= 65535) ports.add(v);
      if (typeof r.from === "number" && r.from > 0 && r.from <= 65535) ports.add(r.from - 1);
      if (typeof r.to === "number" && r.to >= 0 && r.to < 65535) ports.add(r.to + 1);
    }
  return [...ports].sort((a, b) => a - b);
}

/** Sources a workload's security groups admit on `port` by address. */
function groupsAdmit(topo: Topology, stack: string, groups: string[] | Unknown, protocol: "tcp" | "udp", port: number, family: IpFamily): Verdict {
  if (isUnknown(groups)) return { certain: [], possible: all(family) };
  let v: Verdict = NONE;
  for (const g of groups) {
    const set = topo.group(stack, g);
    v = set ? join(v, allowedRanges(set, "ingress", protocol, port, family, false)) : { certain: v.certain, possible: all(family) };
  }
  return v;
}

function egressAdmit(topo: Topology, stack: string, groups: string[], protocol: "tcp" | "udp", port: number, family: IpFamily): Verdict {
  let v: Verdict = NONE;
  for (const g of groups) {
    const set = topo.group(stack, g);
    if (!set) return { certain: v.certain, possible: all(family) };
    v = join(v, allowedRanges(set, "egress", protocol, port, family, false));
  }
  return v;
}

/** Might the rule match this protocol and port (true), surely (sure), or not at all? */
function ruleMatches(r: NetRule, protocol: "tcp" | "udp", port: number): "sure" | "maybe" | false {
  if (r.protocol === undefined) return false;
  if (isUnknown(r.protocol) || isUnknown(r.from) || isUnknown(r.to)) return "maybe";
  if (r.protocol === "all") return "sure";
  if (r.protocol !== protocol) return false;
  return r.from <= port && port <= r.to ? "sure" : false;
}

/** Does one of `groups` admit a member of `peers` (by group reference) on the port? */
function admitsGroup(topo: Topology, stack: string, groups: readonly string[], peers: readonly string[], direction: "ingress" | "egress", protocol: "tcp" | "udp", port: number): boolean {
  return groups.some((g) => topo.group(stack, g)?.rules.some((r) => r.direction === direction && r.peers && r.peers.groups.some((p) => peers.includes(p)) && ruleMatches(r, protocol, port) === "sure"));
}

/** Prefix lists the groups' ingress rules admit on the port: with the addresses this input holds, or named only. */
function prefixListsAt(topo: Topology, stack: string, groups: string[] | Unknown, protocol: "tcp" | "udp", port: number, family: IpFamily): { resolved: { peer: PrefixListPeer; ranges: Ranges }[]; named: PrefixListPeer[] } {
  const out = { resolved: [] as { peer: PrefixListPeer; ranges: Ranges }[], named: [] as PrefixListPeer[] };
  if (isUnknown(groups)) return out;
  for (const g of groups)
    for (const r of topo.group(stack, g)?.rules ?? []) {
      if (r.direction !== "ingress" || r.prefixLists.length === 0 || !ruleMatches(r, protocol, port)) continue;
      for (const peer of r.prefixLists) {
        if (!peer.cidrs) {
          if (!out.named.some((n) => n.id === peer.id)) out.named.push(peer);
          continue;
        }
        const ranges = unionRanges(peer.cidrs.flatMap((c) => (typeof c === "string" ? [cidrRangeOf(c, family)].filter((x): x is readonly [bigint, bigint] => !!x) : [])));
        if (ranges.length && !out.resolved.some((x) => x.peer.id === peer.id)) out.resolved.push({ peer, ranges });
      }
    }
  return out;
}

const cidrRangeOf = (c: string, family: IpFamily) => {
  const r = cidrRange(c);
  return r && r.family === family ? r.range : undefined;
};

/** The peer's addresses a subnet can answer through a peering connection: the other VPC's, when this input holds it. */
function peerAddresses(topo: Topology, peeringKey: string, d: Subnet, family: IpFamily): Verdict {
  const pcx = topo.peerings.get(peeringKey);
  const other = pcx?.vpcs.filter((v) => v !== d.vpc) ?? [];
  if (!pcx || other.length !== 1) return everything(family);
  const r = topo.vpcRanges.get(`${other[0].stack}\u0000${other[0].address}`);
  return !r || isUnknown(r) ? { certain: [], possible: all(family) } : exactly(r[family]);
}

type Found = { readonly source: PathSource; readonly status: "open" | "unverifiable"; readonly addresses?: Verdict; readonly reason?: string };

const statusOf = (v: Verdict, test: (r: Ranges) => boolean): "open" | "unverifiable" | undefined => (test(v.certain) ? "open" : test(v.possible) ? "unverifiable" : undefined);
const nonEmpty = (r: Ranges) => r.length > 0;

/**
 * Every address source that reaches `w` on one protocol, port and family: the internet and public
 * CIDRs through an internet gateway, prefix lists, peered VPCs, and the VPC's subnet tiers.
 */
function sourcesAt(topo: Topology, tiers: readonly Tier[], w: Workload, protocol: "tcp" | "udp", port: number, family: IpFamily): Found[] {
  const out: Found[] = [];
  const stack = w.resource.stack;
  const sg = w.unfiltered ? everything(family) : groupsAdmit(topo, stack, w.groups, protocol, port, family);
  const lists = w.unfiltered ? { resolved: [], named: [] } : prefixListsAt(topo, stack, w.groups, protocol, port, family);
  const subnets: (Subnet | undefined)[] = isUnknown(w.subnets) ? [undefined] : w.subnets;
  let ext: Verdict = NONE;
  let aclOpen = false;
  const peers = new Map<string, Verdict>();
  const reach = new Map<Tier, Verdict>();
  for (const d of subnets) {
    const acl = d ? aclBothWays(d.acl, protocol, port, family) : { certain: [], possible: all(family) };
    const base = meet(sg, acl);
    if (nonEmpty(acl.possible)) aclOpen = true;
    // From outside the VPC through an internet gateway: the workload needs an address of the family and the subnet a route back.
    const address = family === "ipv4" ? w.publicIpv4 : (w.ipv6 ?? (d ? d.assignsIpv6 : (w.subnets as Unknown)));
    if (address !== false && nonEmpty(base.possible)) {
      const routed = d ? d.routing.internet[family] : { certain: [], possible: all(family) };
      let v = meet(meet(base, routed), exactly(INTERNET[family]));
      if (isUnknown(address)) v = { certain: [], possible: v.possible };
      ext = join(ext, v);
    }
    if (!d) {
      // Where it runs is not known: any tier its groups admit may reach it.
      for (const t of tiers) {
        const v = meet(sg, t.addresses[family]);
        if (nonEmpty(v.possible)) reach.set(t, join(reach.get(t) ?? NONE, { certain: [], possible: v.possible }));
      }
      continue;
    }
    // From a peered VPC: the addresses this subnet routes back through the connection.
    for (const [pk, routed] of d.routing.peerings) {
      const v = meet(meet(base, routed[family]), peerAddresses(topo, pk, d, family));
      if (nonEmpty(v.possible)) peers.set(pk, join(peers.get(pk) ?? NONE, v));
    }
    // From the VPC's subnet tiers, by address: through the ACLs of both subnets (none inside one subnet).
    for (const t of tiers) {
      if (!nonEmpty(intersectRanges(sg.possible, t.addresses[family].possible))) continue;
      const sameVpc = t.vpc && d.vpc ? t.vpc === d.vpc : undefined;
      if (sameVpc === false) continue;
      for (const s of t.subnets) {
        let v: Verdict;
        if (s === d) v = meet(sg, s.addresses[family]);
        else {
          const toward = meet(aclBothWays(s.acl, protocol, port, family, false), d.addresses[family]);
          v = meet(base, s.addresses[family]);
          v = { certain: nonEmpty(toward.certain) ? v.certain : [], possible: nonEmpty(toward.possible) ? v.possible : [] };
        }
        if (sameVpc === undefined) v = { certain: [], possible: v.possible };
        if (nonEmpty(v.possible)) reach.set(t, join(reach.get(t) ?? NONE, v));
      }
    }
  }
  const internetId = family === "ipv4" ? "0.0.0.0/0" : "::/0";
  const st = statusOf(ext, (r) => coversInternet(r, family));
  if (st) out.push({ source: { kind: "internet", id: internetId }, status: st, addresses: ext });
  else if (nonEmpty(ext.certain)) {
    // Part of the internet: named by the prefix lists that admit it, the rest by its CIDRs.
    let rest = ext.certain;
    for (const { peer, ranges } of lists.resolved) {
      const mine = intersectRanges(ext.certain, ranges);
      if (!nonEmpty(mine)) continue;
      out.push({ source: { kind: "prefix-list", id: peer.id, ...(peer.name ? { name: peer.name } : {}) }, status: "open", addresses: exactly(mine) });
      rest = subtractRanges(rest, ranges);
    }
    if (nonEmpty(rest)) out.push({ source: { kind: "cidr", id: cidrText(rest, family) }, status: "open", addresses: exactly(rest) });
  }
  for (const peer of lists.named)
    if (aclOpen) out.push({ source: { kind: "prefix-list", id: peer.id, ...(peer.name ? { name: peer.name } : {}) }, status: "unverifiable", reason: `the entries of prefix list ${peer.id} are not in this input` });
  for (const [pk, v] of peers) {
    const pcx = topo.peerings.get(pk)!;
    if (nonEmpty(v.certain)) out.push({ source: { kind: "peering", id: pcx.id, name: cidrText(v.certain, family) }, status: "open", addresses: v });
    else out.push({ source: { kind: "peering", id: pcx.id }, status: "unverifiable", addresses: v });
  }
  for (const [t, v] of reach) {
    const whole = rangesSize(subtractRanges(t.addresses[family].possible, v.certain)) === 0n;
    if (whole) out.push({ source: { kind: "subnet", id: t.id }, status: "open", addresses: v });
    else if (nonEmpty(v.certain)) out.push({ source: { kind: "subnet", id: t.id, name: cidrText(v.certain, family) }, status: "open", addresses: v });
    else out.push({ source: { kind: "subnet", id: t.id }, status: "unverifiable", addresses: v });
  }
  return out;
}

const sourceKey = (f: Found) => JSON.stringify([f.source.kind, f.source.id, f.source.name ?? "", f.status, f.reason ?? ""]);

/** Paths from address sources to a workload: port ranges with the same sources merged. */
function addressPaths(topo: Topology, tiersOf: Map<string, Tier[]>, aclEdges: Map<string, number[]>, w: Workload): ExposurePath[] {
  const out: ExposurePath[] = [];
  const tiers = tiersOf.get(w.resource.stack) ?? [];
  const groupSets = isUnknown(w.groups) ? [] : w.groups.map((g) => topo.group(w.resource.stack, g)).filter((s): s is RuleSet => !!s);
  const probes = w.listening ? [...w.listening].sort((a, b) => a - b) : [...new Set([...edges(groupSets, "ingress"), ...(aclEdges.get(w.resource.stack) ?? [])])].sort((a, b) => a - b);
  for (const protocol of w.protocols ?? (["tcp", "udp"] as const)) {
    for (const family of ["ipv4", "ipv6"] as const) {
      // One answer per probe holds up to the next probe (on a listener: that port alone).
      const open = new Map<string, { found: Found; from: number; to: number; addresses: Verdict }>();
      const flush = (k: string) => {
        const r = open.get(k)!;
        open.delete(k);
        out.push({
          source: r.found.source,
          destination: { stack: w.resource.stack, address: w.resource.address, kind: w.kind },
          protocol,
          ports: [r.from, r.to],
          via: [],
          status: r.found.status,
          ...(r.found.reason ? { reason: r.found.reason } : r.found.status === "unverifiable" && r.found.source.kind === "internet" ? { reason: undecided(topo, w, protocol, r.from, family) } : {}),
          resource: w.resource,
          ...(isUnknown(w.groups) ? {} : { groups: w.groups }),
          ...(r.found.addresses ? { addresses: { family, ...r.addresses } } : {}),
        });
      };
      probes.forEach((p, i) => {
        const to = w.listening ? p : i + 1 < probes.length ? probes[i + 1] - 1 : 65535;
        const here = new Set<string>();
        for (const f of sourcesAt(topo, tiers, w, protocol, p, family)) {
          const k = sourceKey(f);
          here.add(k);
          const cur = open.get(k);
          if (cur && cur.to + 1 >= p) {
            cur.to = to;
            if (f.addresses) cur.addresses = { certain: intersectRanges(cur.addresses.certain, f.addresses.certain), possible: unionRanges([...cur.addresses.possible, ...f.addresses.possible]) };
          } else {
            if (cur) flush(k);
            open.set(k, { found: f, from: p, to, addresses: f.addresses ?? { certain: [], possible: all(family) } });
          }
        }
        for (const k of [...open.keys()]) if (!here.has(k) || w.listening) flush(k);
      });
      for (const k of [...open.keys()]) flush(k);
    }
  }
  return out;
}

/** Ranges as CIDR text (largest blocks first), for messages and source ids. */
export function cidrText(r: Ranges, family: IpFamily): string {
  const bits = family === "ipv4" ? 32 : 128;
  const out: string[] = [];
  for (const [lo0, hi] of r) {
    let lo = lo0;
    while (lo <= hi) {
      let size = 0;
      while (size < bits && lo % (1n << BigInt(size + 1)) === 0n && lo + (1n << BigInt(size + 1)) - 1n <= hi) size++;
      out.push(`${addressText(lo, family)}/${bits - size}`);
      lo += 1n << BigInt(size);
      if (out.length > 8) return `${out.slice(0, 8).join(", ")}, …`;
    }
  }
  return out.join(", ");
}

function addressText(n: bigint, family: IpFamily): string {
  if (family === "ipv4") return [24n, 16n, 8n, 0n].map((s) => String((n >> s) & 255n)).join(".");
  const parts: string[] = [];
  for (let i = 7; i >= 0; i--) parts.push(((n >> BigInt(i * 16)) & 0xffffn).toString(16));
  return parts.join(":").replace(/(^|:)0(:0)+(:|$)/, "::");
}

/**
 * What a load balancer's targets see of a front path. An application load balancer, and a network
 * load balancer that does not preserve the client's address, connect from their own addresses and
 * groups; a network load balancer that preserves it passes the client's address on, so the targets'
 * groups and ACLs judge the client (or admit the load balancer's group, which AWS honours either way).
 */
function throughForward(topo: Topology, f: Forward, front: ExposurePath, t: Workload): { status: "open" | "unverifiable"; reason?: string; source?: PathSource } | undefined {
  const tp = f.targetPort;
  if (isUnknown(tp)) return { status: "unverifiable", reason: `the port of ${f.targetGroup.address} is not known until apply` };
  if (f.lb.lbType !== "network") {
    const st = innerStatus(topo, f.lb, t, tp);
    return st && { status: st };
  }
  const tg = f.targetGroup.values;
  const type = tg.target_type === undefined ? "instance" : str(tg.target_type);
  const protocol = str(tg.protocol);
  const preserve = bool(tg.preserve_client_ip);
  if (isUnknown(type) || isUnknown(preserve) || (preserve === undefined && isUnknown(protocol)))
    return { status: "unverifiable", reason: `whether ${f.targetGroup.address} passes the client's address to its targets is not known until apply` };
  if (type === "alb") return { status: "unverifiable", reason: `${f.targetGroup.address} forwards to an application load balancer, judged on its own paths` };
  const preserved = preserve ?? (type === "instance" || ["UDP", "TCP_UDP", "QUIC", "TCP_QUIC"].includes(String(protocol ?? "").toUpperCase()));
  const family = front.addresses?.family ?? "ipv4";
  // IPv6 clients reach IPv4 instance targets from the load balancer's own address.
  if (!preserved || (family === "ipv6" && type === "instance")) {
    const st = innerStatus(topo, f.lb, t, tp);
    return st && { status: st };
  }
  if (isUnknown(t.subnets) || isUnknown(t.groups)) return { status: "unverifiable", reason: `where ${t.resource.address} runs, or its groups, are not known until apply` };
  const clients: Verdict = front.addresses ?? { certain: [], possible: all(family) };
  const stack = t.resource.stack;
  const lbGroups = isUnknown(f.lb.groups) ? [] : f.lb.groups;
  const byLbGroup = lbGroups.length > 0 && admitsGroup(topo, stack, t.groups, lbGroups, "ingress", "tcp", tp);
  const sgIn = byLbGroup ? everything(family) : groupsAdmit(topo, stack, t.groups, "tcp", tp, family);
  let seen: Verdict = NONE;
  for (const d of t.subnets) {
    // The load balancer's own groups must let it out to the target.
    const out = f.lb.unfiltered || admitsGroup(topo, stack, lbGroups, t.groups, "egress", "tcp", tp) ? everything(family) : isUnknown(f.lb.groups) ? { certain: [], possible: all(family) } : egressAdmit(topo, stack, lbGroups, "tcp", tp, family);
    const toward = meet(out, d.addresses[family]);
    if (!nonEmpty(toward.possible)) continue;
    let v = meet(meet(clients, sgIn), aclBothWays(d.acl, "tcp", tp, family));
    if (!nonEmpty(toward.certain)) v = { certain: [], possible: v.possible };
    seen = join(seen, v);
  }
  if (front.source.kind === "internet") {
    const st = statusOf(seen, (r) => coversInternet(r, family));
    if (st) return { status: st };
    return nonEmpty(seen.certain) ? { status: "open", source: { kind: "cidr", id: cidrText(seen.certain, family) } } : undefined;
  }
  return nonEmpty(seen.certain) ? { status: "open" } : nonEmpty(seen.possible) ? { status: "unverifiable" } : undefined;
}

/** Sources → load balancer listener → target group → targets on the target port. */
function forwardedPaths(topo: Topology, direct: Map<Workload, ExposurePath[]>): ExposurePath[] {
  const out: ExposurePath[] = [];
  for (const f of topo.forwards) {
    const fronts = (direct.get(f.lb) ?? []).filter((p) => p.source.kind !== "security-group" && p.protocol === "tcp" && p.ports[0] <= f.port && f.port <= p.ports[1]);
    const tp = f.targetPort;
    for (const front of fronts) {
      for (const t of f.targets) {
        const r = throughForward(topo, f, front, t);
        if (!r) continue;
        const status = front.status === "open" && r.status === "open" ? "open" : "unverifiable";
        const reason = r.reason ?? front.reason;
        out.push({
          source: r.source ?? front.source,
          destination: { stack: t.resource.stack, address: t.resource.address, kind: t.kind },
          protocol: "tcp",
          ports: isUnknown(tp) ? [0, 65535] : [tp, tp],
          via: [f.lb.resource.address, f.listener.address, f.targetGroup.address],
          status,
          ...(status === "unverifiable" && reason ? { reason } : {}),
          resource: t.resource,
          ...(isUnknown(t.groups) ? {} : { groups: t.groups }),
          ...(front.addresses ? { addresses: front.addresses } : {}),
        });
      }
    }
  }
  return out;
}

/**
 * Inside the VPC: can members of `from` reach `to` on `port`? Security groups of the target
 * admit the source's groups or subnet addresses; the source's groups let it out; ACLs of both
 * subnets allow the request and the reply.
 */
function innerStatus(topo: Topology, from: Workload, to: Workload, port: number | undefined): "open" | "unverifiable" | undefined {
  if (port === undefined || isUnknown(from.subnets) || isUnknown(to.subnets) || isUnknown(from.groups) || isUnknown(to.groups)) return "unverifiable";
  let best: "open" | "unverifiable" | undefined;
  const fromGroups = from.groups;
  const toGroups = to.groups;
  const stack = to.resource.stack;
  for (const src of from.subnets) {
    for (const dst of to.subnets) {
      for (const family of ["ipv4", "ipv6"] as const) {
        if (!nonEmpty(src.addresses[family].possible) || !nonEmpty(dst.addresses[family].possible)) continue;
        // Target groups: by address, or by naming one of the source's groups.
        const sgIn = admitsGroup(topo, stack, toGroups, fromGroups, "ingress", "tcp", port) ? everything(family) : groupsAdmit(topo, stack, toGroups, "tcp", port, family);
        // Source groups must let the request out (to the target's groups or addresses); a network load balancer without groups filters nothing.
        const sgOut = from.unfiltered || admitsGroup(topo, stack, fromGroups, toGroups, "egress", "tcp", port) ? everything(family) : egressAdmit(topo, stack, fromGroups, "tcp", port, family);
        const same = src === dst;
        const aclDst = same ? everything(family) : aclBothWays(dst.acl, "tcp", port, family);
        const aclSrc = same ? everything(family) : aclBothWays(src.acl, "tcp", port, family, false);
        const sources = meet(meet(src.addresses[family], sgIn), aclDst);
        const dests = meet(meet(dst.addresses[family], sgOut), aclSrc);
        const st: "open" | "unverifiable" | undefined =
          nonEmpty(sources.certain) && nonEmpty(dests.certain) ? "open" : nonEmpty(sources.possible) && nonEmpty(dests.possible) ? "unverifiable" : undefined;
        if (st === "open" || (st && !best)) best = st;
      }
    }
  }
  return best;
}

/** Group-to-group paths: every ingress rule naming another group, judged with routes (local) and ACLs. */
function groupPaths(topo: Topology): ExposurePath[] {
  const out: ExposurePath[] = [];
  const members = new Map<string, Workload[]>();
  const at = (stack: string, g: string) => `${stack}\u0000${g}`;
  for (const w of topo.workloads) if (!isUnknown(w.groups)) for (const g of w.groups) (members.get(at(w.resource.stack, g)) ?? members.set(at(w.resource.stack, g), []).get(at(w.resource.stack, g))!).push(w);
  for (const to of topo.workloads) {
    if (isUnknown(to.groups)) continue;
    const stack = to.resource.stack;
    for (const g of to.groups) {
      for (const rule of topo.group(stack, g)?.rules ?? []) {
        if (rule.direction !== "ingress" || !rule.peers) continue;
        if (typeof rule.from !== "number" || typeof rule.to !== "number" || isUnknown(rule.protocol) || (rule.protocol !== "tcp" && rule.protocol !== "all")) continue;
        for (const peer of rule.peers.groups) {
          for (const from of members.get(at(stack, peer)) ?? []) {
            if (from === to) continue;
            const status = innerStatus(topo, from, to, rule.protocol === "all" ? 0 : rule.from);
            if (!status) continue;
            out.push({
              source: { kind: "security-group", id: peer },
              destination: { stack: to.resource.stack, address: to.resource.address, group: g, kind: to.kind },
              protocol: "tcp",
              ports: rule.protocol === "all" ? [0, 65535] : [rule.from, rule.to],
              via: [from.resource.address],
              status,
              resource: to.resource,
              groups: to.groups as string[],
            });
          }
        }
      }
    }
  }
  return out;
}

/** Sources inside (a subnet tier, a peer, a prefix list) that the internet's own open path to the same place already covers. */
const COVERED_BY_INTERNET: readonly SourceKind[] = ["subnet", "peering", "prefix-list"];

/** Every path of the run, covered ones included (see ExposurePath.covered), memoized per context. */
export function exposurePaths(ctx: RuleContext): ExposurePath[] {
  return ctx.memo("exposure-paths", () => {
    const topo = topology(ctx);
    const tiersOf = new Map<string, Tier[]>();
    for (const t of topo.tiers) (tiersOf.get(t.stack) ?? tiersOf.set(t.stack, []).get(t.stack)!).push(t);
    const aclEdges = new Map<string, number[]>();
    for (const s of topo.subnets.values()) {
      if (!s.acl || isUnknown(s.acl)) continue;
      const e = aclEdges.get(s.resource.stack) ?? [];
      aclEdges.set(s.resource.stack, [...new Set([...e, ...edges([s.acl], "ingress"), ...edges([s.acl], "egress")])]);
    }
    const direct = new Map(topo.workloads.map((w) => [w, addressPaths(topo, tiersOf, aclEdges, w)] as const));
    const paths = [...[...direct.values()].flat(), ...forwardedPaths(topo, direct), ...groupPaths(topo)];
    const internet = paths.filter((p) => p.source.kind === "internet" && p.status === "open");
    const covered = (p: ExposurePath) =>
      COVERED_BY_INTERNET.includes(p.source.kind) &&
      internet.some((i) => i.destination.stack === p.destination.stack && i.destination.address === p.destination.address && i.protocol === p.protocol && i.via.join() === p.via.join() && i.ports[0] <= p.ports[0] && p.ports[1] <= i.ports[1]);
    const seen = new Set<string>();
    return paths.flatMap((p) => {
      const k = JSON.stringify([p.source, p.destination.stack, p.destination.address, p.protocol, p.ports, p.via, p.status]);
      if (seen.has(k)) return [];
      seen.add(k);
      return [covered(p) ? { ...p, covered: true as const } : p];
    });
  });
}

/** The paths `bulwark exposure` lists and the path rules judge: every path but those the internet's covers. */
export function listedPaths(ctx: RuleContext): ExposurePath[] {
  return ctx.memo("exposure-listed-paths", () => exposurePaths(ctx).filter((p) => !p.covered));
}

/** One layer of a path from the internet, as `--why` reports it. */
export interface LayerAnswer {
  /** `route`, `public address`, `network ACL in`, `network ACL reply`, `security groups`. */
  readonly layer: string;
  /** The resource that decides (the subnet, its ACL, the workload). */
  readonly subject: string;
  /** `allows` the whole internet, `allows part` (see `part`), `cannot tell` (unknown values), `blocks`. */
  readonly answer: "allows" | "allows part" | "cannot tell" | "blocks";
  /** The part of the internet the layer lets through, when only part. */
  readonly part?: string;
}

/** Why the internet does or does not reach a workload directly on one port: each layer's answer, per subnet. */
export interface Explanation {
  readonly destination: { readonly stack: string; readonly address: string; readonly kind: Workload["kind"] };
  readonly protocol: "tcp" | "udp";
  readonly port: number;
  readonly family: IpFamily;
  /** `open` when every layer lets the whole internet through; `closed` when one blocks it everywhere; else `unverifiable` or `partly open`. */
  readonly status: "open" | "partly open" | "unverifiable" | "closed";
  /** The layers that block, in the path's order (the first is what stops it). */
  readonly blockedBy: readonly string[];
  /** Per subnet the workload may run in: what of the internet gets through every layer (when only part), and each layer's answer. */
  readonly subnets: readonly { readonly subnet: string; readonly through?: string; readonly layers: readonly LayerAnswer[] }[];
}

function answerOf(v: Verdict, family: IpFamily): Pick<LayerAnswer, "answer" | "part"> {
  const world = INTERNET[family];
  const certain = intersectRanges(v.certain, world);
  if (coversInternet(certain, family)) return { answer: "allows" };
  if (certain.length) return { answer: "allows part", part: cidrText(certain, family) };
  return intersectRanges(v.possible, world).length ? { answer: "cannot tell" } : { answer: "blocks" };
}

/**
 * The direct path from the internet to each workload matching `to` on `port`, layer by layer in
 * the order a packet meets them: the subnet's route to an internet gateway, a public address, the
 * ACL inbound, the ACL for the reply (ephemeral ports), the security groups. A load balancer's
 * forwarded paths are in the listed paths; this answers what stops (or lets) the internet itself.
 */
export function explainInternet(ctx: RuleContext, to: string, port: number, protocols: readonly ("tcp" | "udp")[] = ["tcp"]): Explanation[] {
  const topo = topology(ctx);
  const out: Explanation[] = [];
  for (const w of topo.workloads) {
    if (!(w.resource.address === to || w.resource.address.includes(to) || (!isUnknown(w.groups) && w.groups.includes(to)))) continue;
    for (const protocol of protocols) {
      if (w.protocols && !w.protocols.includes(protocol)) continue;
      for (const family of ["ipv4", "ipv6"] as const) out.push(explainWorkload(topo, w, protocol, port, family));
    }
  }
  return out;
}

/** Why the internet's path is unverifiable: the layers that cannot tell, with what decides them. */
function undecided(topo: Topology, w: Workload, protocol: "tcp" | "udp", port: number, family: IpFamily): string {
  const e = explainWorkload(topo, w, protocol, port, family);
  const bySubject = new Map<string, Set<string>>();
  for (const l of e.subnets.flatMap((s) => s.layers).filter((l) => l.answer === "cannot tell")) {
    const subject = l.subject.replace(/^\((.*)\)$/, "$1");
    (bySubject.get(subject) ?? bySubject.set(subject, new Set()).get(subject)!).add(l.layer.split(" (")[0]);
  }
  const parts = [...bySubject].map(([subject, layers]) => `${[...layers].join(", ")} (${subject})`);
  return parts.length ? `cannot tell until apply: ${parts.join("; ")}` : "each layer lets a different part through, and which part is known only at apply";
}

/** explainInternet for one workload, protocol, port and family. */
function explainWorkload(topo: Topology, w: Workload, protocol: "tcp" | "udp", port: number, family: IpFamily): Explanation {
  const subnets: (Subnet | undefined)[] = isUnknown(w.subnets) ? [undefined] : w.subnets;
  const sg = w.unfiltered ? everything(family) : groupsAdmit(topo, w.resource.stack, w.groups, protocol, port, family);
  const address = family === "ipv4" ? w.publicIpv4 : w.ipv6;
  const rows = subnets.map((d) => {
    const subject = d ? d.resource.address : "(subnets not known until apply)";
    const unknown: Verdict = { certain: [], possible: all(family) };
    const acl = d?.acl;
    const aclName = !d || isUnknown(acl) ? subject : acl === undefined ? `${subject} (the VPC's default ACL, unmanaged)` : (acl.owner?.address ?? subject);
    const hasAddress = address ?? (d ? d.assignsIpv6 : w.subnets);
    const layers: [string, string, Verdict][] = [
      ["route to an internet gateway", subject, d ? d.routing.internet[family] : unknown],
      [family === "ipv4" ? "public IPv4 address" : "IPv6 address", w.resource.address, hasAddress === false ? NONE : isUnknown(hasAddress) ? unknown : everything(family)],
      [`network ACL in (${protocol} ${port})`, aclName, !d || isUnknown(acl) ? unknown : acl ? allowedRanges(acl, "ingress", protocol, port, family, true) : everything(family)],
      [`network ACL reply (${protocol} ${EPHEMERAL.join("-")})`, aclName, !d || isUnknown(acl) ? unknown : acl ? replyOf(acl, protocol, family, true) : everything(family)],
      [`security groups (${protocol} ${port})`, isUnknown(w.groups) ? "(groups not known until apply)" : w.unfiltered ? `${w.resource.address} (no security group)` : w.groups.join(", ") || "(none)", sg],
      // Load balancers answer on their listeners' ports, endpoints for AWS services on HTTPS: nothing else is a path.
      ...(w.listening ? [[`listening on ${port}`, `${w.resource.address} (answers on ${[...w.listening].sort((a, b) => a - b).join(", ") || "no port"})`, w.listening.has(port) ? everything(family) : NONE] as [string, string, Verdict]] : []),
    ];
    const through = answerOf(layers.reduce((v, [, , l]) => meet(v, l), everything(family)), family);
    return { subnet: subject, through, layers: layers.map(([layer, subj, v]) => ({ layer, subject: subj, ...answerOf(v, family) })) };
  });
  const answers = rows.map((r) => r.through.answer);
  const status = answers.every((a) => a === "allows") ? "open" : answers.every((a) => a === "blocks") ? "closed" : answers.some((a) => a === "allows" || a === "allows part") ? "partly open" : "unverifiable";
  // The first layer that blocks in each subnet the internet does not get through; or, when each lets a different part through, none of them alone.
  const blockedBy = [
    ...new Set(
      rows
        .filter((r) => r.through.answer === "blocks")
        .map((r) => {
          const first = r.layers.find((l) => l.answer === "blocks");
          return first ? `${first.layer}: ${first.subject}` : `the layers together (each lets a different part of the internet through): ${r.subnet}`;
        }),
    ),
  ];
  return {
    destination: { stack: w.resource.stack, address: w.resource.address, kind: w.kind },
    protocol,
    port,
    family,
    status,
    blockedBy,
    subnets: rows.map((r) => ({ subnet: r.subnet, ...(r.through.part ? { through: r.through.part } : {}), layers: r.layers })),
  };
}

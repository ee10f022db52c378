import { coversInternet, INTERNET, IpFamily, Ranges, rangesSize, subtractRanges, unionRanges } from "../../modules/core/cidr";
import { allowedRanges, intersectRanges, probePorts, RuleSet } from "../families/network";
import { RuleContext, TfResource } from "../model";
import { isUnknown, Unknown } from "../values";
import { Subnet, topology, Topology, Workload } from "./topology";

/**
 * Who can reach what: a path exists when routes, network ACLs (both directions, the reply on
 * the client's ephemeral ports) and security groups (stateful) all allow it. `open` holds
 * whatever unknown values turn out to be; `unverifiable` only if they turn out wide.
 */

export type SourceKind = "internet" | "cidr" | "subnet" | "security-group";

export interface ExposurePath {
  readonly source: { readonly kind: SourceKind; readonly id: string };
  readonly destination: { readonly stack: string; readonly address: string; readonly group?: string; readonly kind: Workload["kind"] };
  readonly protocol: "tcp" | "udp";
  readonly ports: readonly [number, number];
  readonly via: readonly string[];
  readonly status: "open" | "unverifiable";
  /** The destination resource (for suppressions and construct paths). */
  readonly resource: TfResource;
  /** The destination's security groups (addresses), when known. */
  readonly groups?: readonly string[];
}

/** Client ports a reply goes back to (Linux, Windows and NAT gateways use parts of this range). */
export const EPHEMERAL: readonly [number, number] = [1024, 65535];

type Verdict = { certain: Ranges; possible: Ranges };
const EMPTY: Verdict = { certain: [], possible: [] };
const meet = (a: Verdict, b: Verdict): Verdict => ({ certain: intersectRanges(a.certain, b.certain), possible: intersectRanges(a.possible, b.possible) });
const all = (family: IpFamily): Ranges => subtractRanges(unionRanges([[0n, family === "ipv4" ? (1n << 32n) - 1n : (1n << 128n) - 1n]]), []);
const everything = (family: IpFamily): Verdict => ({ certain: all(family), possible: all(family) });

const replyCache = new WeakMap<object, Map<string, Verdict>>();

/** What an ACL lets in on `port` and back out to the client's ephemeral ports, for one family. */
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
function replyOf(acl: NonNullable<Exclude<Subnet["acl"], Unknown>>, protocol: "tcp" | "udp", family: IpFamily, inbound: boolean): Verdict {
  // The reply goes the other way to any of the client's ephemeral ports: a range the ACL lets through for some of them.
  const replyDir = inbound ? "egress" : "ingress";
  const probes = probePorts({ ...acl, rules: acl.rules.map((r) => ({ ...r, direction: r.direction === replyDir ? "ingress" : "egress" })) }, [...EPHEMERAL]).filter((p) => p >= EPHEMERAL[0] && p <= EPHEMERAL[1]);
  let reply: Verdict = EMPTY;
  for (const p of probes) {
    const r = allowedRanges(acl, replyDir, protocol, p, family, true);
    reply = { certain: unionRanges([...reply.certain, ...r.certain]), possible: unionRanges([...reply.possible, ...r.possible]) };
  }
  return reply;
}

/** Sources a workload's security groups admit on `port` by address. */
function groupsAdmit(topo: Topology, groups: string[] | Unknown, protocol: "tcp" | "udp", port: number, family: IpFamily): Verdict {
  if (isUnknown(groups)) return { certain: [], possible: all(family) };
  let v: Verdict = EMPTY;
  for (const g of groups) {
    const set = topo.groupSets.get(g);
    if (!set) {
      v = { certain: v.certain, possible: all(family) };
      continue;
    }
    const r = allowedRanges(set, "ingress", protocol, port, family, false);
    v = { certain: unionRanges([...v.certain, ...r.certain]), possible: unionRanges([...v.possible, ...r.possible]) };
  }
  return v;
}

function statusOf(v: Verdict, test: (r: Ranges) => boolean): "open" | "unverifiable" | undefined {
  return test(v.certain) ? "open" : test(v.possible) ? "unverifiable" : undefined;
}

/** Merges probe results into port ranges with the same answer. */
function ranges(probes: number[], verdict: (port: number) => string | undefined): { from: number; to: number; value: string }[] {
  const out: { from: number; to: number; value: string }[] = [];
  probes.forEach((p, i) => {
    const v = verdict(p);
    const to = i + 1 < probes.length ? probes[i + 1] - 1 : 65535;
    if (!v) return;
    const last = out[out.length - 1];
    if (last && last.value === v && last.to + 1 >= p) last.to = to;
    else out.push({ from: p, to, value: v });
  });
  return out;
}

function portProbes(topo: Topology, w: Workload, extra: number[] = []): number[] {
  const sets: RuleSet[] = [];
  if (!isUnknown(w.groups)) for (const g of w.groups) if (topo.groupSets.get(g)) sets.push(topo.groupSets.get(g)!);
  if (!isUnknown(w.subnets)) for (const s of w.subnets) if (s.acl && !isUnknown(s.acl)) sets.push(s.acl);
  const ports = new Set<number>([0, ...extra]);
  for (const set of sets) for (const p of probePorts(set, [])) ports.add(p);
  return [...ports].sort((a, b) => a - b);
}

/** Internet (and named public CIDR) paths straight to a workload's addresses. */
function directPaths(topo: Topology, w: Workload): ExposurePath[] {
  const out: ExposurePath[] = [];
  const subnets = isUnknown(w.subnets) ? undefined : w.subnets;
  for (const protocol of ["tcp", "udp"] as const) {
    for (const family of ["ipv4", "ipv6"] as const) {
      const probes = portProbes(topo, w);
      const verdict = (port: number): string | undefined => {
        // Reachable addresses: the family's internet, if the workload has a public address and a route.
        let best: "open" | "unverifiable" | undefined;
        let cidrs: Ranges = [];
        for (const s of subnets ?? [undefined]) {
          const route = s ? s.internetRoute[family] : (w.subnets as Unknown);
          const facing = w.internetFacing ?? false;
          const address =
            family === "ipv4" ? w.publicIpv4 : w.kind === "load balancer" ? (facing === true ? (w.dualStack ?? false) : facing) : s ? s.assignsIpv6 : (w.subnets as Unknown);
          if (route === false || address === false) continue;
          const uncertainRoute = isUnknown(route) || isUnknown(address);
          const acl = s ? aclBothWays(s.acl, protocol, port, family) : { certain: [], possible: all(family) };
          // A network load balancer without security groups lets everything through to its listeners.
          const sg = w.unfiltered ? everything(family) : groupsAdmit(topo, w.groups, protocol, port, family);
          let v = meet(meet(acl, sg), { certain: INTERNET[family], possible: INTERNET[family] });
          if (uncertainRoute) v = { certain: [], possible: v.possible };
          const st = statusOf(v, (r) => coversInternet(r, family));
          if (st === "open" || (st && !best)) best = st;
          if (!st && rangesSize(v.certain) > 0n) cidrs = unionRanges([...cidrs, ...v.certain]);
        }
        return best ? `internet:${best}` : cidrs.length ? `cidr:${cidrText(cidrs, family)}` : undefined;
      };
      // A load balancer answers only on its listeners' ports.
      const listening = w.kind === "load balancer" ? topo.listenerPorts.get(`${w.resource.stack}\u0000${w.resource.address}`) : undefined;
      const found = ranges(probes, verdict).flatMap((r) => (listening ? [...listening].filter((p) => r.from <= p && p <= r.to).map((p) => ({ ...r, from: p, to: p })) : [r]));
      for (const r of found) {
        const [kind, rest] = r.value.split(/:(.*)/s);
        out.push({
          source: kind === "internet" ? { kind: "internet", id: family === "ipv4" ? "0.0.0.0/0" : "::/0" } : { kind: "cidr", id: rest },
          destination: { stack: w.resource.stack, address: w.resource.address, kind: w.kind },
          protocol,
          ports: [r.from, r.to],
          via: [],
          status: kind === "internet" ? (rest as "open" | "unverifiable") : "open",
          resource: w.resource,
          ...(isUnknown(w.groups) ? {} : { groups: w.groups }),
        });
      }
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

/** Internet → load balancer listener → target group → targets on the target port. */
function forwardedPaths(topo: Topology): ExposurePath[] {
  const out: ExposurePath[] = [];
  for (const f of topo.forwards) {
    const front = directPaths(topo, f.lb).filter((p) => p.source.kind === "internet" && p.protocol === "tcp" && p.ports[0] <= f.port && f.port <= p.ports[1]);
    if (front.length === 0) continue;
    const tp = f.targetPort;
    for (const t of f.targets) {
      // A network load balancer passes the client's address through: the targets' groups then judge
      // internet addresses, which this analysis does not follow yet — never claim such a path closed.
      const status = f.lb.lbType === "network" ? "unverifiable" : innerStatus(topo, f.lb, t, isUnknown(tp) ? undefined : tp);
      if (!status) continue;
      const both = front.some((p) => p.status === "open") && status === "open" ? "open" : "unverifiable";
      out.push({
        source: front[0].source,
        destination: { stack: t.resource.stack, address: t.resource.address, kind: t.kind },
        protocol: "tcp",
        ports: isUnknown(tp) ? [0, 65535] : [tp, tp],
        via: [f.lb.resource.address, f.listener.address, f.targetGroup.address],
        status: both,
        resource: t.resource,
        ...(isUnknown(t.groups) ? {} : { groups: t.groups }),
      });
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
  for (const src of from.subnets) {
    for (const dst of to.subnets) {
      for (const family of ["ipv4", "ipv6"] as const) {
        if (rangesSize(src.ranges[family]) === 0n || rangesSize(dst.ranges[family]) === 0n) continue;
        const srcV = { certain: src.ranges[family], possible: src.ranges[family] };
        // Target groups: by address, or by naming one of the source's groups.
        const byGroup = (isUnknown(to.groups) ? [] : to.groups).some((g) => topo.groupSets.get(g)?.rules.some((r) => r.direction === "ingress" && r.peers && r.peers.groups.some((p) => fromGroups.includes(p)) && portIn(r, port)));
        const sgIn = byGroup ? everything(family) : groupsAdmit(topo, to.groups, "tcp", port, family);
        // Source groups must let the request out (to the target's groups or addresses).
        const outByGroup = fromGroups.some((g) => topo.groupSets.get(g)?.rules.some((r) => r.direction === "egress" && r.peers && r.peers.groups.some((p) => (to.groups as string[]).includes(p)) && portIn(r, port)));
        const sgOut = outByGroup ? everything(family) : egressAdmit(topo, fromGroups, port, family);
        const dstRanges = { certain: dst.ranges[family], possible: dst.ranges[family] };
        const sameAcl = src.acl === dst.acl;
        const aclDst = sameAcl && src === dst ? everything(family) : aclBothWays(dst.acl, "tcp", port, family);
        const aclSrc = sameAcl && src === dst ? everything(family) : aclBothWays(src.acl, "tcp", port, family, false);
        const sources = meet(meet(srcV, sgIn), aclDst);
        const dests = meet(meet(dstRanges, sgOut), aclSrc);
        const st: "open" | "unverifiable" | undefined =
          rangesSize(sources.certain) > 0n && rangesSize(dests.certain) > 0n ? "open" : rangesSize(sources.possible) > 0n && rangesSize(dests.possible) > 0n ? "unverifiable" : undefined;
        if (st === "open" || (st && !best)) best = st;
      }
    }
  }
  return best;
}

function portIn(r: { protocol: unknown; from: unknown; to: unknown }, port: number): boolean {
  if (r.protocol === "all") return true;
  if (r.protocol !== "tcp") return false;
  return typeof r.from === "number" && typeof r.to === "number" && r.from <= port && port <= r.to;
}

function egressAdmit(topo: Topology, groups: string[], port: number, family: IpFamily): Verdict {
  let v: Verdict = EMPTY;
  for (const g of groups) {
    const set = topo.groupSets.get(g);
    if (!set) return { certain: v.certain, possible: all(family) };
    const r = allowedRanges(set, "egress", "tcp", port, family, false);
    v = { certain: unionRanges([...v.certain, ...r.certain]), possible: unionRanges([...v.possible, ...r.possible]) };
  }
  return v;
}

/** Group-to-group paths: every ingress rule naming another group, judged with routes (local) and ACLs. */
function groupPaths(topo: Topology): ExposurePath[] {
  const out: ExposurePath[] = [];
  const members = new Map<string, Workload[]>();
  for (const w of topo.workloads) if (!isUnknown(w.groups)) for (const g of w.groups) (members.get(g) ?? members.set(g, []).get(g)!).push(w);
  for (const to of topo.workloads) {
    if (isUnknown(to.groups)) continue;
    for (const g of to.groups) {
      for (const rule of topo.groupSets.get(g)?.rules ?? []) {
        if (rule.direction !== "ingress" || !rule.peers) continue;
        if (typeof rule.from !== "number" || typeof rule.to !== "number" || isUnknown(rule.protocol) || (rule.protocol !== "tcp" && rule.protocol !== "all")) continue;
        for (const peer of rule.peers.groups) {
          for (const from of members.get(peer) ?? []) {
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

/** Every path of the run, memoized per context. */
export function exposurePaths(ctx: RuleContext): ExposurePath[] {
  return ctx.memo("exposure-paths", () => {
    const topo = topology(ctx);
    const paths = [...topo.workloads.flatMap((w) => directPaths(topo, w)), ...forwardedPaths(topo), ...groupPaths(topo)];
    const seen = new Set<string>();
    return paths.filter((p) => {
      const k = JSON.stringify([p.source, p.destination.stack, p.destination.address, p.protocol, p.ports, p.via, p.status]);
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    });
  });
}

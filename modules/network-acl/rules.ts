import { createHash } from "node:crypto";
import { slug } from "../core/keys";
import { cidrContains, cidrProblem, cidrRange, coversInternet, isWorld, parseCidr, addressInCidr, Ranges, subtractRanges, unionRanges } from "../core/cidr";
import { ADMIN_PORTS } from "../core/ports";
import { isLiteral } from "../core/validate";

/**
 * The typed NACL rule model, its validation, stable numbering, the tier presets and a flow
 * evaluator. Pure functions: the construct (index.ts), the published module and the tests
 * share them.
 */

/** Which way a rule or flow crosses the subnet boundary: `ingress` into the subnet, `egress` out of it. */
export type Direction = "ingress" | "egress";
/** Protocols a rule may name; `icmp` matches IPv4 only and `icmpv6` IPv6 only, `all` every protocol and port. */
export type NaclProtocolName = "tcp" | "udp" | "icmp" | "icmpv6" | "all";

/**
 * One network ACL rule, as written: keyed by its name in a `NaclRules` map. ACLs are stateless,
 * so a rule that lets a connection in needs a rule that lets its replies out (the tier presets
 * include them; see `returnTraffic`).
 */
export interface NaclRule {
  /** Whether the rule matches traffic entering (`ingress`) or leaving (`egress`) the subnet. */
  readonly direction: Direction;
  /** Whether matching traffic is let through or dropped; without a `ruleNumber`, deny rules are numbered below every allow rule, so they are evaluated first. @default "allow" */
  readonly action?: "allow" | "deny";
  /** A name or an IP protocol number 0–255. */
  readonly protocol: NaclProtocolName | number;
  /** One port, or use fromPort/toPort (tcp and udp only). */
  readonly port?: number;
  /** First port of a range (tcp and udp only), with `toPort`. */
  readonly fromPort?: number;
  /** Last port of a range, inclusive. @default fromPort */
  readonly toPort?: number;
  /** ICMP type and code (-1: all). @default -1 */
  readonly icmpType?: number;
  /** ICMP code (icmp and icmpv6 only), -1 for all. @default -1 */
  readonly icmpCode?: number;
  /** IPv4 or IPv6 CIDR of the remote side. */
  readonly cidr: string;
  /**
   * Rule number 1–32766. @default assigned from the name: deny rules in 1000–9999,
   * allow rules in 10000–32766, so denies are evaluated first and adding a rule never
   * renumbers the others.
   */
  readonly ruleNumber?: number;
  /**
   * An allow from 0.0.0.0/0 or ::/0 that reaches port 22 or 3389 is refused (EC2.21 /
   * CIS 5.2) unless this says why. Recorded as a suppression.
   */
  readonly allowWorldAdminAccess?: {
    /** Why the internet must reach SSH or RDP here, at least 10 characters; the suppression of `nacl-no-world-admin-ports` carries it. */
    readonly reason: string;
  };
}

/**
 * Rules keyed by name (a letter, then letters, digits or `-`). The name is the rule's
 * Terraform key and the seed of its number, so reordering or adding rules changes no other rule.
 */
export type NaclRules = Readonly<Record<string, NaclRule>>;

/** A rule with every default applied: what is synthesized and evaluated. */
export interface ResolvedNaclRule {
  /** The rule's name, its key in the rule set. */
  readonly name: string;
  /** `ingress` or `egress`. */
  readonly direction: Direction;
  /** `allow` or `deny`. */
  readonly action: "allow" | "deny";
  /** Protocol number as Terraform stores it ("-1" for all). */
  readonly protocol: string;
  /** First port; 0 for protocols without ports. */
  readonly fromPort: number;
  /** Last port, inclusive; 0 for protocols without ports. */
  readonly toPort: number;
  /** ICMP type (-1: all); only for icmp and icmpv6. */
  readonly icmpType?: number;
  /** ICMP code (-1: all); only for icmp and icmpv6. */
  readonly icmpCode?: number;
  /** Remote CIDR, as given. */
  readonly cidr: string;
  /** Address family of the CIDR: `cidr_block` or `ipv6_cidr_block` in Terraform (a reference counts as IPv4). */
  readonly family: "ipv4" | "ipv6";
  /** The rule number: the one given, or the hashed one in its action's band. */
  readonly ruleNumber: number;
  /** The `allowWorldAdminAccess` reason, when the rule has one. */
  readonly worldAdminReason?: string;
}

/** IP protocol numbers of the named protocols, as Terraform stores them (`-1` for all). */
export const PROTOCOL_NUMBERS: Record<NaclProtocolName, string> = { tcp: "6", udp: "17", icmp: "1", icmpv6: "58", all: "-1" };
export { ADMIN_PORTS };
/** Ephemeral ports the return-traffic rules open: the range AWS recommends for ACLs, covering Linux, Windows, NAT gateways and load balancers. */
export const DEFAULT_EPHEMERAL: [number, number] = [1024, 65535];
/** Rules per direction an ACL may hold by default (the AWS quota); raise `ruleQuota` if the account's is higher. */
export const DEFAULT_RULE_QUOTA = 20;
/** Hashed numbers of deny rules (evaluated first) and of allow rules; shared with the published module. */
export const DENY_BAND: readonly [number, number] = [1000, 9999];
/** Hashed numbers of allow rules, after every deny. */
export const ALLOW_BAND: readonly [number, number] = [10000, 32766];

/** A problem found in a rule set: `field` is relative to the rule set (`rule ssh: cidr`). */
export interface RuleProblem {
  /** Where, relative to the rule set: `rule ssh: cidr`, `rule name`, `ingress rules`. */
  readonly field: string;
  /** The offending value. */
  readonly value: unknown;
  /** What is wrong, phrased to follow the value. */
  readonly problem: string;
  /** `error`: the rule set is refused; `warning`: it works but something is likely a mistake (a deny that can never match). */
  readonly severity: "error" | "warning";
}

/** What a rule name must look like: a letter, then up to 62 letters, digits or hyphens. */
export const RULE_NAME_PATTERN = /^[A-Za-z][A-Za-z0-9-]{0,62}$/;

/**
 * The slot a rule name hashes to: the first 24 bits of its MD5, the same value the published
 * Terraform module computes with `parseint(substr(md5(name), 0, 6), 16)`, so the construct and
 * the module give a rule the same number.
 */
export function nameSlot(name: string): number {
  return parseInt(createHash("md5").update(name, "utf8").digest("hex").slice(0, 6), 16);
}

/** The number a rule gets from its name alone (before any collision is resolved). */
export function hashedRuleNumber(name: string, action: "allow" | "deny"): number {
  const [lo, hi] = action === "deny" ? DENY_BAND : ALLOW_BAND;
  return lo + (nameSlot(name) % (hi - lo + 1));
}

function protocolNumber(p: NaclRule["protocol"]): string | undefined {
  if (typeof p === "number") return Number.isInteger(p) && p >= 0 && p <= 255 ? String(p) : undefined;
  return PROTOCOL_NUMBERS[p as NaclProtocolName];
}

/** A Terraform reference (an unresolved token) in place of a literal number. */
function isReference(v: number): boolean {
  return v !== undefined && !Number.isNaN(v) && !isLiteral(v);
}

function hasPorts(protocol: string): boolean {
  return protocol === "6" || protocol === "17";
}

/**
 * Validates and resolves a rule set. Returns resolved rules (sorted by direction, number)
 * and every problem found; callers throw on the first error and surface warnings.
 */
export function resolveRules(
  rules: NaclRules,
  opts: {
    /** Rules allowed per direction. @default DEFAULT_RULE_QUOTA */
    ruleQuota?: number;
  } = {},
): {
  /** The resolved rules, ingress then egress, by number; empty when there is an error. */
  rules: ResolvedNaclRule[];
  /** Every error and warning found. */
  problems: RuleProblem[];
} {
  const problems: RuleProblem[] = [];
  const err = (field: string, value: unknown, problem: string) => problems.push({ field, value, problem, severity: "error" });
  const resolved: (Omit<ResolvedNaclRule, "ruleNumber"> & { ruleNumber?: number })[] = [];

  for (const name of Object.keys(rules).sort()) {
    const r = rules[name];
    const at = `rule ${name}`;
    if (!RULE_NAME_PATTERN.test(name)) {
      err(`rule name`, name, "is not a rule name (a letter, then up to 62 letters, digits or hyphens)");
      continue;
    }
    if (r.direction !== "ingress" && r.direction !== "egress") err(`${at}: direction`, r.direction, "must be ingress or egress");
    const action = r.action ?? "allow";
    if (action !== "allow" && action !== "deny") err(`${at}: action`, r.action, "must be allow or deny");
    const protocol = protocolNumber(r.protocol);
    if (protocol === undefined) {
      err(`${at}: protocol`, r.protocol, "must be tcp, udp, icmp, icmpv6, all or a protocol number 0-255");
      continue;
    }
    // A Terraform reference is checked by Terraform (the provider and the published module's
    // validation); only literals are judged here. A referenced CIDR goes to cidr_block (IPv4).
    const cidrIsLiteral = isLiteral(r.cidr);
    const problem = cidrIsLiteral ? cidrProblem(r.cidr) : undefined;
    if (problem) {
      err(`${at}: cidr`, r.cidr, problem);
      continue;
    }
    const family = cidrIsLiteral ? parseCidr(r.cidr)!.family : "ipv4";
    if (protocol === "1" && family === "ipv6") err(`${at}: protocol`, r.protocol, "icmp does not match IPv6 traffic; use icmpv6");
    if (protocol === "58" && family === "ipv4") err(`${at}: protocol`, r.protocol, "icmpv6 does not match IPv4 traffic; use icmp");
    let fromPort = 0;
    let toPort = 0;
    if (hasPorts(protocol)) {
      if (r.port !== undefined && (r.fromPort !== undefined || r.toPort !== undefined)) {
        err(`${at}: port`, r.port, "cannot be combined with fromPort/toPort");
      }
      fromPort = r.port ?? r.fromPort ?? NaN;
      toPort = r.port ?? r.toPort ?? fromPort;
      for (const [field, v] of [["fromPort", fromPort], ["toPort", toPort]] as const) {
        if (isReference(v)) continue;
        if (!Number.isInteger(v) || v < 0 || v > 65535) err(`${at}: ${r.port !== undefined ? "port" : field}`, r.port ?? (field === "fromPort" ? r.fromPort : r.toPort), "must be a port 0-65535");
      }
      if (!isReference(fromPort) && !isReference(toPort) && fromPort > toPort) err(`${at}: fromPort`, fromPort, `must not exceed toPort ${toPort}`);
    } else if (r.port !== undefined || r.fromPort !== undefined || r.toPort !== undefined) {
      err(`${at}: port`, r.port ?? r.fromPort, `only applies to tcp and udp`);
    }
    const icmp = protocol === "1" || protocol === "58";
    if (!icmp && (r.icmpType !== undefined || r.icmpCode !== undefined)) err(`${at}: icmpType`, r.icmpType ?? r.icmpCode, "only applies to icmp and icmpv6");
    for (const [field, v] of [["icmpType", r.icmpType], ["icmpCode", r.icmpCode]] as const) {
      if (v !== undefined && (!Number.isInteger(v) || v < -1 || v > 255)) err(`${at}: ${field}`, v, "must be -1 (all) or 0-255");
    }
    if (r.ruleNumber !== undefined && (!Number.isInteger(r.ruleNumber) || r.ruleNumber < 1 || r.ruleNumber > 32766)) {
      err(`${at}: ruleNumber`, r.ruleNumber, "must be a whole number between 1 and 32766");
    }
    const reason = r.allowWorldAdminAccess?.reason;
    if (r.allowWorldAdminAccess !== undefined && (typeof reason !== "string" || reason.trim().length < 10)) {
      err(`${at}: allowWorldAdminAccess.reason`, reason, "must say why the world may reach an admin port (at least 10 characters)");
    }
    resolved.push({
      name,
      direction: r.direction,
      action,
      protocol,
      fromPort: hasPorts(protocol) ? fromPort : 0,
      toPort: hasPorts(protocol) ? toPort : 0,
      icmpType: icmp ? (r.icmpType ?? -1) : undefined,
      icmpCode: icmp ? (r.icmpCode ?? -1) : undefined,
      cidr: r.cidr,
      family,
      ruleNumber: r.ruleNumber,
      worldAdminReason: r.allowWorldAdminAccess ? reason : undefined,
    });
  }
  if (problems.some((p) => p.severity === "error")) return { rules: [], problems };

  // Explicit numbers first, then hashed numbers in the action's band, probing past taken slots.
  const out: ResolvedNaclRule[] = [];
  for (const direction of ["ingress", "egress"] as const) {
    const inDirection = resolved.filter((r) => r.direction === direction);
    const quota = opts.ruleQuota ?? DEFAULT_RULE_QUOTA;
    if (inDirection.length > quota) {
      err(`${direction} rules`, inDirection.length, `exceed the quota of ${quota} rules per direction (raise ruleQuota if the account's quota is higher)`);
    }
    const taken = new Map<number, string>();
    for (const r of inDirection.filter((x) => x.ruleNumber !== undefined)) {
      if (taken.has(r.ruleNumber!)) err(`rule ${r.name}: ruleNumber`, r.ruleNumber, `is also used by ${direction} rule ${taken.get(r.ruleNumber!)}`);
      taken.set(r.ruleNumber!, r.name);
    }
    const auto = inDirection
      .filter((x) => x.ruleNumber === undefined)
      .map((r) => ({ r, n: hashedRuleNumber(r.name, r.action) }))
      .sort((a, b) => a.n - b.n || (a.r.name < b.r.name ? -1 : a.r.name > b.r.name ? 1 : 0));
    for (const { r, n: slot } of auto) {
      const [lo, hi] = r.action === "deny" ? DENY_BAND : ALLOW_BAND;
      let n = slot;
      while (taken.has(n)) n = n === hi ? lo : n + 1;
      taken.set(n, r.name);
      r.ruleNumber = n;
    }
    out.push(...(inDirection as ResolvedNaclRule[]));
  }
  out.sort((a, b) => (a.direction === b.direction ? a.ruleNumber - b.ruleNumber : a.direction === "ingress" ? -1 : 1));

  // One error per set of rules that lets the internet in without a reason, naming every admin port it
  // reaches. When the rules with a reason let the internet in by themselves, the reason covers it: a
  // narrower rule that reaches the port too (numbered before the reasoned one) needs none of its own.
  const explained = new Set(worldAdminExposure(out.filter((r) => r.action === "deny" || r.worldAdminReason)).map((e) => `${e.port}/${e.family}`));
  const exposures = new Map<string, { rules: ResolvedNaclRule[]; ports: Set<number> }>();
  for (const { port, family, rules: open } of worldAdminExposure(out)) {
    const unreasoned = open.filter((r) => !r.worldAdminReason);
    if (unreasoned.length === 0 || explained.has(`${port}/${family}`)) continue;
    const key = unreasoned.map((r) => r.name).join(",");
    (exposures.get(key) ?? exposures.set(key, { rules: unreasoned, ports: new Set() }).get(key)!).ports.add(port);
  }
  for (const { rules: open, ports } of exposures.values()) {
    const [first, ...others] = open;
    err(
      `rule ${first.name}: cidr`,
      first.cidr,
      `${others.length ? `with ${others.map((r) => `rule ${r.name} (${r.cidr})`).join(", ")} ` : ""}allows the world to reach admin port ${[...ports].sort((a, b) => a - b).join(" and ")} (EC2.21); narrow the source or set allowWorldAdminAccess with a reason`,
    );
  }
  for (const r of out) {
    if (r.action === "deny") {
      const shadow = out.find((a) => a.action === "allow" && a.direction === r.direction && a.ruleNumber < r.ruleNumber && covers(a, r));
      if (shadow) {
        problems.push({ field: `rule ${r.name}`, value: r.ruleNumber, problem: `can never match: allow rule ${shadow.name} (${shadow.ruleNumber}) covers it first`, severity: "warning" });
      }
    }
  }
  return { rules: out, problems };
}

/**
 * Admin ports the internet reaches through these rules, judged as AWS applies them: lowest
 * number first, so 0.0.0.0/1 + 128.0.0.0/1 (or a deny of one range before an allow of all) is
 * still the internet. Names the allow rules that let it in.
 */
export function worldAdminExposure(rules: readonly ResolvedNaclRule[]): {
  /** The admin port reached (22 or 3389). */
  port: number;
  /** The internet of which family reaches it. */
  family: "ipv4" | "ipv6";
  /** The allow rules that together let it in. */
  rules: ResolvedNaclRule[];
}[] {
  const out: { port: number; family: "ipv4" | "ipv6"; rules: ResolvedNaclRule[] }[] = [];
  const ingress = rules.filter((r) => r.direction === "ingress").sort((a, b) => a.ruleNumber - b.ruleNumber);
  for (const port of ADMIN_PORTS) {
    for (const family of ["ipv4", "ipv6"] as const) {
      let remaining: Ranges = unionRanges([cidrRange(family === "ipv4" ? "0.0.0.0/0" : "::/0")!.range]);
      let allowed: Ranges = [];
      const letIn: ResolvedNaclRule[] = [];
      for (const r of ingress) {
        const c = cidrRange(r.cidr);
        if (!c || c.family !== family || !coversPort(r, port)) continue;
        const gained = subtractRanges([c.range], subtractRanges([c.range], remaining));
        if (r.action === "allow" && gained.length) {
          allowed = unionRanges([...allowed, ...gained]);
          letIn.push(r);
        }
        remaining = subtractRanges(remaining, [c.range]);
      }
      if (coversInternet(allowed, family)) out.push({ port, family, rules: letIn });
    }
  }
  return out;
}

/** True when the rule matches traffic to `port` (an all-protocols rule matches every port). */
export function coversPort(r: Pick<ResolvedNaclRule, "protocol" | "fromPort" | "toPort">, port: number): boolean {
  if (r.protocol === "-1") return true;
  return hasPorts(r.protocol) && r.fromPort <= port && port <= r.toPort;
}

/** True when the rule matches traffic to an admin port (`ADMIN_PORTS`: SSH 22, RDP 3389). */
export function reachesAdminPort(r: Pick<ResolvedNaclRule, "protocol" | "fromPort" | "toPort">): boolean {
  return ADMIN_PORTS.some((p) => coversPort(r, p));
}

/** True when rule `a` matches every packet rule `b` matches. */
function covers(a: ResolvedNaclRule, b: ResolvedNaclRule): boolean {
  if (!cidrContains(a.cidr, b.cidr)) return false;
  if (a.protocol === "-1") return true;
  if (a.protocol !== b.protocol) return false;
  if (hasPorts(a.protocol)) return a.fromPort <= b.fromPort && b.toPort <= a.toPort;
  if (a.icmpType !== undefined && a.icmpType !== -1 && a.icmpType !== b.icmpType) return false;
  return true;
}

/** A packet crossing the subnet boundary, as a NACL sees it. */
export interface Flow {
  /** `ingress` for a packet entering the subnet, `egress` for one leaving it. */
  readonly direction: Direction;
  /** The packet's protocol. */
  readonly protocol: NaclProtocolName;
  /** Destination port (tcp/udp). */
  readonly port?: number;
  /** The remote address: source for ingress, destination for egress. */
  readonly remote: string;
}

/** Evaluates a flow the way AWS does: lowest-numbered matching rule wins; none matches → deny. */
export function evaluateFlow(
  rules: readonly ResolvedNaclRule[],
  flow: Flow,
): {
  /** What happens to the packet. */
  action: "allow" | "deny";
  /** Name of the rule that decided; absent when no rule matched (the implicit deny). */
  rule?: string;
} {
  const protocol = PROTOCOL_NUMBERS[flow.protocol];
  const ordered = rules.filter((r) => r.direction === flow.direction).sort((a, b) => a.ruleNumber - b.ruleNumber);
  for (const r of ordered) {
    if (!addressInCidr(flow.remote, r.cidr)) continue;
    if (r.protocol !== "-1" && r.protocol !== protocol) continue;
    if (hasPorts(r.protocol) && (flow.port === undefined || flow.port < r.fromPort || flow.port > r.toPort)) continue;
    return { action: r.action, rule: r.name };
  }
  return { action: "deny" };
}

/**
 * A rule-name fragment from a CIDR (`10.0.64.0/19` → `10-0-64-0-19`): preset rules are keyed
 * by what they match, never by list position, so reordering CIDRs changes nothing.
 */
export function cidrKey(cidr: string): string {
  return slug(cidr);
}

// ---------------------------------------------------------------------------------------
// Tier presets. Each returns named rules including the stateless return traffic it needs.

/** Defaults of the preset options; the published network-acl module's `preset` takes the same. */
export const PRESET_DEFAULTS = {
  /** Port the app instances listen on. */
  appPort: 8080,
  /** Ports of the data tier (PostgreSQL). */
  dataPorts: [5432] as readonly number[],
  /** Who may reach the public web tier on 80 and 443: the internet. */
  clientCidrs: ["0.0.0.0/0"] as readonly string[],
} as const;

/** The ephemeral range the stateless return-traffic rules open. */
export interface ReturnTrafficOptions {
  /** Ephemeral port range of clients and of this tier's own connections. @default [1024, 65535] */
  readonly ephemeral?: [number, number];
}

/**
 * Return-traffic rules to or from `cidr` on the ephemeral range. From the world, the range
 * is split around 3389 so no world rule reaches an admin port (22 lies below 1024).
 */
export function returnTraffic(prefix: string, direction: Direction, cidr: string, opts: ReturnTrafficOptions = {}): Record<string, NaclRule> {
  const [lo, hi] = opts.ephemeral ?? DEFAULT_EPHEMERAL;
  const ranges: [number, number][] = [];
  if (isWorld(cidr) && direction === "ingress") {
    let start = lo;
    for (const admin of [...ADMIN_PORTS].sort((a, b) => a - b)) {
      if (admin < start || admin > hi) continue;
      if (admin > start) ranges.push([start, admin - 1]);
      start = admin + 1;
    }
    if (start <= hi) ranges.push([start, hi]);
  } else {
    ranges.push([lo, hi]);
  }
  const out: Record<string, NaclRule> = {};
  ranges.forEach(([from, to]) => {
    out[ranges.length === 1 ? prefix : `${prefix}-${from}-${to}`] = { direction, protocol: "tcp", fromPort: from, toPort: to, cidr };
  });
  return out;
}

/** Options of `publicWebTierRules`. */
export interface PublicWebTierOptions extends ReturnTrafficOptions {
  /** CIDRs of the app subnets the load balancer forwards to. */
  readonly appCidrs: readonly string[];
  /** Port the app instances listen on. @default 8080 */
  readonly appPort?: number;
  /** Internet CIDRs allowed in on 80/443. @default ["0.0.0.0/0"] */
  readonly clientCidrs?: readonly string[];
  /** Private subnets whose HTTPS goes out through a NAT gateway in these subnets. @default [] */
  readonly natClientCidrs?: readonly string[];
}

/** Public subnets holding load balancers: HTTP/HTTPS in, the app port out to the app subnets. */
export function publicWebTierRules(o: PublicWebTierOptions): Record<string, NaclRule> {
  const rules: Record<string, NaclRule> = {};
  const clients = o.clientCidrs ?? PRESET_DEFAULTS.clientCidrs;
  clients.forEach((cidr) => {
    const n = clients.length === 1 ? "" : `-${cidrKey(cidr)}`;
    rules[`https-in${n}`] = { direction: "ingress", protocol: "tcp", port: 443, cidr };
    rules[`http-in${n}`] = { direction: "ingress", protocol: "tcp", port: 80, cidr };
    Object.assign(rules, returnTraffic(`clients-return${n}`, "egress", cidr, o));
  });
  o.appCidrs.forEach((cidr) => {
    rules[`app-out-${cidrKey(cidr)}`] = { direction: "egress", protocol: "tcp", port: o.appPort ?? PRESET_DEFAULTS.appPort, cidr };
    Object.assign(rules, returnTraffic(`app-return-${cidrKey(cidr)}`, "ingress", cidr, o));
  });
  const nat = o.natClientCidrs ?? [];
  nat.forEach((cidr) => {
    rules[`nat-https-in-${cidrKey(cidr)}`] = { direction: "ingress", protocol: "tcp", port: 443, cidr };
    Object.assign(rules, returnTraffic(`nat-return-${cidrKey(cidr)}`, "egress", cidr, o));
  });
  if (nat.length > 0) {
    rules["nat-https-out"] = { direction: "egress", protocol: "tcp", port: 443, cidr: "0.0.0.0/0" };
    Object.assign(rules, returnTraffic("nat-internet-return", "ingress", "0.0.0.0/0", o));
  }
  return rules;
}

/** Options of `appTierRules`. */
export interface AppTierOptions extends ReturnTrafficOptions {
  /** CIDRs of the public web subnets, whose load balancers reach the app port. */
  readonly webCidrs: readonly string[];
  /** CIDRs of the data subnets the app reaches on the data ports. */
  readonly dataCidrs: readonly string[];
  /** Port the app instances listen on. @default 8080 */
  readonly appPort?: number;
  /** Ports of the data tier. @default [5432] */
  readonly dataPorts?: readonly number[];
  /** The VPC CIDR: HTTPS to the interface endpoints. */
  readonly vpcCidr: string;
  /**
   * CIDRs of the subnets that call interface endpoints held in these subnets: this tier's own
   * subnets (an endpoint's Regional DNS name resolves to its interface in every zone, so a client
   * in one zone may be sent to another zone's) and a management tier's, whose ACLs send HTTPS to
   * the endpoints. HTTPS in from each, and the replies out (`endpointHostRules`). @default [] — for
   * subnets that hold no endpoints
   */
  readonly endpointClientCidrs?: readonly string[];
  /** HTTPS to the internet through NAT (package updates). @default false */
  readonly httpsToInternet?: boolean;
  /**
   * HTTPS to S3 through the VPC's gateway endpoint (package repositories, agent downloads).
   * S3's addresses are public and differ per region, and an ACL takes no prefix list, so the
   * rule allows 443 to 0.0.0.0/0 (and the replies); with no NAT, the route tables send only
   * S3's prefix list out of the VPC, and the security groups allow only that prefix list.
   * @default false
   */
  readonly httpsToS3?: boolean;
}

/**
 * HTTPS out of the VPC and its replies: through NAT (`https-internet-out`), or else to S3 through
 * the gateway endpoint (`https-s3-out`, the same rule under the name of what it reaches).
 */
function httpsOut(o: ReturnTrafficOptions & { readonly httpsToInternet?: boolean; readonly httpsToS3?: boolean }): Record<string, NaclRule> {
  const via = o.httpsToInternet ? "internet" : o.httpsToS3 ? "s3" : undefined;
  if (!via) return {};
  return {
    [`https-${via}-out`]: { direction: "egress", protocol: "tcp", port: 443, cidr: "0.0.0.0/0" },
    ...returnTraffic(`${via}-return`, "ingress", "0.0.0.0/0", o),
  };
}

/**
 * Subnets holding interface endpoints: HTTPS in from each client CIDR (`endpoint-clients-<cidr>`)
 * and the replies out to its ephemeral ports (`endpoint-replies-<cidr>`). A stateless ACL cannot
 * tell the endpoints' addresses from the other hosts of these subnets: the security groups do (the
 * endpoints' group admits 443, a host's own group decides for it).
 */
export function endpointHostRules(clientCidrs: readonly string[], opts: ReturnTrafficOptions = {}): Record<string, NaclRule> {
  const rules: Record<string, NaclRule> = {};
  clientCidrs.forEach((cidr) => {
    rules[`endpoint-clients-${cidrKey(cidr)}`] = { direction: "ingress", protocol: "tcp", port: 443, cidr };
    Object.assign(rules, returnTraffic(`endpoint-replies-${cidrKey(cidr)}`, "egress", cidr, opts));
  });
  return rules;
}

/**
 * Private app subnets: the app port from the web subnets, the data ports to the data subnets, HTTPS to
 * endpoints, and — when the endpoints are here — HTTPS from their clients in other subnets.
 */
export function appTierRules(o: AppTierOptions): Record<string, NaclRule> {
  const rules: Record<string, NaclRule> = {};
  o.webCidrs.forEach((cidr) => {
    rules[`app-in-${cidrKey(cidr)}`] = { direction: "ingress", protocol: "tcp", port: o.appPort ?? PRESET_DEFAULTS.appPort, cidr };
    Object.assign(rules, returnTraffic(`web-return-${cidrKey(cidr)}`, "egress", cidr, o));
  });
  o.dataCidrs.forEach((cidr) => {
    for (const port of o.dataPorts ?? PRESET_DEFAULTS.dataPorts) rules[`data-out-${port}-${cidrKey(cidr)}`] = { direction: "egress", protocol: "tcp", port, cidr };
    Object.assign(rules, returnTraffic(`data-return-${cidrKey(cidr)}`, "ingress", cidr, o));
  });
  rules["https-endpoints-out"] = { direction: "egress", protocol: "tcp", port: 443, cidr: o.vpcCidr };
  Object.assign(rules, returnTraffic("endpoints-return", "ingress", o.vpcCidr, o));
  Object.assign(rules, endpointHostRules(o.endpointClientCidrs ?? [], o));
  return { ...rules, ...httpsOut(o) };
}

/** Options of `dataTierRules`. */
export interface DataTierOptions extends ReturnTrafficOptions {
  /** CIDRs of the app subnets, the only ones that reach the data ports. */
  readonly appCidrs: readonly string[];
  /** Ports of the data tier. @default [5432] */
  readonly dataPorts?: readonly number[];
}

/** Isolated data subnets: the data ports from the app subnets and nothing else. */
export function dataTierRules(o: DataTierOptions): Record<string, NaclRule> {
  const rules: Record<string, NaclRule> = {};
  o.appCidrs.forEach((cidr) => {
    for (const port of o.dataPorts ?? PRESET_DEFAULTS.dataPorts) rules[`data-in-${port}-${cidrKey(cidr)}`] = { direction: "ingress", protocol: "tcp", port, cidr };
    Object.assign(rules, returnTraffic(`app-return-${cidrKey(cidr)}`, "egress", cidr, o));
  });
  return rules;
}

/** Options of `managementTierRules`. */
export interface ManagementTierOptions extends ReturnTrafficOptions {
  /** The VPC CIDR: HTTPS to the interface endpoints, and the `vpcPorts` to hosts inside. */
  readonly vpcCidr: string;
  /** Admin CIDRs allowed to SSH in (SSH-mode bastions only). @default [] */
  readonly sshCidrs?: readonly string[];
  /** HTTPS to the internet through NAT or an internet gateway. @default false */
  readonly httpsToInternet?: boolean;
  /** HTTPS to S3 through the gateway endpoint (see AppTierOptions.httpsToS3). @default false */
  readonly httpsToS3?: boolean;
  /** Ports the management hosts reach inside the VPC (e.g. 22 to app hosts). @default [] */
  readonly vpcPorts?: readonly number[];
}

/** Management subnets (bastions): HTTPS to the endpoints, optional SSH in from an allowlist. */
export function managementTierRules(o: ManagementTierOptions): Record<string, NaclRule> {
  const rules: Record<string, NaclRule> = {
    "https-endpoints-out": { direction: "egress", protocol: "tcp", port: 443, cidr: o.vpcCidr },
    ...returnTraffic("vpc-return", "ingress", o.vpcCidr, o),
  };
  for (const port of o.vpcPorts ?? []) rules[`vpc-out-${port}`] = { direction: "egress", protocol: "tcp", port, cidr: o.vpcCidr };
  (o.sshCidrs ?? []).forEach((cidr) => {
    rules[`ssh-in-${cidrKey(cidr)}`] = { direction: "ingress", protocol: "tcp", port: 22, cidr };
    Object.assign(rules, returnTraffic(`ssh-return-${cidrKey(cidr)}`, "egress", cidr, o));
  });
  return { ...rules, ...httpsOut(o) };
}

import { cidrRange, coversInternet, INTERNET, IpFamily, Ranges, subtractRanges, unionRanges } from "../../modules/core/cidr";
import { parseProtocol, Protocol } from "../../modules/core/ports";
import { RuleContext, TfResource } from "../model";
import { join } from "../read/address";
import { asList, blocks, isUnknown, list, num, str, unknown, Unknown } from "../values";

/**
 * The network family of the typed model: security-group rules in all three Terraform styles
 * (inline blocks, aws_security_group_rule, aws_vpc_security_group_*_rule) and NACL rules
 * (aws_network_acl_rule and inline blocks), each normalized once — protocol parsed, ports
 * read, CIDRs parsed, the group or ACL found by reference — and judged together per group or
 * ACL, since what reaches an instance is the union of a group's rules and the first match
 * of an ACL's.
 */

export type Val<T> = T | Unknown;

/** One allow (security group) or allow/deny (NACL) rule, normalized. */
export interface NetRule {
  /** Where a finding about this rule goes: the rule resource, or the group/ACL for inline rules. */
  readonly resource: TfResource;
  /** For inline rules: which block (`ingress rule 100`, `ingress[2]`). */
  readonly subject?: string;
  readonly direction: "ingress" | "egress";
  readonly action: "allow" | "deny";
  /** NACL rule number (lower wins). */
  readonly number?: Val<number>;
  /** Undefined: not a protocol AWS knows (the rule cannot be applied). */
  readonly protocol: Val<Protocol> | undefined;
  readonly from: Val<number>;
  readonly to: Val<number>;
  /** IPv4/IPv6 sources (or destinations); other peers (groups, prefix lists) are not addresses of the internet. */
  readonly cidrs: readonly Val<string>[];
  /** Prefix lists the rule names as its peer: their entries count as its addresses when this input holds them. */
  readonly prefixLists: readonly PrefixListPeer[];
  readonly description: unknown;
  /**
   * Security groups a security-group rule names as its peer (by full address), `self` for the
   * group itself, and whether a peer is given that cannot be followed.
   */
  readonly peers?: { readonly groups: readonly string[]; readonly self: boolean; readonly opaque: boolean };
}

/**
 * A prefix list a rule or route names: a customer-managed list in this input (its `entry` blocks and
 * `aws_ec2_managed_prefix_list_entry` resources), a data source whose entries a plan holds, or a list
 * this input does not hold (an AWS-managed list by id, a gateway endpoint's list, a data source in a
 * configuration) whose addresses are not known.
 */
export interface PrefixListPeer {
  /** The list's address when it is in this input, else its id or the expression that names it. */
  readonly id: string;
  /** Its name (the list's `name`, a data source's `name` argument, an endpoint's service), when known. */
  readonly name?: string;
  /** Its entries; undefined when this input does not hold them. */
  readonly cidrs?: readonly Val<string>[];
}

/** A group of rules judged together: a security group or NACL, or one rule whose owner is not known. */
export interface RuleSet {
  /** The security group / ACL resource, when known. */
  readonly owner?: TfResource;
  readonly rules: NetRule[];
}

function portsOf(from: unknown, to: unknown): { from: Val<number>; to: Val<number> } {
  const f = num(from);
  const t = num(to);
  return { from: f ?? 0, to: t ?? (isUnknown(f) ? f : (f ?? 65535)) };
}

/** Inline blocks as a list: an unknown the configuration did not set means the rules live in separate resources. */
function inline(value: unknown): Record<string, any>[] | Unknown {
  const b = blocks(value);
  if (isUnknown(b)) return b.set !== false ? b : [];
  return b;
}

function cidrList(...values: unknown[]): Val<string>[] {
  const out: Val<string>[] = [];
  for (const v of values) {
    const l = list(v);
    if (isUnknown(l)) out.push(l);
    else for (const c of l) if (c !== null && c !== undefined && c !== "") out.push(isUnknown(c) ? c : String(c));
  }
  return out;
}

const isGroup = (r: TfResource) => r.type === "aws_security_group" || r.type === "aws_default_security_group";

/**
 * Resources of `isType` that a value at `holder.attr` (or inside its blocks) names: by the expression
 * a configuration keeps (`${aws_x.y.id}`), by a known id, or — when the value is not known — by the
 * attribute's references if they name only such resources. Undefined: it names something else, or
 * something this input cannot follow.
 */
export function valueTargets(ctx: RuleContext, holder: TfResource, attr: string, value: unknown, isType: (r: TfResource) => boolean): TfResource[] | undefined {
  if (typeof value === "string") {
    const found = ctx.named(value).filter((x) => isType(x) && x.stack === holder.stack && (x.values.id === value || x.values.arn === value));
    return found.length ? found : undefined;
  }
  if (!isUnknown(value)) return undefined;
  const named = /^\$\{((?:data\.)?[a-z0-9_]+\.[\w-]+)(?:\[[^\]]*\])?\.[a-z_]+\}$/.exec(value.why)?.[1];
  if (named) {
    const at = ctx.at(holder.stack, join(holder.module, named));
    return at && isType(at) ? [at] : undefined;
  }
  const of = ctx.referenced(holder, attr).filter(isType);
  return of.length === 1 && !ctx.isOpaque(holder, attr) ? of : undefined;
}

const isPrefixList = (r: TfResource) => r.type === "aws_ec2_managed_prefix_list";

/** The prefix lists a rule's `prefix_list_ids` / `prefix_list_id` names (see PrefixListPeer). */
export function prefixListPeers(ctx: RuleContext, holder: TfResource, attr: string, value: unknown): PrefixListPeer[] {
  const l = list(value);
  const values = isUnknown(l) ? [l] : l.filter((v) => v !== null && v !== undefined && v !== "");
  return values.map((v) => prefixListPeer(ctx, holder, attr, v));
}

export function prefixListPeer(ctx: RuleContext, holder: TfResource, attr: string, value: unknown): PrefixListPeer {
  const found = valueTargets(ctx, holder, attr, value, (r) => isPrefixList(r) || r.type === "aws_vpc_endpoint");
  const target = found?.length === 1 ? found[0] : undefined;
  if (target?.type === "aws_vpc_endpoint") {
    const service = str(target.values.service_name);
    return { id: target.address, ...(typeof service === "string" ? { name: service } : {}) };
  }
  if (target && target.mode === "managed") return { id: target.address, ...nameOf(target), cidrs: prefixListEntries(ctx, target) };
  if (target) {
    // A data source: a plan holds its entries (read while planning); a configuration, only its arguments.
    const entries = blocks(target.values.entries);
    return { id: target.address, ...nameOf(target), ...(isUnknown(entries) || entries.length === 0 ? {} : { cidrs: entries.map((e) => (isUnknown(e.cidr) ? e.cidr : String(e.cidr))) }) };
  }
  return { id: typeof value === "string" ? value : isUnknown(value) ? (value.why.startsWith("${") ? value.why.replace(/^\$\{(.*)\}$/, "$1") : `${holder.address}.${attr}`) : String(value) };
}

function nameOf(r: TfResource): { name?: string } {
  const n = str(r.values.name);
  return typeof n === "string" ? { name: n } : {};
}

/** A customer-managed list's entries: its `entry` blocks and the entry resources that name it. */
function prefixListEntries(ctx: RuleContext, listRes: TfResource): Val<string>[] {
  const out: Val<string>[] = [];
  const b = inline(listRes.values.entry);
  if (isUnknown(b)) out.push(b);
  else for (const e of b) out.push(isUnknown(e.cidr) ? e.cidr : String(e.cidr));
  for (const e of ctx.referencing("aws_ec2_managed_prefix_list_entry", "prefix_list_id", listRes)) out.push(isUnknown(e.values.cidr) ? e.values.cidr : String(e.values.cidr));
  if (ctx.mayReference("aws_ec2_managed_prefix_list_entry", "prefix_list_id", listRes).length) out.push(unknown(`an entry of ${listRes.address} whose list cannot be followed`));
  return out;
}

function resourcePeers(ctx: RuleContext, r: TfResource, attr: string, self: boolean): NetRule["peers"] {
  const v = r.values[attr];
  if (v === undefined || v === null || v === "") return { groups: [], self, opaque: false };
  const found = ctx.referenced(r, attr).filter(isGroup).map((g) => g.address);
  const byId = typeof v === "string" ? ctx.named(v).filter((g) => isGroup(g) && g.values.id === v).map((g) => g.address) : [];
  const groups = [...new Set([...found, ...byId])];
  return { groups, self, opaque: groups.length === 0 || ctx.isOpaque(r, attr) };
}

function inlinePeers(ctx: RuleContext, g: TfResource, block: Record<string, any>): NetRule["peers"] {
  const ids = asList(block.security_groups);
  const groups = new Set<string>();
  let opaque = false;
  for (const id of ids) {
    // A configuration keeps the expression (`${aws_security_group.web.id}`); a plan with state, the id.
    const named = isUnknown(id) ? /^\$\{((?:data\.)?aws_(?:default_)?security_group\.[\w-]+)(?:\[[^\]]*\])?\.id\}$/.exec(id.why)?.[1] : undefined;
    const found = named
      ? [ctx.at(g.stack, join(g.module, named))].filter((x): x is TfResource => x !== undefined && isGroup(x))
      : typeof id === "string"
        ? ctx.named(id).filter((x) => isGroup(x) && x.values.id === id)
        : [];
    if (found.length === 0) opaque = true;
    for (const f of found) groups.add(f.address);
  }
  return { groups: [...groups], self: block.self === true || block.self === "true", opaque };
}

/** Every security-group rule of the run, grouped by the group it belongs to. */
export function securityGroupRuleSets(ctx: RuleContext): RuleSet[] {
  return ctx.memo("sg-rule-sets", () => {
    const sets = new Map<string, RuleSet>();
    const setFor = (owner: TfResource | undefined, key: string) => sets.get(key) ?? sets.set(key, { owner, rules: [] }).get(key)!;
    const attach = (rule: NetRule, groupAttr: string) => {
      const groups = ctx.referenced(rule.resource, groupAttr).filter((g) => g.type === "aws_security_group" || g.type === "aws_default_security_group");
      const id = rule.resource.values[groupAttr];
      const byId = typeof id === "string" ? ctx.named(id).filter((g) => isGroup(g) && g.values.id === id) : [];
      const owners = [...new Set([...groups, ...byId])];
      if (owners.length === 1 && !ctx.isOpaque(rule.resource, groupAttr)) setFor(owners[0], `${owners[0].stack}\u0000${owners[0].address}`).rules.push(rule);
      else setFor(undefined, `${rule.resource.stack}\u0000${rule.resource.address}\u0000${rule.subject ?? ""}`).rules.push(rule);
    };
    for (const g of [...ctx.ofType("aws_security_group"), ...ctx.ofType("aws_default_security_group")]) {
      const set = setFor(g, `${g.stack}\u0000${g.address}`);
      for (const direction of ["ingress", "egress"] as const) {
        const b = inline(g.values[direction]);
        if (isUnknown(b)) {
          set.rules.push({ resource: g, subject: `${direction} (inline)`, direction, action: "allow", protocol: b, from: b, to: b, cidrs: [b], prefixLists: [], description: b });
          continue;
        }
        b.forEach((block) => {
          const p = str(block.protocol);
          set.rules.push({
            resource: g,
            subject: inlineSubject(direction, block),
            direction,
            action: "allow",
            protocol: isUnknown(p) ? p : parseProtocol(p),
            ...portsOf(block.from_port, block.to_port),
            cidrs: cidrList(block.cidr_blocks, block.ipv6_cidr_blocks),
            prefixLists: prefixListPeers(ctx, g, direction, block.prefix_list_ids),
            description: block.description,
            peers: inlinePeers(ctx, g, block),
          });
        });
      }
    }
    for (const r of ctx.ofType("aws_security_group_rule")) {
      const type = str(r.values.type);
      if (type !== "ingress" && type !== "egress") continue;
      const p = str(r.values.protocol);
      attach(
        {
          resource: r,
          direction: type,
          action: "allow",
          protocol: isUnknown(p) ? p : parseProtocol(p),
          ...portsOf(r.values.from_port, r.values.to_port),
          cidrs: cidrList(r.values.cidr_blocks, r.values.ipv6_cidr_blocks),
          prefixLists: prefixListPeers(ctx, r, "prefix_list_ids", r.values.prefix_list_ids),
          description: r.values.description,
          peers: resourcePeers(ctx, r, "source_security_group_id", r.values.self === true || r.values.self === "true"),
        },
        "security_group_id",
      );
    }
    for (const [type, direction] of [["aws_vpc_security_group_ingress_rule", "ingress"], ["aws_vpc_security_group_egress_rule", "egress"]] as const) {
      for (const r of ctx.ofType(type)) {
        const p = str(r.values.ip_protocol);
        const protocol = isUnknown(p) ? p : parseProtocol(p);
        attach(
          {
            resource: r,
            direction,
            action: "allow",
            protocol,
            ...(protocol === "all" ? { from: 0, to: 65535 } : portsOf(r.values.from_port, r.values.to_port)),
            cidrs: cidrList(r.values.cidr_ipv4, r.values.cidr_ipv6),
            prefixLists: prefixListPeers(ctx, r, "prefix_list_id", r.values.prefix_list_id),
            description: r.values.description,
            peers: resourcePeers(ctx, r, "referenced_security_group_id", false),
          },
          "security_group_id",
        );
      }
    }
    return [...sets.values()];
  });
}

/** Every NACL rule of the run, grouped by ACL (default ACLs included). */
export function naclRuleSets(ctx: RuleContext): RuleSet[] {
  return ctx.memo("nacl-rule-sets", () => {
    const sets = new Map<string, RuleSet>();
    const setFor = (owner: TfResource | undefined, key: string) => sets.get(key) ?? sets.set(key, { owner, rules: [] }).get(key)!;
    for (const acl of [...ctx.ofType("aws_network_acl"), ...ctx.ofType("aws_default_network_acl")]) {
      const set = setFor(acl, `${acl.stack}\u0000${acl.address}`);
      for (const direction of ["ingress", "egress"] as const) {
        const b = inline(acl.values[direction]);
        if (isUnknown(b)) {
          set.rules.push({ resource: acl, subject: `${direction} (inline)`, direction, action: "allow", number: b, protocol: b, from: b, to: b, cidrs: [b], prefixLists: [], description: undefined });
          continue;
        }
        for (const block of b) {
          const p = str(block.protocol);
          const action = str(block.action);
          if (action !== "allow" && action !== "deny" && !isUnknown(action)) continue;
          const n = num(block.rule_no);
          set.rules.push({
            resource: acl,
            subject: `${direction} rule ${isUnknown(n) ? "?" : n}`,
            direction,
            action: isUnknown(action) ? "allow" : action,
            number: n ?? 0,
            protocol: isUnknown(p) ? p : parseProtocol(p),
            ...portsOf(block.from_port, block.to_port),
            cidrs: cidrList(block.cidr_block, block.ipv6_cidr_block),
            prefixLists: [],
            description: undefined,
          });
        }
      }
    }
    for (const r of ctx.ofType("aws_network_acl_rule")) {
      const egress = r.values.egress;
      const direction = egress === true || egress === "true" ? "egress" : isUnknown(egress) ? "ingress" : "ingress";
      const action = str(r.values.rule_action);
      if (action !== "allow" && action !== "deny" && !isUnknown(action)) continue;
      const p = str(r.values.protocol);
      const rule: NetRule = {
        resource: r,
        direction,
        action: isUnknown(action) ? "allow" : action,
        number: num(r.values.rule_number) ?? 0,
        protocol: isUnknown(p) ? p : parseProtocol(p),
        ...portsOf(r.values.from_port, r.values.to_port),
        cidrs: cidrList(r.values.cidr_block, r.values.ipv6_cidr_block),
        prefixLists: [],
        description: undefined,
      };
      const owners = ctx.referenced(r, "network_acl_id").filter((a) => a.type === "aws_network_acl" || a.type === "aws_default_network_acl");
      if (owners.length === 1 && !ctx.isOpaque(r, "network_acl_id")) setFor(owners[0], `${owners[0].stack}\u0000${owners[0].address}`).rules.push(rule);
      else setFor(undefined, `${r.stack}\u0000${r.address}`).rules.push(rule);
    }
    return [...sets.values()];
  });
}

// ------------------------------------------------------------------------- reachability

/** Does a rule match this protocol and port? Unknown when its own protocol or ports are unknown. */
function matches(rule: NetRule, protocol: "tcp" | "udp", port: number): boolean | Unknown {
  const p = rule.protocol;
  if (p === undefined) return false;
  if (isUnknown(p)) return p;
  if (p === "all") return true;
  if (p !== protocol) return false;
  if (isUnknown(rule.from)) return rule.from;
  if (isUnknown(rule.to)) return rule.to;
  return rule.from <= port && port <= rule.to;
}

/** Sources of a rule in one family: ranges, or Unknown. Unparseable text covers nothing (AWS would refuse it). */
function sourceRanges(rule: NetRule, family: IpFamily): Ranges | Unknown {
  const out: (readonly [bigint, bigint])[] = [];
  // A list this input does not hold adds no address here (exposure names it as a source of its own).
  for (const c of [...rule.cidrs, ...rule.prefixLists.flatMap((p) => p.cidrs ?? [])]) {
    if (isUnknown(c)) return c;
    const r = cidrRange(c);
    if (r?.family === family) out.push(r.range);
  }
  return unionRanges(out);
}

export interface Exposure {
  /** Rules that let the internet in: each alone covers it, or they do only together. */
  readonly rules: NetRule[];
  /** True when the rules needed one another (no single rule is the world). */
  readonly together: boolean;
  readonly family: IpFamily;
}

/**
 * Is `port`/`protocol` open to the internet through this rule set's ingress rules?
 * `fail`: certainly (with the rules responsible); `unknown`: only if unknown values turn out
 * wide (with the rules holding them); undefined: not open.
 * Security groups allow the union of their rules; NACLs (`ordered`) apply the first matching
 * rule by number, so a lower-numbered deny takes addresses out.
 */
export function internetExposure(set: RuleSet, protocol: "tcp" | "udp", port: number, ordered: boolean): { fail?: Exposure; unknown?: Exposure } {
  const ingress = set.rules.filter((r) => r.direction === "ingress");
  const out: { fail?: Exposure; unknown?: Exposure } = {};
  for (const family of ["ipv4", "ipv6"] as const) {
    for (const mode of ["certain", "possible"] as const) {
      if (mode === "possible" && out.fail) break;
      // certain: unknown allows add nothing and unknown denies take everything;
      // possible: unknown allows add everything and unknown denies take nothing.
      const everything = INTERNET[family];
      let remaining: Ranges = everything;
      // What earlier denies leave: an allow shadowed only by earlier allows still opens the
      // port on its own (remove the earlier allow and it decides), so it is responsible too.
      let notDenied: Ranges = everything;
      let allowed: Ranges = [];
      const contributors: NetRule[] = [];
      const own = new Map<NetRule, Ranges>();
      const sequence = ordered ? orderRules(ingress, mode) : ingress;
      for (const rule of sequence) {
        const m = matches(rule, protocol, port);
        const src = sourceRanges(rule, family);
        const uncertain = isUnknown(m) || isUnknown(src);
        if (m === false) continue;
        let covered: Ranges;
        if (uncertain) {
          if ((rule.action === "allow") === (mode === "certain")) continue;
          covered = everything;
        } else covered = src as Ranges;
        if (rule.action === "allow") {
          allowed = unionRanges([...allowed, ...(ordered ? intersect(covered, remaining) : covered)]);
          const reach = intersect(covered, notDenied);
          if (reach.length) {
            contributors.push(rule);
            own.set(rule, reach);
          }
        } else if (ordered) notDenied = subtractRanges(notDenied, covered);
        if (ordered) remaining = subtractRanges(remaining, covered);
      }
      if (coversInternet(allowed, family)) {
        const alone = contributors.filter((r) => coversInternet(own.get(r)!, family));
        const exposure = { rules: alone.length ? alone : contributors, together: alone.length === 0, family };
        if (mode === "certain") out.fail ??= exposure;
        else out.unknown ??= { ...exposure, rules: exposure.rules.filter((r) => isUnknown(matches(r, protocol, port)) || isUnknown(sourceRanges(r, family))) };
      }
    }
  }
  if (out.fail) delete out.unknown;
  return out;
}

/** Addresses in both (two sorted, disjoint lists walked once). */
function intersect(a: Ranges, b: Ranges): Ranges {
  const out: (readonly [bigint, bigint])[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const lo = a[i][0] > b[j][0] ? a[i][0] : b[j][0];
    const hi = a[i][1] < b[j][1] ? a[i][1] : b[j][1];
    if (lo <= hi) out.push([lo, hi]);
    if (a[i][1] < b[j][1]) i++;
    else j++;
  }
  return out;
}

function orderRules(rules: NetRule[], mode: "certain" | "possible"): NetRule[] {
  // An unknown number puts a rule where it hurts the judgement least: certain → denies first
  // and allows last; possible → allows first and denies last.
  const key = (r: NetRule) => {
    if (!isUnknown(r.number)) return r.number ?? 0;
    return (r.action === "deny") === (mode === "certain") ? -1 : Number.MAX_SAFE_INTEGER;
  };
  return [...rules].sort((a, b) => key(a) - key(b));
}

/**
 * Ports worth probing for a rule set: every rule's edges and the ports next to them, and the
 * `edges` given (with their neighbours). Between two probes nothing changes, so judging the
 * probes judges every port.
 */
export function probePorts(set: RuleSet, edges: readonly number[]): number[] {
  const ports = new Set<number>();
  for (const p of edges) for (const q of [p - 1, p, p + 1]) if (q >= 0 && q <= 65535) ports.add(q);
  for (const r of set.rules) {
    if (r.direction !== "ingress") continue;
    for (const v of [r.from, r.to]) if (typeof v === "number" && v >= 0 && v <= 65535) ports.add(v);
    if (typeof r.from === "number" && r.from > 0) ports.add(r.from - 1);
    if (typeof r.to === "number" && r.to < 65535) ports.add(r.to + 1);
  }
  ports.add(0);
  ports.add(65535);
  return [...ports].sort((a, b) => a - b);
}

/** `0.0.0.0/0`, or `0.0.0.0/1 + 128.0.0.0/1`: how a set of rules' sources reads in a message. */
export function sourcesText(rules: readonly NetRule[], family: IpFamily): string {
  const cidrs = new Set<string>();
  for (const r of rules) for (const c of r.cidrs) cidrs.add(isUnknown(c) ? (c.why.startsWith("${") ? c.why : "(known after apply)") : c);
  for (const r of rules) for (const p of r.prefixLists) if (p.cidrs) cidrs.add(`prefix list ${p.id}`);
  const shown = [...cidrs].filter((c) => !c.includes("/") || cidrRange(c)?.family === family || c.startsWith("(") || c.startsWith("$"));
  return (shown.length ? shown : [...cidrs]).join(" + ");
}

/**
 * An inline rule named by what it says, not where it stands in the list (a reorder is no change):
 * `ingress tcp 22 from 0.0.0.0/0`, sources sorted.
 */
function inlineSubject(direction: string, block: Record<string, unknown>): string {
  const text = (v: unknown) => (isUnknown(v) ? (/\$\{/.test(v.why) ? v.why.replace(/^\$\{(.*)\}$/, "$1").replace(/\.id$/, "") : "?") : String(v));
  const from = text(block.from_port);
  const to = text(block.to_port);
  const sources = [block.cidr_blocks, block.ipv6_cidr_blocks, block.prefix_list_ids, block.security_groups]
    .flatMap((v) => (Array.isArray(v) ? v : v === undefined || v === null ? [] : [v]))
    .map(text)
    .concat(block.self === true ? ["self"] : [])
    .sort();
  return `${direction} ${text(block.protocol)} ${from === to ? from : `${from}-${to}`} ${direction === "ingress" ? "from" : "to"} ${sources.join(", ") || "nothing"}`;
}

/** What a rule's subject reads as in a finding's identity. */
export function ruleSubject(r: NetRule): string | undefined {
  return r.subject;
}

/**
 * Findings for rule sets whose ingress lets the internet reach any of `ports` (tcp or udp):
 * one per responsible rule, naming every port it opens, and unverifiable ones where only
 * unknown values could open them.
 */
export function internetPortFindings(
  sets: readonly RuleSet[],
  ports: (set: RuleSet) => readonly number[],
  ordered: boolean,
  what: string,
): import("../model").RuleFinding[] {
  type Acc = { rule: NetRule; ports: Set<number>; families: Set<IpFamily>; together: boolean; unverifiable?: Unknown | true; owner?: TfResource };
  const byRule = new Map<string, Acc>();
  for (const set of sets) {
    for (const port of ports(set)) {
      for (const protocol of ["tcp", "udp"] as const) {
        const e = internetExposure(set, protocol, port, ordered);
        const exposure = e.fail ?? e.unknown;
        if (!exposure) continue;
        for (const rule of exposure.rules) {
          const key = `${rule.resource.stack}\u0000${rule.resource.address}\u0000${rule.subject ?? ""}\u0000${e.fail ? "f" : "u"}`;
          const acc = byRule.get(key) ?? byRule.set(key, { rule, ports: new Set(), families: new Set(), together: false, owner: set.owner, ...(e.fail ? {} : { unverifiable: true as const }) }).get(key)!;
          acc.ports.add(port);
          acc.families.add(exposure.family);
          acc.together ||= exposure.together;
        }
      }
    }
  }
  return [...byRule.values()].map((a) => {
    const portList = [...a.ports].sort((x, y) => x - y);
    const shown = portList.length > 6 ? `${portList.slice(0, 6).join(", ")} and ${portList.length - 6} more` : portList.join(", ");
    const sources = [...a.families].map((f) => sourcesText([a.rule], f)).join(", ");
    const rulePart = a.rule.subject ? `${a.rule.subject}: ` : "";
    const message = a.unverifiable
      ? `${rulePart}ingress from ${sources} may let the internet reach ${what} ${shown} (a value is not known until apply)`
      : `${rulePart}ingress from ${sources}${a.together ? `, together with the ${a.owner ? `other rules of ${a.owner.address}` : "other rules"},` : ""} lets the internet reach ${what} ${shown}`;
    return { resource: a.rule.resource, subject: a.rule.subject, message, ...(a.unverifiable ? { unverifiable: true as const } : {}) };
  });
}

/**
 * The addresses of one family a rule set lets through for a protocol and port, in one
 * direction: `certain` whatever unknown values turn out to be, `possible` if they turn out wide.
 * Security groups allow the union of their rules; NACLs (`ordered`) the first match by number.
 * No rule set at all (`undefined`) is AWS's default: allow everything.
 */
const allowedCache = new WeakMap<RuleSet, Map<string, { certain: Ranges; possible: Ranges }>>();

export function allowedRanges(set: RuleSet | undefined, direction: "ingress" | "egress", protocol: "tcp" | "udp", port: number, family: IpFamily, ordered: boolean): { certain: Ranges; possible: Ranges } {
  const everything = unionRanges([cidrRange(family === "ipv4" ? "0.0.0.0/0" : "::/0")!.range]);
  if (!set) return { certain: everything, possible: everything };
  // The analysis asks the same rule set the same question for many destinations: answer once.
  const cache = allowedCache.get(set) ?? allowedCache.set(set, new Map()).get(set)!;
  const k = `${direction}|${protocol}|${port}|${family}|${ordered}`;
  const hit = cache.get(k);
  if (hit) return hit;
  const result = computeAllowed(set, direction, protocol, port, family, ordered, everything);
  cache.set(k, result);
  return result;
}

function computeAllowed(set: RuleSet, direction: "ingress" | "egress", protocol: "tcp" | "udp", port: number, family: IpFamily, ordered: boolean, everything: Ranges): { certain: Ranges; possible: Ranges } {
  const rules = set.rules.filter((r) => r.direction === direction);
  const out = { certain: [] as Ranges, possible: [] as Ranges };
  for (const mode of ["certain", "possible"] as const) {
    let remaining: Ranges = everything;
    let allowed: Ranges = [];
    for (const rule of ordered ? orderRules(rules, mode) : rules) {
      const m = matches(rule, protocol, port);
      if (m === false) continue;
      const src = sourceRanges(rule, family);
      const uncertain = isUnknown(m) || isUnknown(src);
      let covered: Ranges;
      if (uncertain) {
        if ((rule.action === "allow") === (mode === "certain")) continue;
        covered = everything;
      } else covered = src as Ranges;
      if (rule.action === "allow") allowed = unionRanges([...allowed, ...(ordered ? intersect(covered, remaining) : covered)]);
      if (ordered) remaining = subtractRanges(remaining, covered);
    }
    out[mode] = allowed;
  }
  return out;
}

export { intersect as intersectRanges };

/**
 * The metamorphic relations: each a property over generated scenarios and spellings, shared by
 * the test suite (a few hundred cases) and `npm run bench -- --only fuzz` (many thousands).
 */
import * as fc from "fast-check";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { FileSuppression, loadInput, TfResource } from "../../compliance";
import { diffConfigs } from "../../review/diff";
import { init, offlinePlan } from "./terraform";
import { NETWORK_RULES, PLAIN, probes, render, Scenario, scenario, shown, spelling, Spelling, Verdict, verdictOf, verdictOfResources, widened } from "./metamorphic";
import { Res } from "./topologies";

export interface Relation {
  readonly name: string;
  /** Share of the run count this relation gets. */
  readonly weight: number;
  readonly property: () => fc.IPropertyWithHooks<any>;
}

function differs(what: string, a: Scenario, spA: Spelling, b: Scenario, spB: Spelling, va: Verdict, vb: Verdict): never {
  throw new Error(
    `${what}\nverdict A: ${JSON.stringify({ check: va.check, exposure: va.exposure })}\nverdict B: ${JSON.stringify({ check: vb.check, exposure: vb.exposure })}\n` +
      `spelling A (${JSON.stringify(spA)}):\n${shown(render(a, spA))}\nspelling B (${JSON.stringify(spB)}):\n${shown(render(b, spB))}`,
  );
}

/**
 * EC2.15 judges the subnet's IPv4 setting whether or not the subnet is routed (AWS gives the
 * address either way); an IPv6 address is public only where IPv6 is routed to an internet gateway.
 * Across families, the subnet rule is compared where the subnet is routed.
 */
const acrossFamilies = (v: Verdict, s: Scenario): Verdict => ({ ...v, check: v.check.filter((c) => s.routed || !c.startsWith("subnet-no-public-ip ")) });

/** Asserts the same verdict for two spellings; throws with both as Terraform JSON when they differ. */
export function same(what: string, a: Scenario, spA: Spelling, b: Scenario, spB: Spelling, view: (v: Verdict, s: Scenario) => Verdict = (v) => v): void {
  const ports = [...new Set([...probes(a), ...probes(b)])].sort((x, y) => x - y);
  const va = view(verdictOf(render(a, spA), ports), a);
  const vb = view(verdictOf(render(b, spB), ports), b);
  if (JSON.stringify(va.check) !== JSON.stringify(vb.check) || JSON.stringify(va.exposure) !== JSON.stringify(vb.exposure)) differs(`${what}: the verdicts differ`, a, spA, b, spB, va, vb);
}

/** B's verdict holds every error and open port of A's. */
function wider(what: string, a: Scenario, spA: Spelling, b: Scenario, spB: Spelling): void {
  const ports = [...new Set([...probes(a), ...probes(b)])].sort((x, y) => x - y);
  const va = verdictOf(render(a, spA), ports);
  const vb = verdictOf(render(b, spB), ports);
  const lost = [...va.check.filter((c) => c.endsWith(" error") && !vb.check.includes(c)), ...va.exposure.filter((e) => e.endsWith(" open") && !vb.exposure.includes(e))];
  if (lost.length) differs(`${what}: the more open configuration lost ${lost.join(", ")}`, a, spA, b, spB, va, vb);
}

const twoSpellings = fc.tuple(spelling(), spelling()).map(([a, b]) => [a, { ...b, family: a.family }] as const);

export const RELATIONS: readonly Relation[] = [
  {
    name: "address family: the same network over IPv4 and over IPv6 (every spelling of ::/0, addresses by count, list or subnet, routes inline or as resources, ACL ipv6_cidr_block) has the same verdict",
    weight: 1,
    property: () =>
      fc.property(scenario, spelling("ipv4"), (s, sp) => {
        same("address family", s, sp, s, { ...sp, family: "ipv6" }, acrossFamilies);
      }),
  },
  {
    name: "spelling: inline rules or rule resources of either kind, the world as one CIDR or several, port ranges split, any order of resources, keys and list elements, any names — the same verdict",
    weight: 1,
    property: () =>
      fc.property(scenario, twoSpellings, (s, [spA, spB]) => {
        same("spelling", s, spA, s, spB);
      }),
  },
  {
    name: "plain and spelled: the plainest IPv4 spelling and any IPv4 spelling have the same verdict",
    weight: 0.5,
    property: () =>
      fc.property(scenario, spelling("ipv4"), (s, sp) => {
        same("plain", s, PLAIN, s, sp);
      }),
  },
  {
    name: "widening: a rule opened to the internet or to a wider port range, or an ACL deny made an allow, never removes an error or an open port",
    weight: 1,
    property: () =>
      fc.property(scenario, spelling(), fc.nat(), fc.constantFrom<"world" | "ports" | "acl">("world", "ports", "acl"), (s, sp, i, how) => {
        wider("widening", s, sp, widened(s, i, how), sp);
      }),
  },
  {
    name: "attribution: every rule resource that opens 22 or 3389 to the whole internet by itself gets its own finding, whatever other rules of the group already open it",
    weight: 1,
    property: () =>
      fc.property(scenario, spelling(), (s, sp0) => {
        const sp: Spelling = { ...sp0, styles: sp0.styles.map((x) => (x === "inline" ? "sg_rule" : x)), cidrParts: 1 };
        const resource = render(s, sp);
        const { findings } = verdictOf(resource, probes(s));
        const flagged = new Set(findings.filter((f) => f.ruleId === "sg-no-world-admin-ports").map((f) => f.address));
        const missing: string[] = [];
        for (const type of ["aws_security_group_rule", "aws_vpc_security_group_ingress_rule"]) {
          for (const [name, r] of Object.entries(resource[type] ?? {})) {
            const world = [r.cidr_ipv4, r.cidr_ipv6, ...((r.cidr_blocks as string[]) ?? []), ...((r.ipv6_cidr_blocks as string[]) ?? [])].some((c) => typeof c === "string" && /^(0\.0\.0\.0|::|0::|::0|0:0:0:0:0:0:0:0|0000::|::0000)\/0$/.test(c));
            const protocol = String(r.protocol ?? r.ip_protocol);
            const all = protocol === "-1";
            const opensAdmin = all || (protocol === "tcp" && [22, 3389].some((p) => p >= Number(r.from_port) && p <= Number(r.to_port)));
            if (world && opensAdmin && !flagged.has(`${type}.${name}`)) missing.push(`${type}.${name}`);
          }
        }
        if (missing.length) throw new Error(`attribution: no finding on ${missing.join(", ")}\n${shown(resource)}`);
      }),
  },
  {
    name: "suppression scope: a suppression covers the finding of the address it names and nothing else — not another rule resource of the group, not the other family, not another resource",
    weight: 1,
    property: () =>
      fc.property(scenario, spelling(), fc.nat(), (s, sp0, pick) => {
        // Both families in one configuration: the IPv6 twin of each rule is another resource of the same group.
        const sp: Spelling = { ...sp0, styles: sp0.styles.map((x) => (x === "inline" ? "vpc_rule" : x)), cidrParts: 1 };
        const v4 = render(s, { ...sp, family: "ipv4" });
        const v6 = render(s, { ...sp, family: "ipv6" });
        const resource = structuredClone(v6);
        for (const type of ["aws_security_group_rule", "aws_vpc_security_group_ingress_rule"]) {
          for (const [name, r] of Object.entries(v4[type] ?? {})) (resource[type] ??= {})[`${name}_v4`] = r;
        }
        const before = verdictOf(resource, probes(s)).findings.filter((f) => !f.suppressed);
        const candidates = before.filter((f) => /security_group_rule|security_group_ingress_rule/.test(f.address));
        if (candidates.length === 0) return;
        const target = candidates[pick % candidates.length];
        const suppression: FileSuppression = { rule: target.ruleId, address: target.address, reason: "accepted for the test of suppression scope", file: "bulwark-suppressions.yaml" };
        const after = verdictOf(resource, probes(s), [suppression]).findings;
        const key = (f: { ruleId: string; address: string; severity: string; message: string }) => `${f.ruleId} ${f.address} ${f.severity} ${f.message}`;
        const expected = before.filter((f) => !(f.ruleId === target.ruleId && f.address === target.address)).map(key).sort();
        const got = after.filter((f) => !f.suppressed).map(key).sort();
        const suppressed = after.filter((f) => f.suppressed);
        if (JSON.stringify(got) !== JSON.stringify(expected) || suppressed.some((f) => f.address !== target.address || f.ruleId !== target.ruleId)) {
          throw new Error(`suppression of ${target.ruleId} on ${target.address} reached: ${JSON.stringify({ expected, got, suppressed: suppressed.map(key) }, null, 1)}\n${shown(resource)}`);
        }
      }),
  },
  {
    name: "diff under renames: renaming every rule resource and reordering everything introduces and resolves no finding (the rename is paired, inline rules are named by what they say)",
    weight: 0.3,
    property: () =>
      fc.property(scenario, spelling(), fc.integer({ min: 1, max: 2 ** 31 - 1 }), (s, sp0, shuffle) => {
        const sp: Spelling = { ...sp0, styles: [...sp0.styles, "sg_rule", "vpc_rule"], names: "content" };
        const base = render(s, sp);
        const head = render(s, { ...sp, names: "random", shuffle });
        const dirs = [base, head].map((resource) => {
          const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bulwark-metamorphic-diff-"));
          fs.writeFileSync(path.join(dir, "main.tf.json"), JSON.stringify({ resource }));
          return dir;
        });
        try {
          const result = diffConfigs(dirs[0], dirs[1]);
          const network = new Set(NETWORK_RULES.map((r) => r.id));
          const moved = [...result.introduced, ...result.resolved].filter((f) => network.has(f.ruleId)).map((f) => `${f.ruleId} ${f.address} ${f.subject ?? ""}`);
          if (moved.length) throw new Error(`a rename introduced or resolved ${moved.join(", ")}\nbase:\n${shown(base)}\nhead:\n${shown(head)}`);
        } finally {
          for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
        }
      }),
  },
];

// ------------------------------------------------------------------------------- lifecycle

/** An Auto Scaling group with an instance refresh on its template's latest version, with `lifecycle` as given. */
export function refreshingGroup(lifecycle: Record<string, unknown> | undefined, mixed: boolean): Record<string, Record<string, Record<string, unknown>>> {
  const spec = { id: "${aws_launch_template.t.id}", version: "${aws_launch_template.t.latest_version}" };
  return {
    aws_launch_template: { t: { image_id: "ami-12345678", metadata_options: { http_tokens: "required" } } },
    aws_autoscaling_group: {
      g: {
        min_size: 1,
        max_size: 2,
        vpc_zone_identifier: ["subnet-12345678"],
        ...(mixed ? { mixed_instances_policy: { launch_template: { launch_template_specification: { launch_template_id: spec.id, version: spec.version } } } } : { launch_template: spec }),
        instance_refresh: { strategy: "Rolling" },
        ...(lifecycle ? { lifecycle } : {}),
      },
    },
  };
}

/** Attributes whose changes a group may ignore without defeating the rollout. */
export const HARMLESS_IGNORES = ["desired_capacity", "tags", "load_balancers", "target_group_arns", "min_size"];

// ------------------------------------------------------------------------------- count, for_each, modules

/** Attributes that refer to the scenario's own resources: written on the resource itself (locals are not in a plan). */
const REFERENCES = new Set(["security_group_id", "network_acl_id"]);

/**
 * The same configuration with each rule type written once with `count` over a local list, or
 * with `for_each` over a local map (keys: the resource names), instead of one resource per rule.
 */
export function expanded(resource: Res, how: "count" | "for_each"): { resource: Res; locals: Record<string, unknown> } {
  const out: Res = structuredClone(resource);
  const locals: Record<string, unknown> = {};
  for (const type of ["aws_security_group_rule", "aws_vpc_security_group_ingress_rule", "aws_network_acl_rule"]) {
    const entries = Object.entries(out[type] ?? {});
    if (entries.length === 0) continue;
    const keys = [...new Set(entries.flatMap(([, v]) => Object.keys(v)))].filter((k) => !REFERENCES.has(k));
    const refs = Object.fromEntries([...REFERENCES].filter((k) => entries[0][1][k] !== undefined).map((k) => [k, entries[0][1][k]]));
    const strip = (v: Record<string, unknown>) => Object.fromEntries(Object.entries(v).filter(([k]) => !REFERENCES.has(k)));
    const name = `${type.replace(/^aws_/, "")}s`;
    locals[name] = how === "count" ? entries.map(([, v]) => strip(v)) : Object.fromEntries(entries.map(([k, v]) => [k, strip(v)]));
    const item = how === "count" ? `local.${name}[count.index]` : "each.value";
    out[type] = {
      all: {
        ...(how === "count" ? { count: `\${length(local.${name})}` } : { for_each: `\${local.${name}}` }),
        ...refs,
        ...Object.fromEntries(keys.map((k) => [k, `\${lookup(${item}, "${k}", null)}`])),
      },
    };
  }
  return { resource: out, locals };
}

/** The ways a network is planned: as written, rules under count, rules under for_each, wrapped in a module. */
export const WAYS = ["plain", "count", "each", "wrap"] as const;
export type Way = (typeof WAYS)[number];
export const moduleOf = (way: Way, k: number) => (way === "wrap" ? `module.wrap_${k}.module.inner` : `module.${way}_${k}`);

/** Generated networks for the plan relation (sources from variables left out: in a plan Terraform knows them). */
export function planCases(seed: number, n: number): [Scenario, Spelling][] {
  return fc
    .sample(fc.tuple(scenario, spelling()), { seed, numRuns: n })
    .map(([s, sp]): [Scenario, Spelling] => [{ ...s, rules: s.rules.map(({ unknown: _u, ...r }) => r) }, { ...sp, styles: [...sp.styles, "sg_rule", "vpc_rule"], acl: "resource" }]);
}

export interface PlannedCases {
  readonly dir: string;
  readonly resources: readonly TfResource[];
}

/** One Terraform root calling every case every way, planned offline (one init, one plan). */
export function planWays(cases: readonly [Scenario, Spelling][]): PlannedCases {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bulwark-metamorphic-"));
  const calls: Record<string, { source: string }> = {};
  const write = (name: string, json: unknown) => {
    fs.mkdirSync(path.join(dir, "m", name), { recursive: true });
    fs.writeFileSync(path.join(dir, "m", name, "main.tf.json"), JSON.stringify(json, null, 1));
  };
  cases.forEach(([s, sp], k) => {
    const resource = render(s, sp);
    write(`plain_${k}`, { resource });
    for (const [way, how] of [["count", "count"], ["each", "for_each"]] as const) {
      const e = expanded(resource, how);
      write(`${way}_${k}`, { locals: e.locals, resource: e.resource });
    }
    write(`wrap_${k}`, { module: { inner: { source: `../plain_${k}` } } });
    for (const way of WAYS) calls[`${way}_${k}`] = { source: `./m/${way}_${k}` };
  });
  fs.writeFileSync(path.join(dir, "main.tf.json"), JSON.stringify({ provider: { aws: [{ region: "eu-west-1" }] }, module: calls }, null, 1));
  init(dir);
  fs.writeFileSync(path.join(dir, "plan.json"), JSON.stringify(offlinePlan(dir)));
  return { dir, resources: [...loadInput(path.join(dir, "plan.json")).resources] };
}

/** Each case whose plan verdict (written `way`) differs from its configuration's, with the Terraform JSON. */
export function planViolations(cases: readonly [Scenario, Spelling][], resources: readonly TfResource[], ways: readonly Way[] = WAYS): string[] {
  const out: string[] = [];
  for (const [k, [s, sp]] of cases.entries()) {
    const expected = verdictOf(render(s, sp), probes(s));
    for (const way of ways) {
      const got = verdictOfResources(resources, probes(s), moduleOf(way, k));
      if (JSON.stringify([got.check, got.exposure]) !== JSON.stringify([expected.check, expected.exposure])) {
        out.push(`case ${k} written as ${way}: ${JSON.stringify({ expected: [expected.check, expected.exposure], got: [got.check, got.exposure] })}\n${shown(render(s, sp))}`);
      }
    }
  }
  return out;
}

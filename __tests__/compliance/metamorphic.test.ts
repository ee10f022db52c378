/**
 * Judgement by construction: a generated network, written in spellings Terraform and AWS treat
 * alike, gets the same verdict from check and exposure in every spelling; a strictly more open one
 * never gets a narrower verdict; each resource that opens a port is named; a suppression covers only
 * what it names. A failing case is printed as the Terraform JSON of both spellings (fast-check
 * shrinks it to the smallest scenario first). Seeded: BULWARK_FUZZ_SEED changes the seed,
 * BULWARK_FUZZ_RUNS the number of cases (`npm run bench -- --only fuzz` runs many more).
 */
import * as fc from "fast-check";
import * as fs from "node:fs";
import { ALL_RULES, configResources, runRules } from "../../compliance";
import { Family, NETWORK_RULES, PLAIN, probes, render, scenario, spelling, Spelling, verdictOf, widened } from "../support/metamorphic";
import { HARMLESS_IGNORES, moduleOf, same, planCases, PlannedCases, planViolations, planWays, RELATIONS, refreshingGroup, WAYS } from "../support/relations";

const SEED = Number(process.env.BULWARK_FUZZ_SEED ?? 20261205);
const RUNS = Number(process.env.BULWARK_FUZZ_RUNS ?? 150);

describe("metamorphic relations over generated networks", () => {
  it.each(RELATIONS.map((r) => [r.name, r] as const))("%s", (_name, relation) => {
    fc.assert(relation.property(), { seed: SEED, numRuns: Math.max(20, Math.round(RUNS * relation.weight)) });
  });

  it("lifecycle: ignore_changes that covers the template specification defeats the instance refresh (a finding); ignoring other attributes, create_before_destroy, or a replace_triggered_by on the template changes nothing", () => {
    const rule = ALL_RULES.filter((r) => r.id === "asg-launch-template-version");
    const verdict = (lifecycle: Record<string, unknown> | undefined, mixed: boolean) =>
      runRules(configResources({ resource: refreshingGroup(lifecycle, mixed) }, "s"), rule, { scope: "resource" }).findings.map((f) => `${f.address} ${f.severity}`);
    fc.assert(
      fc.property(
        fc.boolean(),
        fc.subarray(HARMLESS_IGNORES),
        fc.constantFrom("launch_template", "launch_template[0].version", "launch_template[0]", "mixed_instances_policy", "all", "${launch_template}"),
        fc.boolean(),
        fc.boolean(),
        fc.nat(),
        (mixed, harmless, defeating, cbd, triggered, at) => {
          const base = verdict(undefined, mixed);
          expect(base).toEqual([]);
          // Harmless settings: the same verdict as no lifecycle at all.
          expect(verdict({ ignore_changes: harmless, create_before_destroy: cbd }, mixed)).toEqual(base);
          // The template specification ignored, anywhere in the list, in any spelling: a finding, unless the group is replaced on a template change.
          const covers = defeating === "all" ? true : mixed ? defeating === "mixed_instances_policy" : /^(\$\{)?launch_template/.test(defeating);
          const list = [...harmless];
          list.splice(at % (list.length + 1), 0, defeating);
          const lifecycle = defeating === "all" ? { ignore_changes: "all", create_before_destroy: cbd } : { ignore_changes: list, create_before_destroy: cbd, ...(triggered ? { replace_triggered_by: ["aws_launch_template.t.latest_version"] } : {}) };
          expect(verdict(lifecycle, mixed)).toEqual(covers && !(triggered && defeating !== "all") ? ["aws_autoscaling_group.g error"] : base);
        },
      ),
      { seed: SEED, numRuns: Math.max(50, Math.round(RUNS / 2)) },
    );
  });

  it("a relation fails when the verdicts differ, and prints both spellings as Terraform JSON", () => {
    // The check itself can fail: two different scenarios have different verdicts.
    const open = { rules: [{ proto: "tcp" as const, from: 22, to: 22, world: true }], routed: true, address: "subnet" as const };
    const closed = { ...open, rules: [{ ...open.rules[0], world: false }] };
    const a = verdictOf(render(open, PLAIN), probes(open));
    const b = verdictOf(render(closed, PLAIN), probes(closed));
    expect(a.check).toContain("sg-no-world-admin-ports group error");
    expect(a.exposure).toContain("tcp 22 open");
    expect(b.exposure).toEqual([]);
    expect(() => same("address family", open, PLAIN, closed, PLAIN)).toThrow(/spelling A[\s\S]*"aws_security_group"[\s\S]*spelling B/);
  });

  it("the generator writes every spelling it claims: IPv6 world spellings, rule resources of both kinds, split CIDRs", () => {
    const seen = new Set<string>();
    fc.assert(
      fc.property(scenario, spelling(), (s, sp) => {
        const json = JSON.stringify(render(s, sp));
        for (const [what, re] of Object.entries({ v6world: /"(0::|::0|0:0:0:0:0:0:0:0|0000::|::0000)\/0"/, sgRule: /aws_security_group_rule/, vpcRule: /aws_vpc_security_group_ingress_rule/, split: /128\.0\.0\.0\/[12]|8000::\/[12]/, aclRule: /aws_network_acl_rule/, route: /aws_route"/ }))
          if (re.test(json)) seen.add(what);
      }),
      { seed: SEED, numRuns: 200 },
    );
    expect([...seen].sort()).toEqual(["aclRule", "route", "sgRule", "split", "v6world", "vpcRule"]);
  });

  it("the rules the relations compare are the network rules, all of them present", () => {
    expect(NETWORK_RULES.map((r) => r.id).sort()).toEqual(["exposure-no-internet-admin", "nacl-no-world-admin-ports", "sg-no-world-admin-ports", "sg-no-world-high-risk-ports", "sg-no-world-unauthorized-ports", "subnet-no-public-ip"]);
    // A scenario whose group is open on 22 to the world fails on every spelling family.
    for (const family of ["ipv4", "ipv6"] as Family[]) {
      const sp: Spelling = { ...PLAIN, family };
      const s = { rules: [{ proto: "tcp" as const, from: 22, to: 22, world: true }], routed: true, address: "instance" as const };
      const findings = runRules(configResources({ resource: render(s, sp) }, "s"), NETWORK_RULES, { scope: "resource" }).findings;
      expect([family, findings.some((f) => f.ruleId === "sg-no-world-admin-ports")]).toEqual([family, true]);
    }
    expect(widened({ rules: [{ proto: "tcp", from: 22, to: 22, world: false }], routed: true, address: "none" }, 0, "world").rules[0].world).toBe(true);
  });
});

describe("metamorphic relations in a real plan: count, for_each and modules around the same network", () => {
  // A few generated networks, each planned four ways in one Terraform plan (one init, one plan).
  const cases = planCases(SEED, Number(process.env.BULWARK_FUZZ_PLANS ?? 12));
  let planned: PlannedCases;
  beforeAll(() => {
    planned = planWays(cases);
  }, 300_000);
  afterAll(() => planned && fs.rmSync(planned.dir, { recursive: true, force: true }));

  it("plans every way of writing each network (count and for_each expand; modules nest)", () => {
    for (const way of WAYS) for (let k = 0; k < cases.length; k++) expect([way, k, planned.resources.some((r) => r.address.startsWith(`${moduleOf(way, k)}.aws_instance.i`) || r.address.startsWith(`${moduleOf(way, k)}.aws_autoscaling_group.i`))]).toEqual([way, k, true]);
    expect(planned.resources.some((r) => /\.all\[0\]$/.test(r.address))).toBe(true);
    expect(planned.resources.some((r) => /\.all\["[^"]+"\]$/.test(r.address))).toBe(true);
  });

  it.each(WAYS.map((w) => [w]))("%s: the plan's verdict is the configuration's", (way) => {
    expect(planViolations(cases, planned.resources, [way])).toEqual([]);
  });
});

import { ALL_RULES, configResources, runRules } from "../../compliance";

describe("rule pack", () => {
  it("has unique ids, kebab-case, and help text for every rule", () => {
    const ids = ALL_RULES.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const r of ALL_RULES) {
      expect(r.id).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
      expect(r.rationale.length).toBeGreaterThan(30);
      expect(r.remediation.length).toBeGreaterThan(15);
    }
  });

  it("covers every row of the control table, including the ones common scanners miss", () => {
    const controls = ALL_RULES.flatMap((r) => [...(r.controls.securityHub ?? []), ...(r.controls.checkov ?? [])]);
    for (const id of [
      "EC2.8", "EC2.170", "AutoScaling.4", "EC2.7", "EC2.3", "EC2.181", "CKV_AWS_189", "EC2.9", "EC2.25", "EC2.15", "EC2.21", "EC2.16",
      "EC2.53", "EC2.54", "CKV_AWS_23", "EC2.2", "EC2.6", "CloudTrail.1", "CloudTrail.2", "CloudTrail.4", "CloudTrail.5", "CloudTrail.6",
      "Config.1", "KMS.4", "SSM.1", "CloudWatch.1", "CloudWatch.14", "CKV_AWS_158", "CKV_AWS_46", "CloudWatch.15", "SNS.1", "CKV_AWS_126", "CKV_AWS_166",
    ]) {
      expect([id, controls.includes(id)]).toEqual([id, true]);
    }
  });

  describe.each(ALL_RULES.map((r) => [r.id, r] as const))("%s", (_id, rule) => {
    const findingsOf = (fixture: Record<string, unknown>) => runRules(configResources(fixture, "fixture"), [rule]).findings;

    it("passes its passing fixture", () => {
      expect(findingsOf(rule.fixtures.pass)).toEqual([]);
    });

    it("flags its failing fixture with its control ids", () => {
      const findings = findingsOf(rule.fixtures.fail);
      expect(findings.length).toBeGreaterThan(0);
      for (const f of findings) {
        expect(f.ruleId).toBe(rule.id);
        expect(f.severity).toBe(rule.severity);
        expect(f.suppressed).toBe(false);
      }
    });

    it("reports a finding as suppressed, not hidden, when the resource carries a suppression", () => {
      if (rule.scope === "account") return;
      const fixture = structuredClone(rule.fixtures.fail) as { resource: Record<string, Record<string, Record<string, unknown>>> };
      for (const byName of Object.values(fixture.resource)) {
        for (const body of Object.values(byName)) body["//"] = { bulwark: { suppressions: [{ ruleId: rule.id, reason: "accepted risk, see ticket SEC-1" }] } };
      }
      const report = runRules(configResources(fixture, "fixture"), [rule]);
      expect(report.findings.length).toBeGreaterThan(0);
      expect(report.findings.every((f) => f.suppressed && f.suppressionReason === "accepted risk, see ticket SEC-1")).toBe(true);
      expect(report.summary).toMatchObject({ errors: 0, warnings: 0, suppressed: report.findings.length });
    });
  });
});

describe("ec2-no-public-ip on Elastic IPs", () => {
  const findings = (resource: Record<string, unknown>) =>
    runRules(configResources({ resource }, "s"), ALL_RULES.filter((r) => r.id === "ec2-no-public-ip")).findings.map((f) => f.address);

  it("leaves the Elastic IPs of NAT gateways and load balancers alone", () => {
    expect(
      findings({
        aws_eip: { nat: { domain: "vpc" }, nlb: { domain: "vpc" } },
        aws_nat_gateway: { a: { allocation_id: "${aws_eip.nat.id}", subnet_id: "subnet-1" } },
        aws_lb: { n: { load_balancer_type: "network", subnet_mapping: [{ subnet_id: "subnet-1", allocation_id: "${aws_eip.nlb.id}" }] } },
      }),
    ).toEqual([]);
  });

  it("flags an Elastic IP nothing of the network uses, and every association", () => {
    expect(
      findings({
        aws_eip: { bastion: { domain: "vpc" } },
        aws_eip_association: { a: { allocation_id: "${aws_eip.bastion.id}", instance_id: "i-1" } },
      }).sort(),
    ).toEqual(["aws_eip.bastion", "aws_eip_association.a"]);
  });
});

import { ALL_RULES, configResources, planResources, runRules } from "../../compliance";

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

describe("references on a plan", () => {
  it("follows a conditional past a module call that has no instance (count = 0) to the resource it takes", () => {
    const plan = {
      format_version: "1.2",
      planned_values: {
        root_module: {
          resources: [
            { address: "aws_kms_key.shared", mode: "managed", type: "aws_kms_key", name: "shared", values: { enable_key_rotation: true } },
            { address: "aws_cloudwatch_log_group.app", mode: "managed", type: "aws_cloudwatch_log_group", name: "app", values: { name: "app", retention_in_days: 365 } },
          ],
        },
      },
      resource_changes: [{ address: "aws_cloudwatch_log_group.app", change: { actions: ["create"], after: { name: "app", retention_in_days: 365 }, after_unknown: { kms_key_id: true } } }],
      configuration: {
        root_module: {
          resources: [
            { address: "aws_kms_key.shared", mode: "managed", type: "aws_kms_key", name: "shared", expressions: {} },
            {
              address: "aws_cloudwatch_log_group.app",
              mode: "managed",
              type: "aws_cloudwatch_log_group",
              name: "app",
              // kms_key_id = var.create_kms_key ? module.kms_key[0].key_arn : aws_kms_key.shared.arn, with create_kms_key false
              expressions: { kms_key_id: { references: ["var.create_kms_key", "module.kms_key[0].key_arn", "module.kms_key[0]", "module.kms_key", "aws_kms_key.shared.arn", "aws_kms_key.shared"] } },
            },
          ],
          module_calls: {
            kms_key: { count_expression: { references: ["var.create_kms_key"] }, module: { resources: [{ address: "aws_kms_key.this", mode: "managed", type: "aws_kms_key", name: "this", expressions: {} }], outputs: { key_arn: { expression: { references: ["aws_kms_key.this.arn", "aws_kms_key.this"] } } } } },
          },
        },
      },
    };
    const findings = runRules(planResources(plan, "s"), ALL_RULES.filter((r) => r.id === "log-group-encrypted")).findings;
    expect(findings.map((f) => `${f.severity} ${f.address}: ${f.message}`)).toEqual([]);
  });
});

describe("blocks on a plan", () => {
  // A launch template with a static root device and a dynamic block of data volumes: the plan's
  // configuration describes the static block only, so no planned block maps to it by position.
  const plan = (dataVolumes: number) => {
    const devices = [...Array.from({ length: dataVolumes }, (_, i) => `/dev/sd${"fgh"[i]}`), "/dev/xvda"];
    const after = { block_device_mappings: devices.map((d) => ({ device_name: d, ebs: [{ encrypted: "true" }] })) };
    return {
      format_version: "1.2",
      planned_values: {
        root_module: {
          resources: [
            { address: "aws_kms_key.k", mode: "managed", type: "aws_kms_key", name: "k", values: {} },
            { address: "aws_launch_template.app", mode: "managed", type: "aws_launch_template", name: "app", values: after },
          ],
        },
      },
      resource_changes: [{ address: "aws_launch_template.app", change: { actions: ["create"], after, after_unknown: { block_device_mappings: devices.map(() => ({ ebs: [{ kms_key_id: true }] })) } } }],
      configuration: {
        root_module: {
          resources: [
            { address: "aws_kms_key.k", mode: "managed", type: "aws_kms_key", name: "k", expressions: {} },
            { address: "aws_launch_template.app", mode: "managed", type: "aws_launch_template", name: "app", expressions: { block_device_mappings: [{ device_name: { constant_value: "/dev/xvda" }, ebs: [{ encrypted: { constant_value: true }, kms_key_id: { references: ["aws_kms_key.k.arn", "aws_kms_key.k"] } }] }] } },
          ],
        },
      },
    };
  };
  const findings = (p: object) => runRules(planResources(p, "s"), ALL_RULES.filter((r) => r.id === "ebs-cmk")).findings.map((f) => `${f.severity} ${f.subject}`);

  it("follows a static block's key when the plan holds that block alone", () => {
    expect(findings(plan(0))).toEqual([]);
  });

  it("judges no block by another's configuration when dynamic blocks sit among them", () => {
    expect(findings(plan(1)).sort()).toEqual(["unverifiable block device /dev/sdf", "unverifiable block device /dev/xvda"]);
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

  it("follows a NAT gateway's aws_eip.nat[each.key] on a plan to the Elastic IP of the same key", () => {
    const plan = (index: string) => ({
      format_version: "1.2",
      planned_values: {
        root_module: {
          resources: ["a", "b"].flatMap((k) => [
            { address: `aws_eip.nat["${k}"]`, mode: "managed", type: "aws_eip", name: "nat", index: k, values: { domain: "vpc" } },
            { address: `aws_nat_gateway.this["${k}"]`, mode: "managed", type: "aws_nat_gateway", name: "this", index: k, values: { subnet_id: "subnet-1" } },
          ]),
        },
      },
      configuration: {
        root_module: {
          resources: [
            { address: "aws_eip.nat", mode: "managed", type: "aws_eip", name: "nat", expressions: { domain: { constant_value: "vpc" } } },
            { address: "aws_nat_gateway.this", mode: "managed", type: "aws_nat_gateway", name: "this", expressions: { allocation_id: { references: ["aws_eip.nat", index] } } },
          ],
        },
      },
    });
    const findings = (p: object) => runRules(planResources(p, "s"), ALL_RULES.filter((r) => r.id === "ec2-no-public-ip")).findings.map((f) => `${f.severity} ${f.address}`);
    expect(findings(plan("each.key"))).toEqual([]);
    // each.value may name any instance: not followed.
    expect(findings(plan("each.value"))).toEqual(['unverifiable aws_eip.nat["a"]', 'unverifiable aws_eip.nat["b"]']);
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

describe("vpc-default-sg-closed on default security groups whose VPC is not in the input", () => {
  const rule = ALL_RULES.filter((r) => r.id === "vpc-default-sg-closed");
  const findings = (resource: Record<string, unknown>) =>
    runRules(configResources({ resource }, "s"), rule).findings.map((f) => `${f.severity} ${f.address}: ${f.message}`);
  const sshFromOffice = { protocol: "tcp", from_port: 22, to_port: 22, cidr_blocks: ["203.0.113.0/24"] };
  const allOut = { protocol: "-1", from_port: 0, to_port: 0, cidr_blocks: ["0.0.0.0/0"] };

  it("flags a group with an ingress rule on a literal vpc_id, on the group's own address", () => {
    expect(findings({ aws_default_security_group: { legacy: { vpc_id: "vpc-123", ingress: [sshFromOffice] } } })).toEqual([
      "error aws_default_security_group.legacy: default security group has rules",
    ]);
  });

  it("flags the default VPC's group (no vpc_id) with an egress rule", () => {
    expect(findings({ aws_default_security_group: { default_vpc: { egress: [allOut] } } })).toEqual(["error aws_default_security_group.default_vpc: default security group has rules"]);
  });

  it("flags a group whose vpc_id is a variable", () => {
    expect(findings({ aws_default_security_group: { d: { vpc_id: "${var.vpc_id}", ingress: [sshFromOffice] } } })).toEqual(["error aws_default_security_group.d: default security group has rules"]);
  });

  it("reports a group judged through its VPC in the input exactly once", () => {
    expect(
      findings({ aws_vpc: { main: { cidr_block: "10.0.0.0/16" } }, aws_default_security_group: { main: { vpc_id: "${aws_vpc.main.id}", ingress: [sshFromOffice], egress: [allOut] } } }),
    ).toEqual(["error aws_default_security_group.main: default security group has rules"]);
  });

  it("passes an empty group on a literal vpc_id, and keeps rules unknown until apply unverifiable", () => {
    expect(findings({ aws_default_security_group: { legacy: { vpc_id: "vpc-123" } } })).toEqual([]);
    expect(findings({ aws_default_security_group: { legacy: { vpc_id: "vpc-123", ingress: "${var.rules}" } } })).toEqual([
      "unverifiable aws_default_security_group.legacy: default security group rules are ${var.rules}",
    ]);
  });
});

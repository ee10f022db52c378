import { Rule, RuleFinding } from "../model";
import { blocks, describe, isUnknown } from "../values";

export const vpcDefaultSgClosed: Rule = {
  id: "vpc-default-sg-closed",
  title: "Each VPC's default security group allows nothing",
  severity: "error",
  scope: "resource",
  controls: { securityHub: ["EC2.2"], cis: ["5.5"], checkov: ["CKV2_AWS_12"], trivy: ["AVD-AWS-0173"] },
  rationale: "The default group allows all traffic between its members and all egress; anything launched without a group lands in it.",
  remediation: "Manage aws_default_security_group for the VPC with no ingress and no egress rules (modules/network does).",
  check: (ctx) =>
    ctx.ofType("aws_vpc").flatMap((vpc): RuleFinding[] => {
      const managed = ctx.referencing("aws_default_security_group", "vpc_id", vpc);
      if (managed.length === 0) {
        if (ctx.mayReference("aws_default_security_group", "vpc_id", vpc).length) return [{ resource: vpc, message: "a default security group is managed, but whether it is this VPC's is not known", unverifiable: true }];
        return [{ resource: vpc, message: "the VPC's default security group is not taken over (it keeps its allow rules)" }];
      }
      return managed.flatMap((sg): RuleFinding[] => {
        const rules = ["ingress", "egress"].map((d) => blocks(sg.values[d]));
        // Rules not set are removed when Terraform takes the group over.
        const unknown = rules.find((b) => isUnknown(b) && b.set !== false);
        if (unknown) return [{ resource: sg, message: `default security group rules are ${describe(unknown)}`, unverifiable: true }];
        return rules.some((b) => !isUnknown(b) && b.length > 0) ? [{ resource: sg, message: "default security group has rules" }] : [];
      });
    }),
  fixtures: {
    pass: { resource: { aws_vpc: { a: { cidr_block: "10.0.0.0/16" } }, aws_default_security_group: { a: { vpc_id: "${aws_vpc.a.id}" } } } },
    fail: { resource: { aws_vpc: { a: { cidr_block: "10.0.0.0/16" } } } },
  },
};

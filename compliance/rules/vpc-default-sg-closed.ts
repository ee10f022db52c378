import { Rule, RuleFinding, TfResource } from "../model";
import { blocks, describe, isUnknown } from "../values";

/**
 * A default security group's own rules: none is closed; rules not set are removed when Terraform
 * takes the group over; rules unknown until apply leave it unverifiable.
 */
function judgeGroup(sg: TfResource): RuleFinding[] {
  const rules = ["ingress", "egress"].map((d) => blocks(sg.values[d]));
  const unknown = rules.find((b) => isUnknown(b) && b.set !== false);
  if (unknown) return [{ resource: sg, message: `default security group rules are ${describe(unknown)}`, unverifiable: true }];
  return rules.some((b) => !isUnknown(b) && b.length > 0) ? [{ resource: sg, message: "default security group has rules" }] : [];
}

export const vpcDefaultSgClosed: Rule = {
  id: "vpc-default-sg-closed",
  title: "Each VPC's default security group allows nothing",
  severity: "error",
  scope: "resource",
  controls: { securityHub: ["EC2.2"], cis: ["5.5"], checkov: ["CKV2_AWS_12"], trivy: ["AVD-AWS-0173"] },
  rationale:
    "The default group allows all traffic between its members and all egress; anything launched without a group lands in it. Every aws_default_security_group is judged on its own rules, whichever VPC it belongs to (one in the input, a literal vpc-id, a variable, or the default VPC when vpc_id is left out); a VPC in the input whose default group is not taken over is reported on the VPC.",
  remediation: "Manage aws_default_security_group for the VPC with no ingress and no egress rules (modules/network does).",
  check: (ctx) => [
    // Each VPC in the input: is its default group taken over at all?
    ...ctx.ofType("aws_vpc").flatMap((vpc): RuleFinding[] => {
      if (ctx.referencing("aws_default_security_group", "vpc_id", vpc).length > 0) return [];
      // A group whose vpc_id the configuration leaves out is the default VPC's, not this one's.
      const maybe = ctx.mayReference("aws_default_security_group", "vpc_id", vpc).filter((sg) => !(isUnknown(sg.values.vpc_id) && sg.values.vpc_id.set === false));
      if (maybe.length) return [{ resource: vpc, message: "a default security group is managed, but whether it is this VPC's is not known", unverifiable: true }];
      return [{ resource: vpc, message: "the VPC's default security group is not taken over (it keeps its allow rules)" }];
    }),
    // Each default group, once, on its own address: its rules are judged whatever VPC it is in.
    ...ctx.ofType("aws_default_security_group").flatMap(judgeGroup),
  ],
  fixtures: {
    pass: { resource: { aws_vpc: { a: { cidr_block: "10.0.0.0/16" } }, aws_default_security_group: { a: { vpc_id: "${aws_vpc.a.id}" } } } },
    fail: { resource: { aws_vpc: { a: { cidr_block: "10.0.0.0/16" } } } },
  },
};

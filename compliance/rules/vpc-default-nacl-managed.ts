import { Rule, RuleFinding } from "../model";

export const vpcDefaultNaclManaged: Rule = {
  id: "vpc-default-nacl-managed",
  title: "Each VPC's default network ACL is taken over",
  severity: "warning",
  scope: "resource",
  controls: { securityHub: ["EC2.21"], cis: ["5.2"] },
  rationale:
    "A VPC's default network ACL allows all traffic from 0.0.0.0/0 (and ::/0) to every port, 22 and 3389 included, and every subnet not associated with another ACL uses it. Unless the configuration manages it, that rule stays.",
  remediation: "Manage aws_default_network_acl for the VPC with no rules, or only the rules it needs (modules/network does).",
  check: (ctx) =>
    ctx.ofType("aws_vpc").flatMap((vpc): RuleFinding[] => {
      if (ctx.referencing("aws_default_network_acl", "default_network_acl_id", vpc).length) return [];
      if (ctx.mayReference("aws_default_network_acl", "default_network_acl_id", vpc).length) {
        return [{ resource: vpc, message: "a default network ACL is managed, but whether it is this VPC's is not known", unverifiable: true }];
      }
      return [{ resource: vpc, message: "the VPC's default network ACL is not taken over: it keeps AWS's rule allowing the internet to every port" }];
    }),
  fixtures: {
    pass: { resource: { aws_vpc: { a: { cidr_block: "10.0.0.0/16" } }, aws_default_network_acl: { a: { default_network_acl_id: "${aws_vpc.a.default_network_acl_id}" } } } },
    fail: { resource: { aws_vpc: { a: { cidr_block: "10.0.0.0/16" } } } },
  },
};

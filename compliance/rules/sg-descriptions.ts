import { Rule } from "../model";
import { blocks, isSet } from "./values";

export const sgDescriptions: Rule = {
  id: "sg-descriptions",
  title: "Security groups and their rules have descriptions",
  severity: "warning",
  scope: "resource",
  controls: { checkov: ["CKV_AWS_23"], trivy: ["AVD-AWS-0099", "AVD-AWS-0124"] },
  rationale: "A reviewer cannot judge a rule whose purpose is not written down; undocumented rules outlive their reason.",
  remediation: "Give every aws_security_group and every rule a description (not Terraform's default 'Managed by Terraform').",
  check: (ctx) => [
    ...ctx
      .ofType("aws_security_group")
      .filter((r) => !isSet(r.values.description) || r.values.description === "Managed by Terraform")
      .map((resource) => ({ resource, message: "security group has no description" })),
    ...ctx.ofType("aws_security_group").flatMap((resource) =>
      [...blocks(resource.values.ingress), ...blocks(resource.values.egress)].filter((b) => !isSet(b.description)).map(() => ({ resource, message: "an inline rule has no description" })),
    ),
    ...[...ctx.ofType("aws_vpc_security_group_ingress_rule"), ...ctx.ofType("aws_vpc_security_group_egress_rule"), ...ctx.ofType("aws_security_group_rule")]
      .filter((r) => !isSet(r.values.description))
      .map((resource) => ({ resource, message: "security group rule has no description" })),
  ],
  fixtures: {
    pass: { resource: { aws_security_group: { a: { description: "App instances" } } } },
    fail: { resource: { aws_vpc_security_group_egress_rule: { a: { security_group_id: "sg-1", ip_protocol: "tcp", from_port: 443, to_port: 443, cidr_ipv4: "10.0.0.0/8" } } } },
  },
};

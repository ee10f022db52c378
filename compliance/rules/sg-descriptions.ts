import { securityGroupRuleSets } from "../families/network";
import { Rule, RuleFinding } from "../model";
import { isSet, isUnknown } from "../values";

export const sgDescriptions: Rule = {
  id: "sg-descriptions",
  title: "Security groups and their rules have descriptions",
  severity: "warning",
  scope: "resource",
  controls: { checkov: ["CKV_AWS_23"], trivy: ["AVD-AWS-0099", "AVD-AWS-0124"] },
  rationale: "A reviewer cannot judge a rule whose purpose is not written down; undocumented rules outlive their reason.",
  remediation: "Give every aws_security_group and every rule a description (not Terraform's default 'Managed by Terraform').",
  check: (ctx) => {
    const out: RuleFinding[] = [];
    for (const resource of ctx.ofType("aws_security_group")) {
      const d = resource.values.description;
      if (isSet(d) === false || d === "Managed by Terraform") out.push({ resource, subject: "group", message: "security group has no description" });
    }
    for (const set of securityGroupRuleSets(ctx)) {
      for (const rule of set.rules) {
        if (isUnknown(rule.protocol) && rule.subject?.endsWith("(inline)")) continue;
        if (isSet(rule.description) === false) {
          out.push({ resource: rule.resource, subject: rule.subject, message: rule.subject ? `inline rule ${rule.subject} has no description` : "security group rule has no description" });
        }
      }
    }
    return out;
  },
  fixtures: {
    pass: { resource: { aws_security_group: { a: { description: "App instances" } } } },
    fail: { resource: { aws_vpc_security_group_egress_rule: { a: { security_group_id: "sg-1", ip_protocol: "tcp", from_port: 443, to_port: 443, cidr_ipv4: "10.0.0.0/8" } } } },
  },
};

import { ADMIN_PORTS } from "../../modules/core/ports";
import { internetPortFindings, securityGroupRuleSets } from "../families/network";
import { Rule } from "../model";

export const sgNoWorldAdminPorts: Rule = {
  id: "sg-no-world-admin-ports",
  title: "Security groups do not allow the internet to 22 or 3389",
  severity: "error",
  scope: "resource",
  // EC2.19's high-risk ports include 22 and 3389: an open admin port fails it too, reported once, here
  // (sg-no-world-high-risk-ports judges the rest of EC2.19's list).
  controls: { securityHub: ["EC2.53", "EC2.54", "EC2.13", "EC2.14", "EC2.19"], cis: ["5.3", "5.4"], checkov: ["CKV_AWS_24", "CKV_AWS_25", "CKV_AWS_277"], trivy: ["AVD-AWS-0107"] },
  rationale:
    "SSH and RDP open to the internet are the most scanned entry points there are. A group's rules in all three Terraform styles are judged together: 0.0.0.0/0, ::/0 in any spelling, or ranges that cover the internet between them.",
  remediation: "Use Session Manager, or allow admin ports only from named CIDRs or security groups.",
  check: (ctx) => internetPortFindings(securityGroupRuleSets(ctx), () => ADMIN_PORTS, false, "port"),
  fixtures: {
    pass: { resource: { aws_vpc_security_group_ingress_rule: { a: { security_group_id: "sg-1", ip_protocol: "tcp", from_port: 443, to_port: 443, cidr_ipv4: "0.0.0.0/0", description: "HTTPS" } } } },
    fail: { resource: { aws_security_group: { a: { description: "x", ingress: [{ protocol: "tcp", from_port: 22, to_port: 22, cidr_blocks: ["0.0.0.0/0"] }] } } } },
  },
};

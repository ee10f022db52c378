import { HIGH_RISK_PORTS } from "../../modules/core/ports";
import { internetPortFindings, securityGroupRuleSets } from "../families/network";
import { Rule } from "../model";

export const sgNoWorldHighRiskPorts: Rule = {
  id: "sg-no-world-high-risk-ports",
  title: "Security groups do not allow the internet to high-risk ports",
  severity: "error",
  scope: "resource",
  controls: { securityHub: ["EC2.19"], checkov: ["CKV_AWS_260"] },
  rationale: `Databases, file sharing, mail, remote procedure calls and development servers (${HIGH_RISK_PORTS.join(", ")}) open to the internet are found and attacked within hours.`,
  remediation: "Allow these ports only from the security groups or CIDRs that need them; put services behind a load balancer.",
  check: (ctx) => internetPortFindings(securityGroupRuleSets(ctx), () => HIGH_RISK_PORTS, false, "high-risk port"),
  fixtures: {
    pass: { resource: { aws_vpc_security_group_ingress_rule: { a: { security_group_id: "sg-1", ip_protocol: "tcp", from_port: 5432, to_port: 5432, cidr_ipv4: "10.0.0.0/16", description: "PostgreSQL from the VPC" } } } },
    fail: { resource: { aws_vpc_security_group_ingress_rule: { a: { security_group_id: "sg-1", ip_protocol: "tcp", from_port: 5432, to_port: 5432, cidr_ipv6: "0::/0", description: "PostgreSQL" } } } },
  },
};

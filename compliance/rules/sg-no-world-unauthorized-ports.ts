import { internetPortFindings, probePorts, securityGroupRuleSets } from "../families/network";
import { Rule } from "../model";

export const sgNoWorldUnauthorizedPorts: Rule = {
  id: "sg-no-world-unauthorized-ports",
  title: "Security groups allow the internet only to authorized ports",
  severity: "error",
  scope: "resource",
  controls: { securityHub: ["EC2.18"] },
  rationale:
    "Only ports meant for the public (by default 80 and 443; `bulwark check --authorized-ports`) should be open to the internet; anything else is an exposure nobody reviewed. Like Security Hub EC2.18, the rule judges TCP and UDP ports: a rule for all protocols (-1) reaches every one of them, while ICMP and other protocols without ports are not ports and are not its findings.",
  remediation: "Narrow the source to known CIDRs or security groups, or add the port to the authorized list if it really serves the public.",
  check: (ctx) => {
    const authorized = new Set(ctx.settings.authorizedPorts);
    // TCP and UDP ports only (protocol -1 matches both); ICMP, GRE and other portless protocols are not judged.
    return internetPortFindings(securityGroupRuleSets(ctx), (set) => probePorts(set, [...authorized]).filter((p) => !authorized.has(p)), false, "port");
  },
  fixtures: {
    pass: { resource: { aws_vpc_security_group_ingress_rule: { a: { security_group_id: "sg-1", ip_protocol: "tcp", from_port: 443, to_port: 443, cidr_ipv4: "0.0.0.0/0", description: "HTTPS" } } } },
    fail: { resource: { aws_security_group_rule: { a: { type: "ingress", security_group_id: "sg-1", protocol: "tcp", from_port: 8443, to_port: 8443, cidr_blocks: ["0.0.0.0/1", "128.0.0.0/1"], description: "API" } } } },
  },
};

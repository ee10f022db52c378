import { cidrRange, coversInternet, unionRanges } from "../../modules/core/cidr";
import { internetPortFindings, probePorts, securityGroupRuleSets } from "../families/network";
import { Rule, RuleFinding } from "../model";
import { isUnknown } from "../values";

export const sgNoWorldUnauthorizedPorts: Rule = {
  id: "sg-no-world-unauthorized-ports",
  title: "Security groups allow the internet only to authorized ports",
  severity: "error",
  scope: "resource",
  controls: { securityHub: ["EC2.18"] },
  rationale:
    "Only ports meant for the public (by default 80 and 443; `bulwark check --authorized-ports`) should be open to the internet; anything else is an exposure nobody reviewed. ICMP and other protocols from the internet count too.",
  remediation: "Narrow the source to known CIDRs or security groups, or add the port to the authorized list if it really serves the public.",
  check: (ctx) => {
    const authorized = new Set(ctx.settings.authorizedPorts);
    const sets = securityGroupRuleSets(ctx);
    const out: RuleFinding[] = internetPortFindings(sets, (set) => probePorts(set, [...authorized]).filter((p) => !authorized.has(p)), false, "port");
    // Protocols without ports (ICMP, GRE, …) open to the internet.
    for (const set of sets) {
      for (const rule of set.rules) {
        if (rule.direction !== "ingress" || rule.protocol === undefined || isUnknown(rule.protocol) || ["tcp", "udp", "all"].includes(rule.protocol)) continue;
        for (const family of ["ipv4", "ipv6"] as const) {
          const ranges = rule.cidrs.filter((c): c is string => !isUnknown(c)).map((c) => cidrRange(c)).filter((c) => c?.family === family).map((c) => c!.range);
          if (ranges.length && coversInternet(unionRanges(ranges), family)) {
            out.push({ resource: rule.resource, subject: rule.subject, message: `${rule.subject ? `${rule.subject}: ` : ""}ingress lets the internet reach ${rule.protocol}` });
            break;
          }
        }
      }
    }
    return out;
  },
  fixtures: {
    pass: { resource: { aws_vpc_security_group_ingress_rule: { a: { security_group_id: "sg-1", ip_protocol: "tcp", from_port: 443, to_port: 443, cidr_ipv4: "0.0.0.0/0", description: "HTTPS" } } } },
    fail: { resource: { aws_security_group_rule: { a: { type: "ingress", security_group_id: "sg-1", protocol: "tcp", from_port: 8443, to_port: 8443, cidr_blocks: ["0.0.0.0/1", "128.0.0.0/1"], description: "API" } } } },
  },
};

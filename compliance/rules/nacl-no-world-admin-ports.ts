import { Rule } from "../model";
import { adminPortsReached, isWorldCidr } from "./ports";
import { blocks, isTrue } from "./values";

export const naclNoWorldAdminPorts: Rule = {
  id: "nacl-no-world-admin-ports",
  title: "Network ACLs do not allow the world to 22 or 3389",
  severity: "error",
  scope: "resource",
  controls: { securityHub: ["EC2.21"], cis: ["5.2"], checkov: ["CKV_AWS_231", "CKV_AWS_232", "CKV_AWS_352"], trivy: ["AVD-AWS-0102", "AVD-AWS-0105"] },
  rationale: "SSH and RDP open to 0.0.0.0/0 or ::/0 invite brute force and exploit scanning; a NACL is the subnet-wide backstop.",
  remediation: "Allow admin ports only from known CIDRs, or use Session Manager; split ephemeral ranges around 3389.",
  check: (ctx) => {
    const out = ctx
      .ofType("aws_network_acl_rule")
      .filter((r) => !isTrue(r.values.egress) && r.values.rule_action === "allow" && (isWorldCidr(r.values.cidr_block) || isWorldCidr(r.values.ipv6_cidr_block)))
      .flatMap((resource) => {
        const ports = adminPortsReached(resource.values.protocol, resource.values.from_port, resource.values.to_port);
        return ports.length ? [{ resource, message: `ingress rule ${resource.values.rule_number ?? ""} allows ${resource.values.cidr_block ?? resource.values.ipv6_cidr_block} to port ${ports.join(" and ")}`.replace("  ", " ") }] : [];
      });
    for (const resource of [...ctx.ofType("aws_network_acl"), ...ctx.ofType("aws_default_network_acl")]) {
      for (const b of blocks(resource.values.ingress)) {
        const ports = adminPortsReached(b.protocol, b.from_port, b.to_port);
        if (b.action === "allow" && (isWorldCidr(b.cidr_block) || isWorldCidr(b.ipv6_cidr_block)) && ports.length) {
          out.push({ resource, message: `inline ingress rule ${b.rule_no} allows the world to port ${ports.join(" and ")}` });
        }
      }
    }
    return out;
  },
  fixtures: {
    pass: { resource: { aws_network_acl_rule: { a: { network_acl_id: "acl-1", rule_number: 100, egress: false, protocol: "6", rule_action: "allow", cidr_block: "0.0.0.0/0", from_port: 443, to_port: 443 } } } },
    fail: { resource: { aws_network_acl_rule: { a: { network_acl_id: "acl-1", rule_number: 100, egress: false, protocol: "6", rule_action: "allow", cidr_block: "0.0.0.0/0", from_port: 1024, to_port: 65535 } } } },
  },
};

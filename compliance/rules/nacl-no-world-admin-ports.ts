import { ADMIN_PORTS } from "../../modules/core/ports";
import { internetPortFindings, naclRuleSets } from "../families/network";
import { Rule } from "../model";

export const naclNoWorldAdminPorts: Rule = {
  id: "nacl-no-world-admin-ports",
  title: "Network ACLs do not allow the internet to 22 or 3389",
  severity: "error",
  scope: "resource",
  controls: { securityHub: ["EC2.21"], cis: ["5.2"], checkov: ["CKV_AWS_231", "CKV_AWS_232", "CKV_AWS_352"], trivy: ["AVD-AWS-0102", "AVD-AWS-0105"] },
  rationale:
    "SSH and RDP open to the internet invite brute force and exploit scanning; a NACL is the subnet-wide backstop. An ACL's rules are judged together, lowest number first: any spelling of 0.0.0.0/0 or ::/0, a world split into smaller ranges, and protocol -1 (every port) all count.",
  remediation: "Allow admin ports only from known CIDRs, or use Session Manager; split ephemeral ranges around 3389.",
  check: (ctx) => internetPortFindings(naclRuleSets(ctx), () => ADMIN_PORTS, true, "port"),
  fixtures: {
    pass: { resource: { aws_network_acl_rule: { a: { network_acl_id: "acl-1", rule_number: 100, egress: false, protocol: "6", rule_action: "allow", cidr_block: "0.0.0.0/0", from_port: 443, to_port: 443 } } } },
    fail: { resource: { aws_network_acl_rule: { a: { network_acl_id: "acl-1", rule_number: 100, egress: false, protocol: "6", rule_action: "allow", cidr_block: "0.0.0.0/0", from_port: 1024, to_port: 65535 } } } },
  },
};

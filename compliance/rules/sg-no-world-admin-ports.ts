import { Rule, TfResource } from "../model";
import { adminPortsReached, isWorldCidr } from "./ports";
import { asList, blocks } from "./values";

export const sgNoWorldAdminPorts: Rule = {
  id: "sg-no-world-admin-ports",
  title: "Security groups do not allow the world to 22 or 3389",
  severity: "error",
  scope: "resource",
  controls: { securityHub: ["EC2.53", "EC2.54", "EC2.13", "EC2.14"], cis: ["5.3", "5.4"], checkov: ["CKV_AWS_24", "CKV_AWS_25", "CKV_AWS_260", "CKV_AWS_277"], trivy: ["AVD-AWS-0107"] },
  rationale: "SSH and RDP open to 0.0.0.0/0 or ::/0 are the most scanned entry points on the internet.",
  remediation: "Use Session Manager, or allow admin ports only from named CIDRs or security groups.",
  check: (ctx) => {
    const out: { resource: TfResource; message: string }[] = [];
    const flag = (resource: TfResource, cidrs: unknown[], protocol: unknown, from: unknown, to: unknown) => {
      const world = cidrs.filter(isWorldCidr);
      const ports = adminPortsReached(protocol, from, to);
      if (world.length && ports.length) out.push({ resource, message: `ingress from ${world.join(", ")} reaches port ${ports.join(" and ")}` });
    };
    for (const r of ctx.ofType("aws_vpc_security_group_ingress_rule")) flag(r, [r.values.cidr_ipv4, r.values.cidr_ipv6], r.values.ip_protocol, r.values.from_port, r.values.to_port);
    for (const r of ctx.ofType("aws_security_group_rule")) {
      if (r.values.type === "ingress") flag(r, [...asList(r.values.cidr_blocks), ...asList(r.values.ipv6_cidr_blocks)], r.values.protocol, r.values.from_port, r.values.to_port);
    }
    for (const r of ctx.ofType("aws_security_group")) {
      for (const b of blocks(r.values.ingress)) flag(r, [...asList(b.cidr_blocks), ...asList(b.ipv6_cidr_blocks)], b.protocol, b.from_port, b.to_port);
    }
    return out;
  },
  fixtures: {
    pass: { resource: { aws_vpc_security_group_ingress_rule: { a: { security_group_id: "sg-1", ip_protocol: "tcp", from_port: 443, to_port: 443, cidr_ipv4: "0.0.0.0/0", description: "HTTPS" } } } },
    fail: { resource: { aws_security_group: { a: { description: "x", ingress: [{ protocol: "tcp", from_port: 22, to_port: 22, cidr_blocks: ["0.0.0.0/0"] }] } } } },
  },
};

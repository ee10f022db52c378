import { Rule } from "../model";
import { bool, describe, isUnknown } from "../values";

export const subnetNoPublicIp: Rule = {
  id: "subnet-no-public-ip",
  title: "Subnets do not assign public IPs on launch",
  severity: "error",
  scope: "resource",
  controls: { securityHub: ["EC2.15"], checkov: ["CKV_AWS_130"], trivy: ["AVD-AWS-0164"] },
  rationale: "With map_public_ip_on_launch every instance started in the subnet becomes internet-facing unless its launch says otherwise.",
  remediation: "Set map_public_ip_on_launch = false (the default of modules/network).",
  check: (ctx) =>
    ctx.ofType("aws_subnet").flatMap((resource) => {
      const v = bool(resource.values.map_public_ip_on_launch);
      if (v === true) return [{ resource, message: "subnet maps public IPs on launch" }];
      if (isUnknown(v) && v.set !== false) return [{ resource, message: `map_public_ip_on_launch is ${describe(v)}`, unverifiable: v }];
      return [];
    }),
  fixtures: {
    pass: { resource: { aws_subnet: { a: { vpc_id: "vpc-1", cidr_block: "10.0.0.0/24", map_public_ip_on_launch: false } } } },
    fail: { resource: { aws_subnet: { a: { vpc_id: "vpc-1", cidr_block: "10.0.0.0/24", map_public_ip_on_launch: true } } } },
  },
};

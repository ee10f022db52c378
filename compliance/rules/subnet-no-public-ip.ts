import { Rule } from "../model";
import { isTrue } from "./values";

export const subnetNoPublicIp: Rule = {
  id: "subnet-no-public-ip",
  title: "Subnets do not assign public IPs on launch",
  severity: "error",
  scope: "resource",
  controls: { securityHub: ["EC2.15"], checkov: ["CKV_AWS_130"], trivy: ["AVD-AWS-0164"] },
  rationale: "With map_public_ip_on_launch every instance started in the subnet becomes internet-facing unless its launch says otherwise.",
  remediation: "Set map_public_ip_on_launch = false (the default of modules/network).",
  check: (ctx) =>
    ctx
      .ofType("aws_subnet")
      .filter((r) => isTrue(r.values.map_public_ip_on_launch))
      .map((resource) => ({ resource, message: "subnet maps public IPs on launch" })),
  fixtures: {
    pass: { resource: { aws_subnet: { a: { vpc_id: "vpc-1", cidr_block: "10.0.0.0/24", map_public_ip_on_launch: false } } } },
    fail: { resource: { aws_subnet: { a: { vpc_id: "vpc-1", cidr_block: "10.0.0.0/24", map_public_ip_on_launch: true } } } },
  },
};

import { Rule } from "../model";

export const vpcFlowLogs: Rule = {
  id: "vpc-flow-logs",
  title: "VPC flow logs record ALL traffic",
  severity: "error",
  scope: "resource",
  controls: { securityHub: ["EC2.6"], cis: ["3.7"], checkov: ["CKV2_AWS_11"], trivy: ["AVD-AWS-0178"] },
  rationale: "Without flow logs there is no record of who talked to what during an incident; accepted-only or rejected-only logs miss half of it.",
  remediation: "Add aws_flow_log { vpc_id = <vpc>, traffic_type = \"ALL\" } to an encrypted destination (modules/network does by default).",
  check: (ctx) =>
    ctx.ofType("aws_vpc").flatMap((vpc) => {
      const logs = ctx.referencing("aws_flow_log", "vpc_id", vpc);
      if (logs.length === 0) return [{ resource: vpc, message: "VPC has no flow log" }];
      return logs.some((l) => l.values.traffic_type === "ALL") ? [] : [{ resource: vpc, message: `VPC flow logs record only ${logs.map((l) => l.values.traffic_type).join(", ")} traffic` }];
    }),
  fixtures: {
    pass: { resource: { aws_vpc: { a: { cidr_block: "10.0.0.0/16" } }, aws_flow_log: { a: { vpc_id: "${aws_vpc.a.id}", traffic_type: "ALL" } } } },
    fail: { resource: { aws_vpc: { a: { cidr_block: "10.0.0.0/16" } }, aws_flow_log: { a: { vpc_id: "${aws_vpc.a.id}", traffic_type: "REJECT" } } } },
  },
};

import { Rule, RuleFinding } from "../model";
import { describe, isUnknown, str } from "../values";

export const vpcFlowLogs: Rule = {
  id: "vpc-flow-logs",
  title: "VPC flow logs record ALL traffic",
  severity: "error",
  scope: "resource",
  controls: { securityHub: ["EC2.6"], cis: ["3.7"], checkov: ["CKV2_AWS_11"], trivy: ["AVD-AWS-0178"] },
  rationale:
    "Without flow logs there is no record of who talked to what during an incident; accepted-only or rejected-only logs miss half of it. A flow log counts for the VPC its vpc_id refers to (by full address, module instance included), never for another.",
  remediation: "Add aws_flow_log { vpc_id = <vpc>, traffic_type = \"ALL\" } to an encrypted destination (modules/network does by default).",
  check: (ctx) =>
    ctx.ofType("aws_vpc").flatMap((vpc): RuleFinding[] => {
      const logs = ctx.referencing("aws_flow_log", "vpc_id", vpc);
      const types = logs.map((l) => str(l.values.traffic_type));
      if (types.includes("ALL")) return [];
      const unknown = types.find(isUnknown);
      if (unknown) return [{ resource: vpc, message: `flow log traffic_type is ${describe(unknown)}`, unverifiable: unknown }];
      const maybe = ctx.mayReference("aws_flow_log", "vpc_id", vpc);
      if (maybe.length) return [{ resource: vpc, message: `flow logs exist (${maybe.map((m) => m.address).slice(0, 3).join(", ")}) but whether one is this VPC's is not known`, unverifiable: true }];
      if (logs.length === 0) return [{ resource: vpc, message: "VPC has no flow log" }];
      return [{ resource: vpc, message: `VPC flow logs record only ${types.map((t) => describe(t)).join(", ")} traffic` }];
    }),
  fixtures: {
    pass: { resource: { aws_vpc: { a: { cidr_block: "10.0.0.0/16" } }, aws_flow_log: { a: { vpc_id: "${aws_vpc.a.id}", traffic_type: "ALL" } } } },
    fail: { resource: { aws_vpc: { a: { cidr_block: "10.0.0.0/16" } }, aws_flow_log: { a: { vpc_id: "${aws_vpc.a.id}", traffic_type: "REJECT" } } } },
  },
};

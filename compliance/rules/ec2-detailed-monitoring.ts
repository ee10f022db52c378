import { Rule } from "../model";
import { first, isTrue } from "./values";

export const ec2DetailedMonitoring: Rule = {
  id: "ec2-detailed-monitoring",
  title: "Detailed monitoring is on",
  severity: "warning",
  scope: "resource",
  controls: { checkov: ["CKV_AWS_126"] },
  rationale: "One-minute metrics let alarms and scaling react in minutes rather than a quarter of an hour.",
  remediation: "Set monitoring = true on instances and monitoring { enabled = true } on launch templates.",
  check: (ctx) => [
    ...ctx.ofType("aws_instance").filter((r) => !isTrue(r.values.monitoring) && !r.values.launch_template).map((resource) => ({ resource, message: "detailed monitoring is off" })),
    ...ctx.ofType("aws_launch_template").filter((r) => !isTrue(first(r.values.monitoring)?.enabled)).map((resource) => ({ resource, message: "detailed monitoring is off" })),
  ],
  fixtures: {
    pass: { resource: { aws_launch_template: { a: { monitoring: { enabled: true } } } } },
    fail: { resource: { aws_launch_template: { a: { monitoring: { enabled: false } } } } },
  },
};

import { instanceSpecs, launchSpecs } from "../families/compute";
import { Rule, RuleFinding } from "../model";
import { describe, isUnknown } from "../values";

export const ec2DetailedMonitoring: Rule = {
  id: "ec2-detailed-monitoring",
  title: "Detailed monitoring is on",
  severity: "warning",
  scope: "resource",
  controls: { checkov: ["CKV_AWS_126"] },
  rationale: "One-minute metrics let alarms and scaling react in minutes rather than a quarter of an hour.",
  remediation: "Set monitoring = true on instances and monitoring { enabled = true } on launch templates.",
  check: (ctx) =>
    [...instanceSpecs(ctx), ...launchSpecs(ctx)].flatMap((spec): RuleFinding[] => {
      const m = spec.monitoring;
      if (m === true) return [];
      if (isUnknown(m)) return m.set !== false ? [{ resource: spec.resource, message: `monitoring is ${describe(m)}`, unverifiable: m }] : [];
      return [{ resource: spec.resource, message: "detailed monitoring is off" }];
    }),
  fixtures: {
    pass: { resource: { aws_launch_template: { a: { monitoring: { enabled: true } } } } },
    fail: { resource: { aws_launch_template: { a: { monitoring: { enabled: false } } } } },
  },
};

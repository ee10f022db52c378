import { Rule } from "../model";
import { asList, isFalse } from "./values";

export const alarmActions: Rule = {
  id: "alarm-actions",
  title: "Alarms have actions",
  severity: "error",
  scope: "resource",
  controls: { securityHub: ["CloudWatch.15"], checkov: ["CKV_AWS_319"] },
  rationale: "An alarm nobody is told about is a graph, not a control.",
  remediation: "Set alarm_actions (and ok_actions) to the encrypted alarm topic; keep actions_enabled true.",
  check: (ctx) =>
    [...ctx.ofType("aws_cloudwatch_metric_alarm"), ...ctx.ofType("aws_cloudwatch_composite_alarm")]
      .filter((a) => isFalse(a.values.actions_enabled) || asList(a.values.alarm_actions).length === 0)
      .map((resource) => ({ resource, message: isFalse(resource.values.actions_enabled) ? "alarm actions are disabled" : "alarm has no alarm actions" })),
  fixtures: {
    pass: { resource: { aws_cloudwatch_metric_alarm: { a: { alarm_name: "a", comparison_operator: "GreaterThanThreshold", evaluation_periods: 1, alarm_actions: ["${aws_sns_topic.t.arn}"] } } } },
    fail: { resource: { aws_cloudwatch_metric_alarm: { a: { alarm_name: "a", comparison_operator: "GreaterThanThreshold", evaluation_periods: 1 } } } },
  },
};

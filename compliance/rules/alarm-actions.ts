import { Rule, RuleFinding } from "../model";
import { bool, describe, isUnknown, list } from "../values";

export const alarmActions: Rule = {
  id: "alarm-actions",
  title: "Alarms have actions",
  severity: "error",
  scope: "resource",
  controls: { securityHub: ["CloudWatch.15"], checkov: ["CKV_AWS_319"] },
  rationale: "An alarm nobody is told about is a graph, not a control.",
  remediation: "Set alarm_actions (and ok_actions) to the encrypted alarm topic; keep actions_enabled true.",
  check: (ctx) =>
    [...ctx.ofType("aws_cloudwatch_metric_alarm"), ...ctx.ofType("aws_cloudwatch_composite_alarm")].flatMap((resource): RuleFinding[] => {
      const enabled = bool(resource.values.actions_enabled);
      if (enabled === false) return [{ resource, message: "alarm actions are disabled" }];
      const actions = list(resource.values.alarm_actions);
      if (isUnknown(actions)) return actions.set !== false ? [] : [{ resource, message: `alarm_actions is ${describe(actions)}`, unverifiable: actions }];
      if (actions.length === 0) return [{ resource, message: "alarm has no alarm actions" }];
      if (isUnknown(enabled) && enabled.set !== false) return [{ resource, message: `actions_enabled is ${describe(enabled)}`, unverifiable: enabled }];
      return [];
    }),
  fixtures: {
    pass: { resource: { aws_cloudwatch_metric_alarm: { a: { alarm_name: "a", comparison_operator: "GreaterThanThreshold", evaluation_periods: 1, alarm_actions: ["${aws_sns_topic.t.arn}"] } } } },
    fail: { resource: { aws_cloudwatch_metric_alarm: { a: { alarm_name: "a", comparison_operator: "GreaterThanThreshold", evaluation_periods: 1 } } } },
  },
};

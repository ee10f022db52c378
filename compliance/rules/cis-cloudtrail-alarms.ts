import { CIS_ALARM_CONTROLS, controlOfPattern } from "../../modules/cis-alarms/catalogue";
import { Rule } from "../model";
import { isFalse, isUnknown, knownBlocks as blocks, list } from "../values";

export const cisCloudtrailAlarms: Rule = {
  id: "cis-cloudtrail-alarms",
  title: "CloudTrail metric filters and alarms exist for the CIS controls",
  severity: "error",
  scope: "account",
  controls: {
    securityHub: CIS_ALARM_CONTROLS.map((c) => c.securityHub),
    cis: CIS_ALARM_CONTROLS.map((c) => c.cis),
    trivy: ["AVD-AWS-0147", "AVD-AWS-0148", "AVD-AWS-0149", "AVD-AWS-0150", "AVD-AWS-0151", "AVD-AWS-0152", "AVD-AWS-0153", "AVD-AWS-0154", "AVD-AWS-0155", "AVD-AWS-0156", "AVD-AWS-0157", "AVD-AWS-0158", "AVD-AWS-0159", "AVD-AWS-0160", "AVD-AWS-0174"],
  },
  rationale: "Root use, console sign-in without MFA, policy and network changes should page someone within minutes, not be found in a quarterly review.",
  remediation: "Add modules/cis-alarms on the CloudTrail log group; each filter needs an alarm with actions on its metric.",
  check: (ctx) => {
    const alarmed = new Set<string>();
    const alarms = ctx.ofType("aws_cloudwatch_metric_alarm").filter((a) => {
      const actions = list(a.values.alarm_actions);
      return !isFalse(a.values.actions_enabled) && (isUnknown(actions) ? actions.set !== false : actions.length > 0);
    });
    for (const f of ctx.ofType("aws_cloudwatch_log_metric_filter")) {
      const control = controlOfPattern(String(f.values.pattern ?? ""));
      if (!control) continue;
      const t = blocks(f.values.metric_transformation)[0];
      if (t && alarms.some((a) => a.values.metric_name === t.name && a.values.namespace === t.namespace)) alarmed.add(control.key);
    }
    return CIS_ALARM_CONTROLS.filter((c) => !alarmed.has(c.key)).map((c) => ({
      message: `no metric filter with an alarm for ${c.title}`,
      controls: { securityHub: [c.securityHub], cis: [c.cis] },
    }));
  },
  fixtures: {
    pass: {
      resource: {
        aws_cloudwatch_log_metric_filter: Object.fromEntries(
          CIS_ALARM_CONTROLS.map((c) => [c.key, { name: c.key, log_group_name: "trail", pattern: c.pattern, metric_transformation: { name: c.key, namespace: "CIS", value: "1" } }]),
        ),
        aws_cloudwatch_metric_alarm: Object.fromEntries(
          CIS_ALARM_CONTROLS.map((c) => [c.key, { alarm_name: c.key, metric_name: c.key, namespace: "CIS", comparison_operator: "GreaterThanOrEqualToThreshold", evaluation_periods: 1, alarm_actions: ["arn:aws:sns:eu-west-1:111111111111:a"] }]),
        ),
      },
    },
    fail: { resource: { aws_cloudwatch_log_metric_filter: { root: { name: "root", log_group_name: "trail", pattern: CIS_ALARM_CONTROLS[2].pattern, metric_transformation: { name: "root", namespace: "CIS", value: "1" } } } } },
  },
};

import { Rule } from "../model";
import { mustBeSet } from "../verdict";

export const cloudtrailCloudwatchLogs: Rule = {
  id: "cloudtrail-cloudwatch-logs",
  title: "CloudTrail delivers to CloudWatch Logs",
  severity: "error",
  scope: "resource",
  controls: { securityHub: ["CloudTrail.5"], checkov: ["CKV2_AWS_10"], trivy: ["AVD-AWS-0162"] },
  rationale: "Metric filters and alarms on API activity (the CIS alarms) need the trail in a log group.",
  remediation: "Set cloud_watch_logs_group_arn (\"<group arn>:*\") and cloud_watch_logs_role_arn on the trail.",
  check: (ctx) =>
    ctx.ofType("aws_cloudtrail").flatMap((t) => {
      const group = mustBeSet(t, t.values.cloud_watch_logs_group_arn, "trail does not deliver to CloudWatch Logs", "cloud_watch_logs_group_arn");
      return group.length ? group : mustBeSet(t, t.values.cloud_watch_logs_role_arn, "trail has no role to deliver to CloudWatch Logs", "cloud_watch_logs_role_arn");
    }),
  fixtures: {
    pass: { resource: { aws_cloudtrail: { a: { name: "t", s3_bucket_name: "b", cloud_watch_logs_group_arn: "${aws_cloudwatch_log_group.g.arn}:*", cloud_watch_logs_role_arn: "${aws_iam_role.r.arn}" } } } },
    fail: { resource: { aws_cloudtrail: { a: { name: "t", s3_bucket_name: "b" } } } },
  },
};

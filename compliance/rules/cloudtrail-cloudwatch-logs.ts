import { Rule } from "../model";
import { isSet } from "./values";

export const cloudtrailCloudwatchLogs: Rule = {
  id: "cloudtrail-cloudwatch-logs",
  title: "CloudTrail delivers to CloudWatch Logs",
  severity: "error",
  scope: "resource",
  controls: { securityHub: ["CloudTrail.5"], checkov: ["CKV2_AWS_10"], trivy: ["AVD-AWS-0162"] },
  rationale: "Metric filters and alarms on API activity (the CIS alarms) need the trail in a log group.",
  remediation: "Set cloud_watch_logs_group_arn (\"<group arn>:*\") and cloud_watch_logs_role_arn on the trail.",
  check: (ctx) =>
    ctx
      .ofType("aws_cloudtrail")
      .filter((t) => !isSet(t.values.cloud_watch_logs_group_arn) || !isSet(t.values.cloud_watch_logs_role_arn))
      .map((resource) => ({ resource, message: "trail does not deliver to CloudWatch Logs" })),
  fixtures: {
    pass: { resource: { aws_cloudtrail: { a: { name: "t", s3_bucket_name: "b", cloud_watch_logs_group_arn: "${aws_cloudwatch_log_group.g.arn}:*", cloud_watch_logs_role_arn: "${aws_iam_role.r.arn}" } } } },
    fail: { resource: { aws_cloudtrail: { a: { name: "t", s3_bucket_name: "b" } } } },
  },
};

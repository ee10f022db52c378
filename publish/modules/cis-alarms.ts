import { CIS_ALARM_CONTROLS } from "../../modules/cis-alarms/catalogue";
import { hclString, ModuleSpec } from "../spec";

/** The 14 controls as an HCL map: the same catalogue the construct and \`bulwark check\` use. */
const CONTROLS_HCL = CIS_ALARM_CONTROLS.map(
  (c) => `    ${c.key} = { title = ${hclString(c.title)}, control = ${hclString(`${c.securityHub}, CIS ${c.cis}`)}, pattern = ${hclString(c.pattern)} }`,
).join("\n");

export const cisAlarmsModule: ModuleSpec = {
  name: "cis-alarms",
  title: "cis-alarms: CloudTrail metric filters and alarms for the CIS controls",
  summary:
    "Metric filters on the CloudTrail log group and alarms for the 14 controls of Security Hub CloudWatch.1-14 / CIS 4.x (unauthorized API calls, console sign-in without MFA, root use, IAM policy, CloudTrail, console authentication failures, CMK, S3 bucket policy, Config, security group, NACL, gateway, route table and VPC changes).",
  secureDefaults: ["All 14 controls on; a control is disabled only with a reason (`disabled_controls`).", "Every alarm has alarm and OK actions (CloudWatch.15)."],
  controls: CIS_ALARM_CONTROLS.map((c) => c.securityHub).concat(["CloudWatch.15"]),
  variables: [
    { name: "name", type: "string", description: "Name prefix of filters and alarms.", validations: [{ condition: 'can(regex("^[A-Za-z][A-Za-z0-9-]{0,40}$", var.name))', message: "name must be a letter, then letters, digits or hyphens." }] },
    { name: "log_group_name", type: "string", description: "CloudTrail's CloudWatch Logs group." },
    { name: "alarm_topic_arn", type: "string", description: "Topic the alarms notify." },
    { name: "namespace", type: "string", description: "Metric namespace.", default: '"bulwark/CloudTrail"' },
    {
      name: "disabled_controls",
      type: "map(string)",
      description: "Controls turned off, mapped to the reason.",
      default: "{}",
      validations: [
        { condition: `alltrue([for k in keys(var.disabled_controls) : contains(${JSON.stringify(CIS_ALARM_CONTROLS.map((c) => c.key))}, k)])`, message: "disabled_controls keys must be control names such as vpc-changes." },
        { condition: "alltrue([for r in values(var.disabled_controls) : length(trimspace(r)) >= 10])", message: "each disabled control needs a reason of at least 10 characters." },
      ],
    },
    { name: "tags", type: "map(string)", description: "Tags.", default: "{}" },
  ],
  outputs: [{ name: "alarm_names", value: "[for a in aws_cloudwatch_metric_alarm.this : a.alarm_name]", description: "Alarms created." }],
  main: `
locals {
  controls = {
${CONTROLS_HCL}
  }
  enabled = { for k, c in local.controls : k => c if !contains(keys(var.disabled_controls), k) }
}

resource "aws_cloudwatch_log_metric_filter" "this" {
  for_each = local.enabled

  name           = "\${var.name}-\${each.key}"
  log_group_name = var.log_group_name
  pattern        = each.value.pattern

  metric_transformation {
    name          = "\${var.name}-\${each.key}"
    namespace     = var.namespace
    value         = "1"
    default_value = "0"
  }
}

resource "aws_cloudwatch_metric_alarm" "this" {
  for_each = local.enabled

  alarm_name          = "\${var.name}-\${each.key}"
  alarm_description   = "\${each.value.title} (\${each.value.control})"
  namespace           = var.namespace
  metric_name         = aws_cloudwatch_log_metric_filter.this[each.key].metric_transformation[0].name
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  threshold           = 1
  comparison_operator = "GreaterThanOrEqualToThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = [var.alarm_topic_arn]
  ok_actions          = [var.alarm_topic_arn]
  tags                = var.tags
}
`,
  example: `
module "cis_alarms" {
  source = "../.."

  name            = "prod"
  log_group_name  = "/bulwark/prod/cloudtrail"
  alarm_topic_arn = "arn:aws:sns:eu-west-1:111111111111:prod-alarms"
}
`,
  tests: {
    "cis_alarms.tftest.hcl": `
mock_provider "aws" {
  source = "./tests/mocks"
}

variables {
  name            = "test"
  log_group_name  = "/trail"
  alarm_topic_arn = "arn:aws:sns:eu-west-1:111111111111:alarms"
}

run "fourteen_filters_and_alarms_with_actions" {
  command = apply

  assert {
    condition     = length(aws_cloudwatch_log_metric_filter.this) == 14 && length(aws_cloudwatch_metric_alarm.this) == 14
    error_message = "all 14 controls are on by default"
  }
  assert {
    condition     = alltrue([for a in aws_cloudwatch_metric_alarm.this : length(a.alarm_actions) == 1 && length(a.ok_actions) == 1])
    error_message = "every alarm has actions"
  }
}

run "disables_a_control_only_with_a_reason" {
  command = plan
  variables {
    disabled_controls = { vpc-changes = "" }
  }
  expect_failures = [var.disabled_controls]
}

run "rejects_an_unknown_control" {
  command = plan
  variables {
    disabled_controls = { no-such-control = "managed by the central team" }
  }
  expect_failures = [var.disabled_controls]
}
`,
  },
};

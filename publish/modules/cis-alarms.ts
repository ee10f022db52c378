import { CIS_ALARM_CONTROLS, CIS_ALARM_SETTINGS } from "../../modules/cis-alarms/catalogue";
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
  secureDefaults: [
    `All 14 controls on, each alarming on ${CIS_ALARM_SETTINGS.threshold} event in ${CIS_ALARM_SETTINGS.periodSeconds / 60} minutes; a control is turned off or its threshold raised only with a reason (\`overrides = { <control> = { reason, disabled, threshold } }\`, the construct's overrides; \`disabled_controls\` is shorthand for turning controls off). \`bulwark check\` reports a control turned off (\`cis-cloudtrail-alarms\`).`,
    "Every alarm has alarm and OK actions (CloudWatch.15).",
  ],
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
    {
      name: "overrides",
      type: `map(object({
    reason    = string
    disabled  = optional(bool, false)
    threshold = optional(number)
  }))`,
      description: `Per-control changes, each with its reason (the construct's overrides): disabled turns the control off, threshold raises the events per ${CIS_ALARM_SETTINGS.periodSeconds / 60} minutes that alarm (${CIS_ALARM_SETTINGS.thresholdRange.join("-")}; the reason goes into the alarm's description).`,
      default: "{}",
      validations: [
        { condition: `alltrue([for k in keys(var.overrides) : contains(${JSON.stringify(CIS_ALARM_CONTROLS.map((c) => c.key))}, k)])`, message: "overrides keys must be control names such as vpc-changes." },
        { condition: `alltrue([for o in values(var.overrides) : length(trimspace(o.reason)) >= ${CIS_ALARM_SETTINGS.reasonLength}])`, message: `each override needs a reason of at least ${CIS_ALARM_SETTINGS.reasonLength} characters.` },
        {
          condition: `alltrue([for o in values(var.overrides) : o.threshold == null ? true : o.threshold >= ${CIS_ALARM_SETTINGS.thresholdRange[0]} && o.threshold <= ${CIS_ALARM_SETTINGS.thresholdRange[1]} && floor(o.threshold) == o.threshold])`,
          message: `an override's threshold must be a whole number from ${CIS_ALARM_SETTINGS.thresholdRange.join(" to ")}.`,
        },
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
  # disabled_controls is shorthand for overrides that turn controls off; overrides win.
  overrides = merge({ for k, r in var.disabled_controls : k => { reason = r, disabled = true, threshold = null } }, var.overrides)
  enabled   = { for k, c in local.controls : k => c if !try(local.overrides[k].disabled, false) }
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
  alarm_description   = "\${each.value.title} (\${each.value.control})\${contains(keys(local.overrides), each.key) ? " — threshold changed: \${local.overrides[each.key].reason}" : ""}"
  namespace           = var.namespace
  metric_name         = aws_cloudwatch_log_metric_filter.this[each.key].metric_transformation[0].name
  statistic           = "${CIS_ALARM_SETTINGS.statistic}"
  period              = ${CIS_ALARM_SETTINGS.periodSeconds}
  evaluation_periods  = ${CIS_ALARM_SETTINGS.evaluationPeriods}
  threshold           = coalesce(try(local.overrides[each.key].threshold, null), ${CIS_ALARM_SETTINGS.threshold})
  comparison_operator = "${CIS_ALARM_SETTINGS.comparisonOperator}"
  treat_missing_data  = "${CIS_ALARM_SETTINGS.treatMissingData}"
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

run "raises_a_threshold_and_turns_a_control_off_with_reasons" {
  command = plan
  variables {
    overrides = {
      console-auth-failures = { reason = "the SSO portal retries; five failures are the signal", threshold = 5 }
      vpc-changes           = { reason = "VPCs belong to the network account", disabled = true }
    }
  }
  assert {
    condition     = aws_cloudwatch_metric_alarm.this["console-auth-failures"].threshold == 5 && aws_cloudwatch_metric_alarm.this["root-account-use"].threshold == 1 && !contains(keys(aws_cloudwatch_metric_alarm.this), "vpc-changes")
    error_message = "the override's threshold, the others at 1, the disabled control gone"
  }
}

run "rejects_an_override_without_a_reason" {
  command = plan
  variables {
    overrides = { root-account-use = { reason = "noisy", threshold = 3 } }
  }
  expect_failures = [var.overrides]
}

run "rejects_a_fractional_threshold" {
  command = plan
  variables {
    overrides = { root-account-use = { reason = "break-glass drills every week", threshold = 2.5 } }
  }
  expect_failures = [var.overrides]
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

import { ASG_HEALTH_ALARMS, NETWORK_ANOMALY_ALARMS, TOPIC_MANAGEMENT_ACTIONS, UNHEALTHY_HOSTS_ALARM } from "../../modules/alarms";
import { AGENT_METRICS, AGENT_NAMESPACE } from "../../modules/launch-template/cloudwatch-agent";
import { ACCOUNT_ID_VARIABLE, ACCOUNT_ID_EXPR, CALLER_IDENTITY_HCL, ModuleSpec, kmsKeyModuleCall, kmsKeyVariables, KMS_KEY_ARN_EXPR } from "../spec";

/** Agent alarms come from the same catalogue that writes the agent configuration. */
const agentMetrics = AGENT_METRICS.filter((m) => m.metricName !== "swap_used_percent")
  .map((m) => `    "${m.metricName.replace(/_/g, "-")}" = { metric = "${m.metricName}", dimensions = ${m.fixedDimensions ? `{ ${Object.entries(m.fixedDimensions).map(([k, v]) => `${k} = "${v}"`).join(", ")} }` : "{}"} }`)
  .join("\n");

/** One health alarm of the construct's ASG_HEALTH_ALARMS as an HCL object of the `capacity` map. */
function healthHcl(id: keyof typeof ASG_HEALTH_ALARMS, threshold: string): string {
  const a = ASG_HEALTH_ALARMS[id];
  return `{ namespace = "${a.namespace}", metric = "${a.metricName}", statistic = "${a.statistic}", operator = "${a.comparisonOperator}", threshold = ${threshold}, period = ${a.periodSeconds}, evaluation_periods = ${a.evaluationPeriods}, missing = "${a.treatMissingData}" }`;
}

const period = (name: string) => ({
  condition: `var.${name} == 10 || var.${name} == 30 || (var.${name} >= 60 && var.${name} <= 86400 && var.${name} % 60 == 0)`,
  message: `${name} must be 10, 30 or a multiple of 60 up to 86400.`,
});

export const alarmsModule: ModuleSpec = {
  name: "alarms",
  title: "alarms: an encrypted alarm topic and Auto Scaling group alarms",
  summary:
    "An SNS topic for alarms encrypted with a customer-managed key, whose policy lets only CloudWatch of this account publish, with subscriptions; and, for an Auto Scaling group, CPU, status-check, in-service capacity, and memory and disk alarms from the CloudWatch agent aggregated by AutoScalingGroupName. Every alarm has alarm and OK actions.",
  secureDefaults: [
    "Topic encrypted with a customer-managed key (SNS.1); only CloudWatch of this account may publish; publishing without TLS denied.",
    "Every alarm has alarm and OK actions (CloudWatch.15).",
    "Missing data treated per metric: silence breaches for capacity, not for utilisation.",
    "Agent alarms watch exactly the metrics (namespace CWAgent, AutoScalingGroupName roll-up) the launch-template module's agent configuration emits.",
  ],
  controls: ["SNS.1", "CloudWatch.15", "CKV_AWS_26", "CKV_AWS_319"],
  variables: [
    ACCOUNT_ID_VARIABLE,
    { name: "name", type: "string", description: "Name prefix of topic and alarms.", validations: [{ condition: 'can(regex("^[A-Za-z][A-Za-z0-9-]{0,62}$", var.name))', message: "name must be a letter, then letters, digits or hyphens." }] },
    ...kmsKeyVariables("of the topic"),
    {
      name: "subscriptions",
      type: "map(object({\n    protocol = string\n    endpoint = string\n  }))",
      description: "Subscribers keyed by name: protocol email, https or sqs.",
      default: "{}",
      validations: [
        { condition: 'alltrue([for s in values(var.subscriptions) : contains(["email", "https", "sqs"], s.protocol)])', message: "protocol must be email, https or sqs (plain http is refused)." },
        { condition: 'alltrue([for s in values(var.subscriptions) : s.protocol != "https" || startswith(s.endpoint, "https://")])', message: "an https subscription needs an https:// endpoint." },
      ],
    },
    { name: "autoscaling_group_name", type: "string", description: "Auto Scaling group to watch; null creates the topic only.", default: "null" },
    {
      name: "min_in_service",
      type: "number",
      description: "In-service instances below this alarm.",
      default: "1",
      validations: [{ condition: "var.min_in_service >= 0 && floor(var.min_in_service) == var.min_in_service", message: "min_in_service must be a whole number >= 0." }],
    },
    { name: "cpu_threshold", type: "number", description: "CPU percent that alarms.", default: "80", validations: [{ condition: "var.cpu_threshold > 0 && var.cpu_threshold <= 100", message: "cpu_threshold must be between 1 and 100." }] },
    { name: "agent_threshold", type: "number", description: "Memory/disk percent that alarms.", default: "85", validations: [{ condition: "var.agent_threshold > 0 && var.agent_threshold <= 100", message: "agent_threshold must be between 1 and 100." }] },
    { name: "period", type: "number", description: "Seconds per datapoint of the utilisation alarms.", default: "300", validations: [period("period")] },
    {
      name: "evaluation_periods",
      type: "number",
      description: "Datapoints evaluated.",
      default: "3",
      validations: [{ condition: "var.evaluation_periods >= 1 && var.evaluation_periods <= 100 && floor(var.evaluation_periods) == var.evaluation_periods", message: "evaluation_periods must be a whole number from 1 to 100." }],
    },
    {
      name: "target_group",
      type: "object({\n    target_group_arn_suffix  = string\n    load_balancer_arn_suffix = string\n  })",
      description: "The group's target group and load balancer (their arn_suffix): unhealthy targets alarm (the construct's targetGroup). Needs autoscaling_group_name.",
      default: "null",
    },
    {
      name: "network_anomaly_band",
      type: "number",
      description: "Anomaly-detection band on NetworkIn and NetworkOut, in standard deviations (the construct's networkAnomalyBand); null: no anomaly alarms. Needs autoscaling_group_name.",
      default: "null",
      validations: [{ condition: `var.network_anomaly_band == null ? true : var.network_anomaly_band > 0 && var.network_anomaly_band <= ${NETWORK_ANOMALY_ALARMS.maxBand}`, message: `network_anomaly_band must be a number of standard deviations above 0 and at most ${NETWORK_ANOMALY_ALARMS.maxBand}.` }],
    },
    { name: "datapoints_to_alarm", type: "number", description: "Breaching datapoints that alarm (at most evaluation_periods); null = all.", default: "null" },
    { name: "tags", type: "map(string)", description: "Tags.", default: "{}" },
  ],
  outputs: [
    { name: "topic_arn", value: "aws_sns_topic.this.arn", description: "Alarm topic ARN." },
    {
      name: "alarm_names",
      value:
        "concat([for a in aws_cloudwatch_metric_alarm.utilisation : a.alarm_name], [for a in aws_cloudwatch_metric_alarm.capacity : a.alarm_name], aws_cloudwatch_metric_alarm.unhealthy_hosts[*].alarm_name, [for a in aws_cloudwatch_metric_alarm.network_anomaly : a.alarm_name])",
      description: "Alarms created.",
    },
  ],
  uses: ["kms-key"],
  main: `
${CALLER_IDENTITY_HCL}

data "aws_partition" "current" {}

locals {
  account_id = ${ACCOUNT_ID_EXPR}
  asg         = var.autoscaling_group_name != null ? { this = var.autoscaling_group_name } : {}
  agent_metrics = {
${agentMetrics}
  }
  utilisation = var.autoscaling_group_name == null ? {} : merge(
    { cpu-high = { namespace = "AWS/EC2", metric = "CPUUtilization", statistic = "Average", threshold = var.cpu_threshold, dimensions = {} } },
    { for k, m in local.agent_metrics : k => { namespace = "${AGENT_NAMESPACE}", metric = m.metric, statistic = "Maximum", threshold = var.agent_threshold, dimensions = m.dimensions } },
  )
  capacity = var.autoscaling_group_name == null ? {} : merge(
    { status-check = ${healthHcl("status-check", "0")} },
    var.min_in_service > 0 ? { in-service-low = ${healthHcl("in-service-low", "var.min_in_service")} } : {},
  )
}

${kmsKeyModuleCall("\${var.name}/alarms", ["cloudwatch-alarms", "sns"])}

resource "aws_sns_topic" "this" {
  name              = var.name
  kms_master_key_id = ${KMS_KEY_ARN_EXPR}
  tags              = var.tags
}

resource "aws_sns_topic_policy" "this" {
  arn = aws_sns_topic.this.arn
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "CloudWatchAlarmsOfThisAccountPublish"
        Effect    = "Allow"
        Principal = { Service = "cloudwatch.amazonaws.com" }
        Action    = "sns:Publish"
        Resource  = aws_sns_topic.this.arn
        Condition = { StringEquals = { "aws:SourceAccount" = local.account_id } }
      },
      {
        Sid       = "AccountManagesTopic"
        Effect    = "Allow"
        Principal = { AWS = "arn:\${data.aws_partition.current.partition}:iam::\${local.account_id}:root" }
        Action    = ${JSON.stringify([...TOPIC_MANAGEMENT_ACTIONS]).replace(/,/g, ", ")}
        Resource  = aws_sns_topic.this.arn
      },
      {
        Sid       = "DenyInsecureTransport"
        Effect    = "Deny"
        Principal = "*"
        Action    = "sns:Publish"
        Resource  = aws_sns_topic.this.arn
        Condition = { Bool = { "aws:SecureTransport" = "false" } }
      },
    ]
  })
}

resource "aws_sns_topic_subscription" "this" {
  for_each = var.subscriptions

  topic_arn = aws_sns_topic.this.arn
  protocol  = each.value.protocol
  endpoint  = each.value.endpoint
}

resource "aws_cloudwatch_metric_alarm" "utilisation" {
  for_each = local.utilisation

  alarm_name          = "\${var.name}-\${each.key}"
  alarm_description   = "\${each.value.metric} of \${var.autoscaling_group_name} above threshold"
  namespace           = each.value.namespace
  metric_name         = each.value.metric
  statistic           = each.value.statistic
  dimensions          = merge({ AutoScalingGroupName = var.autoscaling_group_name }, each.value.dimensions)
  comparison_operator = "GreaterThanThreshold"
  threshold           = each.value.threshold
  period              = var.period
  evaluation_periods  = var.evaluation_periods
  datapoints_to_alarm = var.datapoints_to_alarm
  treat_missing_data  = "missing"
  alarm_actions       = [aws_sns_topic.this.arn]
  ok_actions          = [aws_sns_topic.this.arn]
  tags                = var.tags

  lifecycle {
    precondition {
      condition     = var.datapoints_to_alarm == null ? true : var.datapoints_to_alarm >= 1 && var.datapoints_to_alarm <= var.evaluation_periods
      error_message = "datapoints_to_alarm must be between 1 and evaluation_periods."
    }
  }
}

resource "aws_cloudwatch_metric_alarm" "unhealthy_hosts" {
  count = var.autoscaling_group_name != null && var.target_group != null ? 1 : 0

  alarm_name          = "\${var.name}-unhealthy-hosts"
  alarm_description   = "Unhealthy targets behind \${var.name}"
  namespace           = "${UNHEALTHY_HOSTS_ALARM.namespace}"
  metric_name         = "${UNHEALTHY_HOSTS_ALARM.metricName}"
  statistic           = "${UNHEALTHY_HOSTS_ALARM.statistic}"
  dimensions          = { TargetGroup = var.target_group.target_group_arn_suffix, LoadBalancer = var.target_group.load_balancer_arn_suffix }
  comparison_operator = "${UNHEALTHY_HOSTS_ALARM.comparisonOperator}"
  threshold           = ${UNHEALTHY_HOSTS_ALARM.threshold}
  period              = ${UNHEALTHY_HOSTS_ALARM.periodSeconds}
  evaluation_periods  = ${UNHEALTHY_HOSTS_ALARM.evaluationPeriods}
  treat_missing_data  = "${UNHEALTHY_HOSTS_ALARM.treatMissingData}"
  alarm_actions       = [aws_sns_topic.this.arn]
  ok_actions          = [aws_sns_topic.this.arn]
  tags                = var.tags
}

resource "aws_cloudwatch_metric_alarm" "network_anomaly" {
  for_each = var.autoscaling_group_name != null && var.network_anomaly_band != null ? toset(${JSON.stringify(NETWORK_ANOMALY_ALARMS.metrics).replace(/,/g, ", ")}) : toset([])

  alarm_name          = "\${var.name}-\${each.key}-anomaly"
  alarm_description   = "\${each.key} of \${var.name} outside its expected band"
  comparison_operator = "LessThanLowerOrGreaterThanUpperThreshold"
  evaluation_periods  = ${NETWORK_ANOMALY_ALARMS.evaluationPeriods}
  threshold_metric_id = "band"
  treat_missing_data  = "missing"
  alarm_actions       = [aws_sns_topic.this.arn]
  ok_actions          = [aws_sns_topic.this.arn]
  tags                = var.tags

  metric_query {
    id          = "m"
    return_data = true
    metric {
      namespace   = "${NETWORK_ANOMALY_ALARMS.namespace}"
      metric_name = each.key
      period      = ${NETWORK_ANOMALY_ALARMS.periodSeconds}
      stat        = "${NETWORK_ANOMALY_ALARMS.stat}"
      dimensions  = { AutoScalingGroupName = var.autoscaling_group_name }
    }
  }

  metric_query {
    id          = "band"
    expression  = "ANOMALY_DETECTION_BAND(m, \${var.network_anomaly_band})"
    label       = "\${each.key} (expected)"
    return_data = true
  }
}

resource "aws_cloudwatch_metric_alarm" "capacity" {
  for_each = local.capacity

  alarm_name          = "\${var.name}-\${each.key}"
  alarm_description   = "\${each.value.metric} of \${var.autoscaling_group_name}"
  namespace           = each.value.namespace
  metric_name         = each.value.metric
  statistic           = each.value.statistic
  dimensions          = { AutoScalingGroupName = var.autoscaling_group_name }
  comparison_operator = each.value.operator
  threshold           = each.value.threshold
  period              = each.value.period
  evaluation_periods  = each.value.evaluation_periods
  treat_missing_data  = each.value.missing
  alarm_actions       = [aws_sns_topic.this.arn]
  ok_actions          = [aws_sns_topic.this.arn]
  tags                = var.tags
}
`,
  example: `
module "app_alarms" {
  source = "../.."

  name                   = "prod-app"
  autoscaling_group_name = "prod-app"
  min_in_service         = 2
  subscriptions = {
    oncall = { protocol = "email", endpoint = "oncall@example.com" }
  }
}
`,
  tests: {
    "alarms.tftest.hcl": `
mock_provider "aws" {
  source = "./tests/mocks"
}

variables {
  name                   = "app"
  autoscaling_group_name = "app"
  min_in_service         = 2
}

run "every_alarm_has_actions_and_the_topic_is_encrypted" {
  command = apply

  assert {
    condition     = aws_cloudwatch_metric_alarm.capacity["in-service-low"].evaluation_periods == ${ASG_HEALTH_ALARMS["in-service-low"].evaluationPeriods} && aws_cloudwatch_metric_alarm.capacity["status-check"].evaluation_periods == ${ASG_HEALTH_ALARMS["status-check"].evaluationPeriods}
    error_message = "health alarms evaluate as many periods as the construct's"
  }
  assert {
    condition     = contains([for st in jsondecode(aws_sns_topic_policy.this.policy).Statement : st.Sid], "AccountManagesTopic")
    error_message = "the account may manage its topic"
  }

  assert {
    condition     = alltrue([for a in concat(values(aws_cloudwatch_metric_alarm.utilisation), values(aws_cloudwatch_metric_alarm.capacity)) : length(a.alarm_actions) > 0 && length(a.ok_actions) > 0])
    error_message = "every alarm needs alarm and OK actions"
  }
  assert {
    condition     = aws_sns_topic.this.kms_master_key_id != null
    error_message = "the topic must be KMS-encrypted"
  }
  assert {
    condition     = aws_cloudwatch_metric_alarm.utilisation["mem-used-percent"].namespace == "CWAgent" && aws_cloudwatch_metric_alarm.utilisation["mem-used-percent"].dimensions["AutoScalingGroupName"] == "app"
    error_message = "agent alarms watch the group roll-up the agent publishes"
  }
  assert {
    condition     = aws_cloudwatch_metric_alarm.capacity["in-service-low"].treat_missing_data == "breaching"
    error_message = "silence breaches for capacity"
  }
}

run "target_group_and_anomaly_alarms" {
  command = plan
  variables {
    target_group         = { target_group_arn_suffix = "targetgroup/app/0123456789abcdef", load_balancer_arn_suffix = "app/web/0123456789abcdef" }
    network_anomaly_band = 2
  }
  assert {
    condition     = aws_cloudwatch_metric_alarm.unhealthy_hosts[0].dimensions == tomap({ TargetGroup = "targetgroup/app/0123456789abcdef", LoadBalancer = "app/web/0123456789abcdef" }) && aws_cloudwatch_metric_alarm.unhealthy_hosts[0].treat_missing_data == "breaching"
    error_message = "unhealthy targets alarm, and silence breaches"
  }
  assert {
    condition     = keys(aws_cloudwatch_metric_alarm.network_anomaly) == ["NetworkIn", "NetworkOut"] && [for q in aws_cloudwatch_metric_alarm.network_anomaly["NetworkIn"].metric_query : q.expression if q.id == "band"] == ["ANOMALY_DETECTION_BAND(m, 2)"]
    error_message = "network in and out alarm outside a band of 2 standard deviations"
  }
  assert {
    condition     = length(output.alarm_names) == 8 && contains(output.alarm_names, "app-unhealthy-hosts") && contains(output.alarm_names, "app-NetworkOut-anomaly")
    error_message = "the new alarms are listed"
  }
}

run "rejects_an_anomaly_band_of_11" {
  command = plan
  variables {
    network_anomaly_band = 11
  }
  expect_failures = [var.network_anomaly_band]
}

run "rejects_a_bad_period" {
  command = plan
  variables {
    period = 45
  }
  expect_failures = [var.period]
}

run "rejects_a_threshold_over_100" {
  command = plan
  variables {
    cpu_threshold = 150
  }
  expect_failures = [var.cpu_threshold]
}

run "rejects_more_datapoints_than_periods" {
  command = plan
  variables {
    datapoints_to_alarm = 5
  }
  expect_failures = [aws_cloudwatch_metric_alarm.utilisation]
}

run "rejects_plain_http" {
  command = plan
  variables {
    subscriptions = { hook = { protocol = "http", endpoint = "http://example.com" } }
  }
  expect_failures = [var.subscriptions]
}
`,
  },
};

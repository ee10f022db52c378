import { KMS_KEY_SERVICES } from "../../modules/kms-key";
import { ACCOUNT_ID_VARIABLE, ACCOUNT_ID_EXPR, CALLER_IDENTITY_HCL, ModuleSpec, preventDestroyNote } from "../spec";

/** Key policy statements per service, as HCL objects; account, region and partition come from data sources. */
const SERVICE_STATEMENTS = `
  service_statements = {
    autoscaling = [
      {
        Sid       = "AutoScalingUsesKeyForEbs"
        Effect    = "Allow"
        Principal = { AWS = local.autoscaling_role }
        Action    = ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"]
        Resource  = "*"
      },
      {
        Sid       = "AutoScalingGrantsForEbs"
        Effect    = "Allow"
        Principal = { AWS = local.autoscaling_role }
        Action    = "kms:CreateGrant"
        Resource  = "*"
        Condition = { Bool = { "kms:GrantIsForAWSResource" = true } }
      },
    ]
    cloudwatch-logs = [{
      Sid       = "CloudWatchLogsEncryptsLogGroups"
      Effect    = "Allow"
      Principal = { Service = "logs.\${local.region}.amazonaws.com" }
      Action    = ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"]
      Resource  = "*"
      Condition = { ArnLike = { "kms:EncryptionContext:aws:logs:arn" = "arn:\${local.partition}:logs:\${local.region}:\${local.account_id}:log-group:*" } }
    }]
    cloudwatch-alarms = [{
      Sid       = "CloudWatchAlarmsPublishToEncryptedTopics"
      Effect    = "Allow"
      Principal = { Service = "cloudwatch.amazonaws.com" }
      Action    = ["kms:Decrypt", "kms:GenerateDataKey*"]
      Resource  = "*"
      Condition = { StringEquals = { "aws:SourceAccount" = local.account_id } }
    }]
    cloudtrail = [
      {
        Sid       = "CloudTrailEncryptsLogs"
        Effect    = "Allow"
        Principal = { Service = "cloudtrail.amazonaws.com" }
        Action    = "kms:GenerateDataKey*"
        Resource  = "*"
        Condition = {
          StringLike   = { "kms:EncryptionContext:aws:cloudtrail:arn" = "arn:\${local.partition}:cloudtrail:*:\${local.account_id}:trail/*" }
          StringEquals = { "aws:SourceAccount" = local.account_id }
        }
      },
      {
        Sid       = "CloudTrailDescribesKey"
        Effect    = "Allow"
        Principal = { Service = "cloudtrail.amazonaws.com" }
        Action    = "kms:DescribeKey"
        Resource  = "*"
      },
    ]
    config = [{
      Sid       = "ConfigDeliversEncrypted"
      Effect    = "Allow"
      Principal = { Service = "config.amazonaws.com" }
      Action    = ["kms:Decrypt", "kms:GenerateDataKey*"]
      Resource  = "*"
      Condition = { StringEquals = { "aws:SourceAccount" = local.account_id } }
    }]
    sns = [{
      Sid       = "SnsUsesKeyForTopics"
      Effect    = "Allow"
      Principal = { Service = "sns.amazonaws.com" }
      Action    = ["kms:Decrypt", "kms:GenerateDataKey*"]
      Resource  = "*"
      Condition = { StringEquals = { "aws:SourceAccount" = local.account_id } }
    }]
  }`;

export const kmsKeyModule: ModuleSpec = {
  name: "kms-key",
  title: "kms-key: a customer-managed KMS key with rotation and a scoped key policy",
  summary:
    "A customer-managed KMS key with automatic rotation, a key policy that delegates to the account's IAM and opens the key only to the AWS services you name (each with the narrowest documented statement), and an alias.",
  secureDefaults: ["Rotation always on (KMS.4, CIS 3.6).", "30-day deletion window (7–30 allowed).", "No service may use the key unless named in `services`.", preventDestroyNote("the key")],
  controls: ["KMS.4", "CIS 3.6", "CKV_AWS_7"],
  variables: [
    ACCOUNT_ID_VARIABLE,
    {
      name: "alias",
      type: "string",
      description: "Alias name without the alias/ prefix, e.g. prod/logs. Must not start with aws/.",
      validations: [{ condition: 'can(regex("^[A-Za-z0-9/_-]{1,250}$", var.alias)) && !startswith(var.alias, "aws/")', message: "alias must be letters, digits, / _ - and must not start with aws/." }],
    },
    { name: "description", type: "string", description: "Key description.", default: "null" },
    {
      name: "services",
      type: "set(string)",
      description: `AWS services allowed to use the key: ${KMS_KEY_SERVICES.join(", ")}.`,
      default: "[]",
      validations: [{ condition: `alltrue([for s in var.services : contains(${JSON.stringify(KMS_KEY_SERVICES)}, s)])`, message: `services must be among ${KMS_KEY_SERVICES.join(", ")}.` }],
    },
    {
      name: "deletion_window_in_days",
      type: "number",
      description: "Waiting period before a scheduled deletion completes.",
      default: "30",
      validations: [{ condition: "var.deletion_window_in_days >= 7 && var.deletion_window_in_days <= 30 && floor(var.deletion_window_in_days) == var.deletion_window_in_days", message: "deletion_window_in_days must be a whole number from 7 to 30." }],
    },
    { name: "tags", type: "map(string)", description: "Tags for the key.", default: "{}" },
  ],
  outputs: [
    { name: "key_arn", value: "aws_kms_key.this.arn", description: "Key ARN, for kms_key_id arguments." },
    { name: "key_id", value: "aws_kms_key.this.key_id", description: "Key id." },
    { name: "alias_name", value: "aws_kms_alias.this.name", description: "Alias name (alias/...)." },
  ],
  main: `
${CALLER_IDENTITY_HCL}
data "aws_region" "current" {}
data "aws_partition" "current" {}

locals {
  account_id       = ${ACCOUNT_ID_EXPR}
  region           = data.aws_region.current.name
  partition        = data.aws_partition.current.partition
  autoscaling_role = "arn:\${local.partition}:iam::\${local.account_id}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling"
${SERVICE_STATEMENTS}
  root_statement = [{
    Sid       = "AccountAdministersKeyThroughIam"
    Effect    = "Allow"
    Principal = { AWS = "arn:\${local.partition}:iam::\${local.account_id}:root" }
    Action    = "kms:*"
    Resource  = "*"
  }]
}

resource "aws_kms_key" "this" {
  description             = coalesce(var.description, "bulwark customer-managed key \${var.alias}")
  enable_key_rotation     = true
  deletion_window_in_days = var.deletion_window_in_days
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = concat(local.root_statement, flatten([for s in sort(tolist(var.services)) : local.service_statements[s]]))
  })
  tags = var.tags
}

resource "aws_kms_alias" "this" {
  name          = "alias/\${var.alias}"
  target_key_id = aws_kms_key.this.key_id
}
`,
  example: `
module "logs_key" {
  source = "../.."

  alias    = "prod/logs"
  services = ["cloudwatch-logs", "cloudtrail"]
}
`,
  tests: {
    "kms_key.tftest.hcl": `
mock_provider "aws" {
  source = "./tests/mocks"
}

variables {
  alias    = "test/logs"
  services = ["cloudwatch-logs"]
}

run "rotates_and_scopes_the_policy" {
  command = apply

  assert {
    condition     = aws_kms_key.this.enable_key_rotation
    error_message = "rotation must be on"
  }
  assert {
    condition     = [for s in jsondecode(aws_kms_key.this.policy).Statement : s.Sid] == ["AccountAdministersKeyThroughIam", "CloudWatchLogsEncryptsLogGroups"]
    error_message = "the policy must hold the root statement and exactly the named services"
  }
}

run "rejects_a_short_deletion_window" {
  command = plan
  variables {
    deletion_window_in_days = 6
  }
  expect_failures = [var.deletion_window_in_days]
}

run "rejects_an_unknown_service" {
  command = plan
  variables {
    services = ["s3"]
  }
  expect_failures = [var.services]
}

run "rejects_a_reserved_alias" {
  command = plan
  variables {
    alias = "aws/ebs"
  }
  expect_failures = [var.alias]
}
`,
  },
};

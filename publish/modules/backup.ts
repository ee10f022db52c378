import { ACCOUNT_ID_VARIABLE, ModuleSpec, hclServiceRole, kmsKeyModuleCall, kmsKeyVariables, KMS_KEY_ARN_EXPR, preventDestroyNote } from "../spec";

const cron = 'can(regex("^cron\\\\(\\\\S+ \\\\S+ \\\\S+ \\\\S+ \\\\S+ \\\\S+\\\\)$", r.schedule))';

export const backupModule: ModuleSpec = {
  name: "backup",
  title: "backup: AWS Backup with a cross-region copy and restore testing",
  summary:
    "AWS Backup with disaster recovery built in: a vault encrypted with a customer-managed key, a plan whose every rule copies recovery points to an encrypted vault in a second region (provider alias `aws.copy`), selection by tag, an optional vault lock, and a restore testing plan so recovery is tested on a schedule.",
  secureDefaults: [
    "Vaults encrypted with customer-managed keys (CKV_AWS_166); the copy vault has its own key in the copy region.",
    "Every rule copies to the second region with the same retention.",
    "Weekly restore testing of the latest recovery point of tagged EC2 instances.",
    "Retention must exceed cold storage by 90 days and the vault lock minimum.",
    preventDestroyNote("the keys and the vaults"),
  ],
  controls: ["CKV_AWS_166", "seed: disaster recovery"],
  providerAliases: ["copy"],
  variables: [
    ACCOUNT_ID_VARIABLE,
    { name: "name", type: "string", description: "Name prefix.", validations: [{ condition: 'can(regex("^[A-Za-z][A-Za-z0-9-]{0,40}$", var.name))', message: "name must be a letter, then letters, digits or hyphens." }] },
    ...kmsKeyVariables("of the home vault"),
    {
      name: "rules",
      type: `map(object({
    schedule           = string
    retention_days     = number
    cold_storage_after = optional(number)
  }))`,
      description: "Backup rules keyed by name: cron schedule (UTC), retention, optional cold-storage transition.",
      default: '{\n    daily  = { schedule = "cron(0 3 * * ? *)", retention_days = 35 }\n    weekly = { schedule = "cron(0 4 ? * SUN *)", retention_days = 90 }\n  }',
      validations: [
        { condition: "length(var.rules) > 0", message: "rules must name at least one rule." },
        { condition: `alltrue([for r in values(var.rules) : ${cron}])`, message: "every schedule must be cron(minutes hours day-of-month month day-of-week year)." },
        { condition: "alltrue([for r in values(var.rules) : r.cold_storage_after == null ? r.retention_days >= 1 : r.retention_days >= r.cold_storage_after + 90])", message: "retention_days must be at least 90 days longer than cold_storage_after." },
      ],
    },
    {
      name: "selection_tag",
      type: "object({\n    key   = string\n    value = string\n  })",
      description: "Resources carrying this tag are backed up.",
      default: "null",
    },
    {
      name: "vault_lock",
      type: "object({\n    min_retention_days  = number\n    max_retention_days  = number\n    changeable_for_days = optional(number)\n  })",
      description: "Vault lock (WORM) on both vaults.",
      default: "null",
      validations: [{ condition: "var.vault_lock == null ? true : var.vault_lock.min_retention_days >= 1 && var.vault_lock.max_retention_days >= var.vault_lock.min_retention_days", message: "vault_lock needs 1 <= min_retention_days <= max_retention_days." }],
    },
    { name: "restore_test_schedule", type: "string", description: "Restore testing schedule.", default: '"cron(0 5 ? * SAT *)"' },
    { name: "tags", type: "map(string)", description: "Tags.", default: "{}" },
  ],
  outputs: [
    { name: "vault_arn", value: "aws_backup_vault.this.arn", description: "Home vault." },
    { name: "copy_vault_arn", value: "aws_backup_vault.copy.arn", description: "Vault in the copy region." },
    { name: "plan_id", value: "aws_backup_plan.this.id", description: "Backup plan." },
    { name: "selection_tag", value: "local.selection_tag", description: "The tag resources carry to be backed up." },
  ],
  uses: ["kms-key"],
  main: `
data "aws_partition" "current" {}
data "aws_region" "current" {}
data "aws_region" "copy" {
  provider = aws.copy
}

locals {
  selection_tag = var.selection_tag != null ? var.selection_tag : { key = "backup", value = var.name }
  test_name     = replace("\${var.name}_restore_test", "-", "_")
}

${kmsKeyModuleCall("${var.name}/backup", [])}

# KMS keys are regional: the copy vault needs its own key in the copy region.
module "copy_kms_key" {
  source = "../kms-key"
  providers = {
    aws = aws.copy
  }

  account_id = var.account_id
  alias      = "\${var.name}/backup-copy"
  tags       = var.tags
}

resource "aws_backup_vault" "this" {
  name        = "\${var.name}-vault"
  kms_key_arn = ${KMS_KEY_ARN_EXPR}
  tags        = var.tags

  lifecycle {
    precondition {
      condition     = data.aws_region.copy.name != data.aws_region.current.name
      error_message = "The copy provider must point at another region: a copy in the same region does not survive a regional outage."
    }
    precondition {
      condition     = var.vault_lock == null ? true : alltrue([for r in values(var.rules) : r.retention_days >= var.vault_lock.min_retention_days])
      error_message = "Every rule's retention must be at least the vault lock's minimum."
    }
  }
}

resource "aws_backup_vault" "copy" {
  provider    = aws.copy
  name        = "\${var.name}-vault-copy"
  kms_key_arn = module.copy_kms_key.key_arn
  tags        = var.tags
}

resource "aws_backup_vault_lock_configuration" "this" {
  count               = var.vault_lock == null ? 0 : 1
  backup_vault_name   = aws_backup_vault.this.name
  min_retention_days  = var.vault_lock.min_retention_days
  max_retention_days  = var.vault_lock.max_retention_days
  changeable_for_days = var.vault_lock.changeable_for_days
}

resource "aws_backup_vault_lock_configuration" "copy" {
  count               = var.vault_lock == null ? 0 : 1
  provider            = aws.copy
  backup_vault_name   = aws_backup_vault.copy.name
  min_retention_days  = var.vault_lock.min_retention_days
  max_retention_days  = var.vault_lock.max_retention_days
  changeable_for_days = var.vault_lock.changeable_for_days
}

resource "aws_backup_plan" "this" {
  name = "\${var.name}-plan"
  tags = var.tags

  dynamic "rule" {
    for_each = var.rules
    content {
      rule_name         = rule.key
      target_vault_name = aws_backup_vault.this.name
      schedule          = rule.value.schedule

      lifecycle {
        delete_after       = rule.value.retention_days
        cold_storage_after = rule.value.cold_storage_after
      }

      copy_action {
        destination_vault_arn = aws_backup_vault.copy.arn
        lifecycle {
          delete_after       = rule.value.retention_days
          cold_storage_after = rule.value.cold_storage_after
        }
      }
    }
  }
}

${hclServiceRole("this", "\"${var.name}-backup\"", "\"AWS Backup: back up and restore (restore testing) tagged resources\"", "backup.amazonaws.com")}

resource "aws_iam_role_policy_attachment" "this" {
  for_each = toset(["AWSBackupServiceRolePolicyForBackup", "AWSBackupServiceRolePolicyForRestores"])

  role       = aws_iam_role.this.name
  policy_arn = "arn:\${data.aws_partition.current.partition}:iam::aws:policy/service-role/\${each.key}"
}

resource "aws_backup_selection" "this" {
  name         = "\${var.name}-by-tag"
  plan_id      = aws_backup_plan.this.id
  iam_role_arn = aws_iam_role.this.arn

  selection_tag {
    type  = "STRINGEQUALS"
    key   = local.selection_tag.key
    value = local.selection_tag.value
  }
}

resource "aws_backup_restore_testing_plan" "this" {
  name                = local.test_name
  schedule_expression = var.restore_test_schedule
  tags                = var.tags

  recovery_point_selection {
    algorithm             = "LATEST_WITHIN_WINDOW"
    include_vaults        = [aws_backup_vault.this.arn]
    recovery_point_types  = ["SNAPSHOT"]
    selection_window_days = 7
  }
}

resource "aws_backup_restore_testing_selection" "ec2" {
  name                      = "\${local.test_name}_ec2"
  restore_testing_plan_name = aws_backup_restore_testing_plan.this.name
  protected_resource_type   = "EC2"
  iam_role_arn              = aws_iam_role.this.arn
  validation_window_hours   = 4

  protected_resource_conditions {
    string_equals {
      key   = "aws:ResourceTag/\${local.selection_tag.key}"
      value = local.selection_tag.value
    }
  }
}
`,
  example: `
module "backup" {
  source = "../.."
  providers = {
    aws      = aws
    aws.copy = aws.copy
  }

  name = "prod"
}
`,
  tests: {
    "backup.tftest.hcl": `
mock_provider "aws" {
  source = "./tests/mocks"
}

mock_provider "aws" {
  alias  = "copy"
  source = "./tests/mocks"
  override_data {
    target = data.aws_region.copy
    values = {
      name = "eu-central-1"
    }
  }
}

variables {
  name       = "test"
  account_id = "111111111111"
}

run "every_rule_copies_to_the_second_region" {
  command = apply

  assert {
    condition     = alltrue([for r in aws_backup_plan.this.rule : length(r.copy_action) == 1])
    error_message = "every rule copies its recovery points"
  }
  assert {
    condition     = aws_backup_vault.this.kms_key_arn != null && aws_backup_vault.copy.kms_key_arn != null
    error_message = "both vaults use customer-managed keys"
  }
  assert {
    condition     = aws_backup_restore_testing_plan.this.name == "test_restore_test"
    error_message = "restores are tested on a schedule"
  }
}

run "rejects_retention_shorter_than_cold_storage_plus_90" {
  command = plan
  variables {
    rules = { monthly = { schedule = "cron(0 3 1 * ? *)", retention_days = 100, cold_storage_after = 30 } }
  }
  expect_failures = [var.rules]
}

run "rejects_a_malformed_cron" {
  command = plan
  variables {
    rules = { daily = { schedule = "cron(0 3 * * *)", retention_days = 30 } }
  }
  expect_failures = [var.rules]
}

run "rejects_retention_under_the_lock_minimum" {
  command = plan
  variables {
    vault_lock = { min_retention_days = 60, max_retention_days = 365 }
  }
  expect_failures = [aws_backup_vault.this]
}
`,
  },
};

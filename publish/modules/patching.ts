import { PATCH_BASELINES, PATCH_GROUP_TAG, PatchFilter } from "../../modules/patching";
import { ModuleSpec, hclServiceRole } from "../spec";

const cronCheck = (v: string) =>
  `can(regex("^cron\\\\(\\\\S+ \\\\S+ \\\\S+ \\\\S+ \\\\S+ \\\\S+\\\\)$", ${v}))`;

/** The construct's PATCH_BASELINES as an HCL map. */
const filtersHcl = (fs: readonly PatchFilter[]) => `[${fs.map((f) => `{ key = "${f.key}", values = ${JSON.stringify(f.values).replace(/,/g, ", ")} }`).join(", ")}]`;
const OS_HCL = Object.entries(PATCH_BASELINES)
  .map(([os, b]) => `    ${os} = {\n      operating_system = "${b.operatingSystem}"\n      security_filters = ${filtersHcl(b.security)}\n      other_filters    = ${filtersHcl(b.other)}\n    }`)
  .join("\n");

export const patchingModule: ModuleSpec = {
  name: "patching",
  title: "patching: Systems Manager patch baselines, an install window and a daily scan",
  summary:
    "Patch management for instances tagged with a patch group: a baseline per operating system approving security and critical patches first and the rest after N days, a maintenance window installing with AWS-RunPatchBaseline, and a daily compliance scan association.",
  secureDefaults: [
    "Security/critical patches approved after 0 days, everything else after 7.",
    "Weekly install window (Sundays 03:00 UTC, 3 hours, cutoff 1 hour), reboot if needed.",
    "Daily `Operation=Scan` for compliance reporting.",
  ],
  controls: ["SSM patch compliance (seed: patching)"],
  variables: [
    { name: "name", type: "string", description: "Name prefix; the patch group is `<name>-patching`.", validations: [{ condition: 'can(regex("^[A-Za-z][A-Za-z0-9-]{0,40}$", var.name))', message: "name must be a letter, then letters, digits or hyphens." }] },
    {
      name: "operating_systems",
      type: "set(string)",
      description: "Operating systems to baseline: amazon-linux-2023, ubuntu.",
      default: '["amazon-linux-2023"]',
      validations: [{ condition: `length(var.operating_systems) > 0 && alltrue([for os in var.operating_systems : contains(${JSON.stringify(Object.keys(PATCH_BASELINES)).replace(/,/g, ", ")}, os)])`, message: `operating_systems must name ${Object.keys(PATCH_BASELINES).join(" and/or ")}.` }],
    },
    { name: "security_approve_after_days", type: "number", description: "Days before security/critical patches are approved.", default: "0", validations: [{ condition: "var.security_approve_after_days >= 0 && var.security_approve_after_days <= 100", message: "security_approve_after_days must be 0-100." }] },
    { name: "approve_after_days", type: "number", description: "Days before other patches are approved.", default: "7", validations: [{ condition: "var.approve_after_days >= 0 && var.approve_after_days <= 100", message: "approve_after_days must be 0-100." }] },
    { name: "install_schedule", type: "string", description: "Install window, cron(...) with six fields.", default: '"cron(0 3 ? * SUN *)"', validations: [{ condition: cronCheck("var.install_schedule"), message: "install_schedule must be cron(minutes hours day-of-month month day-of-week year)." }] },
    { name: "window_hours", type: "number", description: "Window length in hours.", default: "3", validations: [{ condition: "var.window_hours >= 2 && var.window_hours <= 24", message: "window_hours must be 2-24." }] },
    {
      name: "scan_schedule",
      type: "string",
      description: "Compliance scan schedule (cron(...) or rate(...)).",
      default: '"rate(1 day)"',
      validations: [{ condition: `${cronCheck("var.scan_schedule")} || can(regex("^rate\\\\([1-9][0-9]* (minute|minutes|hour|hours|day|days)\\\\)$", var.scan_schedule))`, message: "scan_schedule must be cron(...) or rate(N unit)." }],
    },
    { name: "tags", type: "map(string)", description: "Tags.", default: "{}" },
  ],
  outputs: [
    { name: "instance_tags", value: `{ "${PATCH_GROUP_TAG}" = "\${var.name}-patching" }`, description: "Tags instances carry to be patched here." },
    { name: "maintenance_window_id", value: "aws_ssm_maintenance_window.this.id", description: "Maintenance window id." },
  ],
  main: `
data "aws_partition" "current" {}

locals {
  group = "\${var.name}-patching"
  os = {
${OS_HCL}
  }
}

resource "aws_ssm_patch_baseline" "this" {
  for_each = var.operating_systems

  name             = "\${var.name}-\${each.key}"
  description      = "\${each.key}: security and critical patches after \${var.security_approve_after_days} days, others after \${var.approve_after_days}"
  operating_system = local.os[each.key].operating_system
  tags             = var.tags

  approval_rule {
    approve_after_days = var.security_approve_after_days
    compliance_level   = "CRITICAL"
    dynamic "patch_filter" {
      for_each = local.os[each.key].security_filters
      content {
        key    = patch_filter.value.key
        values = patch_filter.value.values
      }
    }
  }

  approval_rule {
    approve_after_days = var.approve_after_days
    compliance_level   = "MEDIUM"
    dynamic "patch_filter" {
      for_each = local.os[each.key].other_filters
      content {
        key    = patch_filter.value.key
        values = patch_filter.value.values
      }
    }
  }
}

resource "aws_ssm_patch_group" "this" {
  for_each = var.operating_systems

  baseline_id = aws_ssm_patch_baseline.this[each.key].id
  patch_group = local.group
}

resource "aws_ssm_maintenance_window" "this" {
  name                       = local.group
  schedule                   = var.install_schedule
  duration                   = var.window_hours
  cutoff                     = 1
  allow_unassociated_targets = false
  tags                       = var.tags
}

resource "aws_ssm_maintenance_window_target" "this" {
  window_id     = aws_ssm_maintenance_window.this.id
  resource_type = "INSTANCE"

  targets {
    key    = "tag:${PATCH_GROUP_TAG}"
    values = [local.group]
  }
}

${hclServiceRole("window", "local.group", "\"Maintenance window: run AWS-RunPatchBaseline\"", "ssm.amazonaws.com")}

resource "aws_iam_role_policy_attachment" "window" {
  role       = aws_iam_role.window.name
  policy_arn = "arn:\${data.aws_partition.current.partition}:iam::aws:policy/service-role/AmazonSSMMaintenanceWindowRole"
}

resource "aws_ssm_maintenance_window_task" "install" {
  window_id        = aws_ssm_maintenance_window.this.id
  name             = "install-patches"
  task_type        = "RUN_COMMAND"
  task_arn         = "AWS-RunPatchBaseline"
  priority         = 1
  max_concurrency  = "50%"
  max_errors       = "10%"
  service_role_arn = aws_iam_role.window.arn

  targets {
    key    = "WindowTargetIds"
    values = [aws_ssm_maintenance_window_target.this.id]
  }

  task_invocation_parameters {
    run_command_parameters {
      timeout_seconds = 3600
      parameter {
        name   = "Operation"
        values = ["Install"]
      }
      parameter {
        name   = "RebootOption"
        values = ["RebootIfNeeded"]
      }
    }
  }
}

resource "aws_ssm_association" "scan" {
  name                = "AWS-RunPatchBaseline"
  association_name    = "\${var.name}-patch-scan"
  schedule_expression = var.scan_schedule
  compliance_severity = "HIGH"
  parameters = {
    Operation = "Scan"
  }

  targets {
    key    = "tag:${PATCH_GROUP_TAG}"
    values = [local.group]
  }
}
`,
  example: `
module "patching" {
  source = "../.."

  name              = "prod"
  operating_systems = ["amazon-linux-2023", "ubuntu"]
}
`,
  tests: {
    "patching.tftest.hcl": `
mock_provider "aws" {
  source = "./tests/mocks"
}

variables {
  name              = "test"
  operating_systems = ["amazon-linux-2023", "ubuntu"]
}

run "security_first_install_weekly_scan_daily" {
  command = apply

  assert {
    condition     = aws_ssm_patch_baseline.this["amazon-linux-2023"].approval_rule[0].approve_after_days == 0 && aws_ssm_patch_baseline.this["amazon-linux-2023"].approval_rule[1].approve_after_days == 7
    error_message = "security patches first, others after 7 days"
  }
  assert {
    condition     = aws_ssm_maintenance_window_task.install.task_arn == "AWS-RunPatchBaseline"
    error_message = "the window installs with AWS-RunPatchBaseline"
  }
  assert {
    condition     = aws_ssm_association.scan.parameters["Operation"] == "Scan" && aws_ssm_association.scan.schedule_expression == "rate(1 day)"
    error_message = "a daily scan"
  }
  assert {
    condition     = output.instance_tags["${PATCH_GROUP_TAG}"] == "test-patching"
    error_message = "instances are targeted by the patch group tag"
  }
}

run "rejects_a_malformed_cron" {
  command = plan
  variables {
    install_schedule = "cron(0 3 * * *)"
  }
  expect_failures = [var.install_schedule]
}

run "rejects_an_unknown_os" {
  command = plan
  variables {
    operating_systems = ["windows"]
  }
  expect_failures = [var.operating_systems]
}
`,
  },
};

import { GROUP_METRICS } from "../../modules/auto-scaling";
import { ModuleSpec } from "../spec";

/**
 * The construct's `defaultMaxHealthyPercentage` in HCL: room for one extra instance or 10 % of the
 * group, whichever is more (200 for one instance, 150 for two, 110 from ten up); 110 for no instance.
 */
const DEFAULT_MAX_HEALTHY_HCL = "local.desired < 1 ? 110 : min(200, 100 + max(10, ceil(100 / local.desired)))";

export const autoScalingModule: ModuleSpec = {
  name: "auto-scaling",
  title: "auto-scaling: an Auto Scaling group that follows its launch template",
  summary:
    "An Auto Scaling group on its launch template's `latest_version`: every template change (a new AMI, user data, instance type) changes the group's `launch_template` block, and the provider starts a rolling instance refresh that launches the replacements before terminating the old instances and rolls back when they never become healthy. Group metrics on; ELB health checks behind a load balancer.",
  secureDefaults: [
    'The group launches `launch_template.latest_version`, never `"$Latest"`: the provider starts an instance refresh only when the version changes, so hardening updates reach running instances.',
    "Rolling refresh with `min_healthy_percentage = 100` (no capacity lost) and room for one extra instance or 10 % of the group (`max_healthy_percentage` 200 for one instance, 150 for two, 110 from ten up), warm-up = the health check grace period, `skip_matching`, protected instances refreshed too, standby instances replaced.",
    "`auto_rollback` on, off by default for a template whose image is `resolve:ssm:` (AWS cannot roll those back; asking for it is refused).",
    `Group metrics (${GROUP_METRICS.join(", ")}) at one-minute granularity, for the alarms module.`,
    "Health checks from the load balancer when `target_group_arns` is set, else EC2.",
  ],
  controls: ["AutoScaling.1"],
  variables: [
    { name: "name", type: "string", description: "Group name.", validations: [{ condition: 'can(regex("^[A-Za-z][A-Za-z0-9-]{0,62}$", var.name))', message: "name must be a letter, then up to 62 letters, digits or hyphens." }] },
    {
      name: "launch_template",
      type: `object({
    id             = string
    latest_version = number
    image_id       = optional(string)
  })`,
      description: "The launch template (the launch-template module's id, latest_version and image_id outputs): the group launches latest_version. image_id decides the auto_rollback default (off for resolve:ssm:).",
      validations: [{ condition: "var.launch_template.latest_version >= 1 && floor(var.launch_template.latest_version) == var.launch_template.latest_version", message: "launch_template.latest_version must be the template's version number." }],
    },
    {
      name: "subnet_ids",
      type: "map(string)",
      description: "Private subnets to launch into, keyed by availability zone (or any stable name).",
      validations: [{ condition: "length(var.subnet_ids) > 0", message: "subnet_ids must name at least one subnet." }],
    },
    { name: "min_size", type: "number", description: "Minimum size.", validations: [{ condition: "var.min_size >= 0 && var.min_size <= 10000 && floor(var.min_size) == var.min_size", message: "min_size must be a whole number 0-10000." }] },
    {
      name: "max_size",
      type: "number",
      description: "Maximum size (at least min_size and 1).",
      validations: [{ condition: "var.max_size >= max(1, var.min_size) && var.max_size <= 10000 && floor(var.max_size) == var.max_size", message: "max_size must be a whole number from max(1, min_size) to 10000." }],
    },
    {
      name: "desired_capacity",
      type: "number",
      description: "Desired capacity; null: min_size.",
      default: "null",
      validations: [{ condition: "var.desired_capacity == null ? true : var.desired_capacity >= var.min_size && var.desired_capacity <= var.max_size", message: "desired_capacity must be between min_size and max_size." }],
    },
    { name: "target_group_arns", type: "list(string)", description: "Target groups to register with; health checks then come from the load balancer.", default: "[]" },
    { name: "health_check_grace_period", type: "number", description: "Seconds before health checks count.", default: "300" },
    { name: "instance_tags", type: "map(string)", description: "Tags propagated to instances at launch (backup selection, patch group).", default: "{}" },
    {
      name: "refresh",
      type: `object({
    min_healthy_percentage       = optional(number, 100)
    max_healthy_percentage       = optional(number)
    instance_warmup              = optional(number)
    checkpoint_percentages       = optional(list(number))
    checkpoint_delay             = optional(number)
    auto_rollback                = optional(bool)
    skip_matching                = optional(bool, true)
    scale_in_protected_instances = optional(string, "Refresh")
    standby_instances            = optional(string, "Terminate")
  })`,
      description:
        "The rolling instance refresh a template change starts (the construct's refresh options). max_healthy_percentage null: room for one extra instance or 10 % of the group; instance_warmup null: health_check_grace_period; auto_rollback null: on unless the image is resolve:ssm:.",
      default: "{}",
      validations: [
        { condition: "var.refresh.min_healthy_percentage >= 0 && var.refresh.min_healthy_percentage <= 100", message: "refresh.min_healthy_percentage must be 0-100." },
        {
          condition: "var.refresh.max_healthy_percentage == null ? true : var.refresh.max_healthy_percentage >= 100 && var.refresh.max_healthy_percentage <= 200 && var.refresh.max_healthy_percentage - var.refresh.min_healthy_percentage <= 100",
          message: "refresh.max_healthy_percentage must be 100-200 and at most 100 above min_healthy_percentage.",
        },
        {
          condition: "var.refresh.checkpoint_percentages == null ? var.refresh.checkpoint_delay == null : length(var.refresh.checkpoint_percentages) > 0 && alltrue([for i, p in var.refresh.checkpoint_percentages : p >= 1 && p <= 100 && floor(p) == p && (i == 0 ? true : p > var.refresh.checkpoint_percentages[i - 1])]) && var.refresh.checkpoint_percentages[length(var.refresh.checkpoint_percentages) - 1] == 100",
          message: "refresh.checkpoint_percentages must be whole percentages in ascending order ending at 100; checkpoint_delay needs them.",
        },
        { condition: 'contains(["Refresh", "Ignore", "Wait"], var.refresh.scale_in_protected_instances) && contains(["Terminate", "Ignore", "Wait"], var.refresh.standby_instances)', message: "scale_in_protected_instances must be Refresh, Ignore or Wait; standby_instances Terminate, Ignore or Wait." },
      ],
    },
  ],
  outputs: [
    { name: "name", value: "aws_autoscaling_group.this.name", description: "Group name (for the alarms module)." },
    { name: "arn", value: "aws_autoscaling_group.this.arn", description: "Group ARN." },
  ],
  main: `
locals {
  desired   = coalesce(var.desired_capacity, var.min_size)
  ssm_image = startswith(coalesce(var.launch_template.image_id, "ami"), "resolve:ssm:")
  lb        = length(var.target_group_arns) > 0
}

resource "aws_autoscaling_group" "this" {
  name                      = var.name
  min_size                  = var.min_size
  max_size                  = var.max_size
  desired_capacity          = local.desired
  vpc_zone_identifier       = [for k in sort(keys(var.subnet_ids)) : var.subnet_ids[k]]
  health_check_type         = local.lb ? "ELB" : "EC2"
  health_check_grace_period = var.health_check_grace_period
  target_group_arns         = local.lb ? var.target_group_arns : null
  enabled_metrics           = ${JSON.stringify(GROUP_METRICS).replace(/,/g, ", ")}
  metrics_granularity       = "1Minute"

  # latest_version, not "$Latest": the provider starts an instance refresh only when this block changes.
  launch_template {
    id      = var.launch_template.id
    version = tostring(var.launch_template.latest_version)
  }

  instance_refresh {
    strategy = "Rolling"
    preferences {
      min_healthy_percentage       = var.refresh.min_healthy_percentage
      max_healthy_percentage       = coalesce(var.refresh.max_healthy_percentage, ${DEFAULT_MAX_HEALTHY_HCL})
      instance_warmup              = tostring(coalesce(var.refresh.instance_warmup, var.health_check_grace_period))
      checkpoint_percentages       = var.refresh.checkpoint_percentages
      checkpoint_delay             = var.refresh.checkpoint_delay == null ? null : tostring(var.refresh.checkpoint_delay)
      auto_rollback                = coalesce(var.refresh.auto_rollback, !local.ssm_image)
      skip_matching                = var.refresh.skip_matching
      scale_in_protected_instances = var.refresh.scale_in_protected_instances
      standby_instances            = var.refresh.standby_instances
    }
  }

  dynamic "tag" {
    for_each = var.instance_tags
    content {
      key                 = tag.key
      value               = tag.value
      propagate_at_launch = true
    }
  }

  lifecycle {
    precondition {
      condition     = !(var.refresh.auto_rollback == true && local.ssm_image)
      error_message = "refresh.auto_rollback is not supported by AWS for a template whose image is an SSM parameter."
    }
  }
}
`,
  example: `
module "app_group" {
  source = "../.."

  name            = "shop-app"
  launch_template = { id = "lt-0123456789abcdef0", latest_version = 3, image_id = "ami-0123456789abcdef0" }
  subnet_ids      = { "eu-west-1a" = "subnet-0123456789abcdef0", "eu-west-1b" = "subnet-0123456789abcdef1" }
  min_size        = 2
  max_size        = 4
}
`,
  tests: {
    "auto_scaling.tftest.hcl": `
mock_provider "aws" {
  source = "./tests/mocks"
}

variables {
  name            = "app"
  launch_template = { id = "lt-0123456789abcdef0", latest_version = 7, image_id = "ami-0123456789abcdef0" }
  subnet_ids      = { b = "subnet-0123456789abcdef1", a = "subnet-0123456789abcdef0" }
  min_size        = 2
  max_size        = 4
}

run "follows_the_latest_version_with_a_rolling_refresh" {
  command = apply

  assert {
    condition     = aws_autoscaling_group.this.launch_template[0].version == "7"
    error_message = "the group launches the template's latest version, not $Latest"
  }
  assert {
    condition     = aws_autoscaling_group.this.instance_refresh[0].strategy == "Rolling" && aws_autoscaling_group.this.instance_refresh[0].preferences[0].min_healthy_percentage == 100 && aws_autoscaling_group.this.instance_refresh[0].preferences[0].max_healthy_percentage == 150
    error_message = "a refresh of two instances keeps full capacity and launches one extra first"
  }
  assert {
    condition     = aws_autoscaling_group.this.instance_refresh[0].preferences[0].auto_rollback && aws_autoscaling_group.this.instance_refresh[0].preferences[0].instance_warmup == "300"
    error_message = "a failed refresh rolls back; warm-up is the grace period"
  }
  assert {
    condition     = length(aws_autoscaling_group.this.enabled_metrics) == ${GROUP_METRICS.length} && aws_autoscaling_group.this.health_check_type == "EC2"
    error_message = "group metrics on; EC2 health checks without a load balancer"
  }
}

run "no_rollback_by_default_for_an_ssm_image" {
  command = plan
  variables {
    launch_template = { id = "lt-0123456789abcdef0", latest_version = 1, image_id = "resolve:ssm:/aws/service/ami" }
  }
  assert {
    condition     = aws_autoscaling_group.this.instance_refresh[0].preferences[0].auto_rollback == false
    error_message = "AWS cannot roll back a template whose image is an SSM parameter"
  }
}

run "refuses_rollback_for_an_ssm_image" {
  command = plan
  variables {
    launch_template = { id = "lt-0123456789abcdef0", latest_version = 1, image_id = "resolve:ssm:/aws/service/ami" }
    refresh         = { auto_rollback = true }
  }
  expect_failures = [aws_autoscaling_group.this]
}

run "refuses_checkpoints_not_ending_at_100" {
  command = plan
  variables {
    refresh = { checkpoint_percentages = [20, 50] }
  }
  expect_failures = [var.refresh]
}

run "refuses_max_below_100" {
  command = plan
  variables {
    refresh = { max_healthy_percentage = 90 }
  }
  expect_failures = [var.refresh]
}
`,
  },
};

import { AMI_ID_PATTERN } from "../../modules/core/validate";
import { BASTION_TAG, SESSION_SHELL_PROFILE } from "../../modules/bastion";
import { GROUP_METRICS } from "../../modules/auto-scaling";
import { ACCOUNT_ID_VARIABLE, ACCOUNT_ID_EXPR, CALLER_IDENTITY_HCL, ModuleSpec, hclRegex, kmsKeyModuleCall, kmsKeyVariables, KMS_KEY_ARN_EXPR } from "../spec";

export const bastionModule: ModuleSpec = {
  name: "bastion",
  title: "bastion: a Session Manager bastion",
  summary:
    "A bastion reached through Session Manager only: an Auto Scaling group of exactly one instance (self-healing, rolling refresh) on the hardened launch-template module, a security group with no ingress, session preferences that log every session to a KMS-encrypted log group and encrypt session data, and an operator policy that may start sessions on this bastion and nothing else.",
  secureDefaults: [
    "No inbound port at all; egress only HTTPS to the VPC endpoints, DNS and SSH inside the VPC.",
    "Sessions streamed to a KMS-encrypted log group kept a year; session data encrypted; idle timeout 15 min; maximum 60 min; run as a non-root user.",
    "Operators may start sessions only on instances tagged as this bastion, only with these preferences.",
    "The hardened launch template: IMDSv2, encrypted volumes, no public IP, SSM role.",
    "A new AMI reaches the bastion: the group follows the template's latest_version, so any template change starts an instance refresh that launches the new instance, waits until it is healthy, then terminates the old one (rolled back if it never becomes healthy).",
  ],
  controls: ["SSM.1", "EC2.53", "EC2.54", "CKV_AWS_158"],
  variables: [
    ACCOUNT_ID_VARIABLE,
    { name: "name", type: "string", description: "Bastion name.", validations: [{ condition: 'can(regex("^[A-Za-z][A-Za-z0-9-]{2,40}$", var.name))', message: "name must be 3-41 letters, digits or hyphens, starting with a letter." }] },
    { name: "vpc_id", type: "string", description: "VPC." },
    { name: "vpc_cidr", type: "string", description: "VPC CIDR (DNS and onward SSH).", validations: [{ condition: "can(cidrhost(var.vpc_cidr, 0))", message: "vpc_cidr must be a CIDR." }] },
    { name: "subnet_ids", type: "list(string)", description: "Private subnets (one instance across them).", validations: [{ condition: "length(var.subnet_ids) > 0", message: "subnet_ids must name at least one subnet." }] },
    { name: "endpoints_security_group_id", type: "string", description: "Security group of the VPC interface endpoints." },
    {
      name: "s3_prefix_list_id",
      type: "string",
      description: "Prefix list of the VPC's S3 gateway endpoint: HTTPS to S3 for the OS package repositories.",
      default: "null",
      validations: [{ condition: 'var.s3_prefix_list_id == null ? true : can(regex("^pl-[0-9a-f]+$", var.s3_prefix_list_id))', message: "s3_prefix_list_id must be a prefix list id (pl-...)." }],
    },
    { name: "ami_id", type: "string", description: "AMI id.", validations: [{ condition: `can(regex(${hclRegex(AMI_ID_PATTERN)}, var.ami_id))`, message: "ami_id must be ami- followed by 8 or 17 hex digits." }] },
    { name: "instance_type", type: "string", description: "Instance type.", default: '"t3.micro"' },
    ...kmsKeyVariables("for volumes, session logs and session data"),
    { name: "idle_timeout_minutes", type: "number", description: "Minutes before an idle session ends.", default: "15", validations: [{ condition: "var.idle_timeout_minutes >= 1 && var.idle_timeout_minutes <= 60", message: "idle_timeout_minutes must be 1-60." }] },
    { name: "max_session_minutes", type: "number", description: "Maximum session length.", default: "60", validations: [{ condition: "var.max_session_minutes >= 1 && var.max_session_minutes <= 1440", message: "max_session_minutes must be 1-1440." }] },
    {
      name: "run_as_user",
      type: "string",
      description: "Non-root user sessions run as.",
      default: '"ssm-user"',
      validations: [{ condition: 'can(regex("^[a-z_][a-z0-9_-]{0,31}$", var.run_as_user)) && var.run_as_user != "root"', message: "run_as_user must be a non-root Linux user name." }],
    },
    { name: "operator_group_names", type: "set(string)", description: "IAM groups given the operator policy.", default: "[]" },
    { name: "tags", type: "map(string)", description: "Tags.", default: "{}" },
  ],
  outputs: [
    { name: "autoscaling_group_name", value: "aws_autoscaling_group.this.name", description: "Auto Scaling group." },
    { name: "security_group_id", value: "aws_security_group.this.id", description: "Bastion security group (no ingress)." },
    { name: "session_document_name", value: "aws_ssm_document.session.name", description: "Session preferences document." },
    { name: "operator_policy_arn", value: "aws_iam_policy.operators.arn", description: "Policy for operators." },
    {
      name: "connect_command",
      value:
        '"aws ssm start-session --document-name ${aws_ssm_document.session.name} --target $(aws ec2 describe-instances --filters Name=tag:' +
        BASTION_TAG +
        ',Values=${var.name} Name=instance-state-name,Values=running --query \'Reservations[0].Instances[0].InstanceId\' --output text)"',
      description: "The command an operator runs to connect.",
    },
  ],
  uses: ["launch-template", "kms-key"],
  main: `
${CALLER_IDENTITY_HCL}
data "aws_region" "current" {}
data "aws_partition" "current" {}

locals {
  account_id = ${ACCOUNT_ID_EXPR}
}

${kmsKeyModuleCall("\${var.name}/bastion", ["autoscaling", "cloudwatch-logs"])}

resource "aws_security_group" "this" {
  name                   = var.name
  description            = "Bastion (Session Manager): no inbound; AWS endpoints and DNS out"
  vpc_id                 = var.vpc_id
  revoke_rules_on_delete = true
  tags                   = merge(var.tags, { Name = var.name })
}

resource "aws_vpc_security_group_egress_rule" "this" {
  for_each = merge(
    {
      https-endpoints = { description = "HTTPS to the VPC interface endpoints (Session Manager)", protocol = "tcp", port = 443, cidr = null, sg = var.endpoints_security_group_id, pl = null }
      dns-udp         = { description = "DNS to the VPC resolver", protocol = "udp", port = 53, cidr = var.vpc_cidr, sg = null, pl = null }
      dns-tcp         = { description = "DNS over TCP to the VPC resolver", protocol = "tcp", port = 53, cidr = var.vpc_cidr, sg = null, pl = null }
      ssh-vpc         = { description = "SSH onward to hosts inside the VPC", protocol = "tcp", port = 22, cidr = var.vpc_cidr, sg = null, pl = null }
    },
    var.s3_prefix_list_id == null ? {} : {
      https-s3 = { description = "HTTPS to S3 through the gateway endpoint (package repositories)", protocol = "tcp", port = 443, cidr = null, sg = null, pl = var.s3_prefix_list_id }
    },
  )

  security_group_id            = aws_security_group.this.id
  description                  = each.value.description
  ip_protocol                  = each.value.protocol
  from_port                    = each.value.port
  to_port                      = each.value.port
  cidr_ipv4                    = each.value.cidr
  referenced_security_group_id = each.value.sg
  prefix_list_id               = each.value.pl
}

module "launch_template" {
  source = "../launch-template"

  account_id = var.account_id
  name               = var.name
  ami_id             = var.ami_id
  instance_type      = var.instance_type
  security_group_ids = [aws_security_group.this.id]
  create_kms_key     = false
  kms_key_arn        = ${KMS_KEY_ARN_EXPR}
  tags               = merge(var.tags, { "${BASTION_TAG}" = var.name })
}

resource "aws_cloudwatch_log_group" "sessions" {
  name              = "/bulwark/\${var.name}/sessions"
  kms_key_id        = ${KMS_KEY_ARN_EXPR}
  retention_in_days = 365
  tags              = var.tags
}

resource "aws_iam_role_policy" "sessions" {
  name = "session-manager-logging"
  role = module.launch_template.role_name
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      { Sid = "WriteSessionLogs", Effect = "Allow", Action = ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"], Resource = [aws_cloudwatch_log_group.sessions.arn, "\${aws_cloudwatch_log_group.sessions.arn}:*"] },
      { Sid = "FindLogGroups", Effect = "Allow", Action = "logs:DescribeLogGroups", Resource = "*" },
      { Sid = "EncryptSessions", Effect = "Allow", Action = ["kms:Decrypt", "kms:GenerateDataKey"], Resource = ${KMS_KEY_ARN_EXPR} },
    ]
  })
}

resource "aws_ssm_document" "session" {
  name            = "\${var.name}-session-preferences"
  document_type   = "Session"
  document_format = "JSON"
  content = jsonencode({
    schemaVersion = "1.0"
    description   = "Session Manager preferences of bastion \${var.name}: encrypted, logged, time-limited, non-root"
    sessionType   = "Standard_Stream"
    inputs = {
      s3BucketName                = ""
      s3EncryptionEnabled         = true
      cloudWatchLogGroupName      = aws_cloudwatch_log_group.sessions.name
      cloudWatchEncryptionEnabled = true
      cloudWatchStreamingEnabled  = true
      kmsKeyId                    = ${KMS_KEY_ARN_EXPR}
      runAsEnabled                = true
      runAsDefaultUser            = var.run_as_user
      idleSessionTimeout          = tostring(var.idle_timeout_minutes)
      maxSessionDuration          = tostring(var.max_session_minutes)
      shellProfile                = { ${Object.entries(SESSION_SHELL_PROFILE).map(([k, v]) => `${k} = ${JSON.stringify(v)}`).join(", ")} }
    }
  })
  tags = var.tags
}

resource "aws_autoscaling_group" "this" {
  name                = var.name
  min_size            = 1
  max_size            = 1
  desired_capacity    = 1
  vpc_zone_identifier = var.subnet_ids
  health_check_type   = "EC2"
  # Group metrics, as the construct's HardenedAutoScalingGroup enables them: an in-service alarm needs them.
  enabled_metrics     = ${JSON.stringify(GROUP_METRICS).replace(/,/g, ", ")}
  metrics_granularity = "1Minute"

  # latest_version, not "$Latest": the provider starts an instance refresh only when this block
  # changes, so a new AMI (any template change) now replaces the running instance.
  launch_template {
    id      = module.launch_template.id
    version = module.launch_template.latest_version
  }

  # The new instance is launched and healthy before the old one is terminated (a group of one may
  # run two for the warm-up); a refresh whose instance never becomes healthy rolls back.
  instance_refresh {
    strategy = "Rolling"
    preferences {
      min_healthy_percentage       = 100
      max_healthy_percentage       = 200
      instance_warmup              = 300
      auto_rollback                = true
      skip_matching                = true
      scale_in_protected_instances = "Refresh"
      standby_instances            = "Terminate"
    }
  }

  tag {
    key                 = "${BASTION_TAG}"
    value               = var.name
    propagate_at_launch = true
  }
}

resource "aws_iam_policy" "operators" {
  name        = "\${var.name}-operators"
  description = "Start Session Manager sessions on bastion \${var.name} only, with its preferences"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "StartSessionOnThisBastion"
        Effect    = "Allow"
        Action    = "ssm:StartSession"
        Resource  = "arn:\${data.aws_partition.current.partition}:ec2:\${data.aws_region.current.name}:\${local.account_id}:instance/*"
        Condition = { StringEquals = { "ssm:resourceTag/${BASTION_TAG}" = var.name } }
      },
      { Sid = "UseTheseSessionPreferences", Effect = "Allow", Action = "ssm:StartSession", Resource = aws_ssm_document.session.arn },
      { Sid = "ManageOwnSessions", Effect = "Allow", Action = ["ssm:TerminateSession", "ssm:ResumeSession"], Resource = "arn:\${data.aws_partition.current.partition}:ssm:*:\${local.account_id}:session/$\${aws:userid}-*" },
      { Sid = "EncryptSessionData", Effect = "Allow", Action = "kms:GenerateDataKey", Resource = ${KMS_KEY_ARN_EXPR} },
      { Sid = "FindTheBastion", Effect = "Allow", Action = ["ec2:DescribeInstances", "ssm:DescribeSessions", "ssm:GetConnectionStatus"], Resource = "*" },
    ]
  })
  tags = var.tags
}

resource "aws_iam_group_policy_attachment" "operators" {
  for_each = var.operator_group_names

  group      = each.key
  policy_arn = aws_iam_policy.operators.arn
}
`,
  example: `
module "bastion" {
  source = "../.."

  name                        = "prod-bastion"
  vpc_id                      = "vpc-0123456789abcdef0"
  vpc_cidr                    = "10.20.0.0/16"
  subnet_ids                  = ["subnet-0123456789abcdef0"]
  endpoints_security_group_id = "sg-0123456789abcdef0"
  ami_id                      = "ami-0123456789abcdef0"
  operator_group_names        = ["platform-admins"]
}
`,
  tests: {
    "bastion.tftest.hcl": `
mock_provider "aws" {
  source = "./tests/mocks"
}

variables {
  name                        = "bastion"
  vpc_id                      = "vpc-0123456789abcdef0"
  vpc_cidr                    = "10.0.0.0/16"
  subnet_ids                  = ["subnet-0123456789abcdef0"]
  endpoints_security_group_id = "sg-0123456789abcdef0"
  ami_id                      = "ami-0123456789abcdef0"
}

run "session_manager_only" {
  command = apply

  assert {
    condition     = length(aws_security_group.this.ingress) == 0
    error_message = "the bastion has no ingress"
  }
  assert {
    condition     = length(aws_vpc_security_group_egress_rule.this) == 4 && !contains(keys(aws_vpc_security_group_egress_rule.this), "https-s3")
    error_message = "egress to the endpoints, DNS and onward SSH only"
  }
  assert {
    condition     = aws_autoscaling_group.this.min_size == 1 && aws_autoscaling_group.this.max_size == 1
    error_message = "exactly one self-healing instance"
  }
  assert {
    condition     = aws_autoscaling_group.this.launch_template[0].version == tostring(module.launch_template.latest_version)
    error_message = "the group follows the template's latest_version, so a template change starts a refresh"
  }
  assert {
    condition     = aws_autoscaling_group.this.instance_refresh[0].preferences[0].min_healthy_percentage == 100 && aws_autoscaling_group.this.instance_refresh[0].preferences[0].max_healthy_percentage == 200 && aws_autoscaling_group.this.instance_refresh[0].preferences[0].auto_rollback
    error_message = "the new instance is healthy before the old one goes, and a failed refresh rolls back"
  }
  assert {
    condition     = jsondecode(aws_ssm_document.session.content).inputs.cloudWatchEncryptionEnabled && jsondecode(aws_ssm_document.session.content).inputs.kmsKeyId != ""
    error_message = "sessions are logged encrypted with the key"
  }
  assert {
    condition     = jsondecode(aws_ssm_document.session.content).inputs.runAsDefaultUser == "ssm-user"
    error_message = "sessions run as a non-root user"
  }
  assert {
    condition     = jsondecode(aws_ssm_document.session.content).inputs.shellProfile.linux == ${JSON.stringify(SESSION_SHELL_PROFILE.linux)}
    error_message = "sessions start a login shell, as the construct's"
  }
  assert {
    condition     = contains(aws_autoscaling_group.this.enabled_metrics, "GroupInServiceInstances")
    error_message = "group metrics are enabled (an in-service alarm needs them)"
  }
  assert {
    condition     = jsondecode(aws_iam_policy.operators.policy).Statement[0].Condition.StringEquals["ssm:resourceTag/${BASTION_TAG}"] == "bastion"
    error_message = "operators may start sessions on this bastion only"
  }
}

run "https_to_s3_only_when_given_the_prefix_list" {
  command = plan
  variables {
    s3_prefix_list_id = "pl-6ea54007"
  }

  assert {
    condition     = aws_vpc_security_group_egress_rule.this["https-s3"].prefix_list_id == "pl-6ea54007" && aws_vpc_security_group_egress_rule.this["https-s3"].from_port == 443
    error_message = "HTTPS to S3 goes through the gateway endpoint's prefix list"
  }
  assert {
    condition     = length(aws_vpc_security_group_egress_rule.this) == 5
    error_message = "one more egress rule, nothing else"
  }
}

run "rejects_a_malformed_prefix_list" {
  command = plan
  variables {
    s3_prefix_list_id = "sg-123"
  }
  expect_failures = [var.s3_prefix_list_id]
}

run "rejects_root_as_run_as_user" {
  command = plan
  variables {
    run_as_user = "root"
  }
  expect_failures = [var.run_as_user]
}

run "rejects_no_subnets" {
  command = plan
  variables {
    subnet_ids = []
  }
  expect_failures = [var.subnet_ids]
}

run "rejects_a_malformed_ami" {
  command = plan
  variables {
    ami_id = "ami-xyz"
  }
  expect_failures = [var.ami_id]
}
`,
  },
};

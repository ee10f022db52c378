/**
 * Mock values for `terraform test` with `mock_provider "aws"`, shipped in every published
 * module (tests/mocks/) and used by bulwark's own Terraform tests. The provider still
 * validates arguments, and random mock strings are not ARNs: every attribute that another
 * resource passes on as an ARN gets a well-formed one here.
 */
export const AWS_MOCKS = `mock_resource "aws_kms_key" {
  defaults = {
    arn    = "arn:aws:kms:eu-west-1:111111111111:key/00000000-0000-4000-8000-000000000000"
    key_id = "00000000-0000-4000-8000-000000000000"
  }
}
mock_resource "aws_iam_role" {
  defaults = {
    arn = "arn:aws:iam::111111111111:role/mock"
  }
}
mock_resource "aws_iam_instance_profile" {
  defaults = {
    arn = "arn:aws:iam::111111111111:instance-profile/mock"
  }
}
mock_resource "aws_cloudwatch_log_group" {
  defaults = {
    arn = "arn:aws:logs:eu-west-1:111111111111:log-group:mock"
  }
}
mock_resource "aws_sns_topic" {
  defaults = {
    arn = "arn:aws:sns:eu-west-1:111111111111:mock"
  }
}
mock_resource "aws_s3_bucket" {
  defaults = {
    arn = "arn:aws:s3:::mock-bucket"
  }
}
mock_resource "aws_launch_template" {
  defaults = {
    arn            = "arn:aws:ec2:eu-west-1:111111111111:launch-template/lt-0123456789abcdef0"
    id             = "lt-0123456789abcdef0"
    latest_version = 1
  }
}
mock_resource "aws_vpc" {
  defaults = {
    arn = "arn:aws:ec2:eu-west-1:111111111111:vpc/vpc-0123456789abcdef0"
    id  = "vpc-0123456789abcdef0"
  }
}
mock_resource "aws_security_group" {
  defaults = {
    arn = "arn:aws:ec2:eu-west-1:111111111111:security-group/sg-0123456789abcdef0"
    id  = "sg-0123456789abcdef0"
  }
}
mock_data "aws_caller_identity" {
  defaults = {
    account_id = "111111111111"
    arn        = "arn:aws:iam::111111111111:user/mock"
  }
}
mock_data "aws_region" {
  defaults = {
    name = "eu-west-1"
  }
}
mock_resource "aws_backup_vault" {
  defaults = {
    arn = "arn:aws:backup:eu-central-1:111111111111:backup-vault:mock"
  }
}
mock_resource "aws_backup_plan" {
  defaults = {
    arn = "arn:aws:backup:eu-west-1:111111111111:backup-plan:mock"
  }
}
mock_resource "aws_iam_policy" {
  defaults = {
    arn = "arn:aws:iam::111111111111:policy/mock"
  }
}
mock_resource "aws_ssm_document" {
  defaults = {
    arn = "arn:aws:ssm:eu-west-1:111111111111:document/mock"
  }
}
mock_resource "aws_ssm_parameter" {
  defaults = {
    arn = "arn:aws:ssm:eu-west-1:111111111111:parameter/mock"
  }
}
mock_resource "aws_autoscaling_group" {
  defaults = {
    arn = "arn:aws:autoscaling:eu-west-1:111111111111:autoScalingGroup:00000000-0000-0000-0000-000000000000:autoScalingGroupName/mock"
  }
}
mock_resource "aws_cloudtrail" {
  defaults = {
    arn = "arn:aws:cloudtrail:eu-west-1:111111111111:trail/mock"
  }
}
mock_resource "aws_config_configuration_recorder" {
  defaults = {
    id = "mock-recorder"
  }
}
mock_resource "aws_lb" {
  defaults = {
    arn        = "arn:aws:elasticloadbalancing:eu-west-1:111111111111:loadbalancer/app/mock/0123456789abcdef"
    arn_suffix = "app/mock/0123456789abcdef"
  }
}
mock_resource "aws_lb_target_group" {
  defaults = {
    arn        = "arn:aws:elasticloadbalancing:eu-west-1:111111111111:targetgroup/mock/0123456789abcdef"
    arn_suffix = "targetgroup/mock/0123456789abcdef"
  }
}
mock_resource "aws_wafv2_web_acl" {
  defaults = {
    arn = "arn:aws:wafv2:eu-west-1:111111111111:regional/webacl/mock/00000000-0000-0000-0000-000000000000"
  }
}
mock_data "aws_partition" {
  defaults = {
    partition  = "aws"
    dns_suffix = "amazonaws.com"
  }
}
`;

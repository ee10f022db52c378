import { ACM_CERTIFICATE_ARN_PATTERN, LOG_RETENTION_DAYS } from "../../modules/core/validate";
import {
  ACCESS_LOG_PREFIX_PATTERN,
  DEFAULT_DELETION_PROTECTION,
  DEFAULT_TLS_POLICY,
  DEFAULT_WAF_LOG_RETENTION_DAYS,
  ELB_LOG_DELIVERY_ACCOUNTS,
  ELB_LOG_DELIVERY_SERVICE,
  elbAccessLogStatement,
  HEALTH_CHECK_PATH_PATTERN,
  HTTP_REDIRECT_LISTENER,
  HTTPS_LISTENER,
  LOAD_BALANCER_ATTRIBUTES,
  LOAD_BALANCER_NAME_PATTERN,
  MANAGED_RULE_GROUPS,
  TARGET_GROUP,
  TLS_POLICIES,
  WAF_REDACTED_HEADERS,
  wafLogGroupName,
  wafLogKeyAlias,
  webAclName,
  webAclRules,
} from "../../modules/load-balancer/settings";
import { rootSuppressionsHcl, suppressionsOutput } from "../suppressions";
import { ACCOUNT_ID_EXPR, ACCOUNT_ID_VARIABLE, CALLER_IDENTITY_HCL, hclRegex, hclValue, kmsKeyModuleCall, kmsKeyVariables, KMS_KEY_ARN_EXPR, ModuleSpec } from "../spec";

/** Placeholders the construct's builders are called with, interpolated as the module's inputs. */
const NAME = "__BULWARK_NAME__";
const refs = { [NAME]: "var.name" };

/**
 * The access-log statement of the construct (elbAccessLogStatement) as HCL for a bucket name and a prefix
 * expression, its principal `local.elb_log_delivery_principal` (ELB_LOG_DELIVERY_LOCALS_HCL); the module
 * has `local.partition` and `local.account_id`. Shared with the audit module.
 */
export function elbAccessLogStatementHcl(bucketExpr: string, prefixExpr: string): string {
  const { Principal: _principal, ...rest } = elbAccessLogStatement("arn:__PARTITION__:s3:::__BUCKET__", "__PREFIX__", "__ACCOUNT__", "__REGION__", "__PARTITION__");
  const body = hclValue(rest, { __PARTITION__: "local.partition", __BUCKET__: bucketExpr, __PREFIX__: prefixExpr, __ACCOUNT__: "local.account_id" });
  return body.replace(/ }$/, ", Principal = local.elb_log_delivery_principal }");
}
const STATEMENT = elbAccessLogStatementHcl("var.access_logs.bucket", "var.access_logs.prefix");

/** Locals naming the region's load balancer log delivery principal (the construct's elbLogDeliveryPrincipal), for a module with `local.partition` and `data.aws_region.current`. */
export const ELB_LOG_DELIVERY_LOCALS_HCL = `  # The accounts Elastic Load Balancing delivers access logs from, per region opened before
  # August 2022; a region opened since delivers as the service principal.
  elb_log_delivery_accounts = {
${Object.entries(ELB_LOG_DELIVERY_ACCOUNTS).map(([r, a]) => `    "${r}" = "${a}"`).join("\n")}
  }
  elb_log_delivery_account = lookup(local.elb_log_delivery_accounts, data.aws_region.current.name, null)
  elb_log_delivery_principal = {
    for k, v in {
      AWS     = local.elb_log_delivery_account == null ? null : "arn:\${local.partition}:iam::\${local.elb_log_delivery_account}:root"
      Service = local.elb_log_delivery_account == null ? "${ELB_LOG_DELIVERY_SERVICE}" : null
    } : k => v if v != null
  }`;

const tlsList = JSON.stringify(TLS_POLICIES).replace(/,/g, ", ");

export const loadBalancerModule: ModuleSpec = {
  name: "load-balancer",
  title: "load-balancer: an HTTPS-only application load balancer behind WAF",
  summary:
    "An internet-facing Application Load Balancer that speaks HTTPS only: a TLS 1.2+ listener forwarding to an instance target group, plain HTTP answered with a permanent redirect to HTTPS, invalid headers dropped, the strictest desync mitigation and deletion protection; a WAFv2 web ACL with AWS managed rule groups in front of it, logging to a KMS-encrypted log group with credentials redacted; access logs to your bucket. The construct `HttpsLoadBalancer` (modules/load-balancer) as Terraform, from the same settings.",
  secureDefaults: [
    `HTTPS only: the HTTPS listener (port ${HTTPS_LISTENER.port}) is the only one that forwards; HTTP (port ${HTTP_REDIRECT_LISTENER.port}) answers with a permanent redirect (${HTTP_REDIRECT_LISTENER.redirect.statusCode}) to HTTPS (ELB.1).`,
    `TLS 1.2 or later: \`tls_policy\` must be one of ${TLS_POLICIES.map((p) => `\`${p}\``).join(", ")} (default \`${DEFAULT_TLS_POLICY}\`; ELB.17).`,
    `Invalid header fields dropped (ELB.4), desync mitigation \`${LOAD_BALANCER_ATTRIBUTES.desyncMitigationMode}\` (ELB.12), deletion protection on unless \`enable_deletion_protection = false\` (ELB.6).`,
    `A WAFv2 web ACL associated with the load balancer, enforcing the AWS managed rule groups ${MANAGED_RULE_GROUPS.map((g) => `\`${g}\``).join(", ")} (override action none; the rules go in \`rule_json\`, so scanners that read only \`rule\` blocks do not see them).`,
    `WAF logs (WAF.11) to the log group \`${wafLogGroupName("<name>")}\`, encrypted with a customer-managed key (created, alias \`${wafLogKeyAlias("<name>")}\`, unless \`create_kms_key = false\` with \`kms_key_arn\`), kept ${DEFAULT_WAF_LOG_RETENTION_DAYS} days; the ${WAF_REDACTED_HEADERS.join(" and ")} headers are redacted.`,
    "Access logs (ELB.5) to `access_logs.bucket` under `access_logs.prefix`: the bucket must use SSE-S3 (the only encryption load balancer logs accept) and admit the region's log delivery, which the output `access_logs_bucket_policy_statement` is (add it to the bucket policy, and give the module call `depends_on` that policy, as the construct's `accessLogs.dependsOn`: the load balancer checks it on creation). Without `access_logs`, `bulwark check` reports the load balancer (alb-access-logs), as for the construct.",
  ],
  controls: ["ELB.1", "ELB.4", "ELB.5", "ELB.6", "ELB.12", "ELB.17", "WAF.11", "CKV_AWS_2", "CKV_AWS_91", "CKV_AWS_103", "CKV_AWS_131", "CKV_AWS_150", "CKV2_AWS_28", "CKV2_AWS_31"],
  variables: [
    ACCOUNT_ID_VARIABLE,
    {
      name: "name",
      type: "string",
      description: "Load balancer name; the target group is <name>-app and the web ACL <name>-web.",
      validations: [{ condition: `can(regex(${hclRegex(LOAD_BALANCER_NAME_PATTERN)}, var.name))`, message: "name must be a letter, then up to 25 letters, digits or hyphens (load balancer and target group names are limited to 32)." }],
    },
    { name: "vpc_id", type: "string", description: "VPC of the target group." },
    {
      name: "subnet_ids",
      type: "map(string)",
      description: "Public subnets keyed by availability zone (at least two).",
      validations: [{ condition: "length(var.subnet_ids) >= 2", message: "subnet_ids must name subnets in at least two availability zones." }],
    },
    { name: "security_group_id", type: "string", description: "The web tier's security group." },
    {
      name: "certificate_arn",
      type: "string",
      description: "ACM certificate of the HTTPS listener.",
      validations: [{ condition: `can(regex(${hclRegex(ACM_CERTIFICATE_ARN_PATTERN)}, var.certificate_arn))`, message: "certificate_arn must be an ACM certificate ARN (arn:aws:acm:<region>:<account>:certificate/<id>)." }],
    },
    {
      name: "tls_policy",
      type: "string",
      description: `TLS policy of the HTTPS listener: TLS 1.2 or later, one of ${TLS_POLICIES.join(", ")}.`,
      default: JSON.stringify(DEFAULT_TLS_POLICY),
      validations: [{ condition: `contains(${tlsList}, var.tls_policy)`, message: `tls_policy must be a TLS 1.2+ policy: ${TLS_POLICIES.join(", ")}.` }],
    },
    {
      name: "app_port",
      type: "number",
      description: "Port the app instances listen on.",
      default: String(TARGET_GROUP.defaultPort),
      validations: [{ condition: "var.app_port >= 1 && var.app_port <= 65535 && floor(var.app_port) == var.app_port", message: "app_port must be a whole number from 1 to 65535." }],
    },
    {
      name: "health_check_path",
      type: "string",
      description: "Path of the target group's health check.",
      default: JSON.stringify(TARGET_GROUP.defaultHealthCheckPath),
      validations: [{ condition: `can(regex(${hclRegex(HEALTH_CHECK_PATH_PATTERN)}, var.health_check_path))`, message: "health_check_path must be a path starting with /." }],
    },
    { name: "enable_deletion_protection", type: "bool", description: "Deletion protection: a delete must be a deliberate two-step change.", default: String(DEFAULT_DELETION_PROTECTION) },
    {
      name: "access_logs",
      type: `object({
    bucket = string
    prefix = string
  })`,
      description: "Access logs: an SSE-S3 bucket whose policy holds the output access_logs_bucket_policy_statement, and the key prefix (no leading or trailing slash). Null: none, and bulwark check reports the load balancer (alb-access-logs).",
      default: "null",
      validations: [{ condition: `var.access_logs == null ? true : can(regex(${hclRegex(ACCESS_LOG_PREFIX_PATTERN)}, var.access_logs.prefix))`, message: "access_logs.prefix must be an S3 key prefix without leading or trailing slash." }],
    },
    ...kmsKeyVariables("for the WAF log group (it must admit CloudWatch Logs)"),
    {
      name: "waf_log_retention_days",
      type: "number",
      description: "Retention of the WAF log group (at least a year).",
      default: String(DEFAULT_WAF_LOG_RETENTION_DAYS),
      validations: [{ condition: `contains(${JSON.stringify(LOG_RETENTION_DAYS)}, var.waf_log_retention_days)`, message: `waf_log_retention_days must be one of ${LOG_RETENTION_DAYS.join(", ")}.` }],
    },
    { name: "tags", type: "map(string)", description: "Tags.", default: "{}" },
  ],
  outputs: [
    { name: "arn", value: "aws_lb.this.arn", description: "Load balancer ARN." },
    { name: "arn_suffix", value: "aws_lb.this.arn_suffix", description: "Load balancer ARN suffix (CloudWatch dimensions)." },
    { name: "dns_name", value: "aws_lb.this.dns_name", description: "DNS name (point the site's alias record here)." },
    { name: "zone_id", value: "aws_lb.this.zone_id", description: "Hosted zone of the DNS name (alias records)." },
    { name: "https_listener_arn", value: "aws_lb_listener.https.arn", description: "HTTPS listener (add rules here)." },
    { name: "target_group_arn", value: "aws_lb_target_group.this.arn", description: "Target group of the app instances (the auto-scaling module's target_group_arns)." },
    { name: "web_acl_arn", value: "aws_wafv2_web_acl.this.arn", description: "WAF web ACL." },
    { name: "waf_log_group_name", value: "aws_cloudwatch_log_group.waf.name", description: "WAF log group." },
    { name: "kms_key_arn", value: KMS_KEY_ARN_EXPR, description: "Key encrypting the WAF log group." },
    {
      name: "access_logs_bucket_policy_statement",
      value: "local.access_log_statement",
      description: "The statement the access-log bucket's policy needs (the region's load balancer log delivery may write under the prefix); null without access_logs.",
    },
    // Nothing here is weakened with a reason; the output is there so a root collects every call's entries alike.
    { ...suppressionsOutput([]), value: "[]" },
  ],
  uses: ["kms-key"],
  main: `
${CALLER_IDENTITY_HCL}
data "aws_region" "current" {}
data "aws_partition" "current" {}

locals {
  account_id  = ${ACCOUNT_ID_EXPR}
  partition   = data.aws_partition.current.partition

${ELB_LOG_DELIVERY_LOCALS_HCL}
  access_log_statement = var.access_logs == null ? null : ${STATEMENT}
}

${kmsKeyModuleCall(wafLogKeyAlias("${var.name}"), ["cloudwatch-logs"])}

resource "aws_lb" "this" {
  name                       = var.name
  load_balancer_type         = "${LOAD_BALANCER_ATTRIBUTES.loadBalancerType}"
  internal                   = ${LOAD_BALANCER_ATTRIBUTES.internal}
  security_groups            = [var.security_group_id]
  subnets                    = values(var.subnet_ids)
  drop_invalid_header_fields = ${LOAD_BALANCER_ATTRIBUTES.dropInvalidHeaderFields}
  desync_mitigation_mode     = "${LOAD_BALANCER_ATTRIBUTES.desyncMitigationMode}"
  enable_deletion_protection = var.enable_deletion_protection

  dynamic "access_logs" {
    for_each = var.access_logs == null ? [] : [var.access_logs]
    content {
      enabled = true
      bucket  = access_logs.value.bucket
      prefix  = access_logs.value.prefix
    }
  }

  tags = var.tags
}

resource "aws_lb_target_group" "this" {
  name                 = "\${var.name}${TARGET_GROUP.nameSuffix}"
  vpc_id               = var.vpc_id
  port                 = var.app_port
  protocol             = "${TARGET_GROUP.protocol}"
  target_type          = "${TARGET_GROUP.targetType}"
  deregistration_delay = "${TARGET_GROUP.deregistrationDelay}"

  health_check {
    enabled             = ${TARGET_GROUP.healthCheck.enabled}
    path                = var.health_check_path
    matcher             = "${TARGET_GROUP.healthCheck.matcher}"
    interval            = ${TARGET_GROUP.healthCheck.interval}
    healthy_threshold   = ${TARGET_GROUP.healthCheck.healthyThreshold}
    unhealthy_threshold = ${TARGET_GROUP.healthCheck.unhealthyThreshold}
  }

  tags = var.tags
}

resource "aws_lb_listener" "https" {
  load_balancer_arn = aws_lb.this.arn
  port              = ${HTTPS_LISTENER.port}
  protocol          = "${HTTPS_LISTENER.protocol}"
  ssl_policy        = var.tls_policy
  certificate_arn   = var.certificate_arn

  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.this.arn
  }

  tags = var.tags
}

# Plain HTTP is never forwarded: it is answered with a permanent redirect to HTTPS.
resource "aws_lb_listener" "http_redirect" {
  load_balancer_arn = aws_lb.this.arn
  port              = ${HTTP_REDIRECT_LISTENER.port}
  protocol          = "${HTTP_REDIRECT_LISTENER.protocol}"

  default_action {
    type = "redirect"
    redirect {
      protocol    = "${HTTP_REDIRECT_LISTENER.redirect.protocol}"
      port        = "${HTTP_REDIRECT_LISTENER.redirect.port}"
      status_code = "${HTTP_REDIRECT_LISTENER.redirect.statusCode}"
    }
  }

  tags = var.tags
}

resource "aws_wafv2_web_acl" "this" {
  name        = "${webAclName("${var.name}")}"
  description = "Managed rule groups in front of \${var.name}"
  scope       = "REGIONAL"

  default_action {
    allow {}
  }

  # The rules as the WAF API's JSON, built from the construct's list of managed rule groups.
  rule_json = jsonencode(${hclValue(webAclRules(NAME), refs)})

  visibility_config {
    cloudwatch_metrics_enabled = true
    metric_name                = "${webAclName("${var.name}")}"
    sampled_requests_enabled   = true
  }

  tags = var.tags
}

resource "aws_wafv2_web_acl_association" "this" {
  resource_arn = aws_lb.this.arn
  web_acl_arn  = aws_wafv2_web_acl.this.arn
}

# WAF delivers only to log groups whose name starts with aws-waf-logs-.
resource "aws_cloudwatch_log_group" "waf" {
  name              = "${wafLogGroupName("${var.name}")}"
  kms_key_id        = ${KMS_KEY_ARN_EXPR}
  retention_in_days = var.waf_log_retention_days
  tags              = var.tags

  lifecycle {
    precondition {
      condition     = var.create_kms_key || var.kms_key_arn != null
      error_message = "Set kms_key_arn when create_kms_key is false: the WAF log group is encrypted with a customer-managed key."
    }
  }
}

resource "aws_wafv2_web_acl_logging_configuration" "this" {
  resource_arn            = aws_wafv2_web_acl.this.arn
  log_destination_configs = [aws_cloudwatch_log_group.waf.arn]

  # Credentials and sessions stay out of the logs.
  dynamic "redacted_fields" {
    for_each = ${JSON.stringify(WAF_REDACTED_HEADERS).replace(/,/g, ", ")}
    content {
      single_header {
        name = redacted_fields.value
      }
    }
  }
}
`,
  example: `
module "web" {
  source = "../.."

  name              = "prod-web"
  vpc_id            = "vpc-0123456789abcdef0"
  subnet_ids        = { "eu-west-1a" = "subnet-0123456789abcdef0", "eu-west-1b" = "subnet-0123456789abcdef1" }
  security_group_id = "sg-0123456789abcdef0"
  certificate_arn   = "arn:aws:acm:eu-west-1:111111111111:certificate/0b7c7a10-5a54-4f1c-9a9b-5f0b6c2d1e3f"
  access_logs       = { bucket = "prod-access-111111111111-eu-west-1", prefix = "load-balancers" }
}

# Add module.web.access_logs_bucket_policy_statement to the access-log bucket's policy.
output "access_logs_bucket_policy_statement" {
  value = module.web.access_logs_bucket_policy_statement
}

${rootSuppressionsHcl(["web"])}
`,
  tests: {
    "load_balancer.tftest.hcl": `
mock_provider "aws" {
  source = "./tests/mocks"
}

variables {
  name              = "web"
  account_id        = "111111111111"
  vpc_id            = "vpc-0123456789abcdef0"
  subnet_ids        = { a = "subnet-0123456789abcdef0", b = "subnet-0123456789abcdef1" }
  security_group_id = "sg-0123456789abcdef0"
  certificate_arn   = "arn:aws:acm:eu-west-1:111111111111:certificate/0b7c7a10-5a54-4f1c-9a9b-5f0b6c2d1e3f"
}

run "https_only_behind_waf" {
  command = apply

  assert {
    condition     = aws_lb.this.drop_invalid_header_fields && aws_lb.this.enable_deletion_protection && !aws_lb.this.internal && aws_lb.this.desync_mitigation_mode == "strictest"
    error_message = "invalid headers dropped, deletion protection on, strictest desync mitigation"
  }
  assert {
    condition     = aws_lb_listener.https.protocol == "HTTPS" && aws_lb_listener.https.ssl_policy == "${DEFAULT_TLS_POLICY}" && aws_lb_listener.https.default_action[0].target_group_arn == aws_lb_target_group.this.arn
    error_message = "the HTTPS listener forwards to the app with a TLS 1.2+ policy"
  }
  assert {
    condition     = aws_lb_listener.http_redirect.default_action[0].type == "redirect" && aws_lb_listener.http_redirect.default_action[0].redirect[0].protocol == "HTTPS" && aws_lb_listener.http_redirect.default_action[0].redirect[0].status_code == "HTTP_301"
    error_message = "plain HTTP is only redirected to HTTPS"
  }
  assert {
    condition     = [for r in jsondecode(aws_wafv2_web_acl.this.rule_json) : r.Statement.ManagedRuleGroupStatement.Name] == ${JSON.stringify(MANAGED_RULE_GROUPS).replace(/,/g, ", ")}
    error_message = "the web ACL applies the construct's managed rule groups in order"
  }
  assert {
    condition     = alltrue([for r in jsondecode(aws_wafv2_web_acl.this.rule_json) : r.OverrideAction == { None = {} }])
    error_message = "every managed rule group is enforced, none only counts"
  }
  assert {
    condition     = aws_wafv2_web_acl_association.this.resource_arn == aws_lb.this.arn
    error_message = "the web ACL is associated with the load balancer"
  }
  assert {
    condition     = join(",", sort([for f in aws_wafv2_web_acl_logging_configuration.this.redacted_fields : f.single_header[0].name])) == "authorization,cookie"
    error_message = "WAF logs redact the authorization and cookie headers"
  }
  assert {
    condition     = aws_cloudwatch_log_group.waf.name == "aws-waf-logs-web" && aws_cloudwatch_log_group.waf.kms_key_id == module.kms_key[0].key_arn && aws_cloudwatch_log_group.waf.retention_in_days == 365
    error_message = "WAF logs go to an aws-waf-logs- group under the module's own key, kept a year"
  }
  assert {
    condition     = length(aws_lb.this.access_logs) == 0 && output.access_logs_bucket_policy_statement == null && length(output.bulwark_suppressions) == 0
    error_message = "no access logs unless given a bucket"
  }
}

run "access_logs_and_a_shared_key" {
  command = plan
  variables {
    access_logs    = { bucket = "prod-access-111111111111-eu-west-1", prefix = "load-balancers" }
    create_kms_key = false
    kms_key_arn    = "arn:aws:kms:eu-west-1:111111111111:key/00000000-0000-4000-8000-000000000000"
  }

  assert {
    condition     = aws_lb.this.access_logs[0].enabled && aws_lb.this.access_logs[0].bucket == "prod-access-111111111111-eu-west-1" && aws_lb.this.access_logs[0].prefix == "load-balancers"
    error_message = "access logs go to the bucket under the prefix"
  }
  assert {
    condition     = length(output.access_logs_bucket_policy_statement.Principal) == 1 && output.access_logs_bucket_policy_statement.Principal["AWS"] == "arn:aws:iam::${ELB_LOG_DELIVERY_ACCOUNTS["eu-west-1"]}:root" && output.access_logs_bucket_policy_statement.Resource == "arn:aws:s3:::prod-access-111111111111-eu-west-1/load-balancers/AWSLogs/111111111111/*"
    error_message = "the bucket policy statement admits eu-west-1's log delivery under the prefix"
  }
  assert {
    condition     = length(module.kms_key) == 0 && aws_cloudwatch_log_group.waf.kms_key_id == "arn:aws:kms:eu-west-1:111111111111:key/00000000-0000-4000-8000-000000000000"
    error_message = "a shared key is used, none created"
  }
}

# One plan for every refused input: each variable named must fail its own validation.
run "rejects_bad_inputs" {
  command = plan
  variables {
    tls_policy      = "ELBSecurityPolicy-2016-08"
    subnet_ids      = { a = "subnet-0123456789abcdef0" }
    certificate_arn = "arn:aws:acm:eu-west-1:1:certificate/x"
    name            = "a-load-balancer-name-of-27c"
    access_logs     = { bucket = "prod-access-111111111111-eu-west-1", prefix = "lb/" }
  }
  expect_failures = [var.tls_policy, var.subnet_ids, var.certificate_arn, var.name, var.access_logs]
}

run "needs_a_key_when_not_creating_one" {
  command = plan
  variables {
    create_kms_key = false
  }
  expect_failures = [aws_cloudwatch_log_group.waf]
}
`,
  },
};

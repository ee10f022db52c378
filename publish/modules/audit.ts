import { AUDIT_REPLICATION, CONFIG_MANAGED_RULES } from "../../modules/audit";
import { BUCKET_NAME_RULES, LOG_BUCKET_LIFECYCLE, OBJECT_LOCK_MODES } from "../../modules/audit/log-bucket";
import { LOG_RETENTION_DAYS } from "../../modules/core/validate";
import { ELB_LOG_DELIVERY_LOCALS_HCL, elbAccessLogStatementHcl } from "./load-balancer";
import { ACCOUNT_ID_VARIABLE, ACCOUNT_ID_EXPR, CALLER_IDENTITY_HCL, ModuleSpec, hclRegex, hclServiceRole, kmsKeyModuleCall, kmsKeyVariables, KMS_KEY_ARN_EXPR, preventDestroyNote } from "../spec";

const RULES_HCL = Object.entries(CONFIG_MANAGED_RULES)
  .map(([name, id]) => `    "${name}" = "${id}"`)
  .join("\n");

/** The construct's bucketNameProblem as an HCL condition on a bucket name (null passes). */
function bucketNameHcl(v: string): string {
  const r = BUCKET_NAME_RULES;
  return `${v} == null ? true : (length(${v}) >= ${r.length[0]} && length(${v}) <= ${r.length[1]} && can(regex(${hclRegex(r.pattern)}, ${v})) && ${r.forbidden.map((f) => `!strcontains(${v}, ${JSON.stringify(f)})`).join(" && ")} && !can(regex(${hclRegex(r.ipAddress)}, ${v})) && ${r.reserved.map((re) => `!can(regex(${hclRegex(re)}, ${v}))`).join(" && ")})`;
}
const bucketNameVariable = (name: string, what: string, construct: string, fallback: string) => ({
  name,
  type: "string",
  description: `Name of the ${what} (the construct's ${construct}); null: ${fallback}.`,
  default: "null",
  validations: [{ condition: bucketNameHcl(`var.${name}`), message: `${name} must follow S3's bucket naming rules: ${BUCKET_NAME_RULES.length.join(" to ")} lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit, no adjacent dots or dot next to a hyphen, not an IP address, no reserved prefix or suffix.` }],
});

/** The log buckets' lifecycle rule (the construct's LOG_BUCKET_LIFECYCLE), the same on the replica. */
const LIFECYCLE_RULE_HCL = `  rule {
    id     = "${LOG_BUCKET_LIFECYCLE.id}"
    status = "Enabled"
    filter {
      prefix = ""
    }
    transition {
      days          = ${LOG_BUCKET_LIFECYCLE.transitionDays[0]}
      storage_class = "STANDARD_IA"
    }
    transition {
      days          = ${LOG_BUCKET_LIFECYCLE.transitionDays[1]}
      storage_class = "GLACIER"
    }
    expiration {
      days = var.bucket_retention_days
    }
    noncurrent_version_expiration {
      noncurrent_days = ${LOG_BUCKET_LIFECYCLE.noncurrentVersionDays}
    }
    abort_incomplete_multipart_upload {
      days_after_initiation = ${LOG_BUCKET_LIFECYCLE.abortIncompleteMultipartUploadDays}
    }
  }`;

export const auditModule: ModuleSpec = {
  name: "audit",
  title: "audit: CloudTrail, a locked-down log bucket and AWS Config",
  summary:
    "The account/region audit baseline: a multi-region CloudTrail with global events, log file validation and KMS encryption delivering to CloudWatch Logs and to a locked-down log bucket (public access blocked, TLS only, writes scoped to this account, access logging, lifecycle), and AWS Config recording every resource type with managed rules for the controls bulwark enforces.",
  secureDefaults: [
    "Trail multi-region, global service events, log file validation, SSE-KMS, CloudWatch Logs delivery (CloudTrail.1/.2/.4/.5).",
    "Log bucket: four public-access blocks, no ACLs, versioning, SSE-KMS, TLS-only policy, service writes scoped to this account, server access logging, lifecycle (CloudTrail.6/.7, S3.5, S3.8).",
    "Config recorder for all resources incl. global types, enabled, with managed rules (Config.1).",
    "Both log buckets replicated to a versioned, private, TLS-only copy in a second region (provider alias `aws.replica`) under a key of its own there; deletions are not replicated (CKV_AWS_144).",
    preventDestroyNote("the key and the log buckets"),
  ],
  differences: [
    "`object_lock.days` longer than `bucket_retention_days` is refused by a precondition when Terraform plans, not by `terraform validate` as the construct refuses it at synth: a validation of Terraform 1.7 sees only its own variable.",
  ],
  providerAliases: ["replica"],
  controls: ["CloudTrail.1", "CloudTrail.2", "CloudTrail.4", "CloudTrail.5", "CloudTrail.6", "CloudTrail.7", "S3.5", "S3.8", "Config.1", "CIS 3.1-3.5"],
  variables: [
    ACCOUNT_ID_VARIABLE,
    { name: "name", type: "string", description: "Name prefix.", validations: [{ condition: 'can(regex("^[a-z][a-z0-9-]{0,20}$", var.name))', message: "name must be 1-21 lowercase letters, digits or hyphens (it prefixes bucket names)." }] },
    ...kmsKeyVariables("for the trail, log groups, bucket and Config"),
    {
      name: "log_retention_days",
      type: "number",
      description: "Trail log group retention (at least a year).",
      default: "365",
      validations: [{ condition: `contains(${JSON.stringify(LOG_RETENTION_DAYS)}, var.log_retention_days)`, message: `log_retention_days must be one of ${LOG_RETENTION_DAYS.join(", ")}.` }],
    },
    {
      name: "bucket_retention_days",
      type: "number",
      description: `Days objects stay in the log buckets (Standard-IA after ${LOG_BUCKET_LIFECYCLE.transitionDays[0]}, Glacier after ${LOG_BUCKET_LIFECYCLE.transitionDays[1]}; unfinished uploads cleaned up after ${LOG_BUCKET_LIFECYCLE.abortIncompleteMultipartUploadDays}).`,
      default: "2555",
      validations: [{ condition: `var.bucket_retention_days > ${LOG_BUCKET_LIFECYCLE.transitionDays[1]}`, message: `bucket_retention_days must be longer than the cold-storage transition at ${LOG_BUCKET_LIFECYCLE.transitionDays[1]} days.` }],
    },
    {
      name: "config_rules",
      type: "set(string)",
      description: "AWS Config managed rules by name.",
      default: JSON.stringify(Object.keys(CONFIG_MANAGED_RULES)),
      validations: [{ condition: `alltrue([for r in var.config_rules : contains(${JSON.stringify(Object.keys(CONFIG_MANAGED_RULES))}, r)])`, message: "config_rules must be known managed rule names." }],
    },
    {
      name: "object_lock",
      type: "object({\n    mode = string\n    days = number\n  })",
      description: `Write-once retention of the trail and Config log bucket (the construct's objectLock): mode ${OBJECT_LOCK_MODES.join(" or ")}, days each object version is kept from deletion (at most bucket_retention_days). A bucket gets object lock only when created.`,
      default: "null",
      validations: [
        { condition: `var.object_lock == null ? true : contains(${JSON.stringify(OBJECT_LOCK_MODES)}, var.object_lock.mode)`, message: `object_lock.mode must be ${OBJECT_LOCK_MODES.join(" or ")}.` },
        { condition: "var.object_lock == null ? true : var.object_lock.days >= 1 && floor(var.object_lock.days) == var.object_lock.days", message: "object_lock.days must be a whole number of days, at least 1." },
      ],
    },
    {
      name: "load_balancer_log_prefix",
      type: "string",
      description: "Admits the region's load balancer access-log delivery to the access-log bucket under this prefix (the construct's loadBalancerLogPrefix; that bucket uses SSE-S3, the only encryption load balancer logs accept); give a load-balancer module access_logs = { bucket = module.<audit>.access_log_bucket, prefix = <this> }. Null: none.",
      default: "null",
    },
    bucketNameVariable("bucket_name", "trail and Config log bucket", "bucketName", "<name>-audit-<account>-<region>"),
    bucketNameVariable("access_log_bucket_name", "server access log bucket", "accessLogBucketName", "<name>-access-<account>-<region>"),
    {
      name: "replicate",
      type: "bool",
      description: "Copy both log buckets to a bucket in the aws.replica provider's region, under a key of its own there (the construct's replication). False only when another copy exists: the caller still passes aws.replica (any configuration of the provider).",
      default: "true",
    },
    { name: "tags", type: "map(string)", description: "Tags.", default: "{}" },
  ],
  outputs: [
    { name: "trail_arn", value: "aws_cloudtrail.this.arn", description: "Trail ARN." },
    { name: "trail_log_group_name", value: "aws_cloudwatch_log_group.trail.name", description: "Trail log group (feed it to cis-alarms)." },
    { name: "log_bucket", value: "aws_s3_bucket.this[\"logs\"].id", description: "Log bucket name." },
    { name: "access_log_bucket", value: "aws_s3_bucket.this[\"access\"].id", description: "Server access log bucket name (load balancer logs go here with load_balancer_log_prefix)." },
    { name: "replica_bucket", value: "var.replicate ? aws_s3_bucket.xregion[0].id : null", description: "The copy of both log buckets in the replica region (null without replicate)." },
  ],
  uses: ["kms-key"],
  main: `
${CALLER_IDENTITY_HCL}
data "aws_region" "current" {}
data "aws_partition" "current" {}
data "aws_region" "replica" {
  provider = aws.replica
}

locals {
  account_id  = ${ACCOUNT_ID_EXPR}
  region      = data.aws_region.current.name
  partition   = data.aws_partition.current.partition
  trail_name  = "\${var.name}-audit"
  trail_arn   = "arn:\${local.partition}:cloudtrail:\${local.region}:\${local.account_id}:trail/\${local.trail_name}"
  buckets = {
    logs   = coalesce(var.bucket_name, "\${var.name}-audit-\${local.account_id}-\${local.region}")
    access = coalesce(var.access_log_bucket_name, "\${var.name}-access-\${local.account_id}-\${local.region}")
  }
  arn = { for k, b in local.buckets : k => "arn:\${local.partition}:s3:::\${b}" }
  replica_bucket = "\${var.name}-audit-replica-\${local.account_id}-\${data.aws_region.replica.name}"
  replica_arn    = "arn:\${local.partition}:s3:::\${local.replica_bucket}"
  tls_only = {
    Sid       = "DenyInsecureTransport"
    Effect    = "Deny"
    Principal = "*"
    Action    = "s3:*"
    Condition = { Bool = { "aws:SecureTransport" = "false" } }
  }
${ELB_LOG_DELIVERY_LOCALS_HCL}
  managed_rules = {
${RULES_HCL}
  }
}

${kmsKeyModuleCall("${var.name}/audit", ["cloudtrail", "cloudwatch-logs", "config"])}

resource "aws_s3_bucket" "this" {
  for_each = local.buckets

  bucket              = each.value
  object_lock_enabled = each.key == "logs" && var.object_lock != null ? true : null
  tags                = var.tags
}

resource "aws_s3_bucket_object_lock_configuration" "logs" {
  count = var.object_lock != null ? 1 : 0

  bucket = aws_s3_bucket.this["logs"].id
  rule {
    default_retention {
      mode = var.object_lock.mode
      days = var.object_lock.days
    }
  }

  lifecycle {
    precondition {
      condition     = var.object_lock.days <= var.bucket_retention_days
      error_message = "object_lock.days must be at most bucket_retention_days: a lock cannot outlive the objects' expiry."
    }
  }
}

resource "aws_s3_bucket_public_access_block" "this" {
  for_each = local.buckets

  bucket                  = aws_s3_bucket.this[each.key].id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_ownership_controls" "this" {
  for_each = local.buckets

  bucket = aws_s3_bucket.this[each.key].id
  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_versioning" "this" {
  for_each = local.buckets

  bucket = aws_s3_bucket.this[each.key].id
  versioning_configuration {
    status = "Enabled"
  }
}

# S3 server access logging delivers only to SSE-S3 buckets: the access-log bucket uses AES256.
resource "aws_s3_bucket_server_side_encryption_configuration" "this" {
  for_each = local.buckets

  bucket = aws_s3_bucket.this[each.key].id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = each.key == "logs" ? "aws:kms" : "AES256"
      kms_master_key_id = each.key == "logs" ? ${KMS_KEY_ARN_EXPR} : null
    }
    bucket_key_enabled = each.key == "logs" ? true : null
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "this" {
  for_each = local.buckets

  bucket = aws_s3_bucket.this[each.key].id
${LIFECYCLE_RULE_HCL}
}

resource "aws_s3_bucket_logging" "logs" {
  bucket        = aws_s3_bucket.this["logs"].id
  target_bucket = aws_s3_bucket.this["access"].bucket
  target_prefix = "\${local.buckets.logs}/"
}

resource "aws_s3_bucket_policy" "logs" {
  bucket = aws_s3_bucket.this["logs"].id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      merge(local.tls_only, { Resource = [local.arn.logs, "\${local.arn.logs}/*"] }),
      { Sid = "CloudTrailAclCheck", Effect = "Allow", Principal = { Service = "cloudtrail.amazonaws.com" }, Action = "s3:GetBucketAcl", Resource = local.arn.logs, Condition = { StringEquals = { "aws:SourceArn" = local.trail_arn } } },
      { Sid = "CloudTrailWrite", Effect = "Allow", Principal = { Service = "cloudtrail.amazonaws.com" }, Action = "s3:PutObject", Resource = "\${local.arn.logs}/cloudtrail/AWSLogs/\${local.account_id}/*", Condition = { StringEquals = { "aws:SourceArn" = local.trail_arn, "s3:x-amz-acl" = "bucket-owner-full-control" } } },
      { Sid = "ConfigAclCheck", Effect = "Allow", Principal = { Service = "config.amazonaws.com" }, Action = ["s3:GetBucketAcl", "s3:ListBucket"], Resource = local.arn.logs, Condition = { StringEquals = { "aws:SourceAccount" = local.account_id } } },
      { Sid = "ConfigWrite", Effect = "Allow", Principal = { Service = "config.amazonaws.com" }, Action = "s3:PutObject", Resource = "\${local.arn.logs}/config/AWSLogs/\${local.account_id}/Config/*", Condition = { StringEquals = { "aws:SourceAccount" = local.account_id, "s3:x-amz-acl" = "bucket-owner-full-control" } } },
    ]
  })
}

resource "aws_s3_bucket_policy" "access" {
  bucket = aws_s3_bucket.this["access"].id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = concat([
      merge(local.tls_only, { Resource = [local.arn.access, "\${local.arn.access}/*"] }),
      { Sid = "S3ServerAccessLogsDelivery", Effect = "Allow", Principal = { Service = "logging.s3.amazonaws.com" }, Action = "s3:PutObject", Resource = "\${local.arn.access}/*", Condition = { StringEquals = { "aws:SourceAccount" = local.account_id } } },
    ], var.load_balancer_log_prefix == null ? [] : [${elbAccessLogStatementHcl("local.buckets.access", "var.load_balancer_log_prefix")}])
  })
}

# The second-region copy (CKV_AWS_144): a bucket hardened as the log buckets are, under a key of its own
# in that region (KMS keys are regional), and S3 replication of both log buckets into it. Its resources are
# named "xregion" (cross-region).
module "replica_kms_key" {
  source = "../kms-key"
  count  = var.replicate ? 1 : 0
  providers = {
    aws = aws.replica
  }

  account_id = var.account_id
  alias      = "\${var.name}/audit-replica"
  tags       = var.tags
}

resource "aws_s3_bucket" "xregion" {
  count    = var.replicate ? 1 : 0
  provider = aws.replica

  bucket = local.replica_bucket
  tags   = var.tags

  lifecycle {
    precondition {
      condition     = data.aws_region.replica.name != data.aws_region.current.name
      error_message = "The replica provider must point at another region: a copy in the same region does not survive its loss."
    }
  }
}

resource "aws_s3_bucket_public_access_block" "xregion" {
  count    = var.replicate ? 1 : 0
  provider = aws.replica

  bucket                  = aws_s3_bucket.xregion[0].id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_ownership_controls" "xregion" {
  count    = var.replicate ? 1 : 0
  provider = aws.replica

  bucket = aws_s3_bucket.xregion[0].id
  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_versioning" "xregion" {
  count    = var.replicate ? 1 : 0
  provider = aws.replica

  bucket = aws_s3_bucket.xregion[0].id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "xregion" {
  count    = var.replicate ? 1 : 0
  provider = aws.replica

  bucket = aws_s3_bucket.xregion[0].id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = module.replica_kms_key[0].key_arn
    }
    bucket_key_enabled = true
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "xregion" {
  count    = var.replicate ? 1 : 0
  provider = aws.replica

  bucket = aws_s3_bucket.xregion[0].id
${LIFECYCLE_RULE_HCL}
}

resource "aws_s3_bucket_policy" "xregion" {
  count    = var.replicate ? 1 : 0
  provider = aws.replica

  bucket = aws_s3_bucket.xregion[0].id
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [merge(local.tls_only, { Resource = [local.replica_arn, "\${local.replica_arn}/*"] })]
  })
}

${hclServiceRole("replication", '"${var.name}-audit-replication"', '"S3 replication of the audit buckets to their copy in another region"', "s3.amazonaws.com", ["count       = var.replicate ? 1 : 0"])}

resource "aws_iam_role_policy" "replication" {
  count = var.replicate ? 1 : 0

  name = "replicate-audit-logs"
  role = aws_iam_role.replication[0].name
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      { Sid = "ReadSourceConfiguration", Effect = "Allow", Action = ${JSON.stringify(AUDIT_REPLICATION.sourceBucketActions).replace(/,/g, ", ")}, Resource = [local.arn.logs, local.arn.access] },
      { Sid = "ReadSourceVersions", Effect = "Allow", Action = ${JSON.stringify(AUDIT_REPLICATION.sourceObjectActions).replace(/,/g, ", ")}, Resource = ["\${local.arn.logs}/*", "\${local.arn.access}/*"] },
      { Sid = "WriteReplica", Effect = "Allow", Action = ${JSON.stringify(AUDIT_REPLICATION.replicaObjectActions).replace(/,/g, ", ")}, Resource = "\${local.replica_arn}/*" },
      { Sid = "DecryptSource", Effect = "Allow", Action = "kms:Decrypt", Resource = ${KMS_KEY_ARN_EXPR}, Condition = { StringLike = { "kms:ViaService" = "s3.\${local.region}.amazonaws.com" } } },
      { Sid = "EncryptReplica", Effect = "Allow", Action = ["kms:Encrypt", "kms:GenerateDataKey"], Resource = module.replica_kms_key[0].key_arn, Condition = { StringLike = { "kms:ViaService" = "s3.\${data.aws_region.replica.name}.amazonaws.com" } } },
    ]
  })
}

# Deletions stay in the source: a delete marker is not copied, so the copy outlives a deletion.
resource "aws_s3_bucket_replication_configuration" "this" {
  for_each = var.replicate ? local.buckets : {}

  bucket = aws_s3_bucket.this[each.key].id
  role   = aws_iam_role.replication[0].arn
  rule {
    id     = "${AUDIT_REPLICATION.ruleId}"
    status = "Enabled"
    filter {}
    delete_marker_replication {
      status = "${AUDIT_REPLICATION.deleteMarkerReplication}"
    }
    dynamic "source_selection_criteria" {
      for_each = each.key == "logs" ? [1] : []
      content {
        sse_kms_encrypted_objects {
          status = "Enabled"
        }
      }
    }
    destination {
      bucket = aws_s3_bucket.xregion[0].arn
      dynamic "encryption_configuration" {
        for_each = each.key == "logs" ? [1] : []
        content {
          replica_kms_key_id = module.replica_kms_key[0].key_arn
        }
      }
    }
  }

  # S3 refuses a replication configuration until versioning is on, on both sides.
  depends_on = [aws_s3_bucket_versioning.this, aws_s3_bucket_versioning.xregion]
}

resource "aws_cloudwatch_log_group" "trail" {
  name              = "/bulwark/\${var.name}/cloudtrail"
  kms_key_id        = ${KMS_KEY_ARN_EXPR}
  retention_in_days = var.log_retention_days
  tags              = var.tags
}

${hclServiceRole("trail", "\"${var.name}-cloudtrail-logs\"", "\"Delivers CloudTrail ${local.trail_name} to its log group\"", "cloudtrail.amazonaws.com")}

resource "aws_iam_role_policy" "trail" {
  name = "write-trail-log-group"
  role = aws_iam_role.trail.name
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Sid = "WriteTrailLogGroup", Effect = "Allow", Action = ["logs:CreateLogStream", "logs:PutLogEvents"], Resource = "\${aws_cloudwatch_log_group.trail.arn}:log-stream:*" }]
  })
}

resource "aws_cloudtrail" "this" {
  name                          = local.trail_name
  s3_bucket_name                = aws_s3_bucket.this["logs"].id
  s3_key_prefix                 = "cloudtrail"
  is_multi_region_trail         = true
  include_global_service_events = true
  enable_log_file_validation    = true
  enable_logging                = true
  kms_key_id                    = ${KMS_KEY_ARN_EXPR}
  cloud_watch_logs_group_arn    = "\${aws_cloudwatch_log_group.trail.arn}:*"
  cloud_watch_logs_role_arn     = aws_iam_role.trail.arn
  tags                          = var.tags

  # CloudTrail checks the bucket policy when the trail is created.
  depends_on = [aws_s3_bucket_policy.logs]
}

${hclServiceRole("config", "\"${var.name}-config\"", "\"AWS Config recorder\"", "config.amazonaws.com")}

resource "aws_iam_role_policy_attachment" "config" {
  role       = aws_iam_role.config.name
  policy_arn = "arn:\${local.partition}:iam::aws:policy/service-role/AWS_ConfigRole"
}

resource "aws_config_configuration_recorder" "this" {
  name     = "\${var.name}-recorder"
  role_arn = aws_iam_role.config.arn
  recording_group {
    all_supported                 = true
    include_global_resource_types = true
  }
}

resource "aws_config_delivery_channel" "this" {
  name           = "\${var.name}-delivery"
  s3_bucket_name = aws_s3_bucket.this["logs"].id
  s3_key_prefix  = "config"
  s3_kms_key_arn = ${KMS_KEY_ARN_EXPR}
  snapshot_delivery_properties {
    delivery_frequency = "TwentyFour_Hours"
  }
  depends_on = [aws_config_configuration_recorder.this, aws_s3_bucket_policy.logs]
}

resource "aws_config_configuration_recorder_status" "this" {
  name       = aws_config_configuration_recorder.this.name
  is_enabled = true
  depends_on = [aws_config_delivery_channel.this]
}

resource "aws_config_config_rule" "this" {
  for_each = var.config_rules

  name = each.key
  source {
    owner             = "AWS"
    source_identifier = local.managed_rules[each.key]
  }
  tags       = var.tags
  depends_on = [aws_config_configuration_recorder_status.this]
}
`,
  example: `
module "audit" {
  source = "../.."
  providers = {
    aws         = aws
    aws.replica = aws.replica
  }

  name = "prod"
}
`,
  tests: {
    "audit.tftest.hcl": `
mock_provider "aws" {
  source = "./tests/mocks"
}

mock_provider "aws" {
  alias  = "replica"
  source = "./tests/mocks"
  override_data {
    target = data.aws_region.replica
    values = {
      name = "eu-central-1"
    }
  }
}

variables {
  name       = "test"
  account_id = "111111111111"
}

run "trail_bucket_and_config_are_hardened" {
  command = apply

  assert {
    condition     = length(aws_s3_bucket_replication_configuration.this) == 2 && alltrue([for r in aws_s3_bucket_replication_configuration.this : r.rule[0].status == "Enabled" && r.rule[0].delete_marker_replication[0].status == "Disabled" && r.rule[0].destination[0].bucket == aws_s3_bucket.xregion[0].arn])
    error_message = "both log buckets replicate to the copy, deletions excluded"
  }
  assert {
    condition     = aws_s3_bucket.xregion[0].bucket == "test-audit-replica-111111111111-eu-central-1" && aws_s3_bucket_versioning.xregion[0].versioning_configuration[0].status == "Enabled" && one(aws_s3_bucket_server_side_encryption_configuration.xregion[0].rule).apply_server_side_encryption_by_default[0].sse_algorithm == "aws:kms"
    error_message = "the copy is in the replica region, versioned and KMS-encrypted"
  }

  assert {
    condition     = alltrue([for l in aws_s3_bucket_lifecycle_configuration.this : l.rule[0].abort_incomplete_multipart_upload[0].days_after_initiation == ${LOG_BUCKET_LIFECYCLE.abortIncompleteMultipartUploadDays}])
    error_message = "unfinished multipart uploads are cleaned up, as the construct's buckets do"
  }

  assert {
    condition     = aws_cloudtrail.this.is_multi_region_trail && aws_cloudtrail.this.enable_log_file_validation && aws_cloudtrail.this.include_global_service_events
    error_message = "the trail is multi-region, validated and records global events"
  }
  assert {
    condition     = alltrue([for b in aws_s3_bucket_public_access_block.this : b.block_public_acls && b.block_public_policy && b.ignore_public_acls && b.restrict_public_buckets])
    error_message = "both buckets block public access"
  }
  assert {
    condition     = jsondecode(aws_s3_bucket_policy.logs.policy).Statement[0].Effect == "Deny" && jsondecode(aws_s3_bucket_policy.logs.policy).Statement[0].Condition.Bool["aws:SecureTransport"] == "false"
    error_message = "the log bucket refuses requests without TLS"
  }
  assert {
    condition     = alltrue([for s in jsondecode(aws_s3_bucket_policy.logs.policy).Statement : s.Effect == "Deny" || can(s.Condition.StringEquals["aws:SourceArn"]) || can(s.Condition.StringEquals["aws:SourceAccount"])])
    error_message = "every grant is scoped to this account"
  }
  assert {
    condition     = aws_config_configuration_recorder.this.recording_group[0].all_supported && aws_config_configuration_recorder_status.this.is_enabled
    error_message = "Config records everything and is on"
  }
}

run "object_lock_on_the_log_bucket" {
  command = plan
  variables {
    object_lock = { mode = "COMPLIANCE", days = 365 }
  }
  assert {
    condition     = aws_s3_bucket.this["logs"].object_lock_enabled && aws_s3_bucket.this["access"].object_lock_enabled != true && aws_s3_bucket_object_lock_configuration.logs[0].rule[0].default_retention[0].mode == "COMPLIANCE" && aws_s3_bucket_object_lock_configuration.logs[0].rule[0].default_retention[0].days == 365
    error_message = "the log bucket keeps each version a year, the access-log bucket has no lock"
  }
}

run "rejects_an_unknown_object_lock_mode" {
  command = plan
  variables {
    object_lock = { mode = "LEGAL", days = 30 }
  }
  expect_failures = [var.object_lock]
}

run "rejects_an_object_lock_longer_than_the_retention" {
  command = plan
  variables {
    object_lock = { mode = "GOVERNANCE", days = 3000 }
  }
  expect_failures = [aws_s3_bucket_object_lock_configuration.logs]
}

run "load_balancer_logs_admitted_under_the_prefix" {
  command = plan
  variables {
    account_id               = "111111111111"
    load_balancer_log_prefix = "load-balancers"
  }
  assert {
    condition     = [for st in jsondecode(aws_s3_bucket_policy.access.policy).Statement : st.Resource if st.Sid == "ElbAccessLogsDelivery"] == ["arn:aws:s3:::test-access-111111111111-eu-west-1/load-balancers/AWSLogs/111111111111/*"] && [for st in jsondecode(aws_s3_bucket_policy.access.policy).Statement : st.Principal if st.Sid == "ElbAccessLogsDelivery"] == [{ AWS = "arn:aws:iam::156460612806:root" }]
    error_message = "the region's load balancer log delivery may write under the prefix only"
  }
}

run "rejects_a_bucket_name_with_capitals" {
  command = plan
  variables {
    bucket_name = "Prod-Audit-Logs"
  }
  expect_failures = [var.bucket_name]
}

run "rejects_an_access_log_bucket_name_s3_reserves" {
  command = plan
  variables {
    access_log_bucket_name = "prod-access-logs-s3alias"
  }
  expect_failures = [var.access_log_bucket_name]
}

run "rejects_a_bucket_name_with_a_dot_next_to_a_hyphen" {
  command = plan
  variables {
    bucket_name = "prod-.audit"
  }
  expect_failures = [var.bucket_name]
}

run "named_buckets_are_used" {
  command = plan
  variables {
    bucket_name            = "prod.audit-logs"
    access_log_bucket_name = "prod-access-logs"
  }
  assert {
    condition     = aws_s3_bucket.this["logs"].bucket == "prod.audit-logs" && aws_s3_bucket.this["access"].bucket == "prod-access-logs" && aws_s3_bucket_logging.logs.target_prefix == "prod.audit-logs/"
    error_message = "the buckets take the names given"
  }
}

run "rejects_a_short_bucket_retention" {
  command = plan
  variables {
    bucket_retention_days = 300
  }
  expect_failures = [var.bucket_retention_days]
}

run "rejects_an_unknown_config_rule" {
  command = plan
  variables {
    config_rules = ["no-such-rule"]
  }
  expect_failures = [var.config_rules]
}
`,
  },
};

/**
 * The account and region audit baseline: `AccountAudit` (a multi-region CloudTrail to CloudWatch Logs and a
 * locked-down bucket, AWS Config with managed rules) and `HardenedLogBucket`.
 *
 * @module bulwark/audit
 */
import { TerraformProvider } from "cdktf";
import { Construct } from "constructs";
import { Cloudtrail } from "@cdktf/provider-aws/lib/cloudtrail";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { ConfigConfigRule } from "@cdktf/provider-aws/lib/config-config-rule";
import { ConfigConfigurationRecorder } from "@cdktf/provider-aws/lib/config-configuration-recorder";
import { ConfigConfigurationRecorderStatus } from "@cdktf/provider-aws/lib/config-configuration-recorder-status";
import { ConfigDeliveryChannel } from "@cdktf/provider-aws/lib/config-delivery-channel";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { IamRolePolicyAttachment } from "@cdktf/provider-aws/lib/iam-role-policy-attachment";
import { S3BucketReplicationConfigurationA } from "@cdktf/provider-aws/lib/s3-bucket-replication-configuration";
import { accountContext } from "../core/account";
import { BulwarkValidationError } from "../core/errors";
import { assumeRolePolicy, policyDocument } from "../core/policy";
import { checkLogRetention, checkName, checkPattern, isLiteral, KMS_KEY_ARN_PATTERN, REGION_PATTERN } from "../core/validate";
import { HardenedKmsKey } from "../kms-key";
import { elbAccessLogStatement } from "../load-balancer";
import { HardenedLogBucket, ObjectLock } from "./log-bucket";

export * from "./log-bucket";

/** AWS Config managed rules for the controls this project enforces, by rule name → source identifier. */
export const CONFIG_MANAGED_RULES: Readonly<Record<string, string>> = {
  "ec2-imdsv2-check": "EC2_IMDSV2_CHECK",
  "encrypted-volumes": "ENCRYPTED_VOLUMES",
  "ec2-ebs-encryption-by-default": "EC2_EBS_ENCRYPTION_BY_DEFAULT",
  "vpc-flow-logs-enabled": "VPC_FLOW_LOGS_ENABLED",
  "restricted-ssh": "INCOMING_SSH_DISABLED",
  "restricted-common-ports": "RESTRICTED_INCOMING_TRAFFIC",
  "vpc-default-security-group-closed": "VPC_DEFAULT_SECURITY_GROUP_CLOSED",
  "ec2-instance-managed-by-systems-manager": "EC2_INSTANCE_MANAGED_BY_SSM",
  "ec2-instance-no-public-ip": "EC2_INSTANCE_NO_PUBLIC_IP",
  "subnet-auto-assign-public-ip-disabled": "SUBNET_AUTO_ASSIGN_PUBLIC_IP_DISABLED",
  "cloudtrail-enabled": "CLOUD_TRAIL_ENABLED",
  "multi-region-cloudtrail-enabled": "MULTI_REGION_CLOUD_TRAIL_ENABLED",
  "cloud-trail-encryption-enabled": "CLOUD_TRAIL_ENCRYPTION_ENABLED",
  "cloud-trail-log-file-validation-enabled": "CLOUD_TRAIL_LOG_FILE_VALIDATION_ENABLED",
  "cloud-trail-cloud-watch-logs-enabled": "CLOUD_TRAIL_CLOUD_WATCH_LOGS_ENABLED",
  "cmk-backing-key-rotation-enabled": "CMK_BACKING_KEY_ROTATION_ENABLED",
  "cloudwatch-log-group-encrypted": "CLOUDWATCH_LOG_GROUP_ENCRYPTED",
  "sns-encrypted-kms": "SNS_ENCRYPTED_KMS",
  "s3-bucket-ssl-requests-only": "S3_BUCKET_SSL_REQUESTS_ONLY",
  "s3-bucket-level-public-access-prohibited": "S3_BUCKET_LEVEL_PUBLIC_ACCESS_PROHIBITED",
};

/** Props of `AccountAudit`. */
export interface AccountAuditProps {
  /** Name prefix, e.g. `prod`. */
  readonly name: string;
  /** Key for trail, log groups, log bucket and Config delivery. @default a new key open to CloudTrail, CloudWatch Logs and Config */
  readonly kmsKeyArn?: string;
  /** Name of the bucket that receives CloudTrail and Config. @default `<name>-audit-<account>-<region>` */
  readonly bucketName?: string;
  /** Name of the bucket that receives the log bucket's server access logs (and load balancer logs). @default `<name>-access-<account>-<region>` */
  readonly accessLogBucketName?: string;
  /** Days the trail log group keeps events. @default 365 */
  readonly logRetentionDays?: number;
  /** Days the log bucket keeps objects. @default 2555 */
  readonly bucketRetentionDays?: number;
  /** Object lock on the log bucket. @default none */
  readonly objectLock?: ObjectLock;
  /** Config managed rules by name. @default every key of CONFIG_MANAGED_RULES */
  readonly configRules?: readonly string[];
  /**
   * Admits the region's load balancer access-log delivery to the access-log bucket under this
   * prefix (that bucket uses SSE-S3, the only encryption load balancer logs accept). @default none
   */
  readonly loadBalancerLogPrefix?: string;
  /** `prevent_destroy` on key and buckets. @default false */
  readonly preventDestroy?: boolean;
  /** Tags on every taggable resource the baseline creates. @default none */
  readonly tags?: Readonly<Record<string, string>>;
  /**
   * A copy of the audit logs in a second region (CKV_AWS_144): a replica bucket there with its own
   * KMS key, and S3 replication of the log bucket and the access-log bucket into it (deletions are
   * not replicated). Without it, losing the region loses the audit trail.
   * @default none — set it; the reference environments use their backup copy region
   */
  readonly replication?: AuditReplication;
}

/** Where `AccountAudit` copies the audit logs. */
export interface AuditReplication {
  /** The copy's region, other than the stack's (e.g. eu-central-1). */
  readonly region: string;
  /** The provider (alias) configured for that region. */
  readonly provider: TerraformProvider;
}

/** The replication rule of each audit bucket (shared with the published audit module). */
export const AUDIT_REPLICATION = {
  /** The rule's id. */
  ruleId: "copy-to-second-region",
  /** Deletions stay in the source: a delete marker is not copied, so the copy outlives a deletion. */
  deleteMarkerReplication: "Disabled",
  /** Actions the replication role needs on the source buckets. */
  sourceBucketActions: ["s3:GetReplicationConfiguration", "s3:ListBucket"],
  /** Actions it needs on the source buckets' object versions. */
  sourceObjectActions: ["s3:GetObjectVersionForReplication", "s3:GetObjectVersionAcl", "s3:GetObjectVersionTagging"],
  /** Actions it needs on the replica's objects (no ReplicateDelete: deletions are not copied). */
  replicaObjectActions: ["s3:ReplicateObject", "s3:ReplicateTags"],
} as const;

/**
 * The account/region audit baseline: a multi-region CloudTrail with global events, log file
 * validation and KMS encryption, delivering to CloudWatch Logs (for the CIS alarms) and to a
 * locked-down log bucket; AWS Config recording every resource type with managed rules for
 * the controls bulwark enforces.
 */
export class AccountAudit extends Construct {
  /** The multi-region trail (`<name>-audit`). */
  public readonly trail: Cloudtrail;
  /** The log group the trail delivers to (`/bulwark/<name>/cloudtrail`), which `CisAlarms` reads. */
  public readonly trailLogGroup: CloudwatchLogGroup;
  /** The bucket CloudTrail and Config deliver to, encrypted with the key. */
  public readonly logBucket: HardenedLogBucket;
  /** The bucket of server access logs (SSE-S3, as S3 logging requires), also the target for load balancer access logs. */
  public readonly accessLogBucket: HardenedLogBucket;
  /** ARN of the key that encrypts the trail, its log group, the log bucket and Config delivery. */
  public readonly kmsKeyArn: string;
  /** The AWS Config recorder, recording every supported resource type including global ones. */
  public readonly recorder: ConfigConfigurationRecorder;
  /** The copy of both audit buckets in the replication region, when `replication` is given. */
  public readonly replicaBucket?: HardenedLogBucket;

  constructor(scope: Construct, id: string, props: AccountAuditProps) {
    super(scope, id);
    checkName(this, "name", props.name);
    checkPattern(this, "kmsKeyArn", props.kmsKeyArn, KMS_KEY_ARN_PATTERN, "a KMS key ARN");
    const retention = props.logRetentionDays ?? 365;
    checkLogRetention(this, "logRetentionDays", retention);
    const rules = props.configRules ?? Object.keys(CONFIG_MANAGED_RULES);
    for (const r of rules) if (!CONFIG_MANAGED_RULES[r]) throw new BulwarkValidationError(this, "configRules", r, `is not a known managed rule (${Object.keys(CONFIG_MANAGED_RULES).join(", ")})`);

    if (props.replication && isLiteral(props.replication.region) && !REGION_PATTERN.test(props.replication.region)) {
      throw new BulwarkValidationError(this, "replication.region", props.replication.region, "is not an AWS region name (e.g. eu-central-1)");
    }
    const ctx = accountContext(this);
    if (props.replication && props.replication.region === ctx.region) {
      throw new BulwarkValidationError(this, "replication.region", props.replication.region, "must differ from the stack's region: a copy in the same region does not survive its loss");
    }
    const suffix = `${ctx.accountId}-${ctx.region}`;
    const trailName = `${props.name}-audit`;
    const trailArn = `arn:${ctx.partition}:cloudtrail:${ctx.region}:${ctx.accountId}:trail/${trailName}`;
    this.kmsKeyArn =
      props.kmsKeyArn ??
      new HardenedKmsKey(this, "key", { alias: `${props.name}/audit`, services: ["cloudtrail", "cloudwatch-logs", "config"], preventDestroy: props.preventDestroy, tags: props.tags }).keyArn;

    this.accessLogBucket = new HardenedLogBucket(this, "access-logs", {
      bucketName: props.accessLogBucketName ?? `${props.name}-access-${suffix}`,
      retentionDays: props.bucketRetentionDays,
      preventDestroy: props.preventDestroy,
      tags: props.tags,
      statements: [
        {
          Sid: "S3ServerAccessLogsDelivery",
          Effect: "Allow",
          Principal: { Service: "logging.s3.amazonaws.com" },
          Action: "s3:PutObject",
          Resource: `arn:${ctx.partition}:s3:::${props.accessLogBucketName ?? `${props.name}-access-${suffix}`}/*`,
          Condition: { StringEquals: { "aws:SourceAccount": ctx.accountId } },
        },
        ...(props.loadBalancerLogPrefix
          ? [elbAccessLogStatement(`arn:${ctx.partition}:s3:::${props.accessLogBucketName ?? `${props.name}-access-${suffix}`}`, props.loadBalancerLogPrefix, ctx.accountId, ctx.region, ctx.partition)]
          : []),
      ],
    });
    const bucketName = props.bucketName ?? `${props.name}-audit-${suffix}`;
    const bucketArn = `arn:${ctx.partition}:s3:::${bucketName}`;
    this.logBucket = new HardenedLogBucket(this, "logs", {
      bucketName,
      kmsKeyArn: this.kmsKeyArn,
      // A reference, not the name as text: Terraform orders the logging after the target bucket.
      accessLogBucketName: this.accessLogBucket.bucket.bucket,
      retentionDays: props.bucketRetentionDays,
      objectLock: props.objectLock,
      preventDestroy: props.preventDestroy,
      tags: props.tags,
      // Writes scoped to this account's trail and Config: no other account can deliver here.
      statements: [
        { Sid: "CloudTrailAclCheck", Effect: "Allow", Principal: { Service: "cloudtrail.amazonaws.com" }, Action: "s3:GetBucketAcl", Resource: bucketArn, Condition: { StringEquals: { "aws:SourceArn": trailArn } } },
        {
          Sid: "CloudTrailWrite",
          Effect: "Allow",
          Principal: { Service: "cloudtrail.amazonaws.com" },
          Action: "s3:PutObject",
          Resource: `${bucketArn}/cloudtrail/AWSLogs/${ctx.accountId}/*`,
          Condition: { StringEquals: { "aws:SourceArn": trailArn, "s3:x-amz-acl": "bucket-owner-full-control" } },
        },
        {
          Sid: "ConfigAclCheck",
          Effect: "Allow",
          Principal: { Service: "config.amazonaws.com" },
          Action: ["s3:GetBucketAcl", "s3:ListBucket"],
          Resource: bucketArn,
          Condition: { StringEquals: { "aws:SourceAccount": ctx.accountId } },
        },
        {
          Sid: "ConfigWrite",
          Effect: "Allow",
          Principal: { Service: "config.amazonaws.com" },
          Action: "s3:PutObject",
          Resource: `${bucketArn}/config/AWSLogs/${ctx.accountId}/Config/*`,
          Condition: { StringEquals: { "aws:SourceAccount": ctx.accountId, "s3:x-amz-acl": "bucket-owner-full-control" } },
        },
      ],
    });

    if (props.replication) this.replicaBucket = this.replicate(props, props.replication);

    this.trailLogGroup = new CloudwatchLogGroup(this, "trail-log-group", {
      name: `/bulwark/${props.name}/cloudtrail`,
      kmsKeyId: this.kmsKeyArn,
      retentionInDays: retention,
      tags: props.tags,
    });
    const trailRole = new IamRole(this, "trail-role", {
      name: `${props.name}-cloudtrail-logs`,
      description: `Delivers CloudTrail ${trailName} to its log group`,
      assumeRolePolicy: assumeRolePolicy("cloudtrail.amazonaws.com"),
      tags: props.tags,
    });
    new IamRolePolicy(this, "trail-role-policy", {
      role: trailRole.name,
      name: "write-trail-log-group",
      policy: policyDocument([
        { Sid: "WriteTrailLogGroup", Effect: "Allow", Action: ["logs:CreateLogStream", "logs:PutLogEvents"], Resource: `${this.trailLogGroup.arn}:log-stream:*` },
      ], this),
    });
    this.trail = new Cloudtrail(this, "trail", {
      name: trailName,
      s3BucketName: this.logBucket.bucket.id,
      s3KeyPrefix: "cloudtrail",
      isMultiRegionTrail: true,
      includeGlobalServiceEvents: true,
      enableLogFileValidation: true,
      enableLogging: true,
      kmsKeyId: this.kmsKeyArn,
      cloudWatchLogsGroupArn: `${this.trailLogGroup.arn}:*`,
      cloudWatchLogsRoleArn: trailRole.arn,
      tags: props.tags,
      // CloudTrail checks the bucket policy when the trail is created.
      dependsOn: [this.logBucket.policy],
    });

    const configRole = new IamRole(this, "config-role", {
      name: `${props.name}-config`,
      description: "AWS Config recorder",
      assumeRolePolicy: assumeRolePolicy("config.amazonaws.com"),
      tags: props.tags,
    });
    new IamRolePolicyAttachment(this, "config-role-policy", { role: configRole.name, policyArn: `arn:${ctx.partition}:iam::aws:policy/service-role/AWS_ConfigRole` });
    this.recorder = new ConfigConfigurationRecorder(this, "recorder", {
      name: `${props.name}-recorder`,
      roleArn: configRole.arn,
      recordingGroup: { allSupported: true, includeGlobalResourceTypes: true },
    });
    const channel = new ConfigDeliveryChannel(this, "delivery-channel", {
      name: `${props.name}-delivery`,
      s3BucketName: this.logBucket.bucket.id,
      s3KeyPrefix: "config",
      s3KmsKeyArn: this.kmsKeyArn,
      snapshotDeliveryProperties: { deliveryFrequency: "TwentyFour_Hours" },
      dependsOn: [this.recorder, this.logBucket.policy],
    });
    const status = new ConfigConfigurationRecorderStatus(this, "recorder-status", { name: this.recorder.name, isEnabled: true, dependsOn: [channel] });
    for (const rule of [...rules].sort()) {
      new ConfigConfigRule(this, `rule-${rule}`, {
        name: rule,
        source: { owner: "AWS", sourceIdentifier: CONFIG_MANAGED_RULES[rule] },
        dependsOn: [status],
        tags: props.tags,
      });
    }
  }

  /** The replica bucket, its key, the replication role and one replication rule per audit bucket. */
  private replicate(props: AccountAuditProps, replication: AuditReplication): HardenedLogBucket {
    const ctx = accountContext(this);
    const provider = replication.provider;
    const key = new HardenedKmsKey(this, "replica-key", {
      alias: `${props.name}/audit-replica`,
      provider,
      region: replication.region,
      preventDestroy: props.preventDestroy,
      tags: props.tags,
    });
    const replica = new HardenedLogBucket(this, "replica", {
      bucketName: `${props.name}-audit-replica-${ctx.accountId}-${replication.region}`,
      kmsKeyArn: key.keyArn,
      retentionDays: props.bucketRetentionDays,
      preventDestroy: props.preventDestroy,
      provider,
      tags: props.tags,
    });
    const sources = [this.logBucket, this.accessLogBucket];
    const role = new IamRole(this, "replication-role", {
      name: `${props.name}-audit-replication`,
      description: "S3 replication of the audit buckets to their copy in another region",
      assumeRolePolicy: assumeRolePolicy("s3.amazonaws.com"),
      tags: props.tags,
    });
    new IamRolePolicy(this, "replication-policy", {
      name: "replicate-audit-logs",
      role: role.name,
      policy: policyDocument(
        [
          { Sid: "ReadSourceConfiguration", Effect: "Allow", Action: [...AUDIT_REPLICATION.sourceBucketActions], Resource: sources.map((b) => b.arn) },
          { Sid: "ReadSourceVersions", Effect: "Allow", Action: [...AUDIT_REPLICATION.sourceObjectActions], Resource: sources.map((b) => `${b.arn}/*`) },
          { Sid: "WriteReplica", Effect: "Allow", Action: [...AUDIT_REPLICATION.replicaObjectActions], Resource: `${replica.arn}/*` },
          // The log bucket's objects are under the audit key; the copies go under the replica's own key.
          { Sid: "DecryptSource", Effect: "Allow", Action: "kms:Decrypt", Resource: this.kmsKeyArn, Condition: { StringLike: { "kms:ViaService": `s3.${ctx.region}.amazonaws.com` } } },
          { Sid: "EncryptReplica", Effect: "Allow", Action: ["kms:Encrypt", "kms:GenerateDataKey"], Resource: key.keyArn, Condition: { StringLike: { "kms:ViaService": `s3.${replication.region}.amazonaws.com` } } },
        ],
        this,
      ),
    });
    for (const [id, source, kms] of [["logs-replication", this.logBucket, true], ["access-logs-replication", this.accessLogBucket, false]] as const) {
      new S3BucketReplicationConfigurationA(this, id, {
        bucket: source.bucket.id,
        role: role.arn,
        rule: [
          {
            id: AUDIT_REPLICATION.ruleId,
            status: "Enabled",
            filter: {},
            deleteMarkerReplication: { status: AUDIT_REPLICATION.deleteMarkerReplication },
            sourceSelectionCriteria: kms ? { sseKmsEncryptedObjects: { status: "Enabled" } } : undefined,
            destination: { bucket: replica.bucket.arn, encryptionConfiguration: kms ? { replicaKmsKeyId: key.keyArn } : undefined },
          },
        ],
        // S3 refuses a replication configuration until versioning is on, on both sides.
        dependsOn: [source.versioning, replica.versioning],
      });
    }
    return replica;
  }
}

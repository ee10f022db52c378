import { TerraformProvider } from "cdktf";
import { Construct } from "constructs";
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { S3BucketLifecycleConfiguration } from "@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration";
import { S3BucketLoggingA } from "@cdktf/provider-aws/lib/s3-bucket-logging";
import { S3BucketObjectLockConfigurationA } from "@cdktf/provider-aws/lib/s3-bucket-object-lock-configuration";
import { S3BucketOwnershipControls } from "@cdktf/provider-aws/lib/s3-bucket-ownership-controls";
import { S3BucketPolicy } from "@cdktf/provider-aws/lib/s3-bucket-policy";
import { S3BucketPublicAccessBlock } from "@cdktf/provider-aws/lib/s3-bucket-public-access-block";
import { S3BucketServerSideEncryptionConfigurationA } from "@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration";
import { S3BucketVersioningA } from "@cdktf/provider-aws/lib/s3-bucket-versioning";
import { accountContext } from "../core/account";
import { BulwarkValidationError } from "../core/errors";
import { PolicyStatement, policyDocument } from "../core/policy";
import { checkInteger, isLiteral } from "../core/validate";

/** S3's bucket naming rules `bucketNameProblem` applies, in order (shared with the published audit module; RE2-compatible patterns). */
export const BUCKET_NAME_RULES = {
  /** Shortest and longest name. */
  length: [3, 63],
  /** The characters, and the first and last one. */
  pattern: /^[a-z0-9][a-z0-9.-]*[a-z0-9]$/,
  /** Sequences a name must not hold. */
  forbidden: ["..", ".-", "-."],
  /** A name that looks like an IPv4 address. */
  ipAddress: /^\d+\.\d+\.\d+\.\d+$/,
  /** The prefixes and suffixes S3 reserves. */
  reserved: [/^(xn--|sthree-|amzn-s3-demo-)/, /(-s3alias|--ol-s3|--x-s3|\.mrap)$/],
} as const;

/** Why a bucket name breaks S3's naming rules, or undefined. */
export function bucketNameProblem(name: string): string | undefined {
  const r = BUCKET_NAME_RULES;
  if (name.length < r.length[0] || name.length > r.length[1]) return `must be ${r.length[0]} to ${r.length[1]} characters`;
  if (!r.pattern.test(name)) return "must be lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit";
  if (r.forbidden.some((f) => name.includes(f))) return "must not have adjacent dots or a dot next to a hyphen";
  if (r.ipAddress.test(name)) return "must not look like an IP address";
  if (r.reserved.some((re) => re.test(name))) return "uses a prefix or suffix S3 reserves";
  return undefined;
}

/** The modes of `ObjectLock` (shared with the published audit module). */
export const OBJECT_LOCK_MODES = ["COMPLIANCE", "GOVERNANCE"] as const;

/** Write-once retention of a bucket's objects (S3 Object Lock); a bucket gets it only when created. */
export interface ObjectLock {
  /** `COMPLIANCE`: nobody, root included, can delete or shorten it; `GOVERNANCE`: principals with `s3:BypassGovernanceRetention` can. */
  readonly mode: (typeof OBJECT_LOCK_MODES)[number];
  /** Days each object version is kept from deletion, at most the bucket's retention. */
  readonly days: number;
}

/** Props of `HardenedLogBucket`. */
export interface HardenedLogBucketProps {
  /** Bucket name, under S3's naming rules (3–63 lowercase letters, digits, dots and hyphens). */
  readonly bucketName: string;
  /**
   * SSE-KMS key. @default undefined — SSE-S3 (AES-256), which S3 server access logging
   * requires of its target bucket; every other log bucket should pass a key
   */
  readonly kmsKeyArn?: string;
  /** Bucket that receives this bucket's server access logs. @default none (only for the access-log bucket itself) */
  readonly accessLogBucketName?: string;
  /** Extra policy statements (service write grants); TLS-only denial is always added. */
  readonly statements?: PolicyStatement[];
  /** Days before objects move to Standard-IA, then Glacier. @default [90, 365] */
  readonly transitionDays?: readonly [number, number];
  /** Days before objects expire. @default 2555 (7 years) */
  readonly retentionDays?: number;
  /** Object lock in compliance or governance mode for this many days. @default none */
  readonly objectLock?: ObjectLock;
  /** `prevent_destroy` on the bucket, so no plan can delete it with the logs. @default false */
  readonly preventDestroy?: boolean;
  /** Provider (alias) for a bucket in another region or account. @default the stack's default */
  readonly provider?: TerraformProvider;
  /** Tags on the bucket. @default none */
  readonly tags?: Readonly<Record<string, string>>;
}

/**
 * The log bucket's lifecycle rule, shared with the published audit module: tiering (defaults; the
 * construct's transitionDays may change them), old versions expired, and uploads that never
 * completed cleaned up (their parts are billed but invisible).
 */
export const LOG_BUCKET_LIFECYCLE = {
  /** The lifecycle rule's id. */
  id: "tier-and-expire",
  /** Days before objects move to Standard-IA, then to Glacier. */
  transitionDays: [90, 365] as const,
  /** Days a replaced or deleted object version is kept. */
  noncurrentVersionDays: 90,
  /** Days after which the parts of an unfinished multipart upload are deleted. */
  abortIncompleteMultipartUploadDays: 7,
} as const;

/**
 * A log bucket hardened by default: the four public-access blocks, bucket-owner object
 * ownership (no ACLs), versioning, encryption, a policy that denies any request without TLS,
 * server access logging to a separate bucket, and lifecycle to cheaper storage.
 */
export class HardenedLogBucket extends Construct {
  /** The `aws_s3_bucket` resource. */
  public readonly bucket: S3Bucket;
  /** Bucket name, as given. */
  public readonly bucketName: string;
  /** ARN built from the name, so policies stay literal and reviewable. */
  public readonly arn: string;
  /** The bucket policy: services that check it before writing (CloudTrail, Config) depend on it. */
  public readonly policy: S3BucketPolicy;
  /** The bucket's versioning: replication needs it on, on both sides, before it is configured. */
  public readonly versioning: S3BucketVersioningA;

  constructor(scope: Construct, id: string, props: HardenedLogBucketProps) {
    super(scope, id);
    if (isLiteral(props.bucketName)) {
      const problem = bucketNameProblem(props.bucketName);
      if (problem) throw new BulwarkValidationError(this, "bucketName", props.bucketName, problem);
    }
    const [ia, glacier] = props.transitionDays ?? LOG_BUCKET_LIFECYCLE.transitionDays;
    const retention = props.retentionDays ?? 2555;
    checkInteger(this, "transitionDays[0]", ia, 30, 36500);
    checkInteger(this, "transitionDays[1]", glacier, ia + 30, 36500, ` (at least 30 days after the Standard-IA transition at ${ia})`);
    checkInteger(this, "retentionDays", retention, 1, 36500);
    if (retention <= glacier) {
      throw new BulwarkValidationError(this, "retentionDays", retention, `must be longer than the cold-storage transition at ${glacier} days`);
    }
    if (props.objectLock) checkInteger(this, "objectLock.days", props.objectLock.days, 1, retention, ` (at most the retention of ${retention} days)`);

    const ctx = accountContext(this);
    const provider = props.provider;
    this.bucketName = props.bucketName;
    this.arn = `arn:${ctx.partition}:s3:::${props.bucketName}`;
    this.bucket = new S3Bucket(this, "bucket", {
      bucket: props.bucketName,
      objectLockEnabled: props.objectLock ? true : undefined,
      tags: props.tags,
      provider,
      lifecycle: props.preventDestroy ? { preventDestroy: true } : undefined,
    });
    new S3BucketPublicAccessBlock(this, "public-access-block", {
      bucket: this.bucket.id,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
      provider,
    });
    new S3BucketOwnershipControls(this, "ownership", { bucket: this.bucket.id, rule: { objectOwnership: "BucketOwnerEnforced" }, provider });
    this.versioning = new S3BucketVersioningA(this, "versioning", { bucket: this.bucket.id, versioningConfiguration: { status: "Enabled" }, provider });
    new S3BucketServerSideEncryptionConfigurationA(this, "encryption", {
      bucket: this.bucket.id,
      rule: [
        props.kmsKeyArn
          ? { applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: props.kmsKeyArn }, bucketKeyEnabled: true }
          : { applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } },
      ],
      provider,
    });
    if (props.accessLogBucketName) {
      new S3BucketLoggingA(this, "access-logging", { bucket: this.bucket.id, targetBucket: props.accessLogBucketName, targetPrefix: `${props.bucketName}/`, provider });
    }
    new S3BucketLifecycleConfiguration(this, "lifecycle", {
      bucket: this.bucket.id,
      rule: [
        {
          id: LOG_BUCKET_LIFECYCLE.id,
          status: "Enabled",
          filter: [{ prefix: "" }],
          transition: [
            { days: ia, storageClass: "STANDARD_IA" },
            { days: glacier, storageClass: "GLACIER" },
          ],
          expiration: [{ days: retention }],
          noncurrentVersionExpiration: [{ noncurrentDays: LOG_BUCKET_LIFECYCLE.noncurrentVersionDays }],
          abortIncompleteMultipartUpload: [{ daysAfterInitiation: LOG_BUCKET_LIFECYCLE.abortIncompleteMultipartUploadDays }],
        },
      ],
      provider,
    });
    if (props.objectLock) {
      new S3BucketObjectLockConfigurationA(this, "object-lock", {
        bucket: this.bucket.id,
        rule: { defaultRetention: { mode: props.objectLock.mode, days: props.objectLock.days } },
        provider,
      });
    }
    this.policy = new S3BucketPolicy(this, "policy", {
      bucket: this.bucket.id,
      policy: policyDocument([
        {
          Sid: "DenyInsecureTransport",
          Effect: "Deny",
          Principal: "*",
          Action: "s3:*",
          Resource: [this.arn, `${this.arn}/*`],
          Condition: { Bool: { "aws:SecureTransport": "false" } },
        },
        ...(props.statements ?? []),
      ], this),
      provider,
    });
  }
}

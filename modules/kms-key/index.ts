/**
 * `HardenedKmsKey`: a customer-managed KMS key with rotation on, a key policy opened only to the services
 * named, and an alias.
 *
 * @module bulwark/kms-key
 */
import { TerraformProvider } from "cdktf";
import { Construct } from "constructs";
import { KmsAlias } from "@cdktf/provider-aws/lib/kms-alias";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { accountContext } from "../core/account";
import { BulwarkValidationError } from "../core/errors";
import { PolicyStatement, policyDocument } from "../core/policy";
import { checkInteger, checkPattern } from "../core/validate";

/**
 * AWS services a key can be opened to. Each adds the narrowest key-policy statement that
 * service documents for using a customer-managed key.
 */
export type KmsKeyService =
  /** EBS volumes launched by Auto Scaling (its service-linked role needs the key and grants). */
  | "autoscaling"
  /** CloudWatch Logs log groups in this region (scoped by the log-group encryption context). */
  | "cloudwatch-logs"
  /** CloudWatch alarms publishing to an SNS topic encrypted with this key. */
  | "cloudwatch-alarms"
  /** CloudTrail trails of this account (scoped by the trail encryption context). */
  | "cloudtrail"
  /** AWS Config delivering to an encrypted bucket or topic. */
  | "config"
  /** SNS topics encrypted with this key (service-to-service publishing). */
  | "sns";

/** Every `KmsKeyService`; `services` accepts only these. */
export const KMS_KEY_SERVICES: readonly KmsKeyService[] = [
  "autoscaling",
  "cloudwatch-logs",
  "cloudwatch-alarms",
  "cloudtrail",
  "config",
  "sns",
];

/** Props of `HardenedKmsKey`: its alias, who besides the account's IAM may use it, and how it is deleted. */
export interface HardenedKmsKeyProps {
  /**
   * Alias name without the `alias/` prefix, e.g. `dev/ebs`.
   * Letters, digits, `/`, `_`, `-`; must not start with `aws/` (reserved).
   */
  readonly alias: string;

  /** Key description shown in the KMS console. @default "bulwark customer-managed key <alias>" */
  readonly description?: string;

  /**
   * Services allowed to use the key beyond IAM principals of the account.
   * @default [] (only IAM policies of this account grant use)
   */
  readonly services?: KmsKeyService[];

  /**
   * Waiting period before a scheduled deletion completes, 7–30 days.
   * @default 30 — the longest window, so a mistaken deletion can be cancelled
   */
  readonly deletionWindowInDays?: number;

  /**
   * Adds `lifecycle { prevent_destroy = true }`: Terraform refuses any plan that destroys the key.
   * Reference production environments set it; tests that apply and destroy leave it off.
   * @default false
   */
  readonly preventDestroy?: boolean;

  /** Tags on the key (the alias takes none), beside the provider's default tags. @default {} */
  readonly tags?: Record<string, string>;

  /** Provider (alias) for a key in another region, e.g. a backup copy region. @default the stack's default */
  readonly provider?: TerraformProvider;
  /** Region of that provider, for the key policy's regional service principals. @default the account context's region */
  readonly region?: string;
}

/**
 * A customer-managed KMS key with rotation on (KMS.4 / CIS 3.6), a key policy that delegates
 * to the account's IAM and opens the key only to the services named, and an alias.
 */
export class HardenedKmsKey extends Construct {
  /** The `aws_kms_key` resource, for arguments not surfaced here. */
  public readonly key: KmsKey;
  /** The `aws_kms_alias` resource (`alias/<alias>`); its `name` is what humans and `resolve:` strings use. */
  public readonly alias: KmsAlias;
  /** Key ARN, for `kms_key_id` / `kms_master_key_id` arguments. */
  public readonly keyArn: string;
  /** Key id (the UUID), for APIs and arguments that take an id rather than an ARN. */
  public readonly keyId: string;

  constructor(scope: Construct, id: string, props: HardenedKmsKeyProps) {
    super(scope, id);
    checkPattern(this, "alias", props.alias, /^(?!aws\/)[A-Za-z0-9/_-]{1,250}$/, "a KMS alias name (letters, digits, / _ -, not starting with aws/)");
    checkInteger(this, "deletionWindowInDays", props.deletionWindowInDays, 7, 30);
    for (const service of props.services ?? []) {
      if (!KMS_KEY_SERVICES.includes(service)) {
        throw new BulwarkValidationError(this, "services", service, `must be one of ${KMS_KEY_SERVICES.join(", ")}`);
      }
    }

    const ctx = accountContext(this);
    const services = [...new Set(props.services ?? [])].sort();
    this.key = new KmsKey(this, "key", {
      description: props.description ?? `bulwark customer-managed key ${props.alias}`,
      enableKeyRotation: true,
      deletionWindowInDays: props.deletionWindowInDays ?? 30,
      policy: kmsKeyPolicy(ctx.partition, ctx.accountId, props.region ?? ctx.region, services),
      tags: props.tags,
      provider: props.provider,
      lifecycle: props.preventDestroy ? { preventDestroy: true } : undefined,
    });
    this.alias = new KmsAlias(this, "alias", {
      name: `alias/${props.alias}`,
      targetKeyId: this.key.keyId,
      provider: props.provider,
    });
    this.keyArn = this.key.arn;
    this.keyId = this.key.keyId;
  }
}

const USE_ACTIONS = ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"];

/** The key policy: account-root delegation plus one statement per service. */
export function kmsKeyPolicy(partition: string, accountId: string, region: string, services: KmsKeyService[]): string {
  const root = `arn:${partition}:iam::${accountId}:root`;
  const statements: PolicyStatement[] = [
    // Without this statement IAM policies in the account cannot grant use of the key and
    // the key can become unmanageable.
    { Sid: "AccountAdministersKeyThroughIam", Effect: "Allow", Principal: { AWS: root }, Action: "kms:*", Resource: "*" },
  ];
  for (const service of services) {
    switch (service) {
      case "autoscaling": {
        const role = `arn:${partition}:iam::${accountId}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling`;
        statements.push(
          { Sid: "AutoScalingUsesKeyForEbs", Effect: "Allow", Principal: { AWS: role }, Action: USE_ACTIONS, Resource: "*" },
          {
            Sid: "AutoScalingGrantsForEbs",
            Effect: "Allow",
            Principal: { AWS: role },
            Action: "kms:CreateGrant",
            Resource: "*",
            Condition: { Bool: { "kms:GrantIsForAWSResource": true } },
          },
        );
        break;
      }
      case "cloudwatch-logs":
        statements.push({
          Sid: "CloudWatchLogsEncryptsLogGroups",
          Effect: "Allow",
          Principal: { Service: `logs.${region}.amazonaws.com` },
          Action: USE_ACTIONS,
          Resource: "*",
          Condition: { ArnLike: { "kms:EncryptionContext:aws:logs:arn": `arn:${partition}:logs:${region}:${accountId}:log-group:*` } },
        });
        break;
      case "cloudwatch-alarms":
        statements.push({
          Sid: "CloudWatchAlarmsPublishToEncryptedTopics",
          Effect: "Allow",
          Principal: { Service: "cloudwatch.amazonaws.com" },
          Action: ["kms:Decrypt", "kms:GenerateDataKey*"],
          Resource: "*",
          Condition: { StringEquals: { "aws:SourceAccount": accountId } },
        });
        break;
      case "cloudtrail":
        statements.push(
          {
            Sid: "CloudTrailEncryptsLogs",
            Effect: "Allow",
            Principal: { Service: "cloudtrail.amazonaws.com" },
            Action: "kms:GenerateDataKey*",
            Resource: "*",
            Condition: {
              StringLike: { "kms:EncryptionContext:aws:cloudtrail:arn": `arn:${partition}:cloudtrail:*:${accountId}:trail/*` },
              StringEquals: { "aws:SourceAccount": accountId },
            },
          },
          {
            Sid: "CloudTrailDescribesKey",
            Effect: "Allow",
            Principal: { Service: "cloudtrail.amazonaws.com" },
            Action: "kms:DescribeKey",
            Resource: "*",
          },
        );
        break;
      case "config":
        statements.push({
          Sid: "ConfigDeliversEncrypted",
          Effect: "Allow",
          Principal: { Service: "config.amazonaws.com" },
          Action: ["kms:Decrypt", "kms:GenerateDataKey*"],
          Resource: "*",
          Condition: { StringEquals: { "aws:SourceAccount": accountId } },
        });
        break;
      case "sns":
        statements.push({
          Sid: "SnsUsesKeyForTopics",
          Effect: "Allow",
          Principal: { Service: "sns.amazonaws.com" },
          Action: ["kms:Decrypt", "kms:GenerateDataKey*"],
          Resource: "*",
          Condition: { StringEquals: { "aws:SourceAccount": accountId } },
        });
        break;
    }
  }
  return policyDocument(statements);
}

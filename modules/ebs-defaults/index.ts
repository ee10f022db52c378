/**
 * `EbsDefaults`: EBS encryption by default in the region, with a customer-managed default key.
 *
 * @module bulwark/ebs-defaults
 */
import { Construct } from "constructs";
import { EbsDefaultKmsKey } from "@cdktf/provider-aws/lib/ebs-default-kms-key";
import { EbsEncryptionByDefault } from "@cdktf/provider-aws/lib/ebs-encryption-by-default";
import { checkPattern, KMS_KEY_ARN_PATTERN } from "../core/validate";
import { HardenedKmsKey } from "../kms-key";

/** Props of `EbsDefaults`: which key becomes the region's default for new EBS volumes. */
export interface EbsDefaultsProps {
  /** Name prefix of the created key's alias (`<name>/ebs-default`); unused when `kmsKeyArn` is given. */
  readonly name: string;
  /**
   * Default key for new volumes. @default a new key open to Auto Scaling (its
   * service-linked role must use the default key, or launches fail)
   */
  readonly kmsKeyArn?: string;
  /** `prevent_destroy` on the created key, so no plan can schedule its deletion (volumes encrypted with it would become unreadable). @default false */
  readonly preventDestroy?: boolean;
  /** Tags on the created key. @default none */
  readonly tags?: Readonly<Record<string, string>>;
}

/** EBS encryption by default in the region with a customer-managed default key (EC2.7, CIS 5.1.1). */
export class EbsDefaults extends Construct {
  /** ARN of the region's default EBS key: the one given, or the created one. */
  public readonly kmsKeyArn: string;

  constructor(scope: Construct, id: string, props: EbsDefaultsProps) {
    super(scope, id);
    checkPattern(this, "kmsKeyArn", props.kmsKeyArn, KMS_KEY_ARN_PATTERN, "a KMS key ARN");
    this.kmsKeyArn =
      props.kmsKeyArn ??
      new HardenedKmsKey(this, "key", { alias: `${props.name}/ebs-default`, services: ["autoscaling"], preventDestroy: props.preventDestroy, tags: props.tags }).keyArn;
    new EbsEncryptionByDefault(this, "encryption", { enabled: true });
    new EbsDefaultKmsKey(this, "default-key", { keyArn: this.kmsKeyArn });
  }
}

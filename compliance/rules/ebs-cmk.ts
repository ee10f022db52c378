import { Rule } from "../model";
import { blocks, first, isSet, isTrue } from "./values";

export const ebsCmk: Rule = {
  id: "ebs-cmk",
  title: "Encrypted volumes use a customer-managed KMS key",
  severity: "warning",
  scope: "resource",
  controls: { checkov: ["CKV_AWS_189"], trivy: ["AVD-AWS-0027"] },
  rationale: "The AWS-managed aws/ebs key cannot be shared across accounts, its policy cannot be scoped, and its use cannot be revoked.",
  remediation: "Pass kms_key_id = <customer-managed key ARN> on each encrypted volume.",
  check: (ctx) => [
    ...ctx
      .ofType("aws_ebs_volume")
      .filter((r) => isTrue(r.values.encrypted) && !isSet(r.values.kms_key_id))
      .map((resource) => ({ resource, message: "volume is encrypted with the AWS-managed key" })),
    ...ctx.ofType("aws_launch_template").flatMap((resource) =>
      blocks(resource.values.block_device_mappings)
        .filter((m) => first(m.ebs) && isTrue(first(m.ebs)!.encrypted) && !isSet(first(m.ebs)!.kms_key_id))
        .map((m) => ({ resource, message: `block device ${m.device_name} is encrypted with the AWS-managed key` })),
    ),
  ],
  fixtures: {
    pass: { resource: { aws_ebs_volume: { a: { availability_zone: "eu-west-1a", size: 10, encrypted: true, kms_key_id: "${aws_kms_key.k.arn}" } } } },
    fail: { resource: { aws_ebs_volume: { a: { availability_zone: "eu-west-1a", size: 10, encrypted: true } } } },
  },
};

import { instanceSpecs, launchSpecs } from "../families/compute";
import { Rule, RuleFinding } from "../model";
import { bool, describe, isSet, isUnknown } from "../values";

/** The AWS-managed key named by its alias (`alias/aws/ebs`, or its ARN) is no customer-managed key. */
function keyVerdict(value: unknown): boolean | ReturnType<typeof isSet> {
  if (typeof value === "string" && /(^|:)alias\/aws\//.test(value)) return false;
  return isSet(value);
}

export const ebsCmk: Rule = {
  id: "ebs-cmk",
  title: "Encrypted volumes use a customer-managed KMS key",
  severity: "warning",
  scope: "resource",
  controls: { checkov: ["CKV_AWS_189"], trivy: ["AVD-AWS-0027"] },
  rationale: "The AWS-managed aws/ebs key cannot be shared across accounts, its policy cannot be scoped, and its use cannot be revoked.",
  remediation: "Pass kms_key_id = <customer-managed key ARN> on each encrypted volume and block device.",
  check: (ctx) => {
    const out: RuleFinding[] = [];
    for (const resource of ctx.ofType("aws_ebs_volume")) {
      if (bool(resource.values.encrypted) === true && keyVerdict(resource.values.kms_key_id) === false) out.push({ resource, message: "volume is encrypted with the AWS-managed key" });
    }
    for (const spec of [...instanceSpecs(ctx), ...launchSpecs(ctx).filter((s) => s.kind === "launch template")]) {
      if (isUnknown(spec.devices)) continue;
      for (const d of spec.devices) {
        if (d.encrypted !== true) continue;
        const key = keyVerdict(d.kmsKey);
        const subject = `block device ${d.name}`;
        if (key === false) out.push({ resource: spec.resource, subject, message: `${subject} is encrypted with the AWS-managed key` });
        else if (isUnknown(key)) out.push({ resource: spec.resource, subject, message: `${subject}: kms_key_id is ${describe(key)}; the plan does not say whether the configuration sets it`, unverifiable: key });
      }
    }
    return out;
  },
  fixtures: {
    pass: { resource: { aws_ebs_volume: { a: { availability_zone: "eu-west-1a", size: 10, encrypted: true, kms_key_id: "${aws_kms_key.k.arn}" } } } },
    fail: { resource: { aws_ebs_volume: { a: { availability_zone: "eu-west-1a", size: 10, encrypted: true } } } },
  },
};

import { Rule } from "../model";
import { bool, isUnknown } from "../values";

export const ebsDefaultEncryption: Rule = {
  id: "ebs-default-encryption",
  title: "EBS encryption by default is on in the region",
  severity: "error",
  scope: "account",
  controls: { securityHub: ["EC2.7"], cis: ["5.1.1"], checkov: ["CKV_AWS_106"] },
  rationale: "With default encryption on, every new volume and snapshot copy is encrypted even when a template or console user forgets.",
  remediation: "Add aws_ebs_encryption_by_default { enabled = true } (modules/ebs-defaults) with a customer-managed default key.",
  check: (ctx) => {
    const settings = ctx.ofType("aws_ebs_encryption_by_default").map((r) => (r.values.enabled === undefined ? true : bool(r.values.enabled)));
    if (settings.includes(true)) return [];
    if (settings.some(isUnknown)) return [{ message: "aws_ebs_encryption_by_default's enabled is not known until apply", unverifiable: true }];
    return [{ message: "no aws_ebs_encryption_by_default with enabled = true in the stacks of this account and region" }];
  },
  fixtures: {
    pass: { resource: { aws_ebs_encryption_by_default: { a: { enabled: true } } } },
    fail: { resource: { aws_ebs_encryption_by_default: { a: { enabled: false } } } },
  },
};

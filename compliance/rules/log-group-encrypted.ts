import { Rule, RuleFinding } from "../model";
import { describe, isUnknown, num } from "../values";
import { mustBeSet } from "../verdict";

export const logGroupEncrypted: Rule = {
  id: "log-group-encrypted",
  title: "Log groups are KMS-encrypted and kept at least a year",
  severity: "error",
  scope: "resource",
  controls: { checkov: ["CKV_AWS_158", "CKV_AWS_338"], trivy: ["AVD-AWS-0017"] },
  rationale: "Logs carry hostnames, users and sometimes secrets; investigations reach back months.",
  remediation: "Set kms_key_id (a key open to logs.<region>.amazonaws.com) and retention_in_days ≥ 365 (or 0: never expire).",
  check: (ctx) =>
    ctx.ofType("aws_cloudwatch_log_group").flatMap((resource) => {
      const out: RuleFinding[] = mustBeSet(resource, resource.values.kms_key_id, "log group is not KMS-encrypted", "kms_key_id").map((f) => ({ ...f, subject: "encryption" }));
      const days = num(resource.values.retention_in_days);
      if (isUnknown(days) && days.set !== false) out.push({ resource, subject: "retention", message: `retention_in_days is ${describe(days)}`, unverifiable: days });
      else if (typeof days === "number" && days > 0 && days < 365) out.push({ resource, subject: "retention", message: `log group keeps logs ${days} days (less than a year)` });
      return out;
    }),
  fixtures: {
    pass: { resource: { aws_cloudwatch_log_group: { g: { name: "g", kms_key_id: "${aws_kms_key.k.arn}", retention_in_days: 365 } } } },
    fail: { resource: { aws_cloudwatch_log_group: { g: { name: "g", retention_in_days: 30 } } } },
  },
};

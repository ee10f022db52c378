import { Rule } from "../model";
import { mustBeSet } from "../verdict";

export const cloudtrailEncrypted: Rule = {
  id: "cloudtrail-encrypted",
  title: "CloudTrail logs are encrypted with a customer-managed KMS key",
  severity: "error",
  scope: "resource",
  controls: { securityHub: ["CloudTrail.2"], cis: ["3.5"], checkov: ["CKV_AWS_35"], trivy: ["AVD-AWS-0015"] },
  rationale: "SSE-KMS with your key adds an access control on reading trail logs and an audit record of every decryption.",
  remediation: "Set kms_key_id on the trail to a key whose policy lets CloudTrail encrypt (HardenedKmsKey services: [\"cloudtrail\"]).",
  check: (ctx) => ctx.ofType("aws_cloudtrail").flatMap((t) => mustBeSet(t, t.values.kms_key_id, "trail logs are not KMS-encrypted", "kms_key_id")),
  fixtures: {
    pass: { resource: { aws_cloudtrail: { a: { name: "t", s3_bucket_name: "b", kms_key_id: "${aws_kms_key.k.arn}" } } } },
    fail: { resource: { aws_cloudtrail: { a: { name: "t", s3_bucket_name: "b" } } } },
  },
};

import { Rule } from "../model";
import { mustBeSet } from "../verdict";

export const snsEncrypted: Rule = {
  id: "sns-encrypted",
  title: "SNS topics are encrypted",
  severity: "error",
  scope: "resource",
  controls: { securityHub: ["SNS.1"], checkov: ["CKV_AWS_26"], trivy: ["AVD-AWS-0095"] },
  rationale: "Alarm and notification messages describe your systems; encrypt them at rest with a key you control.",
  remediation: "Set kms_master_key_id to a customer-managed key whose policy lets the publishers (CloudWatch) use it.",
  check: (ctx) => ctx.ofType("aws_sns_topic").flatMap((t) => mustBeSet(t, t.values.kms_master_key_id, "topic is not encrypted", "kms_master_key_id")),
  fixtures: {
    pass: { resource: { aws_sns_topic: { t: { name: "t", kms_master_key_id: "${aws_kms_key.k.arn}" } } } },
    fail: { resource: { aws_sns_topic: { t: { name: "t" } } } },
  },
};

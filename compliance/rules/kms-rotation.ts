import { Rule } from "../model";
import { isTrue } from "./values";

export const kmsRotation: Rule = {
  id: "kms-rotation",
  title: "Customer-managed KMS keys rotate",
  severity: "error",
  scope: "resource",
  controls: { securityHub: ["KMS.4"], cis: ["3.6"], checkov: ["CKV_AWS_7"], trivy: ["AVD-AWS-0065"] },
  rationale: "Rotation limits how much data one key version protects and how long a leaked version is useful.",
  remediation: "Set enable_key_rotation = true (HardenedKmsKey always does).",
  check: (ctx) =>
    ctx
      .ofType("aws_kms_key")
      .filter((k) => (k.values.customer_master_key_spec ?? "SYMMETRIC_DEFAULT") === "SYMMETRIC_DEFAULT" && !isTrue(k.values.enable_key_rotation))
      .map((resource) => ({ resource, message: "key rotation is off" })),
  fixtures: {
    pass: { resource: { aws_kms_key: { k: { enable_key_rotation: true } } } },
    fail: { resource: { aws_kms_key: { k: { description: "no rotation" } } } },
  },
};

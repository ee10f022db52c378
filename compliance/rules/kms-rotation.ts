import { Rule } from "../model";
import { mustBeTrue } from "../verdict";
import { describe, isUnknown } from "../values";

export const kmsRotation: Rule = {
  id: "kms-rotation",
  title: "Customer-managed KMS keys rotate",
  severity: "error",
  scope: "resource",
  controls: { securityHub: ["KMS.4"], cis: ["3.6"], checkov: ["CKV_AWS_7"], trivy: ["AVD-AWS-0065"] },
  rationale: "Rotation limits how much data one key version protects and how long a leaked version is useful.",
  remediation: "Set enable_key_rotation = true (HardenedKmsKey always does).",
  check: (ctx) =>
    ctx.ofType("aws_kms_key").flatMap((k) => {
      const spec = k.values.customer_master_key_spec;
      // Only symmetric keys rotate; an unknown spec leaves the question open.
      if (spec !== undefined && spec !== null && spec !== "SYMMETRIC_DEFAULT" && !(isUnknown(spec) && spec.set !== false)) return [];
      const found = mustBeTrue(k, k.values.enable_key_rotation, "key rotation is off", "enable_key_rotation");
      return isUnknown(spec) && spec.set !== false && found.length ? [{ ...found[0], unverifiable: spec, message: `${found[0].message} (key spec ${describe(spec)})` }] : found;
    }),
  fixtures: {
    pass: { resource: { aws_kms_key: { k: { enable_key_rotation: true } } } },
    fail: { resource: { aws_kms_key: { k: { description: "no rotation" } } } },
  },
};

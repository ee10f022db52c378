import { Rule } from "../model";
import { mustBeSet } from "../verdict";

export const backupVaultCmk: Rule = {
  id: "backup-vault-cmk",
  title: "Backup vaults are encrypted with a customer-managed key",
  severity: "error",
  scope: "resource",
  controls: { checkov: ["CKV_AWS_166"] },
  rationale: "A key you control decides who can restore; the default key does not.",
  remediation: "Set kms_key_arn on aws_backup_vault.",
  check: (ctx) => ctx.ofType("aws_backup_vault").flatMap((v) => mustBeSet(v, v.values.kms_key_arn, "vault uses the AWS-managed key", "kms_key_arn")),
  fixtures: {
    pass: { resource: { aws_backup_vault: { v: { name: "v", kms_key_arn: "${aws_kms_key.k.arn}" } } } },
    fail: { resource: { aws_backup_vault: { v: { name: "v" } } } },
  },
};

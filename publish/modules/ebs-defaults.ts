import { ACCOUNT_ID_VARIABLE, kmsKeyModuleCall, kmsKeyVariables, ModuleSpec, preventDestroyNote } from "../spec";

export const ebsDefaultsModule: ModuleSpec = {
  name: "ebs-defaults",
  title: "ebs-defaults: EBS encryption by default with a customer-managed key",
  summary:
    "Turns on EBS encryption by default in the region and sets a customer-managed default key, so every new volume and snapshot copy is encrypted even when a template forgets. The created key is open to Auto Scaling's service-linked role, which must use the default key or launches fail.",
  secureDefaults: ["Encryption by default on (EC2.7, CIS 5.1.1).", "Customer-managed default key with rotation, created unless `create_kms_key = false`.", preventDestroyNote("the default key")],
  controls: ["EC2.7", "CIS 5.1.1", "CKV_AWS_106"],
  variables: [
    ACCOUNT_ID_VARIABLE,
    { name: "name", type: "string", description: "Name prefix of the key alias.", validations: [{ condition: 'can(regex("^[A-Za-z][A-Za-z0-9-]{0,40}$", var.name))', message: "name must be a letter, then letters, digits or hyphens." }] },
    ...kmsKeyVariables("used as the region's default EBS key"),
    { name: "tags", type: "map(string)", description: "Tags.", default: "{}" },
  ],
  outputs: [{ name: "kms_key_arn", value: "aws_ebs_default_kms_key.this.key_arn", description: "The region's default EBS key." }],
  uses: ["kms-key"],
  main: `
${kmsKeyModuleCall("${var.name}/ebs-default", ["autoscaling"])}

resource "aws_ebs_encryption_by_default" "this" {
  enabled = true
}

resource "aws_ebs_default_kms_key" "this" {
  key_arn = var.create_kms_key ? module.kms_key[0].key_arn : var.kms_key_arn

  lifecycle {
    precondition {
      condition     = var.create_kms_key || var.kms_key_arn != null
      error_message = "Set kms_key_arn when create_kms_key is false."
    }
  }
}
`,
  example: `
module "ebs_defaults" {
  source = "../.."

  name = "prod"
}
`,
  tests: {
    "ebs_defaults.tftest.hcl": `
mock_provider "aws" {
  source = "./tests/mocks"
}

variables {
  name       = "test"
  account_id = "111111111111"
}

run "encryption_by_default_with_a_managed_key" {
  command = apply

  assert {
    condition     = aws_ebs_encryption_by_default.this.enabled
    error_message = "encryption by default must be on"
  }
  assert {
    condition     = aws_ebs_default_kms_key.this.key_arn == module.kms_key[0].key_arn
    error_message = "the default key is the created customer-managed key"
  }
}

run "needs_a_key_when_not_creating_one" {
  command = plan
  variables {
    create_kms_key = false
  }
  expect_failures = [aws_ebs_default_kms_key.this]
}

run "rejects_a_malformed_key" {
  command = plan
  variables {
    create_kms_key = false
    kms_key_arn    = "key/abc"
  }
  expect_failures = [var.kms_key_arn]
}
`,
  },
};

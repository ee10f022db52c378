import { Rule } from "../model";
import { blocks, isTrue } from "./values";

export const ebsEncrypted: Rule = {
  id: "ebs-encrypted",
  title: "Attached EBS volumes are encrypted",
  severity: "error",
  scope: "resource",
  controls: { securityHub: ["EC2.3"], checkov: ["CKV_AWS_3", "CKV_AWS_8"], trivy: ["AVD-AWS-0026", "AVD-AWS-0131"] },
  rationale: "Unencrypted volumes and their snapshots expose data to anyone who can copy or share them.",
  remediation: "Set encrypted = true (with kms_key_id) on aws_ebs_volume and on every root/ebs block device of aws_instance.",
  check: (ctx) => [
    ...ctx
      .ofType("aws_ebs_volume")
      .filter((r) => !isTrue(r.values.encrypted))
      .map((resource) => ({ resource, message: "EBS volume is not encrypted" })),
    ...ctx.ofType("aws_instance").flatMap((resource) =>
      [...blocks(resource.values.root_block_device).map((b) => ["root", b] as const), ...blocks(resource.values.ebs_block_device).map((b) => [b.device_name, b] as const)]
        .filter(([, b]) => !isTrue(b.encrypted))
        .map(([name]) => ({ resource, message: `block device ${name} is not encrypted` })),
    ),
  ],
  fixtures: {
    pass: { resource: { aws_ebs_volume: { a: { availability_zone: "eu-west-1a", size: 10, encrypted: true } } } },
    fail: { resource: { aws_ebs_volume: { a: { availability_zone: "eu-west-1a", size: 10 } } } },
  },
};

import { Rule } from "../model";
import { blocks, first, isTrue } from "./values";

export const ltEbsEncrypted: Rule = {
  id: "lt-ebs-encrypted",
  title: "Launch template EBS volumes are encrypted",
  severity: "error",
  scope: "resource",
  controls: { securityHub: ["EC2.181"] },
  rationale: "Volumes a launch template defines are created unencrypted unless the mapping says encrypted (or the region default is on). Common scanners do not check launch templates.",
  remediation: "Set ebs { encrypted = \"true\", kms_key_id = <customer-managed key> } on every block_device_mappings entry.",
  check: (ctx) =>
    ctx.ofType("aws_launch_template").flatMap((resource) =>
      blocks(resource.values.block_device_mappings)
        .filter((m) => first(m.ebs) && !isTrue(first(m.ebs)!.encrypted) && !first(m.ebs)!.snapshot_id)
        .map((m) => ({ resource, message: `block device ${m.device_name ?? "(unnamed)"} is not encrypted` })),
    ),
  fixtures: {
    pass: { resource: { aws_launch_template: { a: { block_device_mappings: [{ device_name: "/dev/xvda", ebs: { encrypted: "true", kms_key_id: "arn:aws:kms:eu-west-1:111111111111:key/x" } }] } } } },
    fail: { resource: { aws_launch_template: { a: { block_device_mappings: [{ device_name: "/dev/xvda", ebs: { volume_size: 20 } }] } } } },
  },
};

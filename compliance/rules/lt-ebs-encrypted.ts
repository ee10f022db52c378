import { launchSpecs } from "../families/compute";
import { Rule, RuleFinding } from "../model";
import { describe, isSet, isUnknown } from "../values";

export const ltEbsEncrypted: Rule = {
  id: "lt-ebs-encrypted",
  title: "Launch template EBS volumes are encrypted",
  severity: "error",
  scope: "resource",
  controls: { securityHub: ["EC2.181"] },
  rationale:
    "Volumes a launch template (or launch configuration) defines are created unencrypted unless the mapping says encrypted (or the region default is on). Common scanners do not check launch templates.",
  remediation: "Set ebs { encrypted = \"true\", kms_key_id = <customer-managed key> } on every block_device_mappings entry.",
  check: (ctx) =>
    launchSpecs(ctx).flatMap((spec): RuleFinding[] => {
      const resource = spec.resource;
      if (isUnknown(spec.devices)) return [{ resource, message: `block device mappings are ${describe(spec.devices)}`, unverifiable: spec.devices }];
      return spec.devices.flatMap((d): RuleFinding[] => {
        if (d.encrypted === true || d.implicit || (d.encrypted === undefined && isSet(d.snapshot) === true)) return [];
        const subject = `block device ${d.name}`;
        if (isUnknown(d.encrypted)) return [{ resource, subject, message: `${subject}: encrypted is ${describe(d.encrypted)}`, unverifiable: d.encrypted }];
        return [{ resource, subject, message: `${subject} is not encrypted` }];
      });
    }),
  fixtures: {
    pass: { resource: { aws_launch_template: { a: { block_device_mappings: [{ device_name: "/dev/xvda", ebs: { encrypted: "true", kms_key_id: "arn:aws:kms:eu-west-1:111111111111:key/x" } }] } } } },
    fail: { resource: { aws_launch_template: { a: { block_device_mappings: [{ device_name: "/dev/xvda", ebs: { volume_size: 20 } }] } } } },
  },
};

import { instanceSpecs } from "../families/compute";
import { Rule, RuleContext, RuleFinding } from "../model";
import { bool, describe, isSet, isUnknown } from "../values";

/** Is EBS encryption by default switched on by this same input (account state it sets)? */
export function defaultEncryptionOn(ctx: RuleContext): boolean {
  return ctx.ofType("aws_ebs_encryption_by_default").some((r) => r.values.enabled === undefined || bool(r.values.enabled) === true);
}

export const ebsEncrypted: Rule = {
  id: "ebs-encrypted",
  title: "Attached EBS volumes are encrypted",
  severity: "error",
  scope: "resource",
  controls: { securityHub: ["EC2.3"], checkov: ["CKV_AWS_3", "CKV_AWS_8"], trivy: ["AVD-AWS-0026", "AVD-AWS-0131"] },
  rationale:
    "Unencrypted volumes and their snapshots expose data to anyone who can copy or share them. A root volume the configuration does not describe is encrypted only if the AMI's snapshot or the account default is: that is reported as unverifiable unless this input turns the default on.",
  remediation: "Set encrypted = true (with kms_key_id) on aws_ebs_volume and on every root/ebs block device of aws_instance, or turn on EBS encryption by default (modules/ebs-defaults).",
  check: (ctx) => {
    const out: RuleFinding[] = [];
    for (const resource of ctx.ofType("aws_ebs_volume")) {
      const given = bool(resource.values.encrypted);
      // Not set by the configuration: the provider reports AWS's choice (unencrypted unless the default says otherwise).
      const enc = isUnknown(given) && given.set === false ? undefined : given;
      if (enc === true) continue;
      if (isUnknown(enc)) out.push({ resource, message: `encrypted is ${describe(enc)}`, unverifiable: enc });
      else if (isSet(resource.values.snapshot_id) === true && !defaultEncryptionOn(ctx)) out.push({ resource, message: "volume from a snapshot without encrypted = true: encrypted only if the snapshot is", unverifiable: true });
      else if (!defaultEncryptionOn(ctx)) out.push({ resource, message: "EBS volume is not encrypted" });
    }
    for (const spec of instanceSpecs(ctx)) {
      const resource = spec.resource;
      for (const d of spec.devices) {
        if (d.encrypted === true) continue;
        const subject = `block device ${d.name}`;
        if (isUnknown(d.encrypted)) out.push({ resource, subject, message: `${subject}: encrypted is ${describe(d.encrypted)}`, unverifiable: d.encrypted });
        else if (d.implicit && d.encrypted === undefined) {
          if (defaultEncryptionOn(ctx)) continue;
          const template = spec.template;
          if (template && !isUnknown(template) && !isUnknown(template.devices) && template.devices.length > 0 && template.devices.every((t) => t.encrypted === true)) continue;
          out.push({ resource, subject, message: `${d.name === "root" ? "root volume" : subject} is not described: it is encrypted only if the AMI's snapshot or the account's default encryption is`, unverifiable: true });
        } else if (d.encrypted === undefined && isSet(d.snapshot) === true) {
          out.push({ resource, subject, message: `${subject} comes from a snapshot without encrypted = true: encrypted only if the snapshot is`, unverifiable: true });
        } else out.push({ resource, subject, message: `${subject} is not encrypted` });
      }
    }
    return out;
  },
  fixtures: {
    pass: { resource: { aws_ebs_volume: { a: { availability_zone: "eu-west-1a", size: 10, encrypted: true } } } },
    fail: { resource: { aws_ebs_volume: { a: { availability_zone: "eu-west-1a", size: 10 } } } },
  },
};

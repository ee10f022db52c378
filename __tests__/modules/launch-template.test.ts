import { Fn, TerraformVariable } from "cdktf";
import { BulwarkValidationError } from "../../modules/core/errors";
import { HardenedLaunchTemplate, HardenedLaunchTemplateProps } from "../../modules/launch-template";
import { addresses, resourcesOf, synthJson, synthStack, testStack } from "../support/synth";

const KEY = "arn:aws:kms:eu-west-1:111111111111:key/0b7c7a10-5a54-4f1c-9a9b-5f0b6c2d1e3f";
const base: HardenedLaunchTemplateProps = {
  name: "app",
  image: { amiId: "ami-0123456789abcdef0" },
  instanceType: "t3.micro",
  securityGroupIds: ["sg-0123456789abcdef0"],
  kmsKeyArn: KEY,
};

function lt(props: Partial<HardenedLaunchTemplateProps> = {}) {
  const json = synthJson((s) => new HardenedLaunchTemplate(s, "app", { ...base, ...props }));
  return { json, template: resourcesOf(json, "aws_launch_template").app_template };
}

function userDataOf(template: Record<string, any>): string {
  return Buffer.from(template.user_data as string, "base64").toString("utf8");
}

describe("HardenedLaunchTemplate defaults", () => {
  const { json, template } = lt();

  it("requires IMDSv2 with hop limit 1 and metadata tags off", () => {
    expect(template.metadata_options).toEqual({
      http_endpoint: "enabled",
      http_tokens: "required",
      http_put_response_hop_limit: 1,
      http_protocol_ipv6: "disabled",
      instance_metadata_tags: "disabled",
    });
  });

  it("encrypts the root volume with the given key, gp3, deleted on termination", () => {
    expect(template.block_device_mappings).toEqual([
      { device_name: "/dev/xvda", ebs: { volume_type: "gp3", volume_size: 20, encrypted: "true", kms_key_id: KEY, delete_on_termination: "true" } },
    ]);
  });

  it("has no public IP, monitoring on, EBS-optimized, and tags instances, volumes and interfaces", () => {
    expect(template.network_interfaces).toEqual([
      { device_index: 0, associate_public_ip_address: "false", delete_on_termination: "true", security_groups: ["sg-0123456789abcdef0"] },
    ]);
    expect(template.vpc_security_group_ids).toBeUndefined();
    expect(template.monitoring).toEqual({ enabled: true });
    expect(template.ebs_optimized).toBe("true");
    expect(template.update_default_version).toBe(true);
    expect(template.tag_specifications.map((t: { resource_type: string }) => t.resource_type)).toEqual(["instance", "volume", "network-interface"]);
  });

  it("gives the instance a role with exactly the SSM and CloudWatch agent policies", () => {
    const attachments = Object.values(resourcesOf(json, "aws_iam_role_policy_attachment")).map((a) => a.policy_arn).sort();
    expect(attachments).toEqual(["arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore", "arn:aws:iam::aws:policy/CloudWatchAgentServerPolicy"]);
    const role = resourcesOf(json, "aws_iam_role").app_role;
    expect(JSON.parse(role.assume_role_policy).Statement).toEqual([
      { Sid: "AssumeByService", Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" },
    ]);
    expect(template.iam_instance_profile).toEqual({ arn: "${aws_iam_instance_profile.app_instance-profile.arn}" });
  });

  it("creates KMS-encrypted host log groups kept for a year", () => {
    const groups = Object.values(resourcesOf(json, "aws_cloudwatch_log_group"));
    expect(groups.map((g) => g.name).sort()).toEqual(["/bulwark/app/auth", "/bulwark/app/cloud-init", "/bulwark/app/system"]);
    for (const g of groups) {
      expect(g.kms_key_id).toBe(KEY);
      expect(g.retention_in_days).toBe(365);
    }
  });

  it("ships hardening cloud-init as base64 user data", () => {
    const text = userDataOf(template);
    expect(text).toMatch(/^#cloud-config\n/);
    expect(text).toContain("PermitRootLogin no");
    expect(text).toContain("/bulwark/app/auth");
  });

  it("uses readable, name-derived addresses", () => {
    expect(addresses(json)).toEqual([
      "aws_cloudwatch_log_group.app_log-auth",
      "aws_cloudwatch_log_group.app_log-cloud-init",
      "aws_cloudwatch_log_group.app_log-system",
      "aws_iam_instance_profile.app_instance-profile",
      "aws_iam_role.app_role",
      "aws_iam_role_policy_attachment.app_policy-cloudwatch-agent",
      "aws_iam_role_policy_attachment.app_policy-ssm",
      "aws_launch_template.app_template",
    ]);
  });
});

describe("HardenedLaunchTemplate options", () => {
  it("creates its own rotating key open to Auto Scaling and CloudWatch Logs when none is passed", () => {
    const { json, template } = lt({ kmsKeyArn: undefined });
    const key = resourcesOf(json, "aws_kms_key").app_kms_key;
    expect(key.enable_key_rotation).toBe(true);
    const sids = JSON.parse(key.policy).Statement.map((s: { Sid: string }) => s.Sid);
    expect(sids).toEqual(expect.arrayContaining(["AutoScalingUsesKeyForEbs", "CloudWatchLogsEncryptsLogGroups"]));
    expect(template.block_device_mappings[0].ebs.kms_key_id).toBe("${aws_kms_key.app_kms_key.arn}");
  });

  it("raises the hop limit for containers only with a reason, and records the suppression", () => {
    const { template } = lt({ containerMetadataAccess: { reason: "ECS tasks read task credentials" } });
    expect(template.metadata_options.http_put_response_hop_limit).toBe(2);
    expect(template["//"].bulwark.suppressions).toEqual([{ ruleId: "ec2-imds-hop-limit", reason: "ECS tasks read task credentials" }]);
  });

  it("keeps data volumes in device order whatever the key order, all encrypted", () => {
    const a = lt({ dataVolumes: { logs: { deviceName: "/dev/xvdg", sizeGiB: 50 }, data: { deviceName: "/dev/xvdf", sizeGiB: 100, volumeType: "io2", iops: 4000 } } });
    const b = lt({ dataVolumes: { data: { deviceName: "/dev/xvdf", sizeGiB: 100, volumeType: "io2", iops: 4000 }, logs: { deviceName: "/dev/xvdg", sizeGiB: 50 } } });
    expect(a.template.block_device_mappings).toEqual(b.template.block_device_mappings);
    expect(a.template.block_device_mappings.map((m: { device_name: string }) => m.device_name)).toEqual(["/dev/xvda", "/dev/xvdf", "/dev/xvdg"]);
    for (const m of a.template.block_device_mappings) expect(m.ebs).toMatchObject({ encrypted: "true", kms_key_id: KEY });
  });

  it("resolves the AMI from an SSM public parameter at launch, with no lookup at synth", () => {
    const { json, template } = lt({ image: { ssmParameter: "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64" } });
    expect(template.image_id).toBe("resolve:ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64");
    expect(json.data).toBeUndefined();
  });

  it("uses Ubuntu's root device and recipe", () => {
    const { template } = lt({ os: "ubuntu" });
    expect(template.block_device_mappings[0].device_name).toBe("/dev/sda1");
    expect(userDataOf(template)).toContain("unattended-upgrades");
  });

  it("attaches extra policies by name, a permissions boundary and dedicated tenancy", () => {
    const { json, template } = lt({
      extraManagedPolicyArns: { "read-config": "arn:aws:iam::111111111111:policy/read-config" },
      permissionsBoundaryArn: "arn:aws:iam::111111111111:policy/boundary",
      dedicatedTenancy: true,
    });
    expect(resourcesOf(json, "aws_iam_role_policy_attachment")["app_policy-read-config"].policy_arn).toBe("arn:aws:iam::111111111111:policy/read-config");
    expect(resourcesOf(json, "aws_iam_role").app_role.permissions_boundary).toBe("arn:aws:iam::111111111111:policy/boundary");
    expect(template.placement).toEqual({ tenancy: "dedicated" });
  });

  it("passes Terraform references through untouched and templates user data around them", () => {
    const stack = testStack();
    const ami = new TerraformVariable(stack, "ami", { type: "string" });
    const size = new TerraformVariable(stack, "size", { type: "number" });
    new HardenedLaunchTemplate(stack, "app", {
      ...base,
      image: { amiId: ami.stringValue },
      rootVolume: { sizeGiB: size.numberValue },
      userData: { extraParts: [{ contentType: "text/x-shellscript", content: `#!/bin/sh\necho ${ami.stringValue}` }] },
    });
    const json = synthStack(stack) as any;
    const template = json.resource.aws_launch_template.app_template;
    expect(template.image_id).toBe("${var.ami}");
    expect(template.block_device_mappings[0].ebs.volume_size).toBe("${var.size}");
    expect(template.user_data).toBe("${base64encode(local.app_user-data)}");
    const text = json.locals["app_user-data"];
    // bulwark's own `${aws:InstanceId}` placeholders are escaped so Terraform leaves them alone.
    expect(text).toContain("$${aws:InstanceId}");
    expect(text).toContain("echo ${var.ami}");
  });
});

describe("HardenedLaunchTemplate bad input", () => {
  const cases: [string, Partial<HardenedLaunchTemplateProps>, RegExp][] = [
    ["AMI id", { image: { amiId: "ami-123" } }, /test\/app: image.amiId "ami-123" is not an AMI id/],
    ["hop limit 0", { containerMetadataAccess: { reason: "containers on host", hopLimit: 0 } }, /containerMetadataAccess.hopLimit 0 must be a whole number between 2 and 64/],
    ["hop limit 65", { containerMetadataAccess: { reason: "containers on host", hopLimit: 65 } }, /containerMetadataAccess.hopLimit 65/],
    ["weakening without a reason", { containerMetadataAccess: {} as never }, /containerMetadataAccess.reason undefined must say why/],
    ["volume size 0", { rootVolume: { sizeGiB: 0 } }, /rootVolume.sizeGiB 0 must be a whole number between 1 and 16384 for gp3/],
    ["unknown volume type", { rootVolume: { volumeType: "gp9" as never } }, /rootVolume.volumeType "gp9" must be one of gp3/],
    ["iops on gp2", { rootVolume: { volumeType: "gp2", iops: 3000 } }, /rootVolume.iops 3000 cannot be set for gp2/],
    ["io1 over 50 IOPS/GiB", { rootVolume: { volumeType: "io1", sizeGiB: 10, iops: 1000 } }, /exceeds 50 IOPS per GiB/],
    ["malformed KMS ARN", { kmsKeyArn: "arn:aws:kms:eu-west-1:123:key/x" }, /kmsKeyArn "arn:aws:kms:eu-west-1:123:key\/x" is not a KMS key ARN/],
    ["no security group", { securityGroupIds: [] }, /securityGroupIds \[\] must name at least one security group/],
    ["bad instance type", { instanceType: "large" }, /instanceType "large" is not an EC2 instance type/],
    ["duplicate device", { dataVolumes: { a: { deviceName: "/dev/xvda", sizeGiB: 10 } } }, /dataVolumes.a.deviceName "\/dev\/xvda" is used by another volume/],
    ["short retention", { logRetentionDays: 30 }, /logRetentionDays 30 must be one of 365/],
    [
      "a secret in user data",
      { userData: { extraParts: [{ contentType: "text/x-shellscript", content: "export AWS_ACCESS_KEY_ID=AKIAABCDEFGHIJKLMNOP" }] } },
      /userData "AKIA…\(redacted\)" looks like it contains an AWS access key id/,
    ],
    [
      "oversize user data",
      { userData: { extraParts: [{ contentType: "text/x-shellscript", content: "#".repeat(20000) }] } },
      /userData "2\d{4} bytes" exceeds the EC2 limit of 16384 bytes/,
    ],
    ["bad firewall CIDR", { userData: { firewallAllow: { web: { port: 443, sources: ["10.0.0.0/33"] } } } }, /userData.firewallAllow.web.sources "10.0.0.0\/33" is not a valid/],
  ];

  it.each(cases)("%s", (_what, props, message) => {
    let error: unknown;
    try {
      lt(props);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(BulwarkValidationError);
    expect((error as Error).message).toMatch(message);
  });

  it("does not leak the secret itself into the message", () => {
    expect(() => lt({ userData: { extraParts: [{ contentType: "text/x-shellscript", content: "AKIAABCDEFGHIJKLMNOP" }] } })).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining("AKIAABCDEFGHIJKLMNOP") }),
    );
  });

  it("leaves a token-valued AMI to Terraform", () => {
    expect(() => lt({ image: { amiId: Fn.lookup({}, "ami", "ami-x") } })).not.toThrow();
  });
});

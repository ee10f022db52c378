import { Testing } from "cdktf";
import { SnsTopic } from "@cdktf/provider-aws/lib/sns-topic";
import { DataAwsSnsTopic } from "@cdktf/provider-aws/lib/data-aws-sns-topic";
import { BulwarkValidationError } from "../../modules/core/errors";
import { NetworkAclTier } from "../../modules/network-acl";
import { accountContext } from "../../modules/core/account";
import { BulwarkStack, logicalIdFromPath, unquoteReferences } from "../../modules/core/stack";

describe("BulwarkStack", () => {
  it("hands the gate's resolution to the writer once, and resolves again when the tree changed", () => {
    const stack = new BulwarkStack(Testing.app(), "s");
    new SnsTopic(stack, "a", { name: "a" });
    const first = stack.toTerraformForSynth();
    expect(stack.toTerraform()).toBe(first);
    // One-shot: a later call resolves afresh.
    expect(stack.toTerraform()).not.toBe(first);
    stack.toTerraformForSynth();
    new SnsTopic(stack, "b", { name: "b" });
    expect(Object.keys((stack.toTerraform() as any).resource.aws_sns_topic).sort()).toEqual(["a", "b"]);
  });

  it("refuses two construct paths that make one address, naming both (web.acl and web-acl would share one ACL)", () => {
    const stack = new BulwarkStack(Testing.app(), "s");
    const acl = (id: string, subnet: string) =>
      new NetworkAclTier(stack, id, { name: "web", vpcId: "vpc-0123456789abcdef0", subnetIds: { a: subnet }, rules: { "https-in": { direction: "ingress", protocol: "tcp", port: 443, cidr: "10.0.0.0/16" } } });
    let error: unknown;
    try {
      // Refused as soon as the second address is made (here when the rules reference the ACL), else at synth.
      acl("web.acl", "subnet-0123456789abcdef0");
      acl("web-acl", "subnet-0123456789abcdef1");
      stack.toTerraform();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(BulwarkValidationError);
    expect((error as Error).message).toMatch(/^s\/web[.-]acl\/acl: construct id "acl" makes the same Terraform address \(aws_network_acl\.web-acl_acl\) as s\/web[.-]acl\/acl;/);
    expect((error as Error).message).toContain("s/web.acl/acl");
    expect((error as Error).message).toContain("s/web-acl/acl");
  });

  it("lets one logical id serve different address namespaces (a resource and a data source)", () => {
    const stack = new BulwarkStack(Testing.app(), "s");
    new SnsTopic(stack, "topic.ops", { name: "a" });
    new DataAwsSnsTopic(stack, "topic-ops", { name: "a" });
    const json = stack.toTerraform() as any;
    expect([Object.keys(json.resource.aws_sns_topic), Object.keys(json.data.aws_sns_topic)]).toEqual([["topic-ops"], ["topic-ops"]]);
  });

  it("derives readable addresses from construct ids", () => {
    expect(logicalIdFromPath(["network", "acl-app", "rule-ssh.office"])).toBe("network_acl-app_rule-ssh-office");
    expect(logicalIdFromPath(["1st"])).toBe("_1st");
  });

  it("is the secure way by default: provider with allowed_account_ids and default tags, account context, compliance gate", () => {
    const app = Testing.app();
    const stack = new BulwarkStack(app, "own", { accountId: "123456789012", region: "eu-central-1", defaultTags: { team: "payments" } });
    expect(BulwarkStack.isGated(stack)).toBe(true);
    expect(accountContext(stack)).toEqual({ accountId: "123456789012", region: "eu-central-1", partition: "aws" });
    const json = JSON.parse(Testing.synth(stack)) as any;
    expect(json.provider.aws).toEqual([{ region: "eu-central-1", allowed_account_ids: ["123456789012"], default_tags: [{ tags: { team: "payments", "managed-by": "bulwark" } }] }]);
    expect(json.terraform.required_providers.aws.source).toBe("hashicorp/aws");
    // No caller-identity lookup: plans need no credentials.
    expect(json.data).toBeUndefined();
    // The gate is on without being asked for: an unencrypted topic stops the synth.
    new SnsTopic(stack, "plain-topic", { name: "plain" });
    expect(() => app.synth()).toThrow(/sns-encrypted .* own\/plain-topic: topic is not encrypted/);
  });

  it("turns the gate off only with a reason, and refuses a region that is not one", () => {
    expect(() => new BulwarkStack(Testing.app(), "s", { withoutComplianceGate: { reason: "" } })).toThrow(
      "s: withoutComplianceGate.reason \"\" must say why the secure default is weakened (at least 10 characters)",
    );
    const ungated = new BulwarkStack(Testing.app(), "u", { withoutComplianceGate: { reason: "judged by the platform pipeline" } });
    expect(BulwarkStack.isGated(ungated)).toBe(false);
    expect(() => new BulwarkStack(Testing.app(), "r", { region: "Frankfurt" })).toThrow('r: region "Frankfurt" is not an AWS region name (e.g. eu-west-1)');
  });
});

describe("HCL output (cdktf synth --hcl)", () => {
  it("writes depends_on, ignore_changes, replace_triggered_by and provider references bare, and nothing else", () => {
    const quoted = [
      'resource "aws_config_delivery_channel" "x" {',
      "depends_on = [",
      '"aws_s3_bucket_policy.logs",',
      '"aws_config_configuration_recorder.rec",',
      "]",
      "tags = [",
      '"aws_s3_bucket_policy.logs",',
      "]",
      "lifecycle {",
      "  ignore_changes = [",
      '"subnet_ids",',
      "]",
      "  replace_triggered_by = [",
      '"aws_launch_template.app.latest_version",',
      "]",
      "}",
      "}",
      "lifecycle {",
      '  ignore_changes = "all"',
      "}",
      'provider = "aws.backup-copy"',
      'name = "aws.backup-copy"',
    ].join("\n");
    expect(unquoteReferences(quoted).split("\n")).toEqual([
      'resource "aws_config_delivery_channel" "x" {',
      "depends_on = [",
      "aws_s3_bucket_policy.logs,",
      "aws_config_configuration_recorder.rec,",
      "]",
      "tags = [",
      '"aws_s3_bucket_policy.logs",',
      "]",
      "lifecycle {",
      "  ignore_changes = [",
      "subnet_ids,",
      "]",
      "  replace_triggered_by = [",
      "aws_launch_template.app.latest_version,",
      "]",
      "}",
      "}",
      "lifecycle {",
      "  ignore_changes = all",
      "}",
      "provider = aws.backup-copy",
      'name = "aws.backup-copy"',
    ]);
  });
});

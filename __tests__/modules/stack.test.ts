import { Testing } from "cdktf";
import { SnsTopic } from "@cdktf/provider-aws/lib/sns-topic";
import { BulwarkStack, logicalIdFromPath } from "../../modules/core/stack";

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

  it("derives readable addresses from construct ids", () => {
    expect(logicalIdFromPath(["network", "acl-app", "rule-ssh.office"])).toBe("network_acl-app_rule-ssh-office");
    expect(logicalIdFromPath(["1st"])).toBe("_1st");
  });
});

import { BulwarkValidationError } from "../../modules/core/errors";
import { HardenedKmsKey, kmsKeyPolicy } from "../../modules/kms-key";
import { resourcesOf, synthJson } from "../support/synth";

describe("HardenedKmsKey", () => {
  it("turns rotation on, keeps the longest deletion window and names an alias", () => {
    const json = synthJson((s) => new HardenedKmsKey(s, "logs", { alias: "dev/logs" }));
    const key = resourcesOf(json, "aws_kms_key").logs_key;
    expect(key.enable_key_rotation).toBe(true);
    expect(key.deletion_window_in_days).toBe(30);
    expect(key.lifecycle).toBeUndefined();
    expect(resourcesOf(json, "aws_kms_alias").logs_alias).toMatchObject({ name: "alias/dev/logs", target_key_id: "${aws_kms_key.logs_key.key_id}" });
  });

  it("opens the key only to the services named, each with its scoping condition", () => {
    const policy = JSON.parse(kmsKeyPolicy("aws", "111111111111", "eu-west-1", ["cloudwatch-logs", "cloudtrail"]));
    const sids = policy.Statement.map((s: { Sid: string }) => s.Sid);
    expect(sids).toEqual(["AccountAdministersKeyThroughIam", "CloudWatchLogsEncryptsLogGroups", "CloudTrailEncryptsLogs", "CloudTrailDescribesKey"]);
    const logs = policy.Statement[1];
    expect(logs.Principal).toEqual({ Service: "logs.eu-west-1.amazonaws.com" });
    expect(logs.Condition.ArnLike["kms:EncryptionContext:aws:logs:arn"]).toBe("arn:aws:logs:eu-west-1:111111111111:log-group:*");
    expect(policy.Statement[2].Condition.StringEquals["aws:SourceAccount"]).toBe("111111111111");
    // No statement grants a wildcard principal.
    for (const s of policy.Statement) expect(JSON.stringify(s.Principal)).not.toContain('"*"');
  });

  it("adds prevent_destroy only when asked", () => {
    const json = synthJson((s) => new HardenedKmsKey(s, "k", { alias: "prod/data", preventDestroy: true }));
    expect(resourcesOf(json, "aws_kms_key").k_key.lifecycle).toEqual({ prevent_destroy: true });
  });

  it.each([
    [{ alias: "x", deletionWindowInDays: 6 }, /k: deletionWindowInDays 6 must be a whole number between 7 and 30/],
    [{ alias: "x", deletionWindowInDays: 31 }, /deletionWindowInDays 31/],
    [{ alias: "aws/ebs" }, /alias "aws\/ebs" is not a KMS alias name/],
    [{ alias: "x", services: ["s3"] as never }, /services "s3" must be one of/],
  ])("rejects %j with a named error", (props, message) => {
    expect(() => synthJson((s) => new HardenedKmsKey(s, "k", props))).toThrow(BulwarkValidationError);
    expect(() => synthJson((s) => new HardenedKmsKey(s, "k", props))).toThrow(message);
  });
});

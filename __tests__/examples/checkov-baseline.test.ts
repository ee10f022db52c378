import * as fs from "node:fs";
import * as path from "node:path";
import { Testing } from "cdktf";
import { SnsTopic } from "@cdktf/provider-aws/lib/sns-topic";
import { configResources } from "../../compliance";
import { loadEnvironments } from "../../examples/config";
import { EnvironmentStack } from "../../examples/environment-stack";
import { CHECKOV_DECISIONS, checkovBaseline, validateDecisions } from "../../examples/checkov-baseline";
import { suppress } from "../../modules/core/suppressions";
import { synthJson, synthStack } from "../support/synth";
import { referenceEnvironmentsDir } from "../support/app";

const REPO = path.join(__dirname, "..", "..");
const docs = fs.readFileSync(path.join(REPO, "docs", "COMPLIANCE.md"), "utf8");

describe("checkov baseline (cdktf.out/checkov.baseline)", () => {
  const configs = loadEnvironments(referenceEnvironmentsDir(), REPO);
  const resources = configs.flatMap((c) => configResources(synthStack(new EnvironmentStack(Testing.app(), c)), c.name));
  const baseline = checkovBaseline(resources);
  const entries = (file: string) => Object.fromEntries(baseline.failed_checks.find((f) => f.file === file)!.findings.map((f) => [f.resource, f.check_ids]));

  it("gives every decision's reason in docs/COMPLIANCE.md, on the line naming its checks", () => {
    for (const d of CHECKOV_DECISIONS) {
      const line = docs.split("\n").find((l) => l.includes(d.reason));
      expect(line).toBeDefined();
      for (const c of d.checks) expect(line).toContain(c);
    }
  });

  it("refuses a decision without a reason", () => {
    expect(() => validateDecisions([{ checks: ["CKV_AWS_18"], type: "aws_s3_bucket", path: "x", reason: " " }])).toThrow(
      "checkov decision CKV_AWS_18 on aws_s3_bucket x has no reason (at least 10 characters): a decision without a reason is refused",
    );
    expect(() => checkovBaseline([], [{ checks: ["CKV_AWS_18"], type: "aws_s3_bucket", path: "x", reason: "" }])).toThrow(/has no reason/);
  });

  it("matches every decision to a resource of the reference environments, under both names checkov uses", () => {
    for (const d of CHECKOV_DECISIONS) {
      const re = new RegExp(`^${d.path}$`);
      expect(resources.filter((r) => r.type === d.type && re.test(r.constructPath!.replace(/^[^/]+\//, "")))).not.toHaveLength(0);
    }
    const prod = entries("/prod/cdk.tf.json");
    expect(prod["aws_cloudtrail.audit_trail"]).toEqual(["CKV_AWS_252"]);
    expect(prod["resource.audit_trail"]).toEqual(["CKV_AWS_252"]);
    // CKV_AWS_144 is fixed on the audit buckets (replicated to the copy region) and decided on the copy.
    expect(prod["aws_s3_bucket.audit_access-logs_bucket"]).toEqual(["CKV2_AWS_62", "CKV_AWS_145", "CKV_AWS_18"]);
    expect(prod["aws_s3_bucket.audit_replica_bucket"]).toEqual(["CKV2_AWS_62", "CKV_AWS_144", "CKV_AWS_18"]);
    expect(prod["aws_wafv2_web_acl.load-balancer_web-acl"]).toEqual(["CKV_AWS_175", "CKV_AWS_192"]);
    // Fixed, so not in the baseline: load balancer access logs and WAF logging.
    expect(prod["aws_lb.load-balancer_alb"]).toEqual(["CKV2_AWS_76"]);
    expect(JSON.stringify(baseline)).not.toMatch(/CKV_AWS_91|CKV2_AWS_31/);
  });

  it("carries bulwark's own suppressions over as the checkov ids of their rule", () => {
    const json = synthJson((s) => {
      const topic = new SnsTopic(s, "status", { name: "status" });
      suppress(topic, "sns-encrypted", "public status feed, no sensitive content");
    });
    const b = checkovBaseline(configResources(json, "t"), []);
    expect(b.failed_checks).toEqual([
      {
        file: "/t/cdk.tf.json",
        findings: [
          { resource: "aws_sns_topic.status", check_ids: ["CKV_AWS_26"] },
          { resource: "resource.status", check_ids: ["CKV_AWS_26"] },
        ],
      },
    ]);
  });
});

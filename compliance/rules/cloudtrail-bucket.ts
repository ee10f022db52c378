import { Rule, RuleContext, TfResource } from "../model";
import { asList, isTrue, parsePolicy } from "./values";

const BLOCKS = ["block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets"];

/** Does any statement deny requests without TLS (aws:SecureTransport = false)? */
export function deniesInsecureTransport(policy: unknown): boolean {
  const doc = parsePolicy(policy);
  return (doc?.Statement ?? []).some(
    (s) => s.Effect === "Deny" && ["false", false].includes(s.Condition?.Bool?.["aws:SecureTransport"]) && asList(s.Action).some((a) => a === "s3:*" || a === "*"),
  );
}

/** Problems of a log bucket: public access, TLS-only policy, access logging. */
export function bucketProblems(ctx: RuleContext, bucket: TfResource): string[] {
  const problems: string[] = [];
  const pab = ctx.referencing("aws_s3_bucket_public_access_block", "bucket", bucket);
  if (!pab.some((p) => BLOCKS.every((b) => isTrue(p.values[b])))) problems.push("not all four public access blocks are on");
  if (!ctx.referencing("aws_s3_bucket_policy", "bucket", bucket).some((p) => deniesInsecureTransport(p.values.policy))) problems.push("no bucket policy denies requests without TLS");
  if (ctx.referencing("aws_s3_bucket_logging", "bucket", bucket).length === 0 && !bucket.values.logging) problems.push("server access logging is off");
  return problems;
}

export const cloudtrailBucket: Rule = {
  id: "cloudtrail-bucket",
  title: "CloudTrail's bucket blocks public access, requires TLS and logs access",
  severity: "error",
  scope: "resource",
  controls: { securityHub: ["CloudTrail.6", "CloudTrail.7", "S3.5", "S3.8"], cis: ["3.4"], trivy: ["AVD-AWS-0163"] },
  rationale: "Trail logs reveal the whole account's activity; a public or unaudited bucket turns the audit trail into a leak.",
  remediation: "Use the audit module's log bucket: four public access blocks, a policy denying aws:SecureTransport = false, server access logging to a separate bucket.",
  check: (ctx) =>
    ctx.ofType("aws_cloudtrail").flatMap((trail) =>
      ctx.referenced(trail, "s3_bucket_name").flatMap((bucket) => bucketProblems(ctx, bucket).map((p) => ({ resource: bucket, message: `trail bucket: ${p}` }))),
    ),
  fixtures: {
    pass: {
      resource: {
        aws_cloudtrail: { t: { name: "t", s3_bucket_name: "${aws_s3_bucket.logs.id}" } },
        aws_s3_bucket: { logs: { bucket: "logs" } },
        aws_s3_bucket_public_access_block: {
          logs: { bucket: "${aws_s3_bucket.logs.id}", block_public_acls: true, block_public_policy: true, ignore_public_acls: true, restrict_public_buckets: true },
        },
        aws_s3_bucket_logging: { logs: { bucket: "${aws_s3_bucket.logs.id}", target_bucket: "access-logs", target_prefix: "logs/" } },
        aws_s3_bucket_policy: {
          logs: {
            bucket: "${aws_s3_bucket.logs.id}",
            policy: JSON.stringify({ Statement: [{ Sid: "TlsOnly", Effect: "Deny", Principal: "*", Action: "s3:*", Resource: "*", Condition: { Bool: { "aws:SecureTransport": "false" } } }] }),
          },
        },
      },
    },
    fail: { resource: { aws_cloudtrail: { t: { name: "t", s3_bucket_name: "${aws_s3_bucket.logs.id}" } }, aws_s3_bucket: { logs: { bucket: "logs" } } } },
  },
};

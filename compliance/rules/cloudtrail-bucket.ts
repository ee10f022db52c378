import { Rule, RuleContext, RuleFinding, TfResource } from "../model";
import { asList, isTrue, isUnknown, knownBlocks, parsePolicy } from "../values";

const BLOCKS = ["block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets"];

/** Does any statement deny requests without TLS (aws:SecureTransport = false)? */
export function deniesInsecureTransport(policy: unknown): boolean {
  const doc = parsePolicy(policy);
  return (doc?.Statement ?? []).some(
    (s) => s.Effect === "Deny" && ["false", false].includes(s.Condition?.Bool?.["aws:SecureTransport"]) && asList(s.Action).some((a) => a === "s3:*" || a === "*"),
  );
}

/** Problems of a log bucket: public access, TLS-only policy, access logging; `unverifiable` where a value or join is not known. */
export function bucketProblems(ctx: RuleContext, bucket: TfResource): { problem: string; unverifiable?: true }[] {
  const problems: { problem: string; unverifiable?: true }[] = [];
  const judge = (type: string, ok: (r: TfResource) => boolean | "unknown", problem: string, extra = false) => {
    const found = ctx.referencing(type, "bucket", bucket);
    const verdicts = found.map(ok);
    if (extra || verdicts.includes(true)) return;
    if (verdicts.includes("unknown") || ctx.mayReference(type, "bucket", bucket).length) problems.push({ problem: `${problem}, or not known until apply`, unverifiable: true });
    else problems.push({ problem });
  };
  judge("aws_s3_bucket_public_access_block", (p) => (BLOCKS.every((b) => isTrue(p.values[b])) ? true : BLOCKS.some((b) => isUnknown(p.values[b])) ? "unknown" : false), "not all four public access blocks are on");
  judge("aws_s3_bucket_policy", (p) => (deniesInsecureTransport(p.values.policy) ? true : isUnknown(p.values.policy) ? "unknown" : false), "no bucket policy denies requests without TLS");
  judge("aws_s3_bucket_logging", () => true, "server access logging is off", knownBlocks(bucket.values.logging).length > 0);
  return problems;
}

/**
 * The buckets a trail writes to: by reference or name, else (`through`) the buckets its
 * references reach when only locals, which a plan does not carry, stop them.
 */
function trailBuckets(ctx: RuleContext, trail: TfResource): { buckets: TfResource[]; through?: string } {
  const byRef = ctx.referenced(trail, "s3_bucket_name").filter((b) => b.type === "aws_s3_bucket");
  const name = trail.values.s3_bucket_name;
  const byName = typeof name === "string" ? ctx.ofType("aws_s3_bucket").filter((b) => b.values.bucket === name) : [];
  const buckets = [...new Set([...byRef, ...byName])];
  if (buckets.length || !ctx.isOpaque(trail, "s3_bucket_name")) return { buckets };
  const partly = (trail.partialRefs?.s3_bucket_name ?? []).map((a) => ctx.at(trail.stack, a)).filter((b): b is TfResource => b?.type === "aws_s3_bucket");
  return { buckets: partly, through: `the bucket ${trail.address} names through module outputs (only locals, not in a plan, were not followed)` };
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
    ctx.ofType("aws_cloudtrail").flatMap((trail): RuleFinding[] =>
      {
        const { buckets, through } = trailBuckets(ctx, trail);
        const what = through ?? "trail bucket";
        if (buckets.length === 0 && ctx.isOpaque(trail, "s3_bucket_name")) return [{ resource: trail, message: "the trail's bucket cannot be followed (s3_bucket_name is built from something not in this input): its public access, TLS and logging are not judged", unverifiable: true as const }];
        return buckets.flatMap((bucket) => bucketProblems(ctx, bucket).map((p) => ({ resource: bucket, subject: p.problem.split(",")[0], message: `${what}: ${p.problem}`, ...(p.unverifiable ? { unverifiable: true as const } : {}) })));
      },
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

import { Rule } from "../model";
import { bool, isUnknown } from "../values";

export const cloudtrailMultiRegion: Rule = {
  id: "cloudtrail-multi-region",
  title: "A multi-region CloudTrail trail with global service events is on",
  severity: "error",
  scope: "account",
  controls: { securityHub: ["CloudTrail.1"], cis: ["3.1"], checkov: ["CKV_AWS_67"], trivy: ["AVD-AWS-0014"] },
  rationale: "API activity in any region (including ones you do not use) and in global services such as IAM must be recorded to investigate an incident.",
  remediation: "Add an aws_cloudtrail with is_multi_region_trail = true and include_global_service_events = true (modules/audit).",
  check: (ctx) => {
    const trails = ctx.ofType("aws_cloudtrail");
    const ok = (v: unknown, dflt: boolean) => (bool(v) === undefined ? dflt : bool(v));
    const verdicts = trails.map((t) => [ok(t.values.is_multi_region_trail, false), ok(t.values.include_global_service_events, true), ok(t.values.enable_logging, true)]);
    if (verdicts.some((v) => v.every((x) => x === true))) return [];
    const open = verdicts.find((v) => v.every((x) => x === true || isUnknown(x)));
    if (open) return [{ message: "a CloudTrail trail may be multi-region with global service events, but its settings are not known until apply", unverifiable: true }];
    return [{ message: "no multi-region CloudTrail trail with global service events in the stacks of this account and region" }];
  },
  fixtures: {
    pass: { resource: { aws_cloudtrail: { a: { name: "t", s3_bucket_name: "b", is_multi_region_trail: true, include_global_service_events: true } } } },
    fail: { resource: { aws_cloudtrail: { a: { name: "t", s3_bucket_name: "b" } } } },
  },
};

import { Rule } from "../model";
import { isFalse, isTrue } from "./values";

export const cloudtrailMultiRegion: Rule = {
  id: "cloudtrail-multi-region",
  title: "A multi-region CloudTrail trail with global service events is on",
  severity: "error",
  scope: "account",
  controls: { securityHub: ["CloudTrail.1"], cis: ["3.1"], checkov: ["CKV_AWS_67"], trivy: ["AVD-AWS-0014"] },
  rationale: "API activity in any region (including ones you do not use) and in global services such as IAM must be recorded to investigate an incident.",
  remediation: "Add an aws_cloudtrail with is_multi_region_trail = true and include_global_service_events = true (modules/audit).",
  check: (ctx) =>
    ctx
      .ofType("aws_cloudtrail")
      .some((t) => isTrue(t.values.is_multi_region_trail) && !isFalse(t.values.include_global_service_events) && !isFalse(t.values.enable_logging))
      ? []
      : [{ message: "no multi-region CloudTrail trail with global service events in the stacks of this account and region" }],
  fixtures: {
    pass: { resource: { aws_cloudtrail: { a: { name: "t", s3_bucket_name: "b", is_multi_region_trail: true, include_global_service_events: true } } } },
    fail: { resource: { aws_cloudtrail: { a: { name: "t", s3_bucket_name: "b" } } } },
  },
};

import { Rule } from "../model";
import { mustBeTrue } from "../verdict";

export const cloudtrailLogValidation: Rule = {
  id: "cloudtrail-log-validation",
  title: "CloudTrail log file validation is on",
  severity: "error",
  scope: "resource",
  controls: { securityHub: ["CloudTrail.4"], cis: ["3.2"], checkov: ["CKV_AWS_36"], trivy: ["AVD-AWS-0016"] },
  rationale: "Digest files prove that delivered logs were not modified or deleted afterwards.",
  remediation: "Set enable_log_file_validation = true.",
  check: (ctx) => ctx.ofType("aws_cloudtrail").flatMap((t) => mustBeTrue(t, t.values.enable_log_file_validation, "log file validation is off", "enable_log_file_validation")),
  fixtures: {
    pass: { resource: { aws_cloudtrail: { a: { name: "t", s3_bucket_name: "b", enable_log_file_validation: true } } } },
    fail: { resource: { aws_cloudtrail: { a: { name: "t", s3_bucket_name: "b", enable_log_file_validation: false } } } },
  },
};

import { Rule } from "../model";
import { isTrue } from "./values";

export const cloudtrailLogValidation: Rule = {
  id: "cloudtrail-log-validation",
  title: "CloudTrail log file validation is on",
  severity: "error",
  scope: "resource",
  controls: { securityHub: ["CloudTrail.4"], cis: ["3.2"], checkov: ["CKV_AWS_36"], trivy: ["AVD-AWS-0016"] },
  rationale: "Digest files prove that delivered logs were not modified or deleted afterwards.",
  remediation: "Set enable_log_file_validation = true.",
  check: (ctx) => ctx.ofType("aws_cloudtrail").filter((t) => !isTrue(t.values.enable_log_file_validation)).map((resource) => ({ resource, message: "log file validation is off" })),
  fixtures: {
    pass: { resource: { aws_cloudtrail: { a: { name: "t", s3_bucket_name: "b", enable_log_file_validation: true } } } },
    fail: { resource: { aws_cloudtrail: { a: { name: "t", s3_bucket_name: "b", enable_log_file_validation: false } } } },
  },
};

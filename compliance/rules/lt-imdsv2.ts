import { Rule } from "../model";
import { first } from "./values";

export const ltImdsv2: Rule = {
  id: "lt-imdsv2",
  title: "Launch templates require IMDSv2",
  severity: "error",
  scope: "resource",
  controls: { securityHub: ["EC2.170"], checkov: ["CKV_AWS_79"], trivy: ["AVD-AWS-0130"] },
  rationale: "Every instance an Auto Scaling group launches inherits the template's metadata options; a template without http_tokens = required launches IMDSv1 instances.",
  remediation: "Set metadata_options { http_endpoint = \"enabled\", http_tokens = \"required\" } on the launch template.",
  check: (ctx) =>
    ctx
      .ofType("aws_launch_template")
      .filter((r) => first(r.values.metadata_options)?.http_tokens !== "required" && first(r.values.metadata_options)?.http_endpoint !== "disabled")
      .map((resource) => ({ resource, message: `launch template does not require IMDSv2 (http_tokens is ${JSON.stringify(first(resource.values.metadata_options)?.http_tokens ?? "unset")})` })),
  fixtures: {
    pass: { resource: { aws_launch_template: { a: { metadata_options: { http_endpoint: "enabled", http_tokens: "required" } } } } },
    fail: { resource: { aws_launch_template: { a: { metadata_options: { http_tokens: "optional" } } } } },
  },
};

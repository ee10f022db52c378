import { launchSpecs } from "../families/compute";
import { Rule } from "../model";
import { imdsv2Finding } from "./ec2-imdsv2";

export const ltImdsv2: Rule = {
  id: "lt-imdsv2",
  title: "Launch templates and launch configurations require IMDSv2",
  severity: "error",
  scope: "resource",
  controls: { securityHub: ["EC2.170", "AutoScaling.3"], checkov: ["CKV_AWS_79"], trivy: ["AVD-AWS-0130"] },
  rationale: "Every instance an Auto Scaling group launches inherits the template's metadata options; a template without http_tokens = required launches IMDSv1 instances.",
  remediation: "Set metadata_options { http_endpoint = \"enabled\", http_tokens = \"required\" } on the launch template (or launch configuration).",
  check: (ctx) =>
    launchSpecs(ctx).flatMap((spec) => {
      const f = imdsv2Finding(spec);
      if (!f) return [];
      return [{ ...f, controls: spec.kind === "launch configuration" ? { securityHub: ["AutoScaling.3"], checkov: ["CKV_AWS_79"] } : { securityHub: ["EC2.170"], checkov: ["CKV_AWS_79"], trivy: ["AVD-AWS-0130"] } }];
    }),
  fixtures: {
    pass: { resource: { aws_launch_template: { a: { metadata_options: { http_endpoint: "enabled", http_tokens: "required" } } } } },
    fail: { resource: { aws_launch_template: { a: { metadata_options: { http_tokens: "optional" } } } } },
  },
};

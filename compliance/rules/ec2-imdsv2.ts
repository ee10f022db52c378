import { Rule } from "../model";
import { first } from "./values";

/** IMDSv2 required on instances (session tokens defeat SSRF credential theft). */
export const ec2Imdsv2: Rule = {
  id: "ec2-imdsv2",
  title: "Instances require IMDSv2",
  severity: "error",
  scope: "resource",
  controls: { securityHub: ["EC2.8"], cis: ["5.7"], checkov: ["CKV_AWS_79"], trivy: ["AVD-AWS-0028"] },
  rationale: "IMDSv1 answers any HTTP GET, so an SSRF flaw in an application leaks the instance role's credentials. IMDSv2 requires a session token obtained with a PUT.",
  remediation: "Set metadata_options { http_tokens = \"required\" } (HardenedLaunchTemplate does this by default).",
  check: (ctx) =>
    ctx
      .ofType("aws_instance")
      .filter((r) => first(r.values.metadata_options)?.http_tokens !== "required" && !r.values.launch_template)
      .map((resource) => ({ resource, message: `instance does not require IMDSv2 (metadata_options.http_tokens is ${JSON.stringify(first(resource.values.metadata_options)?.http_tokens ?? "unset")})` })),
  fixtures: {
    pass: { resource: { aws_instance: { a: { ami: "ami-12345678", instance_type: "t3.micro", metadata_options: { http_tokens: "required" } } } } },
    fail: { resource: { aws_instance: { a: { ami: "ami-12345678", instance_type: "t3.micro" } } } },
  },
};

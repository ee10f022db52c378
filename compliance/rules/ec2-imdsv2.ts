import { instanceSpecs, LaunchSpec } from "../families/compute";
import { Rule, RuleFinding } from "../model";
import { describe, isUnknown } from "../values";

/** The IMDSv2 verdict of a launch specification (instance, template or configuration). */
export function imdsv2Finding(spec: LaunchSpec): RuleFinding | undefined {
  const { resource, httpTokens, httpEndpoint } = spec;
  if (httpEndpoint === "disabled" || httpTokens === "required") return undefined;
  if (isUnknown(httpTokens)) return { resource, message: `${spec.kind} http_tokens is ${describe(httpTokens)}: whether IMDSv2 is required is not known`, unverifiable: httpTokens };
  if (isUnknown(httpEndpoint) && httpTokens === undefined) return { resource, message: `${spec.kind} metadata endpoint is ${describe(httpEndpoint)}`, unverifiable: httpEndpoint };
  return { resource, message: `${spec.kind} does not require IMDSv2 (metadata_options.http_tokens is ${describe(httpTokens)})` };
}

/** IMDSv2 required on instances (session tokens defeat SSRF credential theft). */
export const ec2Imdsv2: Rule = {
  id: "ec2-imdsv2",
  title: "Instances require IMDSv2",
  severity: "error",
  scope: "resource",
  controls: { securityHub: ["EC2.8"], cis: ["5.7"], checkov: ["CKV_AWS_79"], trivy: ["AVD-AWS-0028"] },
  rationale:
    "IMDSv1 answers any HTTP GET, so an SSRF flaw in an application leaks the instance role's credentials. IMDSv2 requires a session token obtained with a PUT. An instance's own metadata_options win over its launch template's.",
  remediation: "Set metadata_options { http_tokens = \"required\" } on the instance or its launch template (HardenedLaunchTemplate does this by default).",
  check: (ctx) => instanceSpecs(ctx).flatMap((spec) => imdsv2Finding(spec) ?? []),
  fixtures: {
    pass: { resource: { aws_instance: { a: { ami: "ami-12345678", instance_type: "t3.micro", metadata_options: { http_tokens: "required" } } } } },
    fail: { resource: { aws_instance: { a: { ami: "ami-12345678", instance_type: "t3.micro" } } } },
  },
};

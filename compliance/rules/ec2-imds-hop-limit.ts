import { instanceSpecs, launchSpecs } from "../families/compute";
import { Rule } from "../model";
import { describe, isUnknown, num } from "../values";

export const ec2ImdsHopLimit: Rule = {
  id: "ec2-imds-hop-limit",
  title: "Instance metadata hop limit is 1",
  severity: "error",
  scope: "resource",
  controls: { securityHub: ["AutoScaling.4"], checkov: ["CKV_AWS_341"] },
  rationale: "A hop limit above 1 lets containers and forwarded traffic on the host reach the metadata service and the instance role's credentials.",
  remediation: "Set http_put_response_hop_limit = 1; where containers need metadata, opt in explicitly (containerMetadataAccess) so the reason is recorded.",
  check: (ctx) =>
    [...launchSpecs(ctx), ...instanceSpecs(ctx)].flatMap((spec) => {
      const hop = num(spec.hopLimit);
      if (isUnknown(hop)) return hop.set !== false ? [{ resource: spec.resource, message: `metadata hop limit is ${describe(hop)}`, unverifiable: hop }] : [];
      return hop !== undefined && hop > 1 ? [{ resource: spec.resource, message: `metadata hop limit is ${hop}` }] : [];
    }),
  fixtures: {
    pass: { resource: { aws_launch_template: { a: { metadata_options: { http_tokens: "required", http_put_response_hop_limit: 1 } } } } },
    fail: { resource: { aws_launch_template: { a: { metadata_options: { http_tokens: "required", http_put_response_hop_limit: 2 } } } } },
  },
};

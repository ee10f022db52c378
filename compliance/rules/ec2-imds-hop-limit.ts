import { Rule } from "../model";
import { asNumber, blocks, first } from "./values";

export const ec2ImdsHopLimit: Rule = {
  id: "ec2-imds-hop-limit",
  title: "Instance metadata hop limit is 1",
  severity: "error",
  scope: "resource",
  controls: { securityHub: ["AutoScaling.4"], checkov: ["CKV_AWS_341"] },
  rationale: "A hop limit above 1 lets containers and forwarded traffic on the host reach the metadata service and the instance role's credentials.",
  remediation: "Set http_put_response_hop_limit = 1; where containers need metadata, opt in explicitly (containerMetadataAccess) so the reason is recorded.",
  check: (ctx) =>
    [...ctx.ofType("aws_launch_template"), ...ctx.ofType("aws_instance")]
      .filter((r) => blocks(r.values.metadata_options).length > 0)
      .filter((r) => (asNumber(first(r.values.metadata_options)?.http_put_response_hop_limit) ?? 1) > 1)
      .map((resource) => ({ resource, message: `metadata hop limit is ${first(resource.values.metadata_options)!.http_put_response_hop_limit}` })),
  fixtures: {
    pass: { resource: { aws_launch_template: { a: { metadata_options: { http_tokens: "required", http_put_response_hop_limit: 1 } } } } },
    fail: { resource: { aws_launch_template: { a: { metadata_options: { http_tokens: "required", http_put_response_hop_limit: 2 } } } } },
  },
};

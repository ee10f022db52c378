import { BulwarkValidationError } from "../../modules/core/errors";
import { HttpsLoadBalancer, HttpsLoadBalancerProps, MANAGED_RULE_GROUPS } from "../../modules/load-balancer";
import { resourcesOf, synthJson } from "../support/synth";

const base: HttpsLoadBalancerProps = {
  name: "prod-web",
  vpcId: "vpc-1",
  subnetIds: { a: "subnet-a", b: "subnet-b" },
  securityGroupId: "sg-web",
  certificateArn: "arn:aws:acm:eu-west-1:222222222222:certificate/0b7c7a10-5a54-4f1c-9a9b-5f0b6c2d1e3f",
};
const lb = (props: Partial<HttpsLoadBalancerProps> = {}) => synthJson((s) => new HttpsLoadBalancer(s, "lb", { ...base, ...props }));

describe("HttpsLoadBalancer", () => {
  const json = lb();
  const listeners = resourcesOf(json, "aws_lb_listener");

  it("serves HTTPS with a TLS 1.2+ policy and redirects HTTP permanently", () => {
    expect(listeners.lb_https).toMatchObject({ port: 443, protocol: "HTTPS", ssl_policy: "ELBSecurityPolicy-TLS13-1-2-2021-06", certificate_arn: base.certificateArn });
    expect(listeners["lb_http-redirect"].default_action).toEqual([{ type: "redirect", redirect: { protocol: "HTTPS", port: "443", status_code: "HTTP_301" } }]);
    expect(resourcesOf(json, "aws_lb").lb_alb).toMatchObject({ drop_invalid_header_fields: true, enable_deletion_protection: true, internal: false });
  });

  it("puts a WAF web ACL with the AWS managed rule groups in front of it", () => {
    const acl = resourcesOf(json, "aws_wafv2_web_acl")["lb_web-acl"];
    expect(acl.scope).toBe("REGIONAL");
    const rules = JSON.parse(acl.rule_json);
    expect(rules.map((r: { Statement: { ManagedRuleGroupStatement: { Name: string } } }) => r.Statement.ManagedRuleGroupStatement.Name)).toEqual([...MANAGED_RULE_GROUPS]);
    for (const r of rules) expect(r.OverrideAction).toEqual({ None: {} });
    expect(resourcesOf(json, "aws_wafv2_web_acl_association")["lb_web-acl-association"]).toMatchObject({ resource_arn: "${aws_lb.lb_alb.arn}", web_acl_arn: "${aws_wafv2_web_acl.lb_web-acl.arn}" });
  });

  it.each([
    ["a weak TLS policy", { tlsPolicy: "ELBSecurityPolicy-2016-08" as never }, /tlsPolicy "ELBSecurityPolicy-2016-08" must be a TLS 1.2\+ policy/],
    ["one subnet", { subnetIds: { a: "subnet-a" } }, /subnetIds .* must name subnets in at least two availability zones/],
    ["a malformed certificate", { certificateArn: "arn:aws:acm:eu-west-1:1:certificate/x" }, /certificateArn .* is not an ACM certificate ARN/],
  ] as [string, Partial<HttpsLoadBalancerProps>, RegExp][])("refuses %s", (_w, props, message) => {
    expect(() => lb(props)).toThrow(BulwarkValidationError);
    expect(() => lb(props)).toThrow(message);
  });
});

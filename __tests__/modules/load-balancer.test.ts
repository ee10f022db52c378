import { BulwarkValidationError } from "../../modules/core/errors";
import { elbLogDeliveryPrincipal, HttpsLoadBalancer, HttpsLoadBalancerProps, MANAGED_RULE_GROUPS } from "../../modules/load-balancer";
import { ALL_RULES, configResources, runRules } from "../../compliance";
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
    // The Log4j protection (CKV_AWS_192) is among them, counting (not overridden to count-only).
    expect(MANAGED_RULE_GROUPS).toContain("AWSManagedRulesKnownBadInputsRuleSet");
    for (const r of rules) expect(r.OverrideAction).toEqual({ None: {} });
    expect(resourcesOf(json, "aws_wafv2_web_acl_association")["lb_web-acl-association"]).toMatchObject({ resource_arn: "${aws_lb.lb_alb.arn}", web_acl_arn: "${aws_wafv2_web_acl.lb_web-acl.arn}" });
  });

  it("blocks known bad inputs as waf-known-bad-inputs reads rule_json, and a count-only group fails it", () => {
    const rule = ALL_RULES.filter((r) => r.id === "waf-known-bad-inputs");
    expect(runRules(configResources(json, "t"), rule).findings).toEqual([]);
    const acl = resourcesOf(json, "aws_wafv2_web_acl")["lb_web-acl"];
    const counting = JSON.parse(acl.rule_json).map((r: { Name: string }) => (r.Name === "AWSManagedRulesKnownBadInputsRuleSet" ? { ...r, OverrideAction: { Count: {} } } : r));
    const weakened = { ...json, resource: { ...json.resource, aws_wafv2_web_acl: { "lb_web-acl": { ...acl, rule_json: JSON.stringify(counting) } } } };
    expect(runRules(configResources(weakened, "t"), rule).findings.map((f) => f.message)).toEqual(["AWSManagedRulesKnownBadInputsRuleSet only counts (override_action count): nothing is blocked"]);
  });

  it("logs WAF to a log group under a key of its own by default; only the missing access logs are reported", () => {
    const ids = runRules(configResources(json, "t"), ALL_RULES.filter((r) => ["alb-access-logs", "waf-logging", "log-group-encrypted"].includes(r.id))).findings.map((f) => f.ruleId);
    expect(ids).toEqual(["alb-access-logs"]);
    expect(resourcesOf(json, "aws_cloudwatch_log_group")["lb_waf-logs"]).toMatchObject({ name: "aws-waf-logs-prod-web", kms_key_id: "${aws_kms_key.lb_key_key.arn}", retention_in_days: 365 });
    expect(resourcesOf(json, "aws_kms_alias")["lb_key_alias"].name).toBe("alias/prod-web/waf-logs");
    // Given a key, the load balancer creates none.
    expect(Object.keys(resourcesOf(lb({ wafLogs: { kmsKeyArn: "arn:aws:kms:eu-west-1:222222222222:key/0b7c7a10-5a54-4f1c-9a9b-5f0b6c2d1e3f" } }), "aws_kms_key"))).toEqual([]);
  });

  it("writes access logs to the bucket and WAF logs to an encrypted aws-waf-logs- group with credentials redacted", () => {
    const kmsKeyArn = "arn:aws:kms:eu-west-1:222222222222:key/0b7c7a10-5a54-4f1c-9a9b-5f0b6c2d1e3f";
    const logged = lb({ accessLogs: { bucketName: "prod-access-222222222222-eu-west-1", prefix: "load-balancers" }, wafLogs: { kmsKeyArn } });
    expect(resourcesOf(logged, "aws_lb").lb_alb.access_logs).toEqual({ enabled: true, bucket: "prod-access-222222222222-eu-west-1", prefix: "load-balancers" });
    expect(resourcesOf(logged, "aws_cloudwatch_log_group")["lb_waf-logs"]).toMatchObject({ name: "aws-waf-logs-prod-web", kms_key_id: kmsKeyArn, retention_in_days: 365 });
    expect(resourcesOf(logged, "aws_wafv2_web_acl_logging_configuration")["lb_waf-logging"]).toMatchObject({
      resource_arn: "${aws_wafv2_web_acl.lb_web-acl.arn}",
      log_destination_configs: ["${aws_cloudwatch_log_group.lb_waf-logs.arn}"],
      redacted_fields: [{ single_header: { name: "authorization" } }, { single_header: { name: "cookie" } }],
    });
    expect(runRules(configResources(logged, "t"), ALL_RULES.filter((r) => ["alb-access-logs", "waf-logging"].includes(r.id))).findings).toEqual([]);
  });

  it("admits the region's log delivery: the ELB account where the region has one, the service principal elsewhere", () => {
    expect(elbLogDeliveryPrincipal("eu-west-1")).toEqual({ AWS: "arn:aws:iam::156460612806:root" });
    expect(elbLogDeliveryPrincipal("us-east-1")).toEqual({ AWS: "arn:aws:iam::127311923021:root" });
    expect(elbLogDeliveryPrincipal("eu-central-2")).toEqual({ Service: "logdelivery.elasticloadbalancing.amazonaws.com" });
  });

  it.each([
    ["a weak TLS policy", { tlsPolicy: "ELBSecurityPolicy-2016-08" as never }, /tlsPolicy "ELBSecurityPolicy-2016-08" must be a TLS 1.2\+ policy/],
    ["one subnet", { subnetIds: { a: "subnet-a" } }, /subnetIds .* must name subnets in at least two availability zones/],
    ["a malformed certificate", { certificateArn: "arn:aws:acm:eu-west-1:1:certificate/x" }, /certificateArn .* is not an ACM certificate ARN/],
    ["an access-log prefix with a slash at the end", { accessLogs: { bucketName: "b-logs", prefix: "lb/" } }, /accessLogs.prefix "lb\/" is not an S3 key prefix/],
    ["a WAF log key that is no KMS key", { wafLogs: { kmsKeyArn: "alias/x" } }, /wafLogs.kmsKeyArn "alias\/x" is not a KMS key ARN/],
  ] as [string, Partial<HttpsLoadBalancerProps>, RegExp][])("refuses %s", (_w, props, message) => {
    expect(() => lb(props)).toThrow(BulwarkValidationError);
    expect(() => lb(props)).toThrow(message);
  });
});

import { Rule, RuleFinding } from "../model";
import { asList, describe, isUnknown, knownBlocks, str } from "../values";

export const wafLogging: Rule = {
  id: "waf-logging",
  title: "WAF web ACLs log, with credentials redacted",
  severity: "error",
  scope: "resource",
  controls: { securityHub: ["WAF.11"], checkov: ["CKV2_AWS_31"] },
  rationale:
    "Without WAF logs there is no record of what the web ACL blocked or let through, nor which rule matched: attacks and false positives go unseen. Logs hold request headers, so the authorization and cookie headers (credentials and sessions) are redacted.",
  remediation:
    "Add aws_wafv2_web_acl_logging_configuration { resource_arn = <web ACL>.arn, log_destination_configs = [<aws-waf-logs-* log group>.arn], redacted_fields { single_header { name = \"authorization\" } }, redacted_fields { single_header { name = \"cookie\" } } } (modules/load-balancer `wafLogs`).",
  check: (ctx) =>
    ctx.ofType("aws_wafv2_web_acl").flatMap((acl): RuleFinding[] => {
      const configs = ctx.referencing("aws_wafv2_web_acl_logging_configuration", "resource_arn", acl);
      if (configs.length === 0) {
        const maybe = ctx.mayReference("aws_wafv2_web_acl_logging_configuration", "resource_arn", acl);
        if (maybe.length) return [{ resource: acl, message: `logging configurations exist (${maybe.map((m) => m.address).slice(0, 3).join(", ")}) but whether one is this web ACL's is not known`, unverifiable: true }];
        return [{ resource: acl, message: "web ACL has no logging configuration" }];
      }
      const out: RuleFinding[] = [];
      for (const config of configs) {
        const redacted = new Set<string>();
        let unknown: unknown;
        for (const field of knownBlocks(config.values.redacted_fields)) {
          for (const header of knownBlocks(field.single_header)) {
            const name = str(header.name);
            if (isUnknown(name)) unknown = name;
            else if (name) redacted.add(name.toLowerCase());
          }
        }
        if (isUnknown(config.values.redacted_fields)) unknown = config.values.redacted_fields;
        const missing = ["authorization", "cookie"].filter((h) => !redacted.has(h));
        if (missing.length === 0) continue;
        if (unknown !== undefined) out.push({ resource: config, subject: "redaction", message: `redacted_fields is ${describe(unknown)}`, unverifiable: true });
        else out.push({ resource: config, subject: "redaction", message: `WAF logs keep the ${missing.join(" and ")} header${missing.length > 1 ? "s" : ""} (not in redacted_fields)` });
      }
      for (const config of configs) {
        for (const dest of asList(config.values.log_destination_configs)) {
          const name = str(dest);
          // A literal ARN of a log group must name one starting aws-waf-logs- (WAF refuses others).
          if (typeof name === "string" && name.includes(":log-group:") && !/:log-group:aws-waf-logs-/.test(name)) {
            out.push({ resource: config, subject: "destination", message: `log group ${JSON.stringify(name)} does not start with aws-waf-logs- (WAF delivers to no other)` });
          }
        }
      }
      return out;
    }),
  fixtures: {
    pass: {
      resource: {
        aws_wafv2_web_acl: { a: { name: "a", scope: "REGIONAL" } },
        aws_cloudwatch_log_group: { w: { name: "aws-waf-logs-a", kms_key_id: "${aws_kms_key.k.arn}", retention_in_days: 365 } },
        aws_wafv2_web_acl_logging_configuration: {
          a: {
            resource_arn: "${aws_wafv2_web_acl.a.arn}",
            log_destination_configs: ["${aws_cloudwatch_log_group.w.arn}"],
            redacted_fields: [{ single_header: { name: "authorization" } }, { single_header: { name: "cookie" } }],
          },
        },
      },
    },
    fail: { resource: { aws_wafv2_web_acl: { a: { name: "a", scope: "REGIONAL" } } } },
  },
};

import { Rule, RuleFinding } from "../model";
import { attr, bool, describe, first, isSet, isUnknown, str } from "../values";

export const albAccessLogs: Rule = {
  id: "alb-access-logs",
  title: "Application load balancers write access logs",
  severity: "error",
  scope: "resource",
  controls: { securityHub: ["ELB.5"], checkov: ["CKV_AWS_91"] },
  rationale:
    "The access log is the only record of each request an internet-facing load balancer served (client, path, status, TLS protocol, WAF action); without it an incident cannot be traced past the edge. An access_logs block is off unless enabled = true, even with a bucket named.",
  remediation:
    "Set access_logs { bucket = <SSE-S3 bucket>, prefix = \"...\", enabled = true } and admit the region's log delivery in the bucket policy (modules/load-balancer `accessLogs`, `elbAccessLogStatement`).",
  check: (ctx) =>
    [...ctx.ofType("aws_lb"), ...ctx.ofType("aws_alb")].flatMap((resource): RuleFinding[] => {
      const type = str(resource.values.load_balancer_type);
      if (isUnknown(type) && type.set !== false) return [{ resource, message: `load_balancer_type is ${describe(type)}`, unverifiable: type }];
      if (typeof type === "string" && type !== "application") return [];
      const logs = first(resource.values.access_logs);
      if (isUnknown(logs)) return [{ resource, message: `access_logs is ${describe(logs)}`, unverifiable: logs }];
      if (!logs) return [{ resource, message: "load balancer writes no access logs (no access_logs block)" }];
      const enabled = bool(attr(logs, "enabled"));
      if (isUnknown(enabled)) return [{ resource, message: `access_logs.enabled is ${describe(enabled)}`, unverifiable: enabled }];
      if (enabled !== true) return [{ resource, message: "access_logs is not enabled (it defaults to false, even with a bucket)" }];
      const bucket = isSet(attr(logs, "bucket"));
      if (isUnknown(bucket)) return [{ resource, message: `access_logs.bucket is ${describe(bucket)}`, unverifiable: bucket }];
      return bucket ? [] : [{ resource, message: "access_logs names no bucket" }];
    }),
  fixtures: {
    pass: { resource: { aws_lb: { a: { name: "a", load_balancer_type: "application", access_logs: { bucket: "logs", prefix: "lb", enabled: true } } } } },
    fail: { resource: { aws_lb: { a: { name: "a", load_balancer_type: "application", access_logs: { bucket: "logs", prefix: "lb" } } } } },
  },
};

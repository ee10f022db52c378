import { Construct } from "constructs";
import { Lb } from "@cdktf/provider-aws/lib/lb";
import { LbListener } from "@cdktf/provider-aws/lib/lb-listener";
import { LbTargetGroup } from "@cdktf/provider-aws/lib/lb-target-group";
import { Wafv2WebAcl } from "@cdktf/provider-aws/lib/wafv2-web-acl";
import { Wafv2WebAclAssociation } from "@cdktf/provider-aws/lib/wafv2-web-acl-association";
import { BulwarkValidationError } from "../core/errors";
import { ACM_CERTIFICATE_ARN_PATTERN, checkInteger, checkName, checkPattern, isLiteral } from "../core/validate";

/** TLS policies accepted: TLS 1.2 minimum (1.3 preferred). */
export const TLS_POLICIES = ["ELBSecurityPolicy-TLS13-1-2-2021-06", "ELBSecurityPolicy-TLS13-1-2-Res-2021-06", "ELBSecurityPolicy-TLS13-1-3-2021-06", "ELBSecurityPolicy-FS-1-2-Res-2020-10"] as const;

/** AWS managed rule groups the web ACL applies, in priority order. */
export const MANAGED_RULE_GROUPS = ["AWSManagedRulesCommonRuleSet", "AWSManagedRulesKnownBadInputsRuleSet", "AWSManagedRulesSQLiRuleSet", "AWSManagedRulesAmazonIpReputationList"] as const;

export interface HttpsLoadBalancerProps {
  readonly name: string;
  readonly vpcId: string;
  /** Public subnets keyed by AZ (at least two). */
  readonly subnetIds: Readonly<Record<string, string>>;
  /** The web tier's security group. */
  readonly securityGroupId: string;
  /** ACM certificate for the HTTPS listener. */
  readonly certificateArn: string;
  /** @default "ELBSecurityPolicy-TLS13-1-2-2021-06" (TLS 1.2+) */
  readonly tlsPolicy?: (typeof TLS_POLICIES)[number];
  /** Port the app instances listen on. @default 8080 */
  readonly appPort?: number;
  /** @default "/health" */
  readonly healthCheckPath?: string;
  /** @default true — a delete must be a deliberate two-step change */
  readonly deletionProtection?: boolean;
  readonly tags?: Readonly<Record<string, string>>;
}

/**
 * An internet-facing Application Load Balancer that speaks HTTPS only: a TLS 1.2+ listener
 * with the given certificate, HTTP answered with a permanent redirect to HTTPS, invalid
 * headers dropped, and a WAFv2 web ACL with AWS managed rule groups (common, known bad
 * inputs, SQL injection, IP reputation) associated with it.
 */
export class HttpsLoadBalancer extends Construct {
  public readonly loadBalancer: Lb;
  public readonly targetGroup: LbTargetGroup;
  public readonly webAcl: Wafv2WebAcl;

  constructor(scope: Construct, id: string, props: HttpsLoadBalancerProps) {
    super(scope, id);
    checkName(this, "name", props.name);
    checkPattern(this, "name", props.name, /^[A-Za-z0-9-]{1,26}$/, "at most 26 characters (load balancer and target group names are limited to 32)");
    const keys = Object.keys(props.subnetIds).sort();
    if (keys.length < 2) throw new BulwarkValidationError(this, "subnetIds", props.subnetIds, "must name subnets in at least two availability zones");
    checkPattern(this, "certificateArn", props.certificateArn, ACM_CERTIFICATE_ARN_PATTERN, "an ACM certificate ARN");
    const tlsPolicy = props.tlsPolicy ?? TLS_POLICIES[0];
    if (isLiteral(tlsPolicy) && !(TLS_POLICIES as readonly string[]).includes(tlsPolicy)) throw new BulwarkValidationError(this, "tlsPolicy", tlsPolicy, `must be a TLS 1.2+ policy: ${TLS_POLICIES.join(", ")}`);
    checkInteger(this, "appPort", props.appPort, 1, 65535);
    checkPattern(this, "healthCheckPath", props.healthCheckPath, /^\/[\x21-\x7e]*$/, "a path starting with /");

    this.loadBalancer = new Lb(this, "alb", {
      name: props.name,
      loadBalancerType: "application",
      internal: false,
      securityGroups: [props.securityGroupId],
      subnets: keys.map((k) => props.subnetIds[k]),
      dropInvalidHeaderFields: true,
      enableDeletionProtection: props.deletionProtection ?? true,
      desyncMitigationMode: "strictest",
      tags: props.tags,
    });
    this.targetGroup = new LbTargetGroup(this, "targets", {
      name: `${props.name}-app`,
      vpcId: props.vpcId,
      port: props.appPort ?? 8080,
      protocol: "HTTP",
      targetType: "instance",
      deregistrationDelay: "30",
      healthCheck: { enabled: true, path: props.healthCheckPath ?? "/health", matcher: "200-399", interval: 15, healthyThreshold: 3, unhealthyThreshold: 3 },
      tags: props.tags,
    });
    new LbListener(this, "https", {
      loadBalancerArn: this.loadBalancer.arn,
      port: 443,
      protocol: "HTTPS",
      sslPolicy: tlsPolicy,
      certificateArn: props.certificateArn,
      defaultAction: [{ type: "forward", targetGroupArn: this.targetGroup.arn }],
      tags: props.tags,
    });
    new LbListener(this, "http-redirect", {
      loadBalancerArn: this.loadBalancer.arn,
      port: 80,
      protocol: "HTTP",
      defaultAction: [{ type: "redirect", redirect: { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" } }],
      tags: props.tags,
    });
    this.webAcl = new Wafv2WebAcl(this, "web-acl", {
      name: `${props.name}-web`,
      description: `Managed rule groups in front of ${props.name}`,
      scope: "REGIONAL",
      defaultAction: { allow: {} },
      // Rules as the WAF API's JSON: the provider types nested statements loosely, and cdktf's
      // HCL output would render them as an attribute instead of blocks.
      ruleJson: JSON.stringify(
        MANAGED_RULE_GROUPS.map((group, i) => ({
          Name: group,
          Priority: i + 1,
          OverrideAction: { None: {} },
          Statement: { ManagedRuleGroupStatement: { VendorName: "AWS", Name: group } },
          VisibilityConfig: { CloudWatchMetricsEnabled: true, MetricName: `${props.name}-${group}`, SampledRequestsEnabled: true },
        })),
      ),
      visibilityConfig: { cloudwatchMetricsEnabled: true, metricName: `${props.name}-web`, sampledRequestsEnabled: true },
      tags: props.tags,
    });
    new Wafv2WebAclAssociation(this, "web-acl-association", { resourceArn: this.loadBalancer.arn, webAclArn: this.webAcl.arn });
  }
}

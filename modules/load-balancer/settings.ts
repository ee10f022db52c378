/**
 * The decisions of the HTTPS load balancer, in one place: the construct (index.ts) builds its
 * resources from them and the published `load-balancer` module (publish/modules/load-balancer.ts)
 * renders them to HCL, so a change here reaches both, and __tests__/publish/parity.test.ts plans
 * both sides to prove it.
 */
import type { PolicyStatement } from "../core/policy";

/** TLS policies accepted: TLS 1.2 minimum (1.3 preferred). The first is the default. */
export const TLS_POLICIES = ["ELBSecurityPolicy-TLS13-1-2-2021-06", "ELBSecurityPolicy-TLS13-1-2-Res-2021-06", "ELBSecurityPolicy-TLS13-1-3-2021-06", "ELBSecurityPolicy-FS-1-2-Res-2020-10"] as const;
/** One of `TLS_POLICIES`. */
export type TlsPolicy = (typeof TLS_POLICIES)[number];
/** The listener's policy when none is given: TLS 1.3 preferred, TLS 1.2 accepted. */
export const DEFAULT_TLS_POLICY: TlsPolicy = TLS_POLICIES[0];

/** Load balancer name: a letter, then letters, digits or hyphens; at most 26 characters (the target group adds `-app`, and names are limited to 32). */
export const LOAD_BALANCER_NAME_PATTERN = /^[A-Za-z][A-Za-z0-9-]{0,25}$/;
export const HEALTH_CHECK_PATH_PATTERN = /^\/[\x21-\x7e]*$/;
/** An S3 key prefix without leading or trailing slash. */
export const ACCESS_LOG_PREFIX_PATTERN = /^[A-Za-z0-9!_.*'()-]+(\/[A-Za-z0-9!_.*'()-]+)*$/;

/** The internet-facing application load balancer's fixed attributes. */
export const LOAD_BALANCER_ATTRIBUTES = {
  loadBalancerType: "application",
  internal: false,
  /** Requests with header names that are not valid HTTP are dropped, not forwarded (ELB.4). */
  dropInvalidHeaderFields: true,
  /** Ambiguous requests (HTTP desync) are refused (ELB.12). */
  desyncMitigationMode: "strictest",
} as const;

/** Deletion protection unless the caller turns it off: a delete must be a deliberate two-step change (ELB.6). */
export const DEFAULT_DELETION_PROTECTION = true;

/** The target group of the app instances: HTTP inside the VPC, health-checked. */
export const TARGET_GROUP = {
  nameSuffix: "-app",
  protocol: "HTTP",
  targetType: "instance",
  deregistrationDelay: "30",
  defaultPort: 8080,
  defaultHealthCheckPath: "/health",
  healthCheck: { enabled: true, matcher: "200-399", interval: 15, healthyThreshold: 3, unhealthyThreshold: 3 },
} as const;

/** The HTTPS listener; the only one that forwards. */
export const HTTPS_LISTENER = { port: 443, protocol: "HTTPS" } as const;

/** Plain HTTP is answered with a permanent redirect to HTTPS and never forwarded. */
export const HTTP_REDIRECT_LISTENER = { port: 80, protocol: "HTTP", redirect: { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" } } as const;

/** AWS managed rule groups the web ACL applies, in priority order. */
export const MANAGED_RULE_GROUPS = ["AWSManagedRulesCommonRuleSet", "AWSManagedRulesKnownBadInputsRuleSet", "AWSManagedRulesSQLiRuleSet", "AWSManagedRulesAmazonIpReputationList"] as const;

/** The web ACL's name for a load balancer `name`. */
export const webAclName = (name: string) => `${name}-web`;

/**
 * The web ACL's rules as the WAF API's JSON (`rule_json`): each managed group enforced (override
 * action none), with metrics and sampled requests.
 */
export function webAclRules(name: string) {
  return MANAGED_RULE_GROUPS.map((group, i) => ({
    Name: group,
    Priority: i + 1,
    OverrideAction: { None: {} },
    Statement: { ManagedRuleGroupStatement: { VendorName: "AWS", Name: group } },
    VisibilityConfig: { CloudWatchMetricsEnabled: true, MetricName: `${name}-${group}`, SampledRequestsEnabled: true },
  }));
}

/** WAF delivers only to log groups whose name starts with aws-waf-logs-. */
export const wafLogGroupName = (name: string) => `aws-waf-logs-${name}`;
/** Credentials and sessions stay out of the WAF logs. */
export const WAF_REDACTED_HEADERS = ["authorization", "cookie"] as const;
export const DEFAULT_WAF_LOG_RETENTION_DAYS = 365;
/** The alias of the key the load balancer creates for its WAF log group when it is given none. */
export const wafLogKeyAlias = (name: string) => `${name}/waf-logs`;

/**
 * The accounts Elastic Load Balancing delivers access logs from, per region opened before August
 * 2022; a region opened since delivers as the service principal `logdelivery.elasticloadbalancing.amazonaws.com`.
 * @see https://docs.aws.amazon.com/elasticloadbalancing/latest/application/enable-access-logging.html
 */
export const ELB_LOG_DELIVERY_ACCOUNTS: Readonly<Record<string, string>> = {
  "us-east-1": "127311923021",
  "us-east-2": "033677994240",
  "us-west-1": "027434742980",
  "us-west-2": "797873946194",
  "af-south-1": "098369216593",
  "ap-east-1": "754344448648",
  "ap-southeast-3": "589379963580",
  "ap-south-1": "718504428378",
  "ap-northeast-3": "383597477331",
  "ap-northeast-2": "600734575887",
  "ap-southeast-1": "114774131450",
  "ap-southeast-2": "783225319266",
  "ap-northeast-1": "582318560864",
  "ca-central-1": "985666609251",
  "eu-central-1": "054676820928",
  "eu-west-1": "156460612806",
  "eu-west-2": "652711504416",
  "eu-south-1": "635631232127",
  "eu-west-3": "009996457667",
  "eu-north-1": "897822967062",
  "me-south-1": "076674570225",
  "sa-east-1": "507241528517",
  "us-gov-west-1": "048591011584",
  "us-gov-east-1": "190560391635",
  "cn-north-1": "638102146993",
  "cn-northwest-1": "037604701340",
};

/** The service principal that delivers access logs in regions opened since August 2022. */
export const ELB_LOG_DELIVERY_SERVICE = "logdelivery.elasticloadbalancing.amazonaws.com";

/** The principal a bucket policy admits for a region's load balancer access logs. */
export function elbLogDeliveryPrincipal(
  region: string,
  partition = "aws",
):
  | {
      /** The root of the region's Elastic Load Balancing account (regions opened before August 2022). */
      AWS: string;
    }
  | {
      /** The log delivery service principal (regions opened since). */
      Service: string;
    } {
  const account = ELB_LOG_DELIVERY_ACCOUNTS[region];
  return account ? { AWS: `arn:${partition}:iam::${account}:root` } : { Service: ELB_LOG_DELIVERY_SERVICE };
}

/** The bucket policy statement that lets the region's load balancers write access logs under `prefix`. */
export function elbAccessLogStatement(bucketArn: string, prefix: string, accountId: string, region: string, partition = "aws"): PolicyStatement {
  return {
    Sid: "ElbAccessLogsDelivery",
    Effect: "Allow" as const,
    Principal: elbLogDeliveryPrincipal(region, partition),
    Action: "s3:PutObject",
    Resource: `${bucketArn}/${prefix}/AWSLogs/${accountId}/*`,
  };
}

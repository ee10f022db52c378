/**
 * The CloudTrail metric-filter controls (Security Hub CloudWatch.1–14, CIS 4.x): one entry
 * per control with the filter pattern the module creates and the markers `bulwark check`
 * uses to recognise an equivalent filter written by anyone. Module and rule share this.
 */
export interface CisAlarmControl {
  /** Stable key; names the filter and the alarm. */
  readonly key: string;
  /** What the control watches, e.g. `Unauthorized API calls`; starts the alarm's description. */
  readonly title: string;
  /** Security Hub control id, e.g. `CloudWatch.2`. */
  readonly securityHub: string;
  /** CIS AWS Foundations Benchmark section, e.g. `4.1`. */
  readonly cis: string;
  /** CloudWatch Logs filter pattern over CloudTrail events that the module's metric filter uses. */
  readonly pattern: string;
  /** Every marker must appear in a filter pattern for it to count as this control. */
  readonly markers: readonly string[];
}

/**
 * How each control's alarm judges its metric (events per 5 minutes, summed), the construct's and
 * the published module's: no events in a period means nothing happened, which is not a breach.
 * A threshold override (with a reason) is a whole number in THRESHOLD_RANGE.
 */
export const CIS_ALARM_SETTINGS = {
  /** Events in a period are summed. */
  statistic: "Sum",
  /** Length of a period. */
  periodSeconds: 300,
  /** One period with an event alarms. */
  evaluationPeriods: 1,
  /** Events in a period that alarm, unless an override with a reason raises it. */
  threshold: 1,
  /** The thresholds an override may set. */
  thresholdRange: [1, 100000],
  /** At or above the threshold alarms. */
  comparisonOperator: "GreaterThanOrEqualToThreshold",
  /** No events in a period is no breach. */
  treatMissingData: "notBreaching",
  /** Characters a reason for an override needs at least. */
  reasonLength: 10,
} as const;

/** The 14 controls, in the order of the CIS sections; `CisAlarms` makes one filter and one alarm for each. */
export const CIS_ALARM_CONTROLS: readonly CisAlarmControl[] = [
  {
    key: "unauthorized-api-calls",
    title: "Unauthorized API calls",
    securityHub: "CloudWatch.2",
    cis: "4.1",
    pattern: '{ ($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*") }',
    markers: ["UnauthorizedOperation", "AccessDenied"],
  },
  {
    key: "console-signin-without-mfa",
    title: "Console sign-in without MFA",
    securityHub: "CloudWatch.3",
    cis: "4.2",
    pattern: '{ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed != "Yes") && ($.userIdentity.type = "IAMUser") && ($.responseElements.ConsoleLogin = "Success") }',
    markers: ["ConsoleLogin", "MFAUsed"],
  },
  {
    key: "root-account-use",
    title: "Use of the root account",
    securityHub: "CloudWatch.1",
    cis: "4.3",
    pattern: '{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS && $.eventType != "AwsServiceEvent" }',
    markers: ["userIdentity.type", "Root"],
  },
  {
    key: "iam-policy-changes",
    title: "IAM policy changes",
    securityHub: "CloudWatch.4",
    cis: "4.4",
    pattern:
      "{ ($.eventName=DeleteGroupPolicy) || ($.eventName=DeleteRolePolicy) || ($.eventName=DeleteUserPolicy) || ($.eventName=PutGroupPolicy) || ($.eventName=PutRolePolicy) || ($.eventName=PutUserPolicy) || ($.eventName=CreatePolicy) || ($.eventName=DeletePolicy) || ($.eventName=CreatePolicyVersion) || ($.eventName=DeletePolicyVersion) || ($.eventName=AttachRolePolicy) || ($.eventName=DetachRolePolicy) || ($.eventName=AttachUserPolicy) || ($.eventName=DetachUserPolicy) || ($.eventName=AttachGroupPolicy) || ($.eventName=DetachGroupPolicy) }",
    markers: ["DeleteGroupPolicy", "AttachRolePolicy"],
  },
  {
    key: "cloudtrail-changes",
    title: "CloudTrail configuration changes",
    securityHub: "CloudWatch.5",
    cis: "4.5",
    pattern: "{ ($.eventName = CreateTrail) || ($.eventName = UpdateTrail) || ($.eventName = DeleteTrail) || ($.eventName = StartLogging) || ($.eventName = StopLogging) }",
    markers: ["CreateTrail", "StopLogging"],
  },
  {
    key: "console-auth-failures",
    title: "Console authentication failures",
    securityHub: "CloudWatch.6",
    cis: "4.6",
    pattern: '{ ($.eventName = ConsoleLogin) && ($.errorMessage = "Failed authentication") }',
    markers: ["ConsoleLogin", "Failed authentication"],
  },
  {
    key: "cmk-disable-or-deletion",
    title: "Disabling or scheduled deletion of customer-managed keys",
    securityHub: "CloudWatch.7",
    cis: "4.7",
    pattern: "{ ($.eventSource = kms.amazonaws.com) && (($.eventName = DisableKey) || ($.eventName = ScheduleKeyDeletion)) }",
    markers: ["DisableKey", "ScheduleKeyDeletion"],
  },
  {
    key: "s3-bucket-policy-changes",
    title: "S3 bucket policy changes",
    securityHub: "CloudWatch.8",
    cis: "4.8",
    pattern:
      "{ ($.eventSource = s3.amazonaws.com) && (($.eventName = PutBucketAcl) || ($.eventName = PutBucketPolicy) || ($.eventName = PutBucketCors) || ($.eventName = PutBucketLifecycle) || ($.eventName = PutBucketReplication) || ($.eventName = DeleteBucketPolicy) || ($.eventName = DeleteBucketCors) || ($.eventName = DeleteBucketLifecycle) || ($.eventName = DeleteBucketReplication)) }",
    markers: ["PutBucketPolicy"],
  },
  {
    key: "config-changes",
    title: "AWS Config configuration changes",
    securityHub: "CloudWatch.9",
    cis: "4.9",
    pattern: "{ ($.eventSource = config.amazonaws.com) && (($.eventName = StopConfigurationRecorder) || ($.eventName = DeleteDeliveryChannel) || ($.eventName = PutDeliveryChannel) || ($.eventName = PutConfigurationRecorder)) }",
    markers: ["StopConfigurationRecorder"],
  },
  {
    key: "security-group-changes",
    title: "Security group changes",
    securityHub: "CloudWatch.10",
    cis: "4.10",
    pattern:
      "{ ($.eventName = AuthorizeSecurityGroupIngress) || ($.eventName = AuthorizeSecurityGroupEgress) || ($.eventName = RevokeSecurityGroupIngress) || ($.eventName = RevokeSecurityGroupEgress) || ($.eventName = CreateSecurityGroup) || ($.eventName = DeleteSecurityGroup) }",
    markers: ["AuthorizeSecurityGroupIngress"],
  },
  {
    key: "nacl-changes",
    title: "Network ACL changes",
    securityHub: "CloudWatch.11",
    cis: "4.11",
    pattern:
      "{ ($.eventName = CreateNetworkAcl) || ($.eventName = CreateNetworkAclEntry) || ($.eventName = DeleteNetworkAcl) || ($.eventName = DeleteNetworkAclEntry) || ($.eventName = ReplaceNetworkAclEntry) || ($.eventName = ReplaceNetworkAclAssociation) }",
    markers: ["CreateNetworkAcl"],
  },
  {
    key: "network-gateway-changes",
    title: "Network gateway changes",
    securityHub: "CloudWatch.12",
    cis: "4.12",
    pattern:
      "{ ($.eventName = CreateCustomerGateway) || ($.eventName = DeleteCustomerGateway) || ($.eventName = AttachInternetGateway) || ($.eventName = CreateInternetGateway) || ($.eventName = DeleteInternetGateway) || ($.eventName = DetachInternetGateway) }",
    markers: ["AttachInternetGateway"],
  },
  {
    key: "route-table-changes",
    title: "Route table changes",
    securityHub: "CloudWatch.13",
    cis: "4.13",
    pattern:
      "{ ($.eventSource = ec2.amazonaws.com) && (($.eventName = CreateRoute) || ($.eventName = CreateRouteTable) || ($.eventName = ReplaceRoute) || ($.eventName = ReplaceRouteTableAssociation) || ($.eventName = DeleteRouteTable) || ($.eventName = DeleteRoute) || ($.eventName = DisassociateRouteTable)) }",
    markers: ["CreateRoute", "ReplaceRouteTableAssociation"],
  },
  {
    key: "vpc-changes",
    title: "VPC changes",
    securityHub: "CloudWatch.14",
    cis: "4.14",
    pattern:
      "{ ($.eventName = CreateVpc) || ($.eventName = DeleteVpc) || ($.eventName = ModifyVpcAttribute) || ($.eventName = AcceptVpcPeeringConnection) || ($.eventName = CreateVpcPeeringConnection) || ($.eventName = DeleteVpcPeeringConnection) || ($.eventName = RejectVpcPeeringConnection) || ($.eventName = AttachClassicLinkVpc) || ($.eventName = DetachClassicLinkVpc) || ($.eventName = DisableVpcClassicLink) || ($.eventName = EnableVpcClassicLink) }",
    markers: ["CreateVpc", "ModifyVpcAttribute"],
  },
];

/** The control a metric-filter pattern implements, if any. */
export function controlOfPattern(pattern: string): CisAlarmControl | undefined {
  return CIS_ALARM_CONTROLS.find((c) => c.markers.every((m) => pattern.includes(m)));
}

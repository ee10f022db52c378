import { AlarmTopic, AsgAlarms } from "../../modules/alarms";
import { AccountAudit } from "../../modules/audit";
import { Bastion } from "../../modules/bastion";
import { managementTierRules, NetworkAclTier } from "../../modules/network-acl";
import { HardenedSecurityGroup } from "../../modules/security-groups";
import { describeParity, ParityCase } from "../support/parity";
import { CASES_2, more2 } from "./parity-cases-2";
import { CASES_3, more3, OPTIONS_3 } from "./parity-cases-3";
import { TEST_ACCOUNT } from "../support/synth";

/**
 * alarms, bastion, network-acl, security-groups and audit (the other modules' cases are in
 * parity-cases-2.ts and parity-cases-3.ts): each construct and its published module called with
 * the same inputs, first with default props, then with the documented options and the weakened
 * modes with their reasons, all planned offline in one root per side (see describeParity) and
 * compared resource by resource, findings and suppressions included.
 */
const AMI = "ami-0123456789abcdef0";
const VPC = "vpc-0123456789abcdef0";
const SUBNET = "subnet-0123456789abcdef0";
const ENDPOINTS_SG = "sg-0123456789abcdef0";
const ACCOUNT = `account_id = "${TEST_ACCOUNT.accountId}"`;
const KEY = `arn:aws:kms:${TEST_ACCOUNT.region}:${TEST_ACCOUNT.accountId}:key/11111111-2222-4333-8444-555555555555`;
const S3_PREFIX_LIST = "pl-6da54004";
const TAGS = { team: "platform", "cost-centre": "42" };
const TAGS_HCL = `tags = { team = "platform", "cost-centre" = "42" }`;

const CASES: ParityCase[] = [
  {
    id: "alarms",
    module: "alarms",
    construct: (s) => {
      const topic = new AlarmTopic(s, "topic", { name: "ops" });
      new AsgAlarms(s, "asg", { name: "ops", autoScalingGroupName: "app", topicArn: topic.arn, minInService: 1 });
    },
    call: `${ACCOUNT}
  name                   = "ops"
  autoscaling_group_name = "app"
  min_in_service         = 1`,
  },
  {
    id: "bastion",
    module: "bastion",
    construct: (s) => new Bastion(s, "bastion", { name: "ops-bastion", vpcId: VPC, vpcCidr: "10.0.0.0/16", subnetIds: { a: SUBNET }, endpointsSecurityGroupId: ENDPOINTS_SG, image: { amiId: AMI } }),
    call: `${ACCOUNT}
  name                        = "ops-bastion"
  vpc_id                      = "${VPC}"
  vpc_cidr                    = "10.0.0.0/16"
  subnet_ids                  = ["${SUBNET}"]
  endpoints_security_group_id = "${ENDPOINTS_SG}"
  ami_id                      = "${AMI}"`,
  },
  {
    id: "acl",
    module: "network-acl",
    construct: (s) =>
      new NetworkAclTier(s, "acl", {
        name: "app",
        vpcId: VPC,
        subnetIds: { a: SUBNET },
        rules: {
          "https-in": { direction: "ingress", protocol: "tcp", port: 443, cidr: "10.0.0.0/16" },
          "https-return": { direction: "egress", protocol: "tcp", fromPort: 1024, toPort: 65535, cidr: "10.0.0.0/16" },
          "deny-bad": { direction: "ingress", action: "deny", protocol: "all", cidr: "10.0.99.0/24" },
          "ping-v6": { direction: "ingress", protocol: "icmpv6", cidr: "fd00::/8", icmpType: 128 },
        },
      }),
    call: `name       = "app"
  vpc_id     = "${VPC}"
  subnet_ids = { a = "${SUBNET}" }
  rules = {
    https-in     = { direction = "ingress", protocol = "tcp", from_port = 443, to_port = 443, cidr = "10.0.0.0/16" }
    https-return = { direction = "egress", protocol = "tcp", from_port = 1024, to_port = 65535, cidr = "10.0.0.0/16" }
    deny-bad     = { direction = "ingress", action = "deny", protocol = "all", cidr = "10.0.99.0/24" }
    ping-v6      = { direction = "ingress", protocol = "icmpv6", cidr = "fd00::/8", icmp_type = 128 }
  }`,
  },
  {
    id: "sg",
    module: "security-groups",
    construct: (s) =>
      new HardenedSecurityGroup(s, "sg", {
        name: "app",
        description: "App instances",
        vpcId: VPC,
        rules: {
          "from-alb": { direction: "ingress", description: "App port from the load balancer", port: 8080, peer: { securityGroupId: ENDPOINTS_SG } },
          dns: { direction: "egress", description: "DNS to the resolver", protocol: "udp", port: 53, peer: { cidr: "10.0.0.0/16" } },
        },
      }),
    call: `name        = "app"
  description = "App instances"
  vpc_id      = "${VPC}"
  rules = {
    from-alb = { direction = "ingress", description = "App port from the load balancer", from_port = 8080, security_group_id = "${ENDPOINTS_SG}" }
    dns      = { direction = "egress", description = "DNS to the resolver", protocol = "udp", from_port = 53, cidr = "10.0.0.0/16" }
  }`,
  },
  {
    id: "audit",
    module: "audit",
    // The copy in a second region, as the reference environments make it.
    construct: (s, ctx) => new AccountAudit(s, "audit", { name: "ops", replication: { region: "eu-central-1", provider: ctx.providers.copy } }),
    call: `providers = {
    aws         = aws
    aws.replica = aws.copy
  }
  ${ACCOUNT}
  name = "ops"`,
  },

  // ---- the documented options, the weakened modes with their reasons among them ----
  {
    // The caller's key, subscribers, every tuning, a larger group, unhealthy targets and network anomaly bands.
    id: "alarms-opts",
    module: "alarms",
    construct: (s) => {
      const topic = new AlarmTopic(s, "topic", {
        name: "prod",
        kmsKeyArn: KEY,
        subscriptions: { oncall: { protocol: "email", endpoint: "oncall@example.com" }, pager: { protocol: "https", endpoint: "https://pager.example.com/hook" } },
        tags: TAGS,
      });
      const tuning = { periodSeconds: 60, evaluationPeriods: 5, datapointsToAlarm: 3 };
      new AsgAlarms(s, "asg", {
        name: "prod",
        autoScalingGroupName: "prod-app",
        topicArn: topic.arn,
        minInService: 3,
        cpu: { threshold: 70, ...tuning },
        agent: { threshold: 90, ...tuning },
        targetGroup: { targetGroupArnSuffix: "targetgroup/prod-app/0123456789abcdef", loadBalancerArnSuffix: "app/prod-web/0123456789abcdef" },
        networkAnomalyBand: 2.5,
        tags: TAGS,
      });
    },
    call: `${ACCOUNT}
  name           = "prod"
  create_kms_key = false
  kms_key_arn    = "${KEY}"
  subscriptions = {
    oncall = { protocol = "email", endpoint = "oncall@example.com" }
    pager  = { protocol = "https", endpoint = "https://pager.example.com/hook" }
  }
  autoscaling_group_name = "prod-app"
  min_in_service         = 3
  cpu_threshold          = 70
  agent_threshold        = 90
  period                 = 60
  evaluation_periods     = 5
  datapoints_to_alarm    = 3
  target_group           = { target_group_arn_suffix = "targetgroup/prod-app/0123456789abcdef", load_balancer_arn_suffix = "app/prod-web/0123456789abcdef" }
  network_anomaly_band   = 2.5
  ${TAGS_HCL}`,
  },
  {
    // The management preset with the caller's rules: a reasoned world RDP, an explicit number, a larger quota.
    id: "acl-opts",
    module: "network-acl",
    construct: (s) =>
      new NetworkAclTier(s, "acl", {
        name: "mgmt",
        vpcId: VPC,
        subnetIds: { a: SUBNET, b: "subnet-0123456789abcdef1" },
        rules: {
          ...managementTierRules({ vpcCidr: "10.0.0.0/16", sshCidrs: ["203.0.113.10/32"], vpcPorts: [22, 5432], httpsToInternet: true }),
          "vendor-rdp": { direction: "ingress", protocol: "tcp", port: 3389, cidr: "0.0.0.0/0", allowWorldAdminAccess: { reason: "vendor jump host, ticket SEC-77" } },
          pinned: { direction: "ingress", action: "deny", protocol: "udp", fromPort: 0, toPort: 65535, cidr: "10.0.99.0/24", ruleNumber: 500 },
        },
        ruleQuota: 30,
        tags: TAGS,
      }),
    call: `name       = "mgmt"
  vpc_id     = "${VPC}"
  subnet_ids = { a = "${SUBNET}", b = "subnet-0123456789abcdef1" }
  preset     = { tier = "management", vpc_cidr = "10.0.0.0/16", ssh_cidrs = ["203.0.113.10/32"], vpc_ports = [22, 5432], https_to_internet = true }
  rules = {
    vendor-rdp = { direction = "ingress", protocol = "tcp", from_port = 3389, to_port = 3389, cidr = "0.0.0.0/0", allow_world_admin_reason = "vendor jump host, ticket SEC-77" }
    pinned     = { direction = "ingress", action = "deny", protocol = "udp", from_port = 0, to_port = 65535, cidr = "10.0.99.0/24", rule_number = 500 }
  }
  rule_quota = 30
  ${TAGS_HCL}`,
  },
  {
    // A reasoned world SSH, IPv6, a prefix list, icmp, all protocols, a port range.
    id: "sg-opts",
    module: "security-groups",
    construct: (s) =>
      new HardenedSecurityGroup(s, "sg", {
        name: "edge",
        description: "Vendor appliance",
        vpcId: VPC,
        rules: {
          "vendor-ssh": { direction: "ingress", description: "SSH for the vendor", port: 22, peer: { cidr: "0.0.0.0/0" }, allowWorldAdminAccess: { reason: "vendor appliance, ticket SEC-42" } },
          "https-v6": { direction: "ingress", description: "HTTPS over IPv6", port: 443, peer: { cidr: "::/0" } },
          "s3-out": { direction: "egress", description: "HTTPS to S3", port: 443, peer: { prefixListId: S3_PREFIX_LIST } },
          ping: { direction: "ingress", description: "Ping from the VPC", protocol: "icmp", peer: { cidr: "10.0.0.0/16" } },
          "vpc-out": { direction: "egress", description: "Anything to the VPC", protocol: "all", peer: { cidr: "10.0.0.0/16" } },
          "app-range": { direction: "ingress", description: "App ports from the VPC", fromPort: 8000, toPort: 8100, peer: { cidr: "10.0.0.0/16" } },
        },
        tags: TAGS,
      }),
    call: `name        = "edge"
  description = "Vendor appliance"
  vpc_id      = "${VPC}"
  rules = {
    vendor-ssh = { direction = "ingress", description = "SSH for the vendor", from_port = 22, cidr = "0.0.0.0/0", allow_world_admin_reason = "vendor appliance, ticket SEC-42" }
    https-v6   = { direction = "ingress", description = "HTTPS over IPv6", from_port = 443, cidr = "::/0" }
    s3-out     = { direction = "egress", description = "HTTPS to S3", from_port = 443, prefix_list_id = "${S3_PREFIX_LIST}" }
    ping       = { direction = "ingress", description = "Ping from the VPC", protocol = "icmp", cidr = "10.0.0.0/16" }
    vpc-out    = { direction = "egress", description = "Anything to the VPC", protocol = "all", cidr = "10.0.0.0/16" }
    app-range  = { direction = "ingress", description = "App ports from the VPC", from_port = 8000, to_port = 8100, cidr = "10.0.0.0/16" }
  }
  ${TAGS_HCL}`,
  },
  {
    // The caller's key, longer retention, a subset of the Config rules.
    id: "audit-opts",
    module: "audit",
    construct: (s) =>
      new AccountAudit(s, "audit", { name: "prod", kmsKeyArn: KEY, logRetentionDays: 731, bucketRetentionDays: 3650, configRules: ["ec2-imdsv2-check", "encrypted-volumes", "vpc-flow-logs-enabled"], bucketName: "prod.audit-logs", accessLogBucketName: "prod-access-logs", objectLock: { mode: "GOVERNANCE", days: 400 }, loadBalancerLogPrefix: "load-balancers", tags: TAGS }),
    call: `providers = {
    aws         = aws
    aws.replica = aws.copy
  }
  ${ACCOUNT}
  replicate             = false
  name                  = "prod"
  create_kms_key        = false
  kms_key_arn           = "${KEY}"
  log_retention_days    = 731
  bucket_retention_days = 3650
  config_rules          = ["ec2-imdsv2-check", "encrypted-volumes", "vpc-flow-logs-enabled"]
  bucket_name            = "prod.audit-logs"
  access_log_bucket_name = "prod-access-logs"
  object_lock            = { mode = "GOVERNANCE", days = 400 }
  load_balancer_log_prefix = "load-balancers"
  ${TAGS_HCL}`,
  },
  {
    // Session Manager mode with its options (SSH mode has its own parity file).
    id: "bastion-opts",
    module: "bastion",
    construct: (s) =>
      new Bastion(s, "bastion", {
        name: "prod-bastion",
        vpcId: VPC,
        vpcCidr: "10.0.0.0/16",
        subnetIds: { a: SUBNET, b: "subnet-0123456789abcdef1" },
        endpointsSecurityGroupId: ENDPOINTS_SG,
        s3PrefixListId: S3_PREFIX_LIST,
        image: { amiId: AMI },
        instanceType: "t3.small",
        kmsKeyArn: KEY,
        idleTimeoutMinutes: 10,
        maxSessionMinutes: 120,
        runAsUser: "operator",
        operatorGroups: ["ops"],
        operatorRoles: ["oncall"],
        logRetentionDays: 731,
        instanceTags: { "Patch Group": "bastions", backup: "daily" },
        tags: TAGS,
      }),
    call: `${ACCOUNT}
  name                        = "prod-bastion"
  vpc_id                      = "${VPC}"
  vpc_cidr                    = "10.0.0.0/16"
  subnet_ids                  = ["${SUBNET}", "subnet-0123456789abcdef1"]
  endpoints_security_group_id = "${ENDPOINTS_SG}"
  s3_prefix_list_id           = "${S3_PREFIX_LIST}"
  ami_id                      = "${AMI}"
  instance_type               = "t3.small"
  create_kms_key              = false
  kms_key_arn                 = "${KEY}"
  idle_timeout_minutes        = 10
  max_session_minutes         = 120
  run_as_user                 = "operator"
  operator_group_names        = ["ops"]
  operator_role_names         = ["oncall"]
  log_retention_days          = 731
  instance_tags               = { "Patch Group" = "bastions", backup = "daily" }
  ${TAGS_HCL}`,
  },
];

/**
 * Every case in one stack and one root (one publish, one init, one offline plan and one plan with the mocks'
 * values per side): the cases of parity-cases-2.ts (load balancer, SSH bastion) and parity-cases-3.ts
 * (kms-key, launch-template, auto-scaling, network, ebs-defaults, cis-alarms, backup, patching) too.
 */
describeParity("published modules plan what their constructs plan (every module: defaults and options)", [...CASES, ...CASES_2, ...CASES_3], OPTIONS_3, (run) => {
  it("compares the policies and documents that plans cannot know, with the mocks' values", () => {
    const { cases } = run();
    expect(cases.alarms.comparedWithMocks).toContain("alarms aws_sns_topic_policy[#0].policy");
    expect(cases.bastion.comparedWithMocks).toEqual(expect.arrayContaining(['bastion aws_ssm_document["ops-bastion-session-preferences"].content', 'bastion aws_iam_policy["ops-bastion-operators"].policy']));
    expect(cases.audit.comparedWithMocks).toContain('audit aws_iam_role_policy["write-trail-log-group"].policy');
    // Resources of a module the module calls (its kms-key, the bastion's launch template) are compared on the plans only.
    expect(cases.bastion.notCompared.every((k) => /^aws_(kms_alias|cloudwatch_log_group)\[/.test(k))).toBe(true);
    // What neither side sets nor the mocks give (an endpoint's policy, left to AWS) stays unknown even so: listed.
    expect(cases.net.notCompared).toContain('aws_vpc_endpoint["com.amazonaws.eu-west-1.ec2"].policy');
  });
  more2(run);
  more3(run);
});

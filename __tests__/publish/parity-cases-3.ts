import { HardenedAutoScalingGroup } from "../../modules/auto-scaling";
import { Backup } from "../../modules/backup";
import { CisAlarms } from "../../modules/cis-alarms";
import { EbsDefaults } from "../../modules/ebs-defaults";
import { HardenedKmsKey, KMS_KEY_SERVICES } from "../../modules/kms-key";
import { HardenedLaunchTemplate } from "../../modules/launch-template";
import { Network } from "../../modules/network";
import { Patching } from "../../modules/patching";
import * as fs from "node:fs";
import * as path from "node:path";
import { SUPPRESSIONS_OUTPUT } from "../../publish/suppressions";
import { bulwark } from "../support/cli";
import { ParityCase, ParityOptions, ParityRun } from "../support/parity";
import { TEST_ACCOUNT } from "../support/synth";

/**
 * kms-key, launch-template, auto-scaling, network, ebs-defaults, cis-alarms, backup and patching:
 * each construct and its published module called with the same inputs, first with default props,
 * then with the documented options and the weakened modes with their reasons, all in one root per
 * side (see describeParity), compared resource by resource, findings and suppressions included.
 */
const ACCOUNT = TEST_ACCOUNT.accountId;
const AMI = "ami-0123456789abcdef0";
const KEY = `arn:aws:kms:${TEST_ACCOUNT.region}:${ACCOUNT}:key/11111111-2222-4333-8444-555555555555`;
const SGS = ["sg-0123456789abcdef0", "sg-0123456789abcdef1"];
const LT = "lt-0123456789abcdef0";
const TG = `arn:aws:elasticloadbalancing:${TEST_ACCOUNT.region}:${ACCOUNT}:targetgroup/app/0123456789abcdef`;
const TOPIC = `arn:aws:sns:${TEST_ACCOUNT.region}:${ACCOUNT}:prod-alarms`;
const OPS_TOPIC = `arn:aws:sns:${TEST_ACCOUNT.region}:${ACCOUNT}:ops-alarms`;
const TAGS = { team: "platform", "cost-centre": "42" };
const TAGS_HCL = `tags = { team = "platform", "cost-centre" = "42" }`;
const SUBNETS = { "eu-west-1b": "subnet-0123456789abcdef1", "eu-west-1a": "subnet-0123456789abcdef0" };
const SUBNETS_HCL = `{ "eu-west-1b" = "subnet-0123456789abcdef1", "eu-west-1a" = "subnet-0123456789abcdef0" }`;

/** Cases of published modules plan what their constructs plan (kms-key, launch-template, auto-scaling, network, ebs-defaults, cis-alarms, backup, patching: defaults and options). */
export const CASES_3: ParityCase[] = [
  {
    id: "kms",
    module: "kms-key",
    construct: (s) => new HardenedKmsKey(s, "key", { alias: "ops/data" }),
    call: `account_id = "${ACCOUNT}"
  alias = "ops/data"`,
  },
  {
    id: "lt",
    module: "launch-template",
    construct: (s) => new HardenedLaunchTemplate(s, "lt", { name: "app", image: { amiId: AMI }, instanceType: "t3.micro", securityGroupIds: [SGS[0]] }),
    call: `account_id = "${ACCOUNT}"
  name               = "app"
  ami_id             = "${AMI}"
  instance_type      = "t3.micro"
  security_group_ids = ["${SGS[0]}"]`,
  },
  {
    id: "asg",
    module: "auto-scaling",
    construct: (s) => new HardenedAutoScalingGroup(s, "asg", { name: "app", launchTemplate: { id: LT, latestVersion: 7, imageId: AMI }, subnetIds: SUBNETS, minSize: 2, maxSize: 4 }),
    call: `name            = "app"
  launch_template = { id = "${LT}", latest_version = 7, image_id = "${AMI}" }
  subnet_ids      = ${SUBNETS_HCL}
  min_size        = 2
  max_size        = 4`,
  },
  {
    // The construct carves the private subnets from the VPC (one tier, two zones: two /17s); the module takes them.
    id: "net",
    module: "network",
    construct: (s) => new Network(s, "net", { name: "ops", cidr: "10.0.0.0/16", availabilityZones: ["eu-west-1a", "eu-west-1b"] }),
    call: `account_id = "${ACCOUNT}"
  name            = "ops"
  cidr            = "10.0.0.0/16"
  private_subnets = { "eu-west-1a" = "10.0.0.0/17", "eu-west-1b" = "10.0.128.0/17" }`,
  },
  {
    id: "ebs",
    module: "ebs-defaults",
    construct: (s) => new EbsDefaults(s, "ebs", { name: "ops" }),
    call: `account_id = "${ACCOUNT}"
  name = "ops"`,
  },
  {
    id: "cis",
    module: "cis-alarms",
    construct: (s) => new CisAlarms(s, "cis", { name: "ops", logGroupName: "/bulwark/ops/cloudtrail", alarmTopicArn: OPS_TOPIC }),
    call: `name            = "ops"
  log_group_name  = "/bulwark/ops/cloudtrail"
  alarm_topic_arn = "${OPS_TOPIC}"`,
  },
  {
    id: "backup",
    module: "backup",
    construct: (s, ctx) => new Backup(s, "backup", { name: "ops", copyRegion: "eu-central-1", copyProvider: ctx.providers.copy }),
    call: `providers = {
    aws      = aws
    aws.copy = aws.copy
  }
  account_id = "${ACCOUNT}"
  name = "ops"`,
  },
  {
    id: "patching",
    module: "patching",
    construct: (s) => new Patching(s, "patching", { name: "ops" }),
    call: `name = "ops"`,
  },

  // ---- the documented options, the weakened modes with their reasons among them ----
  {
    id: "kms-opts",
    module: "kms-key",
    construct: (s) => new HardenedKmsKey(s, "key", { alias: "prod/shared", description: "Shared key of prod", services: [...KMS_KEY_SERVICES], deletionWindowInDays: 7, tags: TAGS }),
    call: `account_id              = "${ACCOUNT}"
  alias                   = "prod/shared"
  description             = "Shared key of prod"
  services                = ${JSON.stringify(KMS_KEY_SERVICES)}
  deletion_window_in_days = 7
  ${TAGS_HCL}`,
  },
  {
    // Ubuntu from an SSM parameter, the caller's key, io2/gp3/st1 volumes, and both weakened modes with their reasons.
    id: "lt-opts",
    module: "launch-template",
    construct: (s) =>
      new HardenedLaunchTemplate(s, "lt", {
        name: "worker",
        image: { ssmParameter: "/aws/service/canonical/ubuntu/server/22.04/stable/current/amd64/hvm/ebs-gp2/ami-id" },
        os: "ubuntu",
        rootDeviceName: "/dev/xvda",
        instanceType: "m7i.large",
        securityGroupIds: SGS,
        kmsKeyArn: KEY,
        rootVolume: { sizeGiB: 50, volumeType: "io2", iops: 5000 },
        dataVolumes: { data: { deviceName: "/dev/xvdf", sizeGiB: 200, iops: 4000, throughputMiBps: 250 }, scratch: { deviceName: "/dev/sdf", sizeGiB: 500, volumeType: "st1" } },
        containerMetadataAccess: { reason: "ECS tasks read their credentials from instance metadata", hopLimit: 3 },
        instanceMetadataTags: true,
        disableDetailedMonitoring: { reason: "batch workers: five-minute metrics are enough" },
        dedicatedTenancy: true,
        extraManagedPolicyArns: { "read-bucket": `arn:aws:iam::${ACCOUNT}:policy/read-bucket` },
        permissionsBoundaryArn: `arn:aws:iam::${ACCOUNT}:policy/boundary`,
        logRetentionDays: 731,
        tags: TAGS,
      }),
    call: `account_id                = "${ACCOUNT}"
  name                      = "worker"
  image_ssm_parameter       = "/aws/service/canonical/ubuntu/server/22.04/stable/current/amd64/hvm/ebs-gp2/ami-id"
  os                        = "ubuntu"
  root_device_name          = "/dev/xvda"
  instance_type             = "m7i.large"
  security_group_ids        = ${JSON.stringify(SGS)}
  create_kms_key            = false
  kms_key_arn               = "${KEY}"
  root_volume               = { size_gib = 50, type = "io2", iops = 5000 }
  data_volumes = {
    data    = { device_name = "/dev/xvdf", size_gib = 200, iops = 4000, throughput = 250 }
    scratch = { device_name = "/dev/sdf", size_gib = 500, type = "st1" }
  }
  container_metadata_access          = { reason = "ECS tasks read their credentials from instance metadata", hop_limit = 3 }
  instance_metadata_tags             = true
  disable_detailed_monitoring_reason = "batch workers: five-minute metrics are enough"
  dedicated_tenancy                  = true
  extra_managed_policy_arns          = { read-bucket = "arn:aws:iam::${ACCOUNT}:policy/read-bucket" }
  permissions_boundary_arn           = "arn:aws:iam::${ACCOUNT}:policy/boundary"
  log_retention_days                 = 731
  ${TAGS_HCL}`,
  },
  {
    // The user-data options: SSH users, a host firewall rule per family, services disabled, an extra part.
    id: "lt-user-data",
    module: "launch-template",
    construct: (s) =>
      new HardenedLaunchTemplate(s, "lt", {
        name: "web",
        image: { amiId: AMI },
        instanceType: "t3.micro",
        securityGroupIds: SGS,
        kmsKeyArn: KEY,
        userData: {
          sshAllowUsers: ["ec2-user", "deploy"],
          firewallAllow: { https: { port: 443, sources: ["10.0.0.0/8", "fd00::/8"] }, dns: { port: 53, protocol: "udp", sources: ["10.1.0.0/16"] } },
          disableServices: ["postfix", "bluetooth", "cups"],
          extraParts: [{ contentType: "text/x-shellscript", content: "#!/bin/bash\necho ready > /run/ready" }],
        },
      }),
    call: `account_id         = "${ACCOUNT}"
  name               = "web"
  ami_id             = "${AMI}"
  instance_type      = "t3.micro"
  security_group_ids = ${JSON.stringify(SGS)}
  create_kms_key     = false
  kms_key_arn        = "${KEY}"
  ssh_allow_users    = ["ec2-user", "deploy"]
  host_firewall_allow = {
    https = { port = 443, sources = ["10.0.0.0/8", "fd00::/8"] }
    dns   = { port = 53, protocol = "udp", sources = ["10.1.0.0/16"] }
  }
  disable_services      = ["postfix", "bluetooth", "cups"]
  extra_user_data_parts = [{ content_type = "text/x-shellscript", content = "#!/bin/bash\\necho ready > /run/ready" }]`,
  },
  {
    // Data volumes with the module's own key: the plan cannot say which key the data volumes' dynamic blocks name.
    id: "lt-data",
    module: "launch-template",
    construct: (s) => new HardenedLaunchTemplate(s, "lt", { name: "data", image: { amiId: AMI }, instanceType: "t3.micro", securityGroupIds: SGS, dataVolumes: { data: { deviceName: "/dev/sdf", sizeGiB: 100 } } }),
    call: `account_id         = "${ACCOUNT}"
  name               = "data"
  ami_id             = "${AMI}"
  instance_type      = "t3.micro"
  security_group_ids = ${JSON.stringify(SGS)}
  data_volumes       = { data = { device_name = "/dev/sdf", size_gib = 100 } }`,
    moduleOnlyFindings: Array(2).fill('ebs-cmk unverifiable on aws_launch_template["data"]'),
  },
  {
    // One instance behind a load balancer, an SSM image (no rollback), checkpoints, instance tags, a longer grace period.
    id: "asg-lb",
    module: "auto-scaling",
    construct: (s) =>
      new HardenedAutoScalingGroup(s, "asg", {
        name: "web",
        launchTemplate: { id: LT, latestVersion: 2, imageId: "resolve:ssm:/aws/service/ami" },
        subnetIds: SUBNETS,
        minSize: 1,
        maxSize: 3,
        targetGroupArns: [TG],
        healthCheckGracePeriodSeconds: 600,
        instanceTags: { "patch-group": "web", backup: "daily" },
        refresh: { checkpointPercentages: [50, 100], checkpointDelaySeconds: 900, scaleInProtectedInstances: "Wait", standbyInstances: "Ignore" },
      }),
    call: `name                      = "web"
  launch_template           = { id = "${LT}", latest_version = 2, image_id = "resolve:ssm:/aws/service/ami" }
  subnet_ids                = ${SUBNETS_HCL}
  min_size                  = 1
  max_size                  = 3
  target_group_arns         = ["${TG}"]
  health_check_grace_period = 600
  instance_tags             = { "patch-group" = "web", backup = "daily" }
  refresh                   = { checkpoint_percentages = [50, 100], checkpoint_delay = 900, scale_in_protected_instances = "Wait", standby_instances = "Ignore" }`,
  },
  {
    // Ten instances and more: 10 % is more than one instance; explicit warm-up, minimum, maximum and rollback.
    id: "asg-fleet",
    module: "auto-scaling",
    construct: (s) =>
      new HardenedAutoScalingGroup(s, "asg", {
        name: "fleet",
        launchTemplate: { id: LT, latestVersion: 12 },
        subnetIds: SUBNETS,
        minSize: 10,
        maxSize: 20,
        desiredCapacity: 12,
        refresh: { minHealthyPercentage: 90, maxHealthyPercentage: 120, instanceWarmupSeconds: 120, skipMatching: false, autoRollback: false },
      }),
    call: `name             = "fleet"
  launch_template  = { id = "${LT}", latest_version = 12 }
  subnet_ids       = ${SUBNETS_HCL}
  min_size         = 10
  max_size         = 20
  desired_capacity = 12
  refresh          = { min_healthy_percentage = 90, max_healthy_percentage = 120, instance_warmup = 120, skip_matching = false, auto_rollback = false }`,
  },
  {
    // Every tier, a NAT gateway per zone, the caller's key and endpoints, longer retention, and the
    // public tier's ACL replaced by the caller's rules, one a reasoned world SSH; a raised ACL rule quota.
    id: "net-opts",
    module: "network",
    construct: (s) =>
      new Network(s, "net", {
        name: "prod",
        cidr: "10.20.0.0/16",
        availabilityZones: ["eu-west-1b", "eu-west-1a"],
        tiers: ["public", "private", "isolated"],
        subnetCidrs: {
          public: { "eu-west-1a": "10.20.0.0/24", "eu-west-1b": "10.20.1.0/24" },
          private: { "eu-west-1a": "10.20.16.0/20", "eu-west-1b": "10.20.32.0/20" },
          isolated: { "eu-west-1a": "10.20.64.0/24", "eu-west-1b": "10.20.65.0/24" },
        },
        natGateways: "per-az",
        interfaceEndpoints: ["ssm", "ssmmessages", "ec2messages", "logs"],
        kmsKeyArn: KEY,
        flowLogs: { retentionDays: 731 },
        aclRules: {
          public: {
            "https-in": { direction: "ingress", protocol: "tcp", port: 443, cidr: "0.0.0.0/0" },
            "vendor-ssh": { direction: "ingress", protocol: "tcp", port: 22, cidr: "0.0.0.0/0", allowWorldAdminAccess: { reason: "vendor appliance in the public tier, ticket SEC-42" } },
            "all-out": { direction: "egress", protocol: "tcp", fromPort: 1024, toPort: 65535, cidr: "0.0.0.0/0" },
          },
        },
        appPort: 9000,
        dataPorts: [5432, 6379],
        aclRuleQuota: 25,
        tags: TAGS,
      }),
    call: `account_id       = "${ACCOUNT}"
  name             = "prod"
  cidr             = "10.20.0.0/16"
  public_subnets   = { "eu-west-1a" = "10.20.0.0/24", "eu-west-1b" = "10.20.1.0/24" }
  private_subnets  = { "eu-west-1a" = "10.20.16.0/20", "eu-west-1b" = "10.20.32.0/20" }
  isolated_subnets = { "eu-west-1a" = "10.20.64.0/24", "eu-west-1b" = "10.20.65.0/24" }
  nat_gateways     = "per-az"
  interface_endpoints = ["ssm", "ssmmessages", "ec2messages", "logs"]
  create_kms_key   = false
  kms_key_arn      = "${KEY}"
  flow_log_retention_days = 731
  acl_rules = {
    public = {
      https-in   = { direction = "ingress", protocol = "tcp", from_port = 443, to_port = 443, cidr = "0.0.0.0/0" }
      vendor-ssh = { direction = "ingress", protocol = "tcp", from_port = 22, to_port = 22, cidr = "0.0.0.0/0", allow_world_admin_reason = "vendor appliance in the public tier, ticket SEC-42" }
      all-out    = { direction = "egress", protocol = "tcp", from_port = 1024, to_port = 65535, cidr = "0.0.0.0/0" }
    }
  }
  app_port   = 9000
  data_ports = [5432, 6379]
  acl_rule_quota = 25
  ${TAGS_HCL}`,
  },
  {
    // Flow logs to the caller's bucket, one NAT gateway.
    id: "net-s3",
    module: "network",
    construct: (s) =>
      new Network(s, "net", {
        name: "logs",
        cidr: "10.30.0.0/16",
        availabilityZones: ["eu-west-1a"],
        tiers: ["public", "private"],
        subnetCidrs: { public: { "eu-west-1a": "10.30.0.0/24" }, private: { "eu-west-1a": "10.30.16.0/20" } },
        natGateways: "single",
        flowLogs: { destination: "s3", bucketArn: "arn:aws:s3:::central-flow-logs" },
      }),
    call: `account_id      = "${ACCOUNT}"
  name            = "logs"
  cidr            = "10.30.0.0/16"
  public_subnets  = { "eu-west-1a" = "10.30.0.0/24" }
  private_subnets = { "eu-west-1a" = "10.30.16.0/20" }
  nat_gateways    = "single"
  flow_log_destination = "s3"
  flow_log_bucket_arn  = "arn:aws:s3:::central-flow-logs"`,
  },
  {
    // Flow logs off, with the reason.
    id: "net-off",
    module: "network",
    construct: (s) =>
      new Network(s, "net", {
        name: "lab",
        cidr: "10.40.0.0/24",
        availabilityZones: ["eu-west-1a"],
        subnetCidrs: { private: { "eu-west-1a": "10.40.0.0/25" } },
        disableFlowLogs: { reason: "lab VPC: its traffic is mirrored to the IDS instead" },
      }),
    call: `account_id               = "${ACCOUNT}"
  name                     = "lab"
  cidr                     = "10.40.0.0/24"
  private_subnets          = { "eu-west-1a" = "10.40.0.0/25" }
  disable_flow_logs_reason = "lab VPC: its traffic is mirrored to the IDS instead"`,
  },
  {
    id: "ebs-opts",
    module: "ebs-defaults",
    construct: (s) => new EbsDefaults(s, "ebs", { name: "prod", kmsKeyArn: KEY, tags: TAGS }),
    call: `account_id     = "${ACCOUNT}"
  name           = "prod"
  create_kms_key = false
  kms_key_arn    = "${KEY}"
  ${TAGS_HCL}`,
  },
  {
    // A control off and a threshold raised, each with its reason; another namespace.
    id: "cis-opts",
    module: "cis-alarms",
    construct: (s) =>
      new CisAlarms(s, "cis", {
        name: "prod",
        logGroupName: "/bulwark/prod/cloudtrail",
        alarmTopicArn: TOPIC,
        namespace: "prod/CloudTrail",
        overrides: {
          "vpc-changes": { reason: "VPCs belong to the network account, alarmed there", disabled: true },
          "console-auth-failures": { reason: "the SSO portal retries; five failures are the signal", threshold: 5 },
        },
        tags: TAGS,
      }),
    call: `name            = "prod"
  log_group_name  = "/bulwark/prod/cloudtrail"
  alarm_topic_arn = "${TOPIC}"
  namespace       = "prod/CloudTrail"
  overrides = {
    vpc-changes           = { reason = "VPCs belong to the network account, alarmed there", disabled = true }
    console-auth-failures = { reason = "the SSO portal retries; five failures are the signal", threshold = 5 }
  }
  ${TAGS_HCL}`,
  },
  {
    // The caller's key, a monthly rule with cold storage, another selection tag, a vault lock, another restore test schedule.
    id: "backup-opts",
    module: "backup",
    construct: (s, ctx) =>
      new Backup(s, "backup", {
        name: "prod",
        copyRegion: "eu-central-1",
        copyProvider: ctx.providers.copy,
        kmsKeyArn: KEY,
        rules: { daily: { schedule: "cron(0 1 * * ? *)", retentionDays: 35 }, monthly: { schedule: "cron(0 2 1 * ? *)", retentionDays: 400, coldStorageAfterDays: 30 } },
        selectionTag: { key: "backup-plan", value: "prod-critical" },
        vaultLock: { minRetentionDays: 30, maxRetentionDays: 3650, changeableForDays: 7 },
        restoreTestSchedule: "cron(0 6 ? * SUN *)",
        tags: TAGS,
      }),
    call: `providers = {
    aws      = aws
    aws.copy = aws.copy
  }
  account_id     = "${ACCOUNT}"
  name           = "prod"
  create_kms_key = false
  kms_key_arn    = "${KEY}"
  rules = {
    daily   = { schedule = "cron(0 1 * * ? *)", retention_days = 35 }
    monthly = { schedule = "cron(0 2 1 * ? *)", retention_days = 400, cold_storage_after = 30 }
  }
  selection_tag         = { key = "backup-plan", value = "prod-critical" }
  vault_lock            = { min_retention_days = 30, max_retention_days = 3650, changeable_for_days = 7 }
  restore_test_schedule = "cron(0 6 ? * SUN *)"
  ${TAGS_HCL}`,
  },
  {
    id: "patching-opts",
    module: "patching",
    construct: (s) =>
      new Patching(s, "patching", {
        name: "prod",
        operatingSystems: ["ubuntu", "amazon-linux-2023"],
        securityApproveAfterDays: 1,
        approveAfterDays: 14,
        installSchedule: "cron(0 2 ? * SAT *)",
        windowHours: 4,
        scanSchedule: "rate(12 hours)",
        tags: TAGS,
      }),
    call: `name                        = "prod"
  operating_systems           = ["ubuntu", "amazon-linux-2023"]
  security_approve_after_days = 1
  approve_after_days          = 14
  install_schedule            = "cron(0 2 ? * SAT *)"
  window_hours                = 4
  scan_schedule               = "rate(12 hours)"
  ${TAGS_HCL}`,
  },
];


/** The options the cases of this file need. */
export const OPTIONS_3: ParityOptions = { providers: [{ alias: "copy", region: "eu-central-1" }] };

/** Checks beyond the per-case comparisons, on the run of every case. */
export function more3(run: () => ParityRun): void {
  it("bulwark check reports the network module's reasoned weakenings as suppressed, with the caller's reasons, as it does the construct's", () => {
    const { modulePlan, constructDir, root } = run();
    // As the module README says: the plan as JSON, and the root output written to bulwark-suppressions.yaml beside it.
    const planFile = path.join(root, "plan.json");
    fs.writeFileSync(planFile, JSON.stringify(modulePlan));
    type F = { ruleId: string; address: string; suppressed: boolean; suppressionReason?: string };
    const weakened = (args: string[], of: RegExp) => {
      const res = bulwark(["check", ...args, "--format", "json"]);
      return (JSON.parse(res.stdout).findings as F[]).filter((f) => ["nacl-no-world-admin-ports", "vpc-flow-logs"].includes(f.ruleId) && of.test(f.address)).map((f) => [f.ruleId, f.suppressed, f.suppressionReason ?? null]);
    };
    const reasons = [
      ["nacl-no-world-admin-ports", true, "vendor appliance in the public tier, ticket SEC-42"],
      ["vpc-flow-logs", true, "lab VPC: its traffic is mirrored to the IDS instead"],
    ];
    const modules = /^module\.net-(opts|off)\./;
    expect(weakened([planFile], modules)).toEqual(reasons.map(([rule]) => [rule, false, null]));
    const yaml = (modulePlan.planned_values as { outputs: Record<string, { value: string }> }).outputs[SUPPRESSIONS_OUTPUT].value;
    fs.writeFileSync(path.join(root, "bulwark-suppressions.yaml"), yaml);
    expect(weakened([planFile], modules)).toEqual(reasons);
    expect(weakened([constructDir], /^aws_[a-z_]+\.net-(opts|off)_/)).toEqual(reasons);
  });

  it("launches the template's latest version, never $Latest", () => {
    const versions = run()
      .modulePlan.resource_changes!.filter((rc) => rc.type === "aws_autoscaling_group" && /^module\.asg[.-]/.test(rc.address))
      .map((rc) => [rc.address, (rc.change.after!.launch_template as { version: string }[])[0].version]);
    expect(versions.sort()).toEqual([
      ["module.asg-fleet.aws_autoscaling_group.this", "12"],
      ["module.asg-lb.aws_autoscaling_group.this", "2"],
      ["module.asg.aws_autoscaling_group.this", "7"],
    ]);
  });
}

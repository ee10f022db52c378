import { CloudBackend, LocalBackend, NamedCloudWorkspace, S3Backend, TerraformOutput } from "cdktf";
import { Construct } from "constructs";
import { AlarmTopic, AsgAlarms } from "../modules/alarms";
import { AccountAudit } from "../modules/audit";
import { HardenedAutoScalingGroup } from "../modules/auto-scaling";
import { Backup } from "../modules/backup";
import { Bastion } from "../modules/bastion";
import { CisAlarms } from "../modules/cis-alarms";
import { keysFor } from "../modules/core/keys";
import { EmulatorSettings } from "../modules/core/emulator";
import { BulwarkStack, HardenedAwsProvider } from "../modules/core/stack";
import { EbsDefaults } from "../modules/ebs-defaults";
import { HardenedKmsKey } from "../modules/kms-key";
import { HardenedLaunchTemplate } from "../modules/launch-template";
import { HttpsLoadBalancer } from "../modules/load-balancer";
import { Network } from "../modules/network";
import { Patching } from "../modules/patching";
import { SecurityGroupTiers, TierName } from "../modules/security-groups";
import { EnvironmentConfig } from "./config";

/**
 * One reference environment as a cdktf stack: network, security-group tiers, the app tier
 * (hardened launch template + Auto Scaling group), an SSM bastion, alarms, and — when
 * `accountBaseline` is on — the account/region baseline (audit, CIS alarms, EBS default
 * encryption, backups with a cross-region copy, patching).
 */
/** Where the load balancer's access logs land in the access-log bucket. */
export const LOAD_BALANCER_LOG_PREFIX = "load-balancers";

export class EnvironmentStack extends BulwarkStack {
  public readonly launchTemplate: HardenedLaunchTemplate;
  public readonly network: Network;
  public readonly bastion: Bastion;

  /**
   * `emulator` sends the stack's providers to an AWS API emulator (tests only; see
   * docs/TESTING.md, "Deploying to the emulator").
   */
  constructor(scope: Construct, config: EnvironmentConfig, options: { emulator?: EmulatorSettings } = {}) {
    const defaultTags = { ...config.tags, environment: config.name, "managed-by": "bulwark" };
    // The stack configures the provider (region, allowed_account_ids, default tags), the account
    // context and the compliance gate (the same rules as `bulwark check`; errors stop the synth).
    super(scope, config.name, { accountId: config.accountId, region: config.region, defaultTags, emulator: options.emulator });
    this.configureBackend(config);
    const copyProvider = new HardenedAwsProvider(this, "aws-backup-copy", {
      alias: "backup-copy",
      region: config.backupCopyRegion,
      allowedAccountIds: [config.accountId],
      defaultTags: [{ tags: defaultTags }],
    });

    const key = new HardenedKmsKey(this, "kms", {
      alias: `${config.name}/ec2`,
      services: ["autoscaling", "cloudwatch-logs", "cloudwatch-alarms", "sns"],
      preventDestroy: config.preventDestroy,
    });
    const topic = new AlarmTopic(this, "alarm-topic", {
      name: `${config.name}-alarms`,
      kmsKeyArn: key.keyArn,
      // Keyed by address, not position: reordering the list plans no change.
      subscriptions: Object.fromEntries(Object.entries(keysFor(this, "alarmEmails", "email", config.alarmEmails)).map(([k, email]) => [k, { protocol: "email" as const, endpoint: email }])),
    });

    const network = new Network(this, "network", {
      name: config.name,
      cidr: config.vpcCidr,
      availabilityZones: config.availabilityZones,
      tiers: config.subnetTiers,
      natGateways: config.natGateways,
      appPort: config.appPort,
      dataPorts: config.dataPorts,
      kmsKeyArn: key.keyArn,
    });
    this.network = network;
    const tiers: TierName[] = ["app"];
    if (config.subnetTiers.includes("public")) tiers.push("web");
    if (config.subnetTiers.includes("isolated")) tiers.push("data");
    const groups = new SecurityGroupTiers(this, "security-groups", {
      name: config.name,
      vpcId: network.vpcId,
      vpcCidr: network.cidr,
      endpointsSecurityGroupId: network.endpointsSecurityGroup.id,
      s3PrefixListId: network.s3Endpoint.prefixListId,
      tiers,
      appPort: config.appPort,
      dataPorts: config.dataPorts,
      httpsToInternet: config.natGateways !== "none",
    });

    // Account/region baseline.
    let instanceTags: Record<string, string> = {};
    let audit: AccountAudit | undefined;
    if (config.accountBaseline) {
      audit = new AccountAudit(this, "audit", {
        name: config.name,
        preventDestroy: config.preventDestroy,
        loadBalancerLogPrefix: config.loadBalancer ? LOAD_BALANCER_LOG_PREFIX : undefined,
        // The audit logs are copied to the backup copy region, with a key of their own there.
        replication: { region: config.backupCopyRegion, provider: copyProvider },
      });
      new CisAlarms(this, "cis-alarms", { name: config.name, logGroupName: audit.trailLogGroup.name, alarmTopicArn: topic.arn });
      new EbsDefaults(this, "ebs-defaults", { name: config.name, preventDestroy: config.preventDestroy });
      const backup = new Backup(this, "backup", { name: config.name, copyRegion: config.backupCopyRegion, copyProvider, preventDestroy: config.preventDestroy });
      const patching = new Patching(this, "patching", { name: config.name, operatingSystems: [config.os] });
      instanceTags = { ...patching.instanceTags, [backup.selectionTag.key]: backup.selectionTag.value };
    }

    const privateSubnets = Object.fromEntries(Object.entries(network.subnets.private!).map(([az, s]) => [az, s.id]));
    this.launchTemplate = new HardenedLaunchTemplate(this, "app", {
      name: `${config.name}-app`,
      image: { amiId: config.amiId },
      os: config.os,
      instanceType: config.instanceType,
      securityGroupIds: [groups.groups.app!.id],
      kmsKeyArn: key.keyArn,
      tags: instanceTags,
      // The host firewall drops everything inbound but what is listed: the load balancer's
      // requests and health checks arrive from the public subnets on the app port.
      userData: config.loadBalancer
        ? { firewallAllow: { "app-from-load-balancer": { port: config.appPort, sources: Object.keys(network.subnetCidrs.public!).sort().map((az) => network.subnetCidrs.public![az]) } } }
        : undefined,
    });
    const lb = config.loadBalancer
      ? new HttpsLoadBalancer(this, "load-balancer", {
          name: `${config.name}-web`,
          vpcId: network.vpcId,
          subnetIds: Object.fromEntries(Object.entries(network.subnets.public!).map(([az, s]) => [az, s.id])),
          securityGroupId: groups.groups.web!.id,
          certificateArn: config.loadBalancer.certificateArn,
          appPort: config.appPort,
          deletionProtection: config.preventDestroy,
          // Access logs to the account baseline's access-log bucket (SSE-S3, as load balancer logs
          // require); WAF logs to a log group under the environment's key.
          accessLogs: audit
            ? { bucketName: audit.accessLogBucket.bucketName, prefix: LOAD_BALANCER_LOG_PREFIX, dependsOn: [audit.accessLogBucket.policy] }
            : config.loadBalancer.accessLogBucket
              ? { bucketName: config.loadBalancer.accessLogBucket, prefix: LOAD_BALANCER_LOG_PREFIX }
              : undefined,
          wafLogs: { kmsKeyArn: key.keyArn },
        })
      : undefined;
    const asg = new HardenedAutoScalingGroup(this, "app-group", {
      name: `${config.name}-app`,
      launchTemplate: this.launchTemplate,
      subnetIds: privateSubnets,
      minSize: config.app.minSize,
      maxSize: config.app.maxSize,
      desiredCapacity: config.app.desiredCapacity,
      targetGroupArns: lb ? [lb.targetGroup.arn] : undefined,
      instanceTags,
    });
    new AsgAlarms(this, "app-alarms", {
      name: `${config.name}-app`,
      autoScalingGroupName: asg.group.name,
      topicArn: topic.arn,
      minInService: config.app.minSize,
      targetGroup: lb ? { targetGroupArnSuffix: lb.targetGroup.arnSuffix, loadBalancerArnSuffix: lb.loadBalancer.arnSuffix } : undefined,
    });

    this.bastion = new Bastion(this, "bastion", {
      name: `${config.name}-bastion`,
      vpcId: network.vpcId,
      vpcCidr: network.cidr,
      subnetIds: privateSubnets,
      endpointsSecurityGroupId: network.endpointsSecurityGroup.id,
      s3PrefixListId: network.s3Endpoint.prefixListId,
      image: { amiId: config.amiId },
      os: config.os,
      kmsKeyArn: key.keyArn,
      alarmTopicArn: topic.arn,
      instanceTags,
    });

    // What an operator needs after `cdktf deploy` (`cdktf output <stack>` shows them again).
    const output = (id: string, value: unknown, description: string) => new TerraformOutput(this, id, { value, description });
    output("vpc-id", network.vpcId, "VPC of the environment.");
    output("private-subnet-ids", privateSubnets, "Private subnet ids by availability zone.");
    output("app-autoscaling-group-name", asg.group.name, "Auto Scaling group of the app tier.");
    output("alarm-topic-arn", topic.arn, "KMS-encrypted SNS topic every alarm notifies.");
    output("bastion-autoscaling-group-name", this.bastion.autoScalingGroup.group.name, "Auto Scaling group of the bastion (one instance).");
    output("bastion-security-group-id", this.bastion.securityGroup.id, "Security group of the bastion.");
    output("bastion-operator-policy-arn", this.bastion.operatorPolicy.arn, "IAM policy that lets an operator start sessions on this bastion only.");
    output("bastion-connect-command", this.bastion.connectCommand, "The command an operator runs to open a session on the bastion.");
    if (lb) output("load-balancer-dns-name", lb.loadBalancer.dnsName, "DNS name of the HTTPS load balancer.");
    if (audit) {
      output("log-bucket-name", audit.logBucket.bucketName, "Bucket receiving CloudTrail and Config logs.");
      output("cloudtrail-arn", audit.trail.arn, "The multi-region trail.");
    }
  }

  /**
   * Local state by default; S3 (encrypted, locked with an S3 lock file — no DynamoDB table
   * on Terraform ≥ 1.10) when the config names a bucket; or HCP Terraform.
   */
  private configureBackend(config: EnvironmentConfig): void {
    const b = config.backend;
    if (b.type === "s3") {
      new S3Backend(this, { bucket: b.bucket, key: b.key ?? `bulwark/${config.name}/terraform.tfstate`, region: b.region ?? config.region, encrypt: true, kmsKeyId: b.kmsKeyId });
      this.addOverride("terraform.backend.s3.use_lockfile", true);
    } else if (b.type === "cloud") {
      new CloudBackend(this, { organization: b.organization, workspaces: new NamedCloudWorkspace(b.workspace), hostname: b.hostname });
    } else {
      // Relative to the stack's directory (cdktf.out/stacks/<name>): state lands in the
      // project root, as with cdktf's default, but the synthesized JSON holds no machine path.
      new LocalBackend(this, { path: `../../../terraform.${config.name}.tfstate` });
    }
  }
}

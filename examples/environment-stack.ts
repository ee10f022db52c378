import { LocalBackend } from "cdktf";
import { Construct } from "constructs";
import { ComplianceGate } from "../compliance/aspect";
import { setAccountContext } from "../modules/core/account";
import { BulwarkStack, HardenedAwsProvider } from "../modules/core/stack";
import { HardenedKmsKey } from "../modules/kms-key";
import { HardenedLaunchTemplate } from "../modules/launch-template";
import { Network } from "../modules/network";
import { SecurityGroupTiers, TierName } from "../modules/security-groups";
import { EnvironmentConfig } from "./config";

/** One reference environment as a cdktf stack. */
export class EnvironmentStack extends BulwarkStack {
  public readonly launchTemplate: HardenedLaunchTemplate;
  public readonly network: Network;

  constructor(scope: Construct, config: EnvironmentConfig) {
    super(scope, config.name);
    // Relative to the stack's directory (cdktf.out/stacks/<name>): state lands in the
    // project root, as with cdktf's default, but the synthesized JSON holds no machine path.
    new LocalBackend(this, { path: `../../../terraform.${config.name}.tfstate` });
    new HardenedAwsProvider(this, "aws", {
      region: config.region,
      allowedAccountIds: [config.accountId],
      defaultTags: [{ tags: { ...config.tags, environment: config.name, "managed-by": "bulwark" } }],
    });
    setAccountContext(this, { accountId: config.accountId, region: config.region });
    // The same rules as `bulwark check` run when the stack synthesizes; errors stop the synth.
    ComplianceGate.of(this);

    const key = new HardenedKmsKey(this, "kms", {
      alias: `${config.name}/ec2`,
      services: ["autoscaling", "cloudwatch-logs"],
      preventDestroy: config.preventDestroy,
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
    const tiers: TierName[] = ["app", "bastion"];
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
    this.network = network;
    this.launchTemplate = new HardenedLaunchTemplate(this, "app", {
      name: `${config.name}-app`,
      image: { amiId: config.amiId },
      os: config.os,
      instanceType: config.instanceType,
      securityGroupIds: [groups.groups.app!.id],
      kmsKeyArn: key.keyArn,
    });
  }
}

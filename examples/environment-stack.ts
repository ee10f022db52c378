import { LocalBackend } from "cdktf";
import { Construct } from "constructs";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { Vpc } from "@cdktf/provider-aws/lib/vpc";
import { setAccountContext } from "../modules/core/account";
import { BulwarkStack, HardenedAwsProvider } from "../modules/core/stack";
import { HardenedKmsKey } from "../modules/kms-key";
import { HardenedLaunchTemplate } from "../modules/launch-template";
import { EnvironmentConfig } from "./config";

/** One reference environment as a cdktf stack. */
export class EnvironmentStack extends BulwarkStack {
  public readonly launchTemplate: HardenedLaunchTemplate;

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

    const key = new HardenedKmsKey(this, "kms", {
      alias: `${config.name}/ec2`,
      services: ["autoscaling", "cloudwatch-logs"],
      preventDestroy: config.preventDestroy,
    });
    const vpc = new Vpc(this, "vpc", {
      cidrBlock: config.vpcCidr,
      enableDnsHostnames: true,
      enableDnsSupport: true,
      tags: { Name: config.name },
    });
    const appSg = new SecurityGroup(this, "app-sg", {
      name: `${config.name}-app`,
      description: "App instances: no inbound; HTTPS out for Session Manager, updates and the CloudWatch agent",
      vpcId: vpc.id,
      egress: [
        { description: "HTTPS to AWS APIs and package mirrors", protocol: "tcp", fromPort: 443, toPort: 443, cidrBlocks: ["0.0.0.0/0"] },
      ],
    });
    this.launchTemplate = new HardenedLaunchTemplate(this, "app", {
      name: `${config.name}-app`,
      image: { amiId: config.amiId },
      os: config.os,
      instanceType: config.instanceType,
      securityGroupIds: [appSg.id],
      kmsKeyArn: key.keyArn,
    });
  }
}

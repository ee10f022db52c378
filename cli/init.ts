import * as fs from "node:fs";
import * as path from "node:path";
import { UsageError } from "./errors";

/**
 * `bulwark init [DIR]`: a new cdktf project that works at once. package.json depends on bulwark
 * and its peers at the versions this package is tested with; cdktf.json runs the app on the
 * fast path (`bulwark synth`); main.ts composes one workload environment from the constructs on
 * a BulwarkStack (provider, account context, compliance gate by default); a test uses cdktf's
 * Testing helpers; the README holds the project's two commands.
 */
export interface InitOptions {
  /** How package.json names bulwark: a version range, or a tarball path for a local try-out. */
  bulwark?: string;
}

interface OwnPackage {
  version: string;
  peerDependencies: Record<string, string>;
  devDependencies?: Record<string, string>;
}

/** Versions the generated project pins: the peers as bulwark declares them, the tools it is built with. */
export function projectFiles(name: string, own: OwnPackage, opts: InitOptions = {}): Record<string, string> {
  const dev = own.devDependencies ?? {};
  const pick = (pkg: string, fallback: string) => dev[pkg] ?? fallback;
  const packageJson = {
    name,
    version: "0.1.0",
    private: true,
    scripts: {
      synth: "bulwark synth --scope resource main.ts",
      test: "tsc --noEmit -p . && bulwark run main.test.ts",
    },
    dependencies: {
      bulwark: opts.bulwark ?? `^${own.version}`,
      cdktf: own.peerDependencies.cdktf,
      constructs: own.peerDependencies.constructs,
      "@cdktf/provider-aws": own.peerDependencies["@cdktf/provider-aws"],
    },
    devDependencies: {
      "@types/node": pick("@types/node", "^20.0.0"),
      "cdktf-cli": pick("cdktf-cli", own.peerDependencies.cdktf),
      typescript: pick("typescript", "^5.9.0"),
    },
  };
  const cdktfJson = {
    language: "typescript",
    // The fast path: esbuild bundles the app once, node runs it, the output is judged by the rules.
    // --scope resource: the account baseline (CloudTrail, Config, ...) lives in another repository.
    app: "npx bulwark synth --scope resource main.ts",
    sendCrashReports: "false",
    terraformProviders: [],
    terraformModules: [],
    context: {},
  };
  const tsconfig = {
    compilerOptions: {
      target: "ES2022",
      // node16 reads packages' exports maps (bulwark/network, ...).
      module: "node16",
      moduleResolution: "node16",
      lib: ["ES2022"],
      types: ["node"],
      strict: true,
      esModuleInterop: true,
      skipLibCheck: true,
      noEmit: true,
    },
    include: ["*.ts"],
  };
  return {
    "package.json": `${JSON.stringify(packageJson, null, 2)}\n`,
    "cdktf.json": `${JSON.stringify(cdktfJson, null, 2)}\n`,
    "tsconfig.json": `${JSON.stringify(tsconfig, null, 2)}\n`,
    ".gitignore": ["node_modules/", "cdktf.out/", ".bulwark/", ".terraform/", "*.tfstate", "*.tfstate.backup", ""].join("\n"),
    "environment.ts": ENVIRONMENT_TS,
    "main.ts": MAIN_TS,
    "main.test.ts": TEST_TS,
    "README.md": readme(name),
  };
}

const ENVIRONMENT_TS = `import { LocalBackend } from "cdktf";
import { Construct } from "constructs";
import { AlarmTopic, AsgAlarms } from "bulwark/alarms";
import { HardenedAutoScalingGroup } from "bulwark/auto-scaling";
import { Bastion } from "bulwark/bastion";
import { BulwarkStack } from "bulwark/core";
import { HardenedKmsKey } from "bulwark/kms-key";
import { HardenedLaunchTemplate } from "bulwark/launch-template";
import { Network } from "bulwark/network";
import { SecurityGroupTiers } from "bulwark/security-groups";

export interface WorkloadProps {
  readonly name: string;
  readonly accountId: string;
  readonly region: string;
  readonly availabilityZones: string[];
  readonly vpcCidr: string;
  readonly amiId: string;
  readonly alarmEmail: string;
}

/**
 * One workload environment: a private network with Session Manager endpoints, an app tier on the
 * hardened launch template in an Auto Scaling group, alarms and an SSM bastion. BulwarkStack sets
 * the provider (region, allowed_account_ids, default tags), the account context (no credentials
 * needed to plan) and the compliance gate (error findings stop the synth).
 */
export class WorkloadStack extends BulwarkStack {
  constructor(scope: Construct, props: WorkloadProps) {
    super(scope, props.name, { accountId: props.accountId, region: props.region, defaultTags: { environment: props.name } });
    // State beside the project, as a relative path: the synthesized JSON holds no machine path.
    new LocalBackend(this, { path: \`../../../terraform.\${props.name}.tfstate\` });

    const key = new HardenedKmsKey(this, "kms", { alias: \`\${props.name}/ec2\`, services: ["autoscaling", "cloudwatch-logs", "cloudwatch-alarms", "sns"] });
    const topic = new AlarmTopic(this, "alarm-topic", {
      name: \`\${props.name}-alarms\`,
      kmsKeyArn: key.keyArn,
      subscriptions: { oncall: { protocol: "email", endpoint: props.alarmEmail } },
    });
    const network = new Network(this, "network", {
      name: props.name,
      cidr: props.vpcCidr,
      availabilityZones: props.availabilityZones,
      tiers: ["private"],
      natGateways: "none",
      kmsKeyArn: key.keyArn,
    });
    const groups = new SecurityGroupTiers(this, "security-groups", {
      name: props.name,
      vpcId: network.vpcId,
      vpcCidr: network.cidr,
      endpointsSecurityGroupId: network.endpointsSecurityGroup.id,
      s3PrefixListId: network.s3Endpoint.prefixListId,
      tiers: ["app"],
      httpsToInternet: false,
    });
    const subnetIds = Object.fromEntries(Object.entries(network.subnets.private!).map(([az, s]) => [az, s.id]));
    const template = new HardenedLaunchTemplate(this, "app", {
      name: \`\${props.name}-app\`,
      image: { amiId: props.amiId },
      os: "amazon-linux-2023",
      instanceType: "t3.micro",
      securityGroupIds: [groups.groups.app!.id],
      kmsKeyArn: key.keyArn,
    });
    const group = new HardenedAutoScalingGroup(this, "app-group", { name: \`\${props.name}-app\`, launchTemplate: template, subnetIds, minSize: 1, maxSize: 2 });
    new AsgAlarms(this, "app-alarms", { name: \`\${props.name}-app\`, autoScalingGroupName: group.group.name, topicArn: topic.arn, minInService: 1 });
    new Bastion(this, "bastion", {
      name: \`\${props.name}-bastion\`,
      vpcId: network.vpcId,
      vpcCidr: network.cidr,
      subnetIds,
      endpointsSecurityGroupId: network.endpointsSecurityGroup.id,
      s3PrefixListId: network.s3Endpoint.prefixListId,
      image: { amiId: props.amiId },
      os: "amazon-linux-2023",
      kmsKeyArn: key.keyArn,
      alarmTopicArn: topic.arn,
    });
  }
}
`;

const MAIN_TS = `import { App } from "cdktf";
import { WorkloadStack } from "./environment";

const app = new App();
new WorkloadStack(app, {
  name: "dev",
  accountId: "111111111111",
  region: "eu-west-1",
  availabilityZones: ["eu-west-1a", "eu-west-1b"],
  vpcCidr: "10.20.0.0/16",
  amiId: "ami-0123456789abcdef0",
  alarmEmail: "platform-alerts@example.com",
});
app.synth();
`;

const TEST_TS = `// Run by \`npm test\` (after tsc) on the fast path: node's test runner and cdktf's Testing helpers.
import assert from "node:assert/strict";
import { test } from "node:test";
import { Testing } from "cdktf";
import { LaunchTemplate } from "@cdktf/provider-aws/lib/launch-template";
import { WorkloadStack } from "./environment";

const props = {
  name: "test",
  accountId: "111111111111",
  region: "eu-west-1",
  availabilityZones: ["eu-west-1a", "eu-west-1b"],
  vpcCidr: "10.20.0.0/16",
  amiId: "ami-0123456789abcdef0",
  alarmEmail: "oncall@example.com",
};

test("the app's launch template requires IMDSv2", () => {
  const synthesized = Testing.synth(new WorkloadStack(Testing.app(), props));
  assert.ok(Testing.toHaveResourceWithProperties(synthesized, LaunchTemplate.tfResourceType, { metadata_options: { http_tokens: "required" } }));
});

test("the stack passes the compliance gate and plans without credentials", () => {
  const app = Testing.app();
  const stack = new WorkloadStack(app, props);
  // app.synth() runs the gate: an error finding would throw here, naming rule and construct path.
  assert.doesNotThrow(() => app.synth());
  assert.doesNotMatch(Testing.synth(stack), /aws_caller_identity/);
});
`;

function readme(name: string): string {
  return `# ${name}

A CDK for Terraform app built from [bulwark](https://www.npmjs.com/package/bulwark)'s hardened constructs.

## The two commands
\`\`\`sh
npm install && npm run synth   # synthesizes to cdktf.out/ and judges it: no AWS credentials, no network
npm test                       # type-check and the tests in main.test.ts
\`\`\`

\`npx cdktf synth\`, \`diff\` and \`deploy\` run the same fast path (cdktf.json's \`app\`). \`npx bulwark check cdktf.out\`
runs the compliance rules on the output. The stack is in \`environment.ts\`; \`main.ts\` says where it deploys.
The synth judges the resources (\`--scope resource\`): the account baseline (CloudTrail, Config, EBS
default encryption, backups, CIS alarms) is expected to live in another repository; a project that holds
it drops the option and adds bulwark's \`AccountAudit\`, \`EbsDefaults\`, \`Backup\` and \`CisAlarms\`.
`;
}

/** Writes the project; a directory that exists and is not empty is refused (exit 2). */
export function init(dir: string, own: OwnPackage, opts: InitOptions = {}): string[] {
  const target = path.resolve(dir);
  if (fs.existsSync(target) && (!fs.statSync(target).isDirectory() || fs.readdirSync(target).length > 0)) {
    throw new UsageError(`${dir}: is not an empty directory; bulwark init writes a new project only into an empty or new one`);
  }
  const name = path.basename(target).toLowerCase().replace(/[^a-z0-9-]/g, "-") || "bulwark-app";
  const files = projectFiles(name, own, opts);
  fs.mkdirSync(target, { recursive: true });
  for (const [file, text] of Object.entries(files)) fs.writeFileSync(path.join(target, file), text);
  return Object.keys(files);
}

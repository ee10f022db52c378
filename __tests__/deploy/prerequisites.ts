/**
 * What the published examples that name resources living elsewhere (a VPC, subnets, security groups,
 * an AMI, a launch template, a certificate, a bucket, an IAM group, a topic) need, to be applied: the
 * deploy suite creates those resources in the example's own account (`emulator_prerequisites.tf.json`,
 * next to the example, through its provider) and replaces each placeholder in its copy of the example
 * with a reference to them. The published example, as users read it, keeps its placeholders.
 *
 * `withPrerequisites` fails, naming the example, when a listed placeholder is no longer in the example
 * or when a placeholder is left that nothing replaces, so that an example never reaches the emulator
 * with an id that exists nowhere (AWS would refuse it; the emulator accepts some).
 */
import { PREREQUISITE_QUIRKS } from "./emulator-gaps";

type Json = Record<string, any>;

/** What an example is given in its account, and the placeholders its references replace. */
export interface ExamplePrerequisites {
  /** Terraform resources (`resource` of a JSON configuration), created through the example's default provider. */
  resources: Record<string, Record<string, Json>>;
  /** Each placeholder's text in the example's main.tf (quotes included) and the HCL expression that replaces it, everywhere. */
  replace: [placeholder: string, expression: string][];
}

/** Ids and accounts that exist nowhere: the published examples' placeholders look like these. */
const PLACEHOLDER = /\b(?:[a-z]+-)?0123456789abcdef[0-9a-f]?\b|\b111111111111\b/;

const REGION = "eu-west-1";

/** A VPC with subnets (name → [availability zone, CIDR]) and, for what faces the internet, its gateway. */
function vpc(cidr: string, subnets: Record<string, [string, string]>, opts: { internetGateway?: boolean } = {}): Record<string, Record<string, Json>> {
  return {
    // AWS's defaults for DNS: setting enable_dns_hostnames costs a 10 s wait of the provider for no test.
    aws_vpc: { prerequisite: { cidr_block: cidr, tags: { Name: "prerequisite" } } },
    // Terraform refuses a resource type with no resource under it.
    ...(Object.keys(subnets).length > 0
      ? {
          aws_subnet: Object.fromEntries(
            Object.entries(subnets).map(([name, [az, block]]) => [`prerequisite_${name}`, { vpc_id: "${aws_vpc.prerequisite.id}", availability_zone: az, cidr_block: block, tags: { Name: `prerequisite-${name}` } }]),
          ),
        }
      : {}),
    ...(opts.internetGateway ? { aws_internet_gateway: { prerequisite: { vpc_id: "${aws_vpc.prerequisite.id}" } } } : {}),
  };
}

/** An empty security group in the prerequisite VPC (what the example's rules or instances refer to). */
function securityGroup(name: string, description: string): Record<string, Record<string, Json>> {
  return { aws_security_group: { [`prerequisite_${name.replace(/-/g, "_")}`]: { name: `prerequisite-${name}`, description, vpc_id: "${aws_vpc.prerequisite.id}" } } };
}

/** An AMI registered from a snapshot of an encrypted volume, as an image pipeline would leave one. */
function image(): Record<string, Record<string, Json>> {
  const ignored = PREREQUISITE_QUIRKS.find((q) => q.type === "aws_ami")?.attributes ?? [];
  return {
    aws_ebs_volume: { prerequisite_image_root: { availability_zone: `${REGION}a`, size: 8, encrypted: true } },
    aws_ebs_snapshot: { prerequisite_image_root: { volume_id: "${aws_ebs_volume.prerequisite_image_root.id}" } },
    aws_ami: {
      prerequisite: {
        name: "prerequisite-image",
        architecture: "x86_64",
        virtualization_type: "hvm",
        ena_support: true,
        root_device_name: "/dev/xvda",
        ebs_block_device: [{ device_name: "/dev/xvda", snapshot_id: "${aws_ebs_snapshot.prerequisite_image_root.id}", volume_type: "gp3" }],
        lifecycle: [{ ignore_changes: ignored }],
      },
    },
  };
}

function merge(...parts: Record<string, Record<string, Json>>[]): Record<string, Record<string, Json>> {
  const out: Record<string, Record<string, Json>> = {};
  for (const part of parts) for (const [type, byName] of Object.entries(part)) out[type] = { ...(out[type] ?? {}), ...byName };
  return out;
}

const SUBNET_A = ['"subnet-0123456789abcdef0"', "aws_subnet.prerequisite_a.id"] as [string, string];
const SUBNET_B = ['"subnet-0123456789abcdef1"', "aws_subnet.prerequisite_b.id"] as [string, string];
const VPC = ['"vpc-0123456789abcdef0"', "aws_vpc.prerequisite.id"] as [string, string];
const AMI = ['"ami-0123456789abcdef0"', "aws_ami.prerequisite.id"] as [string, string];

/** The prerequisites of each example that has placeholders, for the example applied as `account`. */
export function examplePrerequisites(account: string): Record<string, ExamplePrerequisites> {
  return {
    "auto-scaling": {
      resources: merge(
        vpc("10.0.0.0/16", { a: [`${REGION}a`, "10.0.0.0/20"], b: [`${REGION}b`, "10.0.16.0/20"] }),
        image(),
        { aws_launch_template: { prerequisite: { name: "prerequisite-app", image_id: "${aws_ami.prerequisite.id}", instance_type: "t3.micro", metadata_options: [{ http_tokens: "required", http_put_response_hop_limit: 1 }] } } },
      ),
      replace: [
        ['"lt-0123456789abcdef0"', "aws_launch_template.prerequisite.id"],
        ["latest_version = 3", "latest_version = aws_launch_template.prerequisite.latest_version"],
        ['"ami-0123456789abcdef0"', "aws_launch_template.prerequisite.image_id"],
        SUBNET_A,
        SUBNET_B,
      ],
    },
    bastion: {
      // The example's vpc_cidr is the VPC's: the bastion's egress rules are written for it.
      resources: merge(
        vpc("10.20.0.0/16", { a: [`${REGION}a`, "10.20.0.0/24"] }, { internetGateway: true }),
        securityGroup("endpoints", "Interface endpoints of the VPC"),
        image(),
        { aws_iam_group: { prerequisite: { name: "platform-admins" } } },
      ),
      replace: [VPC, SUBNET_A, ['"sg-0123456789abcdef0"', "aws_security_group.prerequisite_endpoints.id"], AMI, ['"platform-admins"', "aws_iam_group.prerequisite.name"]],
    },
    "cis-alarms": {
      resources: { aws_sns_topic: { prerequisite: { name: "prod-alarms" } } },
      replace: [['"arn:aws:sns:eu-west-1:111111111111:prod-alarms"', "aws_sns_topic.prerequisite.arn"]],
    },
    "launch-template": {
      resources: merge(vpc("10.0.0.0/16", {}), securityGroup("app", "App instances"), image()),
      replace: [AMI, ['"sg-0123456789abcdef0"', "aws_security_group.prerequisite_app.id"]],
    },
    "load-balancer": {
      // The access-log bucket's policy holds the statement the module outputs, as its README asks.
      resources: merge(vpc("10.0.0.0/16", { a: [`${REGION}a`, "10.0.128.0/24"], b: [`${REGION}b`, "10.0.129.0/24"] }, { internetGateway: true }), securityGroup("web", "Load balancer"), {
        aws_acm_certificate: { prerequisite: { domain_name: "app.example.com", validation_method: "DNS" } },
        // Not the audit example's name for its own access-log bucket (`prod-access-…`): both examples share the account.
        aws_s3_bucket: { prerequisite: { bucket: `prerequisite-lb-logs-${account}-${REGION}`, force_destroy: true } },
        aws_s3_bucket_policy: {
          prerequisite: { bucket: "${aws_s3_bucket.prerequisite.id}", policy: '${jsonencode({ Version = "2012-10-17", Statement = [module.web.access_logs_bucket_policy_statement] })}' },
        },
      }),
      replace: [
        VPC,
        SUBNET_A,
        SUBNET_B,
        ['"sg-0123456789abcdef0"', "aws_security_group.prerequisite_web.id"],
        ['"arn:aws:acm:eu-west-1:111111111111:certificate/0b7c7a10-5a54-4f1c-9a9b-5f0b6c2d1e3f"', "aws_acm_certificate.prerequisite.arn"],
        ['"prod-access-111111111111-eu-west-1"', "aws_s3_bucket.prerequisite.bucket"],
      ],
    },
    "network-acl": {
      // The example's preset names the app tier's neighbours in 10.0.0.0/16.
      resources: vpc("10.0.0.0/16", { a: [`${REGION}a`, "10.0.16.0/24"] }),
      replace: [VPC, SUBNET_A],
    },
    "security-groups": {
      resources: merge(vpc("10.0.0.0/16", {}), securityGroup("load-balancer", "Load balancer")),
      replace: [VPC, ['"sg-0123456789abcdef0"', "aws_security_group.prerequisite_load_balancer.id"]],
    },
  };
}

/**
 * The example's main.tf with every placeholder replaced, or an error naming what is wrong: a listed
 * placeholder the example no longer holds, or a placeholder left that nothing replaces.
 */
export function withPrerequisites(example: string, hcl: string, prerequisites: ExamplePrerequisites | undefined): string {
  let out = hcl;
  for (const [placeholder, expression] of prerequisites?.replace ?? []) {
    if (!out.includes(placeholder)) throw new Error(`the ${example} example no longer holds ${placeholder}: update its prerequisites in __tests__/deploy/prerequisites.ts`);
    out = out.split(placeholder).join(expression);
  }
  const left = out.split("\n").filter((line) => PLACEHOLDER.test(line.replace(/#.*$/, "")));
  if (left.length > 0) {
    throw new Error(`the ${example} example names ids that exist nowhere, which no prerequisite replaces (__tests__/deploy/prerequisites.ts):\n${left.map((l) => l.trim()).join("\n")}`);
  }
  return out;
}

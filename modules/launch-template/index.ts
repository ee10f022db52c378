/**
 * `HardenedLaunchTemplate`: an EC2 launch template hardened by default (IMDSv2, encrypted volumes, no public IP,
 * an SSM-managed role), with the cloud-init builder of its hardening user data and the CloudWatch agent
 * configuration the alarms module shares.
 *
 * @module bulwark/launch-template
 */
import { Fn, TerraformLocal, Token } from "cdktf";
import { Construct } from "constructs";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { IamInstanceProfile } from "@cdktf/provider-aws/lib/iam-instance-profile";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicyAttachment } from "@cdktf/provider-aws/lib/iam-role-policy-attachment";
import { LaunchTemplate, LaunchTemplateBlockDeviceMappings } from "@cdktf/provider-aws/lib/launch-template";
import { accountContext } from "../core/account";
import { BulwarkValidationError } from "../core/errors";
import { assumeRolePolicy } from "../core/policy";
import { RuleIds } from "../core/rule-ids";
import { suppress } from "../core/suppressions";
import {
  AMI_ID_PATTERN,
  IAM_POLICY_ARN_PATTERN,
  INSTANCE_TYPE_PATTERN,
  KMS_KEY_ARN_PATTERN,
  checkInteger,
  checkLogRetention,
  checkName,
  checkOneOf,
  checkPattern,
  checkWeakening,
  isLiteral,
} from "../core/validate";
import { HardenedKmsKey } from "../kms-key";
import {
  HardenedUserDataProps,
  LOG_GROUP_SUFFIXES,
  OPERATING_SYSTEMS,
  OperatingSystem,
  USER_DATA_LIMIT_BYTES,
  UserDataProblem,
  buildUserData,
  findSecret,
} from "./user-data";

export * from "./user-data";
export * from "./cloudwatch-agent";

/** EBS volume types a template's volumes may use; `io1` and `io2` need `iops`. */
export type VolumeType = "gp3" | "gp2" | "io1" | "io2" | "st1" | "sc1" | "standard";
/** Every `VolumeType`; `volumeType` is checked against it. */
export const VOLUME_TYPES: readonly VolumeType[] = ["gp3", "gp2", "io1", "io2", "st1", "sc1", "standard"];

/** A block device name; shared with the published launch-template module. */
export const DEVICE_NAME_PATTERN = /^\/dev\/(sd[a-z][0-9]*|xvd[a-z]{1,2}|nvme[0-9]+n[0-9]+)$/;

/** Size, IOPS and throughput limits per EBS volume type (hashicorp/aws 5.100 / EC2 API). */
export const VOLUME_LIMITS: Record<
  VolumeType,
  {
    /** Smallest and largest size in GiB. */
    size: [number, number];
    /** Lowest and highest provisioned IOPS; absent where the type takes no `iops`. */
    iops?: [number, number];
    /** Lowest and highest throughput in MiB/s; absent where the type takes no `throughputMiBps`. */
    throughput?: [number, number];
  }
> = {
  gp3: { size: [1, 16384], iops: [3000, 16000], throughput: [125, 1000] },
  gp2: { size: [1, 16384] },
  io1: { size: [4, 16384], iops: [100, 64000] },
  io2: { size: [4, 65536], iops: [100, 256000] },
  st1: { size: [125, 16384] },
  sc1: { size: [125, 16384] },
  standard: { size: [1, 1024] },
};

/** Most provisioned IOPS per GiB of size, for the types that limit IOPS by size (gp3 does not). */
export const IOPS_PER_GIB: Readonly<Partial<Record<VolumeType, number>>> = { io1: 50, io2: 500 };

/** Size and performance of one EBS volume; every volume is encrypted with the template's key and deleted with its instance. */
export interface VolumeProps {
  /** Size in GiB, within the type's limits (`VOLUME_LIMITS`). @default 20 for the root volume */
  readonly sizeGiB?: number;
  /** EBS volume type. @default "gp3" */
  readonly volumeType?: VolumeType;
  /** Provisioned IOPS (gp3, io1, io2 only). @default the type's baseline */
  readonly iops?: number;
  /** Throughput in MiB/s (gp3 only). @default 125 */
  readonly throughputMiBps?: number;
}

/** An extra EBS volume: a device name and a size are required. */
export interface DataVolumeProps extends VolumeProps {
  /** Device name, e.g. `/dev/xvdf`; unique among the template's volumes. */
  readonly deviceName: string;
  /** Size in GiB, within the type's limits (`VOLUME_LIMITS`). */
  readonly sizeGiB: number;
}

/** Where the AMI comes from. */
export type ImageSource =
  /** An explicit AMI id: reproducible, reviewable in a diff. */
  | {
      /** AMI id, `ami-` followed by 8 or 17 hex digits. */
      readonly amiId: string;
    }
  /**
   * An SSM parameter resolved by EC2 at launch (`resolve:ssm:<name>`), e.g.
   * `/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64`. Needs no lookup
   * to synth or plan; each launch takes the parameter's current value.
   */
  | {
      /** SSM parameter name, starting with `/`. */
      readonly ssmParameter: string;
    };

/** A secure default turned off on purpose: the reason is recorded and shown by `bulwark check`. */
export interface Weakening {
  /** Why the default does not fit here, at least 10 characters; it becomes the suppression's reason. */
  readonly reason: string;
}

/** Metadata access for containers on the host, which sit one network hop further away. */
export interface ContainerMetadataAccess extends Weakening {
  /** Why containers need instance metadata (they can then read the instance role's credentials), at least 10 characters. */
  readonly reason: string;
  /** IMDSv2 response hop limit, 2–64. @default 2 */
  readonly hopLimit?: number;
}

/** Props of `HardenedLaunchTemplate`; every default is the hardened choice, weakened only with a reason. */
export interface HardenedLaunchTemplateProps {
  /** Launch template name, 3–55 letters, digits, `_` or `-`; also names the role, instance profile and log groups. */
  readonly name: string;
  /** The AMI: a fixed id, or an SSM parameter that each launch resolves. */
  readonly image: ImageSource;
  /** Operating system of the AMI; selects the user-data recipe and root device. @default "amazon-linux-2023" */
  readonly os?: OperatingSystem;
  /** EC2 instance type, e.g. `t3.micro`. */
  readonly instanceType: string;
  /** Security groups of the primary network interface; at least one. */
  readonly securityGroupIds: string[];
  /**
   * Customer-managed KMS key ARN for every EBS volume and the host log groups.
   * @default a new HardenedKmsKey open to Auto Scaling and CloudWatch Logs
   */
  readonly kmsKeyArn?: string;
  /** Size and type of the root volume. @default gp3, 20 GiB, encrypted, deleted on termination */
  readonly rootVolume?: VolumeProps;
  /** Root device name; must match the AMI's root device, or `rootVolume` (and its encryption) applies to an extra volume instead of the root one. @default `/dev/xvda` on Amazon Linux 2023, `/dev/sda1` on Ubuntu */
  readonly rootDeviceName?: string;
  /** Extra EBS volumes keyed by name; all encrypted with the key. @default {} */
  readonly dataVolumes?: Readonly<Record<string, DataVolumeProps>>;
  /**
   * Raises the IMDSv2 hop limit from 1 to 2 so containers on the host reach instance
   * metadata. Records a suppression of `ec2-imds-hop-limit` with the reason.
   * @default undefined — hop limit 1 (AutoScaling.4, CKV_AWS_341)
   */
  readonly containerMetadataAccess?: ContainerMetadataAccess;
  /** Exposes instance tags through instance metadata. @default false */
  readonly instanceMetadataTags?: boolean;
  /**
   * Turns detailed (1-minute) monitoring off. @default undefined — monitoring on (CKV_AWS_126)
   */
  readonly disableDetailedMonitoring?: Weakening;
  /** Runs instances on single-tenant hardware. @default false */
  readonly dedicatedTenancy?: boolean;
  /**
   * Extra managed policies for the instance role, keyed by a name (the resource key).
   * @default {} — the role has exactly AmazonSSMManagedInstanceCore and CloudWatchAgentServerPolicy
   */
  readonly extraManagedPolicyArns?: Readonly<Record<string, string>>;
  /** Permissions boundary for the instance role. @default none */
  readonly permissionsBoundaryArn?: string;
  /** Host hardening options of the generated cloud-init. @default SSH hardening, updates, deny-all firewall, agent */
  readonly userData?: Omit<HardenedUserDataProps, "os" | "logGroupPrefix">;
  /** Retention of the host log groups, in days. @default 365 (CKV_AWS_338) */
  readonly logRetentionDays?: number;
  /** Tags for the template and, through tag specifications, its instances, volumes and interfaces. @default {} */
  readonly tags?: Readonly<Record<string, string>>;
}

export { LOG_RETENTION_DAYS } from "../core/validate";

/** The AWS managed policies the instance role always has, by key (keys an extra policy may not take). Shared with the published module. */
export const MANAGED_POLICIES = {
  /** Session Manager, Run Command and patching. */
  ssm: "AmazonSSMManagedInstanceCore",
  /** The CloudWatch agent's metrics and logs. */
  "cloudwatch-agent": "CloudWatchAgentServerPolicy",
} as const;

/**
 * An EC2 launch template hardened by default: IMDSv2 required with hop limit 1, every EBS
 * volume encrypted with a customer-managed key, no public IP, detailed monitoring,
 * EBS-optimized, an SSM-managed instance role, and hardening user data.
 *
 * Controls: EC2.8/EC2.170 (IMDSv2), AutoScaling.4 (hop limit), EC2.181 (launch-template EBS
 * encryption), EC2.25 (no public IP), SSM.1 (SSM role), CKV_AWS_46 (no secrets in user data).
 */
export class HardenedLaunchTemplate extends Construct {
  /** The `aws_launch_template` resource. */
  public readonly launchTemplate: LaunchTemplate;
  /** Launch template id, for an Auto Scaling group or `aws_instance`. */
  public readonly id: string;
  /** Launch template ARN. */
  public readonly arn: string;
  /** Latest version number; a group that launches it rolls its instances when the template changes. */
  public readonly latestVersion: number;
  /** The image the template launches: an AMI id, or `resolve:ssm:<parameter>` resolved at each launch. */
  public readonly imageId: string;
  /** The instance role (`<name>-instance`), to attach further policies to. */
  public readonly role: IamRole;
  /** The instance profile that carries `role` into the template. */
  public readonly instanceProfile: IamInstanceProfile;
  /** The security groups of the primary network interface, as given. */
  public readonly securityGroupIds: string[];
  /** ARN of the key that encrypts the volumes and host log groups: the one given, or the created one. */
  public readonly kmsKeyArn: string;
  /** Host log groups by suffix: system, auth, cloud-init. */
  public readonly logGroups: Record<(typeof LOG_GROUP_SUFFIXES)[number], CloudwatchLogGroup>;
  /** The raw user data (before base64), for review and tests. */
  public readonly userDataText: string;

  constructor(scope: Construct, id: string, props: HardenedLaunchTemplateProps) {
    super(scope, id);
    // ---- validation: literal input only; tokens are Terraform's to check ----
    // 3–55 characters: the launch template needs 3, and the role name `<name>-instance` may have 64.
    checkPattern(this, "name", props.name, /^[A-Za-z0-9][A-Za-z0-9_-]{2,54}$/, "a launch template name (3-55 letters, digits, _ or -)");
    const os = props.os ?? "amazon-linux-2023";
    checkOneOf(this, "os", os, OPERATING_SYSTEMS);
    if (!props.image || (!("amiId" in props.image) && !("ssmParameter" in props.image))) {
      throw new BulwarkValidationError(this, "image", props.image, "must be { amiId } or { ssmParameter }");
    }
    if ("amiId" in props.image) {
      checkPattern(this, "image.amiId", props.image.amiId, AMI_ID_PATTERN, "an AMI id (ami- followed by 8 or 17 hex digits)");
    } else {
      checkPattern(this, "image.ssmParameter", props.image.ssmParameter, /^\/[A-Za-z0-9_.\-/]+$/, "an SSM parameter name (starting with /)");
    }
    checkPattern(this, "instanceType", props.instanceType, INSTANCE_TYPE_PATTERN, "an EC2 instance type such as t3.micro");
    if (!Token.isUnresolved(props.securityGroupIds) && (!Array.isArray(props.securityGroupIds) || props.securityGroupIds.length === 0)) {
      throw new BulwarkValidationError(this, "securityGroupIds", props.securityGroupIds, "must name at least one security group");
    }
    checkPattern(this, "kmsKeyArn", props.kmsKeyArn, KMS_KEY_ARN_PATTERN, "a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>)");
    checkPattern(this, "permissionsBoundaryArn", props.permissionsBoundaryArn, IAM_POLICY_ARN_PATTERN, "an IAM policy ARN");
    for (const [key, arn] of Object.entries(props.extraManagedPolicyArns ?? {})) {
      checkName(this, `extraManagedPolicyArns key`, key);
      if ((Object.keys(MANAGED_POLICIES) as string[]).includes(key)) {
        throw new BulwarkValidationError(this, "extraManagedPolicyArns key", key, "is reserved for a built-in policy");
      }
      checkPattern(this, `extraManagedPolicyArns.${key}`, arn, IAM_POLICY_ARN_PATTERN, "an IAM policy ARN");
    }
    checkWeakening(this, "containerMetadataAccess", props.containerMetadataAccess);
    checkInteger(this, "containerMetadataAccess.hopLimit", props.containerMetadataAccess?.hopLimit, 2, 64);
    checkWeakening(this, "disableDetailedMonitoring", props.disableDetailedMonitoring);
    const retention = props.logRetentionDays ?? 365;
    checkLogRetention(this, "logRetentionDays", retention);
    const rootDevice = props.rootDeviceName ?? (os === "ubuntu" ? "/dev/sda1" : "/dev/xvda");
    const volumes: [string, string, VolumeProps][] = [["root", rootDevice, { sizeGiB: 20, ...props.rootVolume }]];
    for (const [key, vol] of Object.entries(props.dataVolumes ?? {})) {
      checkName(this, "dataVolumes key", key);
      volumes.push([key, vol.deviceName, vol]);
    }
    const devices = new Set<string>();
    for (const [key, device, vol] of volumes) {
      const field = key === "root" ? "rootVolume" : `dataVolumes.${key}`;
      checkPattern(this, key === "root" ? "rootDeviceName" : `${field}.deviceName`, device, DEVICE_NAME_PATTERN, "a block device name such as /dev/xvdf");
      if (isLiteral(device)) {
        if (devices.has(device)) throw new BulwarkValidationError(this, `${field}.deviceName`, device, "is used by another volume");
        devices.add(device);
      }
      validateVolume(this, field, vol);
    }

    let userDataText: string;
    try {
      userDataText = buildUserData({ ...props.userData, os, logGroupPrefix: `/bulwark/${props.name}` });
    } catch (e) {
      if (e instanceof UserDataProblem) throw new BulwarkValidationError(this, `userData.${e.field}`, e.value, e.problem);
      throw e;
    }
    const secret = findSecret(userDataText);
    if (secret) {
      throw new BulwarkValidationError(this, "userData", secret.excerpt, `looks like it contains ${secret.what}; pass secrets through SSM Parameter Store or Secrets Manager instead`);
    }
    const userDataBytes = Buffer.byteLength(userDataText, "utf8");
    if (userDataBytes > USER_DATA_LIMIT_BYTES) {
      throw new BulwarkValidationError(this, "userData", `${userDataBytes} bytes`, `exceeds the EC2 limit of ${USER_DATA_LIMIT_BYTES} bytes`);
    }

    // ---- resources ----
    const ctx = accountContext(this);
    this.kmsKeyArn =
      props.kmsKeyArn ??
      new HardenedKmsKey(this, "kms", { alias: `${props.name}/ebs-logs`, services: ["autoscaling", "cloudwatch-logs"], tags: props.tags }).keyArn;

    this.logGroups = {} as HardenedLaunchTemplate["logGroups"];
    for (const suffix of LOG_GROUP_SUFFIXES) {
      this.logGroups[suffix] = new CloudwatchLogGroup(this, `log-${suffix}`, {
        name: `/bulwark/${props.name}/${suffix}`,
        kmsKeyId: this.kmsKeyArn,
        retentionInDays: retention,
        tags: props.tags,
      });
    }

    this.role = new IamRole(this, "role", {
      name: `${props.name}-instance`,
      description: `Instance role of launch template ${props.name}: Session Manager and the CloudWatch agent only`,
      assumeRolePolicy: assumeRolePolicy("ec2.amazonaws.com"),
      permissionsBoundary: props.permissionsBoundaryArn,
      tags: props.tags,
    });
    const policies: Record<string, string> = {};
    for (const [key, name] of Object.entries(MANAGED_POLICIES)) policies[key] = `arn:${ctx.partition}:iam::aws:policy/${name}`;
    Object.assign(policies, props.extraManagedPolicyArns ?? {});
    for (const key of Object.keys(policies).sort()) {
      new IamRolePolicyAttachment(this, `policy-${key}`, { role: this.role.name, policyArn: policies[key] });
    }
    this.instanceProfile = new IamInstanceProfile(this, "instance-profile", {
      name: `${props.name}-instance`,
      role: this.role.name,
      tags: props.tags,
    });

    const hopLimit = props.containerMetadataAccess ? (props.containerMetadataAccess.hopLimit ?? 2) : 1;
    const blockDeviceMappings: LaunchTemplateBlockDeviceMappings[] = volumes
      .map(([, device, vol]) => ({
        deviceName: device,
        ebs: {
          volumeType: vol.volumeType ?? "gp3",
          volumeSize: vol.sizeGiB,
          iops: vol.iops,
          throughput: vol.throughputMiBps,
          encrypted: "true",
          kmsKeyId: this.kmsKeyArn,
          deleteOnTermination: "true",
        },
      }))
      // A stable order: reordering dataVolumes in config must not change the template.
      .sort((a, b) => String(a.deviceName).localeCompare(String(b.deviceName)));
    const tags = { ...props.tags, Name: props.name };
    const imageId = "amiId" in props.image ? props.image.amiId : `resolve:ssm:${props.image.ssmParameter}`;

    this.launchTemplate = new LaunchTemplate(this, "template", {
      name: props.name,
      description: `bulwark hardened launch template ${props.name}`,
      imageId,
      instanceType: props.instanceType,
      ebsOptimized: "true",
      updateDefaultVersion: true,
      userData: encodeUserData(this, userDataText),
      iamInstanceProfile: { arn: this.instanceProfile.arn },
      metadataOptions: {
        httpEndpoint: "enabled",
        httpTokens: "required",
        httpPutResponseHopLimit: hopLimit,
        httpProtocolIpv6: "disabled",
        instanceMetadataTags: props.instanceMetadataTags ? "enabled" : "disabled",
      },
      monitoring: { enabled: !props.disableDetailedMonitoring },
      networkInterfaces: [
        {
          deviceIndex: 0,
          associatePublicIpAddress: "false",
          deleteOnTermination: "true",
          securityGroups: props.securityGroupIds,
        },
      ],
      blockDeviceMappings,
      placement: props.dedicatedTenancy ? { tenancy: "dedicated" } : undefined,
      tagSpecifications: ["instance", "volume", "network-interface"].map((resourceType) => ({ resourceType, tags })),
      tags: props.tags,
    });
    if (props.containerMetadataAccess) suppress(this, RuleIds.imdsHopLimit, props.containerMetadataAccess.reason);
    if (props.disableDetailedMonitoring) suppress(this, RuleIds.detailedMonitoring, props.disableDetailedMonitoring.reason);

    this.id = this.launchTemplate.id;
    this.arn = this.launchTemplate.arn;
    this.latestVersion = this.launchTemplate.latestVersion;
    this.imageId = imageId;
    this.securityGroupIds = props.securityGroupIds;
    this.userDataText = userDataText;
  }
}

function validateVolume(scope: Construct, field: string, vol: VolumeProps): void {
  const type = vol.volumeType ?? "gp3";
  checkOneOf(scope, `${field}.volumeType`, type, VOLUME_TYPES);
  const limits = VOLUME_LIMITS[type as VolumeType];
  if (!limits) return;
  checkInteger(scope, `${field}.sizeGiB`, vol.sizeGiB, limits.size[0], limits.size[1], ` for ${type}`);
  if (vol.iops !== undefined) {
    if (!limits.iops) throw new BulwarkValidationError(scope, `${field}.iops`, vol.iops, `cannot be set for ${type}`);
    checkInteger(scope, `${field}.iops`, vol.iops, limits.iops[0], limits.iops[1], ` for ${type}`);
    if (isLiteral(vol.iops) && isLiteral(vol.sizeGiB) && vol.sizeGiB !== undefined) {
      const ratio = IOPS_PER_GIB[type as VolumeType];
      if (ratio !== undefined && vol.iops > vol.sizeGiB * ratio) {
        throw new BulwarkValidationError(scope, `${field}.iops`, vol.iops, `exceeds ${ratio} IOPS per GiB for a ${vol.sizeGiB} GiB ${type} volume`);
      }
    }
  } else if (type === "io1" || type === "io2") {
    throw new BulwarkValidationError(scope, `${field}.iops`, vol.iops, `is required for ${type}`);
  }
  if (vol.throughputMiBps !== undefined) {
    if (!limits.throughput) throw new BulwarkValidationError(scope, `${field}.throughputMiBps`, vol.throughputMiBps, `cannot be set for ${type}`);
    checkInteger(scope, `${field}.throughputMiBps`, vol.throughputMiBps, limits.throughput[0], limits.throughput[1], ` for ${type}`);
  }
}

/**
 * Literal user data is base64-encoded here, so the synthesized template holds a plain
 * string. User data around Terraform references becomes a local (a JSON string is a
 * Terraform template, quotes and all) passed through `base64encode`.
 */
function encodeUserData(scope: Construct, text: string): string {
  if (!Token.isUnresolved(text)) return Buffer.from(text, "utf8").toString("base64");
  return Fn.base64encode(new TerraformLocal(scope, "user-data", text).asString);
}

/**
 * `Bastion`: a self-healing bastion host, reached through Session Manager (no inbound port) or, with a
 * reason for each weakening, over SSH from an allowlist.
 *
 * @module bulwark/bastion
 */
import { Construct } from "constructs";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { Eip } from "@cdktf/provider-aws/lib/eip";
import { IamGroupPolicyAttachment } from "@cdktf/provider-aws/lib/iam-group-policy-attachment";
import { IamPolicy } from "@cdktf/provider-aws/lib/iam-policy";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { IamRolePolicyAttachment } from "@cdktf/provider-aws/lib/iam-role-policy-attachment";
import { SsmDocument } from "@cdktf/provider-aws/lib/ssm-document";
import { SsmParameter } from "@cdktf/provider-aws/lib/ssm-parameter";
import { AsgAlarms } from "../alarms";
import { HardenedAutoScalingGroup } from "../auto-scaling";
import { accountContext } from "../core/account";
import { cidrContains, cidrProblem, isWorld, parseCidr } from "../core/cidr";
import { BulwarkValidationError } from "../core/errors";
import { jsonDocument, policyDocument } from "../core/policy";
import { RuleIds } from "../core/rule-ids";
import { suppress } from "../core/suppressions";
import { checkInteger, checkLogRetention, checkName, checkPattern, checkWeakening, KMS_KEY_ARN_PATTERN } from "../core/validate";
import { HardenedKmsKey } from "../kms-key";
import { HardenedLaunchTemplate, ImageSource, OperatingSystem } from "../launch-template";
import { HardenedSecurityGroup } from "../security-groups";

/**
 * Tag key (value: the bastion's name) on the bastion's instance and Elastic IP. The operator
 * policy allows sessions only on instances carrying it, and `connectCommand` finds the instance by it.
 */
export const BASTION_TAG = "bulwark:bastion";

/** Session Manager shell profile of the bastion: a login shell, so /etc/profile (umask, TMOUT, PATH) applies. Shared with the published module. */
export const SESSION_SHELL_PROFILE = {
  /** Run at the start of every Linux session. */
  linux: "exec bash -l",
} as const;

/** Private ranges: an allowlist entry inside them may be as broad as needed. */
export const SSH_PRIVATE_RANGES = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "fc00::/7"] as const;
/** A public allowlist entry broader than this prefix (or the world) needs `allowBroadSources` with a reason. */
export const SSH_BROAD_PREFIX = {
  /** IPv4: a /23 or broader public range needs a reason. */
  ipv4: 24,
  /** IPv6: a /55 or broader public range needs a reason. */
  ipv6: 56,
} as const;

/** True when an allowlist CIDR is a public range broader than SSH_BROAD_PREFIX (the world included). */
export function isBroadPublicSource(cidr: string): boolean {
  const parsed = parseCidr(cidr);
  if (!parsed || SSH_PRIVATE_RANGES.some((r) => cidrContains(r, cidr))) return false;
  return parsed.prefix < SSH_BROAD_PREFIX[parsed.family];
}

/** Key types the bastion accepts. */
export const SSH_KEY_TYPES = ["ssh-ed25519", "ssh-rsa", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521", "sk-ssh-ed25519@openssh.com"] as const;
/** The body of a 2048-bit RSA key is at least this long (bytes). */
export const RSA_MIN_BODY_BYTES = 260;
const KEY_LINE = new RegExp(`^(${SSH_KEY_TYPES.map((t) => t.replace(/[.]/g, "\\.")).join("|")}) ([A-Za-z0-9+/]+={0,3})(?: [^\\n]*)?$`);

/** Why an SSH public key line is malformed, or undefined. */
export function publicKeyProblem(key: string): string | undefined {
  const m = KEY_LINE.exec(key?.trim?.() ?? "");
  if (!m) return "is not an OpenSSH public key (type, base64 body, optional comment)";
  const body = Buffer.from(m[2], "base64");
  // A truncated body (`ssh-ed25519 AAAA`) is shorter than the length prefix it must start with.
  if (body.length < 4) return "has a truncated body (shorter than its key-type header)";
  const len = body.readUInt32BE(0);
  if (body.length < 4 + len || body.subarray(4, 4 + len).toString("ascii") !== m[1]) return "has a body that does not match its key type";
  if (m[1] === "ssh-rsa" && body.length < RSA_MIN_BODY_BYTES) return "is an RSA key shorter than 2048 bits";
  return undefined;
}

/** The SSM parameter's value: one `type body name` line per key, sorted by name (comments dropped). */
export function authorizedKeysValue(publicKeys: Readonly<Record<string, string>>): string {
  return Object.keys(publicKeys)
    .sort()
    .map((k) => `${publicKeys[k].trim().split(" ").slice(0, 2).join(" ")} ${k}`)
    .join("\n");
}

/** The SSM parameter holding the bastion's keys. */
export const authorizedKeysParameterName = (name: string) => `/bulwark/${name}/authorized-keys`;

/** The security group's description per mode (shared with the published module). */
export const BASTION_SECURITY_GROUP_DESCRIPTION = {
  /** Session Manager mode: nothing inbound. */
  ssm: "Bastion (Session Manager): no inbound; AWS endpoints and DNS out",
  /** SSH mode: port 22 from the allowlist only. */
  ssh: "Bastion (SSH): port 22 from the allowlist; AWS endpoints and DNS out",
} as const;

/** SSH mode of a `Bastion`: who may reach port 22, with which keys, and what a session may do. */
export interface SshAccess {
  /** CIDRs allowed to reach port 22, keyed by name. World and public ranges broader than /24 are refused. */
  readonly allowlist: Readonly<Record<string, string>>;
  /** Authorised public keys keyed by name; rotate by editing this map (no instance replacement). */
  readonly publicKeys: Readonly<Record<string, string>>;
  /** The Linux user the keys log in as. @default "ec2-user" (Amazon Linux), "ubuntu" */
  readonly user?: string;
  /** A public range broader than /24 (or the world), with the reason. @default none */
  readonly allowBroadSources?: {
    /** Why SSH must be open to so broad a range, at least 10 characters; the suppression of `sg-no-world-admin-ports` carries it. */
    readonly reason: string;
  };
  /** Disable TCP and agent forwarding (no tunnels through the bastion). @default true */
  readonly restrictForwarding?: boolean;
  /**
   * A public address: an Elastic IP the instance takes at boot (the group may replace the
   * instance; the address stays). It weakens "no public IP" (EC2.9), so it needs a reason,
   * recorded as a suppression that `bulwark check` reports. The instance reaches the EC2 API
   * through the VPC's `ec2` interface endpoint (one of the network's defaults).
   * @default none: reach the bastion over VPN or Direct Connect
   */
  readonly publicAddress?: {
    /** Why the bastion needs a public address, at least 10 characters; the suppression of `ec2-no-public-ip` carries it. */
    readonly reason: string;
  };
  /**
   * EC2 Instance Connect as well: operators push a short-lived key (60 s) with
   * `aws ec2-instance-connect send-ssh-public-key`; the operator policy allows it for this
   * bastion and the SSH user only. @default false (sshd ignores Instance Connect keys)
   */
  readonly instanceConnect?: boolean;
  /**
   * The keys command runs the AWS CLI, which Amazon Linux 2023 ships and Ubuntu's images do not:
   * with `os: "ubuntu"`, say that the AMI carries it. @default false
   */
  readonly awsCliOnImage?: boolean;
}

/** Props of `Bastion`. */
export interface BastionProps {
  /** Name of the bastion: its template, group, security group, session document and `BASTION_TAG` value. */
  readonly name: string;
  /** How operators connect. @default "ssm" — Session Manager, no inbound port at all */
  readonly mode?: "ssm" | "ssh";
  /** The VPC of the bastion's security group. */
  readonly vpcId: string;
  /** The VPC's CIDR: the only place the bastion may send DNS and onward SSH. */
  readonly vpcCidr: string;
  /** Subnets keyed by AZ: private for ssm mode, public for ssh mode. */
  readonly subnetIds: Readonly<Record<string, string>>;
  /** Security group of the VPC's interface endpoints (a `Network`'s `endpointsSecurityGroupId`): the bastion's only HTTPS egress, for Session Manager. */
  readonly endpointsSecurityGroupId: string;
  /** The S3 gateway endpoint's prefix list: HTTPS to S3 for the OS package repositories. @default none */
  readonly s3PrefixListId?: string;
  /** The bastion's AMI. */
  readonly image: ImageSource;
  /** Operating system of the AMI. SSH mode on Ubuntu needs `ssh.awsCliOnImage`. @default "amazon-linux-2023" */
  readonly os?: OperatingSystem;
  /** EC2 instance type. @default "t3.micro" */
  readonly instanceType?: string;
  /** Key for volumes, session logs and session data. @default a new key */
  readonly kmsKeyArn?: string;
  /** Session log retention. @default 365 */
  readonly logRetentionDays?: number;
  /** Minutes before an idle session ends. @default 15 */
  readonly idleTimeoutMinutes?: number;
  /** Maximum session length in minutes. @default 60 */
  readonly maxSessionMinutes?: number;
  /** Non-root user sessions run as. @default "ssm-user" */
  readonly runAsUser?: string;
  /** IAM groups given the operator policy, by name. @default none (attach `operatorPolicy` yourself) */
  readonly operatorGroups?: readonly string[];
  /** IAM roles given the operator policy, by name. @default none */
  readonly operatorRoles?: readonly string[];
  /** Alarm topic: status-check and CPU alarms for the bastion. @default none */
  readonly alarmTopicArn?: string;
  /** SSH mode only. */
  readonly ssh?: SshAccess;
  /** Extra tags for the instance (patch group, backup). */
  readonly instanceTags?: Readonly<Record<string, string>>;
  /** Tags on every taggable resource created. @default none */
  readonly tags?: Readonly<Record<string, string>>;
}

/**
 * A bastion that heals itself (an Auto Scaling group of one) on the hardened launch template.
 * Session Manager by default: no inbound port, sessions logged to a KMS-encrypted log group,
 * session data encrypted, idle and maximum durations, a non-root run-as user, and an operator
 * policy that may start sessions on this bastion only. SSH mode is an explicit opt-in: port 22
 * from an allowlist only, keys from config rotated without replacing the instance.
 */
export class Bastion extends Construct {
  /** The bastion's security group: egress to the endpoints, S3 (with `s3PrefixListId`), VPC DNS and SSH into the VPC; ingress on 22 from the allowlist in SSH mode only. */
  public readonly securityGroup: HardenedSecurityGroup;
  /** The group of one that keeps the bastion running (a failed instance is replaced). */
  public readonly autoScalingGroup: HardenedAutoScalingGroup;
  /** The bastion's hardened launch template. */
  public readonly launchTemplate: HardenedLaunchTemplate;
  /** The Session Manager preferences document (`<name>-session-preferences`): encrypted, logged, time-limited sessions as a non-root user. */
  public readonly sessionDocument: SsmDocument;
  /** The encrypted log group every session's input and output is streamed to. */
  public readonly sessionLogGroup: CloudwatchLogGroup;
  /** The operator policy (`<name>-operators`): sessions on this bastion only, with its preferences, and their own sessions to end or resume. */
  public readonly operatorPolicy: IamPolicy;
  /** The command an operator runs to connect. */
  public readonly connectCommand: string;
  /** SSH mode with `publicAddress`: the Elastic IP. */
  public readonly publicAddress?: Eip;

  constructor(scope: Construct, id: string, props: BastionProps) {
    super(scope, id);
    const mode = props.mode ?? "ssm";
    checkName(this, "name", props.name);
    if (mode !== "ssm" && mode !== "ssh") throw new BulwarkValidationError(this, "mode", mode, "must be ssm or ssh");
    if (Object.keys(props.subnetIds).length === 0) throw new BulwarkValidationError(this, "subnetIds", props.subnetIds, "must name at least one subnet");
    checkPattern(this, "kmsKeyArn", props.kmsKeyArn, KMS_KEY_ARN_PATTERN, "a KMS key ARN");
    checkInteger(this, "idleTimeoutMinutes", props.idleTimeoutMinutes, 1, 60);
    checkInteger(this, "maxSessionMinutes", props.maxSessionMinutes, 1, 1440);
    const retention = props.logRetentionDays ?? 365;
    checkLogRetention(this, "logRetentionDays", retention);
    const runAs = props.runAsUser ?? "ssm-user";
    checkPattern(this, "runAsUser", runAs, /^(?!root$)[a-z_][a-z0-9_-]{0,31}$/, "a non-root Linux user name");
    if (mode === "ssm" && props.ssh) throw new BulwarkValidationError(this, "ssh", "(set)", 'applies only to mode "ssh"');
    if (mode === "ssh") this.validateSsh(props.ssh);
    if (mode === "ssh" && props.os === "ubuntu" && !props.ssh!.awsCliOnImage) {
      throw new BulwarkValidationError(
        this,
        "os",
        props.os,
        'cannot serve SSH mode as is: the keys command runs the AWS CLI, which Ubuntu images lack; use amazon-linux-2023, or an AMI with the AWS CLI and ssh.awsCliOnImage: true',
      );
    }

    const ctx = accountContext(this);
    const os = props.os ?? "amazon-linux-2023";
    const key =
      props.kmsKeyArn ?? new HardenedKmsKey(this, "key", { alias: `${props.name}/bastion`, services: ["autoscaling", "cloudwatch-logs"], tags: props.tags }).keyArn;

    this.securityGroup = new HardenedSecurityGroup(this, "security-group", {
      name: props.name,
      description: BASTION_SECURITY_GROUP_DESCRIPTION[mode],
      vpcId: props.vpcId,
      rules: {
        "https-endpoints": { direction: "egress", description: "HTTPS to the VPC interface endpoints (Session Manager)", port: 443, peer: { securityGroupId: props.endpointsSecurityGroupId } },
        "dns-udp": { direction: "egress", description: "DNS to the VPC resolver", protocol: "udp", port: 53, peer: { cidr: props.vpcCidr } },
        "dns-tcp": { direction: "egress", description: "DNS over TCP to the VPC resolver", port: 53, peer: { cidr: props.vpcCidr } },
        "ssh-vpc": { direction: "egress", description: "SSH onward to hosts inside the VPC", port: 22, peer: { cidr: props.vpcCidr } },
        ...(props.s3PrefixListId
          ? { "https-s3": { direction: "egress" as const, description: "HTTPS to S3 through the gateway endpoint (package repositories)", port: 443, peer: { prefixListId: props.s3PrefixListId } } }
          : {}),
      },
      tags: props.tags,
    });
    if (mode === "ssh") {
      for (const name of Object.keys(props.ssh!.allowlist).sort()) {
        const cidr = props.ssh!.allowlist[name];
        this.securityGroup.addRule(`ssh-${name}`, {
          direction: "ingress",
          description: `SSH from ${name}`,
          port: 22,
          peer: { cidr },
          allowWorldAdminAccess: isWorld(cidr) ? props.ssh!.allowBroadSources : undefined,
        });
      }
    }

    this.sessionLogGroup = new CloudwatchLogGroup(this, "session-logs", { name: `/bulwark/${props.name}/sessions`, kmsKeyId: key, retentionInDays: retention, tags: props.tags });
    const sshUser = props.ssh?.user ?? (os === "ubuntu" ? "ubuntu" : "ec2-user");
    let keysParameter: SsmParameter | undefined;
    const keysParameterName = authorizedKeysParameterName(props.name);
    if (mode === "ssh") {
      keysParameter = new SsmParameter(this, "authorized-keys", {
        name: keysParameterName,
        description: `SSH public keys of bastion ${props.name}; read at each login, so rotating a key needs no new instance`,
        type: "String",
        value: authorizedKeysValue(props.ssh!.publicKeys),
        tags: props.tags,
      });
    }
    if (mode === "ssh" && props.ssh!.publicAddress) {
      this.publicAddress = new Eip(this, "public-address", { domain: "vpc", tags: { ...props.tags, Name: props.name, [BASTION_TAG]: props.name } });
      suppress(this.publicAddress, RuleIds.instancePublicIp, props.ssh!.publicAddress.reason);
    }
    this.launchTemplate = new HardenedLaunchTemplate(this, "launch-template", {
      name: props.name,
      image: props.image,
      os,
      instanceType: props.instanceType ?? "t3.micro",
      securityGroupIds: [this.securityGroup.id],
      kmsKeyArn: key,
      tags: { ...props.tags, ...props.instanceTags, [BASTION_TAG]: props.name },
      userData:
        mode === "ssh"
          ? {
              sshAllowUsers: [sshUser],
              // The host firewall lets SSH in from the same allowlist as the security group.
              firewallAllow: { ssh: { port: 22, sources: Object.keys(props.ssh!.allowlist).sort().map((k) => props.ssh!.allowlist[k]) } },
              extraParts: [
                { contentType: "text/x-shellscript" as const, content: sshKeysScript(props.name, ctx.region, sshUser, keysParameterName, props.ssh!.restrictForwarding ?? true, props.ssh!.instanceConnect ?? false) },
                ...(this.publicAddress ? [{ contentType: "text/x-shellscript" as const, content: takeAddressScript(ctx.region, this.publicAddress.allocationId) }] : []),
              ],
            }
          : undefined,
    });
    new IamRolePolicy(this, "session-policy", {
      role: this.launchTemplate.role.name,
      name: "session-manager-logging",
      policy: policyDocument([
        {
          Sid: "WriteSessionLogs",
          Effect: "Allow",
          Action: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
          Resource: [this.sessionLogGroup.arn, `${this.sessionLogGroup.arn}:*`],
        },
        { Sid: "FindLogGroups", Effect: "Allow", Action: "logs:DescribeLogGroups", Resource: "*" },
        { Sid: "EncryptSessions", Effect: "Allow", Action: ["kms:Decrypt", "kms:GenerateDataKey"], Resource: key },
        ...(keysParameter ? [{ Sid: "ReadAuthorizedKeys", Effect: "Allow" as const, Action: "ssm:GetParameter", Resource: keysParameter.arn }] : []),
        ...(this.publicAddress
          ? [
              {
                Sid: "TakeThePublicAddress",
                Effect: "Allow" as const,
                Action: "ec2:AssociateAddress",
                Resource: `arn:${ctx.partition}:ec2:${ctx.region}:${ctx.accountId}:elastic-ip/${this.publicAddress.allocationId}`,
              },
              {
                Sid: "OnlyForThisBastion",
                Effect: "Allow" as const,
                Action: "ec2:AssociateAddress",
                Resource: `arn:${ctx.partition}:ec2:${ctx.region}:${ctx.accountId}:instance/*`,
                Condition: { StringEquals: { [`ec2:ResourceTag/${BASTION_TAG}`]: props.name } },
              },
            ]
          : []),
      ], this),
    });

    this.sessionDocument = new SsmDocument(this, "session-preferences", {
      name: `${props.name}-session-preferences`,
      documentType: "Session",
      documentFormat: "JSON",
      content: jsonDocument({
        schemaVersion: "1.0",
        description: `Session Manager preferences of bastion ${props.name}: encrypted, logged, time-limited, non-root`,
        sessionType: "Standard_Stream",
        inputs: {
          s3BucketName: "",
          s3EncryptionEnabled: true,
          cloudWatchLogGroupName: this.sessionLogGroup.name,
          cloudWatchEncryptionEnabled: true,
          cloudWatchStreamingEnabled: true,
          kmsKeyId: key,
          runAsEnabled: true,
          runAsDefaultUser: runAs,
          idleSessionTimeout: String(props.idleTimeoutMinutes ?? 15),
          maxSessionDuration: String(props.maxSessionMinutes ?? 60),
          shellProfile: { ...SESSION_SHELL_PROFILE },
        },
      }, this),
      tags: props.tags,
    });

    this.autoScalingGroup = new HardenedAutoScalingGroup(this, "group", {
      name: props.name,
      launchTemplate: this.launchTemplate,
      subnetIds: props.subnetIds,
      minSize: 1,
      maxSize: 1,
      instanceTags: { ...props.instanceTags, [BASTION_TAG]: props.name },
    });

    const instanceArn = `arn:${ctx.partition}:ec2:${ctx.region}:${ctx.accountId}:instance/*`;
    this.operatorPolicy = new IamPolicy(this, "operator-policy", {
      name: `${props.name}-operators`,
      description: `Start Session Manager sessions on bastion ${props.name} only, with its preferences`,
      policy: policyDocument([
        {
          Sid: "StartSessionOnThisBastion",
          Effect: "Allow",
          Action: "ssm:StartSession",
          Resource: instanceArn,
          Condition: { StringEquals: { [`ssm:resourceTag/${BASTION_TAG}`]: props.name } },
        },
        { Sid: "UseTheseSessionPreferences", Effect: "Allow", Action: "ssm:StartSession", Resource: this.sessionDocument.arn },
        {
          Sid: "ManageOwnSessions",
          Effect: "Allow",
          Action: ["ssm:TerminateSession", "ssm:ResumeSession"],
          // `$${` keeps the IAM policy variable away from Terraform's interpolation.
          Resource: `arn:${ctx.partition}:ssm:*:${ctx.accountId}:session/$\${aws:userid}-*`,
        },
        { Sid: "EncryptSessionData", Effect: "Allow", Action: "kms:GenerateDataKey", Resource: key },
        { Sid: "FindTheBastion", Effect: "Allow", Action: ["ec2:DescribeInstances", "ssm:DescribeSessions", "ssm:GetConnectionStatus"], Resource: "*" },
        ...(mode === "ssh" && props.ssh!.instanceConnect
          ? [
              {
                Sid: "InstanceConnectToThisBastion",
                Effect: "Allow" as const,
                Action: "ec2-instance-connect:SendSSHPublicKey",
                Resource: instanceArn,
                Condition: { StringEquals: { [`ec2:ResourceTag/${BASTION_TAG}`]: props.name, "ec2:osuser": sshUser } },
              },
            ]
          : []),
      ], this),
      tags: props.tags,
    });
    for (const g of props.operatorGroups ?? []) new IamGroupAttachment(this, g, this.operatorPolicy.arn, "group");
    for (const r of props.operatorRoles ?? []) new IamGroupAttachment(this, r, this.operatorPolicy.arn, "role");

    if (props.alarmTopicArn) {
      new AsgAlarms(this, "alarms", { name: props.name, autoScalingGroupName: this.autoScalingGroup.group.name, topicArn: props.alarmTopicArn, minInService: 1, tags: props.tags });
    }

    this.connectCommand = mode === "ssm" ? ssmConnectCommand(props.name, ctx.region) : sshConnectCommand(sshUser, this.publicAddress?.publicIp);
  }

  private validateSsh(ssh: SshAccess | undefined): void {
    if (!ssh) throw new BulwarkValidationError(this, "ssh", ssh, 'is required for mode "ssh" (allowlist and public keys)');
    checkWeakening(this, "ssh.allowBroadSources", ssh.allowBroadSources);
    const names = Object.keys(ssh.allowlist ?? {});
    if (names.length === 0) throw new BulwarkValidationError(this, "ssh.allowlist", ssh.allowlist, "must name at least one source CIDR");
    for (const name of names) {
      checkName(this, "ssh.allowlist key", name);
      const cidr = ssh.allowlist[name];
      const problem = cidrProblem(cidr);
      if (problem) throw new BulwarkValidationError(this, `ssh.allowlist.${name}`, cidr, problem);
      if (isBroadPublicSource(cidr) && !ssh.allowBroadSources) {
        throw new BulwarkValidationError(
          this,
          `ssh.allowlist.${name}`,
          cidr,
          isWorld(cidr)
            ? "opens SSH to the whole internet; name the office or VPN ranges"
            : `is a public range broader than /${SSH_BROAD_PREFIX[parseCidr(cidr)!.family]}; narrow it or set allowBroadSources with a reason`,
        );
      }
    }
    const keys = Object.keys(ssh.publicKeys ?? {});
    if (keys.length === 0) throw new BulwarkValidationError(this, "ssh.publicKeys", ssh.publicKeys, "must hold at least one public key (no default key pair is used)");
    for (const k of keys) {
      checkName(this, "ssh.publicKeys key", k);
      const problem = publicKeyProblem(ssh.publicKeys[k]);
      if (problem) throw new BulwarkValidationError(this, `ssh.publicKeys.${k}`, `${ssh.publicKeys[k].slice(0, 24)}…`, problem);
    }
    if (ssh.user !== undefined) checkPattern(this, "ssh.user", ssh.user, /^(?!root$)[a-z_][a-z0-9_-]{0,31}$/, "a non-root Linux user name");
    if (ssh.allowBroadSources) suppress(this, RuleIds.securityGroupAdminPortsFromWorld, ssh.allowBroadSources.reason);
    checkWeakening(this, "ssh.publicAddress", ssh.publicAddress);
  }
}

/** Attaches the operator policy to an IAM group or role by name. */
class IamGroupAttachment extends Construct {
  constructor(scope: Construct, name: string, policyArn: string, kind: "group" | "role") {
    super(scope, `operator-${kind}-${name}`);
    checkName(this, `operator ${kind}`, name);
    if (kind === "group") new IamGroupPolicyAttachment(this, "attachment", { group: name, policyArn });
    else new IamRolePolicyAttachment(this, "attachment", { role: name, policyArn });
  }
}

/** The bastion's `connectCommand` in mode ssm: a Session Manager session with its preferences document on the running bastion named `name` in `region` (shared with the published module). */
export function ssmConnectCommand(name: string, region: string): string {
  const find = `$(aws ec2 describe-instances --region ${region} --filters Name=tag:${BASTION_TAG},Values=${name} Name=instance-state-name,Values=running --query 'Reservations[0].Instances[0].InstanceId' --output text)`;
  return `aws ssm start-session --region ${region} --document-name ${name}-session-preferences --target ${find}`;
}

/** The bastion's `connectCommand` in mode ssh: a jump through `user` at the public address, or a placeholder for the private one when it has none (shared with the published module). */
export function sshConnectCommand(user: string, publicIp?: string): string {
  return `ssh -J ${user}@${publicIp ?? "<bastion private address>"} <user>@<private host>`;
}

/**
 * sshd reads the bastion's keys from an SSM parameter at each login (AuthorizedKeysCommand), so
 * rotating a key is a parameter change, not a new instance. With Instance Connect, the same
 * command then hands over to EC2 Instance Connect's (keys pushed for 60 s), run as its own
 * user; without it, bulwark's command comes first and Instance Connect keys are ignored.
 * Forwarding is off unless allowed.
 */
export function sshKeysScript(name: string, region: string, user: string, parameter: string, restrictForwarding: boolean, instanceConnect: boolean): string {
  const eic = "/opt/aws/bin/eic_run_authorized_keys";
  return [
    "#!/bin/bash",
    "set -euo pipefail",
    ...(instanceConnect ? [`[ -x ${eic} ] || dnf install -y ec2-instance-connect 2>/dev/null || apt-get install -y ec2-instance-connect`] : []),
    "cat > /usr/local/bin/bulwark-authorized-keys <<'KEYS'",
    "#!/bin/bash",
    `[ "$1" = "${user}" ] || exit 0`,
    ...(instanceConnect
      ? [`aws ssm get-parameter --region ${region} --name ${parameter} --query Parameter.Value --output text || true`, `exec ${eic} "$@"`]
      : [`exec aws ssm get-parameter --region ${region} --name ${parameter} --query Parameter.Value --output text`]),
    "KEYS",
    "chmod 0755 /usr/local/bin/bulwark-authorized-keys",
    "cat > /etc/ssh/sshd_config.d/01-bulwark-keys.conf <<'CONF'",
    `AuthorizedKeysCommand /usr/local/bin/bulwark-authorized-keys %u${instanceConnect ? " %f" : ""}`,
    `AuthorizedKeysCommandUser ${instanceConnect ? "ec2-instance-connect" : "nobody"}`,
    ...(restrictForwarding ? ["AllowTcpForwarding no", "AllowAgentForwarding no", "PermitTunnel no"] : []),
    "CONF",
    "systemctl reload sshd 2>/dev/null || systemctl reload ssh",
    `# bastion ${name}`,
  ].join("\n");
}

/**
 * At boot the instance takes the bastion's Elastic IP (a replacement instance takes it over).
 * IMDSv2 gives the instance id; the role may associate this address with this bastion only.
 */
export function takeAddressScript(region: string, allocationId: string): string {
  return [
    "#!/bin/bash",
    "set -euo pipefail",
    "imds=http://169.254.169.254/latest",
    "token=$(curl -fsS -X PUT $imds/api/token -H 'X-aws-ec2-metadata-token-ttl-seconds: 60')",
    'instance=$(curl -fsS -H "X-aws-ec2-metadata-token: $token" $imds/meta-data/instance-id)',
    `aws ec2 associate-address --region ${region} --allocation-id ${allocationId} --instance-id "$instance" --allow-reassociation`,
  ].join("\n");
}

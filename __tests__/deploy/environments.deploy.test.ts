/**
 * The reference environments deployed for real, offline: synthesized as users do with the
 * emulator option (BULWARK_AWS_ENDPOINT), applied with `cdktf deploy`, planned again (no change but
 * the emulator's listed quirks), read back through the AWS API, and destroyed: dev completely, prod
 * stopped by its own prevent_destroy. docs/TESTING.md, "Deploying to the emulator".
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ACMClient, RequestCertificateCommand } from "@aws-sdk/client-acm";
import { AutoScalingClient, DescribeAutoScalingGroupsCommand } from "@aws-sdk/client-auto-scaling";
import { CloudWatchClient, DescribeAlarmsCommand } from "@aws-sdk/client-cloudwatch";
import { CloudWatchLogsClient, DescribeLogGroupsCommand } from "@aws-sdk/client-cloudwatch-logs";
import {
  DescribeFlowLogsCommand,
  DescribeInstancesCommand,
  DescribeLaunchTemplatesCommand,
  DescribeLaunchTemplateVersionsCommand,
  DescribeNetworkAclsCommand,
  DescribeSecurityGroupsCommand,
  DescribeVpcsCommand,
  EC2Client,
  GetEbsEncryptionByDefaultCommand,
} from "@aws-sdk/client-ec2";
import { IAMClient, ListRolesCommand } from "@aws-sdk/client-iam";
import { DescribeKeyCommand, GetKeyRotationStatusCommand, KMSClient, ListAliasesCommand } from "@aws-sdk/client-kms";
import { GetBucketEncryptionCommand, GetBucketReplicationCommand, GetBucketVersioningCommand, ListBucketsCommand, S3Client } from "@aws-sdk/client-s3";
import { GetTopicAttributesCommand, ListTopicsCommand, SNSClient } from "@aws-sdk/client-sns";
import { parse as parseYaml, stringify as stringifyYaml } from "yaml";
import { referenceEnvironmentsDir, ROOT } from "../support/app";
import { applyScope, ApplyScope, cdktf, CdktfRun, deployResult, emulatorCredentials, planAfterApply, refusals, run, unexplained } from "../support/deploy";
import { terraformEnv } from "../support/terraform";
import { runEmulator } from "../support/emulator";
import { LEFT_OUT, READ_BACK_QUIRKS } from "./emulator-gaps";

const emulator = runEmulator();
const STACKS = ["dev", "prod"] as const;
type StackName = (typeof STACKS)[number];
type Json = Record<string, any>;

if ("why" in emulator) process.stderr.write(`deploy suite (reference environments) did not run: ${emulator.why}\n`);
const describeDeploy = "url" in emulator ? describe : describe.skip;

describeDeploy("the reference environments applied to the AWS API emulator", () => {
  const url = "url" in emulator ? emulator.url : "";
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "bulwark-deploy-"));
  const outdir = path.join(work, "cdktf.out");
  const envDir = path.join(work, "environments");
  const configs: Record<string, Json> = {};
  const stacks: Record<string, Json> = {};
  const scopes: Record<string, ApplyScope> = {};
  let deployed: CdktfRun | undefined;
  // The emulator option, and the endpoint for Terraform (the providers carry no `endpoints` block).
  const env = () => ({ BULWARK_AWS_ENDPOINT: url, AWS_ENDPOINT_URL: url, BULWARK_ENVIRONMENTS_DIR: envDir, CDKTF_OUTDIR: outdir });
  const clientConfig = (stack: StackName, region?: string) => emulatorCredentials(url, configs[stack].accountId, region ?? configs[stack].region);

  beforeAll(async () => {
    // The environment files as they are, but for the certificate: prod's listener needs one that the
    // account holds, as it would in AWS (requested here, in prod's account).
    fs.mkdirSync(envDir);
    for (const name of STACKS) configs[name] = parseYaml(fs.readFileSync(path.join(referenceEnvironmentsDir(), `${name}.yaml`), "utf8")) as Json;
    const acm = new ACMClient(await clientConfig("prod"));
    const cert = await acm.send(new RequestCertificateCommand({ DomainName: "app.example.com", ValidationMethod: "DNS" }));
    configs.prod.loadBalancer.certificateArn = cert.CertificateArn;
    for (const name of STACKS) fs.writeFileSync(path.join(envDir, `${name}.yaml`), stringifyYaml(configs[name]));

    // Synthesized as users do: cdktf.json's app command (`npm run synth`; `cdktf synth` and a `cdktf deploy`
    // without --skip-synth run the same command, inside a CLI that costs about 3 s of CPU more), then
    // deployed with cdktf.
    const app = (JSON.parse(fs.readFileSync(path.join(ROOT, "cdktf.json"), "utf8")) as { app: string }).app;
    const synth = await run("/bin/sh", ["-c", app], { cwd: ROOT, env: { ...process.env, ...env() } });
    if (synth.status !== 0) throw new Error(`the synth for the emulator (${app}) failed:\n${synth.output.trim()}`);
    for (const name of STACKS) {
      stacks[name] = JSON.parse(fs.readFileSync(path.join(outdir, "stacks", name, "cdk.tf.json"), "utf8")) as Json;
      scopes[name] = applyScope(stacks[name], LEFT_OUT);
      process.stderr.write(`deploy ${name}: ${scopes[name].applied.length} resources applied, ${scopes[name].leftOut.size} left out (the emulator cannot apply them: __tests__/deploy/emulator-gaps.ts)\n`);
    }
    // Both stacks at once (separate accounts); what the emulator cannot apply is kept out with -target.
    // A -target naming another stack's resource matches nothing there.
    const targets = [...new Set(STACKS.flatMap((s) => scopes[s].applied))].map((a) => `-target=${a}`).join(" ");
    deployed = await cdktf(["deploy", ...STACKS, "--skip-synth", "--skip-provider-lock", "--auto-approve", "--output", outdir], { ...env(), TF_CLI_ARGS_apply: targets });
  }, 900_000);

  // BULWARK_KEEP_DEPLOY=1 keeps the output and the state to look into after a failure.
  afterAll(() => (process.env.BULWARK_KEEP_DEPLOY ? process.stderr.write(`deploy reference environments: kept ${work}\n`) : fs.rmSync(work, { recursive: true, force: true })));

  // That a normal synth carries none of these settings is asserted in emulator-support.test.ts.
  it("sends every provider of both stacks, aliases included, to the emulator as the stack's own account", () => {
    for (const name of STACKS) {
      const providers = stacks[name].provider.aws as Json[];
      // No endpoints block: Terraform runs with AWS_ENDPOINT_URL (env()), which the synth insisted on.
      expect(providers.map((p) => [p.alias ?? "default", p.endpoints, p.access_key, p.s3_use_path_style, p.assume_role?.[0]?.role_arn])).toEqual(
        providers.map((p) => [p.alias ?? "default", undefined, "emulator", true, `arn:aws:iam::${configs[name].accountId}:role/bulwark-deploy`]),
      );
      expect(providers.length).toBe(2);
    }
  });

  it("applies both stacks with cdktf deploy, refusing nothing", () => {
    const result = deployResult(deployed!, STACKS);
    if (!result.ok) throw new Error(`cdktf deploy exited ${deployed!.status}; refused:\n${result.refused.join("\n") || deployed!.output.slice(-4000)}`);
  });

  it("plans no change right after the apply, but for the emulator's listed read-back quirks", async () => {
    const plans = await Promise.all(STACKS.map((name) => planAfterApply(path.join(outdir, "stacks", name), scopes[name].applied, { env: { AWS_ENDPOINT_URL: url } })));
    const failures = STACKS.flatMap((name, i) => unexplained(plans[i].changes, READ_BACK_QUIRKS).map((line) => `${name} ${line}`));
    expect(failures).toEqual([]);
  });

  describe.each(STACKS)("%s read back through the AWS API", (name) => {
    it("launch templates: IMDSv2 required, hop limit 1, CMK-encrypted volumes, no public IP", async () => {
      const ec2 = new EC2Client(await clientConfig(name));
      const templates = (await ec2.send(new DescribeLaunchTemplatesCommand({}))).LaunchTemplates ?? [];
      const declared = Object.values(stacks[name].resource.aws_launch_template as Record<string, Json>).map((t) => t.name);
      expect(templates.map((t) => t.LaunchTemplateName).sort()).toEqual([...declared].sort());
      const keyArns = await stackKeyArns(name);
      for (const t of templates) {
        const data = (await ec2.send(new DescribeLaunchTemplateVersionsCommand({ LaunchTemplateId: t.LaunchTemplateId, Versions: ["$Latest"] }))).LaunchTemplateVersions![0].LaunchTemplateData!;
        expect([t.LaunchTemplateName, data.MetadataOptions?.HttpTokens, data.MetadataOptions?.HttpPutResponseHopLimit]).toEqual([t.LaunchTemplateName, "required", 1]);
        expect(data.BlockDeviceMappings?.length).toBeGreaterThan(0);
        for (const b of data.BlockDeviceMappings ?? []) {
          expect([t.LaunchTemplateName, b.DeviceName, b.Ebs?.Encrypted]).toEqual([t.LaunchTemplateName, b.DeviceName, true]);
          expect(keyArns).toContain(b.Ebs?.KmsKeyId);
        }
        for (const n of data.NetworkInterfaces ?? []) expect(n.AssociatePublicIpAddress).toBe(false);
      }
    });

    it("EBS encryption by default on; no instance has a public address", async () => {
      const ec2 = new EC2Client(await clientConfig(name));
      expect((await ec2.send(new GetEbsEncryptionByDefaultCommand({}))).EbsEncryptionByDefault).toBe(true);
      const instances = ((await ec2.send(new DescribeInstancesCommand({}))).Reservations ?? []).flatMap((r) => r.Instances ?? []);
      expect(instances.filter((i) => i.State?.Name === "running").length).toBeGreaterThan(0);
      expect(instances.filter((i) => i.PublicIpAddress).map((i) => `${i.InstanceId} ${i.PublicIpAddress}`)).toEqual([]);
    });

    it("security groups hold exactly the declared permissions, none open to the world on 22 or 3389", async () => {
      const ec2 = new EC2Client(await clientConfig(name));
      // The stack's VPC only: the emulator's default VPC (which AWS has too) keeps its own default group.
      const groups = (await ec2.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: "vpc-id", Values: [await stackVpcId(name)] }] }))).SecurityGroups ?? [];
      const byId = new Map(groups.map((g) => [g.GroupId!, g.GroupName!]));
      const stored: string[] = [];
      for (const g of groups) {
        for (const [direction, perms] of [["ingress", g.IpPermissions], ["egress", g.IpPermissionsEgress]] as const) {
          for (const p of perms ?? []) {
            const ports = p.IpProtocol === "-1" ? "all" : `${p.FromPort}-${p.ToPort}`;
            for (const r of p.IpRanges ?? []) stored.push(`${g.GroupName} ${direction} ${p.IpProtocol} ${ports} cidr ${r.CidrIp}`);
            for (const r of p.Ipv6Ranges ?? []) stored.push(`${g.GroupName} ${direction} ${p.IpProtocol} ${ports} cidr ${r.CidrIpv6}`);
            (p.PrefixListIds ?? []).forEach(() => stored.push(`${g.GroupName} ${direction} ${p.IpProtocol} ${ports} prefix-list`));
            // The emulator reads group references back as "account/sg-…" (its quirk): the group id is the last part.
            for (const r of p.UserIdGroupPairs ?? []) stored.push(`${g.GroupName} ${direction} ${p.IpProtocol} ${ports} group ${byId.get(r.GroupId!.split("/").pop()!)}`);
          }
        }
      }
      const declared = declaredPermissions(name);
      expect(stored.sort()).toEqual(declared.sort());
      const worldAdmin = stored.filter((s) => / ingress /.test(s) && /cidr (0\.0\.0\.0\/0|::\/0)$/.test(s) && /(^| )(tcp|6|-1) (all|(\d+)-(\d+))/.test(s) && coversAdminPort(s));
      expect(worldAdmin).toEqual([]);
    });

    it("network ACL entries as declared and numbered, with the return traffic", async () => {
      const ec2 = new EC2Client(await clientConfig(name));
      const acls = (await ec2.send(new DescribeNetworkAclsCommand({}))).NetworkAcls ?? [];
      const declaredRules = Object.values((stacks[name].resource.aws_network_acl_rule ?? {}) as Record<string, Json>);
      const vpcId = await stackVpcId(name);
      const custom = acls.filter((a) => a.VpcId === vpcId && !a.IsDefault);
      expect(custom.length).toBe(Object.keys(stacks[name].resource.aws_network_acl ?? {}).length);
      const stored = custom.flatMap((a) =>
        (a.Entries ?? []).filter((e) => e.RuleNumber !== 32767).map((e) => `${e.Egress ? "egress" : "ingress"} ${e.RuleNumber} ${e.Protocol} ${e.RuleAction} ${e.CidrBlock ?? e.Ipv6CidrBlock} ${e.PortRange ? `${e.PortRange.From}-${e.PortRange.To}` : "all"}`),
      );
      const declared = declaredRules.map((r) => `${r.egress ? "egress" : "ingress"} ${r.rule_number} ${protocolNumber(r.protocol)} ${r.rule_action} ${r.cidr_block ?? r.ipv6_cidr_block} ${r.from_port !== undefined && protocolNumber(r.protocol) !== "-1" ? `${r.from_port}-${r.to_port}` : "all"}`);
      expect(stored.sort()).toEqual(declared.sort());
      for (const a of custom) {
        // Each allowed inbound TCP port has its replies let out (ephemeral ports). AWS's own final deny
        // (rule 32767) is not read back: the emulator does not return it.
        const ingress = (a.Entries ?? []).filter((e) => !e.Egress && e.RuleAction === "allow" && e.RuleNumber !== 32767 && e.Protocol === "6");
        const egressEphemeral = (a.Entries ?? []).filter((e) => e.Egress && e.RuleAction === "allow" && e.Protocol === "6" && (e.PortRange?.From ?? 0) <= 1024 && (e.PortRange?.To ?? 0) >= 65535);
        if (ingress.length > 0) expect(egressEphemeral.length).toBeGreaterThan(0);
      }
    });

    it("flow logs of ALL traffic on every VPC; KMS keys rotate; alarms act; the topic is encrypted", async () => {
      const config = await clientConfig(name);
      const ec2 = new EC2Client(config);
      const vpcs = (await ec2.send(new DescribeVpcsCommand({}))).Vpcs ?? [];
      const flowLogs = (await ec2.send(new DescribeFlowLogsCommand({}))).FlowLogs ?? [];
      for (const v of vpcs.filter((v) => !v.IsDefault)) expect([v.VpcId, flowLogs.some((f) => f.ResourceId === v.VpcId && f.TrafficType === "ALL")]).toEqual([v.VpcId, true]);
      for (const region of [configs[name].region, configs[name].backupCopyRegion]) {
        const kms = new KMSClient(await clientConfig(name, region));
        for (const keyId of await stackKeyArns(name, region)) {
          expect([keyId, (await kms.send(new GetKeyRotationStatusCommand({ KeyId: keyId }))).KeyRotationEnabled]).toEqual([keyId, true]);
        }
      }
      const alarms = (await new CloudWatchClient(config).send(new DescribeAlarmsCommand({ MaxRecords: 100 }))).MetricAlarms ?? [];
      expect(alarms.length).toBe(Object.keys(stacks[name].resource.aws_cloudwatch_metric_alarm).length);
      for (const a of alarms) expect([a.AlarmName, a.ActionsEnabled, (a.AlarmActions ?? []).length > 0, (a.OKActions ?? []).length > 0]).toEqual([a.AlarmName, true, true, true]);
      const sns = new SNSClient(config);
      const topics = (await sns.send(new ListTopicsCommand({}))).Topics ?? [];
      expect(topics.length).toBeGreaterThan(0);
      for (const t of topics) expect((await sns.send(new GetTopicAttributesCommand({ TopicArn: t.TopicArn }))).Attributes?.KmsMasterKeyId).toMatch(/^arn:aws:kms:/);
    });

    it("the audit buckets replicate into a versioned copy with its own key in the copy region", async () => {
      const { accountId, region, backupCopyRegion } = configs[name];
      const s3 = new S3Client(await clientConfig(name));
      const replica = `${name}-audit-replica-${accountId}-${backupCopyRegion}`;
      for (const source of [`${name}-audit-${accountId}-${region}`, `${name}-access-${accountId}-${region}`]) {
        const rules = (await s3.send(new GetBucketReplicationCommand({ Bucket: source }))).ReplicationConfiguration?.Rules ?? [];
        expect(rules.map((r) => [source, r.Status, r.Destination?.Bucket, r.DeleteMarkerReplication?.Status])).toEqual([[source, "Enabled", `arn:aws:s3:::${replica}`, "Disabled"]]);
      }
      const copy = new S3Client(await clientConfig(name, backupCopyRegion));
      expect((await copy.send(new GetBucketVersioningCommand({ Bucket: replica }))).Status).toBe("Enabled");
      const sse = (await copy.send(new GetBucketEncryptionCommand({ Bucket: replica }))).ServerSideEncryptionConfiguration?.Rules?.[0]?.ApplyServerSideEncryptionByDefault;
      expect(sse?.SSEAlgorithm).toBe("aws:kms");
      expect(await stackKeyArns(name, backupCopyRegion)).toContain(sse?.KMSMasterKeyID);
    });

    it("Auto Scaling groups follow the template's latest version", async () => {
      const asg = new AutoScalingClient(await clientConfig(name));
      const groups = (await asg.send(new DescribeAutoScalingGroupsCommand({}))).AutoScalingGroups ?? [];
      expect(groups.length).toBe(Object.keys(stacks[name].resource.aws_autoscaling_group).length);
      // The group names the template's latest version by number: a new template version changes the
      // group, which starts the instance refresh (a "$Latest" group would not notice).
      const templates = (await new EC2Client(await clientConfig(name)).send(new DescribeLaunchTemplatesCommand({}))).LaunchTemplates ?? [];
      for (const g of groups) {
        const spec = g.LaunchTemplate ?? g.MixedInstancesPolicy?.LaunchTemplate?.LaunchTemplateSpecification;
        const template = templates.find((t) => t.LaunchTemplateId === spec?.LaunchTemplateId);
        expect([g.AutoScalingGroupName, spec?.Version]).toEqual([g.AutoScalingGroupName, String(template?.LatestVersionNumber)]);
      }
      // The instance refresh preferences live in Terraform (they start a refresh on a template change);
      // the API stores none until a refresh runs, so the configuration is what can be checked here.
      for (const g of Object.values(stacks[name].resource.aws_autoscaling_group as Record<string, Json>)) {
        expect([g.instance_refresh?.strategy, g.instance_refresh?.preferences?.auto_rollback, g.instance_refresh?.preferences?.min_healthy_percentage]).toEqual(["Rolling", true, 100]);
      }
    });
  });

  // Destroyed with Terraform in each stack's directory: the command `cdktf destroy` runs there, without
  // cdktf's CLI around it, which redraws its terminal view for every line Terraform prints (about 8 s of
  // CPU per stack, more than Terraform's own). Both at once: dev's runs to the end, prod's stops at its
  // plan. Without a refresh: the state is the apply's, read back already by the plan after it, and a
  // refresh would read every resource of both stacks from the emulator again (about 15 s of CPU,
  // Terraform's and the emulator's).
  let destroyed: Record<string, CdktfRun> = {};
  it("destroys dev completely: nothing of it is left in the emulator", async () => {
    const runs = await Promise.all(
      STACKS.map((s) =>
        run(process.env.TERRAFORM_BIN ?? "terraform", ["destroy", "-auto-approve", "-refresh=false", "-input=false", "-no-color", "-parallelism=40"], {
          cwd: path.join(outdir, "stacks", s),
          env: { ...terraformEnv(), AWS_ENDPOINT_URL: url },
        }),
      ),
    );
    destroyed = Object.fromEntries(STACKS.map((s, i) => [s, runs[i]]));
    const res = destroyed.dev;
    if (res.status !== 0) throw new Error(`terraform destroy of dev exited ${res.status}:\n${refusals(res.output, ["dev"]).join("\n") || res.output.slice(-4000)}`);
    const left = await leftOf("dev");
    expect(left).toEqual([]);
  });

  it("stops prod's destroy with Terraform's own prevent_destroy error, destroying nothing", async () => {
    const res = destroyed.prod;
    expect(res.status).toBe(1);
    expect(res.output).toMatch(/Instance cannot be destroyed/);
    expect(res.output).toMatch(/lifecycle\.prevent_destroy set/);
    expect(res.output).not.toMatch(/Destroying\.\.\./);
  });

  /** The ARNs of the customer-managed keys the stack made in `region` (found by their aliases). */
  async function stackKeyArns(name: StackName, region = configs[name].region): Promise<string[]> {
    const kms = new KMSClient(await clientConfig(name, region));
    const aliases = (await kms.send(new ListAliasesCommand({}))).Aliases ?? [];
    const declared = Object.values(stacks[name].resource.aws_kms_alias as Record<string, Json>).map((a) => a.name as string);
    const arns: string[] = [];
    for (const a of aliases.filter((a) => declared.includes(a.AliasName!) && a.TargetKeyId)) {
      arns.push((await kms.send(new DescribeKeyCommand({ KeyId: a.TargetKeyId }))).KeyMetadata!.Arn!);
    }
    return arns;
  }

  async function stackVpcId(name: StackName): Promise<string> {
    const ec2 = new EC2Client(await clientConfig(name));
    const vpcs = (await ec2.send(new DescribeVpcsCommand({ Filters: [{ Name: "cidr", Values: [configs[name].vpcCidr] }] }))).Vpcs ?? [];
    return vpcs[0]!.VpcId!;
  }

  /** The permissions the stack declares, in the shape `stored` reads them. */
  function declaredPermissions(name: StackName): string[] {
    const res = stacks[name].resource as Record<string, Record<string, Json>>;
    const groupName = (ref: string): string => {
      const m = /\$\{aws_(?:default_)?security_group\.([^.}]+)\.id\}/.exec(ref);
      if (!m) return ref;
      const body = res.aws_security_group?.[m[1]] ?? res.aws_default_security_group?.[m[1]];
      return body?.name ?? "default";
    };
    const out: string[] = [];
    for (const [direction, type] of [["ingress", "aws_vpc_security_group_ingress_rule"], ["egress", "aws_vpc_security_group_egress_rule"]] as const) {
      for (const r of Object.values(res[type] ?? {})) {
        const protocol = String(r.ip_protocol) === "-1" ? "-1" : String(r.ip_protocol);
        const ports = protocol === "-1" ? "all" : `${r.from_port}-${r.to_port}`;
        const head = `${groupName(r.security_group_id)} ${direction} ${protocol} ${ports}`;
        if (r.cidr_ipv4) out.push(`${head} cidr ${r.cidr_ipv4}`);
        if (r.cidr_ipv6) out.push(`${head} cidr ${r.cidr_ipv6}`);
        if (r.prefix_list_id) out.push(`${head} prefix-list`);
        if (r.referenced_security_group_id) out.push(`${head} group ${groupName(r.referenced_security_group_id)}`);
      }
    }
    return out;
  }

  /** What the emulator still holds of a destroyed stack, one line each (keys only pending deletion are gone). */
  async function leftOf(name: StackName): Promise<string[]> {
    const left: string[] = [];
    for (const region of [configs[name].region, configs[name].backupCopyRegion]) {
      const config = await clientConfig(name, region);
      const ec2 = new EC2Client(config);
      for (const v of (await ec2.send(new DescribeVpcsCommand({}))).Vpcs ?? []) if (!v.IsDefault) left.push(`${region} vpc ${v.VpcId}`);
      for (const t of (await ec2.send(new DescribeLaunchTemplatesCommand({}))).LaunchTemplates ?? []) left.push(`${region} launch template ${t.LaunchTemplateName}`);
      for (const i of ((await ec2.send(new DescribeInstancesCommand({}))).Reservations ?? []).flatMap((r) => r.Instances ?? [])) {
        if (i.State?.Name !== "terminated") left.push(`${region} instance ${i.InstanceId} ${i.State?.Name}`);
      }
      for (const g of (await new AutoScalingClient(config).send(new DescribeAutoScalingGroupsCommand({}))).AutoScalingGroups ?? []) left.push(`${region} auto scaling group ${g.AutoScalingGroupName}`);
      for (const g of (await new CloudWatchLogsClient(config).send(new DescribeLogGroupsCommand({}))).logGroups ?? []) left.push(`${region} log group ${g.logGroupName}`);
      for (const a of (await new CloudWatchClient(config).send(new DescribeAlarmsCommand({}))).MetricAlarms ?? []) left.push(`${region} alarm ${a.AlarmName}`);
      for (const t of (await new SNSClient(config).send(new ListTopicsCommand({}))).Topics ?? []) left.push(`${region} topic ${t.TopicArn}`);
      const kms = new KMSClient(config);
      for (const a of (await kms.send(new ListAliasesCommand({}))).Aliases ?? []) if (!a.AliasName?.startsWith("alias/aws/")) left.push(`${region} key alias ${a.AliasName}`);
    }
    const config = await clientConfig(name);
    for (const r of (await new IAMClient(config).send(new ListRolesCommand({}))).Roles ?? []) if (!r.RoleName?.startsWith("AWSServiceRole")) left.push(`role ${r.RoleName}`);
    for (const b of (await new S3Client(config).send(new ListBucketsCommand({}))).Buckets ?? []) left.push(`bucket ${b.Name}`);
    return left.sort();
  }
});

function protocolNumber(p: string | number): string {
  const names: Record<string, string> = { tcp: "6", udp: "17", icmp: "1", all: "-1", "-1": "-1" };
  return names[String(p)] ?? String(p);
}

function coversAdminPort(line: string): boolean {
  const m = / (all|(\d+)-(\d+)) /.exec(line);
  if (!m) return false;
  if (m[1] === "all") return true;
  const [from, to] = [Number(m[2]), Number(m[3])];
  return [22, 3389].some((p) => from <= p && p <= to);
}

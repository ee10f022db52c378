/**
 * The published modules applied as a Terraform team applies them: `bulwark publish`, then every
 * module's example (`examples/basic`, which calls the module with `source = "../.."`) initialized and
 * applied against the AWS API emulator, planned again with no change (but the emulator's listed
 * quirks), read back through the AWS API, and destroyed. The emulator settings come from an override
 * file written next to each example's provider block (`emulator_override.tf.json`). An example that
 * names resources living elsewhere (a VPC, subnets, a security group, an AMI, a certificate...) gets
 * them in the examples' account from `emulator_prerequisites.tf.json`, and its copy here has each placeholder
 * replaced by a reference to them (`prerequisites.ts`); the published example keeps its placeholders.
 * One root calls every example, so the whole run is one init, one plan, one apply, one plan after it
 * and one destroy, all examples in one account (as a team that uses several modules has them): one
 * provider configuration for the emulator to serve, one account for it to build. The read-back asks
 * for each example's own resources by the ids in the state, not for everything in the account.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { AutoScalingClient, DescribeAutoScalingGroupsCommand } from "@aws-sdk/client-auto-scaling";
import { CloudWatchClient, DescribeAlarmsCommand } from "@aws-sdk/client-cloudwatch";
import {
  DescribeImagesCommand,
  DescribeInstancesCommand,
  DescribeLaunchTemplatesCommand,
  DescribeLaunchTemplateVersionsCommand,
  DescribeNetworkAclsCommand,
  DescribeSecurityGroupsCommand,
  DescribeVpcsCommand,
  EC2Client,
} from "@aws-sdk/client-ec2";
import {
  DescribeListenersCommand,
  DescribeLoadBalancerAttributesCommand,
  DescribeLoadBalancersCommand,
  ElasticLoadBalancingV2Client,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import { IAMClient, ListAttachedGroupPoliciesCommand } from "@aws-sdk/client-iam";
import { GetBucketPolicyCommand, S3Client } from "@aws-sdk/client-s3";
import { bulwark } from "../support/cli";
import { applyScopeOf, ApplyScope, coveringTargets, dotGraph, emulatorCredentials, emulatorOverride, planAfterApply, plain, providerAliases, run, unexplained } from "../support/deploy";
import { runEmulator } from "../support/emulator";
import { terraform, terraformEnv } from "../support/terraform";
import { LEFT_OUT, READ_BACK_QUIRKS } from "./emulator-gaps";
import { examplePrerequisites, withPrerequisites } from "./prerequisites";

const emulator = runEmulator();
if ("why" in emulator) process.stderr.write(`deploy suite (published modules) did not run: ${emulator.why}\n`);
const describeDeploy = "url" in emulator ? describe : describe.skip;

type Json = Record<string, any>;
const REGION = "eu-west-1";
/**
 * Terraform's default of 10 resources at a time kept the load balancer (two fixed 30 s waits of the
 * provider) and the audit buckets' lifecycle configurations (55 s each on the emulator) queued behind
 * KMS keys and VPCs: the operations mostly wait on the emulator, so more at once costs little CPU.
 */
const PARALLELISM = "-parallelism=40";

describeDeploy("the published modules' examples applied to the AWS API emulator", () => {
  const url = "url" in emulator ? emulator.url : "";
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "bulwark-deploy-modules-"));
  const out = path.join(root, "modules");
  // Every example applies as this account (its prerequisites' names are unique within it).
  const ACCOUNT = "300000000010";
  let examples: string[] = [];
  let prerequisiteExamples: string[] = [];
  let env: NodeJS.ProcessEnv = {};
  let scope: ApplyScope;
  let targets: string[] = [];
  let applied: { status: number | null; output: string };
  const clientConfig = () => emulatorCredentials(url, ACCOUNT, REGION);

  beforeAll(async () => {
    expect(bulwark(["publish", "--out", out]).status).toBe(0);
    examples = fs.readdirSync(out).filter((m) => fs.existsSync(path.join(out, m, "examples", "basic", "main.tf"))).sort();
    const calls: Record<string, { source: string }> = {};
    examples.forEach((m) => {
      const dir = path.join(out, m, "examples", "basic");
      const main = path.join(dir, "main.tf");
      const hcl = fs.readFileSync(main, "utf8");
      const emulated = emulatorOverride(url, ACCOUNT, providerAliases(hcl));
      env = { ...terraformEnv(), ...emulated.env };
      fs.writeFileSync(path.join(dir, "emulator_override.tf.json"), JSON.stringify(emulated.override, null, 2));
      const prerequisites = examplePrerequisites(ACCOUNT)[m];
      if (prerequisites) {
        fs.writeFileSync(path.join(dir, "emulator_prerequisites.tf.json"), JSON.stringify({ resource: prerequisites.resources }, null, 2));
        prerequisiteExamples.push(m);
      }
      fs.writeFileSync(main, withPrerequisites(m, hcl, prerequisites));
      calls[m] = { source: `./modules/${m}/examples/basic` };
    });
    fs.writeFileSync(path.join(root, "main.tf.json"), JSON.stringify({ module: calls }, null, 2));
    process.stderr.write(`deploy published modules: applying the examples of ${examples.join(", ")}; in account ${ACCOUNT}; with prerequisites: ${prerequisiteExamples.join(", ")}\n`);
    terraform(root, ["init", "-input=false"]);
    // What the emulator cannot apply, and what depends on it, from Terraform's own dependency graph
    // (no plan: `terraform graph` configures no provider). The plan after the apply, untargeted, proves
    // the targets took everything else: it may only create what was left out.
    const graphStarted = Date.now();
    const graph = dotGraph(terraform(root, ["graph"]).stdout);
    // Data sources take part in the dependencies, but are neither applied nor counted.
    const resources = new Set([...graph.keys()].filter((a) => !/(^|\.)data\./.test(a)));
    scope = applyScopeOf(graph, LEFT_OUT);
    scope = { applied: scope.applied.filter((a) => resources.has(a)), leftOut: new Map([...scope.leftOut].filter(([a]) => resources.has(a))) };
    targets = coveringTargets(scope.applied, [...resources]);
    process.stderr.write(`deploy published modules: ${scope.applied.length} resources applied, ${scope.leftOut.size} left out (__tests__/deploy/emulator-gaps.ts); graph ${Math.round((Date.now() - graphStarted) / 1000)} s\n`);
    const started = Date.now();
    applied = await run(process.env.TERRAFORM_BIN ?? "terraform", ["apply", "-no-color", "-input=false", "-auto-approve", PARALLELISM, ...targets.map((a) => `-target=${a}`)], { cwd: root, env });
    process.stderr.write(`deploy published modules: apply ${Math.round((Date.now() - started) / 1000)} s\n`);
  }, 900_000);

  // BULWARK_KEEP_DEPLOY=1 keeps the root (and its state) to look into after a failure.
  afterAll(() => (process.env.BULWARK_KEEP_DEPLOY ? process.stderr.write(`deploy published modules: kept ${root}\n`) : fs.rmSync(root, { recursive: true, force: true })));

  it("applies every published example, placeholders replaced by prerequisites in the same account, refusing nothing", () => {
    expect(examples.length).toBeGreaterThanOrEqual(14);
    // Every entry of prerequisites.ts serves an example that is published (none is left behind).
    expect(prerequisiteExamples).toEqual(Object.keys(examplePrerequisites("000000000000")).sort());
    if (applied.status !== 0) throw new Error(`terraform apply of the examples exited ${applied.status}:\n${errorLines(applied.output).join("\n")}`);
    expect(plain(applied.output)).toMatch(/Apply complete! Resources: \d+ added/);
  });

  it("plans no change right after the apply, but for the emulator's listed read-back quirks and what was left out", async () => {
    // Untargeted: every resource the emulator can apply must be in the state, so the only creates are
    // the left-out ones (which also proves the targets missed nothing).
    const { changes } = await planAfterApply(root, [], { env, args: [PARALLELISM] });
    const configAddress = (a: string) => a.replace(/\[[^\]]*\]/g, "");
    const creates = changes.filter((c) => c.actions.length === 1 && c.actions[0] === "create");
    expect(creates.map((c) => configAddress(c.address)).filter((a) => !scope.leftOut.has(a))).toEqual([]);
    expect([...new Set(creates.map((c) => configAddress(c.address)))].sort()).toEqual([...scope.leftOut.keys()].sort());
    expect(unexplained(changes.filter((c) => !creates.includes(c)), READ_BACK_QUIRKS)).toEqual([]);
  });

  describe("read back through the AWS API", () => {
    let state: Map<string, Json>;
    /** A resource's attributes in the state, by address. */
    const value = (address: string): Json => {
      const v = state.get(address);
      if (!v) throw new Error(`${address} is not in the state`);
      return v;
    };
    /** The attributes of every instance of a resource type in an example (its module call), nested modules included. */
    const owned = (example: string, type: string): Json[] =>
      [...state].filter(([a]) => a.startsWith(`module.${example}.`) && new RegExp(`(^|\\.)${type}\\.[^.]+$`).test(a)).map(([, v]) => v);
    beforeAll(() => {
      // The state file itself (format 4), not `terraform show -json`: the same values, without a
      // Terraform process loading the provider's schema (about 5 s of CPU).
      state = stateValues(JSON.parse(fs.readFileSync(path.join(root, "terraform.tfstate"), "utf8")));
    });

    it("launch-template: the prerequisite image and group, IMDSv2 only with hop limit 1, volumes encrypted with the module's key", async () => {
      const ec2 = new EC2Client(await clientConfig());
      const ids = owned("launch-template", "aws_launch_template").map((t) => t.id);
      expect(ids.length).toBe(1);
      const templates = (await ec2.send(new DescribeLaunchTemplatesCommand({ LaunchTemplateIds: ids }))).LaunchTemplates ?? [];
      expect(templates.map((t) => t.LaunchTemplateName)).toEqual(["prod-app"]);
      const data = (await ec2.send(new DescribeLaunchTemplateVersionsCommand({ LaunchTemplateId: templates[0].LaunchTemplateId, Versions: ["$Latest"] }))).LaunchTemplateVersions![0].LaunchTemplateData!;
      expect(data.ImageId).toBe(value("module.launch-template.aws_ami.prerequisite").id);
      const groups = [...(data.SecurityGroupIds ?? []), ...(data.NetworkInterfaces ?? []).flatMap((n) => n.Groups ?? [])];
      expect(groups).toEqual([value("module.launch-template.aws_security_group.prerequisite_app").id]);
      expect([data.MetadataOptions?.HttpTokens, data.MetadataOptions?.HttpPutResponseHopLimit]).toEqual(["required", 1]);
      const key = value("module.launch-template.module.app_launch_template.module.kms_key[0].aws_kms_key.this").arn;
      expect((data.BlockDeviceMappings ?? []).map((b) => [b.DeviceName, b.Ebs?.Encrypted, b.Ebs?.KmsKeyId])).toEqual(
        (data.BlockDeviceMappings ?? []).map((b) => [b.DeviceName, true, key]),
      );
      expect(data.BlockDeviceMappings?.map((b) => b.DeviceName)).toContain("/dev/xvdf");
    });

    it("auto-scaling: the group runs the prerequisite template's latest version in both subnets", async () => {
      const groups = (await new AutoScalingClient(await clientConfig()).send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: ["shop-app"] }))).AutoScalingGroups ?? [];
      expect(groups.length).toBe(1);
      const template = value("module.auto-scaling.aws_launch_template.prerequisite");
      expect([groups[0].LaunchTemplate?.LaunchTemplateId, groups[0].LaunchTemplate?.Version]).toEqual([template.id, String(template.latest_version)]);
      expect((groups[0].VPCZoneIdentifier ?? "").split(",").sort()).toEqual([value("module.auto-scaling.aws_subnet.prerequisite_a").id, value("module.auto-scaling.aws_subnet.prerequisite_b").id].sort());
      expect([groups[0].MinSize, groups[0].MaxSize, groups[0].Instances?.length]).toEqual([2, 4, 2]);
    });

    it("load-balancer: HTTPS with the account's certificate, HTTP redirected, access logs to the bucket whose policy holds the module's statement", async () => {
      const config = await clientConfig();
      const elb = new ElasticLoadBalancingV2Client(config);
      const lb = (await elb.send(new DescribeLoadBalancersCommand({ Names: ["prod-web"] }))).LoadBalancers![0];
      // Internet-facing is AWS's default scheme: the emulator reads none back (READ_BACK_GAPS).
      expect([lb.Scheme === "internal", lb.VpcId, lb.SecurityGroups]).toEqual([false, value("module.load-balancer.aws_vpc.prerequisite").id, [value("module.load-balancer.aws_security_group.prerequisite_web").id]]);
      const listeners = (await elb.send(new DescribeListenersCommand({ LoadBalancerArn: lb.LoadBalancerArn }))).Listeners ?? [];
      const https = listeners.find((l) => l.Port === 443);
      expect([https?.Protocol, https?.Certificates?.map((c) => c.CertificateArn)]).toEqual(["HTTPS", [value("module.load-balancer.aws_acm_certificate.prerequisite").arn]]);
      expect(https?.SslPolicy).toMatch(/TLS13/);
      const http = listeners.find((l) => l.Port === 80);
      expect(http?.DefaultActions?.map((a) => [a.Type, a.RedirectConfig?.Protocol, a.RedirectConfig?.Port])).toEqual([["redirect", "HTTPS", "443"]]);
      const attributes = Object.fromEntries(((await elb.send(new DescribeLoadBalancerAttributesCommand({ LoadBalancerArn: lb.LoadBalancerArn }))).Attributes ?? []).map((a) => [a.Key, a.Value]));
      const bucket = value("module.load-balancer.aws_s3_bucket.prerequisite").bucket;
      expect([attributes["access_logs.s3.enabled"], attributes["access_logs.s3.bucket"], attributes["access_logs.s3.prefix"], attributes["routing.http.drop_invalid_header_fields.enabled"]]).toEqual(["true", bucket, "load-balancers", "true"]);
      const policy = JSON.parse((await new S3Client(config).send(new GetBucketPolicyCommand({ Bucket: bucket }))).Policy ?? "{}");
      expect(policy.Statement.map((s: Json) => [s.Effect, s.Action, s.Resource])).toEqual([["Allow", "s3:PutObject", `arn:aws:s3:::${bucket}/load-balancers/AWSLogs/${ACCOUNT}/*`]]);
    });

    it("security-groups: exactly the declared rules, the app port from the load balancer's group", async () => {
      const ec2 = new EC2Client(await clientConfig());
      const vpc = value("module.security-groups.aws_vpc.prerequisite").id;
      const found = (await ec2.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: "group-name", Values: ["prod-app"] }, { Name: "vpc-id", Values: [vpc] }] }))).SecurityGroups ?? [];
      expect(found.length).toBe(1);
      const group = found[0];
      const from = value("module.security-groups.aws_security_group.prerequisite_load_balancer").id;
      expect(permissions(group.IpPermissions)).toEqual([`tcp 8080-8080 group ${from}`]);
      expect(permissions(group.IpPermissionsEgress)).toEqual(["tcp 443-443 cidr 10.0.0.0/16"]);
    });

    it("network-acl: the prerequisite subnet is guarded by the module's ACL, the scanners' range denied first", async () => {
      const ec2 = new EC2Client(await clientConfig());
      const subnet = value("module.network-acl.aws_subnet.prerequisite_a").id;
      const acls = (await ec2.send(new DescribeNetworkAclsCommand({ Filters: [{ Name: "association.subnet-id", Values: [subnet] }] }))).NetworkAcls ?? [];
      expect(acls.map((a) => [a.NetworkAclId, a.IsDefault])).toEqual([[value("module.network-acl.module.app_acl.aws_network_acl.this").id, false]]);
      const ingress = (acls[0].Entries ?? []).filter((e) => !e.Egress && e.RuleNumber !== 32767).sort((a, b) => a.RuleNumber! - b.RuleNumber!);
      expect([ingress[0]?.RuleAction, ingress[0]?.CidrBlock]).toEqual(["deny", "10.0.99.0/24"]);
      const declared = [...state.keys()].filter((a) => a.startsWith("module.network-acl.module.app_acl.aws_network_acl_rule.this["));
      expect((acls[0].Entries ?? []).filter((e) => e.RuleNumber !== 32767).length).toBe(declared.length);
    });

    it("bastion: instances of the prerequisite image with no public address, IMDSv2 only, SSH only from the allowlist, the operators' group may start sessions", async () => {
      const config = await clientConfig();
      const ec2 = new EC2Client(config);
      // The instances the bastions' groups launched (the account holds the other examples' too).
      const groupNames = owned("bastion", "aws_autoscaling_group").map((g) => g.name);
      expect(groupNames.length).toBe(2);
      const filters = [{ Name: "instance-state-name", Values: ["running"] }, { Name: "tag:aws:autoscaling:groupName", Values: groupNames }];
      const instances = ((await ec2.send(new DescribeInstancesCommand({ Filters: filters }))).Reservations ?? []).flatMap((r) => r.Instances ?? []);
      expect(instances.length).toBe(2);
      expect(instances.map((i) => [i.ImageId, i.PublicIpAddress ?? null])).toEqual(instances.map(() => [value("module.bastion.aws_ami.prerequisite").id, null]));
      // The metadata options as the templates hold them: the emulator launches a group's instances without them (READ_BACK_GAPS).
      const templateIds = owned("bastion", "aws_launch_template").map((t) => t.id);
      expect(templateIds.length).toBe(2);
      for (const t of (await ec2.send(new DescribeLaunchTemplatesCommand({ LaunchTemplateIds: templateIds }))).LaunchTemplates ?? []) {
        const data = (await ec2.send(new DescribeLaunchTemplateVersionsCommand({ LaunchTemplateId: t.LaunchTemplateId, Versions: ["$Latest"] }))).LaunchTemplateVersions![0].LaunchTemplateData!;
        expect([t.LaunchTemplateName, data.ImageId, data.MetadataOptions?.HttpTokens]).toEqual([t.LaunchTemplateName, value("module.bastion.aws_ami.prerequisite").id, "required"]);
      }
      const inVpc = { Name: "vpc-id", Values: [value("module.bastion.aws_vpc.prerequisite").id] };
      const groups = (await ec2.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: "group-name", Values: ["prod-bastion", "prod-ssh-bastion"] }, inVpc] }))).SecurityGroups ?? [];
      expect(groups.length).toBe(2);
      const ingress = Object.fromEntries(groups.map((g) => [g.GroupName, permissions(g.IpPermissions)]));
      expect(ingress).toEqual({ "prod-bastion": [], "prod-ssh-bastion": ["tcp 22-22 cidr 10.8.0.0/16", "tcp 22-22 cidr 203.0.113.0/24"] });
      const attached = (await new IAMClient(config).send(new ListAttachedGroupPoliciesCommand({ GroupName: value("module.bastion.aws_iam_group.prerequisite").name }))).AttachedPolicies ?? [];
      // Only the Session Manager bastion names operators; the SSH one is reached with keys.
      expect(attached.map((p) => p.PolicyName)).toEqual(["prod-bastion-operators"]);
    });

    it("cis-alarms: every alarm notifies the account's topic", async () => {
      const names = owned("cis-alarms", "aws_cloudwatch_metric_alarm").map((a) => a.alarm_name);
      expect(names.length).toBeGreaterThanOrEqual(14);
      const alarms = (await new CloudWatchClient(await clientConfig()).send(new DescribeAlarmsCommand({ AlarmNames: names, MaxRecords: 100 }))).MetricAlarms ?? [];
      expect(alarms.map((a) => a.AlarmName).sort()).toEqual([...names].sort());
      const topic = value("module.cis-alarms.aws_sns_topic.prerequisite").arn;
      expect(alarms.filter((a) => !(a.AlarmActions ?? []).includes(topic)).map((a) => a.AlarmName)).toEqual([]);
    });
  });

  it("destroys everything it applied, leaving nothing in the examples' account", async () => {
    // The state is the apply's, read back by the plan after it: a refresh here would read it all again.
    const res = await run(process.env.TERRAFORM_BIN ?? "terraform", ["destroy", "-no-color", "-input=false", "-auto-approve", "-refresh=false", PARALLELISM], { cwd: root, env });
    if (res.status !== 0) throw new Error(`terraform destroy of the examples exited ${res.status}:\n${errorLines(res.output).join("\n")}`);
    expect(terraform(root, ["state", "list"], { allowFailure: true }).stdout.trim()).toBe("");
    const left: string[] = [];
    const config = await clientConfig();
    const ec2 = new EC2Client(config);
    for (const v of (await ec2.send(new DescribeVpcsCommand({}))).Vpcs ?? []) if (!v.IsDefault) left.push(`vpc ${v.VpcId}`);
    for (const t of (await ec2.send(new DescribeLaunchTemplatesCommand({}))).LaunchTemplates ?? []) left.push(`launch template ${t.LaunchTemplateName}`);
    for (const i of (await ec2.send(new DescribeImagesCommand({ Owners: ["self"] }))).Images ?? []) left.push(`image ${i.ImageId}`);
    for (const i of ((await ec2.send(new DescribeInstancesCommand({}))).Reservations ?? []).flatMap((r) => r.Instances ?? [])) {
      if (i.State?.Name !== "terminated") left.push(`instance ${i.InstanceId} ${i.State?.Name}`);
    }
    for (const g of (await new AutoScalingClient(config).send(new DescribeAutoScalingGroupsCommand({}))).AutoScalingGroups ?? []) left.push(`auto scaling group ${g.AutoScalingGroupName}`);
    for (const b of (await new ElasticLoadBalancingV2Client(config).send(new DescribeLoadBalancersCommand({}))).LoadBalancers ?? []) left.push(`load balancer ${b.LoadBalancerName}`);
    expect(left).toEqual([]);
  });
});

/** Each managed resource instance's attributes in a state file, by address (`module.a.module.b[0].aws_x.y["k"]`). */
function stateValues(state: Json): Map<string, Json> {
  if (state.version !== 4) throw new Error(`terraform.tfstate is in format ${state.version}; the read-back reads format 4`);
  const out = new Map<string, Json>();
  for (const r of (state.resources ?? []) as Json[]) {
    if (r.mode !== "managed") continue;
    for (const i of (r.instances ?? []) as Json[]) {
      const key = i.index_key === undefined ? "" : `[${JSON.stringify(i.index_key)}]`;
      out.set(`${r.module ? `${r.module}.` : ""}${r.type}.${r.name}${key}`, i.attributes);
    }
  }
  return out;
}

/** A security group's permissions, one sorted line each: protocol, ports and the source or destination. */
function permissions(perms: { IpProtocol?: string; FromPort?: number; ToPort?: number; IpRanges?: { CidrIp?: string }[]; UserIdGroupPairs?: { GroupId?: string }[] }[] | undefined): string[] {
  const lines: string[] = [];
  for (const p of perms ?? []) {
    const head = `${p.IpProtocol === "-1" ? "all" : p.IpProtocol} ${p.IpProtocol === "-1" ? "all" : `${p.FromPort}-${p.ToPort}`}`;
    for (const r of p.IpRanges ?? []) lines.push(`${head} cidr ${r.CidrIp}`);
    // The emulator reads group references back as "account/sg-…" (its quirk): the group id is the last part.
    for (const g of p.UserIdGroupPairs ?? []) lines.push(`${head} group ${g.GroupId?.split("/").pop()}`);
  }
  return lines.sort();
}

/** Terraform's error blocks, one line each: the error and the resource it names. */
function errorLines(output: string): string[] {
  const lines = plain(output).split("\n");
  const found: string[] = [];
  lines.forEach((l, i) => {
    const m = /Error: (.*)$/.exec(l);
    if (!m) return;
    const block = lines.slice(i + 1, i + 14);
    const end = block.findIndex((x) => /^\s*╵/.test(x) || /Error: /.test(x));
    const body = (end < 0 ? block : block.slice(0, end)).map((x) => x.replace(/^\s*│\s?/, "").trim()).filter(Boolean);
    const w = body.map((x) => /^with ([^\s,]+)/.exec(x)?.[1]).find(Boolean);
    const said = body.filter((x) => !/^(with |on |\d+:)/.test(x)).join(" ");
    found.push(`${w ?? "(no resource)"}: ${m[1].trim()}${said ? ` — ${said}` : ""}`);
  });
  return found.length ? found : [plain(output).slice(-3000)];
}

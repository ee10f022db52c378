import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Testing } from "cdktf";
import { SnsTopic } from "@cdktf/provider-aws/lib/sns-topic";
import { BulwarkStack, HardenedAwsProvider } from "../../modules/core/stack";
import { EnvironmentConfig, loadEnvironmentFile, loadEnvironments } from "../../examples/config";
import { EnvironmentStack } from "../../examples/environment-stack";
import { addresses, resourcesOf } from "../support/synth";
import { expectGolden, referenceEnvironmentsDir, referenceSynth, runSynth, SynthRun } from "../support/app";

/** The main job, end to end: `npm run synth` on the built-in reference environments. */
describe("npm run synth", () => {
  let run: SynthRun;
  beforeAll(() => {
    // The run's one reference synth is this job run as `npm run synth` runs it; "run again" below makes a second.
    run = referenceSynth();
  });

  it("succeeds without AWS credentials and writes cdktf's manifest layout", () => {
    expect(run.status).toBe(0);
    // One summary line: what was written, and the compliance result (warnings listed below it).
    const counts = Object.entries(run.stacks).map(([name, json]) => `${name} (${addresses(json).filter((a) => !a.startsWith("data.")).length} resources)`);
    const summary = (outdir: string) => `bulwark: synthesized ${counts.join(", ")} to ${outdir}; compliance: 0 errors, 0 warning(s), 0 suppressed`;
    // The summary is the result: stdout (`npx cdktf synth` shows stderr as [ERROR]); nothing on stderr.
    expect(run.stdout).toBe(`${summary(run.outdir)}\n`);
    expect(run.stderr).toBe("");
    // The README shows the same line.
    expect(fs.readFileSync(path.join(__dirname, "..", "..", "README.md"), "utf8")).toContain(summary("cdktf.out"));
    const manifest = JSON.parse(fs.readFileSync(path.join(run.outdir, "manifest.json"), "utf8"));
    expect(Object.keys(manifest.stacks).sort()).toEqual(["dev", "prod"]);
    expect(manifest.stacks.dev.synthesizedStackPath).toBe("stacks/dev/cdk.tf.json");
  });

  it("pins the provider by its full source and keeps machine paths out", () => {
    for (const [name, json] of Object.entries(run.stacks)) {
      expect((json.terraform as any).required_providers.aws).toEqual({ source: "hashicorp/aws", version: "5.100.0" });
      expect(JSON.stringify(json)).not.toContain(path.resolve("/", process.cwd()));
      expect((json.terraform as any).backend.local.path).toBe(`../../../terraform.${name}.tfstate`);
    }
  });

  it("hardens every launch template", () => {
    for (const json of Object.values(run.stacks)) {
      const templates = Object.values(resourcesOf(json, "aws_launch_template"));
      expect(templates.length).toBeGreaterThan(0);
      for (const lt of templates) {
        expect(lt.metadata_options).toMatchObject({ http_tokens: "required", http_put_response_hop_limit: 1 });
        expect(lt.block_device_mappings.length).toBeGreaterThan(0);
        for (const m of lt.block_device_mappings) expect(m.ebs).toMatchObject({ encrypted: "true", kms_key_id: expect.stringMatching(/\S/) });
        for (const ni of lt.network_interfaces) expect(ni.associate_public_ip_address).toBe("false");
        expect(lt.monitoring).toEqual({ enabled: true });
        expect(lt.iam_instance_profile.arn).toMatch(/^\$\{aws_iam_instance_profile\./);
      }
    }
  });

  it("outputs what an operator needs after a deploy, the connect command included", () => {
    const outputs = (name: string) => Object.keys((run.stacks[name].output ?? {}) as object).sort();
    const common = ["alarm-topic-arn", "app-autoscaling-group-name", "bastion-autoscaling-group-name", "bastion-connect-command", "bastion-operator-policy-arn", "bastion-security-group-id", "cloudtrail-arn", "log-bucket-name", "private-subnet-ids", "vpc-id"];
    expect(outputs("dev")).toEqual(common);
    expect(outputs("prod")).toEqual([...common, "load-balancer-dns-name"].sort());
    const command = (run.stacks.dev.output as Record<string, { value: string }>)["bastion-connect-command"].value;
    expect(command).toMatch(/^aws ssm start-session --region eu-west-1 --document-name dev-bastion-session-preferences --target \$\(aws ec2 describe-instances /);
  });

  it("lets through the host firewall what the security groups let in: the load balancer to the app port", () => {
    for (const [name, json] of Object.entries(run.stacks)) {
      const template = resourcesOf(json, "aws_launch_template").app_template;
      const firewall = Buffer.from(template.user_data, "base64").toString("utf8").split("\n").filter((l) => l.includes(" dport "));
      const fromWeb = Object.values(resourcesOf(json, "aws_vpc_security_group_ingress_rule")).filter(
        (r) => r.security_group_id === "${aws_security_group.security-groups_app_group.id}" && r.referenced_security_group_id === "${aws_security_group.security-groups_web_group.id}",
      );
      const publicCidrs = Object.entries(resourcesOf(json, "aws_subnet"))
        .filter(([k]) => k.startsWith("network_subnet-public-"))
        .map(([, s]) => s.cidr_block as string)
        .sort();
      if (fromWeb.length === 0) {
        // dev: nothing reaches the app hosts but Session Manager (outbound): no inbound rule at all.
        expect([name, firewall]).toEqual([name, []]);
        continue;
      }
      for (const rule of fromWeb) {
        expect(firewall).toContainEqual(expect.stringContaining(`ip saddr { ${publicCidrs.join(", ")} } tcp dport ${rule.from_port} accept`));
      }
    }
  });

  it("keeps the golden list of resource addresses", () => {
    for (const [name, json] of Object.entries(run.stacks)) {
      expectGolden(path.join(__dirname, "golden", `${name}.addresses.txt`), addresses(json));
    }
  });

  it("is byte-identical when run again", () => {
    const again = runSynth();
    for (const name of Object.keys(run.stacks)) {
      const a = fs.readFileSync(path.join(run.outdir, "stacks", name, "cdk.tf.json"));
      const b = fs.readFileSync(path.join(again.outdir, "stacks", name, "cdk.tf.json"));
      expect(b.equals(a)).toBe(true);
    }
  });

  it("ends a broken config with one line naming file, field and value, and exit 1", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bulwark-envs-"));
    const dev = fs.readFileSync(path.join(__dirname, "..", "..", "examples", "environments", "dev.yaml"), "utf8");
    fs.writeFileSync(path.join(dir, "dev.yaml"), dev.replace(/amiId: .*/, "amiId: ami-123"));
    const bad = runSynth({ BULWARK_ENVIRONMENTS_DIR: dir });
    expect(bad.status).toBe(1);
    expect(bad.stderr.trim()).toMatch(/^bulwark: .*dev\.yaml: amiId "ami-123" must be an AMI id/);
    expect(bad.stderr.trim().split("\n")).toHaveLength(1);
    expect(bad.stderr).not.toMatch(/\n\s+at /);
  });

  it("selects environments with BULWARK_STACKS and refuses unknown ones", () => {
    const none = runSynth({ BULWARK_STACKS: "nope" });
    expect(none.status).toBe(1);
    expect(none.stderr.trim()).toBe("bulwark: BULWARK_STACKS names unknown environments: nope (known: dev, prod)");
  });
});

describe("a user's environment file beside the reference ones", () => {
  it("changes nothing the tests build: they pin dev and prod", () => {
    const source = fs.mkdtempSync(path.join(os.tmpdir(), "bulwark-envs-"));
    for (const name of ["dev", "prod"]) fs.copyFileSync(path.join(__dirname, "..", "..", "examples", "environments", `${name}.yaml`), path.join(source, `${name}.yaml`));
    // As the README's deploy steps say: a new file, here one the schema refuses.
    fs.writeFileSync(path.join(source, "staging.yaml"), "name: staging\n");
    const pinned = referenceEnvironmentsDir(source);
    expect(fs.readdirSync(pinned).sort()).toEqual(["dev.yaml", "prod.yaml"]);
    expect(loadEnvironments(pinned).map((c) => c.name)).toEqual(["dev", "prod"]);
  });

  it("never writes a missing golden file as a side effect", () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "bulwark-golden-")), "staging.addresses.txt");
    const update = process.env.BULWARK_UPDATE_GOLDEN;
    delete process.env.BULWARK_UPDATE_GOLDEN;
    try {
      expect(() => expectGolden(file, ["aws_vpc.network_vpc"])).toThrow(/golden file .*staging\.addresses\.txt is missing \(write it on purpose with BULWARK_UPDATE_GOLDEN=1/);
    } finally {
      if (update !== undefined) process.env.BULWARK_UPDATE_GOLDEN = update;
    }
    expect(fs.existsSync(file)).toBe(false);
  });
});

describe("the compliance gate during synth", () => {
  it("stops a synth on an error finding, one line per finding with rule, controls and construct path", () => {
    const app = Testing.app();
    const stack = new BulwarkStack(app, "gated");
    new HardenedAwsProvider(stack, "aws", { region: "eu-west-1" });
    new SnsTopic(stack, "plain-topic", { name: "plain" });
    expect(() => app.synth()).toThrow(/\[gated\] sns-encrypted \[SNS\.1 · CKV_AWS_26\] gated\/plain-topic: topic is not encrypted/);
  });
});

describe("stable addresses in the reference environments", () => {
  it("keys alarm subscriptions by address: reordering alarmEmails changes nothing", () => {
    const dev = loadEnvironmentFile(path.join(__dirname, "..", "..", "examples", "environments", "dev.yaml"));
    const emails = ["platform-alerts@example.com", "oncall@example.com", "security@example.com"];
    const synth = (alarmEmails: string[]) => Testing.synth(new EnvironmentStack(Testing.app(), { ...dev, alarmEmails }));
    const forward = synth(emails);
    expect(synth([...emails].reverse())).toBe(forward);
    expect(Object.keys(JSON.parse(forward).resource.aws_sns_topic_subscription).sort()).toEqual([
      "alarm-topic_subscription-email-oncall-example-com",
      "alarm-topic_subscription-email-platform-alerts-example-com",
      "alarm-topic_subscription-email-security-example-com",
    ]);
  });
});

describe("state backends", () => {
  const dev = loadEnvironmentFile(path.join(__dirname, "..", "..", "examples", "environments", "dev.yaml"));
  const backendOf = (backend: EnvironmentConfig["backend"]) => {
    const app = Testing.app();
    const stack = new EnvironmentStack(app, { ...dev, backend });
    return (JSON.parse(Testing.synth(stack)) as { terraform: Record<string, unknown> }).terraform;
  };

  it("stores state in S3 encrypted and locked with a lock file (no DynamoDB)", () => {
    expect(backendOf({ type: "s3", bucket: "acme-tfstate" })).toMatchObject({
      backend: { s3: { bucket: "acme-tfstate", key: "bulwark/dev/terraform.tfstate", region: "eu-west-1", encrypt: true, use_lockfile: true } },
    });
  });

  it("uses HCP Terraform when asked", () => {
    expect(backendOf({ type: "cloud", organization: "acme", workspace: "bulwark-dev" })).toMatchObject({ cloud: { organization: "acme", workspaces: { name: "bulwark-dev" } } });
  });

  it("refuses an unknown backend type naming the field", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bulwark-backend-"));
    const file = path.join(dir, "dev.yaml");
    fs.writeFileSync(file, fs.readFileSync(path.join(__dirname, "..", "..", "examples", "environments", "dev.yaml"), "utf8") + "backend: { type: consul }\n");
    expect(() => loadEnvironmentFile(file, dir)).toThrow(/^dev\.yaml: backend.type "consul" /);
  });
});

describe("environments sharing an account", () => {
  const devYaml = fs.readFileSync(path.join(__dirname, "..", "..", "examples", "environments", "dev.yaml"), "utf8");
  const write = (files: Record<string, string>) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bulwark-shared-account-"));
    for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
    return dir;
  };
  const staging = devYaml.replace(/^name: dev$/m, "name: staging").replace(/^vpcCidr: .*$/m, "vpcCidr: 10.30.0.0/16");

  it("refuses a second account baseline in one account and region, naming both files", () => {
    const dir = write({ "dev.yaml": devYaml, "staging.yaml": staging });
    expect(() => loadEnvironments(dir, dir)).toThrow(
      /^staging\.yaml: accountBaseline true: dev\.yaml already holds the account baseline of 111111111111\/eu-west-1 .*set accountBaseline: false here$/,
    );
  });

  it("accepts it when the others opt out", () => {
    const dir = write({ "dev.yaml": devYaml, "staging.yaml": `${staging}accountBaseline: false\n` });
    expect(loadEnvironments(dir, dir).map((c) => [c.name, c.accountBaseline])).toEqual([
      ["dev", true],
      ["staging", false],
    ]);
  });
});

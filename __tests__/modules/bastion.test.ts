import { spawnSync } from "node:child_process";
import * as fc from "fast-check";
import { BulwarkValidationError } from "../../modules/core/errors";
import { Bastion, BastionProps, publicKeyProblem } from "../../modules/bastion";
import { configResources, runRules } from "../../compliance";
import { resourcesOf, synthJson, synthStack, testStack } from "../support/synth";
import { init, offlinePlan, plannedCreates, stageStack, validate } from "../support/terraform";

const ED25519 = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGQ5M1dCbQlXl3Tz8m0m8dzMeqZpSE1CkYcmxZBHkFfW alice@laptop";
const base: BastionProps = {
  name: "prod-bastion",
  vpcId: "vpc-1",
  vpcCidr: "10.0.0.0/16",
  subnetIds: { "eu-west-1a": "subnet-a", "eu-west-1b": "subnet-b" },
  endpointsSecurityGroupId: "sg-endpoints",
  image: { amiId: "ami-0123456789abcdef0" },
  kmsKeyArn: "arn:aws:kms:eu-west-1:111111111111:key/0b7c7a10-5a54-4f1c-9a9b-5f0b6c2d1e3f",
  alarmTopicArn: "arn:aws:sns:eu-west-1:111111111111:alarms",
};
const bastion = (props: Partial<BastionProps> = {}) => synthJson((s) => new Bastion(s, "bastion", { ...base, ...props }));

describe("Bastion in Session Manager mode (default)", () => {
  const json = bastion();

  it("has no ingress at all and heals itself as a group of exactly one", () => {
    expect(resourcesOf(json, "aws_vpc_security_group_ingress_rule")).toEqual({});
    const group = resourcesOf(json, "aws_autoscaling_group").bastion_group_group;
    expect(group).toMatchObject({ min_size: 1, max_size: 1, vpc_zone_identifier: ["subnet-a", "subnet-b"] });
    expect(group.instance_refresh.strategy).toBe("Rolling");
    // A template change (new AMI, user data) updates the group and starts a refresh; $Latest would not.
    expect(group.launch_template).toEqual({ id: "${aws_launch_template.bastion_launch-template_template.id}", version: "${aws_launch_template.bastion_launch-template_template.latest_version}" });
    // The replacement is launched and healthy before the old instance goes: no gap for a group of one.
    expect(group.instance_refresh.preferences).toMatchObject({ min_healthy_percentage: 100, max_healthy_percentage: 200, auto_rollback: true });
  });

  it("logs sessions to a KMS-encrypted group and encrypts session data, as a non-root user, time-limited", () => {
    const doc = resourcesOf(json, "aws_ssm_document")["bastion_session-preferences"];
    expect(doc.document_type).toBe("Session");
    const inputs = JSON.parse(doc.content).inputs;
    expect(inputs).toMatchObject({
      cloudWatchLogGroupName: "${aws_cloudwatch_log_group.bastion_session-logs.name}",
      cloudWatchEncryptionEnabled: true,
      kmsKeyId: base.kmsKeyArn,
      runAsEnabled: true,
      runAsDefaultUser: "ssm-user",
      idleSessionTimeout: "15",
      maxSessionDuration: "60",
    });
    expect(resourcesOf(json, "aws_cloudwatch_log_group")["bastion_session-logs"].kms_key_id).toBe(base.kmsKeyArn);
  });

  it("lets operators start sessions on this bastion only", () => {
    const policy = JSON.parse(resourcesOf(json, "aws_iam_policy")["bastion_operator-policy"].policy);
    const start = policy.Statement.find((s: { Sid: string }) => s.Sid === "StartSessionOnThisBastion");
    expect(start.Condition).toEqual({ StringEquals: { "ssm:resourceTag/bulwark:bastion": "prod-bastion" } });
    const own = policy.Statement.find((s: { Sid: string }) => s.Sid === "ManageOwnSessions");
    // Escaped for Terraform; IAM sees ${aws:userid}.
    expect(own.Resource).toBe("arn:aws:ssm:*:111111111111:session/$${aws:userid}-*");
  });

  it("alarms on status checks and CPU, and gives the connect command", () => {
    const names = Object.values(resourcesOf(json, "aws_cloudwatch_metric_alarm")).map((a) => a.metric_name);
    expect(names).toEqual(expect.arrayContaining(["StatusCheckFailed", "CPUUtilization"]));
    const stackBastion = new Bastion(testStack(), "b", base);
    expect(stackBastion.connectCommand).toMatch(/^aws ssm start-session --region eu-west-1 --document-name prod-bastion-session-preferences --target \$\(aws ec2 describe-instances/);
  });
});

describe("Bastion in SSH mode", () => {
  const ssh = (access: Partial<NonNullable<BastionProps["ssh"]>>) => bastion({ mode: "ssh", ssh: { allowlist: { office: "203.0.113.0/28" }, publicKeys: { alice: ED25519 }, ...access } });

  it("opens 22 only to the allowlist and reads keys from a parameter, so rotation needs no new instance", () => {
    const json = ssh({});
    expect(Object.values(resourcesOf(json, "aws_vpc_security_group_ingress_rule"))).toEqual([expect.objectContaining({ from_port: 22, to_port: 22, cidr_ipv4: "203.0.113.0/28" })]);
    expect(resourcesOf(json, "aws_ssm_parameter")["bastion_authorized-keys"].value).toBe("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGQ5M1dCbQlXl3Tz8m0m8dzMeqZpSE1CkYcmxZBHkFfW alice");
    const rotated = ssh({ publicKeys: { bob: ED25519.replace("alice@laptop", "bob") } });
    expect(resourcesOf(rotated, "aws_launch_template")["bastion_launch-template_template"].user_data).toBe(resourcesOf(json, "aws_launch_template")["bastion_launch-template_template"].user_data);
  });

  it.each([
    ["the world", { allowlist: { any: "0.0.0.0/0" } }, /ssh.allowlist.any "0.0.0.0\/0" opens SSH to the whole internet/],
    ["a broad public range", { allowlist: { isp: "198.51.0.0/16" } }, /ssh.allowlist.isp "198.51.0.0\/16" is a public range broader than \/24/],
    ["a malformed key", { publicKeys: { eve: "ssh-rsa not-base64!" } }, /ssh.publicKeys.eve .* is not an OpenSSH public key/],
    ["no keys", { publicKeys: {} }, /ssh.publicKeys \{\} must hold at least one public key/],
    ["root as the user", { user: "root" }, /ssh.user "root" is not a non-root Linux user name/],
    ["a broad source with a thin reason", { allowlist: { isp: "198.51.0.0/16" }, allowBroadSources: { reason: "because" } }, /ssh.allowBroadSources.reason "because" must say why the secure default is weakened/],
  ] as [string, object, RegExp][])("refuses %s", (_what, access, message) => {
    expect(() => ssh(access)).toThrow(BulwarkValidationError);
    expect(() => ssh(access)).toThrow(message);
  });

  it("lets SSH through the host firewall from the allowlist only", () => {
    let b: Bastion | undefined;
    synthJson((s) => (b = new Bastion(s, "bastion", { ...base, mode: "ssh", ssh: { allowlist: { office: "203.0.113.0/28", vpn: "10.8.0.0/16", v6: "2001:db8::/64" }, publicKeys: { alice: ED25519 } } })));
    const firewall = b!.launchTemplate.userDataText.split("\n").filter((l) => l.includes(" dport "));
    expect(firewall.map((l) => l.trim())).toEqual([
      'ip saddr { 203.0.113.0/28, 10.8.0.0/16 } tcp dport 22 accept comment "ssh"',
      'ip6 saddr { 2001:db8::/64 } tcp dport 22 accept comment "ssh"',
    ]);
  });

  it("without a public address, is reached over private networks: no Elastic IP, the command says so", () => {
    let b: Bastion | undefined;
    const json = synthJson((s) => (b = new Bastion(s, "bastion", { ...base, mode: "ssh", ssh: { allowlist: { office: "203.0.113.0/28" }, publicKeys: { alice: ED25519 } } })));
    expect(resourcesOf(json, "aws_eip")).toEqual({});
    expect(JSON.stringify(json)).not.toContain("associate-address");
    expect(b!.connectCommand).toBe("ssh -J ec2-user@<bastion private address> <user>@<private host>");
  });

  it("takes an Elastic IP at boot when a public address is asked for with a reason, recorded for bulwark check", () => {
    const stack = testStack(undefined, "public-bastion");
    const b = new Bastion(stack, "bastion", { ...base, mode: "ssh", ssh: { allowlist: { office: "203.0.113.0/28" }, publicKeys: { alice: ED25519 }, publicAddress: { reason: "partners without VPN, ticket SEC-7" } } });
    const json = synthStack(stack) as any;
    const [eip] = Object.values(resourcesOf(json, "aws_eip"));
    expect(eip).toMatchObject({ domain: "vpc" });
    expect(eip["//"].bulwark.suppressions).toEqual([{ ruleId: "ec2-no-public-ip", reason: "partners without VPN, ticket SEC-7" }]);
    // The role may associate this address, with instances of this bastion only.
    const policy = JSON.parse(resourcesOf(json, "aws_iam_role_policy")["bastion_session-policy"].policy);
    const take = policy.Statement.filter((st: { Action: string }) => st.Action === "ec2:AssociateAddress");
    expect(take).toEqual([
      expect.objectContaining({ Resource: expect.stringMatching(/:elastic-ip\/\$\{aws_eip\.bastion_public-address\.allocation_id\}$/) }),
      expect.objectContaining({ Resource: expect.stringMatching(/:instance\/\*$/), Condition: { StringEquals: { "ec2:ResourceTag/bulwark:bastion": "prod-bastion" } } }),
    ]);
    // User data takes the address at boot (a Terraform template now: it names the allocation).
    const local = Object.values((json.locals ?? {}) as Record<string, string>).find((v) => v.includes("associate-address"))!;
    expect(local).toContain("--allocation-id ${aws_eip.bastion_public-address.allocation_id} --instance-id \"$instance\" --allow-reassociation");
    expect(local).toContain("X-aws-ec2-metadata-token");
    expect(b.connectCommand).toMatch(/^ssh -J ec2-user@\$\{TfToken/);
    // bulwark check reports the weakening as suppressed, with its reason.
    const found = runRules(configResources(json, "public-bastion")).findings.filter((f) => f.ruleId === "ec2-no-public-ip");
    expect(found).toEqual([expect.objectContaining({ address: "aws_eip.bastion_public-address", suppressed: true, suppressionReason: "partners without VPN, ticket SEC-7" })]);
  });

  it("ignores EC2 Instance Connect keys unless asked; with instanceConnect, allows them for this bastion and user only", () => {
    const build = (instanceConnect?: boolean) => {
      let b: Bastion | undefined;
      const json = synthJson((s) => (b = new Bastion(s, "bastion", { ...base, mode: "ssh", ssh: { allowlist: { office: "203.0.113.0/28" }, publicKeys: { alice: ED25519 }, instanceConnect } })));
      const operators = JSON.parse(resourcesOf(json, "aws_iam_policy")["bastion_operator-policy"].policy);
      return { userData: b!.launchTemplate.userDataText, push: operators.Statement.filter((st: { Action: string }) => st.Action === "ec2-instance-connect:SendSSHPublicKey") };
    };
    const off = build();
    expect(off.userData).toContain("AuthorizedKeysCommandUser nobody");
    expect(off.userData).not.toContain("eic_run_authorized_keys");
    expect(off.push).toEqual([]);
    const on = build(true);
    expect(on.userData).toContain("AuthorizedKeysCommand /usr/local/bin/bulwark-authorized-keys %u %f");
    expect(on.userData).toContain("AuthorizedKeysCommandUser ec2-instance-connect");
    expect(on.userData).toMatch(/Parameter\.Value --output text \|\| true\nexec \/opt\/aws\/bin\/eic_run_authorized_keys "\$@"/);
    expect(on.push).toEqual([
      expect.objectContaining({ Resource: expect.stringMatching(/:instance\/\*$/), Condition: { StringEquals: { "ec2:ResourceTag/bulwark:bastion": "prod-bastion", "ec2:osuser": "ec2-user" } } }),
    ]);
  });

  it("writes shell that bash parses: each script part and the keys command it installs", () => {
    for (const instanceConnect of [false, true]) {
      let b: Bastion | undefined;
      synthJson((s) => (b = new Bastion(s, "bastion", { ...base, mode: "ssh", ssh: { allowlist: { office: "203.0.113.0/28" }, publicKeys: { alice: ED25519 }, instanceConnect } })));
      const parts = b!.launchTemplate.userDataText.split(/--==BULWARK-USER-DATA==/).filter((p) => p.includes("Content-Type: text/x-shellscript"));
      const scripts = parts.map((p) => p.slice(p.indexOf("#!/bin/bash")));
      const installed = scripts.map((sc) => /<<'KEYS'\n([\s\S]*?)\nKEYS\n/.exec(sc)?.[1]).filter((x): x is string => !!x);
      expect(scripts.length).toBe(1);
      expect(installed.length).toBe(1);
      for (const script of [...scripts, ...installed]) {
        const res = spawnSync("bash", ["-n"], { input: script, encoding: "utf8" });
        expect([res.status, res.stderr]).toEqual([0, ""]);
      }
    }
  });

  it("refuses Ubuntu unless the image carries the AWS CLI the keys command runs", () => {
    const access = { allowlist: { office: "203.0.113.0/28" }, publicKeys: { alice: ED25519 } };
    expect(() => bastion({ mode: "ssh", os: "ubuntu", ssh: access })).toThrow(/test\/bastion: os "ubuntu" cannot serve SSH mode as is: .*ssh\.awsCliOnImage: true/);
    let b: Bastion | undefined;
    synthJson((s) => (b = new Bastion(s, "bastion", { ...base, mode: "ssh", os: "ubuntu", ssh: { ...access, awsCliOnImage: true } })));
    expect(b!.connectCommand).toMatch(/^ssh -J ubuntu@/);
  });

  it("refuses a public address without a reason", () => {
    expect(() => ssh({ publicAddress: { reason: "" } })).toThrow(/ssh.publicAddress.reason "" must say why the secure default is weakened/);
  });

  it("accepts a broad private range", () => {
    expect(() => ssh({ allowlist: { vpn: "10.0.0.0/8" } })).not.toThrow();
  });

  it("never yields world-open SSH, whatever the allowlist (200 runs)", () => {
    const cidr = fc.oneof(
      fc.tuple(fc.integer({ min: 1, max: 223 }), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 32 })).map(([a, b, p]) => {
        const mask = p === 0 ? 0 : (0xffffffff << (32 - p)) >>> 0;
        const n = (((a << 24) | (b << 16)) >>> 0) & mask;
        return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}/${p}`;
      }),
      fc.constantFrom("0.0.0.0/0", "::/0", "2001:db8::/32", "10.0.0.0/8"),
    );
    fc.assert(
      fc.property(fc.dictionary(fc.stringMatching(/^[a-z][a-z0-9]{0,6}$/), cidr, { minKeys: 1, maxKeys: 4 }), (allowlist) => {
        let json;
        try {
          json = ssh({ allowlist });
        } catch (e) {
          expect(e).toBeInstanceOf(BulwarkValidationError);
          return;
        }
        for (const r of Object.values(resourcesOf(json, "aws_vpc_security_group_ingress_rule"))) {
          expect(r.cidr_ipv4 === "0.0.0.0/0" || r.cidr_ipv6 === "::/0").toBe(false);
        }
      }),
      { numRuns: 200, seed: 20261126 },
    );
  });
});

describe("public key validation", () => {
  it("checks the body against the key type", () => {
    expect(publicKeyProblem(ED25519)).toBeUndefined();
    expect(publicKeyProblem(ED25519.replace("ssh-ed25519", "ssh-rsa"))).toMatch(/does not match its key type/);
    expect(publicKeyProblem("-----BEGIN OPENSSH PRIVATE KEY-----")).toMatch(/not an OpenSSH public key/);
  });

  it("names a truncated key body instead of crashing", () => {
    for (const key of ["ssh-ed25519 AAAA", "ssh-rsa AA==", "ssh-ed25519 AAAAC3Nz"]) {
      expect(() => publicKeyProblem(key)).not.toThrow();
      expect(publicKeyProblem(key)).toMatch(/truncated body|does not match its key type/);
    }
    expect(() => bastion({ mode: "ssh", ssh: { allowlist: { office: "203.0.113.0/28" }, publicKeys: { bob: "ssh-ed25519 AAAA" } } })).toThrow(
      'bastion: ssh.publicKeys.bob "ssh-ed25519 AAAA…" has a truncated body (shorter than its key-type header)',
    );
  });
});

describe("both bastion modes with terraform", () => {
  it("validates and plans offline: SSM mode and SSH mode side by side", () => {
    const stack = testStack(undefined, "bastions");
    new Bastion(stack, "ssm", { ...base, name: "ssm-bastion" });
    new Bastion(stack, "ssh", {
      ...base,
      name: "ssh-bastion",
      mode: "ssh",
      ssh: { allowlist: { office: "203.0.113.0/28" }, publicKeys: { alice: ED25519 }, publicAddress: { reason: "partners without VPN, ticket SEC-7" } },
    });
    const dir = stageStack(synthStack(stack), "bastions");
    init(dir);
    expect(validate(dir).warnings).toEqual([]);
    const creates = plannedCreates(offlinePlan(dir));
    expect(creates).toEqual(expect.arrayContaining(["aws_autoscaling_group.ssm_group_group", "aws_autoscaling_group.ssh_group_group", "aws_ssm_parameter.ssh_authorized-keys", "aws_eip.ssh_public-address"]));
  });
});

import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Bastion } from "../../modules/bastion";
import { HttpsLoadBalancer } from "../../modules/load-balancer";
import { PUBLISHED_MODULES } from "../../publish";
import { rootSuppressionsHcl } from "../../publish/suppressions";
import { bulwark } from "../support/cli";
import { APPLY_TIME_ATTRIBUTES, constructSuppressions, findingsOn, moduleSuppressions, ParityRun, ParitySide, plannedUnder, runParity } from "../support/parity";
import { synthJson, TEST_ACCOUNT } from "../support/synth";

/**
 * The load balancer with default props and the bastion in SSH mode (an allowlist; the world with
 * a reason), each as its construct and as its published module with the same inputs, planned
 * offline (one init and one plan per side for the whole file) and compared resource by resource,
 * then after one mocked apply per side; the compliance findings, suppressions included, must match.
 */
const AMI = "ami-0123456789abcdef0";
const VPC = "vpc-0123456789abcdef0";
const SUBNETS = { a: "subnet-0123456789abcdef0", b: "subnet-0123456789abcdef1" };
const SG = "sg-0123456789abcdef0";
const CERT = `arn:aws:acm:${TEST_ACCOUNT.region}:${TEST_ACCOUNT.accountId}:certificate/0b7c7a10-5a54-4f1c-9a9b-5f0b6c2d1e3f`;
const WORLD_REASON = "vendor support over the internet, ticket SEC-42";

/** An ed25519 public key (the type's header, then 32 bytes). */
function key(fill: number): string {
  const type = "ssh-ed25519";
  const header = Buffer.alloc(4 + type.length);
  header.writeUInt32BE(type.length, 0);
  header.write(type, 4, "ascii");
  const material = Buffer.alloc(36, fill);
  material.writeUInt32BE(32, 0);
  return `${type} ${Buffer.concat([header, material]).toString("base64")}`;
}

const SSH = {
  allowlist: { office: "203.0.113.0/24", vpn: "10.8.0.0/16", "office-v6": "2001:db8:1::/56" },
  publicKeys: { alice: `${key(0x41)} alice@laptop`, bob: `  ${key(0x42)}` },
};
const WORLD = {
  allowlist: { anywhere: "0.0.0.0/0", office: "203.0.113.0/24" },
  publicKeys: { carol: key(0x43) },
  allowBroadSources: { reason: WORLD_REASON },
  user: "ops",
  restrictForwarding: false,
  instanceConnect: true,
};

const bastionProps = { vpcId: VPC, vpcCidr: "10.0.0.0/16", subnetIds: { a: SUBNETS.a }, endpointsSecurityGroupId: SG, image: { amiId: AMI } };
const constructJson = () =>
  synthJson((s) => {
    new HttpsLoadBalancer(s, "lb", { name: "ops-web", vpcId: VPC, subnetIds: SUBNETS, securityGroupId: SG, certificateArn: CERT });
    new Bastion(s, "ssh", { ...bastionProps, name: "ops-ssh", mode: "ssh", ssh: SSH });
    new Bastion(s, "world", { ...bastionProps, name: "ops-world", mode: "ssh", ssh: WORLD });
  }) as Record<string, unknown>;

const hclMap = (m: Readonly<Record<string, string>>) => `{ ${Object.entries(m).map(([k, v]) => `${JSON.stringify(k)} = ${JSON.stringify(v)}`).join(", ")} }`;
const bastionCall = (call: string, name: string) => `module "${call}" {
  source                      = "../modules/bastion"
  account_id                  = "${TEST_ACCOUNT.accountId}"
  name                        = "${name}"
  mode                        = "ssh"
  vpc_id                      = "${VPC}"
  vpc_cidr                    = "10.0.0.0/16"
  subnet_ids                  = ["${SUBNETS.a}"]
  endpoints_security_group_id = "${SG}"
  ami_id                      = "${AMI}"`;

const MODULE_CALLS = `provider "aws" {
  region = "${TEST_ACCOUNT.region}"
}

module "lb" {
  source            = "../modules/load-balancer"
  account_id        = "${TEST_ACCOUNT.accountId}"
  name              = "ops-web"
  vpc_id            = "${VPC}"
  subnet_ids        = ${hclMap(SUBNETS)}
  security_group_id = "${SG}"
  certificate_arn   = "${CERT}"
}

${bastionCall("ssh", "ops-ssh")}
  ssh = {
    allowlist   = ${hclMap(SSH.allowlist)}
    public_keys = ${hclMap(SSH.publicKeys)}
  }
}

${bastionCall("world", "ops-world")}
  ssh = {
    allowlist           = ${hclMap(WORLD.allowlist)}
    public_keys         = ${hclMap(WORLD.publicKeys)}
    allow_broad_sources = { reason = "${WORLD_REASON}" }
    user                = "ops"
    restrict_forwarding = false
    instance_connect    = true
  }
}

${rootSuppressionsHcl(["lb", "ssh", "world"])}
`;

const SIDES: Record<string, ParitySide & { published: string }> = {
  "load-balancer": { construct: /^aws_[a-z0-9_]+\.lb_/, module: "module.lb.", published: "load-balancer" },
  "bastion-ssh": { construct: /^aws_[a-z0-9_]+\.ssh_/, module: "module.ssh.", dir: "bastion", published: "bastion" },
  "bastion-world": { construct: /^aws_[a-z0-9_]+\.world_/, module: "module.world.", dir: "bastion", published: "bastion" },
};

/** The load balancer's wiring holds ARNs only an apply knows: compared after the mocked apply too. */
const APPLY_TIME = new Set([...APPLY_TIME_ATTRIBUTES, "resource_arn", "web_acl_arn", "log_destination_configs", "load_balancer_arn"]);

/**
 * Findings only the module's plan has, listed in its README (keyThroughModuleOutputNote): the
 * module's own key reaches resources through a child module's output, which the checker does not
 * follow, so these rules cannot decide there.
 */
const bastionKeyFindings = ["ebs-cmk unverifiable on aws_launch_template", ...Array(4).fill("log-group-encrypted unverifiable on aws_cloudwatch_log_group")];
const DELIBERATE_FINDINGS: Record<string, readonly string[]> = {
  "load-balancer": ["log-group-encrypted unverifiable on aws_cloudwatch_log_group"],
  "bastion-ssh": bastionKeyFindings,
  "bastion-world": bastionKeyFindings,
};

describe("published modules plan what their constructs plan: load balancer, SSH bastion", () => {
  let json: Record<string, unknown>;
  let run: ParityRun;
  beforeAll(() => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), "bulwark-parity-2-"));
    const modules = path.join(out, "modules");
    const publish = bulwark(["publish", "--out", modules, "--module", "load-balancer", "--module", "bastion"]);
    expect([publish.status, publish.stderr]).toEqual([0, expect.any(String)]);
    json = constructJson();
    run = runParity(json, modules, MODULE_CALLS, SIDES, APPLY_TIME);
  });

  it("compares the policies, the user data and the load balancer's wiring, which plans cannot all know", () => {
    expect(run.comparedAfterApply["bastion-ssh"]).toEqual(expect.arrayContaining(['bastion-ssh aws_iam_role_policy["session-manager-logging"].policy', 'bastion-ssh aws_iam_policy["ops-ssh-operators"].policy']));
    expect(run.comparedAfterApply["load-balancer"]).toEqual(
      expect.arrayContaining(['load-balancer aws_wafv2_web_acl_association[#0].resource_arn', 'load-balancer aws_wafv2_web_acl_logging_configuration[#0].log_destination_configs', 'load-balancer aws_lb_listener[443].load_balancer_arn']),
    );
    // The SSH user data (sshd, host firewall, keys command) is known to both plans, so compared there: it is the SSH one.
    for (const side of ["bastion-ssh", "bastion-world"]) expect(run.reports[side].unknownOnBoth.filter((k) => k.endsWith(".user_data"))).toEqual([]);
    const userData = (address: RegExp) => Buffer.from(String(plannedUnder(run.modulePlan, (a) => address.test(a))[0].after.user_data), "base64").toString("utf8");
    expect(userData(/^module\.world\.module\.launch_template\.aws_launch_template\./)).toMatch(/AllowUsers ops\n[\s\S]*ip saddr \{ 0\.0\.0\.0\/0, 203\.0\.113\.0\/24 \} tcp dport 22 accept comment "ssh"[\s\S]*eic_run_authorized_keys/);
    expect(userData(/^module\.ssh\.module\.launch_template\.aws_launch_template\./)).toMatch(/ip6 saddr \{ 2001:db8:1::\/56 \} tcp dport 22[\s\S]*AllowTcpForwarding no/);
  });

  describe.each(Object.keys(SIDES))("%s", (name) => {
    it("creates the same resources with the same security-relevant attributes (plans, then a mocked apply)", () => {
      expect([...run.reports[name].differences, ...run.applied[name]]).toEqual([]);
    });

    it("gets the same compliance findings, suppressions included", () => {
      const side = SIDES[name];
      const module = findingsOn(run.modulePlan, (a) => a.startsWith(side.module), moduleSuppressions(run.modulePlan));
      for (const f of DELIBERATE_FINDINGS[name] ?? []) {
        const i = module.indexOf(f);
        if (i >= 0) module.splice(i, 1);
      }
      expect(module).toEqual(findingsOn(run.constructPlan, (a) => side.construct.test(a), constructSuppressions(json)));
      // Each deliberate finding is named in the module's README.
      const readme = PUBLISHED_MODULES.find((m) => m.name === side.published)!.secureDefaults.join("\n");
      for (const f of DELIBERATE_FINDINGS[name] ?? []) expect([f, readme.includes(`\`${f.split(" ")[0]}\``)]).toEqual([f, true]);
    });
  });

  it("reports SSH from the world as suppressed with the caller's reason on both sides, and SSH from an allowlist not at all", () => {
    const world = findingsOn(run.modulePlan, (a) => a.startsWith("module.world."), moduleSuppressions(run.modulePlan));
    expect(world).toEqual(expect.arrayContaining([`sg-no-world-admin-ports error suppressed (${WORLD_REASON}) on aws_vpc_security_group_ingress_rule`]));
    expect(findingsOn(run.modulePlan, (a) => a.startsWith("module.ssh.")).filter((f) => f.startsWith("sg-"))).toEqual([]);
    // The load balancer without access logs is reported (ELB.5) by both, as the construct documents.
    expect(findingsOn(run.modulePlan, (a) => a.startsWith("module.lb."))).toContain("alb-access-logs error on aws_lb");
  });
});

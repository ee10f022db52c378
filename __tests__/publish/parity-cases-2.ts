import { Bastion } from "../../modules/bastion";
import { HttpsLoadBalancer } from "../../modules/load-balancer";
import { ParityCase, ParityRun, plannedUnder } from "../support/parity";
import { TEST_ACCOUNT } from "../support/synth";

/**
 * The load balancer with default props and the bastion in SSH mode (an allowlist; the world with
 * a reason), each as its construct and as its published module with the same inputs, planned
 * offline in one root per side (see describeParity) and compared resource by resource, then after
 * one plan per side with the mocks' values; the compliance findings, suppressions included, must match.
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
const hclMap = (m: Readonly<Record<string, string>>) => `{ ${Object.entries(m).map(([k, v]) => `${JSON.stringify(k)} = ${JSON.stringify(v)}`).join(", ")} }`;
const bastionCall = (name: string) => `account_id                  = "${TEST_ACCOUNT.accountId}"
  name                        = "${name}"
  mode                        = "ssh"
  vpc_id                      = "${VPC}"
  vpc_cidr                    = "10.0.0.0/16"
  subnet_ids                  = ["${SUBNETS.a}"]
  endpoints_security_group_id = "${SG}"
  ami_id                      = "${AMI}"`;

/** Cases of published modules plan what their constructs plan (load balancer, SSH bastion). */
export const CASES_2: ParityCase[] = [
  {
    id: "lb",
    module: "load-balancer",
    construct: (s) => new HttpsLoadBalancer(s, "lb", { name: "ops-web", vpcId: VPC, subnetIds: SUBNETS, securityGroupId: SG, certificateArn: CERT }),
    call: `account_id        = "${TEST_ACCOUNT.accountId}"
  name              = "ops-web"
  vpc_id            = "${VPC}"
  subnet_ids        = ${hclMap(SUBNETS)}
  security_group_id = "${SG}"
  certificate_arn   = "${CERT}"`,
  },
  {
    id: "ssh",
    module: "bastion",
    // On Ubuntu, with an AMI that carries the AWS CLI: the SSH user defaults to ubuntu.
    construct: (s) => new Bastion(s, "ssh", { ...bastionProps, name: "ops-ssh", mode: "ssh", os: "ubuntu", ssh: { ...SSH, awsCliOnImage: true } }),
    call: `${bastionCall("ops-ssh")}
  os = "ubuntu"
  ssh = {
    allowlist        = ${hclMap(SSH.allowlist)}
    public_keys      = ${hclMap(SSH.publicKeys)}
    aws_cli_on_image = true
  }`,
  },
  {
    id: "world",
    module: "bastion",
    construct: (s) => new Bastion(s, "world", { ...bastionProps, name: "ops-world", mode: "ssh", ssh: WORLD }),
    call: `${bastionCall("ops-world")}
  ssh = {
    allowlist           = ${hclMap(WORLD.allowlist)}
    public_keys         = ${hclMap(WORLD.publicKeys)}
    allow_broad_sources = { reason = "${WORLD_REASON}" }
    user                = "ops"
    restrict_forwarding = false
    instance_connect    = true
  }`,
  },
];

/** Checks beyond the per-case comparisons, on the run of every case. */
export function more2(run: () => ParityRun): void {
  it("compares the policies, the user data and the load balancer's wiring, which plans cannot all know", () => {
    const { cases, modulePlan } = run();
    expect(cases.ssh.comparedWithMocks).toEqual(expect.arrayContaining(['ssh aws_iam_role_policy["session-manager-logging"].policy', 'ssh aws_iam_policy["ops-ssh-operators"].policy']));
    expect(cases.lb.comparedWithMocks).toEqual(
      expect.arrayContaining(["lb aws_wafv2_web_acl_association[#0].resource_arn", "lb aws_wafv2_web_acl_logging_configuration[#0].log_destination_configs", "lb aws_lb_listener[443].load_balancer_arn"]),
    );
    // The SSH user data (sshd, host firewall, keys command) is known to the plans, so compared there: it is the SSH one.
    const userData = (address: RegExp) => Buffer.from(String(plannedUnder(modulePlan, (a) => address.test(a))[0].after.user_data), "base64").toString("utf8");
    expect(userData(/^module\.world\.module\.launch_template\.aws_launch_template\./)).toMatch(/AllowUsers ops\n[\s\S]*ip saddr \{ 0\.0\.0\.0\/0, 203\.0\.113\.0\/24 \} tcp dport 22 accept comment "ssh"[\s\S]*eic_run_authorized_keys/);
    expect(userData(/^module\.ssh\.module\.launch_template\.aws_launch_template\./)).toMatch(/unattended-upgrades[\s\S]*AllowUsers ubuntu\n[\s\S]*ip6 saddr \{ 2001:db8:1::\/56 \} tcp dport 22[\s\S]*AllowTcpForwarding no/);
  });

  it("reports SSH from the world as suppressed with the caller's reason on both sides, SSH from an allowlist not at all, and the load balancer without access logs", () => {
    const { cases } = run();
    for (const side of [cases.world.moduleFindings, cases.world.constructFindings]) expect(side).toEqual(expect.arrayContaining([expect.stringMatching(new RegExp(`^sg-no-world-admin-ports error suppressed: ${WORLD_REASON} on `))]));
    expect(cases.ssh.moduleFindings.filter((f) => f.startsWith("sg-"))).toEqual([]);
    expect(cases.lb.moduleFindings).toEqual(expect.arrayContaining([expect.stringMatching(/^alb-access-logs error on /)]));
  });
}

import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { appTierRules, dataTierRules, managementTierRules, NaclRules, NetworkAclTier, publicWebTierRules, ResolvedNaclRule } from "../../modules/network-acl";
import { Network, SubnetTier } from "../../modules/network";
import { bulwark } from "../support/cli";
import { synthJson, TEST_ACCOUNT } from "../support/synth";
import { init, offlinePlan, PlanJson } from "../support/terraform";

/**
 * The tier presets of the published network-acl module (`preset = { tier = "app", ... }`) against
 * the construct's preset functions, for the same inputs: one offline plan of every case, and each
 * planned rule compared with the construct's resolved rule of that name (number, direction,
 * action, protocol, ports, CIDR). Names are compared as sets, so a rule only one side makes fails.
 */
type Tier = "public-web" | "app" | "data" | "management";
interface Case {
  readonly tier: Tier;
  /** The construct's preset options; the module gets the same, snake_cased. */
  readonly options: Record<string, unknown>;
}

const PRESETS: Record<Tier, (o: never) => NaclRules> = { "public-web": publicWebTierRules, app: appTierRules, data: dataTierRules, management: managementTierRules };

const CASES: Record<string, Case> = {
  "web-nat": { tier: "public-web", options: { appCidrs: ["10.0.64.0/19", "10.0.96.0/19"], natClientCidrs: ["10.0.64.0/19", "10.0.96.0/19"] } },
  "web-clients": { tier: "public-web", options: { appCidrs: ["10.0.64.0/19"], appPort: 9000, clientCidrs: ["203.0.113.0/24", "198.51.100.0/24"] } },
  "web-v6-world": { tier: "public-web", options: { appCidrs: ["10.0.64.0/19"], clientCidrs: ["::/0"] } },
  "app-nat": { tier: "app", options: { webCidrs: ["10.0.0.0/20", "10.0.16.0/20"], dataCidrs: ["10.0.128.0/20"], dataPorts: [5432, 6379], vpcCidr: "10.0.0.0/16", endpointClientCidrs: ["10.0.64.0/19", "10.0.96.0/19", "10.0.200.0/28"], httpsToInternet: true } },
  "app-s3-ephemeral": { tier: "app", options: { webCidrs: ["10.0.0.0/20"], dataCidrs: [], vpcCidr: "10.0.0.0/16", httpsToS3: true, ephemeral: [32768, 60999] } },
  "app-both": { tier: "app", options: { webCidrs: [], dataCidrs: ["10.0.128.0/20"], vpcCidr: "10.0.0.0/16", httpsToInternet: true, httpsToS3: true, ephemeral: [1024, 3389] } },
  data: { tier: "data", options: { appCidrs: ["10.0.64.0/19", "10.0.96.0/19"], dataPorts: [3306, 5432] } },
  management: { tier: "management", options: { vpcCidr: "10.0.0.0/16", sshCidrs: ["203.0.113.10/32", "198.51.100.0/28"], vpcPorts: [22, 5432], httpsToInternet: true } },
  "management-s3": { tier: "management", options: { vpcCidr: "10.1.0.0/16", httpsToS3: true, ephemeral: [3389, 65535] } },
};

const snake = (k: string) => (k === "ephemeral" ? "ephemeral_ports" : k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`));
const hclValue = (v: unknown): string => (Array.isArray(v) ? `[${v.map(hclValue).join(", ")}]` : JSON.stringify(v));
const presetHcl = (c: Case) => `{ tier = "${c.tier}"${Object.entries(c.options).map(([k, v]) => `, ${snake(k)} = ${hclValue(v)}`).join("")} }`;

/** The network construct with every tier and NAT; the network module gets its subnet CIDRs. */
const NETWORK = { name: "prod", cidr: "10.20.0.0/16", availabilityZones: ["eu-west-1b", "eu-west-1a"], tiers: ["public", "private", "isolated"] as SubnetTier[], natGateways: "single" as const, appPort: 9000, dataPorts: [5432, 6379] };

type Compared = { direction: string; action: string; number: number; protocol: string; ports: string; cidr: string };
const fromConstruct = (r: ResolvedNaclRule): Compared => ({ direction: r.direction, action: r.action, number: r.ruleNumber, protocol: r.protocol, ports: `${r.fromPort}-${r.toPort}`, cidr: r.cidr });

describe("network-acl presets: the published module makes the construct's rules", () => {
  const construct: Record<string, Record<string, Compared>> = {};
  const network: Partial<Record<SubnetTier, Record<string, Compared>>> = {};
  let subnetCidrs: Partial<Record<SubnetTier, Record<string, string>>> = {};
  let plan: PlanJson;
  beforeAll(() => {
    synthJson((s) => {
      for (const [id, c] of Object.entries(CASES)) {
        const acl = new NetworkAclTier(s, id, { name: id, vpcId: "vpc-0123456789abcdef0", subnetIds: { a: "subnet-0123456789abcdef0" }, rules: PRESETS[c.tier](c.options as never) });
        construct[id] = Object.fromEntries(acl.rules.map((r) => [r.name, fromConstruct(r)]));
      }
      const net = new Network(s, "network", NETWORK);
      for (const [tier, acl] of Object.entries(net.acls)) network[tier as SubnetTier] = Object.fromEntries(acl!.rules.map((r) => [r.name, fromConstruct(r)]));
      subnetCidrs = net.subnetCidrs;
    });
    const out = fs.mkdtempSync(path.join(os.tmpdir(), "bulwark-nacl-presets-"));
    expect(bulwark(["publish", "--out", path.join(out, "modules"), "--module", "network-acl", "--module", "network"]).status).toBe(0);
    const root = path.join(out, "root");
    fs.mkdirSync(root);
    const calls = Object.entries(CASES).map(
      ([id, c]) => `module "${id}" {
  source     = "../modules/network-acl"
  name       = "${id}"
  vpc_id     = "vpc-0123456789abcdef0"
  subnet_ids = { a = "subnet-0123456789abcdef0" }
  preset     = ${presetHcl(c)}
}
`,
    );
    const map = (m: Record<string, string> | undefined) => `{ ${Object.entries(m ?? {}).map(([az, c]) => `"${az}" = "${c}"`).join(", ")} }`;
    calls.push(`module "network" {
  source           = "../modules/network"
  account_id       = "${TEST_ACCOUNT.accountId}"
  name             = "${NETWORK.name}"
  cidr             = "${NETWORK.cidr}"
  public_subnets   = ${map(subnetCidrs.public)}
  private_subnets  = ${map(subnetCidrs.private)}
  isolated_subnets = ${map(subnetCidrs.isolated)}
  nat_gateways     = "${NETWORK.natGateways}"
  app_port         = ${NETWORK.appPort}
  data_ports       = [${NETWORK.dataPorts.join(", ")}]
}
`);
    fs.writeFileSync(path.join(root, "main.tf"), `provider "aws" {\n  region = "${TEST_ACCOUNT.region}"\n}\n\n${calls.join("\n")}`);
    init(root);
    plan = offlinePlan(root);
  });

  /** The planned rules of the network-acl module at `address` (`module.app` or `module.network.module.acl["private"]`). */
  const plannedRules = (address: string): Record<string, Compared> => {
    const module: Record<string, Compared> = {};
    const prefix = `${address}.aws_network_acl_rule.this["`;
    for (const rc of plan.resource_changes ?? []) {
      const m = rc.address.startsWith(prefix) ? /^([^"]+)"\]$/.exec(rc.address.slice(prefix.length)) : null;
      if (!m) continue;
      const a = rc.change.after as Record<string, any>;
      module[m[1]] = { direction: a.egress ? "egress" : "ingress", action: a.rule_action, number: a.rule_number, protocol: a.protocol, ports: `${a.from_port ?? 0}-${a.to_port ?? 0}`, cidr: a.cidr_block ?? a.ipv6_cidr_block };
    }
    return module;
  };

  it.each(Object.keys(CASES))("%s: the same named rules with the same numbers, directions, protocols, ports and CIDRs", (id) => {
    expect(Object.keys(construct[id]).length).toBeGreaterThan(2);
    expect(plannedRules(`module.${id}`)).toEqual(construct[id]);
  });

  describe("the network module puts each tier on its own ACL with the construct's preset", () => {
    it.each(["public", "private", "isolated"] as const)("%s: the construct's rules, every subnet of the tier associated", (tier) => {
      expect(Object.keys(network[tier] ?? {}).length).toBeGreaterThan(2);
      const acl = `module.network.module.acl["${tier}"]`;
      expect(plannedRules(acl)).toEqual(network[tier]);
      const associations = (plan.resource_changes ?? []).filter((rc) => rc.address.startsWith(`${acl}.aws_network_acl_association.this[`)).map((rc) => rc.address.slice(acl.length));
      expect(associations.sort()).toEqual(Object.keys(subnetCidrs[tier]!).sort().map((az) => `.aws_network_acl_association.this["${az}"]`));
    });

    it("leaves no subnet on the default ACL: one association per subnet, none twice", () => {
      const associations = (plan.resource_changes ?? []).filter((rc) => rc.type === "aws_network_acl_association" && rc.address.startsWith("module.network."));
      expect(associations).toHaveLength(NETWORK.tiers.length * NETWORK.availabilityZones.length);
    });
  });
});

import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ALL_RULES, planResources, runRules } from "../../compliance";
import { AlarmTopic, AsgAlarms } from "../../modules/alarms";
import { AccountAudit } from "../../modules/audit";
import { Bastion } from "../../modules/bastion";
import { NetworkAclTier } from "../../modules/network-acl";
import { HardenedSecurityGroup } from "../../modules/security-groups";
import { PUBLISHED_MODULES } from "../../publish";
import { APPLY_TIME_ATTRIBUTES, compareSides, compareValues, mockedOutput, ParityReport, plannedUnder } from "../support/parity";
import { bulwark } from "../support/cli";
import { synthJson, TEST_ACCOUNT } from "../support/synth";
import { init, offlinePlan, PlanJson, stageStack } from "../support/terraform";

/**
 * Each construct with default props and its published module called with the same inputs, both
 * planned offline (one init and one plan per side), compared resource by resource. A difference
 * fails, naming the resource and the attribute, unless the module README lists it as deliberate.
 */
const AMI = "ami-0123456789abcdef0";
const VPC = "vpc-0123456789abcdef0";
const SUBNET = "subnet-0123456789abcdef0";
const ENDPOINTS_SG = "sg-0123456789abcdef0";

const constructs = () =>
  synthJson((s) => {
    const topic = new AlarmTopic(s, "alarms", { name: "ops" });
    new AsgAlarms(s, "alarms-asg", { name: "ops", autoScalingGroupName: "app", topicArn: topic.arn, minInService: 1 });
    new Bastion(s, "bastion", { name: "ops-bastion", vpcId: VPC, vpcCidr: "10.0.0.0/16", subnetIds: { a: SUBNET }, endpointsSecurityGroupId: ENDPOINTS_SG, image: { amiId: AMI } });
    new NetworkAclTier(s, "acl", {
      name: "app",
      vpcId: VPC,
      subnetIds: { a: SUBNET },
      rules: {
        "https-in": { direction: "ingress", protocol: "tcp", port: 443, cidr: "10.0.0.0/16" },
        "https-return": { direction: "egress", protocol: "tcp", fromPort: 1024, toPort: 65535, cidr: "10.0.0.0/16" },
        "deny-bad": { direction: "ingress", action: "deny", protocol: "all", cidr: "10.0.99.0/24" },
        "ping-v6": { direction: "ingress", protocol: "icmpv6", cidr: "fd00::/8", icmpType: 128 },
      },
    });
    new HardenedSecurityGroup(s, "sg", {
      name: "app",
      description: "App instances",
      vpcId: VPC,
      rules: {
        "from-alb": { direction: "ingress", description: "App port from the load balancer", port: 8080, peer: { securityGroupId: ENDPOINTS_SG } },
        dns: { direction: "egress", description: "DNS to the resolver", protocol: "udp", port: 53, peer: { cidr: "10.0.0.0/16" } },
      },
    });
    new AccountAudit(s, "audit", { name: "ops" });
  });

const MODULE_CALLS = `
module "alarms" {
  source                 = "../modules/alarms"
  account_id             = "${TEST_ACCOUNT.accountId}"
  name                   = "ops"
  autoscaling_group_name = "app"
  min_in_service         = 1
}

module "bastion" {
  source                      = "../modules/bastion"
  account_id                  = "${TEST_ACCOUNT.accountId}"
  name                        = "ops-bastion"
  vpc_id                      = "${VPC}"
  vpc_cidr                    = "10.0.0.0/16"
  subnet_ids                  = ["${SUBNET}"]
  endpoints_security_group_id = "${ENDPOINTS_SG}"
  ami_id                      = "${AMI}"
}

module "acl" {
  source     = "../modules/network-acl"
  name       = "app"
  vpc_id     = "${VPC}"
  subnet_ids = { a = "${SUBNET}" }
  rules = {
    https-in     = { direction = "ingress", protocol = "tcp", from_port = 443, to_port = 443, cidr = "10.0.0.0/16" }
    https-return = { direction = "egress", protocol = "tcp", from_port = 1024, to_port = 65535, cidr = "10.0.0.0/16" }
    deny-bad     = { direction = "ingress", action = "deny", protocol = "all", cidr = "10.0.99.0/24" }
    ping-v6      = { direction = "ingress", protocol = "icmpv6", cidr = "fd00::/8", icmp_type = 128 }
  }
}

module "sg" {
  source      = "../modules/security-groups"
  name        = "app"
  description = "App instances"
  vpc_id      = "${VPC}"
  rules = {
    from-alb = { direction = "ingress", description = "App port from the load balancer", from_port = 8080, security_group_id = "${ENDPOINTS_SG}" }
    dns      = { direction = "egress", description = "DNS to the resolver", protocol = "udp", from_port = 53, cidr = "10.0.0.0/16" }
  }
}

module "audit" {
  source     = "../modules/audit"
  account_id = "${TEST_ACCOUNT.accountId}"
  name       = "ops"
}
`;

/** Construct ids per module: the first segment of a logical id (alarms-asg is the alarms module's too). */
const SIDES: Record<string, { construct: RegExp; module: string }> = {
  alarms: { construct: /^aws_[a-z0-9_]+\.alarms[_-]/, module: "module.alarms." },
  bastion: { construct: /^aws_[a-z0-9_]+\.bastion_/, module: "module.bastion." },
  "network-acl": { construct: /^aws_[a-z0-9_]+\.acl_/, module: "module.acl." },
  "security-groups": { construct: /^aws_[a-z0-9_]+\.sg_/, module: "module.sg." },
  audit: { construct: /^aws_[a-z0-9_]+\.audit_/, module: "module.audit." },
};

/**
 * Differences the module READMEs list as deliberate ("Deliberate difference from the construct"),
 * by module: `key` or `key.attribute` as compareSides names them.
 */
const DELIBERATE: Record<string, readonly string[]> = {};

/**
 * Findings only the module's plan has, listed in its README (keyThroughModuleOutputNote): the
 * module's own key reaches resources through a child module's output, which the checker does
 * not follow, so these rules cannot decide there.
 */
const DELIBERATE_FINDINGS: Record<string, readonly string[]> = {
  alarms: ["sns-encrypted unverifiable on aws_sns_topic"],
  bastion: ["ebs-cmk unverifiable on aws_launch_template", ...Array(4).fill("log-group-encrypted unverifiable on aws_cloudwatch_log_group")],
  audit: ["cloudtrail-bucket unverifiable on aws_s3_bucket", "cloudtrail-encrypted unverifiable on aws_cloudtrail", "log-group-encrypted unverifiable on aws_cloudwatch_log_group"],
};

type Finding = { ruleId: string; severity: string; suppressed: boolean; address: string };

/** Findings of every rule on one side's plan, those of one module, without the side's naming. */
function findingsOf(plan: PlanJson, belongs: (address: string) => boolean): string[] {
  const report = runRules(planResources(plan, "parity"), ALL_RULES, { scope: "resource" });
  const type = (address: string) => /(?:^|\.)(aws_[a-z0-9_]+)\.[^.]+$/.exec(address.replace(/\["[^"]*"\]$/, ""))?.[1] ?? address;
  return (report.findings as Finding[]).filter((f) => belongs(f.address)).map((f) => `${f.ruleId} ${f.severity}${f.suppressed ? " suppressed" : ""} on ${type(f.address)}`).sort();
}

describe("published modules plan what their constructs plan", () => {
  let constructPlan: PlanJson;
  let modulePlan: PlanJson;
  const reports: Record<string, ParityReport> = {};
  const applied: Record<string, string[]> = {};
  const notCompared: Record<string, string[]> = {};
  const comparedAfterApply: Record<string, string[]> = {};
  beforeAll(() => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), "bulwark-parity-"));
    const modules = path.join(out, "modules");
    const publish = bulwark(["publish", "--out", modules, ...Object.keys(SIDES).flatMap((m) => ["--module", m])]);
    expect([publish.status, publish.stderr]).toEqual([0, expect.any(String)]);
    const root = path.join(out, "root");
    fs.mkdirSync(root);
    fs.writeFileSync(path.join(root, "main.tf"), `provider "aws" {\n  region = "${TEST_ACCOUNT.region}"\n}\n${MODULE_CALLS}`);
    const constructDir = stageStack(constructs() as Record<string, unknown>, "parity");
    for (const dir of [constructDir, root]) init(dir);
    constructPlan = offlinePlan(constructDir);
    modulePlan = offlinePlan(root);

    // Plans first; then what neither plan knows (policies and documents holding ARNs) after one mocked apply per side.
    const constructExprs: Record<string, string> = {};
    const moduleExprs: Record<string, Record<string, string>> = {};
    for (const [name, side] of Object.entries(SIDES)) {
      reports[name] = compareSides(plannedUnder(constructPlan, (a) => side.construct.test(a)), plannedUnder(modulePlan, (a) => a.startsWith(side.module)));
      notCompared[name] = [];
      for (const u of reports[name].unknownPairs.filter((p) => APPLY_TIME_ATTRIBUTES.has(p.attr))) {
        const inner = u.module.slice(side.module.length);
        if (inner.startsWith("module.")) {
          notCompared[name].push(`${u.key}.${u.attr}`);
          continue;
        }
        const k = `${name} ${u.key}.${u.attr}`;
        constructExprs[k] = `${u.construct}.${u.attr}`;
        (moduleExprs[name] ??= {})[k] = `${inner}.${u.attr}`;
      }
    }
    const object = (exprs: Record<string, string>) => `{ ${Object.entries(exprs).map(([k, e]) => `${JSON.stringify(k)} = ${e}`).join(", ")} }`;
    fs.writeFileSync(path.join(constructDir, "parity_dump.tf.json"), JSON.stringify({ output: { parity_dump: { value: `\${base64encode(jsonencode(${object(constructExprs)}))}` } } }));
    for (const [name, exprs] of Object.entries(moduleExprs)) {
      fs.writeFileSync(path.join(modules, name, "zz_parity.tf"), `output "parity" {\n  value = ${object(exprs)}\n}\n`);
    }
    const calls = Object.keys(moduleExprs).map((name) => `module.${SIDES[name].module.split(".")[1]}.parity`);
    fs.writeFileSync(path.join(root, "parity.tf"), `output "parity_dump" {\n  value = base64encode(jsonencode(merge(${calls.join(", ")})))\n}\n`);
    const [constructValues, moduleValues] = [mockedOutput(constructDir, "parity_dump"), mockedOutput(root, "parity_dump")];
    for (const name of Object.keys(SIDES)) {
      const mine = (values: Record<string, unknown>) => Object.fromEntries(Object.entries(values).filter(([k]) => k.startsWith(`${name} `)));
      applied[name] = compareValues(mine(constructValues), mine(moduleValues));
      comparedAfterApply[name] = Object.keys(mine(constructValues));
    }
  });

  it("compares the policies and documents that plans cannot know after the mocked apply", () => {
    expect(comparedAfterApply.alarms).toContain('alarms aws_sns_topic_policy[#0].policy');
    expect(comparedAfterApply.bastion).toEqual(expect.arrayContaining(['bastion aws_ssm_document["ops-bastion-session-preferences"].content', 'bastion aws_iam_policy["ops-bastion-operators"].policy']));
    expect(comparedAfterApply.audit).toContain('audit aws_iam_role_policy["write-trail-log-group"].policy');
    // Resources of a module the module calls (its kms-key, the bastion's launch template) are compared on the plans only.
    expect(notCompared.bastion.every((k) => /^aws_(kms_alias|cloudwatch_log_group)\[/.test(k))).toBe(true);
  });

  describe.each(Object.keys(SIDES))("%s", (name) => {
    const deliberate = (d: string) => (DELIBERATE[name] ?? []).some((x) => d.startsWith(`${x}:`) || d.startsWith(`${x} `));
    it("creates the same resources with the same security-relevant attributes (plans, then a mocked apply)", () => {
      expect([...reports[name].differences, ...applied[name]].filter((d) => !deliberate(d))).toEqual([]);
    });

    it("gets the same compliance findings", () => {
      const side = SIDES[name];
      const module = findingsOf(modulePlan, (a) => a.startsWith(side.module));
      for (const f of DELIBERATE_FINDINGS[name] ?? []) {
        const i = module.indexOf(f);
        if (i >= 0) module.splice(i, 1);
      }
      expect(module).toEqual(findingsOf(constructPlan, (a) => side.construct.test(a)));
      // Each deliberate finding is named in the module's README.
      const readme = PUBLISHED_MODULES.find((m) => m.name === name)!.secureDefaults.join("\n");
      for (const f of DELIBERATE_FINDINGS[name] ?? []) expect([f, readme.includes(`\`${f.split(" ")[0]}\``)]).toEqual([f, true]);
    });
  });
});

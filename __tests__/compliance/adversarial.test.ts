/**
 * `bulwark check` on input nobody here wrote: Terraform semantics a naive reader gets wrong,
 * every spelling of the world, unknown values, module-instance addresses, hostile and
 * type-confused JSON. Each case is a way the checker was once silently clean.
 */
import * as fc from "fast-check";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ALL_RULES, configResources, Finding, loadInput, runRules } from "../../compliance";
import { scanJson } from "../../compliance/read/json";
import { bulwark } from "../support/cli";
import { init, offlinePlan } from "../support/terraform";

const tmp = (prefix: string) => fs.mkdtempSync(path.join(os.tmpdir(), `bulwark-adv-${prefix}-`));

/** Writes files into a fresh directory and returns it. */
function dirWith(files: Record<string, unknown>): string {
  const dir = tmp("dir");
  for (const [name, body] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), typeof body === "string" ? body : JSON.stringify(body));
  return dir;
}

const checkJson = (target: string, ...args: string[]) => {
  const run = bulwark(["check", target, "--format", "json", ...args]);
  return { ...run, report: run.stdout ? (JSON.parse(run.stdout) as { findings: Finding[]; summary: Record<string, unknown> }) : undefined };
};

const rulesOf = (ids: string[]) => ALL_RULES.filter((r) => ids.includes(r.id));
const judge = (resource: Record<string, unknown>, ids: string[]) => runRules(configResources({ resource }, "s"), rulesOf(ids), { scope: "resource" }).findings;

const officeSsh = {
  aws_vpc_security_group_ingress_rule: {
    ssh: { security_group_id: "${aws_security_group.app.id}", description: "SSH from the office", ip_protocol: "tcp", from_port: 22, to_port: 22, cidr_ipv4: "203.0.113.0/24" },
  },
  aws_security_group: { app: { name: "app", description: "App instances" } },
};

describe("Terraform's reading of a configuration directory", () => {
  it("merges an override file into the resource it overrides: a world CIDR there is judged", () => {
    const dir = dirWith({ "main.tf.json": { resource: officeSsh } });
    expect(checkJson(dir, "--scope", "resource").report!.findings.filter((f) => f.ruleId === "sg-no-world-admin-ports")).toEqual([]);
    for (const name of ["override.tf.json", "zz_override.tf.json"]) {
      const d = dirWith({ "main.tf.json": { resource: officeSsh }, [name]: { resource: { aws_vpc_security_group_ingress_rule: { ssh: { cidr_ipv4: "0.0.0.0/0" } } } } });
      const run = checkJson(d, "--scope", "resource");
      expect(run.status).toBe(1);
      expect(run.report!.findings.filter((f) => f.ruleId === "sg-no-world-admin-ports").map((f) => f.address)).toEqual(["aws_vpc_security_group_ingress_rule.ssh"]);
    }
  });

  it("names an override file beside a single file it was asked to check as not read", () => {
    const dir = dirWith({ "main.tf.json": { resource: officeSsh }, "override.tf.json": { resource: { aws_vpc_security_group_ingress_rule: { ssh: { cidr_ipv4: "0.0.0.0/0" } } } } });
    const run = checkJson(path.join(dir, "main.tf.json"), "--scope", "resource");
    expect(run.status).toBe(2);
    expect(run.report!.findings.find((f) => f.ruleId === "input-not-read")!.message).toMatch(/override file beside main\.tf\.json not merged/);
  });

  it("merges lifecycle argument by argument and replaces nested blocks wholesale, as Terraform does", () => {
    const dir = dirWith({
      "main.tf.json": { resource: { aws_launch_template: { t: { metadata_options: { http_tokens: "required" }, lifecycle: { create_before_destroy: true } } } } },
      "override.tf.json": { resource: { aws_launch_template: { t: { metadata_options: { http_endpoint: "enabled" } } } } },
    });
    const t = loadInput(dir).resources.find((r) => r.address === "aws_launch_template.t")!;
    expect(t.values.metadata_options).toEqual({ http_endpoint: "enabled" });
    expect(t.values.lifecycle).toEqual({ create_before_destroy: true });
    expect(checkJson(dir, "--scope", "resource").report!.findings.some((f) => f.ruleId === "lt-imdsv2" && f.severity === "error")).toBe(true);
  });

  it("refuses an override of something no file defines, and a resource defined twice", () => {
    const orphan = dirWith({ "main.tf.json": { resource: officeSsh }, "override.tf.json": { resource: { aws_instance: { ghost: { ami: "ami-12345678" } } } } });
    expect(bulwark(["check", orphan]).stderr).toMatch(/override\.tf\.json: overrides aws_instance\.ghost, which no other file defines/);
    const twice = dirWith({ "a.tf.json": { resource: officeSsh }, "b.tf.json": { resource: officeSsh } });
    const run = bulwark(["check", twice]);
    expect(run.status).toBe(2);
    expect(run.stderr.trim()).toMatch(/b\.tf\.json: aws_[a-z_]+\.[a-z]+ is also defined in .*a\.tf\.json \(Terraform refuses duplicate resources\)$/);
  });

  it("refuses a duplicate JSON key with exit 2, naming the file and the key", () => {
    const text = `{"resource": {"aws_sns_topic": {"a": {"name": "a", "kms_master_key_id": "k"}}}, "resource": {"aws_security_group": {"x": {"description": "x", "ingress": [{"protocol": "-1", "from_port": 0, "to_port": 0, "cidr_blocks": ["0.0.0.0/0"]}]}}}}`;
    const dir = dirWith({ "main.tf.json": text });
    const run = bulwark(["check", dir]);
    expect(run.status).toBe(2);
    expect(run.stderr.trim()).toMatch(/^bulwark: .*main\.tf\.json: key "resource" appears twice in one object \(at \(top level\)\)/);
    expect(scanJson('{"a": {"b": 1, "c": {"b": 2}, "b\\u0031": 3}}')).toEqual({});
    expect(scanJson('{"a": {"x": 1, "y": "\\"x\\"", "x": 2}}').duplicate).toEqual({ key: "x", path: "a" });
  });

  it("never reports HCL files or module calls as judged: they are named and the exit status is 2", () => {
    const dir = dirWith({ "main.tf.json": { resource: officeSsh }, "extra.tf": 'resource "aws_security_group_rule" "x" {}', "net_override.tf": "" });
    const run = checkJson(dir);
    expect(run.status).toBe(2);
    const gaps = run.report!.findings.filter((f) => f.ruleId === "input-not-read");
    expect(gaps.map((g) => path.basename(g.address)).sort()).toEqual(["extra.tf", "net_override.tf"]);
    expect(gaps.every((g) => g.severity === "unverifiable" && /not read/.test(g.message))).toBe(true);

    const modules = dirWith({ "main.tf.json": { module: { vpc: { source: "terraform-aws-modules/vpc/aws" } } } });
    const m = checkJson(modules);
    expect(m.status).toBe(2);
    expect(m.report!.findings.find((f) => f.ruleId === "input-not-read")!.message).toMatch(/module call vpc .* is not expanded/);
    // A reasoned suppression accepts the gap.
    fs.writeFileSync(path.join(modules, "bulwark-suppressions.yaml"), "- rule: input-not-read\n  address: '*'\n  reason: modules are checked from the plan in CI\n");
    expect(checkJson(modules, "--scope", "resource").status).toBe(0);
  });
});

describe("values: every spelling of the world, protocols, unknowns", () => {
  const world4 = ["0.0.0.0/0", "0.0.0.0/00", "1.2.3.4/0"];
  const world6 = ["::/0", "::0/0", "0::/0", "0:0:0:0:0:0:0:0/0", "0000::/0", "::0.0.0.0/0", "2000::/3"];
  const splits = [["0.0.0.0/1", "128.0.0.0/1"], ["0.0.0.0/2", "64.0.0.0/2", "128.0.0.0/1"], ["::/1", "8000::/1"]];
  const tcp = ["6", "tcp", "TCP", " tcp "];
  const all = ["-1", "all"];

  it("flags world ingress to an admin port in every style, spelling and protocol (property)", () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.constantFrom(...world4, ...world6).map((c) => [c]), fc.constantFrom(...splits)),
        fc.constantFrom(...tcp, ...all),
        fc.constantFrom("inline", "rule", "vpc-rule"),
        fc.constantFrom(22, 3389),
        (cidrs, protocol, style, port) => {
          const v6 = (c: string) => c.includes(":");
          const ports = all.includes(protocol) ? { from_port: 0, to_port: 0 } : { from_port: port, to_port: port };
          const resource: Record<string, unknown> =
            style === "inline"
              ? { aws_security_group: { g: { description: "g", ingress: [{ protocol, ...ports, cidr_blocks: cidrs.filter((c) => !v6(c)), ipv6_cidr_blocks: cidrs.filter(v6) }] } } }
              : style === "rule"
                ? { aws_security_group_rule: { r: { type: "ingress", security_group_id: "sg-1", protocol, ...ports, cidr_blocks: cidrs.filter((c) => !v6(c)), ipv6_cidr_blocks: cidrs.filter(v6) } } }
                : {
                    aws_vpc_security_group_ingress_rule: Object.fromEntries(
                      cidrs.map((c, i) => [`r${i}`, { security_group_id: "${aws_security_group.g.id}", ip_protocol: protocol, ...(all.includes(protocol) ? {} : ports), [v6(c) ? "cidr_ipv6" : "cidr_ipv4"]: c }]),
                    ),
                    aws_security_group: { g: { description: "g" } },
                  };
          const f = judge(resource, ["sg-no-world-admin-ports"]);
          return f.length > 0 && f.every((x) => x.severity === "error");
        },
      ),
      { seed: Number(process.env.BULWARK_FUZZ_SEED ?? 14), numRuns: 200 },
    );
  });

  it("flags a NACL whose rules together let the world in, and honours a lower-numbered deny", () => {
    const rule = (n: number, cidr: string, action = "allow", extra: Record<string, unknown> = {}) => ({
      network_acl_id: "${aws_network_acl.a.id}", rule_number: n, egress: false, protocol: "6", rule_action: action, cidr_block: cidr, from_port: 22, to_port: 22, ...extra,
    });
    const acl = { aws_network_acl: { a: { vpc_id: "vpc-1", subnet_ids: ["subnet-1"] } } };
    const split = judge({ ...acl, aws_network_acl_rule: { lo: rule(100, "0.0.0.0/1"), hi: rule(110, "128.0.0.0/1") } }, ["nacl-no-world-admin-ports"]);
    expect(split.map((f) => f.address).sort()).toEqual(["aws_network_acl_rule.hi", "aws_network_acl_rule.lo"]);
    // A deny of most of the internet before the allow: not the world any more.
    const denied = judge({ ...acl, aws_network_acl_rule: { deny: rule(50, "0.0.0.0/1", "deny"), all: rule(100, "0.0.0.0/0") } }, ["nacl-no-world-admin-ports"]);
    expect(denied).toEqual([]);
    // A deny of one address before an allow of everything: still the world.
    const one = judge({ ...acl, aws_network_acl_rule: { deny: rule(50, "198.51.100.7/32", "deny"), all: rule(100, "0.0.0.0/0", "allow", { protocol: "all" }) } }, ["nacl-no-world-admin-ports"]);
    expect(one.map((f) => f.address)).toEqual(["aws_network_acl_rule.all"]);
    // A private range is never the world.
    expect(judge({ ...acl, aws_network_acl_rule: { p: rule(100, "10.0.0.0/8") } }, ["nacl-no-world-admin-ports"])).toEqual([]);
  });

  it("reads the whole of an expression: a secret late in a user data template is found", () => {
    const userData = `#!/bin/bash\necho \${var.environment}\n${"# padding line to push the secret far into the template\n".repeat(8)}export AWS_ACCESS_KEY_ID=AKIAABCDEFGHIJKLMNOP\n`;
    expect(judge({ aws_instance: { i: { ami: "ami-12345678", user_data: userData } } }, ["no-secrets-in-user-data"]).map((f) => f.severity)).toEqual(["error"]);
  });

  it("judges unknown sources as unverifiable, never as a pass", () => {
    const f = judge({ aws_vpc_security_group_ingress_rule: { r: { security_group_id: "sg-1", ip_protocol: "tcp", from_port: 22, to_port: 22, cidr_ipv4: "${var.admin_cidr}", description: "SSH" } } }, ["sg-no-world-admin-ports"]);
    expect(f).toHaveLength(1);
    expect(f[0]).toMatchObject({ severity: "unverifiable" });
    expect(f[0].message).toMatch(/\$\{var\.admin_cidr\}/);
  });
});

describe("coverage", () => {
  it("flags 8080 open to the world as an unauthorized (EC2.18) and high-risk (EC2.19) port, 443 as neither", () => {
    const open = (port: number) => ({ aws_security_group: { g: { description: "g", ingress: [{ protocol: "tcp", from_port: port, to_port: port, cidr_blocks: ["0.0.0.0/0"], description: "x" }] } } });
    const ids = ["sg-no-world-unauthorized-ports", "sg-no-world-high-risk-ports", "sg-no-world-admin-ports"];
    expect(judge(open(8080), ids).map((f) => f.ruleId).sort()).toEqual(["sg-no-world-high-risk-ports", "sg-no-world-unauthorized-ports"]);
    expect(judge(open(8443), ids).map((f) => f.ruleId)).toEqual(["sg-no-world-unauthorized-ports"]);
    expect(judge(open(443), ids)).toEqual([]);
    const dir = dirWith({ "main.tf.json": { resource: open(8443) } });
    expect(checkJson(dir, "--scope", "resource", "--authorized-ports", "443,8443").report!.findings.filter((f) => f.ruleId === "sg-no-world-unauthorized-ports")).toEqual([]);
    expect(bulwark(["check", dir, "--authorized-ports", "80,http"]).stderr.trim()).toBe('bulwark: --authorized-ports 80,http: "http" is not a port 0-65535');
  });

  it("reports 22 open to the world once, under sg-no-world-admin-ports, with EC2.19 among its controls in JSON and SARIF", () => {
    const resource = { aws_security_group: { g: { description: "g", ingress: [{ protocol: "tcp", from_port: 22, to_port: 22, cidr_blocks: ["0.0.0.0/0"], description: "SSH" }] } } };
    const ids = ["sg-no-world-unauthorized-ports", "sg-no-world-high-risk-ports", "sg-no-world-admin-ports"];
    const found = judge(resource, ids).filter((f) => f.ruleId !== "sg-no-world-unauthorized-ports");
    expect(found.map((f) => [f.ruleId, f.address])).toEqual([["sg-no-world-admin-ports", "aws_security_group.g"]]);
    expect(found[0].controls.securityHub).toEqual(expect.arrayContaining(["EC2.19", "EC2.13", "EC2.53"]));

    const dir = dirWith({ "main.tf.json": { resource } });
    const json = checkJson(dir, "--scope", "resource").report!.findings.find((f) => f.ruleId === "sg-no-world-admin-ports")!;
    expect(json.controls.securityHub).toContain("EC2.19");
    const sarif = JSON.parse(bulwark(["check", dir, "--scope", "resource", "--format", "sarif"]).stdout);
    const result = sarif.runs[0].results.find((r: { ruleId: string }) => r.ruleId === "sg-no-world-admin-ports");
    expect(result.properties.controls.securityHub).toContain("EC2.19");
    expect(result.properties.tags).toEqual(expect.arrayContaining(["security", "EC2.19", "EC2.13"]));
  });

  it("judges spot instance requests, launch configurations, instance root volumes and the default NACL", () => {
    expect(judge({ aws_spot_instance_request: { s: { ami: "ami-12345678", instance_type: "t3.micro" } } }, ["ec2-imdsv2"]).map((f) => f.address)).toEqual(["aws_spot_instance_request.s"]);
    expect(judge({ aws_launch_configuration: { c: { image_id: "ami-12345678", instance_type: "t3.micro", associate_public_ip_address: true } } }, ["lt-imdsv2", "lt-no-public-ip"]).map((f) => f.ruleId).sort()).toEqual(["lt-imdsv2", "lt-no-public-ip"]);
    expect(judge({ aws_instance: { i: { ami: "ami-12345678", root_block_device: { encrypted: true } } } }, ["ebs-cmk"]).map((f) => f.subject)).toEqual(["block device root"]);
    expect(judge({ aws_vpc: { v: { cidr_block: "10.0.0.0/16" } } }, ["vpc-default-nacl-managed"]).map((f) => f.address)).toEqual(["aws_vpc.v"]);
  });

  it("lets an instance's own metadata_options win over its launch template's", () => {
    const resource = {
      aws_launch_template: { t: { metadata_options: { http_tokens: "required" } } },
      aws_instance: { i: { launch_template: { id: "${aws_launch_template.t.id}" }, metadata_options: { http_tokens: "optional" } }, j: { launch_template: { id: "${aws_launch_template.t.id}" } } },
    };
    expect(judge(resource, ["ec2-imdsv2"]).map((f) => f.address)).toEqual(["aws_instance.i"]);
  });
});

describe("suppressions need reasons wherever they are written", () => {
  const suppressed = (suppressions: unknown) => dirWith({ "main.tf.json": { resource: { aws_sns_topic: { t: { name: "t", "//": { bulwark: { suppressions } } } } } } });
  it.each([
    ["no reason", [{ ruleId: "sns-encrypted" }], /suppression 1 \(sns-encrypted\): reason is missing/],
    ["an empty reason", [{ ruleId: "sns-encrypted", reason: "  " }], /reason "  ": a suppression must say why/],
    ["null in the list", [null], /suppression 1 must be \{ ruleId, reason \}, not null/],
    ["not a list", "all", /must be a list of \{ ruleId, reason \}, not a string/],
  ])("refuses %s with exit 2 and one line", (_what, suppressions, message) => {
    const run = bulwark(["check", suppressed(suppressions)]);
    expect(run.status).toBe(2);
    expect(run.stderr.trim()).toMatch(message);
    expect(run.stderr.trim().split("\n")).toHaveLength(1);
  });
});

describe("account-level rules", () => {
  const workload = () => dirWith({ "main.tf.json": { provider: { aws: [{ region: "eu-west-1", allowed_account_ids: ["111111111111"] }] }, resource: { aws_sns_topic: { t: { name: "t", kms_master_key_id: "k" } } } } });

  it("are judged only with --scope account or all, under an address naming account and region", () => {
    expect(checkJson(workload(), "--scope", "resource")).toMatchObject({ status: 0, report: { summary: { errors: 0, scopes: ["resource"] } } });
    const all = checkJson(workload());
    expect(all.status).toBe(1);
    const addresses = new Set(all.report!.findings.map((f) => f.address));
    expect([...addresses]).toEqual(["account/111111111111/eu-west-1"]);
    expect(all.report!.summary.scopes).toEqual(["resource", "account"]);
  });

  it("are suppressible like any other finding", () => {
    const dir = workload();
    fs.writeFileSync(
      path.join(dir, "bulwark-suppressions.yaml"),
      ALL_RULES.filter((r) => r.scope === "account").map((r) => `- rule: ${r.id}\n  address: account/111111111111/*\n  reason: the baseline lives in the platform repository\n`).join(""),
    );
    const run = checkJson(dir);
    expect(run.status).toBe(0);
    expect(run.report!.findings.length).toBeGreaterThan(0);
    expect(run.report!.findings.every((f) => f.suppressed)).toBe(true);
  });
});

describe("type-confused and hostile input: exit 2, one line, never judged clean", () => {
  const cases: [string, Record<string, string>, string?][] = [
    ["a manifest stack that is null", { "manifest.json": '{"stacks":{"dev":null}}' }],
    ["a manifest whose stacks is a list", { "manifest.json": '{"stacks":[]}' }],
    ["a *.tf.json holding null", { "main.tf.json": "null" }],
    ["a *.tf.json holding 42", { "main.tf.json": "42" }],
    ["a *.tf.json holding []", { "main.tf.json": "[]" }],
    ["a resource section that is a string", { "main.tf.json": '{"resource": "aws_instance"}' }],
    ["a resource body that is a number", { "main.tf.json": '{"resource": {"aws_instance": {"a": 1}}}' }],
    ["deep nesting", { "main.tf.json": `{"resource": {"aws_instance": {"a": {"tags": ${"[".repeat(10000)}${"]".repeat(10000)}}}}}` }],
  ];
  it.each(cases)("%s", (_what, files) => {
    const run = bulwark(["check", dirWith(files)]);
    expect(run.status).toBe(2);
    expect(run.stderr.trim().split("\n")).toHaveLength(1);
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });

  it.each([
    ["resource_changes as an object", { format_version: "1.2", resource_changes: {} }],
    ["a planned resource without an address", { format_version: "1.2", planned_values: { root_module: { resources: [{ type: "aws_instance", name: "a" }] } } }],
    ["child_modules as a string", { format_version: "1.2", planned_values: { root_module: { child_modules: "x" } } }],
    ["values as a list", { format_version: "1.2", planned_values: { root_module: { resources: [{ address: "aws_instance.a", type: "aws_instance", name: "a", values: [] }] } } }],
  ])("a plan with %s", (_what, plan) => {
    const file = path.join(tmp("plan"), "plan.json");
    fs.writeFileSync(file, JSON.stringify(plan));
    const run = bulwark(["check", file]);
    expect(run.status).toBe(2);
    expect(run.stderr.trim().split("\n")).toHaveLength(1);
  });
});

describe("plans: module instances, empty blocks, unknown values (Terraform in the loop)", () => {
  // One configuration, planned offline once: two instances of a local module, only one with a
  // flow log; an instance whose plan writes absent blocks as []; an instance profile known only
  // after apply; a security group opened to the world split in halves.
  let plan: ReturnType<typeof runRules>;
  // An inline rule in JSON syntax names every argument.
  const ruleBlock = { description: "rule", ipv6_cidr_blocks: [], prefix_list_ids: [], security_groups: [], self: false };
  beforeAll(() => {
    const dir = tmp("plan-config");
    fs.mkdirSync(path.join(dir, "vpc"));
    fs.writeFileSync(
      path.join(dir, "vpc", "main.tf.json"),
      JSON.stringify({
        variable: { flow: { type: "bool" } },
        resource: {
          aws_vpc: { this: { cidr_block: "10.0.0.0/16" } },
          aws_flow_log: { this: { count: "${var.flow ? 1 : 0}", vpc_id: "${aws_vpc.this.id}", traffic_type: "ALL", log_destination: "arn:aws:s3:::flow-logs" } },
        },
      }),
    );
    fs.writeFileSync(
      path.join(dir, "main.tf.json"),
      JSON.stringify({
        provider: { aws: [{ region: "eu-west-1" }] },
        module: { net: { source: "./vpc", for_each: { a: true, b: false }, flow: "${each.value}" } },
        resource: {
          aws_iam_role: { r: { name: "r", assume_role_policy: '{"Version":"2012-10-17","Statement":[]}' } },
          aws_iam_instance_profile: { p: { name: "p", role: "${aws_iam_role.r.name}" } },
          aws_instance: {
            bare: { ami: "ami-12345678", instance_type: "t3.micro", subnet_id: "subnet-12345678", associate_public_ip_address: false, monitoring: true },
            profiled: { ami: "ami-12345678", instance_type: "t3.micro", subnet_id: "subnet-12345678", associate_public_ip_address: false, monitoring: true, iam_instance_profile: "${aws_iam_instance_profile.p.name}", metadata_options: { http_tokens: "required" } },
          },
          aws_security_group: { g: { name: "g", description: "g", vpc_id: "vpc-12345678" } },
          // Default groups of VPCs outside the configuration: a VPC by literal id, the default VPC (no vpc_id).
          aws_default_security_group: {
            legacy: { vpc_id: "vpc-12345678", ingress: [{ ...ruleBlock, protocol: "tcp", from_port: 22, to_port: 22, cidr_blocks: ["203.0.113.0/24"] }] },
            default_vpc: { egress: [{ ...ruleBlock, protocol: "-1", from_port: 0, to_port: 0, cidr_blocks: ["0.0.0.0/0"] }] },
            closed: { vpc_id: "vpc-87654321" },
          },
          aws_vpc_security_group_ingress_rule: {
            lo: { security_group_id: "${aws_security_group.g.id}", ip_protocol: "6", from_port: 3389, to_port: 3389, cidr_ipv4: "0.0.0.0/1", description: "RDP" },
            hi: { security_group_id: "${aws_security_group.g.id}", ip_protocol: "6", from_port: 3389, to_port: 3389, cidr_ipv4: "128.0.0.0/1", description: "RDP" },
          },
        },
      }),
    );
    init(dir);
    const file = path.join(dir, "plan.json");
    fs.writeFileSync(file, JSON.stringify(offlinePlan(dir)));
    plan = runRules(loadInput(file).resources, ALL_RULES, { scope: "resource" });
  });
  const hits = (rule: string) => plan.findings.filter((f) => f.ruleId === rule).map((f) => `${f.severity} ${f.address}`).sort();

  it("joins a flow log only to the VPC of its own module instance", () => {
    expect(hits("vpc-flow-logs")).toEqual(['error module.net["b"].aws_vpc.this']);
  });

  it("reads [] as no block: an instance without metadata_options is judged, not skipped", () => {
    expect(hits("ec2-imdsv2")).toEqual(["error aws_instance.bare"]);
  });

  it("follows an instance profile known only after apply to its role", () => {
    expect(hits("ssm-managed")).toEqual(["error aws_instance.bare", "error aws_instance.profiled"]);
    expect(plan.findings.find((f) => f.ruleId === "ssm-managed" && f.address === "aws_instance.profiled")!.message).toMatch(/role lacks AmazonSSMManagedInstanceCore/);
  });

  it("judges default security groups whose VPC the plan does not hold, each once, on its own address", () => {
    expect(hits("vpc-default-sg-closed")).toEqual([
      "error aws_default_security_group.default_vpc",
      "error aws_default_security_group.legacy",
      // The module's VPCs have no default group of their own: the default VPC's group is not theirs.
      'error module.net["a"].aws_vpc.this',
      'error module.net["b"].aws_vpc.this',
    ]);
  });

  it("judges a group's rules together: halves of the world are the world", () => {
    expect(hits("sg-no-world-admin-ports")).toEqual(["error aws_vpc_security_group_ingress_rule.hi", "error aws_vpc_security_group_ingress_rule.lo"]);
  });
});

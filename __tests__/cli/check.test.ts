import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import "@microsoft/jest-sarif";
import { referenceSynth, SynthRun } from "../support/app";
import { bulwark, bulwarkProcess } from "../support/cli";
import { offlinePlanOf } from "../support/terraform";

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace jest {
    interface Matchers<R> {
      toBeValidSarifLog(): R;
    }
  }
}

interface JsonReport {
  findings: { ruleId: string; controls: Record<string, string[]>; severity: string; stack: string; address: string; constructPath?: string; message: string; suppressed: boolean }[];
  summary: { errors: number; warnings: number; unverifiable: number; suppressed: number; scopes: string[] };
}

let synth: SynthRun;
beforeAll(() => {
  synth = referenceSynth();
});

/** A copy of the synthesized examples with `mutate` applied to one stack's JSON. */
function mutatedCopy(stack: string, mutate: (json: any) => void): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bulwark-mutant-"));
  fs.cpSync(synth.outdir, dir, { recursive: true });
  const file = path.join(dir, "stacks", stack, "cdk.tf.json");
  const json = JSON.parse(fs.readFileSync(file, "utf8"));
  mutate(json);
  fs.writeFileSync(file, JSON.stringify(json, null, 2));
  return dir;
}

describe("bulwark check on the reference environments", () => {
  it("exits 0 with no finding: every row of the control table is met", () => {
    const run = bulwark(["check", synth.outdir, "--format", "json"]);
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    const report = JSON.parse(run.stdout) as JsonReport;
    expect(report.findings).toEqual([]);
    expect(report.summary).toEqual({ errors: 0, warnings: 0, unverifiable: 0, suppressed: 0, scopes: ["resource", "account"] });
  });

  it("writes valid SARIF 2.1.0 with rule help and control ids", () => {
    const run = bulwark(["check", synth.outdir, "--format", "sarif"]);
    const sarif = JSON.parse(run.stdout);
    expect(sarif).toBeValidSarifLog();
    expect(sarif.version).toBe("2.1.0");
    const rule = sarif.runs[0].tool.driver.rules.find((r: { id: string }) => r.id === "lt-imdsv2");
    expect(rule.help.text).toContain("EC2.170");
    for (const result of sarif.runs[0].results) expect(sarif.runs[0].tool.driver.rules[result.ruleIndex].id).toBe(result.ruleId);
  });

  it("lists the rules with their controls", () => {
    const run = bulwark(["check", "--list-rules"]);
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^lt-ebs-encrypted\s+error\s+resource\s+Launch template EBS volumes are encrypted \[EC2\.181\]$/m);
  });
});

describe("bulwark check catches injected regressions with their control ids", () => {
  const cases: [string, (json: any) => void, string, string, RegExp][] = [
    ["IMDSv1 on a launch template", (j) => (Object.values<any>(j.resource.aws_launch_template)[0].metadata_options.http_tokens = "optional"), "lt-imdsv2", "EC2.170", /aws_launch_template\./],
    ["an unencrypted launch-template volume", (j) => (Object.values<any>(j.resource.aws_launch_template)[0].block_device_mappings[0].ebs.encrypted = "false"), "lt-ebs-encrypted", "EC2.181", /aws_launch_template\./],
    [
      "a world-open SSH rule in a NACL",
      (j) => (j.resource.aws_network_acl_rule["injected"] = { network_acl_id: "${aws_network_acl.x.id}", rule_number: 50, egress: false, protocol: "6", rule_action: "allow", cidr_block: "0.0.0.0/0", from_port: 22, to_port: 22 }),
      "nacl-no-world-admin-ports",
      "EC2.21",
      /aws_network_acl_rule\.injected/,
    ],
    [
      "a world-open RDP rule in a security group",
      (j) => (j.resource.aws_vpc_security_group_ingress_rule["injected"] = { security_group_id: "sg-1", ip_protocol: "tcp", from_port: 3389, to_port: 3389, cidr_ipv4: "0.0.0.0/0", description: "RDP" }),
      "sg-no-world-admin-ports",
      "EC2.54",
      /aws_vpc_security_group_ingress_rule\.injected/,
    ],
    ["a removed flow log", (j) => delete j.resource.aws_flow_log, "vpc-flow-logs", "EC2.6", /aws_vpc\./],
    [
      "a CloudTrail trail without log file validation",
      (j) => (Object.values<any>(j.resource.aws_cloudtrail)[0].enable_log_file_validation = false),
      "cloudtrail-log-validation",
      "CloudTrail.4",
      /aws_cloudtrail\.audit_trail/,
    ],
  ];

  it.each(cases)("%s", (_what, mutate, ruleId, control, address) => {
    const dir = mutatedCopy("dev", mutate);
    const run = bulwark(["check", dir, "--format", "json"]);
    expect(run.status).toBe(1);
    const report = JSON.parse(run.stdout) as JsonReport;
    const hits = report.findings.filter((f) => f.ruleId === ruleId && !f.suppressed);
    expect(hits.length).toBeGreaterThan(0);
    expect(hits[0].stack).toBe("dev");
    expect(hits[0].address).toMatch(address);
    expect(hits[0].controls.securityHub).toContain(control);
    expect(report.summary.errors).toBeGreaterThan(0);
  });

  it("prints the text report one line per finding, naming rule, controls and construct path", () => {
    const dir = mutatedCopy("dev", (j) => (Object.values<any>(j.resource.aws_launch_template)[0].metadata_options.http_put_response_hop_limit = 3));
    const run = bulwark(["check", dir]);
    expect(run.status).toBe(1);
    expect(run.stdout).toMatch(/^error\s+ec2-imds-hop-limit \[AutoScaling\.4 · CKV_AWS_341\] dev\/aws_launch_template\.app_template \(dev\/app\/template\): metadata hop limit is 3$/m);
  });

  it("reads a suppression file next to plain Terraform JSON", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bulwark-plain-"));
    fs.writeFileSync(path.join(dir, "main.tf.json"), JSON.stringify({ resource: { aws_sns_topic: { alerts: { name: "alerts" } } } }));
    expect(bulwark(["check", dir, "-f", "json"]).status).toBe(1);
    fs.writeFileSync(path.join(dir, "bulwark-suppressions.yaml"), "- rule: sns-encrypted\n  address: aws_sns_topic.alerts\n  reason: public status feed, no sensitive content\n");
    const run = bulwark(["check", dir, "-f", "json"]);
    const report = JSON.parse(run.stdout) as JsonReport;
    expect(report.findings.find((f) => f.ruleId === "sns-encrypted")).toMatchObject({ suppressed: true });
    expect(report.summary.suppressed).toBe(1);
  });
});

describe("bulwark check on a real plan", () => {
  it("reads `terraform show -json` output of an offline plan and judges the planned values", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bulwark-check-plan-"));
    const planFile = path.join(dir, "plan.json");
    fs.writeFileSync(planFile, JSON.stringify(offlinePlanOf(synth.stacks.dev, "dev")));
    const run = bulwark(["check", planFile, "--format", "json"]);
    const report = JSON.parse(run.stdout) as JsonReport;
    expect(report.findings).toEqual([]);

    const plan = JSON.parse(fs.readFileSync(planFile, "utf8"));
    const lt = plan.planned_values.root_module.resources.find((r: { type: string }) => r.type === "aws_launch_template");
    lt.values.metadata_options[0].http_tokens = "optional";
    fs.writeFileSync(planFile, JSON.stringify(plan));
    const bad = JSON.parse(bulwark(["check", planFile, "--format", "json"]).stdout) as JsonReport;
    expect(bad.findings.filter((f) => f.ruleId === "lt-imdsv2").map((f) => f.address)).toEqual([lt.address]);
  });
});

describe("bulwark check on bad input", () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "bulwark-bad-"));
  fs.writeFileSync(path.join(tmp, "broken.json"), "{ not json");
  fs.writeFileSync(path.join(tmp, "other.json"), JSON.stringify({ hello: "world" }));
  fs.writeFileSync(path.join(tmp, "future-plan.json"), JSON.stringify({ format_version: "2.0", planned_values: {} }));

  it.each([
    ["a missing path", ["check", path.join(tmp, "nope")], /^bulwark: .*nope: no such file or directory$/],
    ["malformed JSON", ["check", path.join(tmp, "broken.json")], /^bulwark: .*broken\.json: is not valid JSON/],
    ["JSON that is neither config nor plan", ["check", path.join(tmp, "other.json")], /^bulwark: .*other\.json: is neither a Terraform JSON configuration nor a plan/],
    ["an unsupported plan format", ["check", path.join(tmp, "future-plan.json")], /format_version 2\.0 is not supported/],
    ["a directory with nothing to read", ["check", fs.mkdtempSync(path.join(os.tmpdir(), "bulwark-empty-"))], /holds no cdktf manifest\.json and no \*\.tf\.json/],
    ["an unknown format", ["check", tmp, "--format", "xml"], /^bulwark: --format xml: must be one of text, json, sarif, md$/],
    ["an unknown option", ["check", "--frobnicate"], /unknown option/],
  ])("exits 2 on %s with one line and no stack trace", (_what, args, message) => {
    const run = bulwark(args);
    expect(run.status).toBe(2);
    expect(run.stderr.trim()).toMatch(message);
    expect(run.stderr.trim().split("\n")).toHaveLength(1);
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });
});

describe("bulwark --version", () => {
  it("prints the package version and exits 0", () => {
    const run = bulwark(["--version"]);
    expect(run.status).toBe(0);
    expect(run.stdout.trim()).toBe(JSON.parse(fs.readFileSync(path.join(__dirname, "..", "..", "package.json"), "utf8")).version);
  });
});

describe("the CLI thread of the tests (support/cli.ts) answers as the bulwark binary does", () => {
  it("the same exit status, stdout and stderr, call for call: reports, an svg drawn asynchronously, findings, bad input (a hostile path too), usage errors, help", () => {
    const open = mutatedCopy("dev", (json) => {
      const group = Object.values(json.resource.aws_security_group as Record<string, any>)[0];
      group.ingress = [{ from_port: 22, to_port: 22, protocol: "tcp", cidr_blocks: ["0.0.0.0/0"], description: "ssh" }];
    });
    const out = fs.mkdtempSync(path.join(os.tmpdir(), "bulwark-cli-thread-"));
    const calls = [
      ["check", synth.outdir],
      ["check", open, "--format", "json"],
      ["check", synth.outdir, "--format", "x"],
      ["check", path.join(out, "missing")],
      ["check", "--help"],
      ["diff", "--base", synth.outdir, "--head", open],
      ["diff", "--base", synth.outdir],
      ["check", path.join(out, "no\nsuch \u2028file")],
      ["exposure", open, "--format", "mermaid"],
      ["exposure", open, "--format", "svg"],
      ["publish", "--out", path.join(out, "modules"), "--module", "kms-key"],
      ["publish", "--module", "no-such-module"],
      ["check", "--no-such-option"],
    ];
    const answers = calls.map((args) => [bulwark(args), bulwarkProcess(args)]);
    for (const [i, [thread, proc]] of answers.entries()) expect([calls[i], thread]).toEqual([calls[i], proc]);
    // The calls cover every exit status: success (0), findings (1), bad input and usage (2).
    expect(new Set(answers.map(([t]) => t.status))).toEqual(new Set([0, 1, 2]));
  });
});

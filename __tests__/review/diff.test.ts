import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { referenceSynth, SynthRun } from "../support/app";
import { bulwark } from "../support/cli";
import { init, offlinePlanOf, terraform } from "../support/terraform";
import { diffConfigs, diffPlans } from "../../review/diff";
import { COMMENT_LIMIT, diffMarkdown, MARKER } from "../../review/markdown";

interface DiffJson {
  summary: { create: number; update: number; delete: number; replace: number };
  changes: { stack: string; address: string; actions: string[]; constructPath?: string }[];
  findings: { introduced: { ruleId: string; address: string; controls: Record<string, string[]> }[]; resolved: { ruleId: string }[] };
}

let synth: SynthRun;
beforeAll(() => {
  synth = referenceSynth();
});

function mutated(mutate: (dev: any) => void): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bulwark-head-"));
  fs.cpSync(synth.outdir, dir, { recursive: true });
  const file = path.join(dir, "stacks", "dev", "cdk.tf.json");
  const json = JSON.parse(fs.readFileSync(file, "utf8"));
  mutate(json);
  fs.writeFileSync(file, JSON.stringify(json));
  return dir;
}

describe("bulwark diff --base --head (no terraform, no credentials)", () => {
  it("reports no change for identical inputs", () => {
    const run = bulwark(["diff", "--base", synth.outdir, "--head", synth.outdir, "--format", "json"]);
    expect(run.status).toBe(0);
    const out = JSON.parse(run.stdout) as DiffJson;
    expect(out).toEqual({
      summary: { create: 0, update: 0, delete: 0, replace: 0 },
      changes: [],
      findings: { introduced: [], resolved: [], suppressed: [] },
      dangerous: [],
      exposure: { opened: [], closed: [] },
    });
  });

  it("reports creates, updates, replaces and deletes with construct paths, and each introduced finding", () => {
    const head = mutated((j) => {
      Object.values<any>(j.resource.aws_launch_template)[0].metadata_options.http_tokens = "optional";
      delete j.resource.aws_flow_log;
      j.resource.aws_vpc_security_group_ingress_rule.injected = { security_group_id: "sg-1", ip_protocol: "tcp", from_port: 3389, to_port: 3389, cidr_ipv4: "0.0.0.0/0", description: "rdp" };
      const rules = j.resource.aws_network_acl_rule;
      rules[Object.keys(rules).sort()[0]].rule_number = 77;
    });
    const run = bulwark(["diff", "--base", synth.outdir, "--head", head, "--format", "json"]);
    const out = JSON.parse(run.stdout) as DiffJson;
    expect(out.summary).toEqual({ create: 1, update: 1, delete: 1, replace: 1 });
    const by = Object.fromEntries(out.changes.map((c) => [c.address, c]));
    expect(by["aws_launch_template.app_template"]).toEqual({ stack: "dev", address: "aws_launch_template.app_template", actions: ["update"], constructPath: "dev/app/template" });
    expect(by["aws_flow_log.network_flow-log"].actions).toEqual(["delete"]);
    expect(by["aws_vpc_security_group_ingress_rule.injected"].actions).toEqual(["create"]);
    expect(out.changes.find((c) => c.actions[0] === "replace")!.address).toMatch(/^aws_network_acl_rule\./);
    expect(out.findings.introduced.map((f) => f.ruleId).sort()).toEqual(["lt-imdsv2", "sg-no-world-admin-ports", "sg-no-world-unauthorized-ports", "vpc-flow-logs"]);
    expect(out.findings.introduced.find((f) => f.ruleId === "lt-imdsv2")!.controls.securityHub).toEqual(["EC2.170"]);
    expect(out.findings.resolved).toEqual([]);
  });

  it("reports findings a change resolves", () => {
    const bad = mutated((j) => (Object.values<any>(j.resource.aws_launch_template)[0].metadata_options.http_tokens = "optional"));
    const out = JSON.parse(bulwark(["diff", "--base", bad, "--head", synth.outdir, "--format", "json"]).stdout) as DiffJson;
    expect(out.findings.resolved.map((f) => f.ruleId)).toEqual(["lt-imdsv2"]);
    expect(out.findings.introduced).toEqual([]);
  });

  it("names a rename and gives the moved block that avoids destroy-and-recreate", () => {
    const head = mutated((j) => {
      const groups = j.resource.aws_cloudwatch_log_group;
      groups["app_log-auth-v2"] = groups["app_log-auth"];
      delete groups["app_log-auth"];
    });
    const result = diffConfigs(synth.outdir, head);
    const change = result.changes.find((c) => c.address === "aws_cloudwatch_log_group.app_log-auth-v2")!;
    expect(change.actions).toEqual(["replace"]);
    expect(change.previousAddress).toBe("aws_cloudwatch_log_group.app_log-auth");
    expect(change.movedBlock).toBe("moved {\n  from = aws_cloudwatch_log_group.app_log-auth\n  to   = aws_cloudwatch_log_group.app_log-auth-v2\n}");
    expect(change.danger).toMatch(/replaces a stateful or security resource/);
    const md = diffMarkdown(result);
    expect(md).toContain("moved {");
  });

  it("pairs a rename that also changes the Name tag, and lists the tag as an in-place update", () => {
    const head = mutated((j) => {
      const rules = j.resource.aws_vpc_security_group_egress_rule;
      const [oldKey] = Object.keys(rules).filter((k) => k.endsWith("_out-dns-udp")).sort();
      const moved = structuredClone(rules[oldKey]);
      delete rules[oldKey];
      moved["//"].metadata.path = `${moved["//"].metadata.path}-v2`;
      moved.tags = { ...moved.tags, Name: `${moved.tags?.Name ?? "dns-udp"}-v2` };
      rules[`${oldKey}-v2`] = moved;
    });
    const result = diffConfigs(synth.outdir, head);
    const [change] = result.changes.filter((c) => c.type === "aws_vpc_security_group_egress_rule");
    expect(result.changes.filter((c) => c.type === "aws_vpc_security_group_egress_rule")).toHaveLength(1);
    expect(change.actions).toEqual(["replace"]);
    expect(change.movedBlock).toMatch(/^moved \{\n  from = aws_vpc_security_group_egress_rule\..*_out-dns-udp\n  to   = aws_vpc_security_group_egress_rule\..*_out-dns-udp-v2\n\}$/);
    expect(change.attributes.map((a) => a.path)).toEqual(["tags.Name"]);
    expect(change.reason).toMatch(/with the moved block it updates the attributes below in place/);
  });

  it("does not pair renames it cannot tell apart", () => {
    const base = fs.mkdtempSync(path.join(os.tmpdir(), "bulwark-ambiguous-base-"));
    const head = fs.mkdtempSync(path.join(os.tmpdir(), "bulwark-ambiguous-head-"));
    const topic = (name: string) => ({ kms_master_key_id: "k", tags: { Name: name } });
    fs.writeFileSync(path.join(base, "main.tf.json"), JSON.stringify({ resource: { aws_sns_topic: { a: topic("a"), b: topic("b") } } }));
    fs.writeFileSync(path.join(head, "main.tf.json"), JSON.stringify({ resource: { aws_sns_topic: { c: topic("c"), d: topic("d") } } }));
    expect(diffConfigs(base, head).changes.map((c) => `${c.actions.join()} ${c.address}`).sort()).toEqual([
      "create aws_sns_topic.c",
      "create aws_sns_topic.d",
      "delete aws_sns_topic.a",
      "delete aws_sns_topic.b",
    ]);
  });

  it("gates: --fail-on finding and --fail-on delete exit 1; a clean change exits 0", () => {
    const head = mutated((j) => delete j.resource.aws_flow_log);
    expect(bulwark(["diff", "--base", synth.outdir, "--head", head, "--fail-on", "finding"]).status).toBe(1);
    expect(bulwark(["diff", "--base", synth.outdir, "--head", head, "--fail-on", "delete"]).status).toBe(1);
    expect(bulwark(["diff", "--base", synth.outdir, "--head", head, "--fail-on", "replace"]).status).toBe(0);
  });

  it("writes Markdown with the marker and the summary outside any collapsed block, dangerous changes first", () => {
    const head = mutated((j) => delete j.resource.aws_flow_log);
    const md = bulwark(["diff", "--base", synth.outdir, "--head", head]).stdout;
    expect(md.startsWith(`${MARKER}\n### bulwark diff: 0 to create, 0 to update, 0 to replace, 1 to destroy`)).toBe(true);
    const firstDetails = md.indexOf("<details>");
    // Columns that are zero for every stack are left out.
    expect(md.indexOf("| stack | destroy |\n|---|---|\n| dev | 1 |\n")).toBeGreaterThan(0);
    expect(md.indexOf("| dev | 1 |")).toBeLessThan(firstDetails);
    expect(md.indexOf("Dangerous changes")).toBeLessThan(md.indexOf("Findings introduced"));
    expect(md.indexOf("**Compliance:** 1 finding(s) introduced (1 error), 0 resolved (0 errors)")).toBeLessThan(firstDetails);
  });

  it("says so when a change introduces and resolves no finding", () => {
    const head = mutated((j) => (Object.values<any>(j.resource.aws_launch_template)[0].instance_type = "t3.small"));
    const md = bulwark(["diff", "--base", synth.outdir, "--head", head]).stdout;
    expect(md).toContain("| stack | update |\n|---|---|\n| dev | 1 |\n");
    expect(md).toContain("**Compliance:** no findings introduced or resolved");
    expect(md).not.toContain("Findings introduced");
  });
});

describe("the comment size cap", () => {
  it("keeps a huge diff within one GitHub comment, summary intact, with a note where the full report is", () => {
    const base = fs.mkdtempSync(path.join(os.tmpdir(), "bulwark-huge-base-"));
    const head = fs.mkdtempSync(path.join(os.tmpdir(), "bulwark-huge-head-"));
    const topics = (tag: string) => ({ resource: { aws_sns_topic: Object.fromEntries(Array.from({ length: 3000 }, (_, i) => [`t${i}`, { name: `topic-${i}`, kms_master_key_id: "k", tags: { v: tag, note: "x".repeat(40) } }])) } });
    fs.writeFileSync(path.join(base, "main.tf.json"), JSON.stringify(topics("a")));
    fs.writeFileSync(path.join(head, "main.tf.json"), JSON.stringify(topics("b")));
    const result = diffConfigs(base, head);
    expect(result.changes).toHaveLength(3000);
    const md = diffMarkdown(result, { fullReport: "the job's bulwark-diff.md artifact" });
    expect(md.length).toBeLessThanOrEqual(COMMENT_LIMIT);
    expect(md).toContain("| 3000 |");
    expect(md).toMatch(/Cut to fit one comment: the details of \d+ resource\(s\) and 0 other row\(s\) are not shown\. The full report is in the job's bulwark-diff\.md artifact\.\n$/);
    expect(diffMarkdown(result, { limit: Number.MAX_SAFE_INTEGER }).length).toBeGreaterThan(COMMENT_LIMIT);
  });
});

describe("bulwark diff --plan with plans made by terraform", () => {
  it("reports every create of an offline plan of a reference stack", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bulwark-diff-plan-"));
    const planFile = path.join(dir, "dev.json");
    fs.writeFileSync(planFile, JSON.stringify(offlinePlanOf(synth.stacks.dev, "dev")));
    const out = JSON.parse(bulwark(["diff", "--plan", planFile, "--format", "json"]).stdout) as DiffJson;
    const managed = Object.values(synth.stacks.dev.resource ?? {}).reduce((n, byName) => n + Object.keys(byName).length, 0);
    expect(out.summary).toEqual({ create: managed, update: 0, delete: 0, replace: 0 });
    expect(out.changes.every((c) => c.stack === "dev" && c.actions.join() === "create")).toBe(true);
    expect(out.findings.introduced).toEqual([]);
    // With the synthesized output the plan came from, each address names its construct path.
    const named = JSON.parse(bulwark(["diff", "--plan", planFile, "--synth", synth.outdir, "--format", "json"]).stdout) as DiffJson;
    expect(named.changes.find((c) => c.address === "aws_launch_template.app_template")!.constructPath).toBe("dev/app/template");
    expect(named.changes.every((c) => typeof c.constructPath === "string")).toBe(true);
  });

  it("reports updates, replacements with the attributes that force them, deletes and output changes", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bulwark-tfdata-"));
    const v1 = {
      resource: { terraform_data: { keep: { input: "one" }, change: { input: "before" }, rebuild: { input: "x", triggers_replace: ["v1"] }, gone: { input: "bye" } } },
      output: { version: { value: "v1" } },
    };
    fs.writeFileSync(path.join(dir, "main.tf.json"), JSON.stringify(v1));
    init(dir);
    terraform(dir, ["apply", "-auto-approve", "-input=false"]);
    const v2 = {
      resource: { terraform_data: { keep: { input: "one" }, change: { input: "after" }, rebuild: { input: "x", triggers_replace: ["v2"] }, fresh: { input: "hello" } } },
      output: { version: { value: "v2" } },
    };
    fs.writeFileSync(path.join(dir, "main.tf.json"), JSON.stringify(v2));
    terraform(dir, ["plan", "-input=false", "-out=change.tfplan"]);
    const planFile = path.join(dir, "app.json");
    fs.writeFileSync(planFile, terraform(dir, ["show", "-json", "change.tfplan"]).stdout);

    const result = diffPlans([planFile]);
    expect(result.stacks.app).toMatchObject({ create: 1, update: 1, replace: 1, delete: 1 });
    const by = Object.fromEntries(result.changes.map((c) => [c.address, c]));
    expect(by["terraform_data.change"].attributes).toContainEqual({ path: "input", before: '"before"', after: '"after"' });
    expect(by["terraform_data.change"].attributes).toContainEqual({ path: "output", before: '"before"', after: "(known after apply)" });
    expect(by["terraform_data.rebuild"].actions).toEqual(["replace"]);
    expect(by["terraform_data.rebuild"].reason).toBe("replace_because_cannot_update");
    expect(by["terraform_data.rebuild"].attributes.find((a) => a.path === "triggers_replace")).toEqual({ path: "triggers_replace", before: '["v1"]', after: '["v2"]', forcesReplacement: true });
    expect(by["terraform_data.gone"].actions).toEqual(["delete"]);
    expect(result.outputs).toEqual([{ stack: "app", name: "version", before: '"v1"', after: '"v2"' }]);
    const md = diffMarkdown(result);
    expect(md).toContain("<code>triggers&#95;replace</code> (forces replacement)");
  });
});

describe("bulwark diff on bad input", () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "bulwark-diff-bad-"));
  fs.writeFileSync(path.join(tmp, "config.json"), JSON.stringify({ resource: {} }));
  fs.writeFileSync(path.join(tmp, "future.json"), JSON.stringify({ format_version: "9.0", resource_changes: [] }));
  it.each([
    ["a JSON that is not a plan", ["diff", "--plan", path.join(tmp, "config.json")], /is not a plan from `terraform show -json`/],
    ["an unsupported format_version", ["diff", "--plan", path.join(tmp, "future.json")], /format_version 9\.0 is not supported/],
    ["a missing directory", ["diff", "--base", path.join(tmp, "nope"), "--head", tmp], /--base .*nope: no such directory/],
    ["both modes at once", ["diff", "--plan", path.join(tmp, "future.json"), "--base", tmp, "--head", tmp], /give either --plan/],
    ["an unknown gate", ["diff", "--base", tmp, "--head", tmp, "--fail-on", "update"], /--fail-on update: must be/],
  ])("exits 2 on %s with one line and no stack trace", (_what, args, message) => {
    const run = bulwark(args);
    expect(run.status).toBe(2);
    expect(run.stderr.trim().split("\n").pop()).toMatch(message);
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });
});

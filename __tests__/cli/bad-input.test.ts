/**
 * Bad input never crashes the CLI: an answer is exit 0, 1 or 2, and 2 comes with one line naming
 * what is wrong (the option, the path, the field), never a stack trace. Random JSON and
 * plan-shaped and configuration-shaped objects with random values go through check, diff and
 * exposure as the CLI calls them; output paths, plans and publish targets are tried by hand.
 */
import * as fc from "fast-check";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { check } from "../../cli/check";
import { diff } from "../../cli/diff";
import { errorLine } from "../../cli/errors";
import { exposure } from "../../cli/exposure";
import { bulwark, CliRun } from "../support/cli";

const tmp = (prefix: string) => fs.mkdtempSync(path.join(os.tmpdir(), `bulwark-bad-input-${prefix}-`));

/** The one error line of a run that exited 2: bulwark's progress lines (`bulwark diff: ...`) aside. */
function expectOneLine(run: CliRun, message: RegExp): void {
  expect(run.status).toBe(2);
  expect(run.stderr).not.toMatch(/\n\s+at /);
  const lines = run.stderr.trim().split("\n").filter((l) => !/^bulwark [a-z]+: /.test(l));
  expect(lines).toEqual([expect.stringMatching(message)]);
}

const clean = { resource: { aws_sns_topic: { alerts: { name: "alerts", kms_master_key_id: "alias/aws/sns" } } } };

describe("--output into a folder that does not exist", () => {
  const dir = tmp("output");
  fs.writeFileSync(path.join(dir, "main.tf.json"), JSON.stringify(clean));
  fs.writeFileSync(path.join(dir, "notes.txt"), "mine\n");
  const missing = path.join(dir, "no", "such", "report.txt");

  it.each([
    ["check", ["check", dir]],
    ["exposure", ["exposure", dir]],
    ["diff", ["diff", "--base", dir, "--head", dir]],
  ])("%s: exit 2, one line naming the option and the path, nothing created", (_cmd, args) => {
    expectOneLine(bulwark([...args, "--output", missing]), new RegExp(`^bulwark: --output ${missing}: the directory ${path.dirname(missing)} does not exist; create it first`));
    expect(fs.existsSync(path.join(dir, "no"))).toBe(false);
    // A file in the way is named as a file, not as a missing directory.
    expectOneLine(bulwark([...args, "--output", path.join(dir, "notes.txt", "deeper", "report.txt")]), /: .*notes\.txt is a file, not a directory$/);
    expectOneLine(bulwark([...args, "--output", dir]), /: is a directory; name a file/);
    expect(fs.readFileSync(path.join(dir, "notes.txt"), "utf8")).toBe("mine\n");
  });

  it("writes the report when the folder exists", () => {
    const out = path.join(dir, "report.json");
    const run = bulwark(["check", dir, "--scope", "resource", "--format", "json", "--output", out]);
    expect([run.status, run.stdout, run.stderr]).toEqual([0, "", ""]);
    expect(JSON.parse(fs.readFileSync(out, "utf8")).summary.errors).toBe(0);
  });
});

describe("bulwark diff --plan on bad input", () => {
  const dir = tmp("plans");
  const write = (name: string, text: string) => {
    fs.writeFileSync(path.join(dir, name), text);
    return path.join(dir, name);
  };
  const plan = write("ok.json", JSON.stringify({ format_version: "1.2", resource_changes: [] }));

  it.each([
    ["resource_changes that is an object", write("object.json", '{"format_version":"1.2","resource_changes":{}}'), /object\.json: resource_changes must be a list, not an object$/],
    ["resource_changes that is a string", write("string.json", '{"format_version":"1.2","resource_changes":"all"}'), /string\.json: resource_changes must be a list, not a string$/],
    ["a change whose actions are not a list", write("actions.json", '{"format_version":"1.2","resource_changes":[{"address":"aws_vpc.a","type":"aws_vpc","change":{"actions":"create"}}]}'), /resource_changes\[0\]\.change\.actions must be a list, not a string$/],
    ["values nested 10,000 deep", write("deep.json", `{"format_version":"1.2","resource_changes":[{"address":"aws_vpc.a","type":"aws_vpc","change":{"actions":["create"],"after":{"tags":${"[".repeat(10000)}${"]".repeat(10000)}}}}]}`), /deep\.json: nests deeper than 256 levels/],
  ])("%s: exit 2 with one line", (_what, file, message) => {
    expectOneLine(bulwark(["diff", "--plan", file]), message);
  });

  it("refuses --plan with --head, and with --base and --head, in one line", () => {
    expectOneLine(bulwark(["diff", "--plan", plan, "--head", dir]), /^bulwark: give either --plan PLAN\.json\.\.\. \[--base DIR\] or --base DIR --head DIR$/);
    expectOneLine(bulwark(["diff", "--plan", plan, "--base", dir, "--head", dir]), /^bulwark: give either --plan/);
    expectOneLine(bulwark(["diff", "--plan", plan, "--base", path.join(dir, "nope")]), /^bulwark: --base .*nope: no such directory$/);
  });
});

describe("bulwark publish --out", () => {
  it("refuses a relative path through a missing folder before any work, naming the parent", () => {
    const cwd = tmp("publish");
    const run = bulwark(["publish", "--out", path.join("no", "such", "modules")], cwd);
    expectOneLine(run, /^bulwark: --out no\/such\/modules: the parent directory no\/such does not exist; create it first$/);
    expect(run.stderr).not.toMatch(/\[1\//);
    expect(fs.readdirSync(cwd)).toEqual([]);
  });

  it("names an existing file as a file, never as a missing directory", () => {
    const cwd = tmp("publish-file");
    fs.writeFileSync(path.join(cwd, "notes.txt"), "mine\n");
    expectOneLine(bulwark(["publish", "--out", "notes.txt"], cwd), /^bulwark: --out notes\.txt: is a file, not a directory$/);
    expectOneLine(bulwark(["publish", "--out", path.join("notes.txt", "modules")], cwd), /^bulwark: --out notes\.txt\/modules: notes\.txt is a file, not a directory$/);
    expectOneLine(bulwark(["publish", "--out", path.join("notes.txt", "a", "modules")], cwd), /^bulwark: --out notes\.txt\/a\/modules: notes\.txt is a file, not a directory$/);
    expect(fs.readdirSync(cwd)).toEqual(["notes.txt"]);
    expect(fs.readFileSync(path.join(cwd, "notes.txt"), "utf8")).toBe("mine\n");
  });
});

describe("random JSON through check, diff and exposure (property)", () => {
  const types = ["aws_vpc", "aws_subnet", "aws_security_group", "aws_default_security_group", "aws_vpc_security_group_ingress_rule", "aws_security_group_rule", "aws_network_acl", "aws_network_acl_rule", "aws_instance", "aws_launch_template", "aws_autoscaling_group", "aws_lb", "aws_route_table", "aws_route", "aws_flow_log", "aws_kms_key", "aws_cloudtrail", "aws_iam_role", "aws_iam_instance_profile", "aws_sns_topic", "aws_cloudwatch_log_group", "aws_wafv2_web_acl"];
  const attributes = [
    "cidr_block", "cidr_blocks", "ipv6_cidr_blocks", "cidr_ipv4", "cidr_ipv6", "ingress", "egress", "from_port", "to_port", "protocol", "ip_protocol", "vpc_id", "subnet_id", "subnet_ids", "security_group_id",
    "security_groups", "vpc_security_group_ids", "metadata_options", "block_device_mappings", "root_block_device", "ebs_block_device", "launch_template", "mixed_instances_policy", "instance_refresh", "user_data", "associate_public_ip_address",
    "map_public_ip_on_launch", "network_interfaces", "iam_instance_profile", "role", "rule_number", "rule_action", "route", "kms_key_id", "encrypted", "tags", "policy", "name", "id", "arn", "description", "self", "lifecycle", "//",
  ];
  const json = fc.jsonValue({ maxDepth: 3 });
  /** Mostly the shape Terraform writes, now and then any JSON in its place. */
  const mostly = <T>(shaped: fc.Arbitrary<T>) => fc.oneof({ arbitrary: shaped as fc.Arbitrary<unknown>, weight: 8 }, { arbitrary: json as fc.Arbitrary<unknown>, weight: 1 });
  const address = fc.oneof(
    { arbitrary: fc.constantFrom("aws_vpc.a", "aws_security_group.g", "aws_default_security_group.d", 'module.m["x"].aws_instance.i[0]', "data.aws_ami.x", "aws_launch_template.t", "aws_autoscaling_group.g", "aws_network_acl.n"), weight: 6 },
    { arbitrary: fc.string({ maxLength: 12 }), weight: 1 },
  );
  const type = mostly(fc.constantFrom(...types));
  const name = mostly(fc.constantFrom("a", "g", "t", "d", "i"));
  // Attribute values: any JSON, or blocks (one, or a list) holding attributes the rules read.
  const inner = [...attributes, "http_tokens", "http_put_response_hop_limit", "http_endpoint", "ebs", "device_name", "version", "enabled", "kms_master_key_id"];
  const block = fc.dictionary(fc.constantFrom(...inner), fc.oneof(json, fc.dictionary(fc.constantFrom(...inner), json, { maxKeys: 3 })), { maxKeys: 4 });
  const values = mostly(fc.dictionary(fc.constantFrom(...attributes), fc.oneof(json, block, fc.array(block, { maxLength: 2 })), { maxKeys: 6 }));
  const planResource = mostly(fc.record({ address, type, name, mode: mostly(fc.constantFrom("managed", "data")), index: mostly(fc.constantFrom(0, "x")), values, provider_name: mostly(fc.constantFrom("registry.terraform.io/hashicorp/aws", "registry.terraform.io/hashicorp/awz")) }, { requiredKeys: ["address", "type", "name"] }));
  const valuesModule = fc.letrec<{ mod: unknown }>((tie) => ({
    mod: mostly(fc.record({ address: json, resources: mostly(fc.array(planResource, { maxLength: 4 })), child_modules: mostly(fc.array(tie("mod"), { maxLength: 2, depthIdentifier: "values" })) }, { requiredKeys: [] })),
  })).mod;
  const reference = fc.oneof(address, fc.constantFrom("var.x", "local.y", "module.m.out", "module.m", "each.key", "count.index", "aws_launch_template.t.latest_version", "aws_launch_template.t.id"));
  const expression = mostly(fc.record({ references: mostly(fc.array(reference, { maxLength: 3 })), constant_value: json }, { requiredKeys: [] }));
  const expressions = mostly(fc.dictionary(fc.constantFrom(...attributes, "version"), fc.oneof(expression, fc.array(fc.dictionary(fc.constantFrom("id", "name", "version"), expression), { maxLength: 1 })), { maxKeys: 4 }));
  const configModule = fc.letrec<{ mod: unknown }>((tie) => ({
    mod: mostly(
      fc.record(
        {
          resources: mostly(fc.array(mostly(fc.record({ address, mode: mostly(fc.constantFrom("managed", "data")), type, name, expressions }, { requiredKeys: ["address"] })), { maxLength: 3 })),
          module_calls: mostly(fc.dictionary(fc.constantFrom("m", "n"), mostly(fc.record({ expressions, module: tie("mod") }, { requiredKeys: [] })), { maxKeys: 2, depthIdentifier: "calls" })),
          outputs: mostly(fc.dictionary(fc.constantFrom("out", "id"), mostly(fc.record({ expression })), { maxKeys: 2 })),
        },
        { requiredKeys: [] },
      ),
    ),
  })).mod;
  const change = mostly(
    fc.record(
      {
        actions: mostly(fc.array(fc.constantFrom("create", "delete", "update", "no-op", "read", "forget"), { maxLength: 2 })),
        before: values,
        after: values,
        after_unknown: fc.oneof(fc.boolean(), values),
        before_sensitive: fc.oneof(fc.boolean(), values),
        after_sensitive: fc.oneof(fc.boolean(), values),
        replace_paths: mostly(fc.array(fc.array(fc.oneof(fc.constantFrom(...attributes), fc.nat(3)), { maxLength: 2 }), { maxLength: 2 })),
        importing: json,
      },
      { requiredKeys: ["actions"] },
    ),
  );
  const resourceChange = mostly(fc.record({ address, type, name, mode: mostly(fc.constantFrom("managed", "data")), change, previous_address: mostly(address), action_reason: mostly(fc.constantFrom("replace_because_tainted", "replace_by_request")), provider_name: mostly(fc.constantFrom("registry.terraform.io/hashicorp/aws", "registry.terraform.io/hashicorp/awz")) }, { requiredKeys: ["address", "type", "change"] }));
  const providerConfig = mostly(fc.dictionary(fc.constantFrom("aws", "aws.x", "m:aws"), mostly(fc.record({ name: mostly(fc.constant("aws")), alias: json, version_constraint: json, expressions: mostly(fc.dictionary(fc.constantFrom("region", "allowed_account_ids", "assume_role"), expression)) }, { requiredKeys: [] }))));
  const plan = fc.record(
    {
      format_version: mostly(fc.constantFrom("1.2", "1.0")),
      terraform_version: json,
      resource_changes: mostly(fc.array(resourceChange, { maxLength: 4 })),
      resource_drift: mostly(fc.array(resourceChange, { maxLength: 2 })),
      output_changes: mostly(fc.dictionary(fc.string({ maxLength: 5 }), change, { maxKeys: 2 })),
      planned_values: mostly(fc.record({ root_module: valuesModule }, { requiredKeys: [] })),
      prior_state: mostly(fc.record({ values: mostly(fc.record({ root_module: valuesModule }, { requiredKeys: [] })) }, { requiredKeys: [] })),
      configuration: mostly(fc.record({ root_module: configModule, provider_config: providerConfig }, { requiredKeys: [] })),
    },
    { requiredKeys: ["format_version"] },
  );
  const bodies = mostly(fc.dictionary(fc.oneof(fc.constantFrom("a", "b", "//"), fc.string({ maxLength: 6 })), values, { maxKeys: 3 }));
  const config = fc.record(
    {
      resource: mostly(fc.dictionary(fc.constantFrom(...types), bodies, { maxKeys: 4 })),
      data: json,
      module: json,
      provider: mostly(fc.record({ aws: mostly(fc.array(fc.dictionary(fc.constantFrom("region", "alias", "allowed_account_ids", "default_tags"), json, { maxKeys: 3 }), { maxLength: 2 })) })),
      terraform: json,
      variable: json,
      locals: json,
      output: json,
    },
    { requiredKeys: [] },
  );

  const root = tmp("property");
  const planFile = path.join(root, "plan", "plan.json");
  const configDir = path.join(root, "head");
  const baseDir = path.join(root, "base");
  for (const d of [path.dirname(planFile), configDir, baseDir]) fs.mkdirSync(d);
  fs.writeFileSync(path.join(baseDir, "main.tf.json"), JSON.stringify(clean));

  /** Runs one command as the CLI does: its exit status, or the one line it would print for exit 2. */
  function outcome(run: () => number | Promise<number>): { status: number; line?: string } {
    try {
      const status = run();
      if (typeof status !== "number") throw new Error("an svg was asked for");
      return { status };
    } catch (e) {
      const line = errorLine(e);
      if (line === undefined) throw e;
      return { status: 2, line };
    }
  }
  const sink = () => {};
  const expectAnswer = (o: { status: number; line?: string }) => {
    expect([0, 1, 2]).toContain(o.status);
    if (o.line !== undefined) {
      expect(o.line).toMatch(/^bulwark: \S/);
      expect(o.line).not.toMatch(/[\r\n]/);
      expect(o.line).not.toMatch(/\bat .*\.[jt]s:\d+/);
    }
  };
  /** check, diff and exposure on one file (a plan, or a configuration directory's only file). */
  function judgeAll(value: unknown, as: "plan" | "config", format: "md" | "json"): void {
    const text = JSON.stringify(value);
    if (as === "plan") {
      fs.writeFileSync(planFile, text);
      expectAnswer(outcome(() => check(planFile, { format: "json" }, sink)));
      expectAnswer(outcome(() => diff({ plan: [planFile], format }, sink, sink, {})));
      expectAnswer(outcome(() => exposure(planFile, { format: "text" }, sink)));
    } else {
      fs.writeFileSync(path.join(configDir, "main.tf.json"), text);
      expectAnswer(outcome(() => check(configDir, { format: "sarif" }, sink)));
      expectAnswer(outcome(() => diff({ base: baseDir, head: configDir, format }, sink, sink, {})));
      expectAnswer(outcome(() => exposure(configDir, { format: "json" }, sink)));
    }
  }
  const runs = { numRuns: 200, seed: 424242 };
  const formats = fc.constantFrom("md" as const, "json" as const);

  it("answers any JSON value with 0, 1 or 2 and, for 2, one line", () => {
    fc.assert(fc.property(json, fc.constantFrom("plan" as const, "config" as const), formats, (value, as, format) => judgeAll(value, as, format)), runs);
  });

  it("answers plan-shaped objects with random values in resource_changes, planned_values, prior_state and configuration", () => {
    fc.assert(fc.property(plan, formats, (value, format) => judgeAll(value, "plan", format)), runs);
  });

  it("answers configuration-shaped objects with random resources and values", () => {
    fc.assert(fc.property(config, formats, (value, format) => judgeAll(value, "config", format)), runs);
  });
});

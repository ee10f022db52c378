import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Testing } from "cdktf";
import { check } from "../../cli/check";
import { ROOT } from "../support/app";
import { bulwark } from "../support/cli";
import { resourcesOf, TfJson } from "../support/synth";

/**
 * docs/GUIDE.md as a user copies it: every ```ts block is a file (its first line `// name.ts`), all are
 * type-checked together against the repository's modules under the package's own import paths
 * (`bulwark/network` → what package.json's exports map names), and every program (`app.synth()`) is
 * synthesized with its compliance gate.
 */
const guide = fs.readFileSync(path.join(ROOT, "docs", "GUIDE.md"), "utf8");

function tsBlocks(markdown: string): { name: string; code: string }[] {
  return [...markdown.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((m) => {
    const name = /^\/\/ ([\w.-]+\.ts)\n/.exec(m[1])?.[1];
    if (!name) throw new Error(`a ts block of docs/GUIDE.md does not start with its file name (// name.ts): ${m[1].split("\n")[0]}`);
    return { name, code: m[1] };
  });
}

/** `bulwark` and `bulwark/<entry>` as the exports map resolves them, made relative to a directory one level below the root. */
function withRepositoryImports(code: string): string {
  const exportsMap = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")).exports as Record<string, { default: string }>;
  return code.replace(/from "bulwark((?:\/[\w-]+)?)"/g, (_, sub: string) => {
    const entry = exportsMap[`.${sub}`];
    if (!entry) throw new Error(`docs/GUIDE.md imports bulwark${sub}, which the package does not export`);
    return `from "../${entry.default.replace(/^\.\/dist\//, "").replace(/\.js$/, "")}"`;
  });
}

describe("docs/GUIDE.md", () => {
  const blocks = tsBlocks(guide);
  // Inside the repository tree, so the blocks resolve cdktf and the providers from its node_modules.
  const dir = fs.mkdtempSync(path.join(ROOT, ".guide-build-"));
  beforeAll(() => {
    for (const b of blocks) fs.writeFileSync(path.join(dir, b.name), withRepositoryImports(b.code));
    fs.writeFileSync(
      path.join(dir, "tsconfig.json"),
      JSON.stringify({ extends: "../tsconfig.json", compilerOptions: { incremental: false, types: ["node"] }, include: ["*.ts"] }),
    );
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("has the blocks the guide is about: the stack, its program, suppressions and a workload-only stack", () => {
    expect(blocks.map((b) => b.name)).toEqual(["workload.ts", "main.ts", "batch.ts", "workload-only.ts"]);
  });

  it("type-checks every block with tsc", () => {
    const res = spawnSync(process.execPath, [require.resolve("typescript/bin/tsc"), "-p", path.join(dir, "tsconfig.json")], { cwd: ROOT, encoding: "utf8" });
    expect(res.stdout + res.stderr).toBe("");
    expect(res.status).toBe(0);
  });

  /** Runs a program block in-process (its gate included) into a temp outdir; the stacks it wrote. */
  function synthProgram(name: string): { outdir: string; stacks: Record<string, TfJson> } {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "bulwark-guide-out-"));
    const before = process.env.CDKTF_OUTDIR;
    process.env.CDKTF_OUTDIR = outdir;
    try {
      jest.isolateModules(() => require(path.join(dir, name)));
    } finally {
      if (before === undefined) delete process.env.CDKTF_OUTDIR;
      else process.env.CDKTF_OUTDIR = before;
    }
    const manifest = JSON.parse(fs.readFileSync(path.join(outdir, "manifest.json"), "utf8")) as { stacks: Record<string, { synthesizedStackPath: string }> };
    const stacks = Object.fromEntries(Object.entries(manifest.stacks).map(([s, m]) => [s, JSON.parse(fs.readFileSync(path.join(outdir, m.synthesizedStackPath), "utf8")) as TfJson]));
    return { outdir, stacks };
  }

  const checkJson = (outdir: string) => {
    let out = "";
    const status = check(outdir, { format: "json", scope: "resource" }, (t) => (out += t));
    return { status, report: JSON.parse(out) as { findings: { ruleId: string; suppressed: boolean; suppressionReason?: string }[]; summary: { errors: number } } };
  };

  it("synthesizes the workload stack with Testing: hardened provider, no credential lookups, IMDSv2", () => {
    jest.isolateModules(() => {
      const { WorkloadStack } = require(path.join(dir, "workload.ts"));
      const props = { name: "test", accountId: "111111111111", region: "eu-west-1", availabilityZones: ["eu-west-1a", "eu-west-1b"], vpcCidr: "10.20.0.0/16", amiId: "ami-0123456789abcdef0", alarmEmail: "oncall@example.com" };
      const synthesized = Testing.synth(new WorkloadStack(Testing.app(), props));
      expect(Testing.toHaveResourceWithProperties(synthesized, "aws_launch_template", { metadata_options: { http_tokens: "required", http_put_response_hop_limit: 1 } })).toBe(true);
      const json = JSON.parse(synthesized);
      expect(json.provider.aws[0]).toMatchObject({ region: "eu-west-1", allowed_account_ids: ["111111111111"], default_tags: [{ tags: { environment: "test", owner: "platform", "managed-by": "bulwark" } }] });
      expect(synthesized).not.toMatch(/aws_caller_identity/);
      // The bad value the guide shows, as the one line it shows.
      const shown = /with\n`amiId: "ami-123"` above, for example:\n`([^`]+)`/.exec(guide)![1];
      expect(() => new WorkloadStack(Testing.app(), { ...props, name: "dev", amiId: "ami-123" })).toThrow(shown);
    });
  });

  it("synthesizes main.ts through the compliance gate, clean under bulwark check", () => {
    const { outdir, stacks } = synthProgram("main.ts");
    expect(Object.keys(stacks)).toEqual(["dev"]);
    const dev = stacks.dev;
    for (const type of ["aws_vpc", "aws_launch_template", "aws_autoscaling_group", "aws_cloudwatch_metric_alarm", "aws_sns_topic", "aws_security_group"]) {
      expect([type, Object.keys(resourcesOf(dev, type)).length > 0]).toEqual([type, true]);
    }
    expect(Object.keys(resourcesOf(dev, "aws_launch_template")).sort()).toEqual(["app_template", "bastion_launch-template_template"].sort());
    const { status, report } = checkJson(outdir);
    expect(report.summary.errors).toBe(0);
    expect(status).toBe(0);
  });

  it("records each weakened default of batch.ts as a suppression with its reason", () => {
    const { outdir } = synthProgram("batch.ts");
    const { status, report } = checkJson(outdir);
    expect(status).toBe(0);
    const reasons = report.findings.filter((f) => f.suppressed).map((f) => `${f.ruleId}: ${f.suppressionReason}`);
    expect(reasons).toEqual(
      expect.arrayContaining([
        "ec2-imds-hop-limit: the ECS agent in containers reads task credentials from IMDS",
        "ec2-detailed-monitoring: short-lived batch workers; one-minute metrics cost more than they tell",
        "sns-encrypted: the partner's bucket in another account publishes here and cannot use our KMS key",
      ]),
    );
  });

  it("synthesizes the workload-only stack with the shared key, clean at resource scope", () => {
    const { outdir, stacks } = synthProgram("workload-only.ts");
    const lt = Object.values(resourcesOf(stacks.reporting, "aws_launch_template"))[0];
    expect(lt.block_device_mappings[0].ebs.kms_key_id).toBe("arn:aws:kms:eu-central-1:333333333333:key/0b7c7a10-5a54-4f1c-9a9b-5f0b6c2d1e3f");
    expect(checkJson(outdir).status).toBe(0);
  });

  it("names only commands and flags the CLI has", () => {
    const help = (cmd: string) => bulwark([cmd, "--help"]).stdout;
    for (const [cmd, flags] of [["check", ["--scope", "--format", "--output"]], ["diff", ["--base", "--head", "--fail-on", "--plan"]], ["exposure", ["--format"]]] as const) {
      const text = help(cmd);
      for (const f of flags) expect([cmd, f, text.includes(f)]).toEqual([cmd, f, true]);
    }
  });
});

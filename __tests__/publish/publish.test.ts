import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { PUBLISHED_MODULES } from "../../publish";
import { AWS_MOCKS } from "../../publish/mocks";
import { bulwark } from "../support/cli";
import { init, offlinePlan, plannedCreates, terraform, terraformTest, validate } from "../support/terraform";

const FILES = ["README.md", "examples/basic/main.tf", "examples/basic/versions.tf", "main.tf", "outputs.tf", "tests/mocks/aws.tfmock.hcl", "variables.tf", "versions.tf"];

function listFiles(dir: string): string[] {
  return fs.readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => path.relative(dir, path.join(e.parentPath, e.name))).sort();
}

describe("bulwark publish", () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), "bulwark-publish-"));
  let run: ReturnType<typeof bulwark>;
  beforeAll(() => {
    run = bulwark(["publish", "--out", out]);
  });

  it("writes every module with the registry layout, reporting progress on stderr", () => {
    expect(run.status).toBe(0);
    const names = PUBLISHED_MODULES.map((m) => m.name);
    expect(names).toEqual(expect.arrayContaining(["launch-template", "network-acl", "bastion", "alarms", "network", "kms-key"]));
    for (const [i, name] of names.entries()) expect(run.stderr).toContain(`bulwark publish: [${i + 1}/${names.length}] ${name}:`);
    for (const name of names) {
      const files = listFiles(path.join(out, name));
      for (const f of FILES) expect([name, files.includes(f)]).toEqual([name, true]);
      expect(files.some((f) => /^tests\/[^/]+\.tftest\.hcl$/.test(f))).toBe(true);
    }
  });

  it("emits no provider or backend block, pins hashicorp/aws to a range and Terraform >= 1.7", () => {
    for (const m of PUBLISHED_MODULES) {
      const tf = ["main.tf", "variables.tf", "outputs.tf", "versions.tf"].map((f) => fs.readFileSync(path.join(out, m.name, f), "utf8")).join("\n");
      expect(tf).not.toMatch(/^provider\s/m);
      expect(tf).not.toMatch(/backend\s+"/);
      // terraform fmt aligns the `=` signs, so match the spacing loosely.
      expect(tf).toMatch(/source\s+=\s+"hashicorp\/aws"/);
      expect(tf).toMatch(/version\s+=\s+">= 5\.100, < 6\.0"/);
      expect(tf).toMatch(/required_version\s+=\s+">= 1\.7"/);
    }
  });

  it("documents every input and output in the README", () => {
    for (const m of PUBLISHED_MODULES) {
      const readme = fs.readFileSync(path.join(out, m.name, "README.md"), "utf8");
      for (const v of m.variables) expect(readme).toContain(`| \`${v.name}\` |`);
      for (const o of m.outputs) expect(readme).toContain(`| \`${o.name}\` |`);
      expect(readme).toContain("## Secure defaults");
    }
  });

  it("is deterministic: a second publish is byte-identical", () => {
    const again = fs.mkdtempSync(path.join(os.tmpdir(), "bulwark-publish-again-"));
    expect(bulwark(["publish", "--out", again]).status).toBe(0);
    for (const m of PUBLISHED_MODULES) {
      for (const f of listFiles(path.join(out, m.name))) {
        expect([m.name, f, fs.readFileSync(path.join(again, m.name, f), "utf8") === fs.readFileSync(path.join(out, m.name, f), "utf8")]).toEqual([m.name, f, true]);
      }
    }
    // No absolute paths of the machine that published.
    const grep = spawnSync("grep", ["-rl", out, again], { encoding: "utf8" });
    expect(grep.stdout.trim()).toBe("");
  });

  it("is clean under terraform fmt -check", () => {
    expect(terraform(out, ["fmt", "-check", "-recursive"]).status).toBe(0);
  });

  it("refuses an unknown module with one line and exit 2", () => {
    const bad = bulwark(["publish", "--out", out, "--module", "nope"]);
    expect(bad.status).toBe(2);
    expect(bad.stderr.trim()).toMatch(/^bulwark: --module nope: no such module; known: kms-key, launch-template/);
  });

  it("publishes a selection together with the modules it calls", () => {
    const some = fs.mkdtempSync(path.join(os.tmpdir(), "bulwark-publish-some-"));
    expect(bulwark(["publish", "--out", some, "--module", "bastion"]).status).toBe(0);
    expect(fs.readdirSync(some).sort()).toEqual(["bastion", "kms-key", "launch-template"]);
  });

  describe("a Terraform-only consumer composing network, network-acl, launch-template and alarms", () => {
    it("inits, validates, plans offline and passes terraform test", () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bulwark-consumer-"));
      fs.cpSync(path.join(__dirname, "..", "fixtures", "consumer"), dir, { recursive: true });
      fs.cpSync(out, path.join(dir, "modules"), { recursive: true });
      fs.mkdirSync(path.join(dir, "tests", "mocks"), { recursive: true });
      fs.writeFileSync(path.join(dir, "tests", "mocks", "aws.tfmock.hcl"), AWS_MOCKS);
      init(dir);
      expect(validate(dir).warnings).toEqual([]);
      const creates = plannedCreates(offlinePlan(dir));
      expect(creates).toEqual(expect.arrayContaining(["module.app.aws_launch_template.this", "module.network.aws_flow_log.this", 'module.app_acl.aws_network_acl_rule.this["https-endpoints-out"]', "module.alarms.aws_sns_topic.this"]));
      expect(terraformTest(dir)).toMatch(/Success! 1 passed, 0 failed\./);
    });
  });
});

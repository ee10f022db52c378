import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { PUBLISHED_MODULES } from "../../publish";
import { AWS_MOCKS } from "../../publish/mocks";
import { writeSafely } from "../../publish/write";
import { bulwark } from "../support/cli";
import { init, offlinePlan, plannedCreates, planWarnings, terraform, terraformTest } from "../support/terraform";

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
    expect(fs.readdirSync(some).sort()).toEqual([".bulwark-publish.json", "bastion", "kms-key", "launch-template"]);
  });

  describe("never touches a file it did not write", () => {
    const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), "bulwark-publish-safe-"));
    const USER_FILES: Record<string, string> = {
      "backup/2024-db-dump.sql": "-- the only copy\n",
      "terraform.tfvars": 'region = "eu-west-1"\n',
      ".terraform.lock.hcl": "# lock\n",
    };
    const seed = (dir: string, files: Record<string, string>) => {
      for (const [rel, text] of Object.entries(files)) {
        fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
        fs.writeFileSync(path.join(dir, rel), text);
      }
    };
    const expectFiles = (dir: string, files: Record<string, string>) => {
      for (const [rel, text] of Object.entries(files)) expect([rel, fs.readFileSync(path.join(dir, rel), "utf8")]).toEqual([rel, text]);
    };

    it.each([["--out ."], ["--out modules"]])("refuses a user's non-empty directory (%s) with one line and exit 2, deleting nothing", (how) => {
      const project = tmp();
      seed(project, USER_FILES);
      const target = how === "--out ." ? project : path.join(project, "modules");
      if (how === "--out modules") seed(target, USER_FILES);
      const before = listFiles(project);
      // All modules: one of them is named backup, like the user's folder.
      const res = bulwark(["publish", "--out", how === "--out ." ? "." : "modules"], project);
      expect(res.status).toBe(2);
      expect(res.stderr.trim().split("\n")).toHaveLength(1);
      expect(res.stderr).toMatch(/^bulwark: --out (\.|modules): is not empty and holds no \.bulwark-publish\.json of an earlier publish/);
      expect(listFiles(project)).toEqual(before);
      expectFiles(project, USER_FILES);
    });

    it("republishes over an earlier publish: the user's files stay, files no longer published go, a user file in the way is refused", () => {
      const target = path.join(tmp(), "modules");
      expect(bulwark(["publish", "--out", target, "--module", "bastion"]).status).toBe(0);
      const manifest = JSON.parse(fs.readFileSync(path.join(target, ".bulwark-publish.json"), "utf8"));
      expect(Object.keys(manifest.modules)).toEqual(["bastion", "kms-key", "launch-template"]);
      expect(manifest.modules.bastion).toEqual(listFiles(path.join(target, "bastion")));
      // The user works in the published tree: their files, an init, a stale file an older publish wrote.
      seed(target, USER_FILES);
      seed(path.join(target, "bastion"), { ...USER_FILES, "tests/old.tftest.hcl": "# from an older publish\n" });
      manifest.modules.bastion = [...manifest.modules.bastion, "tests/old.tftest.hcl"];
      fs.writeFileSync(path.join(target, ".bulwark-publish.json"), JSON.stringify(manifest));
      fs.writeFileSync(path.join(target, "bastion", "main.tf"), "# changed by hand, replaced by the next publish\n");

      const again = bulwark(["publish", "--out", target, "--module", "bastion", "--module", "alarms"]);
      expect([again.status, again.stderr]).toEqual([0, expect.any(String)]);
      expectFiles(target, USER_FILES);
      expectFiles(path.join(target, "bastion"), USER_FILES);
      expect(fs.existsSync(path.join(target, "bastion", "tests", "old.tftest.hcl"))).toBe(false);
      expect(fs.readFileSync(path.join(target, "bastion", "main.tf"), "utf8")).toContain('resource "aws_autoscaling_group"');
      expect(fs.readdirSync(target).filter((f) => f.includes("staging"))).toEqual([]);
      const after = JSON.parse(fs.readFileSync(path.join(target, ".bulwark-publish.json"), "utf8"));
      expect(Object.keys(after.modules)).toEqual(["alarms", "bastion", "kms-key", "launch-template"]);
      expect(after.modules.bastion).not.toContain("terraform.tfvars");

      // A file the publish would write but no publish wrote: refused, nothing changed.
      fs.rmSync(path.join(target, "alarms", "README.md"));
      const manifestBefore = fs.readFileSync(path.join(target, ".bulwark-publish.json"), "utf8");
      seed(target, { "cis-alarms/main.tf": "# the user's own\n" });
      const refused = bulwark(["publish", "--out", target, "--module", "cis-alarms"]);
      expect(refused.status).toBe(2);
      expect(refused.stderr.trim()).toMatch(/^bulwark: --out .*: cis-alarms\/main\.tf exists and was not written by bulwark publish; move it away or publish elsewhere \(nothing was changed\)$/);
      expect(fs.readFileSync(path.join(target, "cis-alarms", "main.tf"), "utf8")).toBe("# the user's own\n");
      expect(fs.readFileSync(path.join(target, ".bulwark-publish.json"), "utf8")).toBe(manifestBefore);
      expect(fs.readdirSync(path.join(target, "cis-alarms"))).toEqual(["main.tf"]);
    });

    it("leaves no staging folder when a publish fails after staging, and keeps what it did not write there", () => {
      const project = tmp();
      seed(project, USER_FILES);
      const target = path.join(project, "modules");
      let staged = "";
      const fail = (stagingDir: string) => {
        staged = stagingDir;
        fs.writeFileSync(path.join(stagingDir, "m", "sub", "stranger.txt"), "not publish's\n");
        throw new Error("terraform fmt failed");
      };
      expect(() => writeSafely(target, {}, { m: { "main.tf": "# a\n", "sub/x.tf": "# b\n" } }, fail)).toThrow(/terraform fmt failed/);
      // Of the staging folder only the stranger and the folders holding it are left; the user's files are untouched, no target made.
      expect(listFiles(staged)).toEqual([path.join("m", "sub", "stranger.txt")]);
      expectFiles(project, USER_FILES);
      expect(fs.existsSync(target)).toBe(false);
      fs.rmSync(path.join(staged, "m", "sub", "stranger.txt"));
      expect(() => writeSafely(target, {}, { m: { "main.tf": "# a\n" } }, () => {
        throw new Error("again");
      })).toThrow(/again/);
      expect(fs.readdirSync(project).filter((f) => f.includes("bulwark-publish") && f !== path.basename(staged))).toEqual([]);
    });

    it("refuses --out naming a file, a missing parent or an unwritable directory with one line and exit 2", () => {
      const dir = tmp();
      fs.writeFileSync(path.join(dir, "notes.txt"), "mine\n");
      const file = bulwark(["publish", "--out", path.join(dir, "notes.txt")]);
      const missing = bulwark(["publish", "--out", path.join(dir, "no", "such", "modules")]);
      // Root writes anywhere a mode allows nothing; a read-only filesystem refuses even root.
      let unwritable: string;
      if (process.getuid?.() === 0) unwritable = "/sys/bulwark-publish";
      else {
        fs.mkdirSync(path.join(dir, "ro"));
        fs.chmodSync(path.join(dir, "ro"), 0o555);
        unwritable = path.join(dir, "ro", "modules");
      }
      const ro = bulwark(["publish", "--out", unwritable]);
      for (const [res, pattern] of [
        [file, /^bulwark: --out .*notes\.txt: is a file, not a directory$/],
        [missing, /^bulwark: --out .*modules: the parent directory .*no\/such does not exist; create it first$/],
        [ro, /^bulwark: --out .*(bulwark-publish|modules): cannot write there \((EACCES|EPERM|EROFS)/],
      ] as const) {
        expect([res.status, res.stderr.trim().split("\n").length, res.stderr.trim()]).toEqual([2, 1, expect.stringMatching(pattern)]);
        expect(res.stderr).not.toMatch(/\s+at /);
      }
      expect(fs.readdirSync(dir).sort()).toEqual(process.getuid?.() === 0 ? ["notes.txt"] : ["notes.txt", "ro"]);
      expect(fs.readFileSync(path.join(dir, "notes.txt"), "utf8")).toBe("mine\n");
    });
  });

  describe("a Terraform-only consumer composing network, network-acl, launch-template, load-balancer and alarms with one key", () => {
    it("inits, validates, plans offline and passes terraform test", () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bulwark-consumer-"));
      fs.cpSync(path.join(__dirname, "..", "fixtures", "consumer"), dir, { recursive: true });
      fs.cpSync(out, path.join(dir, "modules"), { recursive: true });
      fs.mkdirSync(path.join(dir, "tests", "mocks"), { recursive: true });
      fs.writeFileSync(path.join(dir, "tests", "mocks", "aws.tfmock.hcl"), AWS_MOCKS);
      init(dir);
      const plan = offlinePlan(dir);
      expect(planWarnings(plan)).toEqual([]);
      const creates = plannedCreates(plan);
      expect(creates).toEqual(expect.arrayContaining(["module.app.aws_launch_template.this", "module.network.aws_flow_log.this[0]", 'module.network.module.acl["private"].aws_network_acl_rule.this["https-endpoints-out"]', "module.alarms.aws_sns_topic.this", "module.web.aws_lb.this", "module.web.aws_cloudwatch_log_group.waf"]));
      // One key, passed to every module that would otherwise create its own.
      expect(creates.filter((a) => a.endsWith("aws_kms_key.this"))).toEqual(["module.key.aws_kms_key.this"]);
      expect(terraformTest(dir)).toMatch(/Success! 1 passed, 0 failed\./);
    });
  });
});

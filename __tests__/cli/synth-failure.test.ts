/**
 * A synth that fails — a bad environment file, error findings, an app that stops — leaves nothing
 * that `bulwark check`, `bulwark diff` or `cdktf deploy --skip-synth` would take as current: no
 * manifest, no stack files, and a marker the readers quote in one line. What a synth did not write
 * stays; the next good synth makes the directory current again.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ROOT, referenceEnvironmentsDir } from "../support/app";
import { bulwark, CliRun } from "../support/cli";

const tmp = (prefix: string) => fs.mkdtempSync(path.join(os.tmpdir(), `bulwark-synth-failure-${prefix}-`));

/** `npm run synth` (the reference environments, on the fast path) into `outdir`. */
function mainSynth(outdir: string, envDir: string): CliRun {
  const res = spawnSync(process.execPath, [path.join(ROOT, "scripts", "run.mjs"), "main.ts"], { cwd: ROOT, env: { ...process.env, CDKTF_OUTDIR: outdir, BULWARK_ENVIRONMENTS_DIR: envDir }, encoding: "utf8" });
  return { status: res.status, stdout: res.stdout, stderr: res.stderr };
}

/** The output holds nothing current, keeps what no synth wrote, and every reader refuses it in one line naming the reason. */
function expectDiscarded(outdir: string, reason: RegExp, cwd = ROOT): void {
  expect(fs.existsSync(path.join(outdir, "manifest.json"))).toBe(false);
  expect(fs.existsSync(path.join(outdir, "checkov.baseline"))).toBe(false);
  const stackFiles = fs.existsSync(path.join(outdir, "stacks")) ? fs.readdirSync(path.join(outdir, "stacks"), { recursive: true }).map(String).filter((f) => /cdk\.tf(\.json)?$/.test(f)) : [];
  expect(stackFiles).toEqual([]);
  for (const args of [["check", outdir], ["diff", "--base", outdir, "--head", outdir]]) {
    const run = bulwark(args, cwd);
    expect(run.status).toBe(2);
    expect(run.stderr).not.toMatch(/\n\s+at /);
    const lines = run.stderr.trim().split("\n").filter((l) => !l.startsWith("bulwark diff: "));
    expect(lines).toEqual([expect.stringMatching(/: the last synth into it failed \(.+\); nothing in it is current: fix that and synthesize again$/)]);
    expect(lines[0]).toMatch(reason);
  }
}

describe("the reference environments' synth (npm run synth)", () => {
  const reference = referenceEnvironmentsDir();
  const outdir = tmp("main");
  /** A copy of the reference environment files with dev.yaml changed. */
  const envsWith = (edit: (dev: string) => string) => {
    const dir = tmp("envs");
    for (const f of fs.readdirSync(reference)) fs.copyFileSync(path.join(reference, f), path.join(dir, f));
    fs.writeFileSync(path.join(dir, "dev.yaml"), edit(fs.readFileSync(path.join(dir, "dev.yaml"), "utf8")));
    return dir;
  };
  const goodSynth = () => {
    const run = mainSynth(outdir, reference);
    expect([run.status, run.stderr]).toEqual([0, ""]);
    expect(fs.existsSync(path.join(outdir, "manifest.json"))).toBe(true);
  };

  beforeAll(() => {
    goodSynth();
    // Not written by a synth: stays through a failure.
    fs.writeFileSync(path.join(outdir, "stacks", "dev", "notes.txt"), "mine\n");
  });

  it("a bad environment file: one line, exit 1, and the earlier output is no longer taken as current", () => {
    const run = mainSynth(outdir, envsWith((dev) => dev.replace(/amiId: .*/, "amiId: ami-123")));
    expect(run.status).toBe(1);
    expect(run.stderr.trim()).toMatch(/^bulwark: .*dev\.yaml: amiId "ami-123" must be an AMI id/);
    expect(run.stderr.trim().split("\n")).toHaveLength(1);
    expectDiscarded(outdir, /amiId "ami-123"/);
    expect(fs.readFileSync(path.join(outdir, "stacks", "dev", "notes.txt"), "utf8")).toBe("mine\n");
  });

  it("stopped by findings after cdktf wrote every stack: nothing written is left to deploy", () => {
    goodSynth();
    // No account baseline in dev's account: the account-level rules fail on the written output.
    const run = mainSynth(outdir, envsWith((dev) => `${dev.trimEnd()}\naccountBaseline: false\n`));
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/^bulwark: synth stopped by \d+ compliance finding\(s\):\n/);
    expect(run.stderr).toMatch(/^cloudtrail-multi-region .* dev account\/111111111111\/eu-west-1: /m);
    expectDiscarded(outdir, /synth stopped by \d+ compliance finding\(s\)\)/);
  });

  it("the next good synth makes the output current again", () => {
    goodSynth();
    expect(fs.existsSync(path.join(outdir, "bulwark-synth-failed.txt"))).toBe(false);
    expect(bulwark(["check", outdir, "--format", "json"]).status).toBe(0);
    expect(fs.readFileSync(path.join(outdir, "stacks", "dev", "notes.txt"), "utf8")).toBe("mine\n");
  });
});

describe("bulwark synth on a user's app", () => {
  // An app that writes a cdktf output by hand (one stack, one SNS topic: encrypted, or not), and one that stops on bad input.
  const cwd = tmp("app");
  fs.writeFileSync(
    path.join(cwd, "write.ts"),
    [
      'import * as fs from "node:fs";',
      'import * as path from "node:path";',
      'const out = process.env.CDKTF_OUTDIR ?? "cdktf.out";',
      'fs.mkdirSync(path.join(out, "stacks", "app"), { recursive: true });',
      'const topic = process.argv.includes("plain") ? { name: "t" } : { name: "t", kms_master_key_id: "alias/aws/sns" };',
      'fs.writeFileSync(path.join(out, "stacks", "app", "cdk.tf.json"), JSON.stringify({ resource: { aws_sns_topic: { t: topic } } }));',
      'fs.writeFileSync(path.join(out, "manifest.json"), JSON.stringify({ version: "0.21.0", stacks: { app: { name: "app", synthesizedStackPath: "stacks/app/cdk.tf.json" } } }));',
      "",
    ].join("\n"),
  );
  fs.writeFileSync(path.join(cwd, "bad.ts"), ['const e = new Error(\'app.yaml: amiId "ami-1" must be an AMI id\');', 'e.name = "ConfigError";', "throw e;", ""].join("\n"));
  const outdir = path.join(cwd, "cdktf.out");
  const synth = (...args: string[]) => bulwark(["synth", ...args, "--scope", "resource"], cwd);

  it("an app that stops on bad input: one line, exit 1, the earlier output discarded", () => {
    expect(synth("write.ts").status).toBe(0);
    const run = synth("bad.ts");
    expect([run.status, run.stderr]).toEqual([1, 'bulwark: app.yaml: amiId "ami-1" must be an AMI id\n']);
    expectDiscarded(outdir, /amiId "ami-1"/, cwd);
  });

  it("an output with an error finding: exit 1, the output discarded; a clean synth makes it current again", () => {
    const run = synth("write.ts", "plain");
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/^bulwark: synth of app \(1 resources\) stopped by 1 compliance finding\(s\), its output in cdktf\.out removed:\nsns-encrypted /);
    expectDiscarded(outdir, /stopped by 1 compliance finding/, cwd);
    expect(synth("write.ts").status).toBe(0);
    expect(fs.existsSync(path.join(outdir, "bulwark-synth-failed.txt"))).toBe(false);
    expect(bulwark(["check", "cdktf.out", "--scope", "resource"], cwd).status).toBe(0);
  });
});

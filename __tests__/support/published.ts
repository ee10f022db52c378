import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { PUBLISHED_MODULES } from "../../publish";
import { AWS_MOCKS } from "../../publish/mocks";
import { bulwark } from "../support/cli";
import { init, terraform, warningsIn } from "../support/terraform";

/**
 * A module's own tests, run from a harness root: each `run` block gets a `module { source }`
 * naming the module, which is how `terraform test` tests another module than the root. Nothing
 * else of the file changes; `./tests/mocks` resolves in the root as it does in the module.
 */
export function aimedAt(testFile: string, source: string, file: string): string {
  if (/^\s+module\s*\{/m.test(testFile)) throw new Error(`${file}: a run block names a module already; the harness cannot aim it at ${source}`);
  const runs = testFile.match(/^run "[^"]+" \{\n/gm) ?? [];
  if (!runs.length) throw new Error(`${file}: no run block at the start of a line`);
  return testFile.replace(/^run "[^"]+" \{\n/gm, (head) => `${head}  module {\n    source = ${JSON.stringify(source)}\n  }\n`);
}

/** What `terraform test` said of one test file: its closing verdict and the run lines under it. */
export function fileResult(output: string, file: string): { verdict?: string; runs: string[] } {
  const lines = output.split("\n");
  const start = lines.indexOf(`${file}... in progress`);
  if (start < 0) return { runs: [] };
  const end = lines.findIndex((l, i) => i > start && new RegExp(`^${file.replace(/[.]/g, "\\.")}\\.\\.\\. (pass|fail|skip)$`).test(l));
  return { verdict: end < 0 ? undefined : /\.\.\. (\w+)$/.exec(lines[end])![1], runs: lines.slice(start + 1, end < 0 ? undefined : end).filter((l) => /^\s+run "/.test(l)).map((l) => l.trim()) };
}

/**
 * Terraform in the loop for half of the published modules (the other half is in the sibling
 * file, so the two jest workers share the work): every module's own terraform test, all of the
 * half in one `terraform test` of one root (one init, one provider schema load), which validates
 * each module first and prints the warnings `terraform validate` would (none allowed).
 */
export function moduleSuite(half: 0 | 1): void {
  const modules = PUBLISHED_MODULES.filter((_, i) => i % 2 === half);
  const root = fs.mkdtempSync(path.join(os.tmpdir(), `bulwark-publish-${half}-`));
  let output = "";
  let status: number | null = null;
  beforeAll(() => {
    const names = new Set<string>();
    for (const m of modules) {
      names.add(m.name);
      for (const dep of m.uses ?? []) names.add(dep);
    }
    const out = path.join(root, "modules");
    expect(bulwark(["publish", "--out", out, ...[...names].flatMap((n) => ["--module", n])]).status).toBe(0);
    // A root with no configuration is not initialized at all: this one only names the provider.
    fs.writeFileSync(path.join(root, "versions.tf"), 'terraform {\n  required_providers {\n    aws = { source = "hashicorp/aws" }\n  }\n}\n');
    fs.mkdirSync(path.join(root, "tests", "mocks"), { recursive: true });
    fs.writeFileSync(path.join(root, "tests", "mocks", "aws.tfmock.hcl"), AWS_MOCKS);
    for (const m of modules) {
      for (const f of fs.readdirSync(path.join(out, m.name, "tests")).filter((f) => f.endsWith(".tftest.hcl"))) {
        const text = fs.readFileSync(path.join(out, m.name, "tests", f), "utf8");
        fs.writeFileSync(path.join(root, "tests", `${m.name}--${f}`), aimedAt(text, `./modules/${m.name}`, `${m.name}/tests/${f}`));
      }
    }
    init(root);
    const res = terraform(root, ["test"], { allowFailure: true });
    output = `${res.stdout}\n${res.stderr}`;
    status = res.status;
  });

  describe.each(modules.map((m) => [m.name] as const))("module %s", (name) => {
    it("passes its own terraform test without warnings (hardening asserted, bad variables rejected)", () => {
      const files = fs.readdirSync(path.join(root, "tests")).filter((f) => f.startsWith(`${name}--`));
      expect(files.length).toBeGreaterThan(0);
      for (const f of files) {
        const result = fileResult(output, `tests/${f}`);
        // A failing file shows terraform's whole output: the diagnostics name the run and the module.
        if (result.verdict !== "pass") throw new Error(`tests/${f}: ${result.verdict ?? "not run"}\n${output}`);
        expect(result.runs.length).toBeGreaterThan(0);
        expect(result.runs.every((r) => r.endsWith("... pass"))).toBe(true);
        expect(result.runs.some((r) => /^run "(rejects|refuses)_/.test(r))).toBe(true);
      }
      expect(warningsIn(output).filter((w) => w.includes(`modules/${name}/`))).toEqual([]);
    });
  });

  it("ends the test run with success and no warning anywhere", () => {
    expect([status, warningsIn(output)]).toEqual([0, []]);
    expect(output).toMatch(/Success! \d+ passed, 0 failed\./);
  });
}

import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

const ROOT = path.resolve(__dirname, "..");

describe("project conventions", () => {
  const files = execFileSync("git", ["ls-files", "--cached", "--others", "--exclude-standard", "*.ts", "*.mjs"], { cwd: ROOT, encoding: "utf8" })
    .split("\n")
    .filter(Boolean);

  it("never imports the @cdktf/provider-aws package root (12× slower to load than deep imports)", () => {
    const offenders = files.filter((f) => /from\s+["']@cdktf\/provider-aws["']|require\(["']@cdktf\/provider-aws["']\)/.test(fs.readFileSync(path.join(ROOT, f), "utf8")));
    expect(files.length).toBeGreaterThan(10);
    expect(offenders).toEqual([]);
  });

  it("pins the cdktf stack exactly", () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));
    const deps = { ...pkg.dependencies, ...pkg.devDependencies };
    expect(deps).toMatchObject({ cdktf: "0.21.0", "cdktf-cli": "0.21.0", "@cdktf/provider-aws": "20.1.0" });
    expect(deps.constructs).toMatch(/^10\.4\.\d+$/);
    for (const [name, version] of Object.entries(deps)) expect([name, version]).toEqual([name, expect.stringMatching(/^\d+\.\d+\.\d+(-[0-9A-Za-z.]+)?$/)]);
  });
});

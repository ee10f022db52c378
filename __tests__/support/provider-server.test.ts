import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { mayShareProvider, mirroredProvider } from "./provider-server";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "bulwark-provider-server-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** A directory with these test files (`tests/<name>`, or the root for a name starting with `/`). */
function dirWith(name: string, files: Record<string, string>): string {
  const dir = path.join(tmp, name);
  fs.mkdirSync(path.join(dir, "tests"), { recursive: true });
  for (const [f, text] of Object.entries(files)) fs.writeFileSync(f.startsWith("/") ? path.join(dir, f.slice(1)) : path.join(dir, "tests", f), text);
  return dir;
}

const MOCKED = 'mock_provider "aws" {\n  source = "./tests/mocks"\n}\nrun "a" {\n  command = plan\n}\n';

describe("which terraform calls attach to the shared provider", () => {
  it("validate, show and graph always; plan, apply, destroy, init and console never", () => {
    const dir = dirWith("any", { "a.tftest.hcl": MOCKED });
    expect(["validate", "show", "graph", "plan", "apply", "destroy", "init", "console", "test"].map((c) => [c, mayShareProvider(dir, [c])])).toEqual([
      ["validate", true],
      ["show", true],
      ["graph", true],
      ["plan", false],
      ["apply", false],
      ["destroy", false],
      ["init", false],
      ["console", false],
      ["test", true],
    ]);
  });

  it("a test only when every file, in tests/ and the root, mocks the provider and configures no real one", () => {
    expect(mayShareProvider(dirWith("none", {}), ["test"])).toBe(false);
    expect(mayShareProvider(dirWith("root-too", { "a.tftest.hcl": MOCKED, "/b.tftest.hcl": MOCKED }), ["test"])).toBe(true);
    expect(mayShareProvider(dirWith("one-real", { "a.tftest.hcl": MOCKED, "b.tftest.hcl": 'run "b" {\n  command = plan\n}\n' }), ["test"])).toBe(false);
    expect(mayShareProvider(dirWith("root-real", { "a.tftest.hcl": MOCKED, "/b.tftest.hcl": 'run "b" {}\n' }), ["test"])).toBe(false);
    expect(mayShareProvider(dirWith("alias-real", { "a.tftest.hcl": `${MOCKED}provider "aws" {\n  alias  = "copy"\n  region = "eu-central-1"\n}\n` }), ["test"])).toBe(false);
    // A mock named in a comment is no mock.
    expect(mayShareProvider(dirWith("commented", { "a.tftest.hcl": '# mock_provider "aws" {}\nrun "a" {}\n' }), ["test"])).toBe(false);
  });
});

describe("the provider binary in a mirror", () => {
  it("is found for this platform and version, and missing otherwise", () => {
    const arch = process.arch === "x64" ? "amd64" : process.arch;
    const dir = path.join(tmp, "mirror", "registry.terraform.io", "hashicorp", "aws", "5.100.0", `${process.platform}_${arch}`);
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, "terraform-provider-aws_v5.100.0_x5"), "");
    expect(mirroredProvider(path.join(tmp, "mirror"), "5.100.0")).toBe(path.join(dir, "terraform-provider-aws_v5.100.0_x5"));
    expect(mirroredProvider(path.join(tmp, "mirror"), "5.99.0")).toBeUndefined();
    expect(mirroredProvider(path.join(tmp, "nowhere"), "5.100.0")).toBeUndefined();
  });
});

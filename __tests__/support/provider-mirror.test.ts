import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { findProviderMirror, noProviderMessage, providerSource, usualMirrorRoots } from "./provider-mirror";

/** The harness's provider detection, over a temporary directory tree standing in for the machine. */
function tree(files: string[]): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "bulwark-mirror-tree-"));
  for (const f of files) {
    fs.mkdirSync(path.dirname(path.join(root, f)), { recursive: true });
    fs.writeFileSync(path.join(root, f), "");
  }
  return root;
}
const UNPACKED = "registry.terraform.io/hashicorp/aws/5.100.0/linux_amd64/terraform-provider-aws_v5.100.0_x5";
const PACKED = "registry.terraform.io/hashicorp/aws/terraform-provider-aws_5.100.0_linux_amd64.zip";

describe("finding a provider mirror", () => {
  it("finds an unpacked or a packed mirror below a usual place and returns the directory holding registry.terraform.io", () => {
    const root = tree([`opt/tf-plugins/${UNPACKED}`, `share/terraform/vendor/mirror/${PACKED}`]);
    expect(findProviderMirror([path.join(root, "opt")])).toBe(path.join(root, "opt", "tf-plugins"));
    expect(findProviderMirror([path.join(root, "share")])).toBe(path.join(root, "share", "terraform", "vendor", "mirror"));
  });

  it("searches the places in order and ignores mirrors without the aws provider", () => {
    const root = tree([`a/other/registry.terraform.io/hashicorp/random/3.6.0/linux_amd64/terraform-provider-random_v3.6.0`, `b/m/${UNPACKED}`, `c/m/${UNPACKED}`]);
    expect(findProviderMirror(["a", "missing", "c", "b"].map((d) => path.join(root, d)))).toBe(path.join(root, "c", "m"));
    expect(findProviderMirror([path.join(root, "a")])).toBeUndefined();
  });

  it("stops 8 levels below a place and skips node_modules", () => {
    const root = tree([`1/2/3/4/5/6/7/8/9/${UNPACKED}`, `x/node_modules/m/${UNPACKED}`]);
    expect(findProviderMirror([root])).toBeUndefined();
    expect(findProviderMirror([path.join(root, "1", "2")])).toBe(path.join(root, "1/2/3/4/5/6/7/8/9"));
  });

  it("looks where .ci/run looks", () => {
    expect(usualMirrorRoots("/home/u")).toEqual(["/opt", "/usr/share/terraform", "/usr/local/share/terraform", "/home/u/.terraform.d", "/home/u/.local/share/terraform"]);
    expect(fs.readFileSync(path.join(__dirname, "..", "..", ".ci", "run"), "utf8")).toContain('for root in /opt /usr/share/terraform /usr/local/share/terraform "$HOME/.terraform.d" "$HOME/.local/share/terraform"; do');
  });
});

describe("deciding where the provider comes from", () => {
  const root = tree([`opt/m/${UNPACKED}`, "home/.keep"]);
  const opts = { home: path.join(root, "home"), roots: [path.join(root, "opt")] };

  it("takes BULWARK_TF_MIRROR first", () => {
    expect(providerSource({ BULWARK_TF_MIRROR: "/mirror", TF_CLI_CONFIG_FILE: __filename }, opts)).toEqual({ kind: "mirror", mirror: "/mirror", from: "BULWARK_TF_MIRROR" });
  });

  it("honours an existing TF_CLI_CONFIG_FILE, and a ~/.terraformrc that says how providers are installed", () => {
    const rc = path.join(root, "my.tfrc");
    fs.writeFileSync(rc, "provider_installation {\n  direct {}\n}\n");
    expect(providerSource({ TF_CLI_CONFIG_FILE: rc }, opts)).toEqual({ kind: "cli-config", file: rc });
    const home = fs.mkdtempSync(path.join(os.tmpdir(), "bulwark-home-"));
    fs.writeFileSync(path.join(home, ".terraformrc"), "provider_installation {\n  network_mirror { url = \"https://m.example/\" }\n}\n");
    expect(providerSource({}, { ...opts, home })).toEqual({ kind: "cli-config", file: path.join(home, ".terraformrc") });
  });

  it("finds a mirror when TF_CLI_CONFIG_FILE names no file or nothing is configured", () => {
    const found = { kind: "mirror", mirror: path.join(root, "opt", "m"), from: "found" };
    expect(providerSource({ TF_CLI_CONFIG_FILE: path.join(root, "absent.tfrc") }, opts)).toEqual(found);
    expect(providerSource({}, opts)).toEqual(found);
  });

  it("falls back to the registry, and the message then says what to set", () => {
    const source = providerSource({}, { ...opts, roots: [path.join(root, "home")] });
    expect(source).toEqual({ kind: "registry", searched: [path.join(root, "home")] });
    const terraformSaid = "Initializing provider plugins...\n╷\n│ Error: Failed to query available provider packages\n│\n│ could not connect to registry.terraform.io\n╵\n";
    const message = noProviderMessage(source, terraformSaid);
    expect(message).not.toContain("\n");
    expect(message).toBe(
      `Terraform cannot get the hashicorp/aws provider from the registry (no filesystem mirror under ${path.join(root, "home")}) (Error: Failed to query available provider packages): ` +
        "set BULWARK_TF_MIRROR to a filesystem mirror (the directory holding registry.terraform.io/hashicorp/aws/5.100.0/<os_arch>/terraform-provider-aws_*), " +
        "or TF_CLI_CONFIG_FILE to a Terraform CLI configuration that installs it; see docs/TESTING.md",
    );
  });
});

/**
 * The published modules applied as a Terraform team applies them: `bulwark publish`, then each
 * module's example (`examples/basic`, which calls the module with `source = "../.."`) initialized and
 * applied against the AWS API emulator, planned again with no change (but the emulator's listed
 * quirks), and destroyed. The emulator settings come from an override file written next to each
 * example's provider block (`emulator_override.tf.json`); the examples themselves are untouched.
 * One root calls every example, so the whole run is one init, one plan, one apply, one plan after it
 * and one destroy, each example in an account of its own.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { bulwark } from "../support/cli";
import { applyScopeOf, ApplyScope, emulatorOverride, planAfterApply, planGraph, plain, providerAliases, run, unexplained } from "../support/deploy";
import { runEmulator } from "../support/emulator";
import { terraform, terraformEnv } from "../support/terraform";
import { LEFT_OUT, READ_BACK_QUIRKS } from "./emulator-gaps";

const emulator = runEmulator();
if ("why" in emulator) process.stderr.write(`deploy suite (published modules) did not run: ${emulator.why}\n`);
const describeDeploy = "url" in emulator ? describe : describe.skip;

/**
 * Examples that call the module with placeholder ids of resources that live elsewhere (a VPC, subnets,
 * a security group, an AMI, a certificate): they plan, but no API applies them. Applied here through
 * the reference environments instead (the same constructs, `environments.deploy.test.ts`).
 */
const PLACEHOLDER_EXAMPLES: Record<string, string> = {
  "auto-scaling": "launch template lt-0123456789abcdef0 and subnets subnet-0123456789abcdef0/1",
  bastion: "VPC vpc-0123456789abcdef0, subnet, security group and AMI placeholders",
  "launch-template": "AMI ami-0123456789abcdef0 and security group sg-0123456789abcdef0",
  "load-balancer": "VPC, subnets, security group and an ACM certificate ARN of account 111111111111",
  "network-acl": "VPC vpc-0123456789abcdef0 and subnet subnet-0123456789abcdef0",
  "security-groups": "VPC vpc-0123456789abcdef0 and security group sg-0123456789abcdef0",
};

describeDeploy("the published modules' examples applied to the AWS API emulator", () => {
  const url = "url" in emulator ? emulator.url : "";
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "bulwark-deploy-modules-"));
  const out = path.join(root, "modules");
  let examples: string[] = [];
  let scope: ApplyScope;
  let targets: string[] = [];
  let applied: { status: number | null; output: string };

  beforeAll(async () => {
    expect(bulwark(["publish", "--out", out]).status).toBe(0);
    const modules = fs.readdirSync(out).filter((m) => fs.existsSync(path.join(out, m, "examples", "basic", "main.tf"))).sort();
    examples = modules.filter((m) => !(m in PLACEHOLDER_EXAMPLES));
    const calls: Record<string, { source: string }> = {};
    examples.forEach((m, i) => {
      const dir = path.join(out, m, "examples", "basic");
      const account = `3000000000${String(i + 10).padStart(2, "0")}`;
      fs.writeFileSync(path.join(dir, "emulator_override.tf.json"), JSON.stringify(emulatorOverride(url, account, providerAliases(fs.readFileSync(path.join(dir, "main.tf"), "utf8"))), null, 2));
      calls[m] = { source: `./modules/${m}/examples/basic` };
    });
    fs.writeFileSync(path.join(root, "main.tf.json"), JSON.stringify({ module: calls }, null, 2));
    process.stderr.write(`deploy published modules: applying the examples of ${examples.join(", ")}; not applied (placeholder ids): ${Object.keys(PLACEHOLDER_EXAMPLES).join(", ")}\n`);
    terraform(root, ["init", "-input=false"]);
    terraform(root, ["plan", "-input=false", "-lock=false", "-refresh=false", "-out=first.tfplan"]);
    const plan = JSON.parse(terraform(root, ["show", "-json", "first.tfplan"]).stdout);
    scope = applyScopeOf(planGraph(plan), LEFT_OUT);
    process.stderr.write(`deploy published modules: ${scope.applied.length} resources applied, ${scope.leftOut.size} left out (__tests__/deploy/emulator-gaps.ts)\n`);
    // Targets name instances (`module.kms_key[0].aws_kms_key.this`): an address without the key of a
    // counted module matches none of its instances, and the resources that use it then fail to apply.
    const applySet = new Set(scope.applied);
    targets = ((plan.resource_changes ?? []) as { address: string; mode: string }[])
      .filter((rc) => rc.mode === "managed" && applySet.has(rc.address.replace(/\[[^\]]*\]/g, "")))
      .map((rc) => rc.address);
    applied = await run(process.env.TERRAFORM_BIN ?? "terraform", ["apply", "-no-color", "-input=false", "-auto-approve", ...targets.map((a) => `-target=${a}`)], { cwd: root, env: terraformEnv() });
  }, 900_000);

  // BULWARK_KEEP_DEPLOY=1 keeps the root (and its state) to look into after a failure.
  afterAll(() => (process.env.BULWARK_KEEP_DEPLOY ? process.stderr.write(`deploy published modules: kept ${root}\n`) : fs.rmSync(root, { recursive: true, force: true })));

  it("applies every self-contained example, refusing nothing", () => {
    expect(examples.length).toBeGreaterThanOrEqual(7);
    if (applied.status !== 0) throw new Error(`terraform apply of the examples exited ${applied.status}:\n${errorLines(applied.output).join("\n")}`);
    expect(plain(applied.output)).toMatch(/Apply complete! Resources: \d+ added/);
  });

  it("plans no change right after the apply, but for the emulator's listed read-back quirks", async () => {
    const { changes } = await planAfterApply(root, targets);
    expect(unexplained(changes, READ_BACK_QUIRKS)).toEqual([]);
  });

  it("destroys everything it applied", async () => {
    const res = await run(process.env.TERRAFORM_BIN ?? "terraform", ["destroy", "-no-color", "-input=false", "-auto-approve"], { cwd: root, env: terraformEnv() });
    if (res.status !== 0) throw new Error(`terraform destroy of the examples exited ${res.status}:\n${errorLines(res.output).join("\n")}`);
    expect(terraform(root, ["state", "list"], { allowFailure: true }).stdout.trim()).toBe("");
  });
});

/** Terraform's error blocks, one line each: the error and the resource it names. */
function errorLines(output: string): string[] {
  const lines = plain(output).split("\n");
  const found: string[] = [];
  lines.forEach((l, i) => {
    const m = /Error: (.*)$/.exec(l);
    if (!m) return;
    const block = lines.slice(i + 1, i + 14);
    const end = block.findIndex((x) => /^\s*╵/.test(x) || /Error: /.test(x));
    const body = (end < 0 ? block : block.slice(0, end)).map((x) => x.replace(/^\s*│\s?/, "").trim()).filter(Boolean);
    const w = body.map((x) => /^with ([^\s,]+)/.exec(x)?.[1]).find(Boolean);
    const said = body.filter((x) => !/^(with |on |\d+:)/.test(x)).join(" ");
    found.push(`${w ?? "(no resource)"}: ${m[1].trim()}${said ? ` — ${said}` : ""}`);
  });
  return found.length ? found : [plain(output).slice(-3000)];
}

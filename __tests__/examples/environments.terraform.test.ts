import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { TerraformError, init, offlinePlanOf, plannedCreates, planWarnings, stageStack, terraformTest, validate } from "../support/terraform";
import { addresses, resourcesOf, TfJson } from "../support/synth";
import { referenceSynth, runSynth } from "../support/app";

/**
 * Terraform in the loop for every reference environment: one init per stack, then an offline plan
 * (which validates first: no warnings allowed), and an apply against the mocked provider.
 */
const run = referenceSynth();

describe.each(Object.keys(run.stacks))("stack %s with terraform", (name) => {
  const json = run.stacks[name];
  let dir: string;
  beforeAll(() => {
    dir = stageStack(json, name);
    init(dir);
  });

  it("validates without warnings and plans offline, creating exactly the synthesized resources", () => {
    // The run's one offline plan of this stack (offlinePlanOf: check, diff and rollout read it too).
    const plan = offlinePlanOf(json, name);
    expect(planWarnings(plan)).toEqual([]);
    expect(plannedCreates(plan)).toEqual(addresses(json).filter((a) => !a.startsWith("data.")));
    const lt = (plan.resource_changes ?? []).filter((c) => c.type === "aws_launch_template");
    expect(lt.length).toBeGreaterThan(0);
    for (const c of lt) {
      expect((c.change.after as any).metadata_options[0]).toMatchObject({ http_tokens: "required", http_put_response_hop_limit: 1 });
    }
  });

  it("applies against the mocked provider with the hardening intact", () => {
    const out = terraformTest(dir, { "hardening.tftest.hcl": hardeningTest(json) });
    expect(out).toMatch(/Success! 1 passed, 0 failed/);
  });

  // That the test can fail is shown on the first stack: the assertions come from hardeningTest for every stack alike.
  if (name === Object.keys(run.stacks)[0]) it("fails that apply test, with terraform's message, when a template regresses to hop limit 2", () => {
    const file = path.join(dir, "cdk.tf.json");
    const original = fs.readFileSync(file, "utf8");
    const broken = JSON.parse(original);
    const [first] = Object.values(broken.resource.aws_launch_template) as any[];
    first.metadata_options.http_put_response_hop_limit = 2;
    fs.writeFileSync(file, JSON.stringify(broken));
    let error: unknown;
    try {
      terraformTest(dir);
    } catch (e) {
      error = e;
    } finally {
      fs.writeFileSync(file, original);
    }
    expect(error).toBeInstanceOf(TerraformError);
    expect((error as Error).message).toMatch(/hop limit not 1/);
  });
});

describe("`cdktf synth --hcl` output", () => {
  const hcl = runSynth({ SYNTH_HCL_OUTPUT: "true" });

  it.each(Object.keys(run.stacks))("%s passes terraform validate as HCL", (name) => {
    expect(hcl.status).toBe(0);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `bulwark-hcl-${name}-`));
    fs.copyFileSync(path.join(hcl.outdir, "stacks", name, "cdk.tf"), path.join(dir, "main.tf"));
    init(dir);
    // cdktf's renderer quotes depends_on/ignore_changes references; BulwarkStack writes them bare.
    expect(validate(dir).warnings).toEqual([]);
  });
});

/** A terraform test asserting, after apply, what the issue promises of every launch template. */
function hardeningTest(json: TfJson): string {
  const asserts: string[] = [];
  const check = (condition: string, message: string) =>
    asserts.push(`  assert {\n    condition     = ${condition}\n    error_message = ${JSON.stringify(message)}\n  }`);
  for (const name of Object.keys(resourcesOf(json, "aws_launch_template"))) {
    const lt = `aws_launch_template.${name}`;
    check(`${lt}.metadata_options[0].http_tokens == "required"`, `${lt}: IMDSv2 not required`);
    check(`${lt}.metadata_options[0].http_put_response_hop_limit == 1`, `${lt}: hop limit not 1`);
    check(`alltrue([for m in ${lt}.block_device_mappings : m.ebs[0].encrypted == "true" && m.ebs[0].kms_key_id != ""])`, `${lt}: unencrypted volume`);
    check(`alltrue([for n in ${lt}.network_interfaces : n.associate_public_ip_address == "false"])`, `${lt}: public IP`);
    check(`${lt}.monitoring[0].enabled`, `${lt}: detailed monitoring off`);
  }
  for (const name of Object.keys(resourcesOf(json, "aws_subnet"))) {
    check(`aws_subnet.${name}.map_public_ip_on_launch == false`, `aws_subnet.${name}: maps public IPs`);
  }
  for (const name of Object.keys(resourcesOf(json, "aws_flow_log"))) {
    check(`aws_flow_log.${name}.traffic_type == "ALL"`, `aws_flow_log.${name}: not ALL traffic`);
  }
  for (const name of Object.keys(resourcesOf(json, "aws_default_security_group"))) {
    const sg = `aws_default_security_group.${name}`;
    check(`length(${sg}.ingress) == 0 && length(${sg}.egress) == 0`, `${sg}: default security group has rules`);
  }
  for (const name of Object.keys(resourcesOf(json, "aws_kms_key"))) {
    check(`aws_kms_key.${name}.enable_key_rotation`, `aws_kms_key.${name}: rotation off`);
  }
  // Every output carries a value after apply; the connect command names the session document.
  for (const [name, o] of Object.entries((json.output ?? {}) as Record<string, { value: unknown }>)) {
    if (o.value !== null && typeof o.value === "object") check(`length(output.${name}) == ${Object.keys(o.value).length}`, `output ${name}: entries missing`);
    else check(`output.${name} != null && output.${name} != ""`, `output ${name}: empty`);
  }
  for (const [name, doc] of Object.entries(resourcesOf(json, "aws_ssm_document"))) {
    if (doc.document_type === "Session") check(`strcontains(output.bastion-connect-command, "--document-name \${aws_ssm_document.${name}.name} ")`, "the connect command names another document");
  }
  // Every provider configuration (aliases too) needs its own mock.
  const aliases = ((json.provider?.aws ?? []) as { alias?: string }[]).map((p) => p.alias).filter((a): a is string => !!a);
  const mocks = [undefined, ...aliases].map((alias) => `mock_provider "aws" {\n${alias ? `  alias  = "${alias}"\n` : ""}  source = "./tests/mocks"\n}`);
  return [...mocks, "", `run "apply" {\n  command = apply\n`, ...asserts, "}", ""].join("\n");
}


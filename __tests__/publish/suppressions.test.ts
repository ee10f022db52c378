import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { rootSuppressionsHcl } from "../../publish/suppressions";
import { bulwark } from "../support/cli";
import { init, offlinePlan, TerraformError, validate } from "../support/terraform";

/**
 * A published module's weakened defaults reach `bulwark check` the way it reads suppressions
 * for plain Terraform: the module returns `bulwark_suppressions`, the root's output (as the
 * module README shows) renders bulwark-suppressions.yaml, and check reads it next to the plan.
 */
describe("suppressions of published modules", () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), "bulwark-publish-supp-"));
  const modules = path.join(out, "modules");
  beforeAll(() => {
    const run = bulwark(["publish", "--out", modules, "--module", "launch-template", "--module", "network-acl", "--module", "security-groups"]);
    expect([run.status, run.stderr]).toEqual([0, expect.any(String)]);
  });

  const root = (calls: string) => `provider "aws" {
  region = "eu-west-1"
}
${calls}`;

  /** The launch-template module with container metadata access, for the reason given. */
  const appWithContainerAccess = (reason: string) => `module "app" {
  source             = "../modules/launch-template"
  name               = "app"
  account_id         = "111111111111"
  ami_id             = "ami-0123456789abcdef0"
  instance_type      = "t3.micro"
  security_group_ids = ["sg-0123456789abcdef0"]
  container_metadata_access = { reason = ${JSON.stringify(reason)} }
}`;

  it("reports a reasoned hop limit and reasoned world SSH as suppressed, with the reasons the caller gave", () => {
    const dir = path.join(out, "root");
    fs.mkdirSync(dir);
    fs.writeFileSync(
      path.join(dir, "main.tf"),
      root(`
${appWithContainerAccess("the ECS agent's containers read metadata")}

module "edge_acl" {
  source     = "../modules/network-acl"
  name       = "edge"
  vpc_id     = "vpc-0123456789abcdef0"
  subnet_ids = { a = "subnet-0123456789abcdef0" }
  rules = {
    vendor-ssh = { direction = "ingress", protocol = "tcp", from_port = 22, to_port = 22, cidr = "0::/0", allow_world_admin_reason = "vendor appliance, ticket SEC-42" }
  }
}

module "edge_sg" {
  source      = "../modules/security-groups"
  name        = "edge"
  description = "Vendor appliance"
  vpc_id      = "vpc-0123456789abcdef0"
  rules = {
    vendor-ssh = { direction = "ingress", description = "SSH for the vendor", from_port = 22, cidr = "0.0.0.0/0", allow_world_admin_reason = "vendor appliance, ticket SEC-42" }
  }
}

${rootSuppressionsHcl(["app", "edge_acl", "edge_sg"])}
`),
    );
    init(dir);
    const plan = offlinePlan(dir) as { planned_values?: { outputs?: Record<string, { value?: string }> } };
    const yaml = plan.planned_values?.outputs?.bulwark_suppressions?.value;
    expect(typeof yaml).toBe("string");
    const checked = path.join(out, "checked");
    fs.mkdirSync(checked);
    fs.writeFileSync(path.join(checked, "plan.json"), JSON.stringify(plan));
    const before = bulwark(["check", path.join(checked, "plan.json"), "--format", "json"]);
    fs.writeFileSync(path.join(checked, "bulwark-suppressions.yaml"), yaml!);
    const after = bulwark(["check", path.join(checked, "plan.json"), "--format", "json"]);
    type F = { ruleId: string; address: string; suppressed: boolean; suppressionReason?: string };
    const weakened = (text: string) =>
      (JSON.parse(text).findings as F[]).filter((f) => ["ec2-imds-hop-limit", "nacl-no-world-admin-ports", "sg-no-world-admin-ports"].includes(f.ruleId)).map((f) => [f.ruleId, f.address, f.suppressed, f.suppressionReason]);
    // Without the file the findings are open (the module's own record is what makes them suppressed).
    expect(weakened(before.stdout).map(([, , suppressed]) => suppressed)).toEqual([false, false, false]);
    expect(weakened(after.stdout).sort()).toEqual([
      ["ec2-imds-hop-limit", "module.app.aws_launch_template.this", true, "the ECS agent's containers read metadata"],
      ["nacl-no-world-admin-ports", 'module.edge_acl.aws_network_acl_rule.this["vendor-ssh"]', true, "vendor appliance, ticket SEC-42"],
      ["sg-no-world-admin-ports", 'module.edge_sg.aws_vpc_security_group_ingress_rule.this["vendor-ssh"]', true, "vendor appliance, ticket SEC-42"],
    ]);
    expect(fs.readFileSync(path.join(modules, "launch-template", "main.tf"), "utf8")).not.toContain("bulwark:suppressed");
  });

  it("fails terraform validate, not only the plan, when container metadata access has no reason", () => {
    const dir = path.join(out, "no-reason");
    fs.mkdirSync(dir);
    fs.writeFileSync(
      path.join(dir, "main.tf"),
      root(`
${appWithContainerAccess("docker")}
`),
    );
    init(dir);
    let error: unknown;
    try {
      validate(dir);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(TerraformError);
    expect((error as Error).message).toContain("container_metadata_access.reason must say why");
  });
});

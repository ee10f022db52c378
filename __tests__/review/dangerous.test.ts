import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import MarkdownIt from "markdown-it";
import { bulwark } from "../support/cli";
import { init, terraform } from "../support/terraform";
import { diffConfigs, diffPlans, pairRenames } from "../../review/diff";
import { diffMarkdown } from "../../review/markdown";
import { configResources } from "../../compliance";

/** A directory holding one Terraform JSON configuration (and optional extra files). */
function config(json: Record<string, unknown>, files: Record<string, string> = {}): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bulwark-review-"));
  fs.mkdirSync(path.join(dir, "app"));
  fs.writeFileSync(path.join(dir, "app", "main.tf.json"), JSON.stringify(json));
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, "app", name), text);
  return path.join(dir, "app");
}

const SSH_FROM_WORLD = { security_group_id: "sg-1", ip_protocol: "tcp", from_port: 22, to_port: 22, cidr_ipv4: "0.0.0.0/0", description: "ssh" };
const SUPPRESS_ALL = `- rule: sg-no-world-admin-ports\n  address: "*"\n  reason: "vendor appliance needs it until Q3"\n`;

describe("newly accepted risk (a finding becomes suppressed)", () => {
  const base = config({ resource: { aws_vpc_security_group_ingress_rule: { ssh: SSH_FROM_WORLD } } });

  it("lists a finding suppressed by a new bulwark-suppressions.yaml, with its reason, as a dangerous change; --fail-on suppression exits 1", () => {
    const head = config({ resource: { aws_vpc_security_group_ingress_rule: { ssh: SSH_FROM_WORLD } } }, { "bulwark-suppressions.yaml": SUPPRESS_ALL });
    const run = bulwark(["diff", "--base", base, "--head", head, "--format", "json"]);
    const out = JSON.parse(run.stdout);
    expect(out.findings.introduced).toEqual([]);
    expect(out.findings.resolved).toEqual([]);
    expect(out.findings.suppressed).toEqual([expect.objectContaining({ ruleId: "sg-no-world-admin-ports", address: "aws_vpc_security_group_ingress_rule.ssh", suppressed: true, suppressionReason: "vendor appliance needs it until Q3", previousReason: "" })]);
    expect(out.dangerous).toContainEqual(expect.objectContaining({ class: "suppression", address: "aws_vpc_security_group_ingress_rule.ssh", before: "(not suppressed)", after: "vendor appliance needs it until Q3" }));
    expect(bulwark(["diff", "--base", base, "--head", head, "--fail-on", "suppression"]).status).toBe(1);
    expect(bulwark(["diff", "--base", base, "--head", head, "--fail-on", "finding"]).status).toBe(0);
    const md = bulwark(["diff", "--base", base, "--head", head]).stdout;
    expect(md).toContain("1 newly suppressed (accepted risk)");
    expect(md.indexOf("vendor appliance needs it until Q3")).toBeLessThan(md.indexOf("#### Findings newly suppressed"));
    expect(bulwark(["diff", "--base", base, "--head", base, "--fail-on", "suppression"]).status).toBe(0);
  });

  it("lists a construct-metadata suppression, and a changed reason", () => {
    const meta = (reason: string) => ({ resource: { aws_vpc_security_group_ingress_rule: { ssh: { ...SSH_FROM_WORLD, "//": { bulwark: { suppressions: [{ ruleId: "sg-no-world-admin-ports", reason }] } } } } } });
    const first = diffConfigs(base, config(meta("bastion allowlist pending")));
    expect(first.suppressed.map((f) => [f.ruleId, f.previousReason, f.suppressionReason])).toEqual([["sg-no-world-admin-ports", "", "bastion allowlist pending"]]);
    const again = diffConfigs(config(meta("bastion allowlist pending")), config(meta("forever, says the vendor")));
    expect(again.suppressed.map((f) => [f.previousReason, f.suppressionReason])).toEqual([["bastion allowlist pending", "forever, says the vendor"]]);
    expect(diffConfigs(config(meta("bastion allowlist pending")), config(meta("bastion allowlist pending"))).suppressed).toEqual([]);
  });

  it("reads the suppression file next to a plan as `bulwark check` does (plan mode goes through the one loader)", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bulwark-plan-supp-"));
    const resource = { address: "aws_vpc_security_group_ingress_rule.ssh", mode: "managed", type: "aws_vpc_security_group_ingress_rule", name: "ssh", provider_name: "registry.terraform.io/hashicorp/aws", values: SSH_FROM_WORLD };
    const plan = {
      format_version: "1.2",
      planned_values: { root_module: { resources: [resource] } },
      prior_state: { values: { root_module: { resources: [resource] } } },
      resource_changes: [{ address: resource.address, mode: "managed", type: resource.type, name: "ssh", change: { actions: ["no-op"], before: SSH_FROM_WORLD, after: SSH_FROM_WORLD } }],
    };
    fs.writeFileSync(path.join(dir, "prod.json"), JSON.stringify(plan));
    fs.writeFileSync(path.join(dir, "bulwark-suppressions.yaml"), SUPPRESS_ALL);
    const check = JSON.parse(bulwark(["check", path.join(dir, "prod.json"), "--format", "json"]).stdout);
    expect(check.findings.filter((f: { suppressed: boolean }) => f.suppressed).map((f: { ruleId: string }) => f.ruleId)).toEqual(["sg-no-world-admin-ports"]);
    const result = diffPlans([path.join(dir, "prod.json")]);
    expect(result.suppressed.map((f) => [f.stack, f.ruleId, f.suppressionReason])).toEqual([["prod", "sg-no-world-admin-ports", "vendor appliance needs it until Q3"]]);
  });
});

describe("finding identity", () => {
  it("is rule, stack, address and subject, not the message: a hop limit 2 → 3 is neither introduced nor resolved", () => {
    const lt = (hops: number) => ({ resource: { aws_launch_template: { app: { metadata_options: { http_tokens: "required", http_put_response_hop_limit: hops } } } } });
    const result = diffConfigs(config(lt(2)), config(lt(3)));
    expect(result.introduced).toEqual([]);
    expect(result.resolved).toEqual([]);
  });
});

describe("protection removals", () => {
  const before = {
    resource: {
      aws_kms_key: { k: { deletion_window_in_days: 30, enable_key_rotation: true, lifecycle: { prevent_destroy: true } } },
      aws_lb: { lb: { name: "app", enable_deletion_protection: true } },
      aws_db_instance: { db: { identifier: "db", deletion_protection: true } },
      aws_instance: { i: { ami: "ami-12345678", disable_api_termination: true } },
      aws_backup_vault_lock_configuration: { lock: { backup_vault_name: "v", min_retention_days: 30 } },
      aws_s3_bucket_object_lock_configuration: { ol: { bucket: "b", rule: { default_retention: { mode: "COMPLIANCE", days: 365 } } } },
      aws_s3_bucket: { keep: { bucket: "keep", lifecycle: { prevent_destroy: true } } },
    },
  };
  const after = {
    resource: {
      aws_kms_key: { k: { deletion_window_in_days: 7, enable_key_rotation: true } },
      aws_lb: { lb: { name: "app", enable_deletion_protection: false } },
      aws_db_instance: { db: { identifier: "db" } },
      aws_instance: { i: { ami: "ami-12345678", disable_api_termination: false } },
      aws_s3_bucket_object_lock_configuration: { ol: { bucket: "b", rule: { default_retention: { mode: "GOVERNANCE", days: 30 } } } },
    },
  };

  it("lists each removed or weakened protection with before → after; --fail-on protection exits 1", () => {
    const base = config(before);
    const head = config(after);
    const result = diffConfigs(base, head);
    const found = result.dangerous.filter((d) => d.class === "protection").map((d) => `${d.address} ${d.attribute ?? ""} ${d.before ?? ""} → ${d.after ?? ""}`);
    expect(found).toEqual(
      expect.arrayContaining([
        "aws_kms_key.k lifecycle.prevent_destroy true → (none)",
        "aws_kms_key.k deletion_window_in_days 30 → 7",
        "aws_lb.lb enable_deletion_protection true → false",
        "aws_db_instance.db deletion_protection true → (none)",
        "aws_instance.i disable_api_termination true → false",
        "aws_backup_vault_lock_configuration.lock   → ",
        'aws_s3_bucket_object_lock_configuration.ol rule.default_retention.mode "COMPLIANCE" → "GOVERNANCE"',
        "aws_s3_bucket_object_lock_configuration.ol rule.default_retention 365 days → 30 days",
        "aws_s3_bucket.keep lifecycle.prevent_destroy true → (resource removed)",
      ]),
    );
    expect(bulwark(["diff", "--base", base, "--head", head, "--fail-on", "protection"]).status).toBe(1);
    expect(bulwark(["diff", "--base", base, "--head", base, "--fail-on", "protection"]).status).toBe(0);
  });
});

describe("backend and provider settings", () => {
  const settings = (over: { region?: string; bucket?: string; version?: string; account?: string; role?: string }) => ({
    terraform: { backend: { s3: { bucket: over.bucket ?? "state", key: "prod.tfstate", encrypt: true } }, required_providers: { aws: { source: "hashicorp/aws", version: over.version ?? "5.100.0" } } },
    provider: { aws: [{ region: over.region ?? "eu-west-1", allowed_account_ids: [over.account ?? "111111111111"], ...(over.role ? { assume_role: [{ role_arn: over.role }] } : {}) }] },
    resource: { aws_sns_topic: { t: { name: "t", kms_master_key_id: "k" } } },
  });

  it("lists backend, region, allowed accounts, assume_role and provider version changes as dangerous", () => {
    const result = diffConfigs(config(settings({})), config(settings({ region: "us-east-1", bucket: "other-state", version: ">= 5.0", account: "222222222222", role: "arn:aws:iam::222222222222:role/x" })));
    const found = result.dangerous.filter((d) => d.class === "settings").map((d) => `${d.address} ${d.attribute}: ${d.before} → ${d.after}`);
    expect(found).toEqual([
      'provider.aws allowed_account_ids: ["111111111111"] → ["222222222222"]',
      'provider.aws assume_role[0].role_arn: (none) → "arn:aws:iam::222222222222:role/x"',
      'provider.aws region: "eu-west-1" → "us-east-1"',
      'terraform.backend s3.bucket: "state" → "other-state"',
      'terraform.required_providers aws.version: "5.100.0" → ">= 5.0"',
    ]);
    expect(result.changes).toEqual([]);
    expect(diffConfigs(config(settings({})), config(settings({}))).dangerous).toEqual([]);
  });
});

describe("provider settings in plan mode", () => {
  const baseConfig = { terraform: { backend: { s3: { bucket: "state", key: "app.tfstate" } }, required_providers: { aws: { source: "hashicorp/aws", version: "5.100.0" } } }, provider: { aws: [{ region: "eu-west-1", allowed_account_ids: ["111111111111"], default_tags: [{ tags: { env: "prod" } }] }] }, resource: {} };
  /** A plan as `terraform show -json` writes it, with the head's provider configuration. */
  function plan(region: string, account: string, version: string): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bulwark-plan-provider-"));
    const json = {
      format_version: "1.2",
      planned_values: { root_module: {} },
      resource_changes: [],
      configuration: {
        provider_config: {
          aws: {
            name: "aws",
            full_name: "registry.terraform.io/hashicorp/aws",
            version_constraint: version,
            expressions: { region: { constant_value: region }, allowed_account_ids: { constant_value: [account] }, default_tags: [{ tags: { constant_value: { env: "prod" } } }] },
          },
        },
        root_module: {},
      },
    };
    fs.writeFileSync(path.join(dir, "app.json"), JSON.stringify(json));
    return path.join(dir, "app.json");
  }

  it("compares the plan's provider configuration and version constraints with the base configuration given by --base (a plan holds no backend)", () => {
    const base = config(baseConfig);
    const changed = plan("us-east-1", "222222222222", ">= 5.0");
    const found = diffPlans([changed], undefined, base)
      .dangerous.filter((d) => d.class === "settings")
      .map((d) => `${d.address} ${d.attribute}: ${d.before} → ${d.after}`);
    expect(found).toEqual([
      'provider.aws allowed_account_ids: ["111111111111"] → ["222222222222"]',
      'provider.aws region: "eu-west-1" → "us-east-1"',
      'terraform.required_providers aws.version: "5.100.0" → ">= 5.0"',
    ]);
    expect(diffPlans([plan("eu-west-1", "111111111111", "5.100.0")], undefined, base).dangerous).toEqual([]);
    // Without the base configuration there is nothing to compare with.
    expect(diffPlans([changed]).dangerous).toEqual([]);
    expect(bulwark(["diff", "--plan", changed, "--base", base, "--fail-on", "dangerous"]).status).toBe(1);
    expect(bulwark(["diff", "--plan", changed, "--head", base]).status).toBe(2);
  });

  it("labels a plan with no prior state, only creates, a new stack with the account and region of its provider", () => {
    const file = plan("eu-west-1", "111111111111", "5.100.0");
    const json = JSON.parse(fs.readFileSync(file, "utf8"));
    json.resource_changes = [{ address: "aws_sns_topic.t", mode: "managed", type: "aws_sns_topic", name: "t", change: { actions: ["create"], before: null, after: { name: "t" }, after_unknown: { id: true } } }];
    fs.writeFileSync(file, JSON.stringify(json));
    const result = diffPlans([file]);
    expect(result.newStacks).toEqual({ app: { account: "111111111111", region: "eu-west-1" } });
    expect(diffMarkdown(result)).toContain("| app 🆕 new (account <code>111111111111</code>, <code>eu-west-1</code>) | 1 |");
  });
});

describe("security regressions in place", () => {
  it("lists a policy that grants more (a new action, resource or principal, a condition dropped), not one merely reordered", () => {
    const policy = (statements: unknown[]) => JSON.stringify({ Version: "2012-10-17", Statement: statements });
    const read = { Effect: "Allow", Action: ["s3:GetObject"], Resource: "arn:aws:s3:::logs/*" };
    const list = { Effect: "Allow", Action: "s3:ListBucket", Resource: "arn:aws:s3:::logs", Condition: { Bool: { "aws:SecureTransport": "true" } } };
    const role = (statements: unknown[]) => config({ resource: { aws_iam_role_policy: { reader: { name: "reader", role: "r", policy: policy(statements) } } } });
    const base = role([read, list]);
    const wider = diffConfigs(base, role([{ ...read, Action: ["s3:GetObject", "s3:*"] }, { ...list, Condition: undefined }]));
    const found = wider.dangerous.filter((d) => d.class === "security" && d.attribute === "policy");
    expect(found).toHaveLength(1);
    expect(found[0].message).toBe("policy grants more: 2 new allowed (principal, action, resource)");
    expect(found[0].after).toContain("(identity) s3:* on arn:aws:s3:::logs/*");
    expect(found[0].after).toContain("(identity) s3:ListBucket on arn:aws:s3:::logs");
    expect(diffConfigs(base, role([list, read])).dangerous).toEqual([]);
    expect(diffConfigs(base, role([read])).dangerous).toEqual([]);
  });

  it("lists a rule's source widened, a world-reachable new port, encryption and logging turned off, in a caution block outside any details", () => {
    const rule = (source: Record<string, string>) => ({ security_group_id: "sg-1", ip_protocol: "tcp", from_port: 5432, to_port: 5432, description: "db", ...source });
    const base = config({
      resource: {
        aws_vpc_security_group_ingress_rule: { from_app: rule({ referenced_security_group_id: "sg-app" }), office: rule({ cidr_ipv4: "10.1.2.0/24" }) },
        aws_ebs_volume: { data: { availability_zone: "eu-west-1a", size: 10, encrypted: true, kms_key_id: "k" } },
        aws_cloudtrail: { trail: { name: "t", s3_bucket_name: "b", enable_logging: true } },
      },
    });
    const head = config({
      resource: {
        aws_vpc_security_group_ingress_rule: {
          from_app: rule({ cidr_ipv4: "10.0.0.0/16" }),
          office: rule({ cidr_ipv4: "10.0.0.0/8" }),
          web: { ...rule({ cidr_ipv4: "0.0.0.0/0" }), from_port: 443, to_port: 443 },
          // The world in another spelling is the world too.
          web6: { ...rule({ cidr_ipv6: "0::/0" }), from_port: 443, to_port: 443 },
        },
        aws_ebs_volume: { data: { availability_zone: "eu-west-1a", size: 10, encrypted: false, kms_key_id: "k" } },
        aws_cloudtrail: { trail: { name: "t", s3_bucket_name: "b", enable_logging: false, tags: { note: "<b>not bold</b>" } } },
      },
    });
    const result = diffConfigs(base, head);
    const found = result.dangerous.filter((d) => d.class === "security").map((d) => `${d.address}: ${d.message}: ${d.before ?? ""} → ${d.after ?? ""}`);
    expect(found).toEqual(
      expect.arrayContaining([
        "aws_vpc_security_group_ingress_rule.from_app: source widened from a group reference to an address range (tcp 5432): sg-app → 10.0.0.0/16",
        "aws_vpc_security_group_ingress_rule.office: source widened (tcp 5432): 10.1.2.0/24 → 10.0.0.0/8",
        "aws_vpc_security_group_ingress_rule.web: new rule reachable from the internet (tcp 443):  → 0.0.0.0/0",
        "aws_vpc_security_group_ingress_rule.web6: new rule reachable from the internet (tcp 443):  → 0::/0",
        "aws_ebs_volume.data: encryption turned off: true → false",
        "aws_cloudtrail.trail: logging turned off: true → false",
      ]),
    );
    const md = diffMarkdown(result);
    const caution = md.indexOf("> [!CAUTION]");
    expect(caution).toBeGreaterThan(0);
    expect(caution).toBeLessThan(md.indexOf("<details>"));
    expect(md).toContain("> - **security** <code>encrypted</code> encryption turned off: <code>true</code> → <code>false</code> — <code>app/aws&#95;ebs&#95;volume.data</code>");
    const html = new MarkdownIt({ html: true }).render(md);
    expect(html).toContain("&lt;b&gt;not bold&lt;/b&gt;");
    // A create shows its values, with no "before" column.
    expect(md).toMatch(/➕ `aws_vpc_security_group_ingress_rule\.web` create\n {2}- ⚠️ [^\n]*\n\n {2}\| attribute \| value \|\n/);
  });
});

describe("plans read as Terraform means them", () => {
  it("reports forget actions (removed blocks), and counts them", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bulwark-forget-"));
    const plan = {
      format_version: "1.2",
      planned_values: { root_module: { resources: [] } },
      resource_changes: [
        { address: "aws_kms_key.old", mode: "managed", type: "aws_kms_key", name: "old", change: { actions: ["forget"], before: { deletion_window_in_days: 30 }, after: null } },
        { address: "aws_sns_topic.t", mode: "managed", type: "aws_sns_topic", name: "t", change: { actions: ["create", "forget"], before: { name: "t" }, after: { name: "t" }, after_unknown: { id: true } } },
      ],
    };
    fs.writeFileSync(path.join(dir, "prod.json"), JSON.stringify(plan));
    const result = diffPlans([path.join(dir, "prod.json")]);
    expect(result.changes.map((c) => [c.address, c.actions])).toEqual([
      ["aws_kms_key.old", ["forget"]],
      ["aws_sns_topic.t", ["create", "forget"]],
    ]);
    expect(result.stacks.prod.forget).toBe(2);
    expect(result.dangerous).toContainEqual(expect.objectContaining({ class: "destroy", address: "aws_kms_key.old", message: "forgets (no longer managed, left in place) a stateful or security resource (aws_kms_key)" }));
    expect(diffMarkdown(result)).toContain("2 to forget");
  });

  it("reports the forget of a plan terraform made from a `removed` block with destroy = false", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bulwark-removed-"));
    fs.writeFileSync(path.join(dir, "main.tf.json"), JSON.stringify({ resource: { terraform_data: { keep: { input: "a" }, old: { input: "b" } } } }));
    init(dir);
    terraform(dir, ["apply", "-auto-approve", "-input=false"]);
    fs.writeFileSync(path.join(dir, "main.tf.json"), JSON.stringify({ resource: { terraform_data: { keep: { input: "a" } } }, removed: [{ from: "terraform_data.old", lifecycle: { destroy: false } }] }));
    terraform(dir, ["plan", "-input=false", "-out=forget.tfplan"]);
    const planFile = path.join(dir, "app.json");
    fs.writeFileSync(planFile, terraform(dir, ["show", "-json", "forget.tfplan"]).stdout);
    const result = diffPlans([planFile]);
    expect(result.changes.map((c) => [c.address, c.actions])).toEqual([["terraform_data.old", ["forget"]]]);
    expect(result.stacks.app).toMatchObject({ forget: 1, delete: 0 });
  });

  it("updates aws_instance user_data in place unless user_data_replace_on_change is set", () => {
    const instance = (userData: string, replace?: boolean) => ({ resource: { aws_instance: { i: { ami: "ami-12345678", instance_type: "t3.micro", user_data: userData, ...(replace ? { user_data_replace_on_change: true } : {}) } } } });
    expect(diffConfigs(config(instance("a")), config(instance("b"))).changes.map((c) => c.actions)).toEqual([["update"]]);
    expect(diffConfigs(config(instance("a", true)), config(instance("b", true))).changes.map((c) => c.actions)).toEqual([["replace"]]);
  });
});

describe("renames", () => {
  it("pairs 2,000 renamed resources one to one (by construct path, by configuration, and equal but for tags)", () => {
    const n = 2000;
    const base = configResources({ resource: { aws_sns_topic: Object.fromEntries(Array.from({ length: n }, (_, i) => [`old${i}`, { name: `topic-${i}`, tags: { Name: `old${i}` } }])) } }, "s");
    const head = configResources({ resource: { aws_sns_topic: Object.fromEntries(Array.from({ length: n }, (_, i) => [`new${i}`, { name: `topic-${i}`, tags: { Name: i % 2 ? `new${i}` : `old${i}` } }])) } }, "s");
    const pairs = pairRenames(base, head);
    expect(pairs).toHaveLength(n);
    expect(pairs.every(([d, c]) => d.name.slice(3) === c.name.slice(3))).toBe(true);
  });
});

describe("security regressions in NACL rules and inline ingress blocks", () => {
  const aclRule = (over: Record<string, unknown>) => ({ network_acl_id: "acl-1", rule_number: 100, egress: false, protocol: "tcp", rule_action: "allow", cidr_block: "10.0.1.0/24", from_port: 443, to_port: 443, ...over });
  const security = (base: string, head: string) =>
    diffConfigs(base, head)
      .dangerous.filter((d) => d.class === "security")
      .map((d) => `${d.address} ${d.attribute}: ${d.message}: ${d.before ?? ""} → ${d.after ?? ""}`)
      .sort();

  it("lists a NACL rule whose source or ports widen, that turns deny into allow or egress into ingress, and a new allow open to the internet", () => {
    const base = config({
      resource: {
        aws_network_acl_rule: {
          wider: aclRule({}),
          ports: aclRule({ rule_number: 110 }),
          deny: aclRule({ rule_number: 120, rule_action: "deny", cidr_block: "203.0.113.0/24" }),
          out: aclRule({ rule_number: 130, egress: true, cidr_block: "192.0.2.0/24" }),
          moved: aclRule({ rule_number: 140 }),
        },
      },
    });
    const head = config({
      resource: {
        aws_network_acl_rule: {
          wider: aclRule({ cidr_block: "10.0.0.0/16" }),
          ports: aclRule({ rule_number: 110, from_port: 1024, to_port: 65535 }),
          deny: aclRule({ rule_number: 120, rule_action: "allow", cidr_block: "203.0.113.0/24" }),
          out: aclRule({ rule_number: 130, egress: false, cidr_block: "192.0.2.0/24" }),
          // As many addresses, other ones: an ordinary update, not a widening.
          moved: aclRule({ rule_number: 140, cidr_block: "10.0.2.0/24" }),
          // Protocol by its IANA number, as NACL rules often are: shown by name.
          world: aclRule({ rule_number: 150, protocol: "6", cidr_block: "0.0.0.0/0" }),
          world6: { ...aclRule({ rule_number: 151, protocol: "-1", from_port: 0, to_port: 0 }), cidr_block: undefined, ipv6_cidr_block: "0::/0" },
          // A new deny, even of the world, opens nothing.
          denyWorld: aclRule({ rule_number: 160, rule_action: "deny", cidr_block: "0.0.0.0/0" }),
        },
      },
    });
    expect(security(base, head)).toEqual([
      'aws_network_acl_rule.deny rule_action: NACL rule turned from deny into allow: "deny" → "allow"',
      "aws_network_acl_rule.out egress: NACL allow rule now applies to inbound traffic: true → false",
      "aws_network_acl_rule.ports ports: port range widened: tcp 443 → tcp 1024-65535",
      "aws_network_acl_rule.wider source: source widened (tcp 443): 10.0.1.0/24 → 10.0.0.0/16",
      "aws_network_acl_rule.world source: new NACL allow rule reachable from the internet (tcp 443):  → 0.0.0.0/0",
      "aws_network_acl_rule.world6 source: new NACL allow rule reachable from the internet (all ports):  → 0::/0",
    ]);
    // Terraform replaces a NACL rule for these changes: the rule is judged across the replace.
    expect(diffConfigs(base, head).changes.find((c) => c.address === "aws_network_acl_rule.wider")!.actions).toEqual(["replace"]);
  });

  it("lists a new world-open inline ingress block and a widened one, in a security group and in a network ACL", () => {
    const sgBlock = (over: Record<string, unknown>) => ({ protocol: "tcp", from_port: 443, to_port: 443, cidr_blocks: [], ipv6_cidr_blocks: [], security_groups: [], prefix_list_ids: [], self: false, description: "x", ...over });
    const aclBlock = (over: Record<string, unknown>) => ({ rule_no: 100, action: "allow", protocol: "tcp", from_port: 443, to_port: 443, cidr_block: "10.0.0.0/24", ...over });
    const base = config({
      resource: {
        aws_security_group: {
          web: { name: "web", description: "web", vpc_id: "vpc-1", ingress: [sgBlock({ security_groups: ["${aws_security_group.lb.id}"] }), sgBlock({ from_port: 22, to_port: 22, cidr_blocks: ["10.0.0.0/8"] })] },
          lb: { name: "lb", description: "lb", vpc_id: "vpc-1" },
        },
        aws_network_acl: { data: { vpc_id: "vpc-1", ingress: [aclBlock({}), aclBlock({ rule_no: 200, action: "deny", cidr_block: "0.0.0.0/0" })] } },
      },
    });
    const head = config({
      resource: {
        aws_security_group: {
          web: {
            name: "web",
            description: "web",
            vpc_id: "vpc-1",
            ingress: [sgBlock({ cidr_blocks: ["10.0.0.0/8"] }), sgBlock({ from_port: 22, to_port: 22, cidr_blocks: ["10.0.0.0/8"] }), sgBlock({ from_port: 3389, to_port: 3389, ipv6_cidr_blocks: ["::/0"] })],
          },
          lb: { name: "lb", description: "lb", vpc_id: "vpc-1" },
        },
        aws_network_acl: { data: { vpc_id: "vpc-1", ingress: [aclBlock({ cidr_block: "10.0.0.0/16" }), aclBlock({ rule_no: 200, action: "allow", cidr_block: "0.0.0.0/0" })] } },
      },
    });
    expect(security(base, head)).toEqual([
      'aws_network_acl.data ingress: inline ingress rule 200 turned from deny into allow (tcp 443): "deny" → "allow"',
      "aws_network_acl.data ingress: new inline ingress rule 200 reachable from the internet (tcp 443):  → 0.0.0.0/0",
      "aws_network_acl.data ingress: inline ingress rule 100: source widened (tcp 443): 10.0.0.0/24 → 10.0.0.0/16",
      "aws_security_group.web ingress: inline ingress rule: source widened from a group reference to an address range (tcp 443): ${aws_security_group.lb.id} → 10.0.0.0/8",
      "aws_security_group.web ingress: new inline ingress rule reachable from the internet (tcp 3389):  → ::/0",
    ].sort());
    // Reordered blocks are no change at all.
    const reordered = config({ resource: { aws_network_acl: { data: { vpc_id: "vpc-1", ingress: [aclBlock({ rule_no: 200, action: "deny", cidr_block: "0.0.0.0/0" }), aclBlock({})] } } } });
    expect(security(config({ resource: { aws_network_acl: { data: { vpc_id: "vpc-1", ingress: [aclBlock({}), aclBlock({ rule_no: 200, action: "deny", cidr_block: "0.0.0.0/0" })] } } } }), reordered)).toEqual([]);
  });
});

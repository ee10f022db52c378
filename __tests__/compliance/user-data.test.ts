/**
 * User data as the secrets rule reads it: every encoding cloud-init understands (generated, in
 * any nesting), every secret shape (and placeholders as warnings), and real plans, where the AWS
 * provider shows user data as a SHA-1 and the text lives in the configuration and variables.
 */
import * as fc from "fast-check";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { gzipSync } from "node:zlib";
import { ALL_RULES, configResources, Finding, loadInput, runRules } from "../../compliance";
import { userDataHash } from "../../compliance/read/plan";
import { userDataLayers } from "../../compliance/read/user-data";
import { findSecrets } from "../../compliance/secrets";
import { buildUserData, OPERATING_SYSTEMS } from "../../modules/launch-template/user-data";
import { bulwark } from "../support/cli";
import { init, offlinePlan } from "../support/terraform";

const RULE = ALL_RULES.filter((r) => r.id === "no-secrets-in-user-data");
const judge = (resource: Record<string, unknown>): Finding[] => runRules(configResources({ resource }, "s"), RULE, { scope: "resource" }).findings;
const onInstance = (userData: string, attr = "user_data") => judge({ aws_instance: { i: { ami: "ami-12345678", instance_type: "t3.micro", [attr]: userData } } });
const b64 = (s: string | Buffer) => Buffer.from(s).toString("base64");

describe("secret shapes", () => {
  // Each line holds a real-looking secret: an error whose message never shows the value.
  const secrets: [string, string][] = [
    ["export AWS_ACCESS_KEY_ID=AKIAQWERTYUIOPASDFGH", "AKIAQWERTYUIOPASDFGH"],
    ["export AWS_SECRET_ACCESS_KEY=Zq8k2Lm9Xv", "Zq8k2Lm9Xv"],
    ["aws_secret_access_key = 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", "9f8e7d6c5b4a39281706f5e4d3c2b1a0ZzYyXxWw"],
    ["DB_PASSWORD='s3cr3t-Pa55'", "s3cr3t-Pa55"],
    ["password=hunter22", "hunter22"],
    ['  "api_token": "tok_live_abcdef123456",', "tok_live_abcdef123456"],
    ["mysql -u root --password=Qw3rty!! -e 'select 1'", "Qw3rty!!"],
    ["mysql -u root --password Qw3rty99 -e 'select 1'", "Qw3rty99"],
    ["git clone https://deploy:ghp_R4nd0mT0k3n@github.example/x/y.git", "ghp_R4nd0mT0k3n"],
    ["client_secret: 7d1b2c3a4e5f", "7d1b2c3a4e5f"],
    ["-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA0Z3VS5JJcds3xfn/ygWyF8PbnGy0AHB7MhgHcTz6sE2I2yPB\naFDrBz9vFqU4yV5fQ3b+\n-----END RSA PRIVATE KEY-----", "MIIEpAIBAAKCAQEA0Z3VS5JJcds3xfn"],
    // A real password may contain a dummy word; other parts keep it a secret.
    ["DATABASE_PASSWORD=\"SomeSortOfPassword\"", "SomeSortOfPassword"],
    ["export ADMIN_PASSWORD=secret123", "secret123"],
    // PHP and friends: a name and its value passed to a call, a `$name = ...` assignment.
    ["define('DB_PASSWORD', 'Aa1234321Bb');", "Aa1234321Bb"],
    ["$db_password = 'Aa1234321Bb';", "Aa1234321Bb"],
  ];
  it.each(secrets)("%s is an error naming the key, not the value", (line, value) => {
    const f = onInstance(`#!/bin/bash\n${line}\n`);
    expect(f.map((x) => x.severity)).toEqual(["error"]);
    if (value.length > 4) expect(f[0].message).not.toContain(value.slice(2));
  });

  // Where the value is not there yet: a warning, so that real keys stay errors.
  it.each([
    "AWS_SECRET_ACCESS_KEY=${aws_secret}",
    "password: <password>",
    "api_key: your_api_key_here",
    "export DB_PASSWORD=changeme",
    "token: {{ vault_token }}",
    // Dummy values: only words like some, my, secret, foo, bar; or too short to be a credential.
    "aws_secret_access_key = somesecret",
    "export AWS_SECRET_ACCESS_KEY=my-secret",
    "export AWS_SECRET_ACCESS_KEY=bar",
    "DB_PASSWORD=Test_Password",
    "api_key=x1",
    // A private key header over a word is a stand-in, not a key.
    "-----BEGIN RSA PRIVATE KEY-----\nsomeKey\n-----END RSA PRIVATE KEY-----",
  ])("%s is a warning", (line) => {
    expect(onInstance(`#!/bin/bash\n${line}\n`).map((x) => x.severity)).toEqual(["warning"]);
  });

  // Safe lines that look suspicious: no finding.
  it.each([
    "PasswordAuthentication no",
    "PASS_MAX_DAYS 90",
    "password requisite pam_pwquality.so retry=3",
    "DB_PASSWORD=$(aws ssm get-parameter --name /app/db --with-decryption --query Parameter.Value --output text)",
    'TOKEN=`curl -X PUT "http://169.254.169.254/latest/api/token" -H "X-aws-ec2-metadata-token-ttl-seconds: 21600"`',
    'curl -H "X-aws-ec2-metadata-token: $TOKEN" http://169.254.169.254/latest/meta-data/',
    "export PASSWORD_FILE=/run/secrets/db",
    "secret_name = prod/db",
    "ssh_pwauth: false",
    "lock_passwd: true",
    "chpasswd: { expire: false }",
    "aws secretsmanager get-secret-value --secret-id prod/db",
  ])("%s is no finding", (line) => {
    expect(onInstance(`#!/bin/bash\n${line}\n`)).toEqual([]);
  });

  it("finds nothing in the hardening user data of any operating system, with extra parts", () => {
    for (const os of OPERATING_SYSTEMS) {
      const text = buildUserData({ os, logGroupPrefix: "/bulwark/x", extraParts: [{ contentType: "text/x-shellscript", content: "#!/bin/bash\nTOKEN=$(curl -s -X PUT http://169.254.169.254/latest/api/token)\n" }] } as Parameters<typeof buildUserData>[0]);
      expect(userDataLayers(text).length).toBeGreaterThan(1);
      expect(userDataLayers(text).flatMap((l) => findSecrets(l.text))).toEqual([]);
      expect(onInstance(b64(text), "user_data_base64")).toEqual([]);
    }
  });
});

/** Encodings cloud-init reads, each wrapping a text; composed at random below. */
/** Each level gets its own boundary, as any MIME writer picks one the content does not hold. */
const ENCODINGS: Record<string, (text: string, level: number) => string> = {
  base64: (t) => b64(t),
  gzipBase64: (t) => b64(gzipSync(t)),
  mime: (t, level) => `Content-Type: multipart/mixed; boundary="b${level}m"\nMIME-Version: 1.0\n\n--b${level}m\nContent-Type: text/cloud-config\n\n#cloud-config\npackages: [jq]\n--b${level}m\nContent-Type: text/x-shellscript\n\n${t}\n--b${level}m--\n`,
  mimeBase64Part: (t, level) => `Content-Type: multipart/mixed; boundary="b${level}x"\nMIME-Version: 1.0\n\n--b${level}x\nContent-Type: text/x-shellscript\nContent-Transfer-Encoding: base64\n\n${b64(t).replace(/(.{76})/g, "$1\n")}\n--b${level}x--\n`,
  mimeQuotedPrintable: (t, level) => `Content-Type: multipart/mixed; boundary="b${level}q"\n\n--b${level}q\nContent-Type: text/x-shellscript\nContent-Transfer-Encoding: quoted-printable\n\n${t.replace(/=/g, "=3D")}\n--b${level}q--\n`,
  writeFilesB64: (t) => `#cloud-config\nwrite_files:\n  - path: /opt/app/run.sh\n    encoding: b64\n    content: ${b64(t)}\n`,
  writeFilesGzB64: (t) => `#cloud-config\nwrite_files:\n  - path: /opt/app/run.sh\n    encoding: gz+b64\n    content: ${b64(gzipSync(t))}\n`,
  archive: (t) => `#cloud-config-archive\n- type: text/x-shellscript\n  content: ${JSON.stringify(t)}\n`,
};

describe("encodings: a secret is found through any nesting of what cloud-init reads (metamorphic)", () => {
  const secretLines = fc.constantFrom("export AWS_ACCESS_KEY_ID=AKIAQWERTYUIOPASDFGH", "DB_PASSWORD=Pa55w0rdValue", "aws_secret_access_key = abcdEFGHijklMNOPqrstUVWXyz0123456789ABCD");
  const chain = fc.array(fc.constantFrom(...Object.keys(ENCODINGS)), { minLength: 0, maxLength: 4 });
  const carriers = fc.constantFrom("instance user_data", "instance user_data_base64", "launch template", "launch configuration", "spot request");
  const put = (carrier: string, encoded: string) => {
    switch (carrier) {
      case "instance user_data_base64":
        return judge({ aws_instance: { i: { ami: "ami-12345678", user_data_base64: b64(encoded) } } });
      case "launch template":
        return judge({ aws_launch_template: { t: { user_data: b64(encoded) } } });
      case "launch configuration":
        return judge({ aws_launch_configuration: { c: { image_id: "ami-12345678", instance_type: "t3.micro", user_data: encoded } } });
      case "spot request":
        return judge({ aws_spot_instance_request: { s: { ami: "ami-12345678", instance_type: "t3.micro", user_data: encoded } } });
      default:
        return judge({ aws_instance: { i: { ami: "ami-12345678", user_data: encoded } } });
    }
  };
  it("the verdict on the plain script is the verdict on every encoding of it", () => {
    fc.assert(
      fc.property(secretLines, fc.boolean(), chain, carriers, (line, secret, encodings, carrier) => {
        const script = `#!/bin/bash\nset -e\n${secret ? line : "echo ready"}\n`;
        const encoded = encodings.reduce((t, e, level) => ENCODINGS[e](t, level), script);
        const plain = put(carrier, script).map((f) => f.severity);
        const wrapped = put(carrier, encoded).map((f) => f.severity);
        expect(plain).toEqual(secret ? ["error"] : []);
        expect(wrapped).toEqual(plain);
      }),
      { seed: 2512, numRuns: 300 },
    );
  });
});

describe("plans: user data the provider stores as a hash is read from the configuration", () => {
  let dir: string;
  let plan: string;
  const AKIA = "AKIAQWERTYUIOPASDFGH";
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "bulwark-userdata-plan-"));
    const instance = (name: string, body: string) => `resource "aws_instance" "${name}" {\n  ami           = "ami-12345678"\n  instance_type = "t3.micro"\n  ${body}\n}\n`;
    fs.writeFileSync(
      path.join(dir, "main.tf"),
      [
        'provider "aws" {\n  region = "eu-west-1"\n}',
        `variable "boot_script" {\n  default = "#!/bin/bash\\nexport AWS_SECRET_ACCESS_KEY=Zq8k2Lm9XvQ\\n"\n}`,
        `variable "safe_script" {\n  default = "#!/bin/bash\\nDB_PASSWORD=$(aws ssm get-parameter --name /db --with-decryption --query Parameter.Value --output text)\\n"\n}`,
        'variable "placeholder_script" {\n  default = "#!/bin/bash\\nexport API_TOKEN=<your-token>\\n"\n}',
        'locals {\n  script = "#!/bin/bash\\necho ${var.safe_script}"\n}',
        instance("constant", `user_data = "#!/bin/bash\\nexport AWS_ACCESS_KEY_ID=${AKIA}\\n"`),
        instance("variable", "user_data = var.boot_script"),
        instance("safe_variable", "user_data = var.safe_script"),
        instance("placeholder", "user_data = var.placeholder_script"),
        instance("base64_of_variable", "user_data = base64encode(var.boot_script)"),
        instance("base64_attribute", "user_data_base64 = base64encode(var.boot_script)"),
        instance("template", 'user_data = templatefile("${path.module}/boot.sh.tpl", { key = var.boot_script })'),
        instance("function_of_constant", `user_data = base64encode("export AWS_ACCESS_KEY_ID=${AKIA}")`),
        instance("local", "user_data = local.script"),
        'resource "aws_launch_configuration" "lc" {\n  image_id      = "ami-12345678"\n  instance_type = "t3.micro"\n  user_data     = "#!/bin/bash\\npassword=hunter22\\n"\n}',
        'resource "aws_spot_instance_request" "spot" {\n  ami           = "ami-12345678"\n  instance_type = "t3.micro"\n  user_data     = var.boot_script\n}',
        'resource "aws_launch_template" "gz" {\n  user_data = base64gzip(var.boot_script)\n}',
        'variable "db_password" {\n  default = "Aa1234321Bb"\n}',
        'variable "db_password_parameter" {\n  default = "/prod/db/password"\n}',
        // A secret by name, interpolated with values known only after apply: the text is unknown, the secret is not.
        instance("named_secret", 'user_data = "#!/bin/bash\\necho ${aws_launch_template.gz.id} ${var.db_password}\\n"'),
        instance("named_parameter", 'user_data = "#!/bin/bash\\necho ${aws_launch_template.gz.id} ${var.db_password_parameter}\\n"'),
        'module "app" {\n  source = "./app"\n  script = var.boot_script\n}',
        'module "app_literal" {\n  source = "./app"\n  script = "#!/bin/bash\\necho hello\\n"\n}',
      ].join("\n"),
    );
    fs.writeFileSync(path.join(dir, "boot.sh.tpl"), "#!/bin/bash\necho ${key}\n");
    fs.mkdirSync(path.join(dir, "app"));
    fs.writeFileSync(path.join(dir, "app", "main.tf"), `variable "script" {}\n${instance("this", "user_data = var.script")}`);
    plan = path.join(dir, "plan.json");
    init(dir);
    fs.writeFileSync(plan, JSON.stringify(offlinePlan(dir)));
  }, 180_000);
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  const verdicts = (file: string) => Object.fromEntries(runRules(loadInput(file).resources, RULE, { scope: "resource" }).findings.map((f) => [f.address, f.severity]));

  it("shows the AWS provider's hash in the planned values (what the reader has to see through)", () => {
    const json = JSON.parse(fs.readFileSync(plan, "utf8"));
    const constant = json.planned_values.root_module.resources.find((r: { address: string }) => r.address === "aws_instance.constant");
    expect(constant.values.user_data).toBe(userDataHash(`#!/bin/bash\nexport AWS_ACCESS_KEY_ID=${AKIA}\n`));
  });

  it("judges every shape from the first place that has the text; never a silent pass on a hash", () => {
    expect(verdicts(plan)).toEqual({
      "aws_instance.constant": "error",
      "aws_instance.variable": "error",
      "aws_instance.placeholder": "warning",
      "aws_instance.base64_of_variable": "error",
      "aws_instance.base64_attribute": "error",
      // The template file is not in the plan, but the variable it is given holds a key.
      "aws_instance.template": "error",
      "aws_instance.function_of_constant": "unverifiable",
      "aws_instance.local": "unverifiable",
      "aws_launch_configuration.lc": "error",
      "aws_spot_instance_request.spot": "error",
      "aws_launch_template.gz": "error",
      "module.app.aws_instance.this": "error",
      "aws_instance.named_secret": "error",
      // Where a parameter is, not a secret: the rest of the text stays unknown.
      "aws_instance.named_parameter": "unverifiable",
    });
  });

  it("names where the text came from and why the rest is unverifiable", () => {
    const byAddress = new Map(runRules(loadInput(plan).resources, RULE, { scope: "resource" }).findings.map((f) => [f.address, f.message]));
    expect(byAddress.get("module.app.aws_instance.this")).toMatch(/from var\.boot_script \(argument script of module\.app\)/);
    expect(byAddress.get("aws_instance.local")).toMatch(/SHA-1 hash.*local\.script/);
    expect(byAddress.get("aws_instance.function_of_constant")).toMatch(/function call whose arguments the plan does not carry/);
    expect(byAddress.get("aws_instance.named_secret")).toMatch(/the value of var\.db_password/);
    expect(byAddress.get("aws_instance.named_secret")).not.toContain("Aa1234321Bb");
  });

  it("a plan without its configuration section: unverifiable with the reason, exit code per --fail-on-unverifiable", () => {
    const json = JSON.parse(fs.readFileSync(plan, "utf8"));
    delete json.configuration;
    const truncated = path.join(dir, "truncated.json");
    fs.writeFileSync(truncated, JSON.stringify(json));
    const v = verdicts(truncated);
    expect(v["aws_instance.variable"]).toBe("unverifiable");
    expect(v["aws_instance.safe_variable"]).toBe("unverifiable");
    const findings = runRules(loadInput(truncated).resources, RULE, { scope: "resource" }).findings;
    expect(findings.find((f) => f.address === "aws_instance.variable")!.message).toMatch(/carries no configuration/);
    const soft = bulwark(["check", truncated, "--format", "json"]);
    const strict = bulwark(["check", truncated, "--format", "json", "--fail-on-unverifiable"]);
    const count = (out: string) => (JSON.parse(out).findings as Finding[]).filter((f) => f.ruleId === "no-secrets-in-user-data" && f.severity === "unverifiable").length;
    expect(count(soft.stdout)).toBeGreaterThanOrEqual(10);
    expect(strict.status).toBe(1);
    // Without the flag, unverifiable findings alone do not fail (errors of other rules may).
    expect(soft.status === 0 || (JSON.parse(soft.stdout).summary.errors > 0 && soft.status === 1)).toBe(true);
  });
});

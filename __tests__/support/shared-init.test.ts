import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import fc from "fast-check";
import { AWS_PROVIDER_VERSION } from "../../modules/core/stack";
import { awsOnly, init, terraform } from "./terraform";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "bulwark-shared-init-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const required = { required_providers: { aws: { source: "hashicorp/aws", version: AWS_PROVIDER_VERSION } } };
const offline = { region: "eu-west-1", access_key: "offline", secret_key: "offline", skip_credentials_validation: true, skip_requesting_account_id: true, skip_metadata_api_check: true };
let n = 0;
/** A new directory holding `files` (name → text, or JSON). */
function dirWith(files: Record<string, unknown>): string {
  const dir = path.join(tmp, `d${++n}`);
  for (const [name, body] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), typeof body === "string" ? body : JSON.stringify(body));
  }
  return dir;
}
const stack = { terraform: required, provider: { aws: [offline] }, resource: { aws_sns_topic: { t: { name: "t" } }, terraform_data: { d: {} } }, data: { aws_region: { r: {} } } };

describe("an init that needs only the aws provider", () => {
  it("is told apart from one that needs modules, another provider, HCL or another version", () => {
    expect(awsOnly(dirWith({ "cdk.tf.json": stack, "tests/a.tftest.hcl": 'run "plan" {\n  command = plan\n}\n' }))).toBe(true);
    const not = {
      "an HCL file": { "cdk.tf.json": stack, "extra.tf": 'output "x" { value = 1 }' },
      "a module call": { "cdk.tf.json": { ...stack, module: { m: { source: "./m" } } } },
      "a test's module": { "cdk.tf.json": stack, "tests/a.tftest.hcl": 'run "setup" {\n  module {\n    source = "./setup"\n  }\n}\n' },
      "another provider": { "cdk.tf.json": { ...stack, provider: { aws: [offline], random: [{}] } } },
      "another provider's resource": { "cdk.tf.json": { ...stack, resource: { random_id: { r: { byte_length: 2 } } } } },
      "another version": { "cdk.tf.json": { ...stack, terraform: { required_providers: { aws: { source: "hashicorp/aws", version: ">= 5.0" } } } } },
      "another source": { "cdk.tf.json": { ...stack, terraform: { required_providers: { aws: { source: "example/aws", version: AWS_PROVIDER_VERSION } } } } },
      "a lock file already": { "cdk.tf.json": stack, ".terraform.lock.hcl": "" },
      "no configuration": { "README.md": "x" },
      "JSON that does not parse": { "cdk.tf.json": "{" },
    };
    expect(Object.entries(not).filter(([, files]) => awsOnly(dirWith(files))).map(([why]) => why)).toEqual([]);
  });

  it("never throws on JSON of another shape: a real init, and Terraform says what is wrong", () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.constantFrom("terraform", "provider", "resource", "data", "top"), (value, where) => {
        const body = where === "top" ? value : { ...stack, [where]: value };
        expect(typeof awsOnly(dirWith({ "cdk.tf.json": body }))).toBe("boolean");
        // Type-confused blocks inside the terraform block too.
        expect(typeof awsOnly(dirWith({ "cdk.tf.json": { ...stack, terraform: { required_providers: value } } }))).toBe("boolean");
      }),
      { numRuns: 150 },
    );
  });

  it("answers the same for any spelling of the same JSON: key order, whitespace, escaped characters", () => {
    const variants = fc.record({ module: fc.boolean(), other: fc.boolean(), version: fc.constantFrom(AWS_PROVIDER_VERSION, "5.99.0") });
    fc.assert(
      fc.property(variants, fc.infiniteStream(fc.boolean()), fc.boolean(), (v, escapes, pretty) => {
        const config: Record<string, any> = {
          terraform: { required_providers: { aws: { source: "hashicorp/aws", version: v.version } } },
          resource: { aws_sns_topic: { t: { name: "t" } }, ...(v.other ? { random_id: { r: {} } } : {}) },
          ...(v.module ? { module: { m: { source: "./m" } } } : {}),
        };
        const it = escapes[Symbol.iterator]();
        // Keys in reverse order, some characters of every key written \uXXXX.
        const spell = (value: unknown): string => {
          if (Array.isArray(value)) return `[${value.map(spell).join(",")}]`;
          if (value && typeof value === "object") {
            const key = (k: string) => `"${[...k].map((c) => (it.next().value ? `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}` : c)).join("")}"`;
            return `{${Object.entries(value).reverse().map(([k, x]) => `${pretty ? "\n  " : ""}${key(k)}: ${spell(x)}`).join(",")}}`;
          }
          return JSON.stringify(value);
        };
        const text = spell(config);
        expect(JSON.parse(text)).toEqual(config);
        const plain = awsOnly(dirWith({ "cdk.tf.json": config }));
        expect(plain).toBe(!v.module && !v.other && v.version === AWS_PROVIDER_VERSION);
        expect(awsOnly(dirWith({ "cdk.tf.json": text }))).toBe(plain);
      }),
      { numRuns: 100 },
    );
  });

  it("sees a module called from a test's run block however the block is spelled", () => {
    const escapedJson = '{"run": [{"name": "setup", "\\u006dodule": {"source": "./setup"}}]}';
    expect(awsOnly(dirWith({ "cdk.tf.json": stack, "tests/a.tftest.json": escapedJson }))).toBe(false);
    expect(awsOnly(dirWith({ "cdk.tf.json": stack, "tests/a.tftest.hcl": 'run "setup" {\n  module {\n    source = "./setup"\n  }\n}\n' }))).toBe(false);
    expect(awsOnly(dirWith({ "cdk.tf.json": stack, "tests/a.tftest.json": '{"run": [{"name": "plan", "command": "plan"}]}' }))).toBe(true);
  });

  const describeTerraform = process.env.BULWARK_TF_MIRROR && process.env.BULWARK_TEST_RUN_TMPDIR ? describe : describe.skip;
  describeTerraform("with Terraform", () => {
    it("gets the run's installation: the same lock file as its own init, and plans", () => {
      const shared = dirWith({ "cdk.tf.json": stack });
      init(shared);
      expect(fs.lstatSync(path.join(shared, ".terraform", "providers")).isSymbolicLink()).toBe(true);
      const own = dirWith({ "cdk.tf.json": stack });
      process.env.BULWARK_TF_SHARED_INIT = "0";
      try {
        init(own);
      } finally {
        delete process.env.BULWARK_TF_SHARED_INIT;
      }
      expect(fs.lstatSync(path.join(own, ".terraform", "providers")).isSymbolicLink()).toBe(false);
      expect(fs.readFileSync(path.join(shared, ".terraform.lock.hcl"), "utf8")).toBe(fs.readFileSync(path.join(own, ".terraform.lock.hcl"), "utf8"));
      const plans = [shared, own].map((d) => terraform(d, ["plan", "-input=false", "-refresh=false", "-lock=false"]).stdout.match(/Plan: .*/)?.[0]);
      expect(plans).toEqual(["Plan: 2 to add, 0 to change, 0 to destroy.", "Plan: 2 to add, 0 to change, 0 to destroy."]);
    }, 120_000);
  });
});

import * as fs from "node:fs";
import * as path from "node:path";
import { App, TerraformStack, Testing } from "cdktf";
import { Construct } from "constructs";
import { setAccountContext } from "../../modules/core/account";
import { BulwarkStack, HardenedAwsProvider } from "../../modules/core/stack";

/** Synthesized Terraform JSON of one stack, as plain objects. */
export type TfJson = {
  terraform?: Record<string, unknown>;
  provider?: Record<string, unknown[]>;
  resource?: Record<string, Record<string, Record<string, any>>>;
  data?: Record<string, Record<string, Record<string, any>>>;
  output?: Record<string, unknown>;
  [key: string]: unknown;
};

export const TEST_ACCOUNT = { accountId: "111111111111", region: "eu-west-1" };

/** A stack with the AWS provider and literal account facts, as the reference environments set it up. */
export function testStack(app: App = Testing.app(), id = "test"): BulwarkStack {
  // Unit tests read findings themselves (rules.test.ts); the gate has tests of its own.
  const stack = new BulwarkStack(app, id, { withoutComplianceGate: { reason: "unit tests assert on findings directly" } });
  new HardenedAwsProvider(stack, "aws", { region: TEST_ACCOUNT.region });
  setAccountContext(stack, TEST_ACCOUNT);
  return stack;
}

/**
 * Builds constructs into a fresh test stack and returns its synthesized JSON exactly as
 * `npm run synth` writes it (aspects run, `//` metadata kept: construct paths, suppressions).
 */
export function synthJson(build: (scope: Construct) => void): TfJson {
  const stack = testStack();
  build(stack);
  return synthStack(stack);
}

export function synthStack(stack: TerraformStack): TfJson {
  const outdir = Testing.fullSynth(stack);
  const file = path.join(outdir, "stacks", stack.node.id, "cdk.tf.json");
  const json = JSON.parse(fs.readFileSync(file, "utf8")) as TfJson;
  fs.rmSync(outdir, { recursive: true, force: true });
  return json;
}

/** Every resource of a type, keyed by name. */
export function resourcesOf(json: TfJson, type: string): Record<string, Record<string, any>> {
  return json.resource?.[type] ?? {};
}

/** All `type.name` addresses, sorted. */
export function addresses(json: TfJson): string[] {
  const out: string[] = [];
  for (const [type, byName] of Object.entries(json.resource ?? {})) for (const name of Object.keys(byName)) out.push(`${type}.${name}`);
  for (const [type, byName] of Object.entries(json.data ?? {})) for (const name of Object.keys(byName)) out.push(`data.${type}.${name}`);
  return out.sort();
}

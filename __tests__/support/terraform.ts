/**
 * Terraform in the loop, for tests: init against a provider mirror, validate, offline plan,
 * `terraform test` with a mocked provider. See docs/TESTING.md.
 *
 * Configuration comes from the environment, never from a machine path in code:
 * - BULWARK_TF_MIRROR: a filesystem mirror of registry providers (the directory holding
 *   `registry.terraform.io/`). When set, a CLI config that installs hashicorp/* from it is
 *   written once per process and passed as TF_CLI_CONFIG_FILE. Unset, an existing CLI config of the
 *   user's is honoured, or a mirror in the usual places is found (`provider-mirror.ts`, as `.ci/run`
 *   does); the jest global setup decides once per run and proves Terraform can get the provider.
 * - TERRAFORM_BIN: the terraform binary. @default "terraform" on PATH
 * Without a mirror, terraform uses its usual CLI config (online registry or the user's own).
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { AWS_MOCKS } from "../../publish/mocks";
import { AWS_PROVIDER_VERSION } from "../../modules/core/stack";
import { providerSource } from "./provider-mirror";
import { oncePerRun } from "./once";
import { attached, unescaped, viewTooNarrow } from "./provider-server";

export class TerraformError extends Error {
  constructor(
    public readonly args: string[],
    public readonly dir: string,
    public readonly exitCode: number | null,
    public readonly output: string,
  ) {
    super(`terraform ${args.join(" ")} failed in ${dir} (exit ${exitCode}):\n${readableOutput(output)}`);
    this.name = "TerraformError";
  }
}

/** Terraform echoes the offending source line; in synthesized JSON that is the whole file. */
function readableOutput(output: string): string {
  return output
    .split("\n")
    .map((line) => (line.length > 400 ? `${line.slice(0, 400)} …(${line.length - 400} more characters)` : line))
    .join("\n")
    .trim();
}

let cliConfigFile: string | undefined;
let foundMirror: string | undefined | null = null;

/** BULWARK_TF_MIRROR, or (outside a jest run, whose global setup sets it) a mirror found once per process. */
function mirrorDir(): string | undefined {
  if (process.env.BULWARK_TF_MIRROR) return process.env.BULWARK_TF_MIRROR;
  if (foundMirror === null) {
    const source = providerSource(process.env);
    foundMirror = source.kind === "mirror" ? source.mirror : undefined;
  }
  return foundMirror;
}

/** The environment every terraform call runs with. */
export function terraformEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    CHECKPOINT_DISABLE: "1",
    TF_IN_AUTOMATION: "1",
    TF_INPUT: "0",
    AWS_EC2_METADATA_DISABLED: "true",
    // Terraform is a Go program whose heap is mostly garbage between walks: collecting at 5× the live
    // heap instead of 2× took about 13 % of the CPU of the parity suite and a published half off,
    // for a few hundred MB more per process. A GOGC set by the caller wins.
    GOGC: process.env.GOGC ?? "400",
  };
  const mirror = mirrorDir();
  if (mirror) {
    if (!fs.existsSync(path.join(mirror, "registry.terraform.io"))) {
      throw new Error(`BULWARK_TF_MIRROR=${mirror} holds no registry.terraform.io/ directory (the filesystem mirror is the directory holding it)`);
    }
    if (!cliConfigFile) {
      cliConfigFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "bulwark-tfrc-")), "terraform.rc");
      fs.writeFileSync(
        cliConfigFile,
        [
          "provider_installation {",
          "  filesystem_mirror {",
          `    path    = ${JSON.stringify(mirror)}`,
          '    include = ["registry.terraform.io/hashicorp/*"]',
          "  }",
          "  direct {",
          '    exclude = ["registry.terraform.io/hashicorp/*"]',
          "  }",
          "}",
          "",
        ].join("\n"),
      );
    }
    env.TF_CLI_CONFIG_FILE = cliConfigFile;
  }
  return env;
}

export interface TerraformResult {
  stdout: string;
  stderr: string;
}

/** Runs terraform in `dir`; a non-zero exit throws a TerraformError carrying terraform's own text. */
export function terraform(dir: string, args: string[], opts: { allowFailure?: boolean; input?: string } = {}): TerraformResult & { status: number | null } {
  const bin = process.env.TERRAFORM_BIN ?? "terraform";
  const spawn = (env: NodeJS.ProcessEnv) =>
    spawnSync(bin, [...args, ...(args.includes("-no-color") ? [] : ["-no-color"])], { cwd: dir, input: opts.input, env, encoding: "utf8", maxBuffer: 512 * 1024 * 1024 });
  const env = attached(args, terraformEnv(), [dir]);
  let res = spawn(env);
  // A schema view too narrow for the call (provider-server.ts): once more with the whole schema, written down.
  if (res.status !== 0 && viewTooNarrow(env, `${res.stderr}\n${res.stdout}`, args, dir)) res = spawn(attached(args, terraformEnv()));
  if (res.error) throw new Error(`cannot run ${bin}: ${res.error.message} (is Terraform ≥ 1.7 on PATH, or TERRAFORM_BIN set?)`);
  if (res.status !== 0 && !opts.allowFailure) throw new TerraformError(args, dir, res.status, `${res.stderr}\n${res.stdout}`);
  return { stdout: res.stdout, stderr: res.stderr, status: res.status };
}

/**
 * `terraform init` (no backend: tests never touch remote state). A configuration that needs nothing but
 * the aws provider (`awsOnly`) gets the run's one installation of it instead (`sharedAwsInstall`): the lock
 * file `terraform init` wrote for it and a link to its `.terraform/providers`, which is all such an init
 * leaves behind. Each init hashes the 700 MB provider (about 0.6 s of CPU); a run makes about thirty.
 * BULWARK_TF_SHARED_INIT=0 runs `terraform init` every time.
 */
export function init(dir: string): void {
  const shared = process.env.BULWARK_TF_SHARED_INIT !== "0" && awsOnly(dir) ? sharedAwsInstall() : undefined;
  if (!shared) return void terraform(dir, ["init", "-input=false", "-backend=false"]);
  fs.copyFileSync(path.join(shared, ".terraform.lock.hcl"), path.join(dir, ".terraform.lock.hcl"));
  fs.mkdirSync(path.join(dir, ".terraform"));
  fs.symlinkSync(path.join(shared, ".terraform", "providers"), path.join(dir, ".terraform", "providers"));
}

/** What a Terraform JSON file may hold at its top level for `awsOnly` (no `module`: modules need an init). */
const AWS_ONLY_BLOCKS = new Set(["//", "terraform", "provider", "resource", "data", "output", "variable", "locals", "check", "import", "moved", "removed"]);

/**
 * Whether `terraform init` in `dir` would install the aws provider (at this project's version) and nothing
 * else: not initialized yet; its configuration Terraform JSON only (HCL is not read here), no module calls
 * (in the configuration or in run blocks of its tests), providers and resource and data types of aws (or
 * Terraform's built-in ones) only, aws required at AWS_PROVIDER_VERSION from hashicorp/aws.
 */
export function awsOnly(dir: string): boolean {
  if (fs.existsSync(path.join(dir, ".terraform")) || fs.existsSync(path.join(dir, ".terraform.lock.hcl"))) return false;
  const files = fs.readdirSync(dir);
  if (files.some((f) => f.endsWith(".tf"))) return false;
  const tests = path.join(dir, "tests");
  if (fs.existsSync(tests)) {
    for (const f of fs.readdirSync(tests)) {
      if (/\.tftest\.(hcl|json)$/.test(f) && /(^|\n)\s*module\s*\{|"module"\s*:/.test(unescaped(fs.readFileSync(path.join(tests, f), "utf8")))) return false;
    }
  }
  const configs = files.filter((f) => f.endsWith(".tf.json"));
  if (!configs.length) return false;
  const known = (type: string) => type.startsWith("aws_") || type.startsWith("terraform_");
  // Anything of another shape than Terraform JSON's gets a real init, and Terraform says what is wrong.
  const isObject = (v: unknown): v is Record<string, any> => typeof v === "object" && v !== null && !Array.isArray(v);
  const objects = (v: unknown): Record<string, any>[] | undefined => {
    const all = Array.isArray(v) ? v : [v];
    return all.every(isObject) ? all : undefined;
  };
  for (const f of configs) {
    let json: unknown;
    try {
      json = JSON.parse(fs.readFileSync(path.join(dir, f), "utf8"));
    } catch {
      return false;
    }
    if (!isObject(json) || Object.keys(json).some((k) => !AWS_ONLY_BLOCKS.has(k))) return false;
    for (const block of ["provider", "resource", "data"]) if (block in json && !isObject(json[block])) return false;
    if (Object.keys(json.provider ?? {}).some((p) => p !== "aws")) return false;
    if (![...Object.keys(json.resource ?? {}), ...Object.keys(json.data ?? {})].every(known)) return false;
    const blocks = objects(json.terraform ?? []);
    if (!blocks) return false;
    for (const t of blocks) {
      const required = objects(t.required_providers ?? []);
      if (!required) return false;
      for (const rp of required) {
        for (const [name, req] of Object.entries(rp)) {
          if (name !== "aws" || !isObject(req) || req.version !== AWS_PROVIDER_VERSION || !/^(registry\.terraform\.io\/)?hashicorp\/aws$/.test(String(req.source ?? ""))) return false;
        }
      }
    }
  }
  return true;
}

/** The smallest configuration that needs the aws provider at this project's version, and nothing else. */
export const AWS_ONLY_CONFIGURATION = { terraform: { required_providers: { aws: { source: "hashicorp/aws", version: AWS_PROVIDER_VERSION } } } };

/** Where the run keeps its one `terraform init` of AWS_ONLY_CONFIGURATION: the global setup's probe makes it. */
export function awsInstallDir(runTmp: string): string {
  return path.join(runTmp, "aws-provider-install");
}

/**
 * The run's one installation of the aws provider (`awsInstallDir`, made by the global setup when it proves
 * Terraform can get the provider); undefined outside a jest run or when there is none (a real init then).
 */
export function sharedAwsInstall(): string | undefined {
  const runTmp = process.env.BULWARK_TEST_RUN_TMPDIR;
  if (!runTmp) return undefined;
  const dir = awsInstallDir(runTmp);
  return fs.existsSync(path.join(dir, ".terraform.lock.hcl")) ? dir : undefined;
}

/** `terraform validate -json`; throws with every diagnostic when the configuration is invalid. */
export function validate(dir: string): { warnings: string[] } {
  const res = terraform(dir, ["validate", "-json"], { allowFailure: true });
  const out = JSON.parse(res.stdout) as { valid: boolean; diagnostics: { severity: string; summary: string; detail?: string; address?: string }[] };
  const render = (d: { summary: string; detail?: string; address?: string }) => `${d.address ? `${d.address}: ` : ""}${d.summary}${d.detail ? ` — ${d.detail}` : ""}`;
  if (!out.valid) {
    throw new TerraformError(["validate"], dir, res.status, out.diagnostics.filter((d) => d.severity === "error").map(render).join("\n"));
  }
  return { warnings: out.diagnostics.filter((d) => d.severity === "warning").map(render) };
}

/**
 * Evaluates one HCL expression with `terraform console` (no configuration, no provider) and
 * returns its value: the expression is wrapped in jsonencode() and the JSON parsed back.
 */
export function evaluateHcl(expression: string): unknown {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bulwark-console-"));
  const out = terraform(dir, ["console"], { input: `jsonencode(${expression})\n` }).stdout.trim();
  return JSON.parse(JSON.parse(out) as string);
}

/** Terraform's JSON plan representation (the parts the tests read). */
export interface PlanJson {
  format_version: string;
  resource_changes?: { address: string; type: string; name: string; change: { actions: string[]; after?: Record<string, unknown> } }[];
  planned_values?: unknown;
  [key: string]: unknown;
}

/**
 * Offline plan: writes a test-only override giving every AWS provider configuration dummy
 * credentials and the skip_* flags (and lifting allowed_account_ids, which cannot be checked
 * without STS), plans with `-refresh=false -lock=false`, and returns `terraform show -json`.
 * Real stacks never carry these settings.
 */
export function offlinePlan(dir: string): PlanJson {
  writeOfflineOverride(dir);
  try {
    const planned = terraform(dir, ["plan", "-input=false", "-refresh=false", "-lock=false", "-out=offline.tfplan"]);
    const plan = JSON.parse(terraform(dir, ["show", "-json", "offline.tfplan"]).stdout) as PlanJson;
    warningsByPlan.set(plan, warningsIn(`${planned.stdout}\n${planned.stderr}`));
    return plan;
  } finally {
    fs.rmSync(path.join(dir, "offline_override.tf.json"), { force: true });
    fs.rmSync(path.join(dir, "offline.tfplan"), { force: true });
  }
}

const warningsByPlan = new WeakMap<PlanJson, string[]>();

/**
 * The warnings terraform printed planning `plan` (offlinePlan): a plan validates the whole
 * configuration first and prints the same warnings `terraform validate` would, so a test that
 * plans needs no separate validate.
 */
export function planWarnings(plan: PlanJson): string[] {
  const warnings = warningsByPlan.get(plan);
  if (!warnings) throw new Error("planWarnings: this plan was not made by offlinePlan");
  return warnings;
}

/**
 * The warnings in terraform's human output (`-no-color`): each `Warning: <summary>` with the
 * `on <file> line <n>` that follows it, once each (terraform test prints some twice).
 */
export function warningsIn(output: string): string[] {
  const lines = output.split("\n");
  const found = new Set<string>();
  lines.forEach((line, i) => {
    const m = /^[│ ]*Warning: (.+)$/.exec(line);
    if (!m) return;
    const where = lines.slice(i + 1, i + 4).map((l) => /^[│ ]*on (.+?):?$/.exec(l)?.[1]).find(Boolean);
    found.add(where ? `${m[1]} (${where})` : m[1]);
  });
  return [...found];
}

function writeOfflineOverride(dir: string): void {
  const aliases = new Set<string | undefined>([undefined]);
  for (const file of fs.readdirSync(dir).filter((f) => f.endsWith(".tf.json") && !f.endsWith("override.tf.json"))) {
    const json = JSON.parse(fs.readFileSync(path.join(dir, file), "utf8")) as { provider?: { aws?: { alias?: string }[] } };
    for (const p of json.provider?.aws ?? []) aliases.add(p.alias);
  }
  const offline = {
    access_key: "offline-plan",
    secret_key: "offline-plan",
    skip_credentials_validation: true,
    skip_metadata_api_check: true,
    skip_requesting_account_id: true,
    skip_region_validation: true,
    allowed_account_ids: null,
  };
  const providers = [...aliases].map((alias) => (alias ? { alias, ...offline } : offline));
  fs.writeFileSync(path.join(dir, "offline_override.tf.json"), JSON.stringify({ provider: { aws: providers } }, null, 2));
}


/**
 * Runs `terraform test` in `dir`. `files` (name → HCL) are written to `dir/tests/` first;
 * the shared mocks are copied to `dir/tests/mocks/` so a test can say
 * `mock_provider "aws" { source = "./tests/mocks" }`.
 */
export function terraformTest(dir: string, files: Record<string, string> = {}): string {
  const testsDir = path.join(dir, "tests");
  fs.mkdirSync(path.join(testsDir, "mocks"), { recursive: true });
  fs.writeFileSync(path.join(testsDir, "mocks", "aws.tfmock.hcl"), AWS_MOCKS);
  for (const [name, hcl] of Object.entries(files)) fs.writeFileSync(path.join(testsDir, name), hcl);
  // `terraform test` destroys what it applied; prevent_destroy (on production keys, log
  // buckets, vaults) would fail that teardown. A test-only override lifts it, removed after.
  const override = path.join(dir, "teardown_override.tf.json");
  const guarded = preventDestroyResources(dir);
  if (Object.keys(guarded).length > 0) fs.writeFileSync(override, JSON.stringify({ resource: guarded }, null, 2));
  try {
    const res = terraform(dir, ["test"]);
    return `${res.stdout}\n${res.stderr}`;
  } finally {
    fs.rmSync(override, { force: true });
  }
}

function preventDestroyResources(dir: string): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = {};
  for (const file of fs.readdirSync(dir).filter((f) => f.endsWith(".tf.json") && !f.endsWith("override.tf.json"))) {
    const json = JSON.parse(fs.readFileSync(path.join(dir, file), "utf8")) as { resource?: Record<string, Record<string, { lifecycle?: { prevent_destroy?: boolean } }>> };
    for (const [type, byName] of Object.entries(json.resource ?? {})) {
      for (const [name, r] of Object.entries(byName)) {
        if (r.lifecycle?.prevent_destroy) (out[type] ??= {})[name] = { lifecycle: { prevent_destroy: false } };
      }
    }
  }
  return out;
}

/**
 * Copies one synthesized stack (cdk.tf.json) into a fresh directory for terraform, without
 * its backend block (tests keep no state anywhere but the temp directory).
 */
export function stageStack(stackJson: string | Record<string, unknown>, name = "stack"): string {
  const json = typeof stackJson === "string" ? (JSON.parse(stackJson) as Record<string, unknown>) : structuredClone(stackJson);
  const tf = json.terraform as Record<string, unknown> | undefined;
  if (tf) {
    delete tf.backend;
    delete tf.cloud;
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `bulwark-${name}-`));
  fs.writeFileSync(path.join(dir, "cdk.tf.json"), JSON.stringify(json, null, 2));
  return dir;
}

/** The resource addresses a plan would create. */
export function plannedCreates(plan: PlanJson): string[] {
  return (plan.resource_changes ?? []).filter((c) => c.change.actions.includes("create")).map((c) => c.address).sort();
}

/**
 * The offline plan of a synthesized stack, computed once per `npm test` run by whichever suite
 * asks first (the environments suite, check, diff, rollout), the others waiting for it, keyed by
 * the stack's content; its warnings come with it (planWarnings). The cache lives under the jest
 * parent's pid, so no run reuses another's.
 */
export function offlinePlanOf(stackJson: Record<string, unknown>, name: string): PlanJson {
  // One worker plans (a plan costs about 15 s of CPU), with the warnings terraform printed making it
  // (planWarnings reads them).
  return oncePerRun(
    planCacheFile(stackJson),
    () => {
      const staged = stageStack(stackJson, name);
      init(staged);
      return offlinePlan(staged);
    },
    {
      write: (plan) => JSON.stringify({ plan, warnings: planWarnings(plan) }),
      read: (text) => {
        const { plan, warnings } = JSON.parse(text) as { plan: PlanJson; warnings: string[] };
        warningsByPlan.set(plan, warnings);
        return plan;
      },
    },
  );
}

function planCacheFile(stackJson: Record<string, unknown>): string {
  const key = createHash("sha256").update(JSON.stringify(stackJson)).digest("hex");
  return path.join(os.tmpdir(), `bulwark-plans-${process.ppid}`, `${key}.json`);
}

import * as fs from "node:fs";
import * as path from "node:path";
import { App, TerraformStack } from "cdktf";
import { BulwarkValidationError } from "./modules/core/errors";
import { ConfigError, loadAndBuild } from "./examples";
import { checkovBaseline } from "./examples/checkov-baseline";
import { ALL_RULES, configResources, controlList, Finding, loadInput, runRules } from "./compliance";
import { clearSynthFailure, discardSynthOutput } from "./compliance/output";

/** The project root: the nearest folder up from here that holds cdktf.json. */
function projectRoot(): string {
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, "cdktf.json"))) {
    const up = path.dirname(dir);
    if (up === dir) return process.cwd();
    dir = up;
  }
  return dir;
}

/** Files cdktf writes into a stack's folder: the configuration as JSON, or as HCL with its metadata. */
const JSON_OUTPUT = ["cdk.tf.json"];
const HCL_OUTPUT = ["cdk.tf", "metadata.json"];

/**
 * Leaves only current stacks in `<outdir>/stacks` (cdktf writes, it never removes): a folder of a
 * stack that no longer exists loses cdktf's files and then, if nothing else is in it (terraform's
 * `.terraform/`, a plan, a user's notes stay), the folder; a current stack loses the files of the
 * other output format, left by an earlier `--hcl` run or the reverse. Nothing else is removed.
 */
function pruneStaleOutput(outdir: string, hcl: boolean): void {
  const stacksDir = path.join(outdir, "stacks");
  const manifestFile = path.join(outdir, "manifest.json");
  if (!fs.existsSync(stacksDir) || !fs.existsSync(manifestFile)) return;
  const manifest = JSON.parse(fs.readFileSync(manifestFile, "utf8")) as { stacks?: Record<string, { synthesizedStackPath?: string }> };
  const current = new Set(Object.values(manifest.stacks ?? {}).map((s) => path.resolve(outdir, path.dirname(s.synthesizedStackPath ?? ""))));
  for (const entry of fs.readdirSync(stacksDir, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    const dir = path.join(stacksDir, entry.name);
    const stale = current.has(path.resolve(dir)) ? (hcl ? JSON_OUTPUT : HCL_OUTPUT) : [...JSON_OUTPUT, ...HCL_OUTPUT];
    // Only folders that hold cdktf's output are ours to tidy.
    if (![...JSON_OUTPUT, ...HCL_OUTPUT].some((f) => fs.existsSync(path.join(dir, f)))) continue;
    for (const f of stale) fs.rmSync(path.join(dir, f), { force: true });
    if (!current.has(path.resolve(dir)) && fs.readdirSync(dir).length === 0) fs.rmdirSync(dir);
  }
}

/** Where the app writes (cdktf's own choice: CDKTF_OUTDIR, else cdktf.out in the working directory). */
const outdirOf = (app?: App) => path.resolve(app?.outdir ?? process.env.CDKTF_OUTDIR ?? "cdktf.out");

/**
 * Ends a failed synth: its message on stderr, exit 1, and an output directory that nothing takes
 * as current (`bulwark check`/`diff` refuse it naming the reason; `cdktf deploy --skip-synth` finds
 * no manifest).
 */
function fail(message: string, app?: App): never {
  discardSynthOutput(outdirOf(app), message);
  console.error(message);
  process.exit(1);
}

let app: App | undefined;
try {
  app = new App();
  loadAndBuild(app, projectRoot());
  app.synth();
  pruneStaleOutput(app.outdir, app.hclOutput);
  // Account-level rules (CloudTrail, Config, EBS defaults, CIS alarms, backups) need every
  // stack of an account and region, so they run on the written output.
  const input = app.hclOutput
    ? // HCL output is not read back: judge the same configuration in memory.
      { resources: app.node.findAll().filter((c): c is TerraformStack => TerraformStack.isStack(c)).flatMap((s) => configResources(s.toTerraform(), s.node.id)), suppressions: [], gaps: [] }
    : loadInput(app.outdir);
  const resources = input.resources;
  // Resource-level errors already stopped the synth (the gate); running every rule again here
  // gives the warnings and suppressions for the summary. Measured: the resource rules take 7 ms
  // over the reference environments, 37 ms over 50 of them — cheaper than keeping the gate's reports.
  const report = runRules(resources, ALL_RULES, { suppressions: input.suppressions, gaps: input.gaps });
  const line = (f: Finding) => `${f.ruleId} [${controlList(f.controls)}] ${f.constructPath ?? `${f.stack} ${f.address}`}: ${f.message}`;
  // Unverifiable findings stop the synth too: our own output must be judged, not guessed.
  const errors = report.findings.filter((f) => (f.severity === "error" || f.severity === "unverifiable") && !f.suppressed);
  if (errors.length > 0) fail(`bulwark: synth stopped by ${errors.length} compliance finding(s):\n${errors.map(line).join("\n")}`, app);
  clearSynthFailure(app.outdir);
  // checkov's baseline (`--baseline cdktf.out/checkov.baseline`): the findings bulwark's
  // suppressions and recorded decisions answer, each with its reason in docs/COMPLIANCE.md.
  if (!app.hclOutput) fs.writeFileSync(path.join(app.outdir, "checkov.baseline"), JSON.stringify(checkovBaseline(resources), null, 2) + "\n");
  const counts = new Map<string, number>();
  for (const r of resources) if (r.mode === "managed") counts.set(r.stack, (counts.get(r.stack) ?? 0) + 1);
  const stacks = [...counts].map(([name, n]) => `${name} (${n} resources)`).join(", ");
  const { warnings, suppressed } = report.summary;
  const outdir = path.relative(process.cwd(), app.outdir);
  // The summary is the run's result: stdout (cdktf's CLI shows stderr as [ERROR]); errors go to stderr.
  console.log(`bulwark: synthesized ${stacks} to ${outdir.startsWith("..") ? app.outdir : outdir || "."}; compliance: 0 errors, ${warnings} warning(s), ${suppressed} suppressed`);
  for (const f of report.findings.filter((f) => f.severity === "warning" && !f.suppressed)) console.log(`  warning ${line(f)}`);
} catch (e) {
  // Bad input is the user's to fix: one line naming file or construct path, field and value.
  if (e instanceof BulwarkValidationError || e instanceof ConfigError) fail(`bulwark: ${e.message}`, app);
  // cdktf reports failed stack validations (the compliance gate) as one error; list them.
  const failed = e instanceof Error && /^Validation failed with the following errors:\n/.exec(e.message);
  if (failed) {
    const lines = (e as Error).message.split("\n").filter((l) => l.startsWith("  [")).map((l) => l.trim());
    fail(`bulwark: synth stopped by ${lines.length} compliance finding(s):\n${lines.join("\n")}`, app);
  }
  // A bug keeps its stack trace, and leaves no output to deploy either.
  discardSynthOutput(outdirOf(app), `synth failed: ${e instanceof Error ? e.message.split("\n")[0] : String(e)}`);
  throw e;
}

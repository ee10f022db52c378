import * as fs from "node:fs";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import { ALL_RULES, controlList, Finding, loadInput, runRules } from "../compliance";
import { clearSynthFailure, discardSynthOutput } from "../compliance/output";

/**
 * `bulwark synth [ENTRY]`: a user's cdktf app on the repository's fast path. esbuild bundles the
 * app's sources, and once the packages it imports; node runs the bundles; then the written output
 * is judged by every rule and one summary line goes to stdout. A bad value in the app ends as one
 * line on stderr naming construct path, field and value (exit 1).
 */
export interface SynthIo {
  out: (line: string) => void;
  err: (line: string) => void;
}

/** The nearest folder up from `dir` holding a package.json: the project the app belongs to. */
export function projectRootOf(dir: string): string {
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    if (fs.existsSync(path.join(d, "package.json"))) return d;
    if (path.dirname(d) === d) return path.resolve(dir);
  }
}

/** This package's own root (where scripts/runner.mjs lives), from the sources, a bundle or dist/. */
export function packageRoot(): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, "scripts", "runner.mjs")) && fs.existsSync(path.join(dir, "package.json"))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`cannot find bulwark's scripts/runner.mjs above ${__dirname}`);
  }
}

// A real dynamic import from CommonJS output (tsc would turn `import()` into `require()`).
const importEsm = new Function("specifier", "return import(specifier)") as (s: string) => Promise<{ runTypeScript: (entry: string, args: string[], opts: { root: string }) => Promise<void> }>;

/**
 * The one line a failed synth ends with, or undefined when the error is not bad input (a bug in
 * the app keeps its stack trace). Errors are recognised by name, not instanceof: the app's copy
 * of bulwark lives in its own bundle.
 */
export function synthErrorLine(e: unknown): string | undefined {
  if (!(e instanceof Error) && !(typeof e === "object" && e !== null && "message" in e)) return undefined;
  const err = e as Error;
  if (err.name === "BulwarkValidationError" || err.name === "ConfigError") return `bulwark: ${err.message.split("\n")[0]}`;
  // cdktf's message for failed validations (the compliance gate among them) ends with advice to
  // skip validation, which would skip the gate: keep the findings, drop the advice.
  if (/^Validation failed with the following errors:\n/.test(err.message ?? "")) {
    const lines = err.message
      .split("\n")
      .filter((l) => /^\s+\[/.test(l))
      .map((l) => l.trim());
    return `bulwark: synth stopped by ${lines.length} finding(s):\n${lines.join("\n")}`;
  }
  return undefined;
}

/** `bulwark run ENTRY`: the fast path alone (bundle once, run with node); bad input ends as one line. */
export async function run(entry: string, args: string[], io: SynthIo): Promise<number> {
  const root = projectRootOf(process.cwd());
  const entryPath = path.resolve(process.cwd(), entry);
  if (!fs.existsSync(entryPath)) {
    io.err(`bulwark: ${entry}: no such file`);
    return 2;
  }
  const runner = path.join(packageRoot(), "scripts", "runner.mjs");
  const { runTypeScript } = await importEsm(pathToFileURL(runner).href);
  const argv = process.argv;
  try {
    await runTypeScript(entryPath, args, { root });
  } catch (e) {
    const line = synthErrorLine(e);
    if (line === undefined) throw e;
    io.err(line);
    return 1;
  } finally {
    process.argv = argv;
  }
  return 0;
}

/**
 * A synth that fails — the app stops on bad input or a gate finding, throws, or its output has an
 * error finding — leaves no output to take as current (compliance/output.ts): `bulwark check` and
 * `bulwark diff` refuse the directory naming the reason, `cdktf deploy --skip-synth` finds no manifest.
 */
export async function synth(entry: string, args: string[], io: SynthIo, opts: { scope?: "resource" | "all" } = {}): Promise<number> {
  // cdktf tells the app where to write through CDKTF_OUTDIR; an app run alone writes cdktf.out.
  const outdir = path.resolve(process.env.CDKTF_OUTDIR ?? path.join(process.cwd(), "cdktf.out"));
  const failed = (message: string): number => {
    discardSynthOutput(outdir, message);
    io.err(message);
    return 1;
  };
  let reason = "";
  let ran: number;
  try {
    ran = await run(entry, args, { out: io.out, err: (line) => ((reason = line), io.err(line)) });
  } catch (e) {
    discardSynthOutput(outdir, `synth failed: ${e instanceof Error ? e.message.split("\n")[0] : String(e)}`);
    throw e;
  }
  // 2: no such entry, nothing ran and nothing was written.
  if (ran === 2) return ran;
  if (ran !== 0) {
    discardSynthOutput(outdir, reason || "synth failed");
    return ran;
  }
  if (!fs.existsSync(path.join(outdir, "manifest.json"))) return failed(`bulwark: ${entry} wrote no ${path.relative(process.cwd(), outdir) || outdir}/manifest.json: does it call app.synth()?`);
  const hcl = fs.readdirSync(path.join(outdir, "stacks"), { withFileTypes: true }).some((d) => d.isDirectory() && fs.existsSync(path.join(outdir, "stacks", d.name, "cdk.tf")));
  if (hcl) {
    clearSynthFailure(outdir);
    io.out(`bulwark: synthesized HCL to ${path.relative(process.cwd(), outdir) || "."}; compliance: judged at synth by the gate (HCL is not read back)`);
    return 0;
  }
  const input = loadInput(outdir);
  const report = runRules(input.resources, ALL_RULES, { suppressions: input.suppressions, gaps: input.gaps, scope: opts.scope ?? "all" });
  const line = (f: Finding) => `${f.ruleId} [${controlList(f.controls)}] ${f.constructPath ?? `${f.stack} ${f.address}`}: ${f.message}`;
  const errors = report.findings.filter((f) => (f.severity === "error" || f.severity === "unverifiable") && !f.suppressed);
  const counts = new Map<string, number>();
  for (const r of input.resources) if (r.mode === "managed") counts.set(r.stack, (counts.get(r.stack) ?? 0) + 1);
  const stacks = [...counts].map(([name, n]) => `${name} (${n} resources)`).join(", ") || "no resources";
  const { warnings, suppressed } = report.summary;
  const shown = path.relative(process.cwd(), outdir);
  if (errors.length > 0) return failed(`bulwark: synth of ${stacks} stopped by ${errors.length} compliance finding(s), its output in ${shown || "."} removed:\n${errors.map(line).join("\n")}`);
  clearSynthFailure(outdir);
  io.out(`bulwark: synthesized ${stacks} to ${shown.startsWith("..") ? outdir : shown || "."}; compliance: 0 errors, ${warnings} warning(s), ${suppressed} suppressed`);
  for (const f of report.findings.filter((f) => f.severity === "warning" && !f.suppressed)) io.out(`  warning ${line(f)}`);
  return 0;
}

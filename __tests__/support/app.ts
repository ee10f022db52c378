import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { oncePerRun } from "./once";
import { TfJson } from "./synth";

export const ROOT = path.resolve(__dirname, "..", "..");

export interface SynthRun {
  status: number | null;
  stdout: string;
  stderr: string;
  outdir: string;
  /** Synthesized stacks by name, read from the manifest. */
  stacks: Record<string, TfJson>;
}

/** The reference environments the tests are about; a user's own environment file needs no test edits. */
export const REFERENCE_ENVIRONMENTS = ["dev", "prod"] as const;

const staged = new Map<string, string>();

/**
 * A directory holding only the reference environment files (copied from `source`, examples/environments
 * by default), so that an environment file added next to them changes no test and writes no golden file.
 */
export function referenceEnvironmentsDir(source = path.join(ROOT, "examples", "environments")): string {
  let dir = staged.get(source);
  if (!dir) {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "bulwark-reference-envs-"));
    for (const name of REFERENCE_ENVIRONMENTS) fs.copyFileSync(path.join(source, `${name}.yaml`), path.join(dir, `${name}.yaml`));
    staged.set(source, dir);
  }
  return dir;
}

/**
 * Runs the main job exactly as `npm run synth` does (the fast path, a separate node process)
 * into a temp directory, with extra environment variables.
 */
export function runSynth(env: Record<string, string> = {}): SynthRun {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "bulwark-synth-"));
  const res = spawnSync(process.execPath, [path.join(ROOT, "scripts", "run.mjs"), "main.ts"], {
    cwd: ROOT,
    env: { ...process.env, CDKTF_OUTDIR: outdir, BULWARK_ENVIRONMENTS_DIR: referenceEnvironmentsDir(), ...env },
    encoding: "utf8",
  });
  return { status: res.status, stdout: res.stdout, stderr: res.stderr, outdir, stacks: stacksIn(res.status, outdir) };
}

/**
 * The main job's output on the reference environments (runSynth with nothing added), made once per
 * `npm test` run by the first suite that asks and read by the others: for suites that only read it.
 * Nothing may write into its `outdir` (the suites copy it first to change it). The suite that tests the
 * main job itself reads it too, and runs the job a second time to compare.
 */
export function referenceSynth(): SynthRun {
  return oncePerRun(path.join(os.tmpdir(), `bulwark-reference-synth-${process.ppid}.json`), () => runSynth(), {
    write: ({ status, stdout, stderr, outdir }) => JSON.stringify({ status, stdout, stderr, outdir }),
    read: (text) => {
      const run = JSON.parse(text) as Omit<SynthRun, "stacks">;
      return { ...run, stacks: stacksIn(run.status, run.outdir) };
    },
  });
}

/** The synthesized stacks by name, read from the output's manifest. */
function stacksIn(status: number | null, outdir: string): Record<string, TfJson> {
  const stacks: Record<string, TfJson> = {};
  const manifestFile = path.join(outdir, "manifest.json");
  if (status === 0 && fs.existsSync(manifestFile)) {
    const manifest = JSON.parse(fs.readFileSync(manifestFile, "utf8")) as { stacks: Record<string, { synthesizedStackPath: string }> };
    for (const [name, s] of Object.entries(manifest.stacks)) {
      // HCL output (SYNTH_HCL_OUTPUT=true) is left on disk for terraform to read.
      if (s.synthesizedStackPath.endsWith(".json")) stacks[name] = JSON.parse(fs.readFileSync(path.join(outdir, s.synthesizedStackPath), "utf8")) as TfJson;
    }
  }
  return stacks;
}

/**
 * Compares `actual` lines with a golden file; BULWARK_UPDATE_GOLDEN=1 rewrites the file instead.
 * A missing golden file fails: it is written only on purpose, never as a side effect of a test run.
 */
export function expectGolden(file: string, actual: string[]): void {
  const text = actual.join("\n") + "\n";
  if (process.env.BULWARK_UPDATE_GOLDEN === "1") {
    fs.writeFileSync(file, text);
    return;
  }
  if (!fs.existsSync(file)) throw new Error(`golden file ${path.relative(ROOT, file)} is missing (write it on purpose with BULWARK_UPDATE_GOLDEN=1 and commit it)`);
  expect(text).toEqual(fs.readFileSync(file, "utf8"));
}

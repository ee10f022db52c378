import * as fs from "node:fs";
import * as path from "node:path";

/**
 * A synth that fails (bad input, an error finding, a bug in the app) leaves nothing in its output
 * directory that `bulwark check`, `bulwark diff` or `cdktf deploy --skip-synth` could take as
 * current: cdktf's manifest and stack files and bulwark's checkov baseline are removed (what an
 * earlier synth wrote is no more current than a half-written one), and a marker file says why.
 * Anything else in the directory (terraform's `.terraform/`, plans, a user's notes) stays.
 */

/** The marker a failed synth leaves in its output directory: the reason, first line first. */
export const SYNTH_FAILED_FILE = "bulwark-synth-failed.txt";

/** Files cdktf writes into a stack's folder: the configuration as JSON, or as HCL with its metadata. */
export const CDKTF_STACK_FILES = ["cdk.tf.json", "cdk.tf", "metadata.json"] as const;

/** Written into the output directory (besides cdktf's files) by the reference environments' synth. */
const OWN_FILES = ["manifest.json", "checkov.baseline"];

/**
 * Makes `outdir` unusable as a synth's result after a failure, and records `reason` (its first
 * line is what readers quote). Nothing happens when the directory does not exist: nothing there
 * could be taken as current.
 */
export function discardSynthOutput(outdir: string, reason: string): void {
  if (!isDirectory(outdir)) return;
  for (const f of OWN_FILES) fs.rmSync(path.join(outdir, f), { force: true });
  const stacksDir = path.join(outdir, "stacks");
  if (isDirectory(stacksDir)) {
    for (const entry of fs.readdirSync(stacksDir, { withFileTypes: true })) {
      if (!entry.isDirectory()) continue;
      const dir = path.join(stacksDir, entry.name);
      for (const f of CDKTF_STACK_FILES) fs.rmSync(path.join(dir, f), { force: true });
      if (fs.readdirSync(dir).length === 0) fs.rmdirSync(dir);
    }
  }
  fs.writeFileSync(path.join(outdir, SYNTH_FAILED_FILE), `${reason.replace(/^bulwark: /, "").trim()}\n`);
}

function isDirectory(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/** A synth that succeeded: its output is current, the marker of an earlier failure goes. */
export function clearSynthFailure(outdir: string): void {
  fs.rmSync(path.join(outdir, SYNTH_FAILED_FILE), { force: true });
}

/**
 * The first line of the reason a synth into `dir` failed, when its marker is there and no synth
 * has written a manifest since; undefined otherwise.
 */
export function synthFailure(dir: string): string | undefined {
  const marker = path.join(dir, SYNTH_FAILED_FILE);
  if (!fs.existsSync(marker) || fs.existsSync(path.join(dir, "manifest.json"))) return undefined;
  let text = "";
  try {
    text = fs.readFileSync(marker, "utf8");
  } catch {
    /* unreadable: the failure itself is still the answer */
  }
  return text.split("\n")[0].trim().replace(/:$/, "") || "reason not recorded";
}

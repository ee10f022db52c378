import { diffConfigs, diffJson, diffPlans, totals } from "../review/diff";
import { diffMarkdown, MarkdownOptions, workflowRunUrl } from "../review/markdown";
import { UsageError } from "./errors";
import { checkOutputFile, writeOutputFile } from "./output";

export interface DiffOptions {
  plan?: string[];
  base?: string;
  head?: string;
  synth?: string;
  format: string;
  output?: string;
  failOn?: string;
  /** Names of the compared commits or branches (default: GITHUB_BASE_REF and GITHUB_SHA when set). */
  baseRef?: string;
  headRef?: string;
}

/**
 * delete/replace: the change destroys or replaces anything; finding: it introduces an
 * unsuppressed error finding; suppression: it suppresses a finding (newly or for another
 * reason); protection: it removes or weakens a protection against loss; dangerous: any
 * dangerous change at all.
 */
const FAIL_ON = ["delete", "replace", "finding", "suppression", "protection", "dangerous", "exposure"] as const;

/** `bulwark diff`: returns the exit status (1 when a --fail-on condition holds). */
export function diff(opts: DiffOptions, write: (text: string) => void, progress: (text: string) => void, env: Record<string, string | undefined> = process.env): number {
  if (!["md", "json"].includes(opts.format)) throw new UsageError(`--format ${opts.format}: must be md or json`);
  const failOn = (opts.failOn ?? "").split(",").map((s) => s.trim()).filter(Boolean);
  for (const f of failOn) if (!(FAIL_ON as readonly string[]).includes(f)) throw new UsageError(`--fail-on ${f}: must be a comma-separated list of ${FAIL_ON.join(", ")}`);
  const planMode = (opts.plan ?? []).length > 0;
  // With --plan, --base alone names the base's configuration, to compare provider settings with.
  if (planMode ? Boolean(opts.head) : !(opts.base || opts.head)) throw new UsageError("give either --plan PLAN.json... [--base DIR] or --base DIR --head DIR");
  if (!planMode && !(opts.base && opts.head)) throw new UsageError("--base and --head go together");
  if (opts.output !== undefined) checkOutputFile("--output", opts.output);
  progress(planMode ? `reading ${opts.plan!.length} plan(s)` : `comparing ${opts.base} with ${opts.head}`);
  if (opts.synth && !planMode) throw new UsageError("--synth goes with --plan (base and head already carry construct paths)");
  const result = planMode ? diffPlans(opts.plan!, opts.synth, opts.base) : diffConfigs(opts.base!, opts.head!);
  const baseRef = opts.baseRef || env.GITHUB_BASE_REF || undefined;
  const headRef = opts.headRef || env.GITHUB_SHA || undefined;
  const md: MarkdownOptions = { ...(baseRef ? { baseRef } : {}), ...(headRef ? { headRef } : {}) };
  const artifactUrl = workflowRunUrl(env);
  const text = opts.format === "json" ? diffJson(result) : diffMarkdown(result, { ...md, fullReport: opts.output, ...(artifactUrl ? { artifactUrl } : {}) });
  if (opts.output !== undefined) {
    writeOutputFile("--output", opts.output, opts.format === "json" ? text : diffMarkdown(result, { ...md, limit: Number.MAX_SAFE_INTEGER }));
    if (opts.format === "md") write(text);
  } else write(text);
  const t = totals(result);
  const failed =
    (failOn.includes("delete") && t.delete > 0) ||
    (failOn.includes("replace") && t.replace > 0) ||
    (failOn.includes("finding") && result.introduced.some((f) => f.severity === "error" && !f.suppressed)) ||
    (failOn.includes("suppression") && result.suppressed.length > 0) ||
    (failOn.includes("protection") && result.dangerous.some((d) => d.class === "protection")) ||
    (failOn.includes("dangerous") && result.dangerous.length > 0) ||
    (failOn.includes("exposure") && (result.exposure?.opened ?? []).some((p) => p.widens));
  return failed ? 1 : 0;
}

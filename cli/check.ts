import { UsageError } from "./errors";
import { checkOutputFile, writeOutputFile } from "./output";
import { ALL_RULES, controlList, DEFAULT_SETTINGS, format, Format, FORMATS, INPUT_NOT_READ, loadInput, runRules, Scope } from "../compliance/checker";

export interface CheckOptions {
  format: string;
  output?: string;
  listRules?: boolean;
  scope?: string;
  failOnUnverifiable?: boolean;
  authorizedPorts?: string;
}

const SCOPES = ["resource", "account", "all"] as const;

/** Parses `--authorized-ports 80,443,8443`. */
export function parsePorts(text: string): number[] {
  const ports = text.split(",").map((s) => s.trim()).filter(Boolean);
  for (const p of ports) if (!/^\d+$/.test(p) || Number(p) > 65535) throw new UsageError(`--authorized-ports ${text}: ${JSON.stringify(p)} is not a port 0-65535`);
  return ports.map(Number);
}

/**
 * `bulwark check`: returns the exit status — 0 clean, 1 an unsuppressed error finding (or, with
 * --fail-on-unverifiable, an unverifiable one), 2 input that was not all read (the report is
 * still written). Unreadable input throws InputError (exit 2).
 */
export function check(target: string, opts: CheckOptions, write: (text: string) => void): number {
  if (!FORMATS.includes(opts.format as Format)) throw new UsageError(`--format ${opts.format}: must be one of ${FORMATS.join(", ")}`);
  const scope = opts.scope ?? "all";
  if (!(SCOPES as readonly string[]).includes(scope)) throw new UsageError(`--scope ${scope}: must be one of ${SCOPES.join(", ")}`);
  if (opts.output !== undefined) checkOutputFile("--output", opts.output);
  const settings = { ...DEFAULT_SETTINGS, ...(opts.authorizedPorts !== undefined ? { authorizedPorts: parsePorts(opts.authorizedPorts) } : {}) };
  if (opts.listRules) {
    const rows = ALL_RULES.map((r) => `${r.id.padEnd(30)} ${r.severity.padEnd(8)} ${r.scope.padEnd(9)} ${r.title} [${controlList(r.controls, true) || "—"}]`);
    write(rows.join("\n") + "\n");
    return 0;
  }
  const input = loadInput(target);
  const report = runRules(input.resources, ALL_RULES, { scope: scope as Scope | "all", settings, suppressions: input.suppressions, gaps: input.gaps });
  const text = format(report, opts.format as Format, target);
  if (opts.output !== undefined) writeOutputFile("--output", opts.output, text);
  else write(text);
  if (report.findings.some((f) => f.ruleId === INPUT_NOT_READ && !f.suppressed)) return 2;
  if (report.summary.errors > 0) return 1;
  return opts.failOnUnverifiable && report.summary.unverifiable > 0 ? 1 : 0;
}

export { UsageError };

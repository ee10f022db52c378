import * as fs from "node:fs";
import { ALL_RULES, controlList, format, Format, FORMATS, loadInput, runRules } from "../compliance";

export interface CheckOptions {
  format: string;
  output?: string;
  listRules?: boolean;
}

/** `bulwark check`: returns the exit status (0 clean, 1 unsuppressed errors). Bad input throws InputError. */
export function check(target: string, opts: CheckOptions, write: (text: string) => void): number {
  if (!FORMATS.includes(opts.format as Format)) throw new UsageError(`--format ${opts.format}: must be one of ${FORMATS.join(", ")}`);
  if (opts.listRules) {
    const rows = ALL_RULES.map((r) => `${r.id.padEnd(28)} ${r.severity.padEnd(8)} ${r.scope.padEnd(9)} ${r.title} [${controlList(r.controls, true) || "—"}]`);
    write(rows.join("\n") + "\n");
    return 0;
  }
  const input = loadInput(target);
  const report = runRules(input.resources);
  const text = format(report, opts.format as Format, target);
  if (opts.output) fs.writeFileSync(opts.output, text);
  else write(text);
  return report.summary.errors > 0 ? 1 : 0;
}

export class UsageError extends Error {}

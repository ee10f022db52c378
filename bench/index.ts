import * as path from "node:path";
import { accuracyReport, checkovOutcomes, corpusDir, peerTable, scoreCorpus } from "./accuracy";
import { fuzzReport } from "./fuzz";
import { testCpuReport } from "./tests";
import { Figure, printTable } from "./measure";
import { renameFigures } from "./renames";
import { exposureFigures, scaleFigures } from "./scale";
import { synthFigures } from "./synth";
import { checkFigures, diffFigures, publishFigures, typecheckFigures } from "./tools";

/**
 * `npm run bench [-- --runs N] [-- --only NAME,...]` (names: the suites below, `accuracy`, and `fuzz` and
 * `tests`, which run only when named): speed and memory of bulwark's paths
 * against the stock/peer path, side by side, medians of N runs (default 5). Figures are
 * printed, never asserted.
 */
const args = process.argv.slice(2);
const runs = Number(args[args.indexOf("--runs") + 1] ?? 5) || 5;
const only = args.includes("--only") ? args[args.indexOf("--only") + 1].split(",") : undefined;
const root = path.resolve(__dirname, "..", "..");

const suites: Record<string, () => Figure[]> = {
  synth: () => synthFigures(root, runs),
  scale: () => scaleFigures(root, runs),
  exposure: () => exposureFigures(root, runs),
  check: () => checkFigures(root, runs),
  diff: () => diffFigures(root, runs),
  renames: () => renameFigures(root, runs),
  publish: () => publishFigures(root, runs),
  typecheck: () => typecheckFigures(root, runs),
};

// Accuracy is a table of its own (precision and recall per rule), not a speed figure.
if (!only || only.includes("accuracy")) {
  process.stderr.write("bench accuracy (labeled real-world corpus)\n");
  const ours = scoreCorpus(corpusDir(root));
  console.log(accuracyReport(ours) + "\n");
  // Side by side with checkov when a runner is given (a development tool, never needed).
  if (process.env.BULWARK_CHECKOV) console.log(peerTable(ours, checkovOutcomes(corpusDir(root), process.env.BULWARK_CHECKOV)) + "\n");
}

// The metamorphic relations at a large count: cases, violations and time, not a speed figure either.
if (only?.includes("fuzz")) {
  process.stderr.write("bench fuzz (metamorphic relations)\n");
  console.log(fuzzReport() + "\n");
}

// Where `npm test`'s CPU goes, per test file and per Terraform call: one run of the suite, not a speed figure.
if (only?.includes("tests")) {
  process.stderr.write("bench tests (npm test's CPU, per file and per terraform call)\n");
  console.log(testCpuReport(root) + "\n");
}

const rows: Figure[] = [];
for (const [name, suite] of Object.entries(suites)) {
  if (only ? !only.includes(name) : false) continue;
  process.stderr.write(`bench ${name} (${runs} runs each)\n`);
  rows.push(...suite());
}
if (rows.length) printTable(rows);

/**
 * `npm run bench -- --only fuzz`: the metamorphic relations of __tests__/compliance/metamorphic.test.ts
 * at a much larger count (BULWARK_FUZZ_RUNS per relation, default 5000; BULWARK_FUZZ_PLANS networks
 * planned four ways in one Terraform plan, default 60; BULWARK_FUZZ_SEED). Prints the cases, the
 * violations and the time of each; a violation prints its smallest case as Terraform JSON.
 */
import * as fc from "fast-check";
import * as fs from "node:fs";
import { planCases, planViolations, planWays, RELATIONS } from "../__tests__/support/relations";

export function fuzzReport(): string {
  const seed = Number(process.env.BULWARK_FUZZ_SEED ?? 20261205);
  const runs = Number(process.env.BULWARK_FUZZ_RUNS ?? 5000);
  const plans = Number(process.env.BULWARK_FUZZ_PLANS ?? 60);
  const rows = ["| relation | cases | violations | seconds |", "|---|---|---|---|"];
  const failures: string[] = [];
  let total = 0;
  for (const r of RELATIONS) {
    const n = Math.max(20, Math.round(runs * r.weight));
    const start = process.hrtime.bigint();
    const result = fc.check(r.property(), { seed, numRuns: n });
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    const ran = result.failed ? result.numRuns : n;
    total += ran;
    rows.push(`| ${r.name.split(":")[0]} | ${ran} | ${result.failed ? 1 : 0} | ${seconds.toFixed(1)} |`);
    if (result.failed) failures.push(`${r.name}:\n${String(result.errorInstance instanceof Error ? result.errorInstance.message : result.errorInstance)}`);
    process.stderr.write(`  ${r.name.split(":")[0]}: ${ran} cases, ${seconds.toFixed(1)} s\n`);
  }
  const start = process.hrtime.bigint();
  const cases = planCases(seed, plans);
  const planned = planWays(cases);
  const violations = planViolations(cases, planned.resources);
  fs.rmSync(planned.dir, { recursive: true, force: true });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  total += plans * 4;
  rows.push(`| count, for_each, modules (one real plan) | ${plans * 4} (${plans} networks × 4 ways) | ${violations.length} | ${seconds.toFixed(1)} |`);
  failures.push(...violations);
  rows.push(`| **total** | ${total} | ${failures.length} | |`);
  return [`seed ${seed}`, rows.join("\n"), "", failures.length ? `Violations:\n${failures.join("\n\n")}` : "No relation violated."].join("\n");
}

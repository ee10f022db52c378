import * as fs from "node:fs";
import { stopProcessAndWait } from "./emulator";
import * as path from "node:path";
import { PoolProfile, poolStats, stopPoolLeftovers, viewMisses } from "./provider-server";

/**
 * Stops the emulator the global setup started, printing the CPU time it used (by its pid; an endpoint given as a URL is not ours to
 * stop) and the provider pool (reporting its processes and CPU in one line), then removes the run's temporary directory, unless BULWARK_KEEP_DEPLOY asked to keep what
 * the deploy suites made (the directory is named then).
 */
export default async function globalTeardown(): Promise<void> {
  const pid = Number(process.env.BULWARK_AWS_EMULATOR_PID);
  if (Number.isInteger(pid) && pid > 0) {
    const cpu = processCpuSeconds(pid);
    if (cpu !== undefined) process.stderr.write(`AWS API emulator: ${Math.round(cpu)} s of CPU\n`);
    await stopProcessAndWait(pid);
  }
  delete process.env.BULWARK_AWS_EMULATOR_PID;
  const runTmp = process.env.BULWARK_TEST_RUN_TMPDIR;
  const provider = Number(process.env.BULWARK_TF_PROVIDER_PID);
  if (Number.isInteger(provider) && provider > 0) {
    const pool = JSON.parse(process.env.BULWARK_TF_POOL ?? "[]") as PoolProfile[];
    const s = pool.length ? await poolStats(pool[0].reattach).catch(() => undefined) : undefined;
    const misses = runTmp ? viewMisses(path.join(runTmp, "providers")) : [];
    if (s) {
      process.stderr.write(
        `provider processes: ${s.started} started, ${s.configures} configurations, ${s.configureReplays} walks served by a configured one, ${s.evicted} stopped idle` +
          `${s.cpu === undefined ? "" : `; ${Math.round(s.cpu)} s of CPU with the pool (${Math.round(s.cpuParts.server)} the server, ${Math.round(s.cpuParts.unconfigured)} the unconfigured process, ${Math.round(s.cpuParts.configured + s.cpuParts.exited)} the configured ones)`}` +
          `; ${s.viewSchemas ?? 0} schemas served as views of ${s.views ?? 0} type sets, ${misses.length} calls run again with the whole schema` +
          `; ${s.validations ?? 0} distinct validations, ${s.validationReplays ?? 0} answered again from the first\n`,
      );
    }
    for (const m of misses) process.stderr.write(`  a view was too narrow for: ${m}\n`);
    await stopProcessAndWait(provider);
    const left = runTmp ? stopPoolLeftovers(path.join(runTmp, "providers")) : [];
    if (left.length) process.stderr.write(`provider processes the pool left running, killed: ${left.join(", ")}\n`);
  }
  delete process.env.BULWARK_TF_PROVIDER_PID;
  if (!runTmp) return;
  if (process.env.BULWARK_KEEP_DEPLOY) process.stderr.write(`the run's temporary files are kept in ${runTmp}\n`);
  else fs.rmSync(runTmp, { recursive: true, force: true });
}

/** CPU seconds (user + system) of a running process and the children it waited for (Linux /proc only). */
function processCpuSeconds(pid: number): number | undefined {
  const { statSum } = require("./provider-pool.js") as { statSum: (stat: string, fields: number[]) => number };
  try {
    return statSum(fs.readFileSync(`/proc/${pid}/stat`, "utf8"), [14, 15, 16, 17]) / 100;
  } catch {
    return undefined;
  }
}

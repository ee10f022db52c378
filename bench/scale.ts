import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Figure, fmtSample, measure, runOnce, Sample } from "./measure";

/** Copies of dev and prod with their own names and accounts, `n` in all, in a new directory. */
function environments(root: string, n: number): string {
  const dev = fs.readFileSync(path.join(root, "examples", "environments", "dev.yaml"), "utf8");
  const prod = fs.readFileSync(path.join(root, "examples", "environments", "prod.yaml"), "utf8");
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `bulwark-scale-${n}-`));
  for (let i = 0; i < n; i++) {
    const src = i % 2 ? prod : dev;
    fs.writeFileSync(path.join(dir, `env${i}.yaml`), src.replace(/^name: .*$/m, `name: env${i}`).replace(/^accountId: .*$/m, `accountId: "${100000000000 + i}"`));
  }
  return dir;
}

/** `bulwark exposure` over 50 environments (synthesized once): routes, ACLs both ways, security groups, endpoints, tiers. */
export function exposureFigures(root: string, runs: number): Figure[] {
  const dir = environments(root, 50);
  const out = path.join(dir, "out");
  runOnce(process.execPath, ["scripts/run.mjs", "main.ts"], { cwd: root, env: { BULWARK_ENVIRONMENTS_DIR: dir, CDKTF_OUTDIR: out } });
  const sample = measure("bulwark exposure, 50 environments", runs, () => runOnce(process.execPath, ["bin/bulwark.mjs", "exposure", out, "--format", "json", "--output", path.join(dir, "exposure.json")], { cwd: root }));
  const paths = (JSON.parse(fs.readFileSync(path.join(dir, "exposure.json"), "utf8")) as { paths: unknown[] }).paths.length;
  fs.rmSync(dir, { recursive: true, force: true });
  return [{ figure: `bulwark exposure, 50 envs, ${paths} paths`, ours: fmtSample(sample), peer: "—", ratio: "—", goal: "≤ 2 s" }];
}

/**
 * Synth of generated environment sets (copies of dev and prod with their own names and
 * accounts) from 1 to 50 environments: time and peak memory, and how they grow.
 */
export function scaleFigures(root: string, runs: number): Figure[] {
  const results: [number, Sample, number][] = [];
  let exposure: Sample | undefined;
  for (const n of [1, 10, 25, 50]) {
    const dir = environments(root, n);
    const out = path.join(dir, "out");
    const sample = measure(`synth of ${n} environment(s)`, n >= 25 ? Math.min(runs, 3) : runs, () =>
      runOnce(process.execPath, ["scripts/run.mjs", "main.ts"], { cwd: root, env: { BULWARK_ENVIRONMENTS_DIR: dir, CDKTF_OUTDIR: out } }),
    );
    const resources = fs
      .readdirSync(path.join(out, "stacks"))
      .map((s) => JSON.parse(fs.readFileSync(path.join(out, "stacks", s, "cdk.tf.json"), "utf8")) as { resource?: Record<string, object> })
      .reduce((sum, j) => sum + Object.values(j.resource ?? {}).reduce((a, b) => a + Object.keys(b).length, 0), 0);
    results.push([n, sample, resources]);
    // The path analysis over the same 50 environments (routes, ACLs both ways, security groups).
    if (n === 50) exposure = measure("bulwark exposure, 50 environments", Math.min(runs, 3), () => runOnce(process.execPath, ["bin/bulwark.mjs", "exposure", out, "--format", "json", "--output", path.join(dir, "exposure.json")], { cwd: root }));
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const [, base] = results[0];
  const rows: Figure[] = results.map(([n, s, resources]) => ({
    figure: `synth ${n} env(s), ${resources} resources`,
    ours: fmtSample(s),
    peer: n === 1 ? "—" : `×${(s.ms / base.ms).toFixed(1)} time, ×${((s.rssMb ?? 0) / (base.rssMb ?? 1)).toFixed(1)} memory vs 1 env`,
    ratio: n === 1 ? "—" : `${((s.ms - base.ms) / (n - 1)).toFixed(0)} ms/env`,
    goal: n === 50 ? "≤ 15 s, ≤ 1 GB, linear" : "linear",
  }));
  if (exposure) rows.push({ figure: `bulwark exposure, 50 envs, ${results[results.length - 1][2]} resources`, ours: fmtSample(exposure), peer: "—", ratio: "—", goal: "≤ 2 s" });
  return rows;
}

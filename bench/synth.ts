import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Figure, fmtSample, measure, runOnce } from "./measure";

/**
 * The main job against the stock path: `cdktf synth` with the cdktf template's
 * `npx ts-node main.ts`, on the same sources. "Edit" runs touch a source file first, so
 * nothing may be cached; "warm" runs change nothing.
 */
export function synthFigures(root: string, runs: number): Figure[] {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), "bulwark-bench-"));
  const env = { CHECKPOINT_DISABLE: "1", CDKTF_DISABLE_PLUGIN_CACHE_ENV: "1" };
  const touched = path.join(root, "modules", "launch-template", "index.ts");
  const touch = () => {
    const now = new Date();
    fs.utimesSync(touched, now, now);
  };
  const node = process.execPath;
  const cdktf = path.join(root, "node_modules", ".bin", "cdktf");

  const stock = measure("stock cdktf synth (ts-node), edited", runs, () => {
    touch();
    return runOnce(cdktf, ["synth", "--app", "npx ts-node main.ts", "--output", path.join(out, "stock")], { cwd: root, env });
  });
  const oursEdit = measure("npm run synth, edited", runs, () => {
    touch();
    return runOnce(node, ["scripts/run.mjs", "main.ts"], { cwd: root, env: { ...env, CDKTF_OUTDIR: path.join(out, "ours") } });
  });
  const oursWarm = measure("npm run synth, warm", runs, () => runOnce(node, ["scripts/run.mjs", "main.ts"], { cwd: root, env: { ...env, CDKTF_OUTDIR: path.join(out, "ours") } }), 1);
  const oursCli = measure("cdktf synth (fast app), edited", runs, () => {
    touch();
    return runOnce(cdktf, ["synth", "--output", path.join(out, "cli")], { cwd: root, env });
  });
  fs.rmSync(out, { recursive: true, force: true });
  const ratio = (a: number, b: number) => `${(b / a).toFixed(1)}×`;
  return [
    { figure: "synth after an edit (npm run synth)", ours: fmtSample(oursEdit), peer: fmtSample(stock), ratio: ratio(oursEdit.ms, stock.ms), goal: "≥ 6×" },
    { figure: "synth warm (npm run synth)", ours: fmtSample(oursWarm), peer: fmtSample(stock), ratio: ratio(oursWarm.ms, stock.ms), goal: "≥ 10×" },
    { figure: "synth after an edit (npx cdktf synth)", ours: fmtSample(oursCli), peer: fmtSample(stock), ratio: ratio(oursCli.ms, stock.ms), goal: "report" },
  ];
}

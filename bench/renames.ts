import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Figure, fmtSample, measure, runOnce } from "./measure";

/**
 * Two configurations of `n` resources where every address changed: half keep their construct
 * path and configuration, half change their Name tag too (the tags-only pairing).
 */
function renamedPair(n: number): { base: string; head: string } {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), `bulwark-bench-renames-${n}-`));
  const side = (prefix: string, tagged: (i: number) => string) => ({
    resource: {
      aws_sns_topic: Object.fromEntries(
        Array.from({ length: n }, (_, i) => [`${prefix}${i}`, { name: `topic-${i}`, kms_master_key_id: "alias/k", tags: { Name: tagged(i), team: "platform" }, "//": i % 2 ? undefined : { metadata: { path: `app/topics/t${i}` } } }]),
      ),
    },
  });
  const base = path.join(root, "base", "app");
  const head = path.join(root, "head", "app");
  fs.mkdirSync(base, { recursive: true });
  fs.mkdirSync(head, { recursive: true });
  fs.writeFileSync(path.join(base, "main.tf.json"), JSON.stringify(side("old", (i) => `old${i}`)));
  fs.writeFileSync(path.join(head, "main.tf.json"), JSON.stringify(side("new", (i) => (i % 4 === 1 ? `new${i}` : `old${i}`))));
  return { base, head };
}

/** `bulwark diff --base --head` where thousands of resources were renamed: pairing renames must stay near-linear. */
export function renameFigures(root: string, runs: number): Figure[] {
  const out: Figure[] = [];
  for (const n of [1500, 3000, 10000]) {
    const { base, head } = renamedPair(n);
    const s = measure(`bulwark diff, ${n} renames`, runs, () => runOnce(process.execPath, ["bin/bulwark.mjs", "diff", "--base", base, "--head", head, "--format", "json", "--output", path.join(path.dirname(head), "diff.json")], { cwd: root }));
    if (!process.env.BULWARK_BENCH_KEEP) fs.rmSync(path.dirname(path.dirname(base)), { recursive: true, force: true });
    out.push({ figure: `bulwark diff --base --head, ${n} renames`, ours: fmtSample(s), peer: "—", ratio: "—", goal: n === 10000 ? "≤ 2 s" : "near-linear" });
  }
  return out;
}

import { spawnSync } from "node:child_process";
import * as fs from "node:fs";

export interface Sample {
  ms: number;
  /** Peak resident memory of the child in MB, when GNU time is available. */
  rssMb?: number;
}

export interface Figure {
  figure: string;
  ours: string;
  peer: string;
  ratio: string;
  goal: string;
}

const GNU_TIME = fs.existsSync("/usr/bin/time") ? "/usr/bin/time" : undefined;

/** Runs a command once; throws with its output when it fails. */
export function runOnce(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; allowExit?: number[] } = {}): Sample {
  const wrapped = GNU_TIME ? [GNU_TIME, ["-f", "BULWARK_RSS_KB=%M", cmd, ...args]] : [cmd, args];
  const start = process.hrtime.bigint();
  const res = spawnSync(wrapped[0] as string, wrapped[1] as string[], { cwd: opts.cwd, env: { ...process.env, ...opts.env }, encoding: "utf8", maxBuffer: 1 << 30 });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (res.status !== 0 && !(opts.allowExit ?? []).includes(res.status ?? -1)) throw new Error(`${cmd} ${args.join(" ")} failed (${res.status}):\n${res.stderr}\n${res.stdout}`.slice(0, 4000));
  const rss = /BULWARK_RSS_KB=(\d+)/.exec(res.stderr ?? "");
  return { ms, rssMb: rss ? Number(rss[1]) / 1024 : undefined };
}

/** Median wall time and median peak RSS over `runs` runs (after `warmup` unmeasured runs). */
export function measure(label: string, runs: number, fn: () => Sample, warmup = 0): Sample {
  for (let i = 0; i < warmup; i++) fn();
  const samples: Sample[] = [];
  for (let i = 0; i < runs; i++) {
    samples.push(fn());
    process.stderr.write(`  ${label}: run ${i + 1}/${runs} ${samples[i].ms.toFixed(0)} ms\n`);
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const rss = samples.map((s) => s.rssMb).filter((x): x is number => x !== undefined);
  return { ms: median(samples.map((s) => s.ms)), rssMb: rss.length ? median(rss) : undefined };
}

export function fmtMs(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(0)} ms`;
}

export function fmtSample(s: Sample): string {
  return s.rssMb !== undefined ? `${fmtMs(s.ms)} / ${s.rssMb.toFixed(0)} MB` : fmtMs(s.ms);
}

export function printTable(rows: Figure[]): void {
  const header: Figure = { figure: "figure", ours: "ours", peer: "stock/peer", ratio: "ratio", goal: "goal" };
  const cols = Object.keys(header) as (keyof Figure)[];
  const width = Object.fromEntries(cols.map((c) => [c, Math.max(...[header, ...rows].map((r) => r[c].length))])) as Record<keyof Figure, number>;
  const line = (r: Figure) => `| ${cols.map((c) => r[c].padEnd(width[c])).join(" | ")} |`;
  console.log(line(header));
  console.log(`|${cols.map((c) => "-".repeat(width[c] + 2)).join("|")}|`);
  for (const r of rows) console.log(line(r));
}

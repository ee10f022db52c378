/**
 * `npm run bench -- --only tests`: where `npm test`'s CPU goes (docs/PERFORMANCE.md, "npm test"). Runs jest
 * as `npm test` does (the whole suite, or the files BULWARK_BENCH_TESTS names, a jest path pattern) with
 * a probe in every test file (bench/probe/file-cpu.js: the worker's CPU and that of the processes it
 * waited for) and a `terraform` first on PATH that times every call with its provider processes
 * (bench/probe/terraform), then prints the files and the Terraform calls by CPU. Linux only (/proc);
 * figures, never asserted. The emulator and the provider pool (the provider processes Terraform attaches to)
 * are the global setup's children: their CPU is in the run's total, not in a file's or a call's.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

/** The real terraform: TERRAFORM_BIN, or the first `terraform` on PATH. */
function realTerraform(): string {
  if (process.env.TERRAFORM_BIN) return process.env.TERRAFORM_BIN;
  for (const dir of (process.env.PATH ?? "").split(path.delimiter)) {
    const bin = path.join(dir, "terraform");
    if (dir && fs.existsSync(bin)) return bin;
  }
  throw new Error("bench tests: no terraform on PATH (nor TERRAFORM_BIN)");
}

export function testCpuReport(root: string): string {
  if (!fs.existsSync("/proc/self/stat")) return "bench tests: needs Linux /proc to read CPU times; not run";
  // The probes' reader of /proc (plain JavaScript: the probes run outside the TypeScript build).
  const { cpuTimes } = require(path.join(root, "bench", "probe", "cpu.js")) as { cpuTimes: () => { self: number; children: number } };
  const childrenCpu = () => cpuTimes().children;
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "bulwark-bench-tests-"));
  const fileLog = path.join(work, "files.tsv");
  const tfLog = path.join(work, "terraform.tsv");
  fs.writeFileSync(fileLog, "");
  fs.writeFileSync(tfLog, "");
  const probe = path.join(root, "bench", "probe");
  const pattern = process.env.BULWARK_BENCH_TESTS ? [process.env.BULWARK_BENCH_TESTS] : [];
  const cpuBefore = childrenCpu();
  const started = Date.now();
  const res = spawnSync(process.execPath, [path.join(root, "node_modules", "jest", "bin", "jest.js"), "--ci", ...pattern, "--setupFilesAfterEnv", path.join(probe, "file-cpu.js")], {
    cwd: root,
    stdio: ["ignore", "inherit", "inherit"],
    env: {
      ...process.env,
      PATH: `${probe}${path.delimiter}${process.env.PATH ?? ""}`,
      TERRAFORM_BIN: path.join(probe, "terraform"),
      BULWARK_BENCH_TERRAFORM: realTerraform(),
      BULWARK_BENCH_FILE_LOG: fileLog,
      BULWARK_BENCH_TF_LOG: tfLog,
    },
  });
  const wall = (Date.now() - started) / 1000;
  const cpu = childrenCpu() - cpuBefore;
  const rows = (file: string) => fs.readFileSync(file, "utf8").split("\n").filter(Boolean).map((l) => l.split("\t"));
  const files = rows(fileLog)
    .map(([file, total, self, seconds]) => ({ file: path.relative(path.join(root, "__tests__"), file), total: Number(total), self: Number(self), wall: Number(seconds) }))
    .sort((a, b) => b.total - a.total);
  const calls = rows(tfLog).map(([cpuS, seconds, dir, args]) => ({ cpu: Number(cpuS), wall: Number(seconds), dir, args }));
  fs.rmSync(work, { recursive: true, force: true });

  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  const out = [
    `jest ${res.status === 0 ? "passed" : `exited ${res.status}`}: ${wall.toFixed(0)} s of wall time, ${cpu.toFixed(0)} s of CPU (user + system, everything it ran, the emulator too when it runs)`,
    "",
    "| test file | CPU s | the worker itself | wall s |",
    "|---|---|---|---|",
    ...files.slice(0, 20).map((f) => `| ${f.file} | ${f.total.toFixed(1)} | ${f.self.toFixed(1)} | ${f.wall.toFixed(0)} |`),
  ];
  const rest = files.slice(20);
  if (rest.length) out.push(`| the other ${rest.length} files | ${sum(rest.map((f) => f.total)).toFixed(1)} | ${sum(rest.map((f) => f.self)).toFixed(1)} | — |`);
  out.push(`| **all ${files.length} file${files.length === 1 ? "" : "s"}** | ${sum(files.map((f) => f.total)).toFixed(1)} | ${sum(files.map((f) => f.self)).toFixed(1)} | — |`, "");
  const byCommand = new Map<string, { n: number; cpu: number }>();
  for (const c of calls) {
    const command = c.args.split(" ")[0] || "(none)";
    const entry = byCommand.get(command) ?? { n: 0, cpu: 0 };
    byCommand.set(command, { n: entry.n + 1, cpu: entry.cpu + c.cpu });
  }
  out.push(`Terraform: ${calls.length} calls, ${sum(calls.map((c) => c.cpu)).toFixed(0)} s of CPU with the provider processes they started (the pool's own: the teardown's line)`, "", "| command | calls | CPU s |", "|---|---|---|");
  for (const [command, e] of [...byCommand].sort((a, b) => b[1].cpu - a[1].cpu)) out.push(`| ${command} | ${e.n} | ${e.cpu.toFixed(1)} |`);
  out.push("", "| costliest calls | directory | CPU s | wall s |", "|---|---|---|---|");
  for (const c of [...calls].sort((a, b) => b.cpu - a.cpu).slice(0, 12)) out.push(`| \`terraform ${c.args}\` | ${c.dir} | ${c.cpu.toFixed(1)} | ${c.wall.toFixed(0)} |`);
  return out.join("\n");
}

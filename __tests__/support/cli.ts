import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { ROOT } from "./app";

export interface CliRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `bulwark ...` as a user would after `npm ci` (bin/bulwark.mjs). */
export function bulwark(args: string[], cwd = ROOT): CliRun {
  const res = spawnSync(process.execPath, [path.join(ROOT, "bin", "bulwark.mjs"), ...args], { cwd, encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });
  return { status: res.status, stdout: res.stdout, stderr: res.stderr };
}

import * as fs from "node:fs";
import * as path from "node:path";
import { UsageError } from "./errors";

/** Why a path cannot be used as a folder to write into. */
export interface FolderProblem {
  /** The folder (or a folder above it) does not exist. */
  readonly missing: boolean;
  /** In words naming the path as given: `the directory out does not exist`, `notes.txt is a file, not a directory`. */
  readonly text: string;
}

/**
 * What keeps `dir` from being a folder to write into: a file where a folder should be (`dir` itself
 * or one further up: never called a missing directory), or a folder that does not exist (not a
 * problem with `missingOk`). Undefined when `dir` is a directory.
 */
export function folderProblem(dir: string, missingOk = false): FolderProblem | undefined {
  const missing = missingOk ? undefined : { missing: true, text: `the directory ${dir} does not exist` };
  for (let d = dir; ; d = path.dirname(d)) {
    let stat: fs.Stats | undefined;
    try {
      stat = fs.statSync(d);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      // ENOENT: not there, look further up; ENOTDIR: a file further up, found on the way.
      if (code !== "ENOENT" && code !== "ENOTDIR") return { missing: false, text: `${d} cannot be read (${code ?? (e as Error).message})` };
    }
    if (stat) {
      if (!stat.isDirectory()) return { missing: false, text: `${d} is a file, not a directory` };
      return d === dir ? undefined : missing;
    }
    if (path.dirname(d) === d) return missing;
  }
}

function isDirectory(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/**
 * Refuses, before any work, an `--output` that cannot be written: its folder missing (bulwark
 * does not create folders for a report) or a file in its way, or the path itself a directory.
 */
export function checkOutputFile(option: string, file: string): void {
  if (file.trim() === "") throw new UsageError(`${option} ${JSON.stringify(file)}: needs a file name`);
  const problem = folderProblem(path.dirname(file));
  if (problem) throw new UsageError(`${option} ${file}: ${problem.text}${problem.missing ? "; create it first (bulwark does not create folders)" : ""}`);
  if (isDirectory(file)) throw new UsageError(`${option} ${file}: is a directory; name a file to write the report to`);
}

/** Writes a report to `file`; a failure is one line naming the option and the path. */
export function writeOutputFile(option: string, file: string, text: string): void {
  try {
    fs.writeFileSync(file, text);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new UsageError(`${option} ${file}: cannot be written (${err.code ?? err.message.split("\n")[0]})`);
  }
}

import * as fs from "node:fs";
import * as path from "node:path";
import { publish, PublishError } from "../publish";
import { UsageError } from "./errors";
import { folderProblem } from "./output";

/**
 * `bulwark publish`: writes the modules; progress on stderr, the list of modules on stdout. `--out`
 * is read as the shell reads a path (relative to the working directory). A new directory's parent
 * must exist (with `createParents`, the default directory's, it is created); a file in the way is
 * named as a file. Both are refused before any work.
 */
export function publishCommand(opts: { out: string; module?: string[]; createParents?: boolean }, write: (t: string) => void, progress: (t: string) => void): number {
  if (opts.out.trim() === "") throw new UsageError(`--out ${JSON.stringify(opts.out)}: needs a directory name`);
  if (!exists(opts.out)) {
    const problem = folderProblem(path.dirname(opts.out), opts.createParents);
    if (problem) throw new UsageError(`--out ${opts.out}: ${problem.missing ? `the parent directory ${path.dirname(opts.out)} does not exist; create it first` : problem.text}`);
  }
  try {
    const written = publish({ outDir: opts.out, modules: opts.module, createParents: opts.createParents }, progress);
    write(`${written.map((m) => `${opts.out}/${m}`).join("\n")}\n`);
    return 0;
  } catch (e) {
    if (e instanceof PublishError) throw new UsageError(e.message);
    throw e;
  }
}

/** Is anything (a file or a folder) at `p`? A file further up means nothing is. */
function exists(p: string): boolean {
  try {
    fs.statSync(p);
    return true;
  } catch {
    return false;
  }
}

import { publish, PublishError } from "../publish";
import { UsageError } from "./check";

/** `bulwark publish`: writes the modules; progress on stderr, the list of modules on stdout. */
export function publishCommand(opts: { out: string; module?: string[]; createParents?: boolean }, write: (t: string) => void, progress: (t: string) => void): number {
  try {
    const written = publish({ outDir: opts.out, modules: opts.module, createParents: opts.createParents }, progress);
    write(`${written.map((m) => `${opts.out}/${m}`).join("\n")}\n`);
    return 0;
  } catch (e) {
    if (e instanceof PublishError) throw new UsageError(e.message);
    throw e;
  }
}

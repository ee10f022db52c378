import { InputError } from "../compliance/checker";

/** Bad usage of the CLI (an unknown format, contradictory flags, an output path it cannot write): exit 2, one line. */
export class UsageError extends Error {}

/**
 * The one line the CLI prints for bad usage or input (exit 2), or undefined for anything else (a
 * bug keeps its stack trace). A message that quotes input may hold line breaks: they become spaces,
 * so the answer stays one line.
 */
export function errorLine(e: unknown): string | undefined {
  if (!(e instanceof InputError || e instanceof UsageError)) return undefined;
  return `bulwark: ${e.message.replace(/\s*[\r\n\u2028\u2029]+\s*/g, " ").trim()}`;
}

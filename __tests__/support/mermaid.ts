import { spawnSync } from "node:child_process";
import * as path from "node:path";

export interface MermaidLabel {
  /** As Mermaid's parser stored it (entity codes still encoded). */
  readonly text: string;
  /** As a browser displays it. */
  readonly shown: string;
}
export type MermaidResult =
  | { readonly ok: true; readonly type: string; readonly vertices: (MermaidLabel & { id: string; shape: string })[]; readonly edges: (MermaidLabel & { start: string; end: string; stroke: string; arrow: string })[] }
  | { readonly ok: false; readonly error: string };

/** Parses diagrams with Mermaid's own parser, in one node process for all of them (see mermaid-parse.mjs). */
export function parseMermaid(diagrams: readonly string[]): MermaidResult[] {
  const run = spawnSync(process.execPath, [path.join(__dirname, "mermaid-parse.mjs")], { input: JSON.stringify(diagrams), encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  if (run.status !== 0) throw new Error(`mermaid-parse.mjs exited ${run.status}: ${run.stderr}`);
  return JSON.parse(run.stdout) as MermaidResult[];
}

/** Every ```mermaid block of a Markdown text. */
export function mermaidBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/^```mermaid\n([\s\S]*?)^```$/gm)].map((m) => m[1]);
}

#!/usr/bin/env node
// Fast path for running a TypeScript entry point (the cdktf app, the CLI, the benchmarks):
// esbuild bundles the project's own sources (node_modules stay external) in ~50 ms and node
// runs the result. Type-checking is the job of `npm run typecheck`, not of every synth.
import { build } from "esbuild";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const [entry, ...args] = process.argv.slice(2);
if (!entry) {
  console.error("usage: node scripts/run.mjs ENTRY.ts [args...]");
  process.exit(2);
}
const entryPath = path.resolve(process.cwd(), entry);
const name = path.relative(root, entryPath).replace(/\.ts$/, "").replace(/[\\/]/g, "__");
const outfile = path.join(root, ".bulwark", "build", `${name}.cjs`);

await build({
  entryPoints: [entryPath],
  outfile,
  bundle: true,
  platform: "node",
  target: "node20",
  format: "cjs",
  packages: "external",
  sourcemap: "inline",
  logLevel: "error",
});

process.setSourceMapsEnabled(true);
process.argv = [process.argv[0], entryPath, ...args];
createRequire(import.meta.url)(outfile);

// Runs a TypeScript entry point on the fast path: esbuild bundles the project's own sources
// (node_modules stay external) in tens of milliseconds and node runs the result.
// Type-checking is the job of `npm run typecheck`, not of every run.
import { build } from "esbuild";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

export async function runTypeScript(entry, args) {
  const entryPath = path.resolve(root, entry);
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
}

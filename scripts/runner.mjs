// Runs a TypeScript entry point on the fast path: esbuild bundles the project's own sources
// (node_modules stay external) in tens of milliseconds and node runs the result.
// Type-checking is the job of `npm run typecheck`, not of every run.
import { build } from "esbuild";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

const sourceMaps = process.env.BULWARK_SOURCE_MAPS === "1";

/**
 * cdktf records a full stack trace (with an unlimited depth) for every token it creates, only
 * to print it if that token later fails to resolve. On a large app that is most of the synth
 * time. bulwark's fast path skips it; BULWARK_TOKEN_STACKS=1 restores it for debugging.
 * cdktf is pinned exactly, so the internal module this replaces does not move.
 */
function skipTokenStackTraces() {
  const require = createRequire(path.join(root, "package.json"));
  const stackTrace = require("cdktf/lib/tokens/private/stack-trace");
  stackTrace.captureStackTrace = () => [];
}

export async function runTypeScript(entry, args) {
  const entryPath = path.resolve(root, entry);
  const name = path.relative(root, entryPath).replace(/\.ts$/, "").replace(/[\\/]/g, "__");
  const outfile = path.join(root, ".bulwark", "build", `${name}${sourceMaps ? ".map" : ""}.cjs`);
  await build({
    entryPoints: [entryPath],
    outfile,
    bundle: true,
    platform: "node",
    target: "node20",
    format: "cjs",
    packages: "external",
    // Source maps cost every stack capture a mapping pass (cdktf captures one per token):
    // off unless asked for with BULWARK_SOURCE_MAPS=1.
    sourcemap: sourceMaps ? "inline" : false,
    logLevel: "error",
  });
  if (sourceMaps) process.setSourceMapsEnabled(true);
  if (!process.env.BULWARK_TOKEN_STACKS) skipTokenStackTraces();
  process.argv = [process.argv[0], entryPath, ...args];
  createRequire(import.meta.url)(outfile);
}

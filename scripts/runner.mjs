// Runs a TypeScript entry point on the fast path: esbuild bundles the project's own sources
// (node_modules stay external) in tens of milliseconds and node runs the result.
// Type-checking is the job of `npm run typecheck`, not of every run.
import fs from "node:fs";
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

/** True when the last bundle of `outfile` is newer than every source it was built from. */
function upToDate(outfile) {
  try {
    const built = fs.statSync(outfile).mtimeMs;
    const meta = JSON.parse(fs.readFileSync(`${outfile}.meta.json`, "utf8"));
    return Object.keys(meta.inputs).every((input) => fs.statSync(path.join(root, input)).mtimeMs <= built);
  } catch {
    return false;
  }
}

export async function runTypeScript(entry, args) {
  const entryPath = path.resolve(root, entry);
  const name = path.relative(root, entryPath).replace(/\.ts$/, "").replace(/[\\/]/g, "__");
  const outfile = path.join(root, ".bulwark", "build", `${name}${sourceMaps ? ".map" : ""}.cjs`);
  // Nothing changed since the last run (a warm start): reuse the bundle.
  if (!upToDate(outfile)) {
    const { build } = await import("esbuild");
    const result = await build({
      absWorkingDir: root,
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
      metafile: true,
      write: false,
      logLevel: "error",
    });
    // Written aside and renamed: parallel runs (test workers) never read a half-written bundle.
    fs.mkdirSync(path.dirname(outfile), { recursive: true });
    const tmp = `${outfile}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, result.outputFiles[0].contents);
    fs.writeFileSync(`${tmp}.meta`, JSON.stringify({ inputs: result.metafile.inputs }));
    fs.renameSync(tmp, outfile);
    fs.renameSync(`${tmp}.meta`, `${outfile}.meta.json`);
  }
  if (sourceMaps) process.setSourceMapsEnabled(true);
  if (!process.env.BULWARK_TOKEN_STACKS) skipTokenStackTraces();
  process.argv = [process.argv[0], entryPath, ...args];
  createRequire(import.meta.url)(outfile);
}

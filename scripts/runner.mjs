// Runs a TypeScript entry point on the fast path. esbuild makes two bundles:
// - the app bundle: the project's own sources, rebuilt when one of them changes (tens of ms);
// - the vendor bundle: every package the app imports (cdktf, the provider classes, zod...), rebuilt
//   only after an npm install or when the app imports a package it does not hold yet.
// `rm -rf .bulwark/build` forces both to be rebuilt.
// Loading two files instead of resolving and reading hundreds of modules in node_modules is a
// third of a synth. Type-checking is the job of `npm run typecheck`, not of every run.
import fs from "node:fs";
import { builtinModules, createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

const sourceMaps = process.env.BULWARK_SOURCE_MAPS === "1";
/**
 * cdktf records a full stack trace (with an unlimited depth) for every token it creates, only
 * to print it if that token later fails to resolve. On a large app that is most of the synth
 * time. The vendor bundle replaces that internal module with a no-op; BULWARK_TOKEN_STACKS=1
 * keeps it (a bundle of its own) for debugging. cdktf is pinned exactly, so the module does not move.
 */
const tokenStacks = Boolean(process.env.BULWARK_TOKEN_STACKS);
const STACK_TRACE_MODULE = /cdktf[\\/]lib[\\/]tokens[\\/]private[\\/]stack-trace\.js$/;
const builtins = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);
// npm rewrites node_modules/.package-lock.json on every install: with the lock file, it tells
// when the packages may have changed.
const lockFiles = [path.join(root, "package-lock.json"), path.join(root, "node_modules", ".package-lock.json")];

function mtime(file) {
  try {
    return fs.statSync(file).mtimeMs;
  } catch {
    return undefined;
  }
}

function readJson(file) {
  try {
    return JSON.parse(fs.readFileSync(file, "utf8"));
  } catch {
    return undefined;
  }
}

/** Writes aside and renames: parallel runs (test workers) never read a half-written file. */
function writeAtomically(file, contents) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, contents);
  fs.renameSync(tmp, file);
}

/** The app bundle's record: the sources it was built from and the packages it imports. */
function appUpToDate(outfile, meta) {
  const built = mtime(outfile);
  if (built === undefined || !meta?.inputs || !meta.packages) return false;
  return meta.inputs.every((input) => (mtime(path.join(root, input)) ?? Infinity) <= built);
}

/** Bundles the project's sources; each package import becomes a lookup in the vendor bundle. */
async function buildApp(build, entryPath, outfile, vendorName) {
  const packages = new Set();
  const result = await build({
    absWorkingDir: root,
    entryPoints: [entryPath],
    outfile,
    bundle: true,
    platform: "node",
    target: "node20",
    format: "cjs",
    // Source maps cost every stack capture a mapping pass: off unless asked for.
    sourcemap: sourceMaps ? "inline" : false,
    metafile: true,
    write: false,
    logLevel: "error",
    plugins: [
      {
        name: "bulwark-vendor-imports",
        setup(b) {
          b.onResolve({ filter: /^[^./]/ }, (args) => {
            if (builtins.has(args.path)) return { path: args.path, external: true };
            packages.add(args.path);
            return { path: args.path, namespace: "vendor" };
          });
          b.onLoad({ filter: /.*/, namespace: "vendor" }, (args) => ({
            contents: `module.exports = require(${JSON.stringify(`./${vendorName}`)})[${JSON.stringify(args.path)}];`,
            loader: "js",
          }));
          b.onResolve({ filter: /^\.\/vendor-/, namespace: "vendor" }, (args) => ({ path: args.path, external: true }));
        },
      },
    ],
  });
  const inputs = Object.keys(result.metafile.inputs).filter((i) => !i.startsWith("vendor:"));
  writeAtomically(outfile, result.outputFiles[0].contents);
  const meta = { inputs, packages: [...packages].sort() };
  writeAtomically(`${outfile}.meta.json`, JSON.stringify(meta));
  return meta;
}

/** Bundles the packages the app imports into one file exporting each by its import path. */
async function buildVendor(build, vendorFile, packages) {
  const lines = packages.map(
    (p) => `Object.defineProperty(exports, ${JSON.stringify(p)}, { enumerable: true, get: () => require(${JSON.stringify(p)}) });`,
  );
  const result = await build({
    absWorkingDir: root,
    stdin: { contents: lines.join("\n"), resolveDir: root, loader: "js", sourcefile: "vendor-entry.js" },
    outfile: vendorFile,
    bundle: true,
    platform: "node",
    target: "node20",
    format: "cjs",
    write: false,
    logLevel: "error",
    plugins: tokenStacks
      ? []
      : [
          {
            name: "bulwark-no-token-stacks",
            setup(b) {
              b.onLoad({ filter: STACK_TRACE_MODULE }, () => ({ contents: "exports.captureStackTrace = () => [];", loader: "js" }));
            },
          },
        ],
  });
  writeAtomically(vendorFile, result.outputFiles[0].contents);
  writeAtomically(`${vendorFile}.meta.json`, JSON.stringify({ packages }));
}

export async function runTypeScript(entry, args) {
  const entryPath = path.resolve(root, entry);
  const name = path.relative(root, entryPath).replace(/\.ts$/, "").replace(/[\\/]/g, "__");
  const variant = `${sourceMaps ? ".map" : ""}${tokenStacks ? ".stacks" : ""}`;
  const buildDir = path.join(root, ".bulwark", "build");
  const outfile = path.join(buildDir, `${name}${variant}.cjs`);
  const vendorName = `vendor-${name}${tokenStacks ? ".stacks" : ""}.cjs`;
  const vendorFile = path.join(buildDir, vendorName);

  let esbuild;
  const load = async () => (esbuild ??= (await import("esbuild")).build);
  // Nothing changed since the last run (a warm start): reuse the bundles.
  let meta = readJson(`${outfile}.meta.json`);
  if (!appUpToDate(outfile, meta)) meta = await buildApp(await load(), entryPath, outfile, vendorName);
  const vendorBuilt = mtime(vendorFile);
  const held = new Set(readJson(`${vendorFile}.meta.json`)?.packages ?? []);
  const installed = Math.max(...lockFiles.map((f) => mtime(f) ?? 0));
  const stale = vendorBuilt === undefined || installed > vendorBuilt || meta.packages.some((p) => !held.has(p));
  if (stale) await buildVendor(await load(), vendorFile, [...new Set([...held, ...meta.packages])].sort());

  if (sourceMaps) process.setSourceMapsEnabled(true);
  process.argv = [process.argv[0], entryPath, ...args];
  createRequire(import.meta.url)(outfile);
}

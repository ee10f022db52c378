// Runs a TypeScript entry point on the fast path. esbuild makes two kinds of bundle:
// - the app bundle: the project's own sources, rebuilt when one of them changes (tens of ms);
// - the vendor folder: a bundle per package the app imports (cdktf, the provider classes, zod...),
//   rebuilt only after an npm install or when the app imports a package it does not hold yet. A run
//   reads only the packages it loads.
// `rm -rf .bulwark/build` forces both to be rebuilt.
// Loading a few files instead of resolving and reading hundreds of modules in node_modules is a
// third of a synth. Type-checking is the job of `npm run typecheck`, not of every run.
import { createHash } from "node:crypto";
import fs from "node:fs";
import { builtinModules, createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const repositoryRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

const sourceMaps = process.env.BULWARK_SOURCE_MAPS === "1";
/**
 * cdktf records a full stack trace (with an unlimited depth) for every token it creates, only
 * to print it if that token later fails to resolve. On a large app that is most of the synth
 * time. The vendor bundle replaces that internal module with a no-op; BULWARK_TOKEN_STACKS=1
 * keeps it (a bundle of its own) for debugging. cdktf is pinned exactly, so the module does not move.
 */
const tokenStacks = Boolean(process.env.BULWARK_TOKEN_STACKS);
const STACK_TRACE_MODULE = /cdktf[\\/]lib[\\/]tokens[\\/]private[\\/]stack-trace\.js$/;
/**
 * The one cdktf file the patch replaces, as this version of bulwark knows it. In a user's app
 * cdktf is whatever they installed: the patch applies only to this version and these bytes,
 * exactly once, and otherwise the vendor bundle keeps cdktf's own module and says so.
 */
export const KNOWN_CDKTF = { version: "0.21.0", stackTraceSha256: "48139050d4e88e62c8dfa7a50c5e829b99d655e0255de563c25abae59162e353" };
const builtins = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);
// npm rewrites node_modules/.package-lock.json on every install: with the lock file, it tells
// when the packages may have changed.
const lockFilesOf = (dir) => [path.join(dir, "package-lock.json"), path.join(dir, "node_modules", ".package-lock.json")];

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

/** How the app bundle finds its packages (a folder with a file per package): a bundle of another format is rebuilt. */
const APP_FORMAT = 2;

/** The app bundle's record: the sources it was built from and the packages it imports. */
function appUpToDate(root, outfile, meta) {
  // The time the build started reading its sources, not when it wrote the bundle: a source edited
  // while a build ran (a parallel test worker's) is newer than what that build read.
  const built = meta?.startedAt;
  if (built === undefined || meta.format !== APP_FORMAT || mtime(outfile) === undefined || !meta.inputs || !meta.packages) return false;
  return meta.inputs.every((input) => (mtime(path.join(root, input)) ?? Infinity) < built);
}

/** Bundles the project's sources; each package import becomes a lookup in the vendor bundle. */
async function buildApp(root, build, entryPath, outfile, vendorName) {
  const startedAt = Date.now();
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
            contents: `module.exports = require(${JSON.stringify(`./${vendorName}/${vendorFileOf(args.path)}`)})[${JSON.stringify(args.path)}];`,
            loader: "js",
          }));
          b.onResolve({ filter: /^\.\/vendor-/, namespace: "vendor" }, (args) => ({ path: args.path, external: true }));
        },
      },
    ],
  });
  const inputs = Object.keys(result.metafile.inputs).filter((i) => !i.startsWith("vendor:"));
  writeAtomically(outfile, result.outputFiles[0].contents);
  const meta = { format: APP_FORMAT, inputs, packages: [...packages].sort(), startedAt };
  writeAtomically(`${outfile}.meta.json`, JSON.stringify(meta));
  return meta;
}

/**
 * Why the token-stack patch cannot apply to the cdktf this vendor bundle would load, or
 * undefined when it can: the installed version and the patched file's checksum must be the ones
 * this runner knows.
 */
export function patchProblem(root, file) {
  let version;
  try {
    version = JSON.parse(fs.readFileSync(path.join(path.dirname(file), "..", "..", "..", "package.json"), "utf8")).version;
  } catch {
    return `cannot read the version of cdktf beside ${file}`;
  }
  if (version !== KNOWN_CDKTF.version) return `cdktf ${version} is installed, the patch knows ${KNOWN_CDKTF.version}`;
  const sum = createHash("sha256").update(fs.readFileSync(file)).digest("hex");
  if (sum !== KNOWN_CDKTF.stackTraceSha256) return `cdktf's ${path.relative(root, file)} is not the file the patch knows (sha256 ${sum.slice(0, 12)}…)`;
  return undefined;
}

/** The npm package an import path belongs to: `@scope/name` or `name`. */
export const packageOf = (specifier) => specifier.split("/").slice(0, specifier.startsWith("@") ? 2 : 1).join("/");

/** The file of a package in the vendor folder: its name, spelled as a file name. */
export const vendorFileOf = (specifier) => `${encodeURIComponent(packageOf(specifier))}.cjs`;

const getters = (specifiers) =>
  specifiers.map((p) => `Object.defineProperty(exports, ${JSON.stringify(p)}, { enumerable: true, get: () => require(${JSON.stringify(p)}) });`).join("\n");

/**
 * Bundles the packages the app imports, a file per npm package in the vendor folder, each exporting
 * the import paths it serves: a run reads and compiles only the packages it loads (`bulwark check`
 * needs neither cdktf nor its provider classes). An import of another held package from inside a
 * bundle stays a `require` of that package's file, so each package has one instance, as in
 * node_modules. When two packages' bundles would both hold a module of a package that is not held (a
 * dependency they share), everything goes into one bundle instead, with a file per package that
 * forwards to it, and one line says why. The token-stack patch is applied only when it is known to
 * fit and hits exactly one module; otherwise the bundles are built again unpatched and one line says why.
 */
async function buildVendor(root, build, vendorDir, packages) {
  const bundle = (stdin, plugins) =>
    build({
      absWorkingDir: root,
      stdin: { contents: stdin, resolveDir: root, loader: "js", sourcefile: "vendor-entry.js" },
      bundle: true,
      platform: "node",
      target: "node20",
      format: "cjs",
      write: false,
      metafile: true,
      logLevel: "error",
      plugins,
    });
  // One attempt: a bundle per package, or one for all when packages would share a module. The
  // patch's hits and problems are those of the bundles kept.
  const attempt = async (patch) => {
    const hits = [];
    const problems = [];
    const patchPlugin = {
      name: "bulwark-no-token-stacks",
      setup(b) {
        b.onLoad({ filter: STACK_TRACE_MODULE }, (args) => {
          const problem = patchProblem(root, args.path);
          if (problem) {
            problems.push(problem);
            return undefined;
          }
          hits.push(args.path);
          return { contents: "exports.captureStackTrace = () => [];", loader: "js" };
        });
      },
    };
    // The import paths each package's file serves: those the app imports, and those other held
    // packages import from it (found while bundling; the bundles are then made again).
    const served = new Map();
    for (const p of packages) served.set(packageOf(p), new Set([...(served.get(packageOf(p)) ?? []), p]));
    for (;;) {
      hits.length = 0;
      problems.length = 0;
      const added = [];
      // Import paths of packages that are not (yet) served, by package: a package that two bundles
      // would both hold gets a file of its own.
      const reached = new Map();
      // In the bundle of package `own`, an import of another held package is a require of its file.
      const splitPlugin = (own) => ({
        name: "bulwark-vendor-split",
        setup(b) {
          b.onResolve({ filter: /^[^./]/ }, (args) => {
            const pkg = packageOf(args.path);
            if (args.namespace === "vendor-ref" || pkg === own || builtins.has(args.path)) return undefined;
            if (!served.has(pkg)) {
              reached.set(pkg, new Set([...(reached.get(pkg) ?? []), args.path]));
              return undefined;
            }
            if (!served.get(pkg).has(args.path)) added.push(args.path);
            return { path: args.path, namespace: "vendor-ref" };
          });
          b.onLoad({ filter: /.*/, namespace: "vendor-ref" }, (args) => ({
            contents: `module.exports = require(${JSON.stringify(`./${vendorFileOf(args.path)}`)})[${JSON.stringify(args.path)}];`,
            loader: "js",
          }));
          b.onResolve({ filter: /^\.\//, namespace: "vendor-ref" }, (args) => ({ path: args.path, external: true }));
        },
      });
      const units = [...served.keys()];
      const results = await Promise.all(units.map((unit) => bundle(getters([...served.get(unit)].sort()), [...(patch ? [patchPlugin] : []), splitPlugin(unit)])));
      if (added.length > 0) {
        for (const p of added) served.get(packageOf(p)).add(p);
        continue;
      }
      const owners = new Map();
      let promoted = false;
      for (const [i, result] of results.entries()) {
        for (const input of Object.keys(result.metafile.inputs)) {
          if (input === "vendor-entry.js" || input.startsWith("vendor-ref:")) continue;
          const other = owners.get(input);
          // Only a package installed at the top (node_modules/<name>/…): an import of it from the root gets the same files.
          const shared = input.startsWith("node_modules/") && input.indexOf("node_modules/", 1) < 0 ? packageOf(input.slice("node_modules/".length)) : undefined;
          if (other !== undefined && other !== units[i] && shared !== undefined && reached.has(shared) && !units.includes(shared)) {
            served.set(shared, reached.get(shared));
            promoted = true;
          } else if (other !== undefined && other !== units[i]) {
            hits.length = 0;
            problems.length = 0;
            return { shared: `${input} would be in both ${other} and ${units[i]}`, all: await bundle(getters(packages), patch ? [patchPlugin] : []), hits, problems };
          }
          owners.set(input, units[i]);
        }
      }
      if (promoted) continue;
      return { units, results, hits, problems };
    }
  };
  const usesCdktf = packages.some((p) => p === "cdktf" || p.startsWith("cdktf/") || p === "bulwark" || p.startsWith("bulwark/") || p.startsWith("@cdktf/"));
  let built = await attempt(!tokenStacks);
  const patched = !tokenStacks && built.hits.length === 1 && built.problems.length === 0;
  if (!tokenStacks && !patched && (usesCdktf || built.hits.length + built.problems.length > 0)) {
    const why = built.problems[0] ?? (built.hits.length === 0 ? "cdktf's stack-trace module was not found in the bundle" : `the patch applied ${built.hits.length} times (two copies of cdktf?)`);
    process.stderr.write(`bulwark: fast path without the token-stack patch (synth is slower): ${why}\n`);
    if (built.hits.length > 0) built = await attempt(false);
  }
  if (built.shared) {
    process.stderr.write(`bulwark: fast path with one vendor bundle for all packages (loads more per run): ${built.shared}\n`);
    writeAtomically(path.join(vendorDir, "all.cjs"), built.all.outputFiles[0].contents);
    for (const unit of new Set(packages.map(packageOf))) writeAtomically(path.join(vendorDir, vendorFileOf(unit)), 'module.exports = require("./all.cjs");\n');
  } else {
    for (const [i, result] of built.results.entries()) writeAtomically(path.join(vendorDir, vendorFileOf(built.units[i])), result.outputFiles[0].contents);
  }
  // Written last: its time is the folder's build time.
  writeAtomically(`${vendorDir}.meta.json`, JSON.stringify({ packages, patched, split: !built.shared }));
}

/**
 * Runs `entry` on the fast path, and returns what it exports. `opts.root` is the project whose
 * packages the bundles use and whose `.bulwark/build` holds them: this repository unless a user's
 * project is named.
 */
export async function runTypeScript(entry, args, opts = {}) {
  const root = opts.root ?? repositoryRoot;
  const entryPath = path.resolve(root, entry);
  const name = path.relative(root, entryPath).replace(/\.ts$/, "").replace(/[\\/]/g, "__");
  const variant = `${sourceMaps ? ".map" : ""}${tokenStacks ? ".stacks" : ""}`;
  const buildDir = path.join(root, ".bulwark", "build");
  const outfile = path.join(buildDir, `${name}${variant}.cjs`);
  const vendorName = `vendor-${name}${tokenStacks ? ".stacks" : ""}`;
  const vendorDir = path.join(buildDir, vendorName);

  let esbuild;
  const load = async () => (esbuild ??= (await import("esbuild")).build);
  // Nothing changed since the last run (a warm start): reuse the bundles.
  let meta = readJson(`${outfile}.meta.json`);
  if (!appUpToDate(root, outfile, meta)) meta = await buildApp(root, await load(), entryPath, outfile, vendorName);
  const rebuild = vendorToBuild(root, vendorDir, meta.packages);
  if (rebuild) await buildVendor(root, await load(), vendorDir, rebuild);

  if (sourceMaps) process.setSourceMapsEnabled(true);
  process.argv = [process.argv[0], entryPath, ...args];
  return createRequire(import.meta.url)(outfile);
}

/**
 * The packages a vendor folder is to be built with when it must be (never built, older than the last
 * npm install, or lacking one of `wanted`): those it holds and `wanted`. Undefined when it is current.
 */
function vendorToBuild(root, vendorDir, wanted) {
  const built = mtime(`${vendorDir}.meta.json`);
  const held = new Set(readJson(`${vendorDir}.meta.json`)?.packages ?? []);
  const installed = Math.max(...lockFilesOf(root).map((f) => mtime(f) ?? 0));
  if (built !== undefined && installed <= built && wanted.every((p) => held.has(p))) return undefined;
  return [...new Set([...held, ...wanted])].sort();
}

/**
 * The fast path's package bundles for another loader (jest's module map): `packages` (import paths)
 * bundled into `dir` as a vendor folder (a file per npm package, the token-stack patch on cdktf),
 * rebuilt only when it lacks one of them or an npm install came after it; and for each import path a
 * file exporting what it imports (`<dir>/entries/<import path, URI-encoded>.cjs`). Returns those files
 * by import path.
 */
export async function packageBundles(root, packages, dir) {
  const vendorDir = path.join(dir, "vendor");
  const rebuild = vendorToBuild(root, vendorDir, packages);
  if (rebuild) await buildVendor(root, (await import("esbuild")).build, vendorDir, rebuild);
  const entries = {};
  for (const p of packages) {
    const file = path.join(dir, "entries", `${encodeURIComponent(p)}.cjs`);
    const contents = `module.exports = require(${JSON.stringify(`../vendor/${vendorFileOf(p)}`)})[${JSON.stringify(p)}];\n`;
    if (readText(file) !== contents) writeAtomically(file, contents);
    entries[p] = file;
  }
  return entries;
}

function readText(file) {
  try {
    return fs.readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
}

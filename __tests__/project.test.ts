import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

const ROOT = path.resolve(__dirname, "..");

describe("project conventions", () => {
  const files = execFileSync("git", ["ls-files", "--cached", "--others", "--exclude-standard", "*.ts", "*.mjs"], { cwd: ROOT, encoding: "utf8" })
    .split("\n")
    .filter(Boolean);

  it("never imports the @cdktf/provider-aws package root (12× slower to load than deep imports)", () => {
    const offenders = files.filter((f) => /from\s+["']@cdktf\/provider-aws["']|require\(["']@cdktf\/provider-aws["']\)/.test(fs.readFileSync(path.join(ROOT, f), "utf8")));
    expect(files.length).toBeGreaterThan(10);
    expect(offenders).toEqual([]);
  });

  it("pins the cdktf stack exactly", () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));
    const deps = { ...pkg.dependencies, ...pkg.devDependencies };
    expect(deps).toMatchObject({ cdktf: "0.21.0", "cdktf-cli": "0.21.0", "@cdktf/provider-aws": "20.1.0" });
    expect(deps.constructs).toMatch(/^10\.4\.\d+$/);
    for (const [name, version] of Object.entries(deps)) expect([name, version]).toEqual([name, expect.stringMatching(/^\d+\.\d+\.\d+(-[0-9A-Za-z.]+)?$/)]);
  });

  it("names only test files that exist in the sequencer's expected durations, and starts those first", () => {
    const Sequencer = require("./support/sequencer.js");
    const expected = Object.keys(Sequencer.EXPECTED);
    expect(expected.filter((f) => !files.includes(`__tests__/${f}`))).toEqual([]);
    // A first run (no cached durations): the listed files by expected duration, then the others, larger first.
    const size = (f: string) => fs.statSync(path.join(ROOT, "__tests__", f)).size;
    const context = { config: { cache: false }, hasteFS: { getSize: (p: string) => fs.statSync(p).size } };
    const all = files.filter((f) => f.startsWith("__tests__/") && f.endsWith(".test.ts")).map((f) => f.slice("__tests__/".length));
    const order = new Sequencer({}).sort(all.map((f) => ({ path: path.join(ROOT, "__tests__", f), context }))).map((t: { path: string; duration?: number }) => {
      // The durations jest itself reads stay the cached ones (none here).
      expect(t.duration).toBeUndefined();
      return path.relative(path.join(ROOT, "__tests__"), t.path).split(path.sep).join("/");
    });
    const bySize = (a: string, b: string) => size(b) - size(a) || (a < b ? -1 : 1);
    expect(order).toEqual([
      ...[...expected].sort((a, b) => Sequencer.EXPECTED[b] - Sequencer.EXPECTED[a] || bySize(a, b)),
      ...all.filter((f) => !expected.includes(f)).sort(bySize),
    ]);
  });
});

describe("what a short CLI run loads", () => {
  // The packages each command's code imports when it runs (cli/main.ts loads a command's module when
  // the command runs; a dynamic import, like exposure's SVG renderer, loads only when used).
  const staticPackages = async (entry: string) => {
    const { build } = await import("esbuild");
    const result = await build({ entryPoints: [path.join(ROOT, entry)], bundle: true, platform: "node", packages: "external", write: false, metafile: true, logLevel: "error" });
    // From the entry along static imports only: what a dynamic import reaches loads when it runs.
    const inputs = result.metafile.inputs;
    const found = new Set<string>();
    const seen = new Set<string>();
    const queue = [path.relative(ROOT, path.join(ROOT, entry))];
    while (queue.length) {
      const file = queue.pop()!;
      if (seen.has(file)) continue;
      seen.add(file);
      for (const im of inputs[file]?.imports ?? []) {
        if (im.kind === "dynamic-import") continue;
        if (!im.external) queue.push(im.path);
        else if (!im.path.startsWith("node:") && !im.path.startsWith(".")) found.add(im.path);
      }
    }
    return [...found].sort();
  };

  it.each(["cli/check.ts", "cli/diff.ts", "cli/exposure.ts", "cli/main.ts"])("%s imports neither cdktf nor the provider classes", async (entry) => {
    expect(await staticPackages(entry)).toEqual(entry === "cli/main.ts" ? ["commander", "ipaddr.js", "yaml"] : ["ipaddr.js", "yaml"]);
  });
});

describe("the fast path (scripts/runner.mjs)", () => {
  const dir = fs.mkdtempSync(path.join(ROOT, ".bulwark", "runner-test-"));
  const entry = path.join(dir, "entry.ts");
  const name = path.relative(ROOT, entry).replace(/\.ts$/, "").replace(/[\\/]/g, "__");
  const built = (file: string) => path.join(ROOT, ".bulwark", "build", file);
  const run = () => execFileSync(process.execPath, [path.join(ROOT, "scripts", "run.mjs"), entry, "a1"], { cwd: ROOT, encoding: "utf8" });
  afterAll(() => {
    fs.rmSync(dir, { recursive: true, force: true });
    for (const f of fs.readdirSync(path.join(ROOT, ".bulwark", "build")).filter((f) => f.includes(name))) fs.rmSync(built(f), { recursive: true, force: true });
  });

  it("runs TypeScript with its arguments, packages served from a vendor bundle built once", () => {
    fs.writeFileSync(entry, 'import { parse } from "yaml";\nconst n: number = parse("n: 41").n + 1;\nconsole.log(n, process.argv.slice(2).join(","));\n');
    expect(run().trim()).toBe("42 a1");
    expect(JSON.parse(fs.readFileSync(built(`vendor-${name}.meta.json`), "utf8")).packages).toEqual(["yaml"]);
    expect(fs.readdirSync(built(`vendor-${name}`)).filter((f) => f.endsWith(".cjs"))).toEqual(["yaml.cjs"]);
    // The app bundle holds the project's code only.
    expect(fs.readFileSync(built(`${name}.cjs`), "utf8")).not.toMatch(/class Parser|function parseDocument/);
  });

  it("reuses both bundles when nothing changed, and rebuilds the vendor bundle only for a new package", () => {
    const stamp = (f: string) => fs.statSync(built(f)).mtimeMs;
    const before = { app: stamp(`${name}.cjs`), vendor: stamp(`vendor-${name}.meta.json`) };
    expect(run().trim()).toBe("42 a1");
    expect({ app: stamp(`${name}.cjs`), vendor: stamp(`vendor-${name}.meta.json`) }).toEqual(before);

    fs.writeFileSync(entry, 'import { parse } from "yaml";\nconsole.log(parse("n: 1").n, "edited");\n');
    expect(run().trim()).toBe("1 edited");
    expect(stamp(`${name}.cjs`)).toBeGreaterThan(before.app);
    expect(stamp(`vendor-${name}.meta.json`)).toBe(before.vendor);

    fs.writeFileSync(entry, 'import { parse } from "yaml";\nimport { Command } from "commander";\nconsole.log(parse("n: 2").n, new Command("x").name());\n');
    expect(run().trim()).toBe("2 x");
    expect(JSON.parse(fs.readFileSync(built(`vendor-${name}.meta.json`), "utf8")).packages).toEqual(["commander", "yaml"]);
    expect(fs.readdirSync(built(`vendor-${name}`)).filter((f) => f.endsWith(".cjs")).sort()).toEqual(["commander.cjs", "yaml.cjs"]);
  });

  it("serves each package from a file of its own, with one instance of a package that another imports", () => {
    fs.writeFileSync(
      entry,
      [
        'import { App, TerraformProvider, TerraformStack } from "cdktf";',
        'import { AwsProvider } from "@cdktf/provider-aws/lib/provider";',
        'import { Vpc } from "@cdktf/provider-aws/lib/vpc";',
        'const stack = new TerraformStack(new App(), "s");',
        'console.log(new AwsProvider(stack, "aws") instanceof TerraformProvider, new Vpc(stack, "v").node.scope === stack);',
      ].join("\n"),
    );
    expect(run().trim()).toBe("true true");
    const vendor = built(`vendor-${name}`);
    const meta = JSON.parse(fs.readFileSync(`${vendor}.meta.json`, "utf8"));
    expect([meta.split, meta.patched]).toEqual([true, true]);
    expect(fs.readdirSync(vendor).filter((f) => f.endsWith(".cjs")).sort()).toEqual(["%40cdktf%2Fprovider-aws.cjs", "cdktf.cjs", "commander.cjs", "yaml.cjs"]);
    // The provider classes require cdktf's file; they do not hold a copy of it.
    const classes = fs.readFileSync(path.join(vendor, "%40cdktf%2Fprovider-aws.cjs"), "utf8");
    expect(classes).toContain('require("./cdktf.cjs")["cdktf"]');
    expect(classes).not.toMatch(/class TerraformStack\b/);
  });

  it("gives a package two held packages import a file of its own: one instance, nothing bundled twice", () => {
    const root = fs.mkdtempSync(path.join(ROOT, ".bulwark", "runner-root-"));
    try {
      const pkg = (name: string, main: string) => {
        fs.mkdirSync(path.join(root, "node_modules", name), { recursive: true });
        fs.writeFileSync(path.join(root, "node_modules", name, "package.json"), JSON.stringify({ name, version: "1.0.0", main: "index.js" }));
        fs.writeFileSync(path.join(root, "node_modules", name, "index.js"), main);
      };
      pkg("shared", "module.exports = { made: Symbol('shared') };\n");
      pkg("a", 'module.exports = require("shared").made;\n');
      pkg("b", 'module.exports = require("shared").made;\n');
      fs.writeFileSync(path.join(root, "entry.ts"), 'import a = require("a");\nimport b = require("b");\nconsole.log(a === b, typeof a);\n');
      const runner = JSON.stringify(path.join(ROOT, "scripts", "runner.mjs"));
      const out = execFileSync(process.execPath, ["--input-type=module", "-e", `const m = await import(${runner}); await m.runTypeScript("entry.ts", [], { root: ${JSON.stringify(root)} });`], { cwd: root, encoding: "utf8" });
      expect(out.trim()).toBe("true symbol");
      const vendor = path.join(root, ".bulwark", "build", "vendor-entry");
      expect(fs.readdirSync(vendor).sort()).toEqual(["a.cjs", "b.cjs", "shared.cjs"]);
      expect(fs.readFileSync(path.join(vendor, "a.cjs"), "utf8")).not.toContain("Symbol(\"shared\")");
      expect(JSON.parse(fs.readFileSync(`${vendor}.meta.json`, "utf8"))).toMatchObject({ packages: ["a", "b"], split: true });
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });

  it("synthesizes the same output with cdktf's token stack traces on (BULWARK_TOKEN_STACKS=1)", () => {
    const synth = (env: Record<string, string>) => {
      const outdir = fs.mkdtempSync(path.join(dir, "out-"));
      execFileSync(process.execPath, [path.join(ROOT, "scripts", "run.mjs"), "main.ts"], { cwd: ROOT, env: { ...process.env, ...env, CDKTF_OUTDIR: outdir, BULWARK_STACKS: "dev" }, stdio: "pipe" });
      return fs.readFileSync(path.join(outdir, "stacks", "dev", "cdk.tf.json"), "utf8");
    };
    expect(synth({ BULWARK_TOKEN_STACKS: "1" })).toBe(synth({}));
    expect(fs.existsSync(built("vendor-main.stacks.meta.json"))).toBe(true);
  });
});

describe("the token-stack patch's guard (scripts/runner.mjs)", () => {
  const probe = (file: string) =>
    execFileSync(process.execPath, ["--input-type=module", "-e", `const m = await import(${JSON.stringify(path.join(ROOT, "scripts", "runner.mjs"))}); console.log(m.patchProblem(${JSON.stringify(ROOT)}, ${JSON.stringify(file)}) ?? "fits");`], { encoding: "utf8" }).trim();
  const installed = path.join(ROOT, "node_modules", "cdktf", "lib", "tokens", "private", "stack-trace.js");

  it("fits the installed cdktf and refuses another version or changed bytes, saying which", () => {
    expect(probe(installed)).toBe("fits");
    const fake = fs.mkdtempSync(path.join(ROOT, ".bulwark", "patch-test-"));
    try {
      const file = path.join(fake, "cdktf", "lib", "tokens", "private", "stack-trace.js");
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(path.join(fake, "cdktf", "package.json"), JSON.stringify({ name: "cdktf", version: "0.21.0" }));
      fs.writeFileSync(file, `${fs.readFileSync(installed, "utf8")}\n// changed\n`);
      expect(probe(file)).toMatch(/^cdktf's .*stack-trace\.js is not the file the patch knows \(sha256 [0-9a-f]{12}…\)$/);
      fs.writeFileSync(path.join(fake, "cdktf", "package.json"), JSON.stringify({ name: "cdktf", version: "0.22.0" }));
      expect(probe(file)).toBe("cdktf 0.22.0 is installed, the patch knows 0.21.0");
    } finally {
      fs.rmSync(fake, { recursive: true, force: true });
    }
  });
});

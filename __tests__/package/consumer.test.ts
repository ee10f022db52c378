/**
 * The package as a user gets it: `npm pack`, then outside the repository `bulwark init` a project
 * naming the tarball, one `npm install` (peers at this repository's lock-file versions, from the
 * npm cache where it holds them; the AWS provider bindings linked from this repository's install),
 * and the project's own commands: synth on the fast path, its test, `bulwark check`, and an offline
 * plan (which validates first: no warnings allowed). Every exports entry is loaded from CommonJS
 * and ESM.
 */
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { init, offlinePlan, plannedCreates, planWarnings, stageStack } from "../support/terraform";

const ROOT = path.resolve(__dirname, "..", "..");
const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));
const lock = JSON.parse(fs.readFileSync(path.join(ROOT, "package-lock.json"), "utf8"));
const locked = (name: string) => lock.packages[`node_modules/${name}`].version as string;

let tmp: string;
let app: string;
let files: string[];

/** npm may reach the registry: with the CA bundle the machine gives it (the global setup keeps it from the other processes). */
const npmEnv = { ...process.env, ...(process.env.BULWARK_NODE_EXTRA_CA_CERTS ? { NODE_EXTRA_CA_CERTS: process.env.BULWARK_NODE_EXTRA_CA_CERTS } : {}) };

function run(cmd: string, args: string[], cwd: string) {
  const res = spawnSync(cmd, args, { cwd, encoding: "utf8", env: { ...process.env, CHECKPOINT_DISABLE: "1" } });
  return { status: res.status, stdout: res.stdout, stderr: res.stderr };
}

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "bulwark-consumer-"));
  // prepack builds dist/ from the sources.
  const packed = JSON.parse(execFileSync("npm", ["pack", "--json", "--pack-destination", tmp], { cwd: ROOT, env: npmEnv, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }))[0];
  files = packed.files.map((f: { path: string }) => f.path);
  const tarball = path.join(tmp, packed.filename);
  app = path.join(tmp, "app");
  execFileSync(process.execPath, [path.join(ROOT, "bin", "bulwark.mjs"), "init", app, "--bulwark", `file:${tarball}`], { cwd: tmp });
  // The peers at the versions this repository is tested with.
  const appPkg = JSON.parse(fs.readFileSync(path.join(app, "package.json"), "utf8"));
  for (const name of ["cdktf", "constructs", "@cdktf/provider-aws"]) appPkg.dependencies[name] = locked(name);
  // The type-check uses this repository's TypeScript and the cdktf CLI is not needed: the install stays small.
  appPkg.devDependencies = { "@types/node": locked("@types/node") };
  fs.writeFileSync(path.join(app, "package.json"), JSON.stringify(appPkg, null, 2));
  seedLargestPeer(app);
  execFileSync("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", "--loglevel=error"], { cwd: app, env: npmEnv, stdio: "ignore" });
}, 600000);

/**
 * The AWS provider bindings (362 MB in 4,300 files, the install's largest part by far) at the locked
 * version, linked file by file from this repository's own install instead of extracted again from
 * npm's cache: npm keeps a package already in node_modules that satisfies the dependency, as a user's
 * second install does. Where links cannot be made (another file system), npm installs it as usual.
 */
function seedLargestPeer(app: string) {
  const name = "@cdktf/provider-aws";
  const from = path.join(ROOT, "node_modules", name);
  const to = path.join(app, "node_modules", name);
  if (JSON.parse(fs.readFileSync(path.join(from, "package.json"), "utf8")).version !== locked(name)) return;
  fs.mkdirSync(path.dirname(to), { recursive: true });
  const res = spawnSync("cp", ["-al", from, to], { encoding: "utf8" });
  if (res.status !== 0) fs.rmSync(to, { recursive: true, force: true });
}

afterAll(() => {
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

describe("the packed tarball", () => {
  it("holds the compiled package and nothing of tests, fixtures or bench", () => {
    expect(files).toEqual(expect.arrayContaining(["package.json", "bin/bulwark.mjs", "dist/index.js", "dist/index.d.ts", "dist/cli/main.js", "scripts/runner.mjs"]));
    expect(files.filter((f) => /(^|\/)(__tests__|fixtures|bench|golden)(\/|$)|\.test\.|\.tftest\.|(?<!\.d)\.ts$/.test(f))).toEqual([]);
    // Every exports target is in it, declarations beside the code.
    for (const [entry, target] of Object.entries(pkg.exports as Record<string, string | { types: string; default: string }>)) {
      const targets = typeof target === "string" ? [target] : [target.types, target.default];
      for (const t of targets) expect([entry, files.includes(t.replace(/^\.\//, ""))]).toEqual([entry, true]);
    }
  });

  it("links from its Markdown only to files it holds (the guide, the API reference, the docs)", () => {
    const held = new Set(files);
    const broken: string[] = [];
    for (const file of files.filter((f) => f.endsWith(".md"))) {
      const text = fs.readFileSync(path.join(ROOT, file), "utf8").replace(/```[\s\S]*?```/g, "");
      for (const [, link] of text.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
        if (/^[a-z][a-z0-9+.-]*:|^#/i.test(link)) continue;
        const target = path.posix.normalize(path.posix.join(path.posix.dirname(file), decodeURI(link.split("#")[0])));
        if (!held.has(target) && !files.some((f) => f.startsWith(`${target}/`))) broken.push(`${file} -> ${link}`);
      }
    }
    expect(broken).toEqual([]);
    expect(held.has("docs/api/README.md")).toBe(true);
  });

  it("names cdktf, constructs and the AWS provider as peers, at the versions tested here", () => {
    const installed = JSON.parse(fs.readFileSync(path.join(app, "node_modules", "bulwark", "package.json"), "utf8"));
    expect(installed.private).toBeUndefined();
    expect(installed.peerDependencies).toEqual({ cdktf: locked("cdktf"), constructs: `^${locked("constructs")}`, "@cdktf/provider-aws": locked("@cdktf/provider-aws") });
    // One construct tree: the app's cdktf is the one bulwark loads.
    expect(fs.existsSync(path.join(app, "node_modules", "bulwark", "node_modules", "cdktf"))).toBe(false);
    for (const name of ["cdktf", "constructs", "@cdktf/provider-aws"]) {
      expect([name, JSON.parse(fs.readFileSync(path.join(app, "node_modules", name, "package.json"), "utf8")).version]).toEqual([name, locked(name)]);
    }
  });

  it("resolves every exports entry from CommonJS and ESM", () => {
    const entries = Object.keys(pkg.exports).filter((e) => e !== "./package.json").map((e) => (e === "." ? "bulwark" : `bulwark/${e.slice(2)}`));
    fs.writeFileSync(path.join(app, "load.cjs"), `const out = {};\nfor (const e of ${JSON.stringify(entries)}) out[e] = Object.keys(require(e));\nconsole.log(JSON.stringify(out));\n`);
    fs.writeFileSync(path.join(app, "load.mjs"), `const out = {};\nfor (const e of ${JSON.stringify(entries)}) out[e] = Object.keys(await import(e));\nconst { HardenedLaunchTemplate } = await import("bulwark/launch-template");\nout.named = typeof HardenedLaunchTemplate;\nconsole.log(JSON.stringify(out));\n`);
    const cjs = JSON.parse(execFileSync(process.execPath, ["load.cjs"], { cwd: app, encoding: "utf8" }));
    const esm = JSON.parse(execFileSync(process.execPath, ["load.mjs"], { cwd: app, encoding: "utf8" }));
    expect(Object.keys(cjs).sort()).toEqual([...entries].sort());
    for (const e of entries) {
      expect([e, cjs[e].length > 0]).toEqual([e, true]);
      // ESM sees every CommonJS export by name (plus `default`).
      expect([e, cjs[e].filter((k: string) => k !== "__esModule" && !esm[e].includes(k))]).toEqual([e, []]);
    }
    expect(esm.named).toBe("function");
    const root = execFileSync(process.execPath, ["-e", "const b = require('bulwark'); console.log(['BulwarkStack','HardenedAwsProvider','ComplianceGate','HardenedLaunchTemplate','Network','Bastion','AsgAlarms'].map((n) => typeof b[n]).join(','))"], { cwd: app, encoding: "utf8" });
    expect(root.trim()).toBe(Array(7).fill("function").join(","));
  });
});

describe("a project made by bulwark init", () => {
  it("type-checks against the declarations and passes its own test", () => {
    const tsc = run(process.execPath, [path.join(ROOT, "node_modules", "typescript", "bin", "tsc"), "--noEmit", "-p", "."], app);
    expect(tsc.stdout + tsc.stderr).toBe("");
    const test = run(path.join(app, "node_modules", ".bin", "bulwark"), ["run", "main.test.ts"], app);
    expect([test.status, test.stdout.match(/^# (pass|fail) \d+$/gm)]).toEqual([0, ["# pass 2", "# fail 0"]]);
  });

  it("synthesizes on the fast path with its summary on stdout, checks clean, validates and plans offline", () => {
    const synth = run("npm", ["run", "--silent", "synth"], app);
    expect(synth.stderr).toBe("");
    expect(synth.stdout).toMatch(/^bulwark: synthesized dev \(\d+ resources\) to cdktf\.out; compliance: 0 errors, 0 warning\(s\), 0 suppressed\n$/);
    // A file per package, and constructs (which both bulwark and cdktf import, the app does not) in one of its own.
    const vendor = fs.readdirSync(path.join(app, ".bulwark", "build")).find((f) => f.startsWith("vendor-") && f.endsWith(".meta.json"))!;
    expect(JSON.parse(fs.readFileSync(path.join(app, ".bulwark", "build", vendor), "utf8"))).toMatchObject({ split: true, patched: true });
    expect(fs.readdirSync(path.join(app, ".bulwark", "build", vendor.replace(/\.meta\.json$/, ""))).sort()).toEqual(expect.arrayContaining(["bulwark.cjs", "cdktf.cjs", "constructs.cjs"]));
    const check = run(path.join(app, "node_modules", ".bin", "bulwark"), ["check", "cdktf.out", "--scope", "resource"], app);
    expect([check.status, check.stderr]).toEqual([0, ""]);
    const json = JSON.parse(fs.readFileSync(path.join(app, "cdktf.out", "stacks", "dev", "cdk.tf.json"), "utf8"));
    expect(json.provider.aws[0]).toMatchObject({ region: "eu-west-1", allowed_account_ids: ["111111111111"] });
    expect(Object.keys(json.resource.aws_launch_template)).toContain("app_template");
    const dir = stageStack(json, "consumer");
    init(dir);
    const plan = offlinePlan(dir);
    expect(planWarnings(plan)).toEqual([]);
    expect(plannedCreates(plan)).toContain("aws_launch_template.app_template");
  });

  it("refuses to init into a directory that is not empty, in one line", () => {
    const res = run(path.join(app, "node_modules", ".bin", "bulwark"), ["init", app], tmp);
    expect([res.status, res.stdout, res.stderr]).toEqual([2, "", `bulwark: ${app}: is not an empty directory; bulwark init writes a new project only into an empty or new one\n`]);
  });
});

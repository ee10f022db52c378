import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

/**
 * The API reference (docs/api/, written by `npm run docs:api` from typedoc.config.mjs): TypeDoc runs
 * with the repository's settings into a temp directory, and the test fails when a public export or
 * one of its members has no documentation (naming each) or when docs/api/ differs from what the
 * sources give. A fixture entry point with gaps proves the check fails and names them.
 */
const ROOT = path.resolve(__dirname, "..", "..");
const TYPEDOC = path.join(ROOT, "node_modules", "typedoc", "bin", "typedoc");
const FIXTURE = path.join(ROOT, "__tests__", "fixtures", "api-docs");
const DOCS = path.join(ROOT, "docs", "api");

/** TypeDoc's command line in the repository root; its messages without colour codes. */
function typedoc(args: string[]): { status: number | null; messages: string[] } {
  const res = spawnSync(process.execPath, [TYPEDOC, ...args], { cwd: ROOT, encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } });
  const text = (res.stdout + res.stderr).replace(/\x1b\[[0-9;]*m/g, "");
  return { status: res.status, messages: text.split("\n").filter((l) => l.trim() !== "") };
}

/** The warnings and errors TypeDoc gave, less its closing count. */
const problems = (messages: string[]) => messages.filter((l) => /^\[(warning|error)\]/.test(l) && !/^\[\w+\] Found \d+ errors and \d+ warnings$/.test(l));

/** Files under `dir`, relative, `/`-separated, sorted. */
function filesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return (fs.readdirSync(dir, { recursive: true, withFileTypes: true }) as fs.Dirent[])
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)).split(path.sep).join("/"))
    .sort();
}

/** Why `committed` is not what `generated` holds, or undefined when the two trees are byte-identical. */
function staleness(committed: string, generated: string): string | undefined {
  const want = filesUnder(generated);
  const have = filesUnder(committed);
  const missing = want.filter((f) => !have.includes(f));
  const stale = have.filter((f) => !want.includes(f));
  const changed = want.filter((f) => have.includes(f) && !fs.readFileSync(path.join(generated, f)).equals(fs.readFileSync(path.join(committed, f))));
  if (!missing.length && !stale.length && !changed.length) return undefined;
  const list = (what: string, files: string[]) => (files.length ? [`${what}: ${files.slice(0, 10).join(", ")}${files.length > 10 ? `, and ${files.length - 10} more` : ""}`] : []);
  return [
    `${path.relative(ROOT, committed)} is out of date with the sources: run \`npm run docs:api\` and commit the result`,
    ...list("changed", changed),
    ...list("missing", missing),
    ...list("not generated any more", stale),
  ].join("\n");
}

const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { exports: Record<string, string | { types: string }>; scripts: Record<string, string> };
/** `bulwark`, `bulwark/alarms`, ...: the import path of every entry of the exports map, with the source file it compiles from. */
const entries = Object.entries(pkg.exports)
  .filter(([, target]) => typeof target === "object")
  .map(([key, target]) => ({
    importPath: key === "." ? "bulwark" : `bulwark/${key.slice(2)}`,
    source: (target as { types: string }).types.replace(/^\.\/dist\//, "").replace(/\.d\.ts$/, ".ts"),
  }));

let tmp: string;
let generated: { status: number | null; messages: string[] };
const out = () => path.join(tmp, "api");

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "bulwark-api-docs-"));
  generated = typedoc(["--out", out()]);
});

afterAll(() => {
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

describe("the API reference", () => {
  it("documents every public export and its members (TypeDoc finds nothing undocumented)", () => {
    const found = problems(generated.messages);
    if (found.length) throw new Error(`${found.length} problem(s) in the public API's documentation; document each:\n${found.join("\n")}`);
    if (generated.status !== 0) throw new Error(`TypeDoc exited ${generated.status} (${fs.existsSync(TYPEDOC) ? "see its last lines" : "not installed: run npm ci"}):\n${generated.messages.slice(-5).join("\n")}`);
  });

  it("has one module per entry of package.json's exports, named by its import path", () => {
    for (const e of entries) expect([e.source, fs.readFileSync(path.join(ROOT, e.source), "utf8")]).toEqual([e.source, expect.stringContaining(`@module ${e.importPath}\n`)]);
    const index = fs.readFileSync(path.join(out(), "README.md"), "utf8");
    const modules = [...index.matchAll(/^\| \[([\w/-]+)\]\(([\w/-]+)\/README\.md\) \|/gm)].map((m) => [m[1], m[2]]);
    expect(modules.map(([name]) => name).sort()).toEqual(entries.map((e) => e.importPath).sort());
    for (const [name, dir] of modules) expect([name, fs.existsSync(path.join(out(), dir, "README.md"))]).toEqual([name, true]);
    // Every declaration is documented in its own module; the root lists re-exports.
    expect(fs.readFileSync(path.join(out(), "bulwark", "README.md"), "utf8")).toMatch(/### HardenedLaunchTemplate\n\nRe-exports \[HardenedLaunchTemplate\]\(launch-template\/classes\/HardenedLaunchTemplate\.md\)/);
    expect(pkg.scripts["docs:api"]).toBe("typedoc");
  });

  it("is committed in docs/api as the sources generate it", () => {
    if (generated.status !== 0) throw new Error(`TypeDoc wrote no reference (exit ${generated.status}): ${problems(generated.messages).join("; ")}`);
    expect(filesUnder(out()).length).toBeGreaterThan(entries.length);
    const stale = staleness(DOCS, out());
    if (stale) throw new Error(stale);
  });
});

describe("the check itself", () => {
  it("fails on an entry point with undocumented exports and names each of them", () => {
    const res = typedoc(["--options", path.join(FIXTURE, "typedoc.config.mjs"), "--out", path.join(tmp, "fixture")]);
    expect(res.status).not.toBe(0);
    const undocumented = problems(res.messages).map((l) => /^\[warning\] (\S+) \((\w+)\), defined in .* does not have any documentation$/.exec(l)?.slice(1, 3).join(" ") ?? l);
    expect(undocumented.sort()).toEqual(["PartlyDocumentedConstruct.undocumentedArn Property", "PartlyDocumentedProps.undocumentedPort Property", "undocumentedLimit Variable"]);
  });

  it("names the changed, missing and extra files of a stale docs/api and says how to update it", () => {
    const copy = path.join(tmp, "stale");
    fs.cpSync(out(), copy, { recursive: true });
    expect(staleness(copy, out())).toBeUndefined();
    fs.appendFileSync(path.join(copy, "README.md"), "\nedited by hand\n");
    fs.rmSync(path.join(copy, "bulwark", "network", "classes", "Network.md"));
    fs.writeFileSync(path.join(copy, "bulwark", "removed.md"), "a page of an export that is gone\n");
    expect(staleness(copy, out())).toBe(
      [
        `${path.relative(ROOT, copy)} is out of date with the sources: run \`npm run docs:api\` and commit the result`,
        "changed: README.md",
        "missing: bulwark/network/classes/Network.md",
        "not generated any more: bulwark/removed.md",
      ].join("\n"),
    );
  });
});

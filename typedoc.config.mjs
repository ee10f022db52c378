// @ts-check
// The API reference: `npm run docs:api` writes it to docs/api/ (Markdown, read on GitHub), and
// __tests__/docs/api.test.ts fails when a public export has no documentation or docs/api/ is stale.
import { readFileSync } from "node:fs";

const pkg = JSON.parse(readFileSync(new URL("./package.json", import.meta.url), "utf8"));

/**
 * The sources of the package's public entry points, read from its `exports` map
 * (`./dist/modules/network/index.d.ts` → `./modules/network/index.ts`). The root comes last: a
 * symbol exported from several entry points is documented in the first, so every declaration
 * lands in its own module's page and `bulwark` lists re-exports.
 */
export const entryPoints = Object.values(pkg.exports)
  .filter((target) => typeof target === "object")
  .map((target) => target.types.replace(/^\.\/dist\//, "./").replace(/\.d\.ts$/, ".ts"))
  .sort((a, b) => Number(a === "./index.ts") - Number(b === "./index.ts"));

/** @type {Partial<import("typedoc").TypeDocOptions & import("typedoc-plugin-markdown").PluginOptions>} */
const options = {
  name: "bulwark API reference",
  entryPoints,
  tsconfig: "tsconfig.build.json",
  plugin: ["typedoc-plugin-markdown"],
  out: "docs/api",
  readme: "none",
  // Deterministic output: no source links (they would name a commit or line that changes with every edit), no generator line.
  disableSources: true,
  hideGenerator: true,
  hidePageHeader: true,
  indexFormat: "table",
  // `@default` here is prose ("a new key open to CloudWatch Logs", "`true` — ..."), not a code block.
  jsDocCompatibility: { defaultTag: false },
  excludeExternals: true,
  // `npm run typecheck` type-checks the sources; TypeDoc only reads them (a third of its CPU otherwise).
  skipErrorChecking: true,
  // Every public class, interface, function, variable, type and member must say what it is.
  validation: { notExported: true, invalidLink: true, notDocumented: true },
  treatValidationWarningsAsErrors: true,
};

export default options;

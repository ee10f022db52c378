#!/usr/bin/env node
// The `bulwark` command (package.json bin). In this repository it runs cli/main.ts on the fast
// path; in an installed package (no sources, only dist/) it runs the compiled CLI.
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const packageRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
if (fs.existsSync(path.join(packageRoot, "cli", "main.ts"))) {
  const { runTypeScript } = await import("../scripts/runner.mjs");
  await runTypeScript("cli/main.ts", process.argv.slice(2));
} else {
  createRequire(import.meta.url)(path.join(packageRoot, "dist", "cli", "main.js"));
}

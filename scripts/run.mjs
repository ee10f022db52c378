#!/usr/bin/env node
// `node scripts/run.mjs ENTRY.ts [args...]`: the fast path used by cdktf.json, npm run synth and bench.
import path from "node:path";
import { runTypeScript } from "./runner.mjs";

const [entry, ...args] = process.argv.slice(2);
if (!entry) {
  console.error("usage: node scripts/run.mjs ENTRY.ts [args...]");
  process.exit(2);
}
await runTypeScript(path.resolve(process.cwd(), entry), args);

#!/usr/bin/env node
// The `bulwark` command (package.json bin): runs cli/main.ts on the fast path.
import { runTypeScript } from "../scripts/runner.mjs";

await runTypeScript("cli/main.ts", process.argv.slice(2));

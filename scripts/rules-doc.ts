import { ALL_RULES, controlList } from "../compliance";

/** Prints the rules table of docs/COMPLIANCE.md (`node scripts/run.mjs scripts/rules-doc.ts`). */
const rows = ALL_RULES.map((r) => `| \`${r.id}\` | ${r.severity} | ${r.scope} | ${r.title} | ${controlList(r.controls, true) || "— (seed: disaster recovery)"} |`);
console.log(["| rule | severity | scope | checks | controls |", "|---|---|---|---|---|", ...rows].join("\n"));

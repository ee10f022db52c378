import { ALL_RULES, controlList } from "../compliance";

/** Prints the rules table of docs/COMPLIANCE.md (`node scripts/run.mjs scripts/rules-doc.ts`). */
const rows = ALL_RULES.map((r) => `| \`${r.id}\` | ${r.severity} | ${r.scope} | ${r.title} | ${controlList(r.controls, true) || (r.scope === "account" ? "— (seed: disaster recovery)" : "— (no public id: provider behaviour)")} |`);
console.log(["| rule | severity | scope | checks | controls |", "|---|---|---|---|---|", ...rows].join("\n"));

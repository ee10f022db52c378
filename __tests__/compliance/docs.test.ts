import * as fs from "node:fs";
import * as path from "node:path";
import { ALL_RULES, controlList } from "../../compliance";

describe("docs/COMPLIANCE.md", () => {
  const doc = fs.readFileSync(path.join(__dirname, "..", "..", "docs", "COMPLIANCE.md"), "utf8");
  it.each(ALL_RULES.map((r) => [r.id, r] as const))("lists %s with its controls", (id, rule) => {
    const row = doc.split("\n").find((l) => l.startsWith(`| \`${id}\` |`));
    expect(row).toBeDefined();
    expect(row).toContain(rule.title);
    if (controlList(rule.controls, true)) expect(row).toContain(controlList(rule.controls, true));
  });
});

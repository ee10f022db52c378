import { controlList, Finding } from "../compliance";
import { DangerousChange, DiffResult, ResourceChange, SuppressedFinding } from "./model";
import { totals } from "./diff";
import { code, codeSpan, esc, fence } from "./escape";
import { pathLine } from "./exposure";
import { rolloutMarkdown } from "./rollout";

/** A GitHub comment holds at most this many characters. */
export const COMMENT_LIMIT = 65536;
/** First line of every report: CI finds and updates its own comment by it. */
export const MARKER = "<!-- bulwark-diff -->";

const ICON: Record<string, string> = { create: "➕", update: "✏️", delete: "🗑️", replace: "♻️", read: "📖", import: "📥", move: "🚚", forget: "🫥" };

function findingRow(f: Finding): string {
  return `| ${f.suppressed ? "suppressed" : f.severity} | ${code(f.ruleId)} | ${esc(controlList(f.controls))} | ${code(`${f.stack}/${f.address}`)} | ${esc(f.message)} |`;
}

function suppressedRow(f: SuppressedFinding): string {
  const before = f.previousReason === null ? "new finding" : f.previousReason === "" ? "not suppressed" : esc(f.previousReason);
  return `| ${f.severity} | ${code(f.ruleId)} | ${code(`${f.stack}/${f.address}`)} | ${esc(f.message)} | ${before} | ${esc(f.suppressionReason ?? "(no reason)")} |`;
}

function dangerItem(d: DangerousChange): string {
  const where = code(`${d.stack}/${d.address}`) + (d.attribute ? ` ${code(d.attribute)}` : "");
  const values = d.before !== undefined || d.after !== undefined ? `: ${d.before !== undefined ? code(d.before) : "(none)"} → ${d.after !== undefined ? code(d.after) : "(none)"}` : "";
  return `> - **${d.class}** ${where}: ${esc(d.message)}${values}`;
}

/** One resource's details: a list item with its reason, `moved` block and attribute table (creates: values only). */
function changeDetails(c: ResourceChange): string {
  const lines = [`- ${c.actions.map((a) => ICON[a] ?? "").join("")} ${codeSpan(c.address)} ${c.actions.join(", ")}${c.constructPath ? ` — ${esc(c.constructPath)}` : ""}`];
  if (c.reason) lines.push(`  - reason: ${esc(c.reason)}`);
  if (c.danger) lines.push(`  - ⚠️ ${esc(c.danger)}`);
  if (c.movedBlock) lines.push("", fence(c.movedBlock, "hcl", "  "));
  if (c.attributes.length) {
    const create = c.actions.length === 1 && c.actions[0] === "create";
    lines.push("", create ? "  | attribute | value |" : "  | attribute | before | after |", create ? "  |---|---|" : "  |---|---|---|");
    for (const a of c.attributes) {
      const name = `${code(a.path)}${a.forcesReplacement ? " (forces replacement)" : ""}`;
      lines.push(create ? `  | ${name} | ${code(a.after)} |` : `  | ${name} | ${code(a.before)} | ${code(a.after)} |`);
    }
  }
  return lines.join("\n") + "\n\n";
}

/**
 * The comment under its size limit. Sections are added in order of importance; a section's
 * items (dangerous changes, table rows, resources) are whole units: they fit or are left out,
 * never cut, and a table is left out rather than shown without rows. Room for the closing lines
 * and for the final note is reserved before any optional item is placed.
 */
class Budget {
  private readonly parts: string[] = [];
  private used = 0;
  constructor(private readonly room: number) {}
  get length(): number {
    return this.used;
  }
  fits(n: number): boolean {
    return this.used + n <= this.room;
  }
  add(text: string): void {
    this.parts.push(text);
    this.used += text.length;
  }
  /**
   * Adds `open`, as many items as fit, and `close`; `more(n)` says how many were left out.
   * Without `keepEmpty` the section is left out whole when no item fits. Returns the items left out.
   */
  section(open: string, items: readonly string[], close: string, opts: { more?: (n: number) => string; keepEmpty?: boolean } = {}): number {
    if (items.length === 0) return 0;
    const moreRoom = opts.more ? opts.more(items.length).length : 0;
    if (!this.fits(open.length + close.length + moreRoom + (opts.keepEmpty ? 0 : items[0].length))) return items.length;
    this.add(open);
    let shown = 0;
    for (const item of items) {
      if (!this.fits(item.length + close.length + moreRoom)) break;
      this.add(item);
      shown++;
    }
    if (shown < items.length && opts.more) this.add(opts.more(items.length - shown));
    this.add(close);
    return items.length - shown;
  }
  text(): string {
    return this.parts.join("");
  }
}

/**
 * A review for a pull-request comment: marker, summary table and compliance line, then the
 * dangerous changes in a caution alert — all outside any collapsed block — then findings
 * newly suppressed, introduced and resolved, drift and outputs, then one `<details>` per stack.
 * Every interpolated string is escaped. At most `limit` characters, the note included.
 */
export function diffMarkdown(result: DiffResult, opts: { limit?: number; fullReport?: string } = {}): string {
  const limit = opts.limit ?? COMMENT_LIMIT;
  const t = totals(result);
  const forget = Object.values(result.stacks).reduce((n, s) => n + s.forget, 0);
  const head: string[] = [MARKER, `### bulwark diff: ${t.create} to create, ${t.update} to update, ${t.replace} to replace, ${t.delete} to destroy${forget ? `, ${forget} to forget` : ""}`, ""];
  const stacks = Object.keys(result.stacks).sort();
  if (stacks.length === 0) head.push("No changes.", "");
  else {
    head.push("| stack | create | update | replace | destroy | forget | read | import | move |", "|---|---|---|---|---|---|---|---|---|");
    for (const s of stacks) {
      const x = result.stacks[s];
      head.push(`| ${esc(s)} | ${x.create} | ${x.update} | ${x.replace} | ${x.delete} | ${x.forget} | ${x.read} | ${x.import} | ${x.move} |`);
    }
    head.push("");
  }
  // The compliance result in one line, always shown: "none" is news a reviewer wants too.
  const errorsIn = (list: readonly Finding[]) => {
    const n = list.filter((f) => f.severity === "error" && !f.suppressed).length;
    return `${n} error${n === 1 ? "" : "s"}`;
  };
  const suppressedNote = result.suppressed.length ? `, ${result.suppressed.length} newly suppressed (accepted risk)` : "";
  head.push(
    result.introduced.length || result.resolved.length || result.suppressed.length
      ? `**Compliance:** ${result.introduced.length} finding(s) introduced (${errorsIn(result.introduced)}), ${result.resolved.length} resolved (${errorsIn(result.resolved)})${suppressedNote}`
      : "**Compliance:** no findings introduced or resolved",
    "",
  );
  const headText = head.join("\n") + "\n";

  const resourcesTotal = result.changes.length;
  const where = opts.fullReport ? ` The full report is in ${esc(opts.fullReport)}.` : " Run `bulwark diff --format md --output FILE` for the full report.";
  const note = (resources: number, rows: number) => `> ✂️ Cut to fit one comment: the details of ${resources} resource(s) and ${rows} other row(s) are not shown.${where}\n`;
  const otherRows = (result.exposure?.opened.length ?? 0) + (result.exposure?.closed.length ?? 0) + result.dangerous.length + result.suppressed.length + result.introduced.length + result.resolved.length + result.drift.length + result.outputs.length + (result.rollouts?.length ?? 0);
  const budget = new Budget(limit - note(resourcesTotal, otherRows).length);
  budget.add(headText);
  let rowsCut = 0;

  rowsCut += budget.section(
    `> [!CAUTION]\n> **⚠️ Dangerous changes (${result.dangerous.length})**\n>\n`,
    result.dangerous.map((d) => dangerItem(d) + "\n"),
    "\n",
    { more: (n) => `> - … and ${n} more dangerous change(s), not shown to fit one comment\n`, keepEmpty: true },
  );
  // Paths opened by the change come right after the dangerous changes: they are what a reviewer asks first.
  const opened = result.exposure?.opened ?? [];
  const closed = result.exposure?.closed ?? [];
  if (opened.length) rowsCut += budget.section(`#### Exposure: ${opened.length} path(s) opened\n\n`, opened.map((p) => pathLine(p) + "\n"), "\n");
  if (closed.length) rowsCut += budget.section(`#### Exposure: ${closed.length} path(s) closed\n\n`, closed.map((p) => pathLine(p) + "\n"), "\n");
  const tables: [string, string, string[]][] = [
    ["Findings newly suppressed", "| severity | rule | resource | message | before | suppressed because |\n|---|---|---|---|---|---|\n", result.suppressed.map((f) => suppressedRow(f) + "\n")],
    ["Findings introduced", "| severity | rule | controls | resource | message |\n|---|---|---|---|---|\n", result.introduced.map((f) => findingRow(f) + "\n")],
    ["Findings resolved", "| severity | rule | controls | resource | message |\n|---|---|---|---|---|\n", result.resolved.map((f) => findingRow(f) + "\n")],
  ];
  for (const [title, header, rows] of tables) rowsCut += budget.section(`#### ${title} (${rows.length})\n\n${header}`, rows, "\n");
  rowsCut += budget.section(`#### Drift (${result.drift.length})\n\n`, result.drift.map((d) => `- ${code(`${d.stack}/${d.address}`)} changed outside Terraform (${esc(d.actions.join(", "))})\n`), "\n");
  const rollouts = rolloutMarkdown(result.rollouts ?? []);
  if (rollouts.rows.length) rowsCut += budget.section(rollouts.heading, rollouts.rows, "\n");
  rowsCut += budget.section("#### Output changes\n\n", result.outputs.map((o) => `- ${code(`${o.stack}.${o.name}`)}: ${code(o.before)} → ${code(o.after)}\n`), "\n");

  let resourcesCut = 0;
  for (const s of stacks) {
    const mine = result.changes.filter((c) => c.stack === s);
    resourcesCut += budget.section(`<details><summary>${esc(s)}: ${mine.length} change(s)</summary>\n\n`, mine.map(changeDetails), "</details>\n\n");
  }
  const text = budget.text();
  return resourcesCut || rowsCut ? text + note(resourcesCut, rowsCut) : text;
}

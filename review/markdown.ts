import { Controls, Finding } from "../compliance/checker";
import { AttributeChange, DangerousChange, DiffResult, isSecurityType, ResourceChange, SuppressedFinding } from "./model";
import { totals } from "./diff";
import { code, codeSpan, esc, fence } from "./escape";
import { pathLine } from "./exposure";
import { Rollout, rolloutMarkdown } from "./rollout";

export interface MarkdownOptions {
  /** At most this many characters, the note included (default: one GitHub comment). */
  readonly limit?: number;
  /** Where the uncut report was written (`--output`). */
  readonly fullReport?: string;
  /** The compared commits or branches, for the title line. */
  readonly baseRef?: string;
  readonly headRef?: string;
  /** The workflow run whose artifacts hold the full report (`https://host/owner/repo/actions/runs/N`). */
  readonly artifactUrl?: string;
}

/** A commit id shortened as git shows it; branch names as they are. */
function shortRef(ref: string): string {
  return /^[0-9a-f]{40}$/.test(ref) ? ref.slice(0, 7) : ref;
}

/** A workflow run's address, accepted only in its plain form (it becomes a link). */
const RUN_URL = /^https:\/\/[A-Za-z0-9.-]+(?::\d+)?\/[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+\/actions\/runs\/\d+$/;

/** The workflow run of GitHub Actions' environment (GITHUB_SERVER_URL, GITHUB_REPOSITORY, GITHUB_RUN_ID), when all are set and plain. */
export function workflowRunUrl(env: Record<string, string | undefined>): string | undefined {
  const url = `${env.GITHUB_SERVER_URL ?? ""}/${env.GITHUB_REPOSITORY ?? ""}/actions/runs/${env.GITHUB_RUN_ID ?? ""}`;
  return RUN_URL.test(url) ? url : undefined;
}

/** A GitHub comment holds at most this many characters. */
export const COMMENT_LIMIT = 65536;
/** First line of every report: CI finds and updates its own comment by it. */
export const MARKER = "<!-- bulwark-diff -->";

const ICON: Record<string, string> = { create: "➕", update: "✏️", delete: "🗑️", replace: "♻️", read: "📖", import: "📥", move: "🚚", forget: "🫥" };

/** Two or three control ids (Security Hub, then CIS, then checkov), and how many more: a row, not a catalogue. */
export function fewControls(c: Controls, most = 3): string {
  const ids = [...(c.securityHub ?? []), ...(c.cis ?? []).map((x) => `CIS ${x}`), ...(c.checkov ?? [])];
  return esc(ids.slice(0, most).join(" · ")) + (ids.length > most ? ` +${ids.length - most}` : "");
}

/** Where a finding is: its construct path when the input carries it (what the author wrote), else stack and address. */
const findingAt = (f: Finding) => code(f.constructPath ?? `${f.stack}/${f.address}`);

function findingRow(f: Finding): string {
  return `| ${f.suppressed ? "suppressed" : f.severity} | ${code(f.ruleId)} | ${fewControls(f.controls)} | ${findingAt(f)} | ${esc(f.message)} |`;
}

/**
 * A value as the reviewer should read it: a reference to another resource
 * (`${aws_security_group.web.id}`, or in a plan the group's id) as the construct it names,
 * when the review knows it. Before escaping.
 */
function named(text: string, stack: string, names: DiffResult["names"]): string {
  const mine = names?.[stack];
  if (!mine) return text;
  return text
    .replace(/("?)\$\{((?:module\.[\w-]+(?:\[[^\]]*\])?\.)*[a-z][a-z0-9_]*\.[\w-]+)(?:\[[^\]]*\])?\.([\w]+)\}\1/g, (m, _quote: string, address: string, attribute: string) => (mine[address] ? (attribute === "id" ? mine[address] : `${mine[address]}.${attribute}`) : m))
    .replace(/\bsg-[0-9a-f]{8,17}\b/g, (id) => mine[id] ?? id);
}

/** At most `n` characters of a value in a one-line summary (cut before escaping). */
function short(text: string, n = 60): string {
  return text.length > n ? `${text.slice(0, n - 1)}…` : text;
}

function suppressedRow(f: SuppressedFinding): string {
  const before = f.previousReason === null ? "new finding" : f.previousReason === "" ? "not suppressed" : esc(f.previousReason);
  return `| ${f.severity} | ${code(f.ruleId)} | ${findingAt(f)} | ${esc(f.message)} | ${before} | ${esc(f.suppressionReason ?? "(no reason)")} |`;
}

/**
 * The dangerous changes as caution-block lines: changes alike (class, attribute, message,
 * before and after) on several resources are one line naming the first three.
 */
function dangerItems(list: readonly DangerousChange[], names: DiffResult["names"]): string[] {
  const groups = new Map<string, DangerousChange[]>();
  for (const d of list) {
    const key = [d.class, d.stack, d.attribute ?? "", d.message, d.before ?? "\u0001", d.after ?? "\u0001"].join("\u0000");
    (groups.get(key) ?? groups.set(key, []).get(key)!).push(d);
  }
  return [...groups.values()].map((all) => {
    const d = all[0];
    // The construct path when the review knows it: what the author wrote, not the address cdktf made of it.
    const at = (x: DangerousChange) => code(names?.[x.stack]?.[x.address] ?? `${x.stack}/${x.address}`);
    const where = all.length === 1 ? at(d) : `${all.length} resources (${all.slice(0, 3).map(at).join(", ")}${all.length > 3 ? ", …" : ""})`;
    const v = (x: string | undefined) => (x !== undefined ? code(named(x, d.stack, names)) : "(none)");
    const values = d.before !== undefined || d.after !== undefined ? `: ${v(d.before)} → ${v(d.after)}` : "";
    return `> - **${d.class}** ${d.attribute ? `${code(d.attribute)} ` : ""}${esc(d.message)}${values} — ${where}\n`;
  });
}

/** The lines of a policy document's change: `diff` lines (` `, `-`, `+`) by longest common subsequence, or the document itself. */
export function policyLines(p: NonNullable<AttributeChange["policy"]>): { lang: string; text: string } {
  if (!p.before || !p.after) return { lang: "json", text: (p.after ?? p.before)! };
  const a = p.before.split("\n");
  const b = p.after.split("\n");
  if (a.length * b.length > 250_000) return { lang: "diff", text: [...a.map((l) => `-${l}`), ...b.map((l) => `+${l}`)].join("\n") };
  // A line is the same whether or not a comma follows it: appending to a list is then one `+` line.
  const same = (x: string, y: string) => x.replace(/,$/, "") === y.replace(/,$/, "");
  const lcs: number[][] = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
  for (let i = a.length - 1; i >= 0; i--) for (let j = b.length - 1; j >= 0; j--) lcs[i][j] = same(a[i], b[j]) ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
  const out: string[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && same(a[i], b[j])) (out.push(` ${b[j]}`), i++, j++);
    else if (i < a.length && (j === b.length || lcs[i + 1][j] >= lcs[i][j + 1])) out.push(`-${a[i++]}`);
    else out.push(`+${b[j++]}`);
  }
  return { lang: "diff", text: out.join("\n") };
}

/** What forces a replacement: the attributes the plan or the provider table name, else Terraform's reason. */
function forcedBy(c: ResourceChange): string {
  const forcing = c.attributes.filter((a) => a.forcesReplacement).map((a) => a.path.replace(/\[\d+\].*$/, ""));
  const unique = [...new Set(forcing)];
  if (unique.length) return ` — forced by ${unique.slice(0, 3).map(code).join(", ")}${unique.length > 3 ? ` and ${unique.length - 3} more` : ""}`;
  if (c.previousAddress && c.movedBlock) return ` — its address changed (from ${code(c.previousAddress)}); a \`moved\` block avoids it`;
  return c.reason ? ` — ${esc(c.reason)}` : "";
}

/** One resource's details: a list item with its reason, `moved` block, attribute table (creates: values only) and policy documents. */
function changeDetails(c: ResourceChange, names: DiffResult["names"]): string {
  const value = (x: string) => code(named(x, c.stack, names));
  const lines = [`- ${c.actions.map((a) => ICON[a] ?? "").join("")} ${codeSpan(c.address)} ${c.actions.join(", ")}${c.constructPath ? ` — ${esc(c.constructPath)}` : ""}`];
  if (c.reason) lines.push(`  - reason: ${esc(c.reason)}`);
  if (c.actions.includes("replace") && !c.movedBlock && c.attributes.some((a) => a.forcesReplacement)) lines.push(`  - replaced${forcedBy(c)}`);
  if (c.danger) lines.push(`  - ⚠️ ${esc(c.danger)}`);
  if (c.movedBlock) lines.push("", fence(c.movedBlock, "hcl", "  "));
  if (c.attributes.length) {
    const create = c.actions.length === 1 && c.actions[0] === "create";
    lines.push("", create ? "  | attribute | value |" : "  | attribute | before | after |", create ? "  |---|---|" : "  |---|---|---|");
    for (const a of c.attributes) {
      const name = `${code(a.path)}${a.forcesReplacement ? " (forces replacement)" : ""}`;
      const side = (x: string, doc: string | undefined) => (doc ? "policy below" : value(x));
      lines.push(create ? `  | ${name} | ${side(a.after, a.policy?.after)} |` : `  | ${name} | ${side(a.before, a.policy?.before)} | ${side(a.after, a.policy?.after)} |`);
    }
    for (const a of c.attributes.filter((x) => x.policy)) {
      const doc = policyLines(a.policy!);
      lines.push("", `  ${code(a.path)}:`, "", fence(doc.text, doc.lang, "  "));
    }
  }
  return lines.join("\n") + "\n\n";
}

/** One attribute change in a summary line: removed, set, or before → after. */
function attributePhrase(a: AttributeChange, value: (x: string) => string): string {
  if (a.policy) return `${code(a.path)} ${a.policy.before && a.policy.after ? "changed" : a.policy.after ? "set" : "removed"} (policy in the details)`;
  if (a.after === "(none)") return `${code(a.path)} removed (was ${value(a.before)})`;
  if (a.before === "(none)") return `${code(a.path)} set to ${value(a.after)}`;
  return `${code(a.path)} ${value(a.before)} → ${value(a.after)}`;
}

const VERB: Record<string, string> = { create: "created", update: "updated", delete: "destroyed", replace: "replaced", forget: "forgotten (left in place, no longer managed)", read: "read", import: "imported", move: "moved" };

/**
 * One line per change, outside any collapsed block: changes alike (the same attributes going
 * from the same values to the same values; creates and deletes of one type) are merged into
 * one line naming the first resources; new stacks are summarized by resource type; security
 * resources first, then by construct path. A launch template change says what happens to the
 * instances of the groups on it.
 */
export function changeLines(result: DiffResult): string[] {
  const names = result.names;
  const newStacks = result.newStacks ?? {};
  const lines: { security: boolean; order: string; text: string }[] = [];
  const label = (c: ResourceChange) => c.constructPath ?? `${c.stack}/${c.address}`;
  for (const [stack, where] of Object.entries(newStacks)) {
    const creates = result.changes.filter((c) => c.stack === stack && c.actions.includes("create"));
    const byType = new Map<string, number>();
    for (const c of creates) byType.set(c.type, (byType.get(c.type) ?? 0) + 1);
    const types = [...byType].sort(([a, x], [b, y]) => Number(isSecurityType(b)) - Number(isSecurityType(a)) || y - x || a.localeCompare(b));
    const shown = types.slice(0, 12).map(([t, n]) => `${n} ${code(t)}`);
    const rest = types.slice(12).reduce((n, [, x]) => n + x, 0);
    const account = [where.account ? `account ${code(where.account)}` : "", where.region ? code(where.region) : ""].filter(Boolean).join(", ");
    lines.push({ security: true, order: `${stack}/`, text: `- 🆕 **${esc(stack)}** is a new stack${account ? ` (${account})` : ""}: ${creates.length} resource(s) to create — ${shown.join(", ")}${rest ? `, and ${rest} more of ${types.length - 12} other types` : ""}
` });
  }
  const rolloutsOf = new Map<string, Rollout[]>();
  for (const r of result.rollouts ?? []) (rolloutsOf.get(`${r.stack}\u0000${r.template}`) ?? rolloutsOf.set(`${r.stack}\u0000${r.template}`, []).get(`${r.stack}\u0000${r.template}`)!).push(r);
  const groups = new Map<string, ResourceChange[]>();
  for (const c of result.changes) {
    if (newStacks[c.stack] && c.actions.includes("create")) continue;
    const action = c.actions.join(",");
    const key =
      c.movedBlock || rolloutsOf.has(`${c.stack}\u0000${c.address}`)
        ? `one\u0000${c.stack}\u0000${c.address}`
        : c.actions.includes("update") && !c.actions.includes("replace")
          ? `${action}\u0000${c.attributes.map((a) => `${a.path}\u0001${a.before}\u0001${a.after}`).join("\u0002")}`
          : `${action}\u0000${c.type}\u0000${c.attributes.filter((a) => a.forcesReplacement).map((a) => a.path).join(",")}\u0000${c.reason ?? ""}`;
    (groups.get(key) ?? groups.set(key, []).get(key)!).push(c);
  }
  const outcome = { refresh: "🔄 replaced by a refresh", kept: "⏸️ keep the old version", unknown: "❔ cannot tell" };
  for (const members of groups.values()) {
    const c = members[0];
    const value = (x: string) => code(short(named(x, c.stack, names)));
    const icon = c.actions.map((a) => ICON[a] ?? "").join("");
    const danger = members.some((m) => m.danger) ? "⚠️ " : "";
    const updates = c.actions.includes("update") && !c.actions.includes("replace");
    const attrs = c.attributes.slice(0, 3).map((a) => attributePhrase(a, value)).join("; ") + (c.attributes.length > 3 ? `; and ${c.attributes.length - 3} more attribute(s)` : "");
    const verb = c.actions.map((a) => VERB[a] ?? a).join(", ");
    const what = updates ? attrs : `${verb}${c.actions.includes("replace") ? forcedBy(c) : ""}`;
    const rollouts = rolloutsOf.get(`${c.stack}\u0000${c.address}`) ?? [];
    const instances = rollouts.length ? ` — running instances: ${rollouts.map((r) => `${code(names?.[r.stack]?.[r.group] ?? r.group)} ${outcome[r.outcome]}`).join(", ")}` : "";
    const paths = members.map(label).sort();
    const subject =
      members.length === 1
        ? `${code(paths[0])}${updates ? "" : ` (${esc(c.type)})`}: `
        : updates
          ? ""
          : `${members.length} × ${code(c.type)} `;
    const on = members.length > 1 ? ` — on ${members.length} resources (${paths.slice(0, 3).map(code).join(", ")}${members.length > 3 ? ", …" : ""})` : "";
    lines.push({ security: members.some((m) => isSecurityType(m.type)) || Boolean(danger), order: paths[0], text: `- ${danger}${icon} ${subject}${what}${on}${instances}\n` });
  }
  return lines.sort((a, b) => Number(b.security) - Number(a.security) || a.order.localeCompare(b.order)).map((l) => l.text);
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
export function diffMarkdown(result: DiffResult, opts: MarkdownOptions = {}): string {
  const limit = opts.limit ?? COMMENT_LIMIT;
  const t = totals(result);
  const forget = Object.values(result.stacks).reduce((n, s) => n + s.forget, 0);
  const refs = opts.baseRef || opts.headRef ? ` ${code(shortRef(opts.baseRef ?? "base"))} → ${code(shortRef(opts.headRef ?? "head"))}` : "";
  const danger = result.dangerous.length ? ` — ⚠️ ${result.dangerous.length} dangerous` : "";
  const head: string[] = [MARKER, `### bulwark diff${refs}: ${t.create} to create, ${t.update} to update, ${t.replace} to replace, ${t.delete} to destroy${forget ? `, ${forget} to forget` : ""}${danger}`, ""];
  const stacks = Object.keys(result.stacks).sort();
  if (stacks.length === 0) head.push("No changes.", "");
  else {
    // Only the columns some stack has a number in.
    const columns = (["create", "update", "replace", "delete", "forget", "read", "import", "move"] as const).filter((k) => stacks.some((s) => result.stacks[s][k] > 0));
    head.push(`| stack | ${columns.map((k) => (k === "delete" ? "destroy" : k)).join(" | ")} |`, `|---|${columns.map(() => "---|").join("")}`);
    for (const s of stacks) {
      const x = result.stacks[s];
      const fresh = result.newStacks?.[s];
      const where = fresh ? [fresh.account ? `account ${code(fresh.account)}` : "", fresh.region ? code(fresh.region) : ""].filter(Boolean).join(", ") : "";
      head.push(`| ${esc(s)}${fresh ? ` 🆕 new${where ? ` (${where})` : ""}` : ""} | ${columns.map((k) => x[k]).join(" | ")} |`);
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
  const where =
    opts.artifactUrl && RUN_URL.test(opts.artifactUrl)
      ? ` The full report is in [the workflow run's artifacts](${opts.artifactUrl}).`
      : opts.fullReport
        ? ` The full report is in ${esc(opts.fullReport)}.`
        : " Run `bulwark diff --format md --output FILE` for the full report.";
  const note = (resources: number, rows: number) => `> ✂️ Cut to fit one comment: the details of ${resources} resource(s) and ${rows} other row(s) are not shown.${where}\n`;
  const otherRows = (result.exposure?.opened.length ?? 0) + (result.exposure?.closed.length ?? 0) + changeLines(result).length + result.dangerous.length + result.suppressed.length + result.introduced.length + result.resolved.length + result.drift.length + result.outputs.length + (result.rollouts?.length ?? 0);
  const budget = new Budget(limit - note(resourcesTotal, otherRows).length);
  budget.add(headText);
  let rowsCut = 0;

  rowsCut += budget.section(
    `> [!CAUTION]\n> **⚠️ Dangerous changes (${result.dangerous.length})**\n>\n`,
    dangerItems(result.dangerous, result.names),
    "\n",
    { more: (n) => `> - … and ${n} more dangerous change(s), not shown to fit one comment\n`, keepEmpty: true },
  );
  // Paths opened by the change come right after the dangerous changes: they are what a reviewer asks first.
  const opened = result.exposure?.opened ?? [];
  const closed = result.exposure?.closed ?? [];
  if (opened.length) rowsCut += budget.section(`#### Exposure: ${opened.length} path(s) opened\n\n`, opened.map((p) => pathLine(p) + "\n"), "\n");
  if (closed.length) rowsCut += budget.section(`#### Exposure: ${closed.length} path(s) closed\n\n`, closed.map((p) => pathLine(p) + "\n"), "\n");
  const lines = changeLines(result);
  rowsCut += budget.section(`#### Changes (${lines.length})\n\n`, lines, "\n", { more: (n) => `- … and ${n} more line(s), not shown to fit one comment\n` });
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
    resourcesCut += budget.section(`<details><summary>${esc(s)}: ${mine.length} change(s)</summary>\n\n`, mine.map((c) => changeDetails(c, result.names)), "</details>\n\n");
  }
  const text = budget.text();
  return resourcesCut || rowsCut ? text + note(resourcesCut, rowsCut) : text;
}

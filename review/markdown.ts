import { controlList, Finding } from "../compliance";
import { DiffResult, ResourceChange } from "./model";
import { totals } from "./diff";
import { rolloutMarkdown } from "./rollout";

/** A GitHub comment holds at most this many characters. */
export const COMMENT_LIMIT = 65536;
/** First line of every report: CI finds and updates its own comment by it. */
export const MARKER = "<!-- bulwark-diff -->";

const ICON: Record<string, string> = { create: "➕", update: "✏️", delete: "🗑️", replace: "♻️", read: "📖", import: "📥", move: "🚚" };

function cell(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/\n/g, " ");
}

function findingRow(f: Finding): string {
  return `| ${f.suppressed ? "suppressed" : f.severity} | \`${f.ruleId}\` | ${cell(controlList(f.controls))} | \`${cell(`${f.stack}/${f.address}`)}\` | ${cell(f.message)} |`;
}

function changeDetails(c: ResourceChange): string {
  const head = `${c.actions.map((a) => ICON[a] ?? a).join("")} \`${c.address}\` ${c.actions.join(", ")}${c.constructPath ? ` — ${c.constructPath}` : ""}`;
  const lines = [head];
  if (c.reason) lines.push(`  - reason: ${c.reason}`);
  if (c.movedBlock) lines.push("", "  ```hcl", ...c.movedBlock.split("\n").map((l) => `  ${l}`), "  ```");
  if (c.attributes.length) {
    lines.push("", "  | attribute | before | after |", "  |---|---|---|");
    for (const a of c.attributes) lines.push(`  | \`${cell(a.path)}\`${a.forcesReplacement ? " (forces replacement)" : ""} | ${cell(a.before)} | ${cell(a.after)} |`);
  }
  return lines.join("\n");
}

/**
 * A review for a pull-request comment: marker, summary table first and outside any collapsed
 * block, then dangerous changes, then findings, then one `<details>` per stack. Never longer
 * than the comment limit: per-stack details are cut first, with a note where the full report is.
 */
export function diffMarkdown(result: DiffResult, opts: { limit?: number; fullReport?: string } = {}): string {
  const limit = opts.limit ?? COMMENT_LIMIT;
  const t = totals(result);
  const head: string[] = [MARKER, `### bulwark diff: ${t.create} to create, ${t.update} to update, ${t.replace} to replace, ${t.delete} to destroy`, ""];
  const stacks = Object.keys(result.stacks).sort();
  if (stacks.length === 0) head.push("No changes.", "");
  else {
    head.push("| stack | create | update | replace | destroy | read | import | move |", "|---|---|---|---|---|---|---|---|");
    for (const s of stacks) {
      const x = result.stacks[s];
      head.push(`| ${s} | ${x.create} | ${x.update} | ${x.replace} | ${x.delete} | ${x.read} | ${x.import} | ${x.move} |`);
    }
    head.push("");
  }
  // The compliance result in one line, always shown: "none" is news a reviewer wants too.
  const errorsIn = (list: readonly Finding[]) => {
    const n = list.filter((f) => f.severity === "error" && !f.suppressed).length;
    return `${n} error${n === 1 ? "" : "s"}`;
  };
  head.push(
    result.introduced.length || result.resolved.length
      ? `**Compliance:** ${result.introduced.length} finding(s) introduced (${errorsIn(result.introduced)}), ${result.resolved.length} resolved (${errorsIn(result.resolved)})`
      : "**Compliance:** no findings introduced or resolved",
    "",
  );
  const dangerous = result.changes.filter((c) => c.danger);
  const introducedErrors = result.introduced.filter((f) => f.severity === "error" && !f.suppressed);
  if (dangerous.length || introducedErrors.length) {
    head.push("#### ⚠️ Dangerous changes", "");
    for (const c of dangerous) head.push(`- ${c.actions.join(", ")} \`${c.stack}/${c.address}\`: ${c.danger}${c.movedBlock ? " — a `moved` block avoids it (see details)" : ""}`);
    for (const f of introducedErrors) head.push(`- introduces \`${f.ruleId}\` [${controlList(f.controls)}] on \`${f.stack}/${f.address}\`: ${f.message}`);
    head.push("");
  }
  const findings: string[] = [];
  for (const [title, list] of [["Findings introduced", result.introduced], ["Findings resolved", result.resolved]] as const) {
    if (!list.length) continue;
    findings.push(`#### ${title} (${list.length})`, "", "| severity | rule | controls | resource | message |", "|---|---|---|---|---|", ...list.map(findingRow), "");
  }
  if (result.drift.length) findings.push(`#### Drift (${result.drift.length})`, "", ...result.drift.map((d) => `- \`${d.stack}/${d.address}\` changed outside Terraform (${d.actions.join(", ")})`), "");
  findings.push(...rolloutMarkdown(result.rollouts ?? []));
  if (result.outputs.length) findings.push("#### Output changes", "", ...result.outputs.map((o) => `- \`${o.stack}.${o.name}\`: ${o.before} → ${o.after}`), "");

  const details = stacks.map((s) => {
    const body = result.changes.filter((c) => c.stack === s).map(changeDetails).join("\n\n");
    return `<details><summary>${s}: ${result.changes.filter((c) => c.stack === s).length} change(s)</summary>\n\n${body}\n\n</details>\n`;
  });
  const note = (n: number) =>
    `\n> ✂️ ${n} section(s) cut to fit one comment.${opts.fullReport ? ` The full report is in ${opts.fullReport}.` : " Run `bulwark diff --format md --output FILE` for the full report."}\n`;

  let text = head.join("\n") + "\n" + findings.join("\n");
  if (text.length > limit) {
    // Even the findings do not fit: keep the summary and dangerous changes, cut the rest.
    const kept = head.join("\n");
    return kept.slice(0, limit - 300) + note(findings.length + details.length);
  }
  const out: string[] = [];
  let cut = 0;
  for (const d of details) {
    if (text.length + d.length + 400 <= limit) {
      out.push(d);
      text += "\n" + d;
      continue;
    }
    // Fit what we can of this stack's details, then stop.
    const room = limit - text.length - 400;
    if (room > 500) {
      const partial = d.slice(0, room).replace(/\n[^\n]*$/, "");
      out.push(`${partial}\n\n…\n\n</details>\n`);
      text += "\n" + out[out.length - 1];
    }
    cut = details.length - out.length + (room > 500 ? 1 : 0);
    break;
  }
  return text + (cut ? note(cut) : "");
}

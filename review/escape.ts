/**
 * Escaping for the pull-request comment. Everything bulwark interpolates into the Markdown
 * (addresses and for_each keys, stack names, construct paths, attribute paths and values,
 * finding messages, suppression reasons, output names) comes from the change under review,
 * so it is hostile until escaped: a value holding `</details>`, `<script>`, `<!--`, a run of
 * backticks, a `|` or a newline must not change the comment's structure, and `@someone` must
 * not notify anyone.
 */

/** Zero-width joiner: placed after `@` it keeps the text readable and stops GitHub's mention. */
const ZWJ = "\u200d";

/** Line breaks of every kind become one space: no value may start a new Markdown block. */
function oneLine(s: string): string {
  return s.replace(/\r\n|[\r\n\u2028\u2029\u0085]/g, " ").replace(/\u0000/g, "\ufffd");
}

/** `@name` → `@`+ZWJ+`name`: GitHub links mentions (and team mentions) in text and does not in the joined form. */
function noMention(s: string): string {
  return s.replace(/@/g, `@${ZWJ}`);
}

/**
 * Text for anywhere in the comment (paragraphs, list items, table cells, `<summary>`):
 * Markdown punctuation and HTML specials as numeric character references. A reference is
 * decoded to its character after parsing, so `&#96;` shows a backtick but opens no code span
 * and `&#124;` shows a pipe but splits no table cell.
 */
export function esc(value: string): string {
  return noMention(oneLine(value)).replace(/[\\`*_[\]<>&|~$]/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Inline code that is safe in a table cell too (a code span would be split by a `|` inside it). */
export function code(value: string): string {
  return value === "" ? "<code>(empty)</code>" : `<code>${esc(value)}</code>`;
}

/** Longest run of backticks in `s`. */
function longestBacktickRun(s: string): number {
  let longest = 0;
  for (const m of s.matchAll(/`+/g)) longest = Math.max(longest, m[0].length);
  return longest;
}

/** A code span whose backtick fence is longer than any run inside it (for list items and paragraphs). */
export function codeSpan(value: string): string {
  const text = noMention(oneLine(value));
  if (text.trim() === "") return "<code>(empty)</code>";
  const ticks = "`".repeat(longestBacktickRun(text) + 1);
  const pad = text.startsWith("`") || text.endsWith("`") || (text.startsWith(" ") && text.endsWith(" ")) ? " " : "";
  return `${ticks}${pad}${text}${pad}${ticks}`;
}

/**
 * A fenced code block whose fence is longer than any backtick run in the content, so the
 * content cannot close it; each line indented by `indent` (inside a list item).
 */
export function fence(content: string, lang = "", indent = ""): string {
  const lines = noMention(content.replace(/\r\n|\r/g, "\n")).split("\n");
  const ticks = "`".repeat(Math.max(3, longestBacktickRun(content) + 1));
  return [`${indent}${ticks}${lang}`, ...lines.map((l) => `${indent}${l}`), `${indent}${ticks}`].join("\n");
}

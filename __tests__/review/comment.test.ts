import fc from "fast-check";
import MarkdownIt from "markdown-it";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { bulwark } from "../support/cli";
import { Finding } from "../../compliance";
import { COMMENT_LIMIT, diffMarkdown } from "../../review/markdown";
import { DiffResult, emptySummary, ResourceChange } from "../../review/model";

// GitHub renders comments as GFM with raw HTML allowed (then sanitized): markdown-it with
// html on is the stand-in. Whatever bulwark interpolates, the rendered structure must be the
// one bulwark emitted.
const md = new MarkdownIt({ html: true });

/** Strings meant to break out: HTML, comments, fences, table pipes, mentions, line breaks, entities. */
const PAYLOADS = [
  "</details>",
  "<details><summary>x</summary>",
  "<script>alert(1)</script>",
  '<img src=x onerror="alert(1)">',
  "<!--",
  "-->",
  "`",
  "``",
  "```",
  "````hcl",
  "~~~",
  "|",
  "||",
  "@someone",
  "@acme/security-team",
  "\n",
  "\r\n",
  "\n\n",
  "\r",
  "\u2028",
  "[x](https://evil.example)",
  "![x](https://evil.example/x.png)",
  "*",
  "**",
  "_",
  "~~",
  "$x$",
  "&lt;b&gt;",
  "&#60;script&#62;",
  "\\",
  "</summary>",
  "</table>",
  "<tr><td>",
  "> [!NOTE]",
  "# h",
  "- ",
  "1. ",
  "    ",
  "---",
  "<",
  ">",
  "&",
  "\"'",
  "<b>",
  "\u0000",
  "<https://evil.example>",
  "<a href=x>",
];

const hostile = fc.array(fc.oneof(fc.constantFrom(...PAYLOADS), fc.string({ maxLength: 4 }), fc.constantFrom("a", "b", " ", "x.y")), { maxLength: 6 }).map((parts) => parts.join(""));

/** A review of every shape the Markdown has (each interpolated field filled from `s`). */
function sample(s: (i: number) => string): DiffResult {
  const finding = (i: number, extra: Partial<Finding> = {}): Finding => ({ ruleId: s(i), controls: { securityHub: [s(i + 1)] }, severity: "error", stack: s(i + 2), address: s(i + 3), message: s(i + 4), suppressed: false, ...extra });
  const changes: ResourceChange[] = [
    {
      stack: s(0),
      address: s(2),
      type: "aws_kms_key",
      actions: ["replace"],
      ...(s(3) ? { constructPath: s(3) } : {}),
      attributes: [{ path: s(4), before: s(5), after: s(6), forcesReplacement: true }],
      ...(s(7) ? { reason: s(7) } : {}),
      previousAddress: s(8),
      movedBlock: `moved {\n  from = ${s(8)}\n  to   = ${s(2)}\n}`,
      ...(s(9) ? { danger: s(9) } : {}),
    },
    { stack: s(1), address: s(10), type: "aws_x", actions: ["create"], attributes: [{ path: s(11), before: "(none)", after: s(12) }] },
    { stack: s(0), address: s(13), type: "aws_x", actions: ["delete", "forget"], attributes: [] },
  ];
  const stacks: DiffResult["stacks"] = {};
  for (const c of changes) (stacks[c.stack] ??= emptySummary()).create++;
  return {
    mode: "config",
    stacks,
    changes,
    introduced: [finding(26)],
    resolved: [finding(31)],
    suppressed: [{ ...finding(19, { suppressed: true, suppressionReason: s(24) }), previousReason: s(25) }],
    dangerous: [
      { class: "protection", stack: s(0), address: s(14), attribute: s(15), message: s(16), before: s(17), after: s(18) },
      { class: "suppression", stack: s(1), address: s(20), message: s(21) },
    ],
    outputs: [{ stack: s(0), name: s(36), before: s(37), after: s(38) }],
    drift: [{ stack: s(1), address: s(39), actions: [s(40)] }],
  };
}

/** Every tag name the rendered HTML holds, counted: the structure, whatever the order. */
function structure(html: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const m of html.matchAll(/<(\/?[A-Za-z][A-Za-z0-9]*)|<!--/g)) {
    const k = m[1] ?? "!--";
    out[k] = (out[k] ?? 0) + 1;
  }
  return out;
}

/** The same review with every string replaced by a harmless one (equal strings stay equal, empty stays empty). */
function benignTwin(strings: string[]): string[] {
  const names = new Map<string, string>();
  return strings.map((s) => (s === "" ? "" : (names.get(s) ?? names.set(s, `v${names.size}`).get(s)!)));
}

describe("the comment's escaping, with a CommonMark/GFM renderer", () => {
  it("renders hostile strings in every field with exactly the structure of harmless ones: no new element, no script, no image, no mention", () => {
    fc.assert(
      fc.property(fc.array(hostile, { minLength: 41, maxLength: 41 }), (strings) => {
        const plain = benignTwin(strings);
        const hostileHtml = md.render(diffMarkdown(sample((i) => strings[i]), { limit: Number.MAX_SAFE_INTEGER }));
        const benignHtml = md.render(diffMarkdown(sample((i) => plain[i]), { limit: Number.MAX_SAFE_INTEGER }));
        expect(structure(hostileHtml)).toEqual(structure(benignHtml));
        expect(hostileHtml).not.toMatch(/<(script|img|a|iframe|svg)[\s>/]/i);
        expect(structure(hostileHtml)["!--"]).toBe(1); // the marker, nothing else
        // Every @ is followed by a zero-width joiner: GitHub links no mention.
        expect(hostileHtml).not.toMatch(/@(?!\u200d)/);
      }),
      { numRuns: 300 },
    );
  });

  it("keeps the payloads visible as text (angle brackets escaped, not swallowed)", () => {
    const html = md.render(diffMarkdown(sample((i) => (i === 6 ? "<b>bold</b> `x` | y" : i === 16 ? "</details><script>" : `s${i}`))));
    expect(html).toContain("&lt;b&gt;bold&lt;/b&gt; `x` | y");
    expect(html).toContain("&lt;/details&gt;&lt;script&gt;");
  });

  it("sizes a code span's and a fence's backticks to their content", () => {
    const s = (i: number) => (i === 2 ? "a``b" : i === 8 ? "c````d" : `s${i}`);
    const text = diffMarkdown(sample(s));
    expect(text).toContain("``` a``b ```".replace(/ a/, "a").replace(/b /, "b")); // run of 3 around a run of 2
    expect(text).toContain("  `````hcl\n  moved {\n    from = c````d");
    const html = md.render(text);
    expect(html).toContain("<code>a``b</code>");
    expect(html).toMatch(/<pre><code class="language-hcl">moved \{\n {2}from = c````d/);
  });
});

describe("bulwark diff on a configuration written to attack the comment", () => {
  it("keeps its structure when keys, tags and values carry HTML, fences, pipes and mentions", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bulwark-hostile-"));
    for (const side of ["base", "head"]) fs.mkdirSync(path.join(dir, side, "app"), { recursive: true });
    const key = "x</details><script>alert(1)</script>`|@octocat<!--";
    const topic = (note: string) => ({ name: "t", kms_master_key_id: "k", tags: { note } });
    fs.writeFileSync(path.join(dir, "base", "app", "main.tf.json"), JSON.stringify({ resource: { aws_sns_topic: { [key]: topic("a"), plain: topic("a") } } }));
    fs.writeFileSync(path.join(dir, "head", "app", "main.tf.json"), JSON.stringify({ resource: { aws_sns_topic: { [key]: topic("<img src=x onerror=alert(1)> ```\n</details>"), plain: topic("b") } } }));
    const text = bulwark(["diff", "--base", path.join(dir, "base", "app"), "--head", path.join(dir, "head", "app")]).stdout;
    const html = md.render(text);
    expect((html.match(/<details>/g) ?? []).length).toBe(1);
    expect((html.match(/<\/details>/g) ?? []).length).toBe(1);
    expect((html.match(/<table>/g) ?? []).length).toBe(3); // the summary and one per resource
    expect(html).not.toMatch(/<(script|img)[\s>]/);
    expect(html).not.toMatch(/@(?!\u200d)/);
    expect(html).toContain("&lt;img src=x onerror=alert(1)&gt;");
  });
});

/** A large review: many dangerous changes, findings and resources with tables and moved blocks. */
function large(n: number): DiffResult {
  const changes: ResourceChange[] = Array.from({ length: n }, (_, i) => ({
    stack: i % 3 === 0 ? "dev" : "prod",
    address: `aws_kms_key.res-${String(i).padStart(5, "0")}`,
    type: "aws_kms_key",
    actions: [i % 2 ? "replace" : "update"],
    attributes: Array.from({ length: 1 + (i % 7) }, (_, j) => ({ path: `tags.k${j}`, before: `"${"b".repeat(j * 10)}"`, after: `"${"a".repeat(j * 10)}"` })),
    ...(i % 2 ? { movedBlock: `moved {\n  from = aws_kms_key.old-${i}\n  to   = aws_kms_key.res-${i}\n}`, previousAddress: `aws_kms_key.old-${i}` } : {}),
  }));
  const f = (i: number): Finding => ({ ruleId: "kms-rotation", controls: { securityHub: ["KMS.4"] }, severity: "error", stack: "prod", address: `aws_kms_key.res-${i}`, message: "rotation off ".repeat(5), suppressed: false });
  return {
    mode: "config",
    stacks: { dev: { ...emptySummary(), update: Math.ceil(n / 3) }, prod: { ...emptySummary(), replace: n - Math.ceil(n / 3) } },
    changes,
    introduced: Array.from({ length: n / 4 }, (_, i) => f(i)),
    resolved: [],
    suppressed: [],
    dangerous: Array.from({ length: n / 4 }, (_, i) => ({ class: "destroy" as const, stack: "prod", address: `aws_kms_key.res-${i}`, message: "replaces a stateful or security resource (aws_kms_key)" })),
    outputs: [],
    drift: [],
  };
}

describe("the comment size cap", () => {
  it("stays within the limit, the note included, cutting whole resources and rows and saying how many", () => {
    fc.assert(
      fc.property(fc.integer({ min: 4000, max: 80000 }), fc.integer({ min: 40, max: 1200 }), (limit, n) => {
        const result = large(n - (n % 4));
        const text = diffMarkdown(result, { limit, fullReport: "the artifact" });
        expect(text.length).toBeLessThanOrEqual(limit);
        const html = md.render(text);
        // Balanced: every <details> closed, every table has rows, no fence left open.
        expect((html.match(/<details>/g) ?? []).length).toBe((html.match(/<\/details>/g) ?? []).length);
        expect((html.match(/<table>/g) ?? []).length).toBe((html.match(/<tbody>/g) ?? []).length);
        expect((text.match(/^ *`{3,}/gm) ?? []).length % 2).toBe(0);
        const shown = (text.match(/^- \S+ `aws_kms_key\.res-/gm) ?? []).length;
        const cut = /the details of (\d+) resource\(s\)/.exec(text);
        if (shown < result.changes.length) {
          expect(cut).not.toBeNull();
          expect(Number(cut![1])).toBe(result.changes.length - shown);
          expect(html.trimEnd().endsWith("</blockquote>")).toBe(true);
        } else expect(cut).toBeNull();
        // The summary and the caution block always come first, before any collapsed block.
        expect(text.indexOf("> [!CAUTION]")).toBeGreaterThan(0);
        if (text.includes("<details>")) expect(text.indexOf("> [!CAUTION]")).toBeLessThan(text.indexOf("<details>"));
      }),
      { numRuns: 40 },
    );
  });

  it("fits a diff whose full report is several times the limit into 65,536 characters", () => {
    const result = large(4000);
    const text = diffMarkdown(result, { fullReport: "the artifact" });
    expect(text.length).toBeLessThanOrEqual(COMMENT_LIMIT);
    expect(diffMarkdown(result, { limit: Number.MAX_SAFE_INTEGER }).length).toBeGreaterThan(4 * COMMENT_LIMIT);
  });
});

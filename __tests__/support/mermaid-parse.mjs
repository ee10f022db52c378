// Parses Mermaid diagrams with Mermaid's own parser (the `mermaid` package, pinned exactly) and
// reports what it read: reads a JSON array of diagram texts on stdin and writes, for each, either
// { ok: true, type, vertices: [{ id, text, shown, shape }], edges: [{ start, end, text, shown, stroke, arrow }] }
// or { ok: false, error }: `text` as the parser stored it, `shown` as a browser displays it (Mermaid's
// entity codes and then HTML's decoded, markup dropped). A separate node process because mermaid is an ES module only and jest
// runs the tests as CommonJS.
//
// Mermaid cleans labels with DOMPurify, which needs a DOM at import: happy-dom gives it one (a
// real sanitizer, so markup that reaches a label is stripped and the label no longer reads as meant).
import { Window } from "happy-dom";

const window = new Window();
globalThis.window = window;
const { default: mermaid } = await import("mermaid");

/** What a browser shows for a label Mermaid stored: its `#name;`/`#35;` codes become HTML entities, then text. */
function shown(text) {
  const div = window.document.createElement("div");
  div.innerHTML = String(text ?? "").replace(/\uFB02\xB0\xB0/g, "&#").replace(/\uFB02\xB0/g, "&").replace(/\xB6\xDF/g, ";");
  return div.textContent;
}

let input = "";
for await (const chunk of process.stdin) input += chunk;
const out = [];
for (const text of JSON.parse(input)) {
  try {
    const parsed = await mermaid.parse(text);
    const diagram = await mermaid.mermaidAPI.getDiagramFromText(text);
    const db = diagram.db;
    const vertices = typeof db.getVertices === "function" ? [...db.getVertices().values()].map((v) => ({ id: v.id, text: v.text, shown: shown(v.text), shape: v.type })) : [];
    const edges = typeof db.getEdges === "function" ? db.getEdges().map((e) => ({ start: e.start, end: e.end, text: e.text, shown: shown(e.text), stroke: e.stroke, arrow: e.type })) : [];
    out.push({ ok: true, type: parsed.diagramType, vertices, edges });
  } catch (e) {
    out.push({ ok: false, error: String(e && e.message ? e.message : e) });
  }
}
process.stdout.write(JSON.stringify(out));
await window.happyDOM.close();

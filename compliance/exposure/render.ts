import { ExposurePath } from "./paths";

/** The JSON contract (DESIGN.md): paths with source, destination, protocol, ports, via, status; a summary. */
export function exposureJson(paths: readonly ExposurePath[]): string {
  return (
    JSON.stringify(
      {
        paths: paths.map((p) => ({
          source: p.source,
          destination: { stack: p.destination.stack, address: p.destination.address, ...(p.destination.group ? { group: p.destination.group } : {}) },
          protocol: p.protocol,
          ports: p.ports,
          via: p.via,
          status: p.status,
        })),
        summary: exposureSummary(paths),
      },
      null,
      2,
    ) + "\n"
  );
}

export function exposureSummary(paths: readonly ExposurePath[]): { open: number; unverifiable: number } {
  return { open: paths.filter((p) => p.status === "open").length, unverifiable: paths.filter((p) => p.status === "unverifiable").length };
}

const portText = (p: ExposurePath) => `${p.protocol} ${p.ports[0] === p.ports[1] ? p.ports[0] : `${p.ports[0]}-${p.ports[1]}`}`;
const sourceText = (p: ExposurePath) => (p.source.kind === "internet" ? `internet (${p.source.id})` : `${p.source.kind} ${p.source.id}`);

/** One line per path: status, source, destination, protocol/ports, via. */
export function exposureText(paths: readonly ExposurePath[]): string {
  const lines = paths.map((p) => `${p.status.padEnd(12)} ${sourceText(p)} → ${p.destination.stack}/${p.destination.address} ${portText(p)}${p.via.length ? ` via ${p.via.join(" → ")}` : ""}`);
  const s = exposureSummary(paths);
  lines.push(`${s.open} open path(s), ${s.unverifiable} unverifiable`);
  return lines.join("\n") + "\n";
}

/** Markdown-safe text: every character that could form markup becomes an entity. */
function md(text: string): string {
  return text.replace(/[\\`*_[\]<>&|~$#@!]/g, (c) => `&#${c.charCodeAt(0)};`).replace(/[\r\n]+/g, " ");
}

/** A table for a PR comment or a README. */
export function exposureMarkdown(paths: readonly ExposurePath[]): string {
  const s = exposureSummary(paths);
  const out = [`### bulwark exposure: ${s.open} open path(s), ${s.unverifiable} unverifiable`, ""];
  if (paths.length) {
    out.push("| status | from | to | ports | via |", "|---|---|---|---|---|");
    for (const p of paths) out.push(`| ${p.status} | ${md(sourceText(p))} | ${md(`${p.destination.stack}/${p.destination.address}`)} | ${md(portText(p))} | ${md(p.via.join(" → ")) || "direct"} |`);
  }
  return out.join("\n") + "\n";
}

/** Mermaid node ids are letters and digits; labels are quoted with `"` written as #quot;. */
function nodeId(kind: string, id: string): string {
  let h = 0;
  for (const c of `${kind}:${id}`) h = (Math.imul(h, 31) + c.charCodeAt(0)) | 0;
  return `${kind.replace(/[^a-z]/g, "")}${(h >>> 0).toString(36)}`;
}
const label = (text: string) => `"${text.replace(/"/g, "#quot;").replace(/[<>]/g, (c) => (c === "<" ? "#lt;" : "#gt;"))}"`;

/**
 * A flowchart of the open paths: sources on the left, what they reach on the right, one edge
 * per path labeled with its ports (dotted when unverifiable). GitHub renders it in comments.
 */
export function exposureMermaid(paths: readonly ExposurePath[]): string {
  const lines = ["flowchart LR"];
  const nodes = new Map<string, string>();
  const node = (kind: string, id: string, text: string, shape: "round" | "box") => {
    const nid = nodeId(kind, id);
    if (!nodes.has(nid)) nodes.set(nid, shape === "round" ? `  ${nid}(${label(text)})` : `  ${nid}[${label(text)}]`);
    return nid;
  };
  const edges: string[] = [];
  for (const p of paths) {
    const from = node(p.source.kind, p.source.id, sourceText(p), "round");
    let prev = from;
    for (const v of p.via) {
      const hop = node("res", `${p.destination.stack}/${v}`, `${p.destination.stack}/${v}`, "box");
      edges.push(`  ${prev} ${p.status === "open" ? "-->" : "-.->"} ${hop}`);
      prev = hop;
    }
    const to = node("res", `${p.destination.stack}/${p.destination.address}`, `${p.destination.stack}/${p.destination.address}`, "box");
    edges.push(`  ${prev} ${p.status === "open" ? "--" : "-."} ${label(portText(p))} ${p.status === "open" ? "-->" : ".->"} ${to}`);
  }
  return [...lines, ...nodes.values(), ...new Set(edges)].join("\n") + "\n";
}

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

/** Limits of Mermaid's default configuration: a bigger diagram is refused or not drawn (GitHub included). */
export const MERMAID_LIMITS = { edges: 500, characters: 50_000 } as const;

/** A table for a PR comment or a README, with the picture above it when Mermaid will draw it. */
export function exposureMarkdown(paths: readonly ExposurePath[]): string {
  const s = exposureSummary(paths);
  const out = [`### bulwark exposure: ${s.open} open path(s), ${s.unverifiable} unverifiable`, ""];
  if (paths.length) {
    const picture = exposureMermaid(paths);
    const edges = mermaidGraph(paths).edges.length;
    if (edges <= MERMAID_LIMITS.edges && picture.length <= MERMAID_LIMITS.characters) out.push("```mermaid", picture.trimEnd(), "```", "");
    else out.push(`(${edges} edges: too many for Mermaid to draw; narrow with --from, --to or --port for a picture)`, "");
    out.push("| status | from | to | ports | via |", "|---|---|---|---|---|");
    for (const p of paths) out.push(`| ${p.status} | ${md(sourceText(p))} | ${md(`${p.destination.stack}/${p.destination.address}`)} | ${md(portText(p))} | ${md(p.via.join(" → ")) || "direct"} |`);
  }
  return out.join("\n") + "\n";
}

/**
 * Node ids: letters and digits, stable across runs (a hash of the node's identity, so a picture in
 * the docs changes only where the paths do); `ids` makes a colliding hash unique.
 */
function nodeId(kind: string, id: string, ids: Map<string, string>): string {
  const k = `${kind}:${id}`;
  const known = ids.get(k);
  if (known) return known;
  let h = 0;
  for (const c of k) h = (Math.imul(h, 31) + c.charCodeAt(0)) | 0;
  const base = `${kind.replace(/[^a-z]/g, "")}${(h >>> 0).toString(36)}`;
  const taken = new Set(ids.values());
  let nid = base;
  for (let i = 2; taken.has(nid); i++) nid = `${base}x${i}`;
  ids.set(k, nid);
  return nid;
}

/** Characters a Mermaid label carries as they are; every other one is written as Mermaid's `#code;`. */
const LABEL_SAFE = /^[A-Za-z0-9 .,_/()·+-]$/u;
/**
 * A quoted Mermaid label that reads as `text` and nothing else: quotes, brackets, backticks (a
 * Markdown string), `#` (an entity of its own), `:` (after `style` Mermaid drops the `;` that ends
 * an entity), `<`, `&` and everything outside plain ASCII are entity codes; line breaks are spaces.
 */
export function mermaidLabel(text: string): string {
  let out = "";
  for (const c of text.replace(/[\x00-\x1f\x7f]+/g, " ")) out += LABEL_SAFE.test(c) ? c : `#${c.codePointAt(0)};`;
  return `"${out}"`;
}
const label = mermaidLabel;

/**
 * A flowchart of the paths: sources on the left, what they reach on the right, one edge per
 * path labeled with its ports (dotted when unverifiable). A path through a load balancer is drawn
 * from the load balancer (the internet's edge to it is the load balancer's own path), labeled
 * with the listener; a security group is linked to its member that makes the connection. GitHub
 * renders it in comments and READMEs.
 */
export function exposureMermaid(paths: readonly ExposurePath[]): string {
  const { nodes, edges } = mermaidGraph(paths);
  return ["flowchart LR", ...nodes, ...edges].join("\n") + "\n";
}

function mermaidGraph(paths: readonly ExposurePath[]): { nodes: string[]; edges: string[] } {
  const nodes = new Map<string, string>();
  const ids = new Map<string, string>();
  const node = (kind: string, id: string, text: string, shape: "round" | "box") => {
    const nid = nodeId(kind, id, ids);
    if (!nodes.has(nid)) nodes.set(nid, shape === "round" ? `  ${nid}(${label(text)})` : `  ${nid}[${label(text)}]`);
    return nid;
  };
  const res = (stack: string, address: string) => node("res", `${stack}/${address}`, `${stack}/${address}`, "box");
  const edges = new Set<string>();
  const edge = (from: string, to: string, text: string | undefined, open: boolean) =>
    edges.add(text === undefined ? `  ${from} ${open ? "-->" : "-.->"} ${to}` : `  ${from} ${open ? "--" : "-."} ${label(text)} ${open ? "-->" : ".->"} ${to}`);
  for (const p of paths) {
    const open = p.status === "open";
    const to = res(p.destination.stack, p.destination.address);
    if (p.via.length === 0) {
      edge(node(p.source.kind, p.source.id, sourceText(p), "round"), to, portText(p), open);
    } else if (p.source.kind === "security-group") {
      const member = res(p.destination.stack, p.via[0]);
      edges.add(`  ${node(p.source.kind, p.source.id, sourceText(p), "round")} -. member .- ${member}`);
      edge(member, to, portText(p), open);
    } else {
      const listener = p.via[1] ? ` · ${p.via[1].replace(/^[a-z0-9_]+\./, "")}` : "";
      edge(res(p.destination.stack, p.via[0]), to, `${portText(p)}${listener}`, open);
    }
  }
  return { nodes: [...nodes.values()], edges: [...edges] };
}

/** A DOT string literal. */
const dotText = (text: string) => `"${text.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/[\r\n]+/g, " ")}"`;

/**
 * The same picture as the Mermaid flowchart, in Graphviz's DOT: sources as rounded nodes on
 * the left, resources as boxes, one edge per path labeled with its ports (dashed when
 * unverifiable), load balancer paths drawn from the load balancer.
 */
export function exposureDot(paths: readonly ExposurePath[]): string {
  const nodes = new Map<string, string>();
  const ids = new Map<string, string>();
  const node = (kind: string, id: string, text: string, shape: "round" | "box") => {
    const nid = nodeId(kind, id, ids);
    if (!nodes.has(nid)) nodes.set(nid, `  ${nid} [label=${dotText(text)}, shape=box, style=${shape === "round" ? '"rounded,filled", fillcolor="#fde8e8"' : 'filled, fillcolor="#eef2ff"'}];`);
    return nid;
  };
  const res = (stack: string, address: string) => node("res", `${stack}/${address}`, `${stack}/${address}`, "box");
  const edges = new Set<string>();
  const edge = (from: string, to: string, text: string | undefined, open: boolean) => edges.add(`  ${from} -> ${to} [${text ? `label=${dotText(text)}, ` : ""}style=${open ? "solid" : "dashed"}];`);
  for (const p of paths) {
    const open = p.status === "open";
    const to = res(p.destination.stack, p.destination.address);
    if (p.via.length === 0) edge(node(p.source.kind, p.source.id, sourceText(p), "round"), to, portText(p), open);
    else if (p.source.kind === "security-group") {
      const member = res(p.destination.stack, p.via[0]);
      edges.add(`  ${node(p.source.kind, p.source.id, sourceText(p), "round")} -> ${member} [label="member", style=dotted, arrowhead=none];`);
      edge(member, to, portText(p), open);
    } else edge(res(p.destination.stack, p.via[0]), to, `${portText(p)}${p.via[1] ? ` · ${p.via[1].replace(/^[a-z0-9_]+\./, "")}` : ""}`, open);
  }
  return ["digraph exposure {", "  rankdir=LR;", '  node [fontname="Helvetica", fontsize=11];', '  edge [fontname="Helvetica", fontsize=10];', ...nodes.values(), ...edges, "}"].join("\n") + "\n";
}

/** SVG of the picture, drawn by Graphviz compiled to WebAssembly (offline, no browser). */
export async function exposureSvg(paths: readonly ExposurePath[]): Promise<string> {
  const { Graphviz } = await import("@hpcc-js/wasm-graphviz");
  const graphviz = await Graphviz.load();
  return graphviz.dot(exposureDot(paths));
}

import { ExposurePath } from "./paths";

/** The JSON contract (DESIGN.md): paths with source (kind, id, name when known), destination, protocol, ports, via, status (and why it is unverifiable, when one thing decides it); a summary. */
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
          ...(p.reason ? { reason: p.reason } : {}),
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
const sourceText = (p: ExposurePath) => (p.source.kind === "internet" ? `internet (${p.source.id})` : `${p.source.kind} ${p.source.id}${p.source.name ? ` (${p.source.name})` : ""}`);

/** One line per path: status, source, destination, protocol/ports, via. */
export function exposureText(paths: readonly ExposurePath[]): string {
  const lines = paths.map((p) => `${p.status.padEnd(12)} ${sourceText(p)} → ${p.destination.stack}/${p.destination.address} ${portText(p)}${p.via.length ? ` via ${p.via.join(" → ")}` : ""}${p.reason ? ` (${p.reason})` : ""}`);
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
const LABEL_SAFE = /^[A-Za-z0-9 .,_/(){}·+-]$/u;
/**
 * A quoted Mermaid label that reads as `text` and nothing else: quotes, brackets, backticks (a
 * Markdown string), `#` (an entity of its own), `:` (after `style` Mermaid drops the `;` that ends
 * an entity), `<`, `&` and everything else outside letters, digits and `.,_/(){}·+-` are entity codes;
 * line breaks are spaces.
 */
export function mermaidLabel(text: string): string {
  let out = "";
  for (const c of text.replace(/[\x00-\x1f\x7f]+/g, " ")) out += LABEL_SAFE.test(c) ? c : `#${c.codePointAt(0)};`;
  return `"${out}"`;
}
const label = mermaidLabel;

/** The picture as nodes and edges, before it is written as Mermaid or DOT. */
interface Picture {
  readonly nodes: { readonly id: string; readonly text: string; readonly source: boolean }[];
  readonly edges: { readonly from: string; readonly to: string; readonly label: string; readonly style: "open" | "unverifiable" | "member" }[];
}

/**
 * Sources on the left, what they reach on the right, one edge per path labeled with its ports
 * (dotted when unverifiable). A path through a load balancer is drawn from the load balancer (the
 * source's edge to it is the load balancer's own path), labeled with the listener; a security group
 * is linked to its member that makes the connection. Resources that only receive, from the same
 * sources on the same ports (the endpoints of one VPC), share one box.
 */
function picture(paths: readonly ExposurePath[]): Picture {
  const ids = new Map<string, string>();
  const nodes = new Map<string, { id: string; text: string; source: boolean }>();
  const node = (kind: string, id: string, text: string, source: boolean) => {
    const nid = nodeId(kind, id, ids);
    if (!nodes.has(nid)) nodes.set(nid, { id: nid, text, source });
    return nid;
  };
  const res = (stack: string, address: string) => node("res", `${stack}/${address}`, `${stack}/${address}`, false);
  // The internet and CIDRs are everyone's; a tier, group, list or peering belongs to the destination's stack.
  const src = (p: ExposurePath) =>
    p.source.kind === "internet" || p.source.kind === "cidr"
      ? node(p.source.kind, p.source.id, sourceText(p), true)
      : node(p.source.kind, `${p.destination.stack}/${p.source.id}\u0000${p.source.name ?? ""}`, `${p.source.kind} ${p.destination.stack}/${p.source.id}${p.source.name ? ` (${p.source.name})` : ""}`, true);
  const edges = new Map<string, Picture["edges"][number]>();
  const edge = (from: string, to: string, label: string, style: Picture["edges"][number]["style"]) => edges.set(JSON.stringify([from, to, label, style]), { from, to, label, style });
  for (const p of paths) {
    const style = p.status === "open" ? "open" : "unverifiable";
    const to = res(p.destination.stack, p.destination.address);
    if (p.via.length === 0) edge(src(p), to, portText(p), style);
    else if (p.source.kind === "security-group") {
      const member = res(p.destination.stack, p.via[0]);
      edge(src(p), member, "member", "member");
      edge(member, to, portText(p), style);
    } else edge(res(p.destination.stack, p.via[0]), to, `${portText(p)}${p.via[1] ? ` · ${p.via[1].replace(/^[a-z0-9_]+\./, "")}` : ""}`, style);
  }
  // Boxes that only receive, with the same edges coming in, become one box.
  const out = new Set([...edges.values()].map((e) => e.from));
  const incoming = new Map<string, string[]>();
  for (const e of edges.values()) (incoming.get(e.to) ?? incoming.set(e.to, []).get(e.to)!).push(JSON.stringify([e.from, e.label, e.style]));
  const bySignature = new Map<string, string[]>();
  for (const [nid, ins] of incoming) {
    if (out.has(nid) || nodes.get(nid)!.source) continue;
    const sig = [...new Set(ins)].sort().join("\n");
    (bySignature.get(sig) ?? bySignature.set(sig, []).get(sig)!).push(nid);
  }
  const mergedInto = new Map<string, string>();
  for (const group of bySignature.values()) {
    if (group.length < 2) continue;
    const [keep, ...rest] = group;
    nodes.get(keep)!.text = listText(group.map((n) => nodes.get(n)!.text));
    for (const n of rest) {
      mergedInto.set(n, keep);
      nodes.delete(n);
    }
  }
  const final = new Map<string, Picture["edges"][number]>();
  for (const e of edges.values()) {
    const to = mergedInto.get(e.to) ?? e.to;
    final.set(JSON.stringify([e.from, to, e.label, e.style]), { ...e, to });
  }
  return { nodes: [...nodes.values()], edges: [...final.values()] };
}

/** Names that share a beginning, written once: `prod/aws_vpc_endpoint.network_endpoint-{kms, logs, ssm}`. */
function listText(names: string[]): string {
  const sorted = [...names].sort();
  let prefix = sorted[0];
  for (const n of sorted) while (!n.startsWith(prefix)) prefix = prefix.slice(0, -1);
  const cut = Math.max(...["/", ".", "-", "_"].map((c) => prefix.lastIndexOf(c)));
  prefix = cut >= 0 ? prefix.slice(0, cut + 1) : "";
  return prefix ? `${prefix}{${sorted.map((n) => n.slice(prefix.length)).join(", ")}}` : sorted.join(", ");
}

/** The paths as a Mermaid flowchart (see `picture`); GitHub renders it in comments and READMEs. */
export function exposureMermaid(paths: readonly ExposurePath[]): string {
  const { nodes, edges } = mermaidGraph(paths);
  return ["flowchart LR", ...nodes, ...edges].join("\n") + "\n";
}

function mermaidGraph(paths: readonly ExposurePath[]): { nodes: string[]; edges: string[] } {
  const pic = picture(paths);
  return {
    nodes: pic.nodes.map((n) => (n.source ? `  ${n.id}(${label(n.text)})` : `  ${n.id}[${label(n.text)}]`)),
    edges: pic.edges.map((e) => (e.style === "member" ? `  ${e.from} -. member .- ${e.to}` : `  ${e.from} ${e.style === "open" ? "--" : "-."} ${label(e.label)} ${e.style === "open" ? "-->" : ".->"} ${e.to}`)),
  };
}

/** A DOT string literal. */
const dotText = (text: string) => `"${text.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/[\r\n]+/g, " ")}"`;
/** A DOT label in lines of about `width` characters, broken at spaces and after a list's `{` (Graphviz does not wrap). */
const dotLines = (text: string, width = 44) => {
  const lines: string[] = [];
  for (const word of text.replace(/[\r\n]+/g, " ").replace(/\{/g, "{ ").split(" ")) {
    const last = lines.length ? lines[lines.length - 1] : undefined;
    if (last !== undefined && !last.endsWith("{") && (last + " " + word).length <= width) lines[lines.length - 1] = `${last} ${word}`;
    else lines.push(word);
  }
  return `"${lines.map((l) => l.replace(/\\/g, "\\\\").replace(/"/g, '\\"')).join("\\n")}"`;
};

/** The same picture in Graphviz's DOT: sources as rounded nodes on the left, resources as boxes, unverifiable edges dashed. */
export function exposureDot(paths: readonly ExposurePath[]): string {
  const pic = picture(paths);
  const nodes = pic.nodes.map((n) => `  ${n.id} [label=${dotLines(n.text)}, shape=box, style=${n.source ? '"rounded,filled", fillcolor="#fde8e8"' : 'filled, fillcolor="#eef2ff"'}];`);
  const edges = pic.edges.map((e) => (e.style === "member" ? `  ${e.from} -> ${e.to} [label="member", style=dotted, arrowhead=none];` : `  ${e.from} -> ${e.to} [label=${dotText(e.label)}, style=${e.style === "open" ? "solid" : "dashed"}];`));
  return ["digraph exposure {", "  rankdir=LR;", '  node [fontname="Helvetica", fontsize=11];', '  edge [fontname="Helvetica", fontsize=10];', ...nodes, ...edges, "}"].join("\n") + "\n";
}

/** SVG of the picture, drawn by Graphviz compiled to WebAssembly (offline, no browser). */
export async function exposureSvg(paths: readonly ExposurePath[]): Promise<string> {
  const { Graphviz } = await import("@hpcc-js/wasm-graphviz");
  const graphviz = await Graphviz.load();
  return graphviz.dot(exposureDot(paths));
}

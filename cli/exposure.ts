import { ALL_RULES, buildContext, loadInput, runRules } from "../compliance/checker";
import { Explanation, explainInternet, ExposurePath, listedPaths } from "../compliance/exposure/paths";
import { intersectRanges } from "../compliance/families/network";
import { cidrRange } from "../modules/core/cidr";
import { exposureDot, exposureJson, exposureMarkdown, exposureMermaid, exposureSvg, exposureText } from "../compliance/exposure/render";
import { UsageError } from "./errors";
import { checkOutputFile, writeOutputFile } from "./output";

export interface ExposureOptions {
  format: string;
  output?: string;
  from?: string;
  to?: string;
  port?: string;
  /** Explain the internet's direct path to `to` on `port`, layer by layer. */
  why?: boolean;
}

const FORMATS = ["text", "json", "md", "mermaid", "dot", "svg"] as const;
/** The rules that judge paths: their unsuppressed errors make the exit status 1. */
export const PATH_RULES = ["exposure-no-internet-admin", "exposure-internet-via-load-balancer"];

/** Does the path come from `from`: the internet, addresses in a CIDR, or a source whose id or name holds the text? */
function fromMatches(p: ExposurePath, from: string): boolean {
  if (from === "internet") return p.source.kind === "internet";
  if (p.source.id === from || p.source.id.includes(from) || p.source.name?.includes(from)) return true;
  const cidr = cidrRange(from);
  return !!cidr && !!p.addresses && p.addresses.family === cidr.family && intersectRanges(p.addresses.possible, [cidr.range]).length > 0;
}

/** Paths matching `--from`, `--to` and `--port`. */
export function filterPaths(paths: readonly ExposurePath[], opts: Pick<ExposureOptions, "from" | "to" | "port">): ExposurePath[] {
  const port = opts.port === undefined ? undefined : Number(opts.port);
  if (opts.port !== undefined && (!/^\d+$/.test(opts.port) || port! > 65535)) throw new UsageError(`--port ${opts.port}: must be a port 0-65535`);
  return paths.filter(
    (p) =>
      (opts.from === undefined || fromMatches(p, opts.from)) &&
      (opts.to === undefined || p.destination.address === opts.to || p.destination.group === opts.to || p.destination.address.includes(opts.to)) &&
      (port === undefined || (p.ports[0] <= port && port <= p.ports[1])),
  );
}

/** `bulwark exposure`: exit 0, 1 when a path rule fails, 2 bad usage or input. SVG is drawn asynchronously (WebAssembly). */
export function exposure(target: string, opts: ExposureOptions, write: (text: string) => void): number | Promise<number> {
  if (!(FORMATS as readonly string[]).includes(opts.format)) throw new UsageError(`--format ${opts.format}: must be one of ${FORMATS.join(", ")}`);
  if (opts.why) {
    if (opts.to === undefined || opts.port === undefined) throw new UsageError("--why needs --to (a resource address or security group) and --port");
    if (opts.from !== undefined && opts.from !== "internet") throw new UsageError(`--why explains paths from the internet only, not --from ${opts.from}`);
    if (opts.format !== "text" && opts.format !== "json") throw new UsageError(`--why writes text or json, not --format ${opts.format}`);
  }
  if (opts.output !== undefined) checkOutputFile("--output", opts.output);
  const input = loadInput(target);
  const ctx = buildContext(input.resources);
  const paths = filterPaths(listedPaths(ctx), opts);
  const report = runRules(input.resources, ALL_RULES.filter((r) => PATH_RULES.includes(r.id)), { scope: "resource", suppressions: input.suppressions, gaps: input.gaps, context: ctx });
  const status = report.findings.some((f) => f.ruleId === "input-not-read" && !f.suppressed) ? 2 : report.summary.errors > 0 ? 1 : 0;
  if (opts.why) {
    const found = explainInternet(ctx, opts.to!, Number(opts.port));
    if (!found.length) throw new UsageError(`--to ${opts.to}: no instance, Auto Scaling group, load balancer or endpoint matches`);
    const text = opts.format === "json" ? `${JSON.stringify({ explanations: found }, null, 2)}\n` : whyText(found);
    if (opts.output !== undefined) writeOutputFile("--output", opts.output, text);
    else write(text);
    return status;
  }
  const emit = (text: string) => (opts.output !== undefined ? writeOutputFile("--output", opts.output, text) : write(text));
  if (opts.format === "svg") return exposureSvg(paths).then((svg) => (emit(svg), status));
  emit(
    opts.format === "json" ? exposureJson(paths) : opts.format === "md" ? exposureMarkdown(paths) : opts.format === "mermaid" ? exposureMermaid(paths) : opts.format === "dot" ? exposureDot(paths) : exposureText(paths),
  );
  return status;
}

/** `--why` as text: per destination, port and family, the verdict, what blocks, and each layer per subnet. */
export function whyText(found: readonly Explanation[]): string {
  const lines: string[] = [];
  for (const e of found) {
    const internet = e.family === "ipv4" ? "0.0.0.0/0" : "::/0";
    lines.push(`internet (${internet}) → ${e.destination.stack}/${e.destination.address} ${e.protocol} ${e.port}: ${e.status}${e.blockedBy.length ? `, blocked by ${e.blockedBy.join("; ")}` : ""}`);
    for (const s of e.subnets) {
      lines.push(`  in ${s.subnet}${s.through ? ` (gets through: ${s.through})` : ""}`);
      for (const l of s.layers) lines.push(`    ${l.layer.padEnd(34)} ${(l.answer + (l.part ? ` ${l.part}` : "")).padEnd(22)} ${l.subject}`);
    }
  }
  return `${lines.join("\n")}\n`;
}

import * as fs from "node:fs";
import { ALL_RULES, buildContext, loadInput, runRules } from "../compliance";
import { ExposurePath, listedPaths } from "../compliance/exposure/paths";
import { intersectRanges } from "../compliance/families/network";
import { cidrRange } from "../modules/core/cidr";
import { exposureDot, exposureJson, exposureMarkdown, exposureMermaid, exposureSvg, exposureText } from "../compliance/exposure/render";
import { UsageError } from "./check";

export interface ExposureOptions {
  format: string;
  output?: string;
  from?: string;
  to?: string;
  port?: string;
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
  const input = loadInput(target);
  const ctx = buildContext(input.resources);
  const paths = filterPaths(listedPaths(ctx), opts);
  const report = runRules(input.resources, ALL_RULES.filter((r) => PATH_RULES.includes(r.id)), { scope: "resource", suppressions: input.suppressions, gaps: input.gaps, context: ctx });
  const status = report.findings.some((f) => f.ruleId === "input-not-read" && !f.suppressed) ? 2 : report.summary.errors > 0 ? 1 : 0;
  const emit = (text: string) => (opts.output ? fs.writeFileSync(opts.output, text) : write(text));
  if (opts.format === "svg") return exposureSvg(paths).then((svg) => (emit(svg), status));
  emit(
    opts.format === "json" ? exposureJson(paths) : opts.format === "md" ? exposureMarkdown(paths) : opts.format === "mermaid" ? exposureMermaid(paths) : opts.format === "dot" ? exposureDot(paths) : exposureText(paths),
  );
  return status;
}

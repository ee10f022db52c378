import * as path from "node:path";
import { Controls, Finding, INPUT_NOT_READ, Report, Rule } from "./model";
import { ALL_RULES } from "./rules";

/** Report formats of `bulwark check --format`: one line per finding, the JSON contract, SARIF 2.1.0 for code scanning, Markdown for a pull-request comment. */
export type Format = "text" | "json" | "sarif" | "md";
/** Every `Format`; the CLI refuses others. */
export const FORMATS: readonly Format[] = ["text", "json", "sarif", "md"];

/** Control ids in one line: `EC2.8 · CIS 5.7 · CKV_AWS_79`. */
export function controlList(c: Controls, withTrivy = false): string {
  return [...(c.securityHub ?? []), ...(c.cis ?? []).map((x) => `CIS ${x}`), ...(c.checkov ?? []), ...(withTrivy ? (c.trivy ?? []) : [])].join(" · ");
}

function where(f: Finding): string {
  return `${f.stack}/${f.address}${f.constructPath ? ` (${f.constructPath})` : ""}`;
}

/** One line per finding: rule, controls, where, message. */
export function formatText(report: Report): string {
  const lines = report.findings.map((f) => {
    const tag = f.suppressed ? "suppressed" : f.severity;
    const controls = controlList(f.controls);
    return `${tag.padEnd(10)} ${f.ruleId}${controls ? ` [${controls}]` : ""} ${where(f)}: ${f.message}${f.suppressed ? ` — reason: ${f.suppressionReason}` : ""}`;
  });
  lines.push(summaryLine(report));
  return lines.join("\n") + "\n";
}

/** `2 error(s), 0 warning(s), 1 unverifiable, 0 suppressed (scopes: resource, account)`. */
export function summaryLine(report: Report): string {
  const s = report.summary;
  return `${s.errors} error(s), ${s.warnings} warning(s), ${s.unverifiable} unverifiable, ${s.suppressed} suppressed (scopes: ${s.scopes.join(", ")})`;
}

/** The JSON contract: findings with ruleId, controls, severity, stack, address, message, suppressed; summary counts. */
export function formatJson(report: Report): string {
  const findings = report.findings.map((f) => {
    const controls: Record<string, string[]> = {};
    if (f.controls.securityHub?.length) controls.securityHub = f.controls.securityHub;
    if (f.controls.cis?.length) controls.cis = f.controls.cis;
    if (f.controls.checkov?.length) controls.checkov = f.controls.checkov;
    return {
      ruleId: f.ruleId,
      controls,
      severity: f.severity,
      stack: f.stack,
      address: f.address,
      ...(f.constructPath ? { constructPath: f.constructPath } : {}),
      ...(f.subject ? { subject: f.subject } : {}),
      message: f.message,
      suppressed: f.suppressed,
      ...(f.suppressionReason ? { suppressionReason: f.suppressionReason } : {}),
    };
  });
  return JSON.stringify({ findings, summary: report.summary }, null, 2) + "\n";
}

const INPUT_RULE: Rule = {
  id: INPUT_NOT_READ,
  title: "All of the input was read",
  severity: "error",
  scope: "resource",
  controls: {},
  rationale: "HCL files and module calls are not read from configurations, so nothing in them was judged; a report over part of the input is not a clean report.",
  remediation: "Check a plan (`terraform show -json`) instead, which has every module expanded, or suppress the gap with a reason.",
  check: () => [],
  fixtures: { pass: {}, fail: {} },
};

function sarifLevel(f: Finding): "error" | "warning" | "note" {
  return f.severity === "error" ? "error" : f.severity === "warning" ? "warning" : "note";
}

/** SARIF 2.1.0 for code scanning: rule metadata with help text and control ids; locations are the files read. */
export function formatSarif(report: Report, rules: readonly Rule[] = ALL_RULES, artifact = "cdktf.out"): string {
  const used = [...rules, INPUT_RULE];
  const uriOf = (f: Finding) => {
    const file = f.file ?? (f.ruleId === INPUT_NOT_READ ? f.address : artifact);
    const rel = path.relative(process.cwd(), file);
    return (rel.startsWith("..") || path.isAbsolute(rel) ? file : rel).split(path.sep).join("/");
  };
  const sarif = {
    $schema: "https://json.schemastore.org/sarif-2.1.0.json",
    version: "2.1.0",
    runs: [
      {
        tool: {
          driver: {
            name: "bulwark",
            rules: used.map((r) => ({
              id: r.id,
              name: r.id.replace(/(^|-)([a-z0-9])/g, (_m, _d, c: string) => c.toUpperCase()),
              shortDescription: { text: r.title },
              fullDescription: { text: r.rationale },
              help: { text: `${r.rationale}\nRemediation: ${r.remediation}\nControls: ${controlList(r.controls, true) || "none with a public id"}`, markdown: `${r.rationale}\n\n**Remediation:** ${r.remediation}\n\n**Controls:** ${controlList(r.controls, true) || "none with a public id"}` },
              defaultConfiguration: { level: r.severity === "error" ? "error" : "warning" },
              properties: { tags: ["security", ...(r.controls.securityHub ?? []), ...(r.controls.checkov ?? [])], controls: r.controls },
            })),
          },
        },
        results: report.findings.map((f) => ({
          ruleId: f.ruleId,
          ruleIndex: used.findIndex((r) => r.id === f.ruleId),
          level: sarifLevel(f),
          message: { text: `${f.address}: ${f.message}` },
          locations: [
            {
              physicalLocation: { artifactLocation: { uri: uriOf(f) } },
              logicalLocations: [{ name: f.address, fullyQualifiedName: `${f.stack}/${f.address}`, kind: "resource" }],
            },
          ],
          ...(f.suppressed ? { suppressions: [{ kind: "inSource", justification: f.suppressionReason ?? "" }] } : {}),
          // The finding's own controls (a finding may name other controls than its rule's).
          properties: {
            stack: f.stack,
            severity: f.severity,
            ...(f.subject ? { subject: f.subject } : {}),
            ...(f.constructPath ? { constructPath: f.constructPath } : {}),
            tags: ["security", ...(f.controls.securityHub ?? []), ...(f.controls.checkov ?? [])],
            controls: f.controls,
          },
        })),
      },
    ],
  };
  return JSON.stringify(sarif, null, 2) + "\n";
}

function mdCell(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/\n/g, " ");
}

/** Markdown for a pull-request comment: counts first, then a table of findings. */
export function formatMarkdown(report: Report): string {
  const s = report.summary;
  const icon = s.errors > 0 ? "❌" : s.warnings > 0 || s.unverifiable > 0 ? "⚠️" : "✅";
  const out = [`### ${icon} bulwark check: ${mdCell(summaryLine(report))}`, ""];
  if (report.findings.length) {
    out.push("| severity | rule | controls | resource | message |", "|---|---|---|---|---|");
    for (const f of report.findings) {
      out.push(`| ${f.suppressed ? "suppressed" : f.severity} | \`${f.ruleId}\` | ${mdCell(controlList(f.controls))} | \`${mdCell(`${f.stack}/${f.address}`)}\` | ${mdCell(f.message + (f.suppressed ? ` (reason: ${f.suppressionReason})` : ""))} |`);
    }
  }
  return out.join("\n") + "\n";
}

/**
 * Renders a report in one format.
 * @param artifact for SARIF, the file a finding without a file of its own is located in (default `cdktf.out`)
 */
export function format(report: Report, fmt: Format, artifact?: string): string {
  switch (fmt) {
    case "json":
      return formatJson(report);
    case "sarif":
      return formatSarif(report, ALL_RULES, artifact);
    case "md":
      return formatMarkdown(report);
    default:
      return formatText(report);
  }
}

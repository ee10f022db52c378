import { Controls, Finding, Report, Rule } from "./model";
import { ALL_RULES } from "./rules";

export type Format = "text" | "json" | "sarif" | "md";
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
  const s = report.summary;
  lines.push(`${s.errors} error(s), ${s.warnings} warning(s), ${s.suppressed} suppressed`);
  return lines.join("\n") + "\n";
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
      message: f.message,
      suppressed: f.suppressed,
      ...(f.suppressionReason ? { suppressionReason: f.suppressionReason } : {}),
    };
  });
  return JSON.stringify({ findings, summary: report.summary }, null, 2) + "\n";
}

/** SARIF 2.1.0 for code scanning: rule metadata with help text and control ids. */
export function formatSarif(report: Report, rules: readonly Rule[] = ALL_RULES, artifact = "cdktf.out"): string {
  const used = rules;
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
          level: f.severity === "error" ? "error" : "warning",
          message: { text: `${f.address}: ${f.message}` },
          locations: [
            {
              physicalLocation: { artifactLocation: { uri: f.address === "(account)" ? artifact : `${artifact}/stacks/${f.stack}/cdk.tf.json` } },
              logicalLocations: [{ name: f.address, fullyQualifiedName: `${f.stack}/${f.address}`, kind: "resource" }],
            },
          ],
          ...(f.suppressed ? { suppressions: [{ kind: "inSource", justification: f.suppressionReason ?? "" }] } : {}),
          properties: { stack: f.stack, ...(f.constructPath ? { constructPath: f.constructPath } : {}) },
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
  const icon = s.errors > 0 ? "❌" : s.warnings > 0 ? "⚠️" : "✅";
  const out = [`### ${icon} bulwark check: ${s.errors} error(s), ${s.warnings} warning(s), ${s.suppressed} suppressed`, ""];
  if (report.findings.length) {
    out.push("| severity | rule | controls | resource | message |", "|---|---|---|---|---|");
    for (const f of report.findings) {
      out.push(`| ${f.suppressed ? "suppressed" : f.severity} | \`${f.ruleId}\` | ${mdCell(controlList(f.controls))} | \`${mdCell(`${f.stack}/${f.address}`)}\` | ${mdCell(f.message + (f.suppressed ? ` (reason: ${f.suppressionReason})` : ""))} |`);
    }
  }
  return out.join("\n") + "\n";
}

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

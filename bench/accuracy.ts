/**
 * Accuracy of `bulwark check` on the labeled real-world corpus (__tests__/fixtures/real-world):
 * plans of public Terraform modules' examples, each labeled by hand before the checker ran.
 * A label is (address, rule, fail | unverifiable). Precision and recall are over `fail`
 * labels; `unverifiable` labels must be reported (as unverifiable or fail), never passed.
 * A finding a rule reports below its own severity (a placeholder where a secret goes: a warning
 * from an error rule) is an advisory: shown in the table, neither a failure nor a miss of one.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { ALL_RULES, loadInput, runRules } from "../compliance";

/** The corpus folder under a project root. */
export const corpusDir = (root: string) => path.join(root, "__tests__", "fixtures", "real-world");

/** The rules the corpus was labeled for (the resource-scope rules at the time of labeling). */
export const LABELED_RULES = [
  "ec2-imdsv2", "lt-imdsv2", "ec2-imds-hop-limit", "ebs-encrypted", "lt-ebs-encrypted", "ebs-cmk", "ec2-no-public-ip", "lt-no-public-ip",
  "subnet-no-public-ip", "nacl-no-world-admin-ports", "nacl-associated", "sg-no-world-admin-ports", "sg-no-world-high-risk-ports",
  "sg-no-world-unauthorized-ports", "sg-descriptions", "vpc-default-sg-closed", "vpc-flow-logs", "kms-rotation", "ssm-managed",
  "log-group-encrypted", "no-secrets-in-user-data", "alarm-actions", "sns-encrypted", "ec2-detailed-monitoring", "backup-vault-cmk",
  "cloudtrail-encrypted", "cloudtrail-log-validation", "cloudtrail-cloudwatch-logs", "cloudtrail-bucket", "asg-launch-template-version",
  "alb-access-logs", "waf-logging", "waf-known-bad-inputs",
];

export interface Label {
  address: string;
  rule: string;
  expect: "fail" | "unverifiable";
  why: string;
}

export interface Outcome {
  example: string;
  address: string;
  rule: string;
  /** What the label says, if anything. */
  label?: Label["expect"];
  /** What the checker said, if anything (`advisory`: a finding below the rule's own severity). */
  found?: "fail" | "unverifiable" | "advisory";
  why?: string;
  message?: string;
}

/** Runs the checker over every example and pairs its findings with the labels. */
export function scoreCorpus(dir: string): Outcome[] {
  const out: Outcome[] = [];
  const rules = ALL_RULES.filter((r) => LABELED_RULES.includes(r.id));
  for (const example of fs.readdirSync(dir).filter((d) => fs.existsSync(path.join(dir, d, "labels.json"))).sort()) {
    const labels = (JSON.parse(fs.readFileSync(path.join(dir, example, "labels.json"), "utf8")) as { labels: Label[] }).labels;
    const input = loadInput(path.join(dir, example, "plan.json"));
    const report = runRules(input.resources, rules, { scope: "resource" });
    const key = (address: string, rule: string) => `${address}\u0000${rule}`;
    const found = new Map<string, { found: NonNullable<Outcome["found"]>; message: string }>();
    const weight = { advisory: 0, unverifiable: 1, fail: 2 } as const;
    const ruleSeverity = new Map(rules.map((r) => [r.id, r.severity]));
    for (const f of report.findings) {
      const k = key(f.address, f.ruleId);
      const verdict = f.severity === "unverifiable" ? "unverifiable" : f.severity === "warning" && ruleSeverity.get(f.ruleId) === "error" ? "advisory" : "fail";
      // One resource can have several findings of one rule: a fail outweighs an unverifiable, which outweighs an advisory.
      const before = found.get(k);
      if (!before || weight[verdict] > weight[before.found]) found.set(k, { found: verdict, message: f.message });
    }
    const labeled = new Map(labels.map((l) => [key(l.address, l.rule), l]));
    for (const k of new Set([...found.keys(), ...labeled.keys()])) {
      const [address, rule] = k.split("\u0000");
      const l = labeled.get(k);
      const f = found.get(k);
      out.push({ example, address, rule, ...(l ? { label: l.expect, why: l.why } : {}), ...(f ? { found: f.found, message: f.message } : {}) });
    }
  }
  return out;
}

export interface Score {
  tp: number;
  fp: number;
  fn: number;
  /** Labeled unverifiable: reported (as unverifiable or fail) vs passed. */
  unverifiableReported: number;
  unverifiablePassed: number;
  /** Reported unverifiable where the corpus labels nothing. */
  unverifiableNoise: number;
  /** Reported below the rule's severity (placeholders): neither a failure nor a miss. */
  advisories: number;
}

export function score(outcomes: readonly Outcome[]): Score {
  const s: Score = { tp: 0, fp: 0, fn: 0, unverifiableReported: 0, unverifiablePassed: 0, unverifiableNoise: 0, advisories: 0 };
  for (const o of outcomes) {
    if (o.label === "fail") o.found === "fail" ? s.tp++ : s.fn++;
    else if (o.label === "unverifiable") o.found ? s.unverifiableReported++ : s.unverifiablePassed++;
    if (o.found === "fail" && o.label !== "fail") s.fp++;
    if (o.found === "unverifiable" && !o.label) s.unverifiableNoise++;
    if (o.found === "advisory") s.advisories++;
  }
  return s;
}

export const precision = (s: Score) => (s.tp + s.fp === 0 ? 1 : s.tp / (s.tp + s.fp));
export const recall = (s: Score) => (s.tp + s.fn === 0 ? 1 : s.tp / (s.tp + s.fn));

/** The accuracy table `npm run bench -- --only accuracy` prints. */
export function accuracyReport(outcomes: readonly Outcome[]): string {
  const rows: string[] = ["| rule | labeled | TP | FP | FN | precision | recall | unverifiable labels reported | unverifiable noise | advisories |", "|---|---|---|---|---|---|---|---|---|---|"];
  const fmt = (x: number) => x.toFixed(2);
  const rules = [...new Set(outcomes.map((o) => o.rule))].sort();
  for (const rule of rules) {
    const os = outcomes.filter((o) => o.rule === rule);
    const s = score(os);
    const labeled = os.filter((o) => o.label).length;
    rows.push(`| ${rule} | ${labeled} | ${s.tp} | ${s.fp} | ${s.fn} | ${fmt(precision(s))} | ${fmt(recall(s))} | ${s.unverifiableReported}/${s.unverifiableReported + s.unverifiablePassed} | ${s.unverifiableNoise} | ${s.advisories} |`);
  }
  const t = score(outcomes);
  rows.push(`| **total** | ${outcomes.filter((o) => o.label).length} | ${t.tp} | ${t.fp} | ${t.fn} | ${fmt(precision(t))} | ${fmt(recall(t))} | ${t.unverifiableReported}/${t.unverifiableReported + t.unverifiablePassed} | ${t.unverifiableNoise} | ${t.advisories} |`);
  const wrong = outcomes.filter((o) => (o.label === "fail" && o.found !== "fail") || (o.found === "fail" && o.label !== "fail") || (o.label === "unverifiable" && !o.found));
  const lines = wrong.map((o) => `- ${o.example} ${o.address} ${o.rule}: labeled ${o.label ?? "—"}, found ${o.found ?? "—"}${o.message ? ` (${o.message})` : ""}${o.why ? ` — label: ${o.why}` : ""}`);
  return [rows.join("\n"), "", wrong.length ? `Disagreements (${wrong.length}):\n${lines.join("\n")}` : "No disagreements."].join("\n");
}


/**
 * The same labels scored against a peer scanner, checkov, when `BULWARK_CHECKOV` names a runner
 * (a development tool built offline: ../shared/tools/checkov; never a test dependency). A checkov
 * finding counts for a bulwark rule when the rule maps that check id (its `controls.checkov`);
 * precision and recall are over the labeled rules checkov has a check for.
 */
export function checkovOutcomes(dir: string, runner: string): Outcome[] {
  const { spawnSync } = require("node:child_process") as typeof import("node:child_process");
  const byCheck = new Map<string, string[]>();
  for (const r of ALL_RULES) for (const c of r.controls.checkov ?? []) byCheck.set(c, [...(byCheck.get(c) ?? []), r.id]);
  const covered = new Set([...byCheck.values()].flat().filter((id) => LABELED_RULES.includes(id)));
  const out: Outcome[] = [];
  for (const example of fs.readdirSync(dir).filter((d) => fs.existsSync(path.join(dir, d, "labels.json"))).sort()) {
    const labels = (JSON.parse(fs.readFileSync(path.join(dir, example, "labels.json"), "utf8")) as { labels: Label[] }).labels.filter((l) => covered.has(l.rule));
    const run = spawnSync(runner, ["-f", path.join(dir, example, "plan.json"), "--framework", "terraform_plan", "-o", "json", "--quiet"], { encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });
    let parsed: any = JSON.parse(run.stdout || "{}");
    parsed = Array.isArray(parsed) ? parsed[0] : parsed;
    const found = new Set<string>();
    for (const f of parsed?.results?.failed_checks ?? []) {
      const address = String(f.resource_address ?? f.resource);
      // One check can stand for an instance rule and its launch-template twin (CKV_AWS_79, CKV_AWS_88,
      // CKV_AWS_8): credit the twin that judges this resource's type, as the labels do.
      const template = /(^|\.)aws_launch_(template|configuration)\./.test(address);
      const twin: Record<string, string> = { "ec2-imdsv2": "lt-imdsv2", "ec2-no-public-ip": "lt-no-public-ip", "ebs-encrypted": "lt-ebs-encrypted" };
      const rules = (byCheck.get(f.check_id) ?? []).map((r) => (template && twin[r] ? twin[r] : r)).filter((r) => template || !r.startsWith("lt-"));
      for (const rule of new Set(rules)) if (covered.has(rule)) found.add(`${address}\u0000${rule}`);
    }
    const labeled = new Map(labels.map((l) => [`${l.address}\u0000${l.rule}`, l]));
    for (const k of new Set([...found, ...labeled.keys()])) {
      const [address, rule] = k.split("\u0000");
      const l = labeled.get(k);
      out.push({ example, address, rule, ...(l ? { label: l.expect, why: l.why } : {}), ...(found.has(k) ? { found: "fail" as const } : {}) });
    }
  }
  return out;
}

/** bulwark and checkov side by side, over the rules checkov has a check for. */
export function peerTable(ours: readonly Outcome[], peer: readonly Outcome[]): string {
  const rules = new Set(peer.map((o) => o.rule));
  const s = score(ours.filter((o) => rules.has(o.rule)));
  const p = score(peer);
  const fmt = (x: number) => x.toFixed(2);
  return [
    `| scanner (rules both cover: ${rules.size}) | TP | FP | FN | precision | recall |`,
    "|---|---|---|---|---|---|",
    `| bulwark | ${s.tp} | ${s.fp} | ${s.fn} | ${fmt(precision(s))} | ${fmt(recall(s))} |`,
    `| checkov | ${p.tp} | ${p.fp} | ${p.fn} | ${fmt(precision(p))} | ${fmt(recall(p))} |`,
  ].join("\n");
}

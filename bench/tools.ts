import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Figure, fmtSample, measure, runOnce } from "./measure";

const node = process.execPath;

/** A generated configuration of `n` resources (VPCs with flow logs, launch templates, ACL rules). */
function bigConfig(n: number): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bulwark-bench-config-"));
  const res: Record<string, Record<string, unknown>> = {};
  const add = (t: string, k: string, body: unknown) => ((res[t] ??= {})[k] = body);
  for (let i = 0; i < n / 5; i++) {
    add("aws_vpc", `v${i}`, { cidr_block: "10.0.0.0/16" });
    add("aws_flow_log", `f${i}`, { vpc_id: `\${aws_vpc.v${i}.id}`, traffic_type: "ALL", log_destination: "x" });
    add("aws_default_security_group", `d${i}`, { vpc_id: `\${aws_vpc.v${i}.id}` });
    add("aws_launch_template", `lt${i}`, {
      metadata_options: { http_tokens: "required", http_put_response_hop_limit: 1 },
      monitoring: { enabled: true },
      network_interfaces: [{ associate_public_ip_address: "false" }],
      block_device_mappings: [{ device_name: "/dev/xvda", ebs: { encrypted: "true", kms_key_id: "k" } }],
      iam_instance_profile: { arn: "x" },
    });
    add("aws_network_acl_rule", `r${i}`, { network_acl_id: "a", rule_number: 100, egress: false, protocol: "6", rule_action: "allow", cidr_block: "10.0.0.0/8", from_port: 443, to_port: 443 });
  }
  fs.writeFileSync(path.join(dir, "main.tf.json"), JSON.stringify({ resource: res }));
  return dir;
}

/** `bulwark check` over 10,000 resources (no peer runs offline: figure against the goal). */
export function checkFigures(root: string, runs: number): Figure[] {
  const dir = bigConfig(10000);
  const s = measure("bulwark check, 10,000 resources", runs, () => runOnce(node, ["bin/bulwark.mjs", "check", dir, "--format", "json", "--output", path.join(dir, "out.json")], { cwd: root, allowExit: [1] }), 1);
  fs.rmSync(dir, { recursive: true, force: true });
  return [{ figure: "bulwark check, 10,000 resources", ours: fmtSample(s), peer: "—", ratio: "—", goal: "≤ 1 s" }];
}

/**
 * `bulwark diff --plan` on a 10,000-resource plan made by terraform (terraform_data resources,
 * so no provider is needed), against `terraform show -json` producing that plan JSON.
 */
export function diffFigures(root: string, runs: number): Figure[] {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bulwark-bench-plan-"));
  const resources = Object.fromEntries(Array.from({ length: 10000 }, (_, i) => [`r${i}`, { input: { name: `res-${i}`, tags: { env: "prod", n: String(i) } } }]));
  fs.writeFileSync(path.join(dir, "main.tf.json"), JSON.stringify({ resource: { terraform_data: resources } }));
  const tf = process.env.TERRAFORM_BIN ?? "terraform";
  const env = { CHECKPOINT_DISABLE: "1", TF_IN_AUTOMATION: "1" };
  runOnce(tf, ["init", "-input=false", "-no-color"], { cwd: dir, env });
  process.stderr.write("  terraform plan of 10,000 resources (once, not measured)\n");
  runOnce(tf, ["plan", "-input=false", "-no-color", "-out=big.tfplan"], { cwd: dir, env });
  const planJson = path.join(dir, "big.json");
  const show = measure("terraform show -json, 10,000 resources", Math.min(runs, 3), () => runOnce("sh", ["-c", `${tf} show -json big.tfplan > big.json`], { cwd: dir, env }));
  const ours = measure("bulwark diff --plan, 10,000 resources", runs, () => runOnce(node, ["bin/bulwark.mjs", "diff", "--plan", planJson, "--format", "json", "--output", path.join(dir, "diff.json")], { cwd: root }), 1);
  const md = measure("bulwark diff --plan --format md", runs, () => runOnce(node, ["bin/bulwark.mjs", "diff", "--plan", planJson, "--output", path.join(dir, "diff.md")], { cwd: root }));
  fs.rmSync(dir, { recursive: true, force: true });
  return [
    { figure: "bulwark diff --plan (json), 10,000 resources", ours: fmtSample(ours), peer: `${fmtSample(show)} (terraform show -json)`, ratio: `${(show.ms / ours.ms).toFixed(1)}×`, goal: "≤ 2 s, ≤ 500 MB, faster than show" },
    { figure: "bulwark diff --plan (md, capped), 10,000 resources", ours: fmtSample(md), peer: "—", ratio: "—", goal: "≤ 2 s" },
  ];
}

/** `bulwark publish` of every module (writes and formats with terraform fmt). */
export function publishFigures(root: string, runs: number): Figure[] {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), "bulwark-bench-publish-"));
  const s = measure("bulwark publish, all modules", runs, () => runOnce(node, ["bin/bulwark.mjs", "publish", "--out", out], { cwd: root }), 1);
  fs.rmSync(out, { recursive: true, force: true });
  return [{ figure: "bulwark publish, all modules", ours: fmtSample(s), peer: "—", ratio: "—", goal: "report" }];
}

/** Type-check of the whole project: cold (no incremental state) and incremental with nothing changed. */
export function typecheckFigures(root: string, runs: number): Figure[] {
  const tsc = path.join(root, "node_modules", "typescript", "bin", "tsc");
  const info = path.join(root, ".bulwark", "tsbuildinfo");
  const cold = measure("tsc --noEmit, cold", Math.min(runs, 3), () => {
    fs.rmSync(info, { force: true });
    return runOnce(node, [tsc, "--noEmit", "-p", "."], { cwd: root });
  });
  const warm = measure("tsc --noEmit, incremental", runs, () => runOnce(node, [tsc, "--noEmit", "-p", "."], { cwd: root }), 1);
  return [
    { figure: "type-check, cold", ours: fmtSample(cold), peer: "—", ratio: "—", goal: "report (deep imports)" },
    { figure: "type-check, incremental, unchanged", ours: fmtSample(warm), peer: fmtSample(cold), ratio: `${(cold.ms / warm.ms).toFixed(1)}×`, goal: "report" },
  ];
}

import * as fs from "node:fs";
import * as path from "node:path";
import { parse as parseYaml } from "yaml";
import { InputGap, TfResource } from "./model";
import { isOverrideFile, looksLikeConfig, mergeConfigs, mergedResources, moduleGaps } from "./read/config";
import { expectObject, InputError, isObject, kindOf, readJsonFile } from "./read/json";
import { readPlan } from "./read/plan";
import { synthFailure } from "./output";

export { configResources, referencesIn } from "./read/config";
export { InputError } from "./read/json";

/** A suppression read from a `bulwark-suppressions.yaml`. */
export interface FileSuppression {
  /** Id of the rule suppressed. */
  readonly rule: string;
  /** A finding's address, `stack:address`, or a prefix ending in `*`. */
  readonly address: string;
  /** Why the finding is acceptable; required, and shown beside it in every report. */
  readonly reason: string;
  /** The file the entry came from, for messages. */
  readonly file: string;
  /** Set when the file sits in one stack's folder: it applies to that stack only. */
  readonly stack?: string;
}

/** What `loadInput` read: the resources to judge, and what it could not read. */
export interface LoadedInput {
  /** `config` for Terraform JSON configurations (cdktf output, `*.tf.json`), `plan` for `terraform show -json` output. */
  kind: "config" | "plan";
  /** Every resource instance read, of every stack. */
  resources: TfResource[];
  /** Names of the stacks read: a cdktf manifest's, sorted, or the one stack of a directory or plan. */
  stacks: string[];
  /** What was not read (HCL files, module calls): reported, never judged clean. */
  gaps: InputGap[];
  /** Entries of the `bulwark-suppressions.yaml` files found beside the input. */
  suppressions: FileSuppression[];
}

/** Name of the plain-Terraform suppression file read next to a configuration or plan. */
export const SUPPRESSION_FILE = "bulwark-suppressions.yaml";

/** Reads `bulwark-suppressions.yaml` from `dir` if present: `- { rule, address, reason }`. */
export function readSuppressionFile(dir: string, stack?: string): FileSuppression[] {
  const file = path.join(dir, SUPPRESSION_FILE);
  if (!fs.existsSync(file)) return [];
  let doc: unknown;
  try {
    doc = parseYaml(fs.readFileSync(file, "utf8"), { uniqueKeys: true });
  } catch (e) {
    throw new InputError(`${file}: is not valid YAML (${(e as Error).message.split("\n")[0].replace(/:$/, "")})`);
  }
  const list = isObject(doc) && "suppressions" in doc ? doc.suppressions : doc;
  if (list === null || list === undefined) return [];
  if (!Array.isArray(list)) throw new InputError(`${file}: must be a list of { rule, address, reason }, not ${kindOf(list)}`);
  return list.map((e, i) => {
    if (!isObject(e)) throw new InputError(`${file}: entry ${i + 1} must be { rule, address, reason }, not ${kindOf(e)}`);
    for (const k of ["rule", "address", "reason"] as const) {
      if (typeof e[k] !== "string" || !(e[k] as string).trim()) throw new InputError(`${file}: entry ${i + 1}: ${k} is required (a string)`);
    }
    const unknownKey = Object.keys(e).find((k) => !["rule", "address", "reason"].includes(k));
    if (unknownKey) throw new InputError(`${file}: entry ${i + 1}: unknown key ${JSON.stringify(unknownKey)} (rule, address, reason)`);
    if ((e.reason as string).trim().length < 10) throw new InputError(`${file}: entry ${i + 1}: reason ${JSON.stringify(e.reason)} must say why (at least 10 characters)`);
    return { rule: (e.rule as string).trim(), address: (e.address as string).trim(), reason: (e.reason as string).trim(), file, ...(stack ? { stack } : {}) };
  });
}

/** Does a file suppression cover a finding at `address` in `stack`? */
export function suppressionMatches(s: FileSuppression, ruleId: string, stack: string, address: string): boolean {
  if (s.rule !== ruleId || (s.stack !== undefined && s.stack !== stack)) return false;
  const full = `${stack}:${address}`;
  if (s.address === address || s.address === full) return true;
  if (s.address.endsWith("*")) {
    const prefix = s.address.slice(0, -1);
    return address.startsWith(prefix) || full.startsWith(prefix);
  }
  return false;
}

function isPlan(json: Record<string, unknown>): boolean {
  return typeof json.format_version === "string" && ("planned_values" in json || "resource_changes" in json || "values" in json || "terraform_version" in json);
}

/**
 * Reads a module directory (or a cdktf stack folder) as Terraform does: every `*.tf.json`,
 * override files merged; HCL files and module calls become gaps.
 */
function readConfigDir(dir: string, stack: string, files: string[]): { resources: TfResource[]; gaps: InputGap[] } {
  const jsonFiles = files.filter((f) => f.endsWith(".tf.json")).sort();
  const merged = mergeConfigs(jsonFiles.map((f) => ({ file: path.join(dir, f), json: readJsonFile(path.join(dir, f)) })));
  const hcl = files.filter((f) => f.endsWith(".tf")).sort();
  const gaps: InputGap[] = hcl.map((f) => ({
    stack,
    address: path.join(dir, f),
    message: `HCL ${isOverrideFile(f) ? "override " : ""}file not read (bulwark reads Terraform JSON): check a plan (terraform show -json) instead`,
  }));
  gaps.push(...moduleGaps(merged, stack));
  return { resources: mergedResources(merged, stack), gaps };
}

function listDir(dir: string): string[] {
  try {
    return fs.readdirSync(dir).filter((f) => fs.statSync(path.join(dir, f)).isFile());
  } catch (e) {
    throw new InputError(`${dir}: cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}

/**
 * Loads a cdktf output directory (manifest.json), a directory of `*.tf.json` (override files
 * merged), one `*.tf.json`, or `terraform show -json` output. Throws InputError for anything
 * it cannot judge.
 */
export function loadInput(target: string): LoadedInput {
  if (!fs.existsSync(target)) throw new InputError(`${target}: no such file or directory`);
  const stat = fs.statSync(target);
  if (stat.isDirectory()) {
    const failed = synthFailure(target);
    if (failed) throw new InputError(`${target}: the last synth into it failed (${failed}); nothing in it is current: fix that and synthesize again`);
    const manifest = path.join(target, "manifest.json");
    if (fs.existsSync(manifest)) {
      const m = expectObject(readJsonFile(manifest), manifest, "the manifest");
      if (!isObject(m.stacks)) throw new InputError(`${manifest}: is not a cdktf manifest (stacks must be an object, not ${kindOf(m.stacks)})`);
      const stacks = Object.keys(m.stacks).sort();
      if (stacks.length === 0) throw new InputError(`${manifest}: lists no stacks`);
      const out: LoadedInput = { kind: "config", resources: [], stacks, gaps: [], suppressions: [] };
      for (const name of stacks) {
        const entry = m.stacks[name];
        if (!isObject(entry)) throw new InputError(`${manifest}: stacks.${name} must be an object, not ${kindOf(entry)}`);
        const rel = entry.synthesizedStackPath ?? path.join("stacks", name, "cdk.tf.json");
        if (typeof rel !== "string") throw new InputError(`${manifest}: stacks.${name}.synthesizedStackPath must be a string, not ${kindOf(rel)}`);
        const file = path.join(target, rel);
        if (!fs.existsSync(file)) throw new InputError(`${manifest}: stack ${name}: ${file} does not exist (synthesize again)`);
        const dir = path.dirname(file);
        const read = readConfigDir(dir, name, listDir(dir));
        out.resources.push(...read.resources);
        out.gaps.push(...read.gaps);
        out.suppressions.push(...readSuppressionFile(dir, name));
      }
      out.suppressions.push(...readSuppressionFile(target));
      return out;
    }
    const files = listDir(target);
    if (!files.some((f) => f.endsWith(".tf.json"))) {
      const hcl = files.filter((f) => f.endsWith(".tf")).length;
      throw new InputError(`${target}: holds no cdktf manifest.json and no *.tf.json${hcl ? ` (${hcl} HCL file(s) not read: check a plan, \`terraform show -json\`, instead)` : ""}`);
    }
    const stack = path.basename(path.resolve(target));
    const read = readConfigDir(target, stack, files);
    return { kind: "config", resources: read.resources, stacks: [stack], gaps: read.gaps, suppressions: readSuppressionFile(target) };
  }
  const json = readJsonFile(target);
  if (!isObject(json)) throw new InputError(`${target}: is neither a Terraform JSON configuration nor a plan (it holds ${kindOf(json)})`);
  const stack = path.basename(target).replace(/(\.tf)?\.json$/, "").replace(/^cdk$/, path.basename(path.dirname(path.resolve(target))));
  const suppressions = readSuppressionFile(path.dirname(target));
  if (isPlan(json)) {
    if (!/^1\./.test(String(json.format_version))) throw new InputError(`${target}: plan format_version ${json.format_version} is not supported (1.x)`);
    const plan = readPlan(json, stack, target);
    const resources = plan.account ? plan.resources.map((r) => ({ ...r, account: plan.account })) : plan.resources;
    return { kind: "plan", resources, stacks: [stack], gaps: [], suppressions };
  }
  if (looksLikeConfig(json)) {
    const merged = mergeConfigs([{ file: target, json }]);
    // Terraform would merge the override files beside it into this file's blocks: judging the file
    // alone would miss them, so they are named as not read (check the directory instead).
    const dir = path.dirname(target);
    const overrides = listDir(dir).filter((f) => isOverrideFile(f) && path.join(dir, f) !== path.resolve(target) && f !== path.basename(target));
    const gaps = [
      ...moduleGaps(merged, stack),
      ...overrides.map((f) => ({ stack, address: path.join(dir, f), message: `override file beside ${path.basename(target)} not merged: check the directory (bulwark check ${dir}) to judge what Terraform deploys` })),
    ];
    return { kind: "config", resources: mergedResources(merged, stack), stacks: [stack], gaps, suppressions };
  }
  throw new InputError(`${target}: is neither a Terraform JSON configuration nor a plan (no resource/terraform keys, no format_version)`);
}

/** Resources of a `terraform show -json` plan object (references followed, unknowns marked). */
export function planResources(plan: object, stack: string, file = `${stack}.json`): TfResource[] {
  return readPlan(plan as Record<string, unknown>, stack, file).resources;
}

import { isUnknown, TfResource } from "../compliance/checker";
import { code, esc } from "./escape";
import { ResourceChange } from "./model";

/**
 * Whether a launch template change reaches running instances. The hashicorp/aws provider starts
 * an instance refresh only when the group's `launch_template` block changes: a group whose
 * `version` is the template's `latest_version` changes with every new template version; one on
 * "$Latest", "$Default" or a fixed number does not, and its running instances keep the old version.
 */
export interface Rollout {
  readonly stack: string;
  /** The launch template that changes. */
  readonly template: string;
  /** An Auto Scaling group launching from it. */
  readonly group: string;
  /** "refresh": the group's instances are replaced; "kept": they keep the old version; "unknown": cannot tell. */
  readonly outcome: "refresh" | "kept" | "unknown";
  readonly why: string;
}

/** How one Auto Scaling group refers to a launch template, read from configuration. */
export interface TemplateUse {
  readonly stack: string;
  readonly group: string;
  /** Address of the launch template its `id`/`name` refers to. */
  readonly template: string;
  /** The template whose `latest_version` the `version` refers to; or the literal; or an expression not understood. */
  readonly version: { readonly latestOf: string } | { readonly literal: string } | { readonly expression: string };
  readonly instanceRefresh: boolean;
}

const baseAddress = (address: string) => address.replace(/\[[^\]]*\]$/, "");
const first = (v: unknown): any => (Array.isArray(v) ? v[0] : v);

/** Launch template uses of the groups in synthesized configurations (references stay `${...}` strings). */
export function templateUsesOfConfig(resources: readonly TfResource[]): TemplateUse[] {
  // Configurations read `${...}` expressions as Unknown values that keep the expression.
  const text = (v: unknown): unknown => (isUnknown(v) ? v.why : v);
  const ref = (raw: unknown, attrs: string): string | undefined => {
    const v = text(raw);
    const m = typeof v === "string" ? new RegExp(`^\\$\\{((?:module\\.[\\w-]+\\.)*aws_launch_template\\.[\\w-]+)\\.(?:${attrs})\\}$`).exec(v) : null;
    return m?.[1];
  };
  const out: TemplateUse[] = [];
  for (const r of resources) {
    if (r.type !== "aws_autoscaling_group" || r.mode !== "managed") continue;
    const lt = first(r.values.launch_template) ?? renameSpec(first(first(first(r.values.mixed_instances_policy)?.launch_template)?.launch_template_specification));
    if (!lt) continue;
    const template = ref(lt.id, "id") ?? ref(lt.name, "name");
    if (!template) continue;
    const latestOf = ref(lt.version, "latest_version");
    const given = text(lt.version);
    const version = latestOf
      ? { latestOf }
      : typeof given === "string" && !given.includes("${")
        ? { literal: given }
        : typeof given === "number"
          ? { literal: String(given) }
          : { expression: given === undefined ? "(none: the template's default version)" : String(given) };
    out.push({ stack: r.stack, group: r.address, template, version, instanceRefresh: first(r.values.instance_refresh) != null });
  }
  return out;
}

function renameSpec(spec: any): any {
  return spec ? { id: spec.launch_template_id, name: spec.launch_template_name, version: spec.version } : undefined;
}

/**
 * Launch template uses of the groups in a plan (`terraform show -json`), from its configuration's
 * expressions; references through module outputs are followed to the resource behind them.
 */
export function templateUsesOfPlan(plan: Record<string, any>, stack: string): TemplateUse[] {
  const out: TemplateUse[] = [];
  // `ref` as written in module `mod` at `prefix` → the absolute address of the launch template it names.
  const resolve = (ref: string, mod: any, prefix: string, depth = 0): string | undefined => {
    const direct = /^(aws_launch_template\.[\w-]+)(?:\[[^\]]*\])?\./.exec(ref);
    if (direct) return prefix + direct[1];
    const viaModule = /^module\.([\w-]+)\.([\w-]+)$/.exec(ref);
    if (!viaModule || depth > 8) return undefined;
    const call = mod?.module_calls?.[viaModule[1]];
    for (const r of call?.module?.outputs?.[viaModule[2]]?.expression?.references ?? []) {
      const found = resolve(r, call.module, `${prefix}module.${viaModule[1]}.`, depth + 1);
      if (found) return found;
    }
    return undefined;
  };
  // Which attribute of the template a reference reads (through module outputs: the output's).
  const attribute = (ref: string, mod: any, depth = 0): string | undefined => {
    const direct = /^aws_launch_template\.[\w-]+(?:\[[^\]]*\])?\.([\w]+)$/.exec(ref);
    if (direct) return direct[1];
    const viaModule = /^module\.([\w-]+)\.([\w-]+)$/.exec(ref);
    if (!viaModule || depth > 8) return undefined;
    const call = mod?.module_calls?.[viaModule[1]];
    for (const r of call?.module?.outputs?.[viaModule[2]]?.expression?.references ?? []) {
      const a = attribute(r, call.module, depth + 1);
      if (a) return a;
    }
    return undefined;
  };
  const templateOf = (expr: any, mod: any, prefix: string): string | undefined => {
    for (const r of expr?.references ?? []) {
      const found = resolve(r, mod, prefix);
      if (found) return found;
    }
    return undefined;
  };
  const walk = (mod: any, prefix: string) => {
    for (const r of mod?.resources ?? []) {
      if (r.type !== "aws_autoscaling_group" || r.mode !== "managed") continue;
      const e = r.expressions ?? {};
      const lt = first(e.launch_template);
      const spec = first(first(first(e.mixed_instances_policy)?.launch_template)?.launch_template_specification);
      const id = lt ? (lt.id ?? lt.name) : spec ? (spec.launch_template_id ?? spec.launch_template_name) : undefined;
      const versionExpr = lt ? lt.version : spec?.version;
      const template = templateOf(id, mod, prefix);
      if (!template) continue;
      let version: TemplateUse["version"];
      const latestRef = (versionExpr?.references ?? []).find((x: string) => attribute(x, mod) === "latest_version");
      if (latestRef) version = { latestOf: resolve(latestRef, mod, prefix) ?? template };
      else if (versionExpr && "constant_value" in versionExpr) version = { literal: String(versionExpr.constant_value) };
      else version = { expression: versionExpr ? (versionExpr.references ?? []).join(", ") || "(an expression)" : "(none: the template's default version)" };
      out.push({ stack, group: prefix + r.address, template, version, instanceRefresh: first(e.instance_refresh) != null });
    }
    for (const [name, call] of Object.entries<any>(mod?.module_calls ?? {})) walk(call.module, `${prefix}module.${name}.`);
  };
  walk(plan.configuration?.root_module, "");
  return out;
}

/** For every launch template the changes update or replace: the groups using it and what happens to their instances. */
export function launchTemplateRollouts(changes: readonly ResourceChange[], uses: readonly TemplateUse[]): Rollout[] {
  const out: Rollout[] = [];
  for (const c of changes) {
    if (c.type !== "aws_launch_template" || !(c.actions.includes("update") || c.actions.includes("replace"))) continue;
    const template = baseAddress(c.address);
    for (const u of uses.filter((x) => x.stack === c.stack && x.template === template)) {
      out.push({ stack: c.stack, template: c.address, group: u.group, ...outcome(u, c.actions.includes("replace")) });
    }
  }
  return out.sort((a, b) => a.stack.localeCompare(b.stack) || a.template.localeCompare(b.template) || a.group.localeCompare(b.group));
}

function outcome(u: TemplateUse, replaced: boolean): Pick<Rollout, "outcome" | "why"> {
  if (!u.instanceRefresh) return { outcome: "kept", why: "the group has no instance_refresh: running instances keep the old version until something replaces them" };
  if (replaced) return { outcome: "refresh", why: "the template is replaced, so the group's launch_template changes and an instance refresh replaces the instances" };
  if ("latestOf" in u.version) {
    return u.version.latestOf === u.template
      ? { outcome: "refresh", why: "launch_template.version follows the template's latest_version, so it changes and an instance refresh replaces the instances" }
      : { outcome: "unknown", why: `launch_template.version follows the latest_version of another template (${u.version.latestOf})` };
  }
  if ("literal" in u.version) {
    const v = u.version.literal;
    return {
      outcome: "kept",
      why:
        v === "$Latest" || v === "$Default"
          ? `launch_template.version is "${v}": the group's configuration does not change, no refresh starts, running instances keep the old version (only new ones get the new)`
          : `launch_template.version is pinned to ${JSON.stringify(v)}: instances keep that version, new ones too`,
    };
  }
  return { outcome: "unknown", why: `launch_template.version is ${u.version.expression}: cannot tell whether it changes` };
}

/** The heading and one line per group on a changed template, every interpolated string escaped. */
export function rolloutMarkdown(rollouts: readonly Rollout[]): { heading: string; rows: string[] } {
  const label = { refresh: "🔄 instances replaced by a refresh", kept: "⏸️ instances keep the old version", unknown: "❔ cannot tell" };
  return {
    heading: `#### Launch template changes reaching instances (${rollouts.length})\n\n`,
    rows: rollouts.map((r) => `- ${code(`${r.stack}/${r.template}`)} → ${code(r.group)}: ${label[r.outcome]} — ${esc(r.why)}\n`),
  };
}

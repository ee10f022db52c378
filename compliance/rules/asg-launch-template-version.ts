import { Rule, RuleFinding, TfResource } from "../model";
import { ignoresChanges, lifecycleOf } from "../lifecycle";
import { attr, describe, first, isUnknown, knownBlocks } from "../values";

/** The launch template specifications of a group: its own, and its mixed instances policy's. */
function specifications(group: TfResource): { where: string; version: unknown; given: boolean }[] {
  const out: { where: string; version: unknown; given: boolean }[] = [];
  const own = first(group.values.launch_template);
  if (own) out.push({ where: "launch_template", version: attr(own, "version"), given: true });
  for (const policy of knownBlocks(group.values.mixed_instances_policy)) {
    for (const lt of knownBlocks(policy.launch_template)) {
      const spec = first(lt.launch_template_specification);
      if (spec) out.push({ where: "mixed_instances_policy.launch_template", version: attr(spec, "version"), given: true });
    }
  }
  return out;
}

export const asgLaunchTemplateVersion: Rule = {
  id: "asg-launch-template-version",
  title: "Auto Scaling groups with an instance refresh follow the template's latest version",
  severity: "error",
  scope: "resource",
  controls: {},
  rationale:
    "The AWS provider starts an instance refresh only when the group's launch_template block changes. With version \"$Latest\" or \"$Default\" (or none, which is $Default) a new AMI, user data or instance type goes into a new template version and never reaches the running instances: they keep the old, unpatched image.",
  remediation:
    "Set launch_template { version = aws_launch_template.<name>.latest_version } so a template change updates the group and starts the refresh, and keep launch_template out of lifecycle.ignore_changes (read from configurations; a plan does not carry lifecycle settings).",
  check: (ctx) =>
    ctx.ofType("aws_autoscaling_group").flatMap((group): RuleFinding[] => {
      const refresh = group.values.instance_refresh;
      if (isUnknown(refresh) ? refresh.set === false : knownBlocks(refresh).length === 0) return [];
      // ignore_changes on the template specification: Terraform never sends a new version, so the refresh never starts
      // (unless replace_triggered_by names the template: then the group is replaced instead).
      const lifecycle = lifecycleOf(group);
      const replaced = lifecycle.replaceTriggeredBy.some((r) => /(^|\.)aws_launch_template\./.test(r));
      const ignored = specifications(group).flatMap(({ where }): RuleFinding[] => {
        const by = ignoresChanges(lifecycle, where.split(".")[0]);
        return by && !replaced ? [{ resource: group, subject: `${where} (lifecycle)`, message: `lifecycle.ignore_changes covers ${where} (${by === "all" ? "all" : JSON.stringify(by)}): a new template version never reaches the group, so the instance refresh never starts` }] : [];
      });
      return [...ignored, ...specifications(group).flatMap(({ where, version }): RuleFinding[] => {
        if (version === undefined || version === null || version === "" || version === "$Latest" || version === "$Default") {
          const v = version === undefined || version === null || version === "" ? "not set ($Default)" : JSON.stringify(version);
          return [{ resource: group, subject: where, message: `${where}.version is ${v}: the instance refresh never starts when the template changes` }];
        }
        if (isUnknown(version) && ctx.isOpaque(group, where.split(".")[0]) && !(group.refs[where.split(".")[0]] ?? []).some((a) => a.includes("aws_launch_template."))) {
          return [{ resource: group, subject: where, message: `${where}.version is ${describe(version)}: whether it follows the template's latest version is not known`, unverifiable: version }];
        }
        return [];
      })];
    }),
  fixtures: {
    pass: {
      resource: {
        aws_launch_template: { t: { image_id: "ami-12345678" } },
        aws_autoscaling_group: {
          g: { min_size: 1, max_size: 2, launch_template: { id: "${aws_launch_template.t.id}", version: "${aws_launch_template.t.latest_version}" }, instance_refresh: { strategy: "Rolling" } },
        },
      },
    },
    fail: {
      resource: {
        aws_launch_template: { t: { image_id: "ami-12345678" } },
        aws_autoscaling_group: { g: { min_size: 1, max_size: 2, launch_template: { id: "${aws_launch_template.t.id}", version: "$Latest" }, instance_refresh: { strategy: "Rolling" } } },
      },
    },
  },
};

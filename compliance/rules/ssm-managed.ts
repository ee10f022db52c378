import { instanceSpecs, launchSpecs } from "../families/compute";
import { Rule, RuleContext, RuleFinding, TfResource } from "../model";
import { asList, describe, isUnknown, str, unknown, Unknown } from "../values";

const SSM_POLICY = /:policy\/AmazonSSMManagedInstanceCore$/;

/** Does a role carry the SSM core policy? Unknown when an attachment's policy is not known. */
function roleHasSsm(ctx: RuleContext, role: TfResource): boolean | Unknown {
  const attachments = [
    ...ctx.referencing("aws_iam_role_policy_attachment", "role", role),
    ...ctx.ofType("aws_iam_role_policy_attachment").filter((a) => typeof a.values.role === "string" && a.values.role === role.values.name),
    ...ctx.referencing("aws_iam_policy_attachment", "roles", role),
  ];
  // A policy this input creates is a customer policy, never the AWS-managed one.
  const arns = [
    ...asList(role.values.managed_policy_arns),
    ...attachments.map((a) => (isUnknown(a.values.policy_arn) && ctx.referenced(a, "policy_arn").some((p) => p.type === "aws_iam_policy") && !ctx.isOpaque(a, "policy_arn") ? "customer policy" : a.values.policy_arn)),
  ];
  if (arns.some((a) => typeof a === "string" && SSM_POLICY.test(a))) return true;
  const open = arns.find((a): a is Unknown => isUnknown(a) && !/AmazonSSMManagedInstanceCore/.test(a.why));
  const named = arns.find((a) => isUnknown(a) && /AmazonSSMManagedInstanceCore/.test(a.why));
  if (named) return true;
  const maybe = ctx.mayReference("aws_iam_role_policy_attachment", "role", role);
  if (open) return open;
  if (maybe.length) return unknown(`attachment ${maybe[0].address} may be to this role`);
  return false;
}

/** The SSM verdict for whatever holds an instance profile argument. */
function profileFinding(ctx: RuleContext, resource: TfResource, holder: TfResource, profile: unknown, what: string): RuleFinding[] {
  if (profile === undefined || profile === null || profile === "") return [{ resource, message: `${what} has no instance profile` }];
  if (isUnknown(profile) && profile.set === false) return [{ resource, message: `${what}'s instance profile is ${describe(profile)}`, unverifiable: profile }];
  const profiles = ctx.referenced(holder, "iam_instance_profile").filter((p) => p.type === "aws_iam_instance_profile");
  const byName = typeof profile === "string" ? ctx.ofType("aws_iam_instance_profile").filter((p) => p.values.name === profile || p.values.arn === profile) : [];
  const found = [...new Set([...profiles, ...byName])];
  if (found.length === 0 || (byName.length === 0 && ctx.isOpaque(holder, "iam_instance_profile"))) {
    return [{ resource, message: `${what}'s instance profile ${describe(profile)} is not in this input: whether its role has AmazonSSMManagedInstanceCore is not known`, unverifiable: true }];
  }
  const verdicts: (boolean | Unknown)[] = found.map((p): boolean | Unknown => {
    const roles = [...ctx.referenced(p, "role").filter((r) => r.type === "aws_iam_role"), ...ctx.ofType("aws_iam_role").filter((r) => typeof p.values.role === "string" && r.values.name === p.values.role)];
    if (roles.length === 0 || ctx.isOpaque(p, "role")) return unknown(`role ${describe(str(p.values.role))} is not in this input`);
    const v = roles.map((r) => roleHasSsm(ctx, r));
    return v.includes(true) ? true : (v.find(isUnknown) ?? false);
  });
  if (verdicts.includes(true)) return [];
  const open = verdicts.find(isUnknown);
  if (open) return [{ resource, message: `whether ${what}'s instance profile role has AmazonSSMManagedInstanceCore is not known (${open.why})`, unverifiable: true }];
  return [{ resource, message: "instance profile's role lacks AmazonSSMManagedInstanceCore" }];
}

export const ssmManaged: Rule = {
  id: "ssm-managed",
  title: "Instances are managed by Systems Manager",
  severity: "error",
  scope: "resource",
  controls: { securityHub: ["SSM.1"], checkov: ["CKV2_AWS_41"] },
  rationale:
    "Session Manager, patching and inventory need an instance profile whose role has AmazonSSMManagedInstanceCore; without it hosts drift unpatched and admins reach for SSH. A profile or role outside this input is reported as unverifiable.",
  remediation: "Attach an instance profile whose role has AmazonSSMManagedInstanceCore (HardenedLaunchTemplate does).",
  check: (ctx) => [
    ...instanceSpecs(ctx).flatMap((s) => profileFinding(ctx, s.resource, s.profileHolder, s.profile, "instance")),
    ...launchSpecs(ctx).flatMap((s) => profileFinding(ctx, s.resource, s.profileHolder, s.profile, s.kind)),
  ],
  fixtures: {
    pass: {
      resource: {
        aws_launch_template: { a: { iam_instance_profile: { arn: "${aws_iam_instance_profile.p.arn}" } } },
        aws_iam_instance_profile: { p: { role: "${aws_iam_role.r.name}" } },
        aws_iam_role: { r: { assume_role_policy: "{}" } },
        aws_iam_role_policy_attachment: { ssm: { role: "${aws_iam_role.r.name}", policy_arn: "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore" } },
      },
    },
    fail: {
      resource: {
        aws_launch_template: { a: { iam_instance_profile: { arn: "${aws_iam_instance_profile.p.arn}" } } },
        aws_iam_instance_profile: { p: { role: "${aws_iam_role.r.name}" } },
        aws_iam_role: { r: { assume_role_policy: "{}" } },
      },
    },
  },
};

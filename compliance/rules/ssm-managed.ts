import { Rule, RuleContext, TfResource } from "../model";
import { asList, first, isSet } from "./values";

const SSM_POLICY = /:policy\/AmazonSSMManagedInstanceCore$/;

/** Does the instance profile's role (when it is in this configuration) carry the SSM core policy? */
function profileHasSsm(ctx: RuleContext, holder: TfResource, attr: string): boolean | undefined {
  const profiles = ctx.referenced(holder, attr);
  if (profiles.length === 0) return undefined;
  return profiles.some((p) =>
    ctx.referenced(p, "role").some(
      (role) =>
        asList(role.values.managed_policy_arns).some((a) => SSM_POLICY.test(String(a))) ||
        ctx.referencing("aws_iam_role_policy_attachment", "role", role).some((a) => SSM_POLICY.test(String(a.values.policy_arn))),
    ),
  );
}

export const ssmManaged: Rule = {
  id: "ssm-managed",
  title: "Instances are managed by Systems Manager",
  severity: "error",
  scope: "resource",
  controls: { securityHub: ["SSM.1"], checkov: ["CKV2_AWS_41"] },
  rationale: "Session Manager, patching and inventory need an instance profile whose role has AmazonSSMManagedInstanceCore; without it hosts drift unpatched and admins reach for SSH.",
  remediation: "Attach an instance profile whose role has AmazonSSMManagedInstanceCore (HardenedLaunchTemplate does).",
  check: (ctx) => [
    ...ctx.ofType("aws_instance").flatMap((resource) => {
      if (!isSet(resource.values.iam_instance_profile) && !resource.values.launch_template) return [{ resource, message: "instance has no instance profile" }];
      return profileHasSsm(ctx, resource, "iam_instance_profile") === false ? [{ resource, message: "instance profile's role lacks AmazonSSMManagedInstanceCore" }] : [];
    }),
    ...ctx.ofType("aws_launch_template").flatMap((resource) => {
      const profile = first(resource.values.iam_instance_profile);
      if (!profile || (!isSet(profile.arn) && !isSet(profile.name))) return [{ resource, message: "launch template has no instance profile" }];
      return profileHasSsm(ctx, resource, "iam_instance_profile") === false ? [{ resource, message: "instance profile's role lacks AmazonSSMManagedInstanceCore" }] : [];
    }),
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

import { instanceSpecs, launchSpecs } from "../families/compute";
import { RoleGrants, roleGrants } from "../iam";
import { Rule, RuleContext, RuleFinding, TfResource } from "../model";
import { describe, isUnknown, str, unknown, Unknown } from "../values";

/**
 * What the SSM agent needs to make an instance a managed node and keep its channels to Systems
 * Manager: registering and reporting in (ssm:UpdateInstanceInformation), Session Manager's control
 * and data channels (ssmmessages), and Run Command's message delivery (ec2messages) — the three
 * groups of AmazonSSMManagedInstanceCore that serve the agent itself. Its other ssm: actions
 * (documents, associations, inventory, patch snapshots, parameters) serve single capabilities.
 */
export const SSM_AGENT_ACTIONS = [
  "ssm:UpdateInstanceInformation",
  "ssmmessages:CreateControlChannel",
  "ssmmessages:CreateDataChannel",
  "ssmmessages:OpenControlChannel",
  "ssmmessages:OpenDataChannel",
  "ec2messages:AcknowledgeMessage",
  "ec2messages:DeleteMessage",
  "ec2messages:FailMessage",
  "ec2messages:GetEndpoint",
  "ec2messages:GetMessages",
  "ec2messages:SendReply",
] as const;

const CORE = "AmazonSSMManagedInstanceCore";

/** Does a role's policies grant the agent's actions? Unknown when that depends on something not in this input. */
function roleVerdict(ctx: RuleContext, role: TfResource): { ok: true } | { ok: false; grants: RoleGrants } | Unknown {
  const grants = roleGrants(ctx, role, SSM_AGENT_ACTIONS);
  if (grants.missing.length) return { ok: false, grants };
  if (grants.open.length) return grants.open[0].why;
  return { ok: true };
}

/** The message of a role that does not grant the agent's actions: which are missing, and why. */
function missingMessage(grants: RoleGrants): string {
  const missing = grants.missing.map((m) => m.action);
  const none = grants.granted.length === 0 && grants.open.length === 0 && grants.missing.every((m) => m.reason === "not granted");
  const denied = [...new Set(grants.missing.flatMap((m) => (m.reason === "denied" ? [m.by] : [])))];
  const boundary = [...new Set(grants.missing.flatMap((m) => (m.reason === "boundary" ? [m.by] : [])))];
  const extras = [...(denied.length ? [`denied by ${denied.join(", ")}`] : []), ...(boundary.length ? [`outside the permissions boundary ${boundary.join(", ")}`] : [])];
  const lacks = grants.awsManaged.includes(CORE) ? "" : `lacks ${CORE} and `;
  return `instance profile's role ${lacks}${none ? "grants none of the SSM agent's actions" : "does not grant all of the SSM agent's actions"} (missing: ${missing.join(", ")}${extras.length ? `; ${extras.join("; ")}` : ""})`;
}

/** The SSM verdict for whatever holds an instance profile argument. */
function profileFinding(ctx: RuleContext, resource: TfResource, holder: TfResource, profile: unknown, what: string): RuleFinding[] {
  if (profile === undefined || profile === null || profile === "") return [{ resource, message: `${what} has no instance profile` }];
  if (isUnknown(profile) && profile.set === false) return [{ resource, message: `${what}'s instance profile is ${describe(profile)}`, unverifiable: profile }];
  const profiles = ctx.referenced(holder, "iam_instance_profile").filter((p) => p.type === "aws_iam_instance_profile");
  const byName = typeof profile === "string" ? ctx.ofType("aws_iam_instance_profile").filter((p) => p.values.name === profile || p.values.arn === profile) : [];
  const found = [...new Set([...profiles, ...byName])];
  if (found.length === 0 || (byName.length === 0 && ctx.isOpaque(holder, "iam_instance_profile"))) {
    return [{ resource, message: `${what}'s instance profile ${describe(profile)} is not in this input: whether its role grants the SSM agent's actions is not known`, unverifiable: true }];
  }
  type Verdict = ReturnType<typeof roleVerdict>;
  const verdicts: Verdict[] = found.map((p): Verdict => {
    const roles = [...new Set([...ctx.referenced(p, "role").filter((r) => r.type === "aws_iam_role"), ...ctx.ofType("aws_iam_role").filter((r) => typeof p.values.role === "string" && r.values.name === p.values.role)])];
    if (roles.length === 0 || ctx.isOpaque(p, "role")) return unknown(`role ${describe(str(p.values.role))} is not in this input`);
    const v = roles.map((r) => roleVerdict(ctx, r));
    return v.find((x) => !isUnknown(x) && x.ok) ?? v.find(isUnknown) ?? v[0];
  });
  if (verdicts.some((v) => !isUnknown(v) && v.ok)) return [];
  const open = verdicts.find(isUnknown);
  if (open) return [{ resource, message: `whether ${what}'s instance profile role grants the SSM agent's actions is not known (${open.why})`, unverifiable: true }];
  const failed = verdicts.find((v): v is { ok: false; grants: RoleGrants } => !isUnknown(v) && !v.ok)!;
  return [{ resource, message: missingMessage(failed.grants) }];
}

export const ssmManaged: Rule = {
  id: "ssm-managed",
  title: "Instances are managed by Systems Manager",
  severity: "error",
  scope: "resource",
  controls: { securityHub: ["SSM.1"], checkov: ["CKV2_AWS_41"] },
  rationale:
    "Session Manager, Run Command (patching) and inventory reach an instance only when its instance profile's role lets the SSM agent register (ssm:UpdateInstanceInformation) and keep its channels (the four ssmmessages channel actions, the six ec2messages actions); without them hosts drift unpatched and admins reach for SSH. The role is judged by what its policies grant together — AmazonSSMManagedInstanceCore or any policy (AWS-managed, customer-managed, inline) whose actions, wildcards or NotAction cover these — less explicit Denies and its permissions boundary. A profile, role or policy outside this input is reported as unverifiable.",
  remediation: "Attach AmazonSSMManagedInstanceCore to the instance profile's role (HardenedLaunchTemplate does), or grant the actions the finding names as missing; lift a Deny or permissions boundary that takes them away.",
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

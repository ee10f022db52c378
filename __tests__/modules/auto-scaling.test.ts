import * as fs from "node:fs";
import * as path from "node:path";
import { AutoscalingGroup } from "@cdktf/provider-aws/lib/autoscaling-group";
import { LaunchTemplate } from "@cdktf/provider-aws/lib/launch-template";
import { Construct } from "constructs";
import { defaultMaxHealthyPercentage, HardenedAutoScalingGroup, HardenedAutoScalingGroupProps } from "../../modules/auto-scaling";
import { BulwarkValidationError } from "../../modules/core/errors";
import { HardenedLaunchTemplate } from "../../modules/launch-template";
import { resourcesOf, synthJson, TfJson } from "../support/synth";
import { init, offlinePlan, PlanJson, stageStack } from "../support/terraform";

const template = { id: "lt-0123456789abcdef0", latestVersion: 3 };
const base: HardenedAutoScalingGroupProps = { name: "app", launchTemplate: template, subnetIds: { a: "subnet-a", b: "subnet-b" }, minSize: 2, maxSize: 6 };
const groupOf = (props: Partial<HardenedAutoScalingGroupProps> = {}) =>
  Object.values(resourcesOf(synthJson((s) => new HardenedAutoScalingGroup(s, "group", { ...base, ...props })), "aws_autoscaling_group"))[0];

describe("HardenedAutoScalingGroup: a template change reaches the running instances", () => {
  it("launches the template's latest_version (a reference that changes with the template), never $Latest", () => {
    const json = synthJson((s) => {
      const lt = new HardenedLaunchTemplate(s, "lt", { name: "app", image: { amiId: "ami-0123456789abcdef0" }, instanceType: "t3.micro", securityGroupIds: ["sg-1"], kmsKeyArn: "arn:aws:kms:eu-west-1:111111111111:key/0b7c7a10-5a54-4f1c-9a9b-5f0b6c2d1e3f" });
      new HardenedAutoScalingGroup(s, "group", { ...base, launchTemplate: lt });
    });
    const group = resourcesOf(json, "aws_autoscaling_group").group_group;
    expect(group.launch_template).toEqual({ id: "${aws_launch_template.lt_template.id}", version: "${aws_launch_template.lt_template.latest_version}" });
    expect(group.instance_refresh.strategy).toBe("Rolling");
  });

  it("refreshes without losing capacity: replacements launched and healthy first, rolled back on failure, none skipped", () => {
    expect(groupOf().instance_refresh.preferences).toEqual({
      min_healthy_percentage: 100,
      max_healthy_percentage: 150,
      instance_warmup: "300",
      auto_rollback: true,
      skip_matching: true,
      scale_in_protected_instances: "Refresh",
      standby_instances: "Terminate",
    });
  });

  it("leaves room for one extra instance or 10 %: 200 for a group of one, 150 for two, 110 from ten up", () => {
    expect([1, 2, 3, 5, 9, 10, 40].map(defaultMaxHealthyPercentage)).toEqual([200, 150, 134, 120, 112, 110, 110]);
    expect(groupOf({ minSize: 1, maxSize: 1 }).instance_refresh.preferences.max_healthy_percentage).toBe(200);
    expect(groupOf({ minSize: 10, maxSize: 20 }).instance_refresh.preferences.max_healthy_percentage).toBe(110);
  });

  it("warms up for the health check grace period, and takes every preference as a prop", () => {
    const p = groupOf({
      healthCheckGracePeriodSeconds: 120,
      refresh: { minHealthyPercentage: 50, maxHealthyPercentage: 100, checkpointPercentages: [20, 100], checkpointDelaySeconds: 600, autoRollback: false, skipMatching: false, scaleInProtectedInstances: "Wait", standbyInstances: "Ignore" },
    }).instance_refresh.preferences;
    expect(p).toEqual({
      min_healthy_percentage: 50,
      max_healthy_percentage: 100,
      instance_warmup: "120",
      checkpoint_percentages: [20, 100],
      checkpoint_delay: "600",
      auto_rollback: false,
      skip_matching: false,
      scale_in_protected_instances: "Wait",
      standby_instances: "Ignore",
    });
  });

  it("does not ask AWS to roll back a template whose image is an SSM parameter (it cannot)", () => {
    const ssm = { ...template, imageId: "resolve:ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64" };
    expect(groupOf({ launchTemplate: ssm }).instance_refresh.preferences.auto_rollback).toBe(false);
    expect(() => groupOf({ launchTemplate: ssm, refresh: { autoRollback: true } })).toThrow(/test\/group: refresh.autoRollback true is not supported by AWS for a template whose image is an SSM parameter/);
  });

  it.each([
    [{ minHealthyPercentage: 101 }, /refresh.minHealthyPercentage 101 must be a whole number between 0 and 100/],
    [{ maxHealthyPercentage: 99 }, /refresh.maxHealthyPercentage 99 must be a whole number between 100 and 200/],
    [{ minHealthyPercentage: 50, maxHealthyPercentage: 200 }, /refresh.maxHealthyPercentage 200 must be at most 100 above minHealthyPercentage \(50\)/],
    [{ checkpointPercentages: [50] }, /refresh.checkpointPercentages \[50\] must be whole percentages in ascending order ending at 100/],
    [{ checkpointPercentages: [60, 40, 100] }, /refresh.checkpointPercentages/],
    [{ checkpointDelaySeconds: 60 }, /refresh.checkpointDelaySeconds 60 needs checkpointPercentages/],
    [{ standbyInstances: "Keep" as never }, /refresh.standbyInstances "Keep" must be one of Terminate, Ignore, Wait/],
  ])("refuses refresh %j", (refresh, message) => {
    expect(() => groupOf({ refresh })).toThrow(BulwarkValidationError);
    expect(() => groupOf({ refresh })).toThrow(message);
  });
});

// ------------------------------------------------------------------ Terraform in the loop

/**
 * Terraform state (format 4) holding what a plan would create, as if it had been applied: the
 * values the provider computes at apply are filled in from `computed` (null where not given).
 * Planning against it with -refresh=false needs no AWS; planning its own configuration again must
 * change nothing, which `planChange` checks.
 */
function appliedState(plan: PlanJson, computed: Record<string, Record<string, unknown>>): string {
  const unknownOf = new Map((plan.resource_changes ?? []).map((c) => [c.address, (c.change as { after_unknown?: Record<string, unknown> }).after_unknown ?? {}]));
  const resources = ((plan.planned_values as any).root_module.resources as any[]).map((r) => {
    const attributes = structuredClone(r.values);
    const fill = (unknown: any, target: any, at: string): void => {
      for (const [k, u] of Object.entries<any>(unknown)) {
        const where = `${at}.${k}`;
        if (u === true) {
          const key = where.replace(/\[\d+\]/g, "");
          // What the provider would read back; null for what these tests never look at.
          target[k] = computed[r.type]?.[key.slice(r.type.length + 1)] ?? null;
        } else if (Array.isArray(u)) u.forEach((x, i) => x && typeof x === "object" && fill(Object.fromEntries(Object.entries(x).map(([a, b]) => [a, b])), target[k][i], `${where}`));
        else if (u && typeof u === "object") fill(u, target[k], where);
      }
    };
    fill(unknownOf.get(r.address) ?? {}, attributes, r.type);
    return { mode: "managed", type: r.type, name: r.name, provider: 'provider["registry.terraform.io/hashicorp/aws"]', instances: [{ schema_version: r.schema_version, attributes, sensitive_attributes: [] }] };
  });
  return JSON.stringify({ version: 4, terraform_version: "1.7.0", serial: 1, lineage: "00000000-0000-4000-8000-000000000000", outputs: {}, resources }, null, 2);
}

const APPLIED: Record<string, Record<string, unknown>> = {
  aws_launch_template: { id: "lt-0123456789abcdef0", arn: "arn:aws:ec2:eu-west-1:111111111111:launch-template/lt-0123456789abcdef0", latest_version: 1, default_version: 1, tags_all: {} },
  aws_autoscaling_group: {
    id: "app",
    arn: "arn:aws:autoscaling:eu-west-1:111111111111:autoScalingGroup:00000000-0000-0000-0000-000000000000:autoScalingGroupName/app",
    "launch_template.id": "lt-0123456789abcdef0",
    "launch_template.name": "app",
    "launch_template.version": "1",
    availability_zones: ["eu-west-1a", "eu-west-1b"],
    default_cooldown: 300,
    desired_capacity: 2,
    health_check_type: "EC2",
    load_balancers: [],
    predicted_capacity: 0,
    service_linked_role_arn: "arn:aws:iam::111111111111:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling",
    target_group_arns: [],
    warm_pool_size: 0,
    mixed_instances_policy: [],
    traffic_source: [],
  },
};

/**
 * Two templates with a group on each: `lt`/`app` wired as the construct wires them, and `legacy`/`old`
 * with the group's launch_template.version overridden to "$Latest" (the old wiring). Both cases in one
 * root: one set of plans answers for both (each offline plan and its show cost about 7 s of CPU).
 */
function stack(amiId: string): TfJson {
  return synthJson((s: Construct) => {
    const lt = new LaunchTemplate(s, "lt", { name: "app", imageId: amiId, instanceType: "t3.micro", updateDefaultVersion: true });
    new HardenedAutoScalingGroup(s, "app", { ...base, launchTemplate: { id: lt.id, latestVersion: lt.latestVersion } });
    const legacy = new LaunchTemplate(s, "legacy", { name: "legacy", imageId: amiId, instanceType: "t3.micro", updateDefaultVersion: true });
    const old = new HardenedAutoScalingGroup(s, "old", { ...base, name: "old", launchTemplate: { id: legacy.id, latestVersion: legacy.latestVersion } });
    (old.group as AutoscalingGroup).addOverride("launch_template.version", "$Latest");
  });
}

/** Plans `after` against the applied state of `before`: the change each resource gets. */
function planChange(before: TfJson, after: TfJson): { actions: Record<string, string[]>; plan: PlanJson } {
  const dir = stageStack(before, "asg-refresh");
  init(dir);
  const created = offlinePlan(dir);
  fs.writeFileSync(path.join(dir, "terraform.tfstate"), appliedState(created, APPLIED));
  // Planning the applied configuration again changes nothing: the state is what an apply leaves.
  const again = offlinePlan(dir);
  const noop = (again.resource_changes ?? []).filter((c) => c.change.actions.join() !== "no-op").map((c) => `${c.address} ${c.change.actions}`);
  if (noop.length) throw new Error(`the applied state does not match its configuration: ${noop.join("; ")}`);
  fs.writeFileSync(path.join(dir, "cdk.tf.json"), JSON.stringify(after, null, 2));
  const plan = offlinePlan(dir);
  return { actions: Object.fromEntries((plan.resource_changes ?? []).map((c) => [c.address, c.change.actions])), plan };
}

const launchTemplateOf = (plan: PlanJson, address: string, side: "before" | "after_unknown" | "after") =>
  ((plan.resource_changes ?? []).find((c) => c.address === address)!.change as any)[side]?.launch_template?.[0];

describe("HardenedAutoScalingGroup with Terraform: a new AMI updates the group and starts its refresh", () => {
  let change: { actions: Record<string, string[]>; plan: PlanJson };
  beforeAll(() => {
    change = planChange(stack("ami-0123456789abcdef0"), stack("ami-0fedcba9876543210"));
  });
  const groupAddress = (prefix: string) => Object.keys(change.actions).find((a) => a.startsWith(`aws_autoscaling_group.${prefix}`))!;

  it("plans the template update and the group's launch_template.version change in place", () => {
    const { actions, plan } = change;
    const group = groupAddress("app");
    expect(actions["aws_launch_template.lt"]).toEqual(["update"]);
    expect(actions[group]).toEqual(["update"]);
    expect(launchTemplateOf(plan, group, "before").version).toBe("1");
    // latest_version of a template being updated: known after apply, so the version changes.
    expect(launchTemplateOf(plan, group, "after_unknown").version).toBe(true);
  });

  it("with the old $Latest wiring, the same AMI change leaves the group alone: no refresh starts", () => {
    const { actions } = change;
    const group = groupAddress("old");
    expect(launchTemplateOf(change.plan, group, "before").version).toBe("$Latest");
    expect(actions["aws_launch_template.legacy"]).toEqual(["update"]);
    expect(actions[group]).toEqual(["no-op"]);
  });
});

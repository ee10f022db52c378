import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { HardenedAutoScalingGroup, HardenedAutoScalingGroupProps } from "../../modules/auto-scaling";
import { compareSides, plannedUnder } from "../support/parity";
import { bulwark } from "../support/cli";
import { synthJson, TEST_ACCOUNT } from "../support/synth";
import { init, offlinePlan, PlanJson, stageStack } from "../support/terraform";

/**
 * The published auto-scaling module against HardenedAutoScalingGroup for the same inputs: both
 * planned offline and every attribute of the group compared (launch template version, refresh
 * preferences, metrics, health checks, tags). One init and one plan per side.
 */
const LT = "lt-0123456789abcdef0";
const SUBNETS = { "eu-west-1b": "subnet-0123456789abcdef1", "eu-west-1a": "subnet-0123456789abcdef0" };
const TG = "arn:aws:elasticloadbalancing:eu-west-1:111111111111:targetgroup/app/0123456789abcdef";

const CASES: Record<string, { props: Omit<HardenedAutoScalingGroupProps, "subnetIds">; module: string }> = {
  // Defaults: a group of two, so one extra instance is 150 %.
  app: {
    props: { name: "app", launchTemplate: { id: LT, latestVersion: 7, imageId: "ami-0123456789abcdef0" }, minSize: 2, maxSize: 4 },
    module: `launch_template = { id = "${LT}", latest_version = 7, image_id = "ami-0123456789abcdef0" }\n  min_size = 2\n  max_size = 4`,
  },
  // One instance behind a load balancer, SSM image (no rollback), checkpoints, tags, a longer grace period.
  web: {
    props: {
      name: "web",
      launchTemplate: { id: LT, latestVersion: 2, imageId: "resolve:ssm:/aws/service/ami" },
      minSize: 1,
      maxSize: 3,
      targetGroupArns: [TG],
      healthCheckGracePeriodSeconds: 600,
      instanceTags: { "patch-group": "web", backup: "daily" },
      refresh: { checkpointPercentages: [50, 100], checkpointDelaySeconds: 900, scaleInProtectedInstances: "Wait" },
    },
    module: `launch_template = { id = "${LT}", latest_version = 2, image_id = "resolve:ssm:/aws/service/ami" }
  min_size                  = 1
  max_size                  = 3
  target_group_arns         = ["${TG}"]
  health_check_grace_period = 600
  instance_tags             = { "patch-group" = "web", backup = "daily" }
  refresh                   = { checkpoint_percentages = [50, 100], checkpoint_delay = 900, scale_in_protected_instances = "Wait" }`,
  },
  // Ten instances: 10 % is more than one instance; explicit warm-up and min.
  fleet: {
    props: { name: "fleet", launchTemplate: { id: LT, latestVersion: 12 }, minSize: 10, maxSize: 20, desiredCapacity: 12, refresh: { minHealthyPercentage: 90, instanceWarmupSeconds: 120, skipMatching: false } },
    module: `launch_template  = { id = "${LT}", latest_version = 12 }
  min_size         = 10
  max_size         = 20
  desired_capacity = 12
  refresh          = { min_healthy_percentage = 90, instance_warmup = 120, skip_matching = false }`,
  },
};

describe("auto-scaling: the published module plans the construct's group", () => {
  let constructPlan: PlanJson;
  let modulePlan: PlanJson;
  beforeAll(() => {
    const json = synthJson((s) => {
      for (const [id, c] of Object.entries(CASES)) new HardenedAutoScalingGroup(s, id, { ...c.props, subnetIds: SUBNETS });
    });
    const out = fs.mkdtempSync(path.join(os.tmpdir(), "bulwark-asg-"));
    expect(bulwark(["publish", "--out", path.join(out, "modules"), "--module", "auto-scaling"]).status).toBe(0);
    const root = path.join(out, "root");
    fs.mkdirSync(root);
    const subnets = `{ ${Object.entries(SUBNETS).map(([k, v]) => `"${k}" = "${v}"`).join(", ")} }`;
    const calls = Object.entries(CASES).map(([id, c]) => `module "${id}" {\n  source     = "../modules/auto-scaling"\n  name       = "${id}"\n  subnet_ids = ${subnets}\n  ${c.module}\n}\n`);
    fs.writeFileSync(path.join(root, "main.tf"), `provider "aws" {\n  region = "${TEST_ACCOUNT.region}"\n}\n\n${calls.join("\n")}`);
    const constructDir = stageStack(json as Record<string, unknown>, "asg");
    for (const dir of [constructDir, root]) init(dir);
    constructPlan = offlinePlan(constructDir);
    modulePlan = offlinePlan(root);
  });

  it.each(Object.keys(CASES))("%s: the same group, launch template version and refresh preferences", (id) => {
    const construct = plannedUnder(constructPlan, (a) => a.startsWith(`aws_autoscaling_group.${id}_`));
    const module = plannedUnder(modulePlan, (a) => a.startsWith(`module.${id}.`));
    expect([construct.length, module.length]).toEqual([1, 1]);
    expect(compareSides(construct, module).differences).toEqual([]);
    const version = (module[0].after.launch_template as { version: string }[])[0].version;
    expect(version).toBe(String((CASES[id].props.launchTemplate as { latestVersion: number }).latestVersion));
  });
});

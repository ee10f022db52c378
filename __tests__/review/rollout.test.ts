import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { referenceSynth, SynthRun } from "../support/app";
import { bulwark } from "../support/cli";
import { offlinePlanOf } from "../support/terraform";
import { diffConfigs, diffPlans } from "../../review/diff";
import { diffMarkdown } from "../../review/markdown";
import { templateUsesOfPlan } from "../../review/rollout";

let synth: SynthRun;
beforeAll(() => {
  synth = referenceSynth();
});

const APP_GROUP = "aws_autoscaling_group.app-group_group";
const APP_TEMPLATE = "aws_launch_template.app_template";

/** A copy of the synthesized output with the dev stack changed. */
function mutated(mutate: (dev: any) => void, from = synth.outdir): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bulwark-rollout-"));
  fs.cpSync(from, dir, { recursive: true });
  const file = path.join(dir, "stacks", "dev", "cdk.tf.json");
  const json = JSON.parse(fs.readFileSync(file, "utf8"));
  mutate(json);
  fs.writeFileSync(file, JSON.stringify(json));
  return dir;
}
const newAmi = (j: any) => (j.resource.aws_launch_template.app_template.image_id = "ami-0fedcba9876543210");
const onLatest = (j: any) => (j.resource.aws_autoscaling_group["app-group_group"].launch_template.version = "$Latest");

describe("bulwark diff --base --head: which groups a launch template change reaches", () => {
  it("says the app group's instances are replaced by a refresh (its version follows latest_version)", () => {
    const result = diffConfigs(synth.outdir, mutated(newAmi));
    expect(result.rollouts).toEqual([
      { stack: "dev", template: APP_TEMPLATE, group: APP_GROUP, outcome: "refresh", why: expect.stringMatching(/follows the template's latest_version/) },
    ]);
    const md = diffMarkdown(result);
    expect(md).toContain("#### Launch template changes reaching instances (1)");
    // Names are escaped for the comment (`_` as an entity inside a code span).
    const shown = (s: string) => s.replace(/_/g, "&#95;");
    expect(md).toContain(`- <code>dev/${shown(APP_TEMPLATE)}</code> → <code>${shown(APP_GROUP)}</code>: 🔄 instances replaced by a refresh`);
    // The JSON report carries it too.
    const json = JSON.parse(bulwark(["diff", "--base", synth.outdir, "--head", mutated(newAmi), "--format", "json"]).stdout);
    expect(json.rollouts).toEqual([expect.objectContaining({ group: APP_GROUP, outcome: "refresh" })]);
  });

  it('says a group on "$Latest" keeps the old version on its running instances', () => {
    const base = mutated(onLatest);
    const result = diffConfigs(base, mutated(newAmi, base));
    expect(result.rollouts).toEqual([
      { stack: "dev", template: APP_TEMPLATE, group: APP_GROUP, outcome: "kept", why: expect.stringMatching(/version is "\$Latest".*no refresh starts, running instances keep the old version/) },
    ]);
    expect(diffMarkdown(result)).toContain("⏸️ instances keep the old version");
  });

  it("says a group without instance_refresh keeps the old version, and stays silent when no template changes", () => {
    const base = mutated((j) => delete j.resource.aws_autoscaling_group["app-group_group"].instance_refresh);
    expect(diffConfigs(base, mutated(newAmi, base)).rollouts).toEqual([expect.objectContaining({ outcome: "kept", why: expect.stringMatching(/no instance_refresh/) })]);
    const unrelated = diffConfigs(synth.outdir, mutated((j) => (j.resource.aws_autoscaling_group["app-group_group"].max_size = 3)));
    expect(unrelated.rollouts).toEqual([]);
    expect(diffMarkdown(unrelated)).not.toContain("Launch template changes");
  });
});

describe("bulwark diff --plan: the same from a plan's configuration", () => {
  /** The dev stack's offline plan with the app template updated in place (its configuration is Terraform's own). */
  function planFile(edit: (plan: any) => void = () => undefined): string {
    const plan = structuredClone(offlinePlanOf(synth.stacks.dev, "dev")) as any;
    for (const rc of plan.resource_changes) rc.change.actions = rc.address === APP_TEMPLATE ? ["update"] : ["no-op"];
    edit(plan);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bulwark-rollout-plan-"));
    fs.writeFileSync(path.join(dir, "dev.json"), JSON.stringify(plan));
    return path.join(dir, "dev.json");
  }
  const groupConfig = (plan: any) => plan.configuration.root_module.resources.find((r: any) => r.address === APP_GROUP);

  it("reads the group's version expression: latest_version of the template, so a refresh", () => {
    expect(diffPlans([planFile()]).rollouts).toEqual([expect.objectContaining({ stack: "dev", template: APP_TEMPLATE, group: APP_GROUP, outcome: "refresh" })]);
  });

  it('and "$Latest": instances keep the old version', () => {
    const file = planFile((plan) => (groupConfig(plan).expressions.launch_template[0].version = { constant_value: "$Latest" }));
    expect(diffPlans([file]).rollouts).toEqual([expect.objectContaining({ group: APP_GROUP, outcome: "kept" })]);
  });

  it("follows module outputs to the template behind them (the published bastion module calls launch-template)", () => {
    const out = (attr: string) => ({ expression: { references: [`aws_launch_template.this.${attr}`, "aws_launch_template.this"] } });
    const plan = {
      configuration: {
        root_module: {
          module_calls: {
            bastion: {
              module: {
                resources: [
                  {
                    address: "aws_autoscaling_group.this",
                    mode: "managed",
                    type: "aws_autoscaling_group",
                    expressions: {
                      launch_template: [{ id: { references: ["module.launch_template.id", "module.launch_template"] }, version: { references: ["module.launch_template.latest_version", "module.launch_template"] } }],
                      instance_refresh: [{ strategy: { constant_value: "Rolling" } }],
                    },
                  },
                ],
                module_calls: { launch_template: { module: { outputs: { id: out("id"), latest_version: out("latest_version") } } } },
              },
            },
          },
        },
      },
    };
    expect(templateUsesOfPlan(plan, "prod")).toEqual([
      {
        stack: "prod",
        group: "module.bastion.aws_autoscaling_group.this",
        template: "module.bastion.module.launch_template.aws_launch_template.this",
        version: { latestOf: "module.bastion.module.launch_template.aws_launch_template.this" },
        instanceRefresh: true,
      },
    ]);
  });
});

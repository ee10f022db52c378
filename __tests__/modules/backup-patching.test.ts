import { BulwarkValidationError } from "../../modules/core/errors";
import { scheduleProblem } from "../../modules/core/schedule";
import { HardenedAwsProvider } from "../../modules/core/stack";
import { Backup, BackupProps } from "../../modules/backup";
import { Patching, PatchingProps } from "../../modules/patching";
import { resourcesOf, synthJson } from "../support/synth";

const backup = (props: Partial<Omit<BackupProps, "copyProvider">> = {}) =>
  synthJson((s) => {
    const copyProvider = new HardenedAwsProvider(s, "copy", { alias: "copy", region: "eu-central-1" });
    new Backup(s, "backup", { name: "prod", copyRegion: "eu-central-1", copyProvider, ...props });
  });

describe("Backup", () => {
  const json = backup();

  it("copies every recovery point of every rule to a vault in the copy region", () => {
    const plan = resourcesOf(json, "aws_backup_plan").backup_plan;
    expect(plan.rule.map((r: { rule_name: string }) => r.rule_name)).toEqual(["daily", "weekly"]);
    for (const r of plan.rule) {
      expect(r.copy_action).toEqual([{ destination_vault_arn: "${aws_backup_vault.backup_copy-vault.arn}", lifecycle: { delete_after: r.lifecycle.delete_after } }]);
    }
    const vaults = resourcesOf(json, "aws_backup_vault");
    expect(vaults["backup_copy-vault"].provider).toBe("aws.copy");
    expect(vaults["backup_copy-vault"].kms_key_arn).toBe("${aws_kms_key.backup_copy-key_key.arn}");
    expect(resourcesOf(json, "aws_kms_key")["backup_copy-key_key"].provider).toBe("aws.copy");
    expect(vaults.backup_vault.kms_key_arn).toBe("${aws_kms_key.backup_key_key.arn}");
  });

  it("selects by tag and tests restores on a schedule", () => {
    expect(resourcesOf(json, "aws_backup_selection").backup_selection.selection_tag).toEqual([{ type: "STRINGEQUALS", key: "backup", value: "prod" }]);
    const testing = resourcesOf(json, "aws_backup_restore_testing_plan")["backup_restore-testing"];
    expect(testing.name).toBe("prod_restore_test");
    expect(testing.recovery_point_selection[0]).toMatchObject({ algorithm: "LATEST_WITHIN_WINDOW", include_vaults: ["${aws_backup_vault.backup_vault.arn}"] });
    expect(resourcesOf(json, "aws_backup_restore_testing_selection")["backup_restore-testing-ec2"].protected_resource_type).toBe("EC2");
  });

  it("locks both vaults when asked", () => {
    const locked = backup({ vaultLock: { minRetentionDays: 7, maxRetentionDays: 365 } });
    expect(Object.keys(resourcesOf(locked, "aws_backup_vault_lock_configuration")).sort()).toEqual(["backup_copy-vault-lock", "backup_vault-lock"]);
  });

  it.each([
    ["a copy in the home region", { copyRegion: "eu-west-1" }, /copyRegion "eu-west-1" must differ from the home region/],
    ["a malformed cron", { rules: { daily: { schedule: "cron(0 3 * * *)", retentionDays: 30 } } }, /rules.daily.schedule "cron\(0 3 \* \* \*\)" must have 6 cron fields/],
    ["a rate where cron is needed", { rules: { daily: { schedule: "rate(1 day)", retentionDays: 30 } } }, /must be a cron\(...\) expression here/],
    ["retention shorter than cold storage + 90", { rules: { monthly: { schedule: "cron(0 3 1 * ? *)", retentionDays: 100, coldStorageAfterDays: 30 } } }, /rules.monthly.retentionDays 100 must be at least 90 days longer than the cold-storage transition at 30 days/],
    ["retention under the vault lock minimum", { vaultLock: { minRetentionDays: 60, maxRetentionDays: 365 } }, /rules.daily.retentionDays 35 is shorter than the vault lock's minimum of 60 days/],
  ] as [string, Partial<BackupProps>, RegExp][])("refuses %s", (_what, props, message) => {
    expect(() => backup(props)).toThrow(BulwarkValidationError);
    expect(() => backup(props)).toThrow(message);
  });
});

describe("schedule expressions", () => {
  it.each([
    ["cron(0 3 * * ? *)", undefined],
    ["cron(15 4 ? * SUN *)", undefined],
    ["cron(0/30 8-17 ? * MON-FRI *)", undefined],
    ["rate(1 day)", undefined],
    ["rate(12 hours)", undefined],
    ["rate(1 days)", /must say "day"/],
    ["cron(0 3 * * * *)", /exactly one of day-of-month and day-of-week/],
    ["cron(0 25x * * ? *)", /hours field/],
    ["daily", /must be a cron/],
  ])("%s", (expr, problem) => {
    const p = scheduleProblem(expr);
    if (problem) expect(p).toMatch(problem);
    else expect(p).toBeUndefined();
  });
});

describe("Patching", () => {
  const patch = (props: Partial<PatchingProps> = {}) => synthJson((s) => new Patching(s, "patching", { name: "prod", operatingSystems: ["amazon-linux-2023", "ubuntu"], ...props }));
  const json = patch();

  it("approves security and critical patches first and the rest after N days, per OS", () => {
    const al = resourcesOf(json, "aws_ssm_patch_baseline")["patching_baseline-amazon-linux-2023"];
    expect(al.operating_system).toBe("AMAZON_LINUX_2023");
    expect(al.approval_rule[0]).toMatchObject({ approve_after_days: 0, compliance_level: "CRITICAL" });
    expect(al.approval_rule[0].patch_filter).toContainEqual({ key: "CLASSIFICATION", values: ["Security"] });
    expect(al.approval_rule[1].approve_after_days).toBe(7);
    expect(resourcesOf(json, "aws_ssm_patch_baseline")["patching_baseline-ubuntu"].operating_system).toBe("UBUNTU");
  });

  it("installs in a maintenance window and scans daily, both by the Patch Group tag", () => {
    const task = resourcesOf(json, "aws_ssm_maintenance_window_task").patching_install;
    expect(task).toMatchObject({ task_arn: "AWS-RunPatchBaseline", task_type: "RUN_COMMAND" });
    expect(task.task_invocation_parameters.run_command_parameters.parameter).toContainEqual({ name: "Operation", values: ["Install"] });
    expect(resourcesOf(json, "aws_ssm_maintenance_window_target")["patching_window-target"].targets).toEqual([{ key: "tag:Patch Group", values: ["prod-patching"] }]);
    const scan = resourcesOf(json, "aws_ssm_association").patching_scan;
    expect(scan).toMatchObject({ name: "AWS-RunPatchBaseline", schedule_expression: "rate(1 day)", parameters: { Operation: "Scan" } });
    expect(Object.values(resourcesOf(json, "aws_ssm_patch_group")).map((g) => g.patch_group)).toEqual(["prod-patching", "prod-patching"]);
  });

  it("refuses a bad schedule with the field named", () => {
    expect(() => patch({ installSchedule: "cron(0 3 * * SUN *)" })).toThrow(/patching: installSchedule "cron\(0 3 \* \* SUN \*\)" must have \? in exactly one/);
    expect(() => patch({ scanSchedule: "every day" })).toThrow(/scanSchedule "every day" must be a cron/);
  });
});

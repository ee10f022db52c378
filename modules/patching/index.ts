/**
 * `Patching`: Systems Manager patch baselines, a maintenance window that installs patches and a
 * compliance scan (daily by default), for the instances tagged with its patch group.
 *
 * @module bulwark/patching
 */
import { Construct } from "constructs";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicyAttachment } from "@cdktf/provider-aws/lib/iam-role-policy-attachment";
import { SsmAssociation } from "@cdktf/provider-aws/lib/ssm-association";
import { SsmMaintenanceWindow } from "@cdktf/provider-aws/lib/ssm-maintenance-window";
import { SsmMaintenanceWindowTarget } from "@cdktf/provider-aws/lib/ssm-maintenance-window-target";
import { SsmMaintenanceWindowTask } from "@cdktf/provider-aws/lib/ssm-maintenance-window-task";
import { SsmPatchBaseline, SsmPatchBaselineApprovalRule } from "@cdktf/provider-aws/lib/ssm-patch-baseline";
import { SsmPatchGroup } from "@cdktf/provider-aws/lib/ssm-patch-group";
import { accountContext } from "../core/account";
import { BulwarkValidationError } from "../core/errors";
import { assumeRolePolicy } from "../core/policy";
import { scheduleProblem } from "../core/schedule";
import { checkInteger, checkName } from "../core/validate";
import { OperatingSystem } from "../launch-template/user-data";

/** The tag Systems Manager patch groups key on. */
export const PATCH_GROUP_TAG = "Patch Group";

/**
 * Each operating system's baseline: its Systems Manager name, the patches approved first
 * (security and critical, after `securityApproveAfterDays`) and the rest (after
 * `approveAfterDays`). Shared with the published patching module.
 */
export const PATCH_BASELINES: Record<OperatingSystem, PatchBaselineFilters> = {
  "amazon-linux-2023": {
    operatingSystem: "AMAZON_LINUX_2023",
    security: [{ key: "CLASSIFICATION", values: ["Security"] }, { key: "SEVERITY", values: ["Critical", "Important"] }],
    other: [{ key: "CLASSIFICATION", values: ["Security", "Bugfix", "Enhancement", "Recommended"] }, { key: "SEVERITY", values: ["*"] }],
  },
  ubuntu: {
    operatingSystem: "UBUNTU",
    security: [{ key: "PRIORITY", values: ["Required", "Important"] }, { key: "SECTION", values: ["*"] }],
    other: [{ key: "PRIORITY", values: ["Standard", "Optional", "Extra"] }, { key: "SECTION", values: ["*"] }],
  },
};

/** One patch filter of a baseline's approval rule: a patch property and the values it must have. */
export interface PatchFilter {
  /** The patch property (`CLASSIFICATION`, `SEVERITY`, `PRIORITY`, `SECTION`). */
  readonly key: string;
  /** Values that approve a patch; `*` is any. */
  readonly values: readonly string[];
}

/** The filters of one operating system's baseline, shared by `Patching` and the published module. */
export interface PatchBaselineFilters {
  /** Systems Manager's name of the operating system. */
  readonly operatingSystem: string;
  /** The rule approving security patches after `securityApproveAfterDays`. */
  readonly security: readonly PatchFilter[];
  /** The rule approving every other patch after `approveAfterDays`. */
  readonly other: readonly PatchFilter[];
}

/** Props of `Patching`. */
export interface PatchingProps {
  /** Name prefix of the baselines, maintenance window and role; the patch group is `<name>-patching`. */
  readonly name: string;
  /** Operating systems to baseline. @default ["amazon-linux-2023"] */
  readonly operatingSystems?: readonly OperatingSystem[];
  /** Days before security/critical patches are approved. @default 0 */
  readonly securityApproveAfterDays?: number;
  /** Days before every other patch is approved. @default 7 */
  readonly approveAfterDays?: number;
  /** Install window. @default cron(0 3 ? * SUN *) (Sundays 03:00 UTC) */
  readonly installSchedule?: string;
  /** Window length in hours (cutoff one hour before the end). @default 3 */
  readonly windowHours?: number;
  /** Compliance scan. @default rate(1 day) */
  readonly scanSchedule?: string;
  /** Tags on the baselines, window and role. @default none */
  readonly tags?: Readonly<Record<string, string>>;
}

/**
 * Patch management: a baseline per OS approving security/critical patches first and the rest
 * after N days, a weekly maintenance window installing with AWS-RunPatchBaseline, and a daily
 * scan association — all targeting instances by the `Patch Group` tag (`instanceTags`).
 */
export class Patching extends Construct {
  /** Tags a launch template sets so its instances are patched here. */
  public readonly instanceTags: Record<string, string>;

  constructor(scope: Construct, id: string, props: PatchingProps) {
    super(scope, id);
    checkName(this, "name", props.name);
    const systems = props.operatingSystems ?? ["amazon-linux-2023"];
    for (const os of systems) if (!PATCH_BASELINES[os]) throw new BulwarkValidationError(this, "operatingSystems", os, `must be one of ${Object.keys(PATCH_BASELINES).join(", ")}`);
    checkInteger(this, "securityApproveAfterDays", props.securityApproveAfterDays, 0, 100);
    checkInteger(this, "approveAfterDays", props.approveAfterDays, 0, 100);
    const windowHours = props.windowHours ?? 3;
    checkInteger(this, "windowHours", windowHours, 2, 24);
    const install = props.installSchedule ?? "cron(0 3 ? * SUN *)";
    const scan = props.scanSchedule ?? "rate(1 day)";
    for (const [field, expr, allowRate] of [["installSchedule", install, false], ["scanSchedule", scan, true]] as const) {
      const problem = scheduleProblem(expr, { allowRate });
      if (problem) throw new BulwarkValidationError(this, field, expr, problem);
    }
    const ctx = accountContext(this);
    const group = `${props.name}-patching`;
    this.instanceTags = { [PATCH_GROUP_TAG]: group };

    for (const os of [...new Set(systems)].sort()) {
      const b = PATCH_BASELINES[os];
      const filters = (fs: readonly PatchFilter[]) => fs.map((f) => ({ key: f.key, values: [...f.values] }));
      const approvalRule: SsmPatchBaselineApprovalRule[] = [
        { approveAfterDays: props.securityApproveAfterDays ?? 0, complianceLevel: "CRITICAL", patchFilter: filters(b.security) },
        { approveAfterDays: props.approveAfterDays ?? 7, complianceLevel: "MEDIUM", patchFilter: filters(b.other) },
      ];
      const baseline = new SsmPatchBaseline(this, `baseline-${os}`, {
        name: `${props.name}-${os}`,
        description: `${os}: security and critical patches after ${props.securityApproveAfterDays ?? 0} days, others after ${props.approveAfterDays ?? 7}`,
        operatingSystem: b.operatingSystem,
        approvalRule,
        tags: props.tags,
      });
      new SsmPatchGroup(this, `patch-group-${os}`, { baselineId: baseline.id, patchGroup: group });
    }

    const window = new SsmMaintenanceWindow(this, "window", {
      name: `${props.name}-patching`,
      schedule: install,
      duration: windowHours,
      cutoff: 1,
      allowUnassociatedTargets: false,
      tags: props.tags,
    });
    const target = new SsmMaintenanceWindowTarget(this, "window-target", {
      windowId: window.id,
      resourceType: "INSTANCE",
      targets: [{ key: `tag:${PATCH_GROUP_TAG}`, values: [group] }],
    });
    const role = new IamRole(this, "window-role", {
      name: `${props.name}-patching`,
      description: "Maintenance window: run AWS-RunPatchBaseline",
      assumeRolePolicy: assumeRolePolicy("ssm.amazonaws.com"),
      tags: props.tags,
    });
    new IamRolePolicyAttachment(this, "window-role-policy", { role: role.name, policyArn: `arn:${ctx.partition}:iam::aws:policy/service-role/AmazonSSMMaintenanceWindowRole` });
    new SsmMaintenanceWindowTask(this, "install", {
      windowId: window.id,
      name: "install-patches",
      taskType: "RUN_COMMAND",
      taskArn: "AWS-RunPatchBaseline",
      priority: 1,
      maxConcurrency: "50%",
      maxErrors: "10%",
      serviceRoleArn: role.arn,
      targets: [{ key: "WindowTargetIds", values: [target.id] }],
      taskInvocationParameters: { runCommandParameters: { parameter: [{ name: "Operation", values: ["Install"] }, { name: "RebootOption", values: ["RebootIfNeeded"] }], timeoutSeconds: 3600 } },
    });
    new SsmAssociation(this, "scan", {
      name: "AWS-RunPatchBaseline",
      associationName: `${props.name}-patch-scan`,
      scheduleExpression: scan,
      parameters: { Operation: "Scan" },
      targets: [{ key: `tag:${PATCH_GROUP_TAG}`, values: [group] }],
      complianceSeverity: "HIGH",
    });
  }
}

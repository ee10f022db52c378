/**
 * `Backup`: AWS Backup with an encrypted vault, a copy of every recovery point in a second region, selection
 * by tag, an optional vault lock and scheduled restore tests.
 *
 * @module bulwark/backup
 */
import { TerraformProvider } from "cdktf";
import { Construct } from "constructs";
import { BackupPlan } from "@cdktf/provider-aws/lib/backup-plan";
import { BackupRestoreTestingPlan } from "@cdktf/provider-aws/lib/backup-restore-testing-plan";
import { BackupRestoreTestingSelection } from "@cdktf/provider-aws/lib/backup-restore-testing-selection";
import { BackupSelection } from "@cdktf/provider-aws/lib/backup-selection";
import { BackupVault } from "@cdktf/provider-aws/lib/backup-vault";
import { BackupVaultLockConfiguration } from "@cdktf/provider-aws/lib/backup-vault-lock-configuration";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicyAttachment } from "@cdktf/provider-aws/lib/iam-role-policy-attachment";
import { accountContext } from "../core/account";
import { BulwarkValidationError } from "../core/errors";
import { assumeRolePolicy } from "../core/policy";
import { scheduleProblem } from "../core/schedule";
import { checkInteger, checkName, checkPattern, isLiteral, KMS_KEY_ARN_PATTERN, REGION_PATTERN } from "../core/validate";
import { HardenedKmsKey } from "../kms-key";

/** One rule of the backup plan: when it runs and how long its recovery points live. */
export interface BackupRuleProps {
  /** cron(...) in UTC. */
  readonly schedule: string;
  /** Days a recovery point is kept (in both regions). */
  readonly retentionDays: number;
  /** Days before recovery points move to cold storage; retention must exceed it by 90. @default none */
  readonly coldStorageAfterDays?: number;
}

/** The tag that selects resources for backup: resources carrying `<key>=<value>` are backed up. */
export interface BackupSelectionTag {
  /** Tag key, e.g. `backup`. */
  readonly key: string;
  /** Tag value, e.g. the plan's name. */
  readonly value: string;
}

/** A vault lock (write once, read many) on both vaults: recovery points cannot be deleted before their time. */
export interface BackupVaultLock {
  /** Shortest retention a rule may give; a rule with less is refused here and by AWS. */
  readonly minRetentionDays: number;
  /** Longest retention a rule may give, at least `minRetentionDays`. */
  readonly maxRetentionDays: number;
  /**
   * Grace period (at least 3 days) after which the lock can no longer be changed or removed, by
   * anyone, root included (compliance mode). @default none: governance mode, removable by
   * principals with the permission
   */
  readonly changeableForDays?: number;
}

/** Props of `Backup`. */
export interface BackupProps {
  /** Name prefix of the vaults, plan, role and keys; also the default selection tag's value. */
  readonly name: string;
  /** Home region (where the protected resources live). @default the account context's region */
  readonly region?: string;
  /** Region of the copy vault; must differ from the home region. */
  readonly copyRegion: string;
  /** Provider (alias) configured for the copy region. */
  readonly copyProvider: TerraformProvider;
  /** Key of the home vault. @default a new key */
  readonly kmsKeyArn?: string;
  /** Plan rules keyed by name; every rule also copies to the copy vault. @default daily at 03:00 UTC kept 35 days, weekly on Sunday kept 90 days */
  readonly rules?: Readonly<Record<string, BackupRuleProps>>;
  /** Resources tagged `<key>=<value>` are backed up. @default { key: "backup", value: name } */
  readonly selectionTag?: BackupSelectionTag;
  /** Vault lock (WORM): recovery points cannot be deleted early. @default none */
  readonly vaultLock?: BackupVaultLock;
  /** Restore testing schedule. @default weekly, Saturday 05:00 UTC */
  readonly restoreTestSchedule?: string;
  /** `prevent_destroy` on the vaults and keys, so no plan can delete the recovery points with them. @default false */
  readonly preventDestroy?: boolean;
  /** Tags on every taggable resource created. @default none */
  readonly tags?: Readonly<Record<string, string>>;
}

/**
 * AWS Backup with disaster recovery built in: a KMS-encrypted vault, a plan whose every rule
 * copies recovery points to an encrypted vault in a second region, selection by tag, an
 * optional vault lock, and a restore testing plan so recovery is proven on a schedule.
 */
export class Backup extends Construct {
  /** The home vault (`<name>-vault`), encrypted with the home key. */
  public readonly vault: BackupVault;
  /** The vault in the copy region (`<name>-vault-copy`), encrypted with a key of that region. */
  public readonly copyVault: BackupVault;
  /** The backup plan (`<name>-plan`). */
  public readonly plan: BackupPlan;
  /** The tag resources carry to be backed up. */
  public readonly selectionTag: BackupSelectionTag;

  constructor(scope: Construct, id: string, props: BackupProps) {
    super(scope, id);
    const ctx = accountContext(this);
    const home = props.region ?? ctx.region;
    checkName(this, "name", props.name);
    checkPattern(this, "copyRegion", props.copyRegion, REGION_PATTERN, "an AWS region such as eu-central-1");
    if (isLiteral(home) && props.copyRegion === home) throw new BulwarkValidationError(this, "copyRegion", props.copyRegion, "must differ from the home region (a copy in the same region does not survive a regional outage)");
    checkPattern(this, "kmsKeyArn", props.kmsKeyArn, KMS_KEY_ARN_PATTERN, "a KMS key ARN");
    const rules = props.rules ?? {
      daily: { schedule: "cron(0 3 * * ? *)", retentionDays: 35 },
      weekly: { schedule: "cron(0 4 ? * SUN *)", retentionDays: 90 },
    };
    if (Object.keys(rules).length === 0) throw new BulwarkValidationError(this, "rules", rules, "must name at least one rule");
    for (const [key, r] of Object.entries(rules)) {
      checkName(this, "rules key", key);
      const problem = scheduleProblem(r.schedule, { allowRate: false });
      if (problem) throw new BulwarkValidationError(this, `rules.${key}.schedule`, r.schedule, problem);
      checkInteger(this, `rules.${key}.retentionDays`, r.retentionDays, 1, 36500);
      if (r.coldStorageAfterDays !== undefined) {
        checkInteger(this, `rules.${key}.coldStorageAfterDays`, r.coldStorageAfterDays, 1, 36500);
        if (r.retentionDays < r.coldStorageAfterDays + 90) {
          throw new BulwarkValidationError(this, `rules.${key}.retentionDays`, r.retentionDays, `must be at least 90 days longer than the cold-storage transition at ${r.coldStorageAfterDays} days`);
        }
      }
      if (props.vaultLock && r.retentionDays < props.vaultLock.minRetentionDays) {
        throw new BulwarkValidationError(this, `rules.${key}.retentionDays`, r.retentionDays, `is shorter than the vault lock's minimum of ${props.vaultLock.minRetentionDays} days`);
      }
    }
    if (props.vaultLock) {
      checkInteger(this, "vaultLock.minRetentionDays", props.vaultLock.minRetentionDays, 1, 36500);
      checkInteger(this, "vaultLock.maxRetentionDays", props.vaultLock.maxRetentionDays, props.vaultLock.minRetentionDays, 36500, " (at least the minimum)");
      checkInteger(this, "vaultLock.changeableForDays", props.vaultLock.changeableForDays, 3, 36500);
    }
    const restoreSchedule = props.restoreTestSchedule ?? "cron(0 5 ? * SAT *)";
    const rp = scheduleProblem(restoreSchedule, { allowRate: false });
    if (rp) throw new BulwarkValidationError(this, "restoreTestSchedule", restoreSchedule, rp);
    this.selectionTag = props.selectionTag ?? { key: "backup", value: props.name };

    const key =
      props.kmsKeyArn ?? new HardenedKmsKey(this, "key", { alias: `${props.name}/backup`, preventDestroy: props.preventDestroy, tags: props.tags }).keyArn;
    // KMS keys are regional: the copy vault needs a key of its own in the copy region.
    const copyKey = new HardenedKmsKey(this, "copy-key", {
      alias: `${props.name}/backup-copy`,
      provider: props.copyProvider,
      region: props.copyRegion,
      preventDestroy: props.preventDestroy,
      tags: props.tags,
    });
    const lifecycle = props.preventDestroy ? { preventDestroy: true } : undefined;
    this.vault = new BackupVault(this, "vault", { name: `${props.name}-vault`, kmsKeyArn: key, tags: props.tags, lifecycle });
    this.copyVault = new BackupVault(this, "copy-vault", { name: `${props.name}-vault-copy`, kmsKeyArn: copyKey.keyArn, provider: props.copyProvider, tags: props.tags, lifecycle });
    if (props.vaultLock) {
      for (const [k, v] of [["vault-lock", this.vault], ["copy-vault-lock", this.copyVault]] as const) {
        new BackupVaultLockConfiguration(this, k, {
          backupVaultName: v.name,
          minRetentionDays: props.vaultLock.minRetentionDays,
          maxRetentionDays: props.vaultLock.maxRetentionDays,
          changeableForDays: props.vaultLock.changeableForDays,
          provider: v === this.copyVault ? props.copyProvider : undefined,
        });
      }
    }

    this.plan = new BackupPlan(this, "plan", {
      name: `${props.name}-plan`,
      rule: Object.keys(rules)
        .sort()
        .map((k) => {
          const r = rules[k];
          const lifecycle = { deleteAfter: r.retentionDays, coldStorageAfter: r.coldStorageAfterDays };
          return { ruleName: k, targetVaultName: this.vault.name, schedule: r.schedule, lifecycle, copyAction: [{ destinationVaultArn: this.copyVault.arn, lifecycle }] };
        }),
      tags: props.tags,
    });
    const role = new IamRole(this, "role", {
      name: `${props.name}-backup`,
      description: "AWS Backup: back up and restore (restore testing) tagged resources",
      assumeRolePolicy: assumeRolePolicy("backup.amazonaws.com"),
      tags: props.tags,
    });
    for (const [k, policy] of [
      ["backup", "AWSBackupServiceRolePolicyForBackup"],
      ["restores", "AWSBackupServiceRolePolicyForRestores"],
    ]) {
      new IamRolePolicyAttachment(this, `role-${k}`, { role: role.name, policyArn: `arn:${ctx.partition}:iam::aws:policy/service-role/${policy}` });
    }
    new BackupSelection(this, "selection", {
      name: `${props.name}-by-tag`,
      planId: this.plan.id,
      iamRoleArn: role.arn,
      selectionTag: [{ type: "STRINGEQUALS", key: this.selectionTag.key, value: this.selectionTag.value }],
    });

    // Restore testing plans allow letters, digits and underscores only.
    const testName = `${props.name}_restore_test`.replace(/-/g, "_");
    const testing = new BackupRestoreTestingPlan(this, "restore-testing", {
      name: testName,
      scheduleExpression: restoreSchedule,
      recoveryPointSelection: [{ algorithm: "LATEST_WITHIN_WINDOW", includeVaults: [this.vault.arn], recoveryPointTypes: ["SNAPSHOT"], selectionWindowDays: 7 }],
      tags: props.tags,
    });
    new BackupRestoreTestingSelection(this, "restore-testing-ec2", {
      name: `${testName}_ec2`,
      restoreTestingPlanName: testing.name,
      protectedResourceType: "EC2",
      iamRoleArn: role.arn,
      protectedResourceConditions: [{ stringEquals: [{ key: `aws:ResourceTag/${this.selectionTag.key}`, value: this.selectionTag.value }] }],
      validationWindowHours: 4,
    });
  }
}

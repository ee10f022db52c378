import { Rule } from "../model";
import { knownBlocks as blocks } from "../values";

export const backupCrossRegion: Rule = {
  id: "backup-cross-region",
  title: "Backups copy every recovery point to a second region and are restore-tested",
  severity: "error",
  scope: "account",
  controls: {},
  rationale: "Disaster recovery: a regional outage or a compromised vault must not take the backups with it, and an untested backup is a hope.",
  remediation: "Add modules/backup: a plan whose rules copy to a vault in another region, and a restore testing plan.",
  check: (ctx) => {
    const plans = ctx.ofType("aws_backup_plan");
    const out = [];
    if (!plans.some((p) => blocks(p.values.rule).length > 0 && blocks(p.values.rule).every((r) => blocks(r.copy_action).length > 0))) {
      out.push({ message: "no backup plan whose every rule copies recovery points to a second region" });
    }
    if (ctx.ofType("aws_backup_restore_testing_plan").length === 0) out.push({ message: "no restore testing plan" });
    return out;
  },
  fixtures: {
    pass: {
      resource: {
        aws_backup_plan: { p: { name: "p", rule: [{ rule_name: "daily", target_vault_name: "v", copy_action: [{ destination_vault_arn: "${aws_backup_vault.dr.arn}" }] }] } },
        aws_backup_restore_testing_plan: { t: { name: "t", schedule_expression: "cron(0 5 ? * SAT *)", recovery_point_selection: {} } },
      },
    },
    fail: { resource: { aws_backup_plan: { p: { name: "p", rule: [{ rule_name: "daily", target_vault_name: "v" }] } } } },
  },
};

import { Finding } from "../compliance/checker";
import type { Rollout } from "./rollout";

/** `forget`: Terraform stops managing the object and leaves it in place (a `removed` block, Terraform ≥ 1.7). */
export type Action = "create" | "update" | "delete" | "replace" | "read" | "import" | "move" | "forget" | "no-op";

/** One attribute that changes; values already rendered for review (unknowns and secrets marked). */
export interface AttributeChange {
  readonly path: string;
  readonly before: string;
  readonly after: string;
  /** This attribute forces the resource to be replaced. */
  readonly forcesReplacement?: boolean;
  /** A policy document (a JSON string with `Statement`), pretty-printed, on each side that has one. */
  readonly policy?: { readonly before?: string; readonly after?: string };
}

export interface ResourceChange {
  readonly stack: string;
  readonly address: string;
  readonly type: string;
  readonly actions: Action[];
  readonly constructPath?: string;
  readonly attributes: AttributeChange[];
  /** Why Terraform replaces it (`action_reason`), when it says. */
  readonly reason?: string;
  /** For renames: where it was, and the `moved` block that keeps it. */
  readonly previousAddress?: string;
  readonly movedBlock?: string;
  /** Set when the change needs a reviewer's eye first (destroying state or weakening security). */
  readonly danger?: string;
}

/**
 * What a reviewer must see before anything else. `destroy`: a stateful or security resource is
 * deleted, replaced or forgotten; `protection`: a guard against loss is removed or weakened;
 * `security`: a control is weakened in place (a rule's source widened, encryption or logging
 * off); `settings`: backend, provider or provider version constraints change; `finding`: an
 * unsuppressed error finding is introduced; `suppression`: a finding becomes suppressed, or its
 * suppression reason changes (newly accepted risk).
 */
export type DangerClass = "destroy" | "protection" | "security" | "settings" | "finding" | "suppression";

export interface DangerousChange {
  readonly class: DangerClass;
  readonly stack: string;
  /** The resource, or `terraform.backend`, `provider.aws`... for settings. */
  readonly address: string;
  /** The attribute concerned, when one is. */
  readonly attribute?: string;
  readonly message: string;
  readonly before?: string;
  readonly after?: string;
}

/** A finding that is suppressed in the head and was not (or for another reason) in the base. */
export interface SuppressedFinding extends Finding {
  /** `null` when the base did not have the finding, `""` when it had it unsuppressed. */
  readonly previousReason: string | null;
}

export interface StackSummary {
  create: number;
  update: number;
  delete: number;
  replace: number;
  read: number;
  import: number;
  move: number;
  forget: number;
}

export interface DiffResult {
  readonly mode: "plan" | "config";
  readonly stacks: Record<string, StackSummary>;
  readonly changes: ResourceChange[];
  readonly introduced: Finding[];
  readonly resolved: Finding[];
  /** Findings newly suppressed, or whose suppression reason changed. */
  readonly suppressed: SuppressedFinding[];
  /** Dangerous changes, most severe class first. */
  readonly dangerous: DangerousChange[];
  /** Output changes (plan mode): name → before → after. */
  readonly outputs: { stack: string; name: string; before: string; after: string }[];
  /** Resources changed outside Terraform (plan mode `resource_drift`). */
  readonly drift: { stack: string; address: string; actions: string[] }[];
  /** Network paths the change opens and closes (`bulwark exposure` on base and head). */
  readonly exposure?: { opened: import("./exposure").PathChange[]; closed: import("./exposure").PathChange[] };
  /** Changed launch templates: the Auto Scaling groups on them, and whether their instances are replaced. */
  readonly rollouts?: Rollout[];
  /**
   * Per stack: resource address (and, in plan mode, security group id) → construct path, for
   * showing `${aws_security_group.web.id}` as the construct it names.
   */
  readonly names?: Record<string, Record<string, string>>;
  /** Stacks the base does not have, with the account and region their provider allows. */
  readonly newStacks?: Record<string, { readonly account?: string; readonly region?: string }>;
}

export const emptySummary = (): StackSummary => ({ create: 0, update: 0, delete: 0, replace: 0, read: 0, import: 0, move: 0, forget: 0 });

/** Resource types whose loss destroys data or security controls: their delete or replace is listed first. */
export const STATEFUL_OR_SECURITY_TYPES = new Set([
  "aws_kms_key",
  "aws_kms_alias",
  "aws_s3_bucket",
  "aws_s3_bucket_policy",
  "aws_s3_bucket_public_access_block",
  "aws_cloudtrail",
  "aws_cloudwatch_log_group",
  "aws_backup_vault",
  "aws_backup_plan",
  "aws_backup_vault_lock_configuration",
  "aws_network_acl",
  "aws_network_acl_rule",
  "aws_default_network_acl",
  "aws_security_group",
  "aws_default_security_group",
  "aws_vpc_security_group_ingress_rule",
  "aws_vpc_security_group_egress_rule",
  "aws_security_group_rule",
  "aws_flow_log",
  "aws_config_configuration_recorder",
  "aws_ebs_volume",
  "aws_db_instance",
  "aws_wafv2_web_acl",
  "aws_vpc",
]);

/** Resource types that are security controls themselves: listed before anything else in a review. */
export function isSecurityType(type: string): boolean {
  return /^aws_(default_)?(security_group|vpc_security_group_|network_acl|iam_|kms_|wafv2_|s3_bucket_(policy|public_access_block|server_side_encryption|logging|object_lock)|cloudtrail|flow_log|config_|guardduty|securityhub|ebs_encryption_by_default|backup_vault_lock)/.test(type);
}

/**
 * Arguments that force replacement, for configuration-only diffs (plans say it themselves).
 * A conservative table for the resources bulwark emits.
 */
export const FORCE_NEW: Record<string, readonly string[]> = {
  aws_vpc: ["cidr_block"],
  aws_subnet: ["cidr_block", "availability_zone", "vpc_id"],
  aws_network_acl_rule: ["network_acl_id", "rule_number", "egress", "protocol", "rule_action", "cidr_block", "ipv6_cidr_block", "from_port", "to_port", "icmp_type", "icmp_code"],
  aws_network_acl_association: ["network_acl_id", "subnet_id"],
  aws_security_group: ["name", "description", "vpc_id"],
  aws_kms_key: ["customer_master_key_spec", "key_usage", "multi_region"],
  aws_kms_alias: ["name"],
  aws_s3_bucket: ["bucket", "object_lock_enabled"],
  aws_cloudwatch_log_group: ["name"],
  aws_iam_role: ["name", "path"],
  aws_iam_instance_profile: ["name", "path"],
  aws_iam_role_policy_attachment: ["role", "policy_arn"],
  aws_launch_template: ["name"],
  aws_autoscaling_group: ["name"],
  aws_cloudtrail: ["name"],
  aws_backup_vault: ["name", "kms_key_arn"],
  aws_flow_log: ["vpc_id", "traffic_type", "log_destination", "log_destination_type", "iam_role_arn", "max_aggregation_interval"],
  aws_vpc_endpoint: ["vpc_id", "service_name", "vpc_endpoint_type"],
  aws_nat_gateway: ["allocation_id", "subnet_id"],
  aws_lb: ["name", "internal", "load_balancer_type"],
  aws_lb_target_group: ["name", "port", "protocol", "vpc_id", "target_type"],
  // user_data is updated in place (the instance is stopped and started) unless
  // user_data_replace_on_change = true: see FORCE_NEW_WHEN.
  aws_instance: ["ami", "subnet_id", "availability_zone"],
};

/** Arguments that force replacement only when another argument of the (new) configuration says so. */
export const FORCE_NEW_WHEN: Record<string, Record<string, (values: Record<string, unknown>) => boolean>> = {
  aws_instance: {
    user_data: (v) => v.user_data_replace_on_change === true || v.user_data_replace_on_change === "true",
    user_data_base64: (v) => v.user_data_replace_on_change === true || v.user_data_replace_on_change === "true",
  },
};

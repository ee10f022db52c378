/**
 * What the AWS API emulator (moto, server mode) cannot do, and so what the deploy suites keep out
 * of the apply or accept in the plan after it. Every entry names the emulator's own answer (seen
 * with moto 5.2.1 on 2026-12-05) and the test that still covers the resource without the emulator.
 * A resource that depends on a left-out one is left out with it (Terraform would otherwise create
 * the dependency through `-target`); the suites print how many were applied and left out, per stack.
 */

/** A resource type the emulator refuses or answers wrongly on apply. */
export interface EmulatorGap {
  /** Terraform resource type. */
  type: string;
  /** What the emulator answered (its error, or what it got wrong). */
  error: string;
  /** The test that still covers the resource (plan-level, mocked apply, or both). */
  coveredBy: string;
}

export const LEFT_OUT: EmulatorGap[] = [
  {
    type: "aws_ebs_default_kms_key",
    error: "GetEbsDefaultKmsKeyId: NotImplementedError (HTTP 500, 'The get_ebs_default_kms_key_id action has not been implemented')",
    coveredBy: "__tests__/modules/audit.test.ts (EbsDefaults), __tests__/examples/environments.terraform.test.ts (mocked apply)",
  },
  {
    type: "aws_backup_selection",
    error: "CreateBackupSelection: NotImplementedError (HTTP 500)",
    coveredBy: "__tests__/modules/backup-patching.test.ts (selects by tag), mocked apply of the environments",
  },
  {
    type: "aws_backup_restore_testing_plan",
    error: "CreateRestoreTestingPlan: HTTP 404 on PUT /restore-testing/plans (no such route)",
    coveredBy: "__tests__/modules/backup-patching.test.ts (tests restores on a schedule), mocked apply of the environments",
  },
  {
    type: "aws_backup_restore_testing_selection",
    error: "CreateRestoreTestingSelection: HTTP 404 (no restore-testing routes)",
    coveredBy: "__tests__/modules/backup-patching.test.ts, mocked apply of the environments",
  },
  {
    type: "aws_cloudtrail",
    error:
      "CreateTrail succeeds, then StartLogging with the trail's ARN fails: KeyError 'arn:aws:cloudtrail:…:trail/<name>' (HTTP 500; the emulator looks trails up by name only, AWS accepts either)",
    coveredBy: "__tests__/modules/audit.test.ts (multi-region, validated, KMS-encrypted trail), compliance rules on the plans, mocked apply",
  },
  {
    type: "aws_s3_bucket_logging",
    error:
      "PutBucketLogging: AttributeError \"'str' object has no attribute 'get'\" (HTTP 500): the emulator reads every bucket policy statement's Principal as a map, and the target bucket's TLS-only deny has Principal \"*\"",
    coveredBy: "__tests__/modules/audit.test.ts (access logging), checkov baseline, mocked apply",
  },
  {
    type: "aws_ssm_association",
    error: "CreateAssociation: NotImplementedError (HTTP 500)",
    coveredBy: "__tests__/modules/backup-patching.test.ts (scans daily by the Patch Group tag), mocked apply",
  },
  {
    type: "aws_ssm_maintenance_window_target",
    error: "RegisterTargetWithMaintenanceWindow succeeds, DescribeMaintenanceWindowTargets filtered by WindowTargetIds returns nothing: the provider reports 'empty result'",
    coveredBy: "__tests__/modules/backup-patching.test.ts (installs in a maintenance window), mocked apply",
  },
  {
    type: "aws_ssm_patch_baseline",
    error: "CreatePatchBaseline with tags: InvalidResourceId (HTTP 400): the emulator cannot tag a PatchBaseline (GetPatchBaseline is not implemented either)",
    coveredBy: "__tests__/modules/backup-patching.test.ts (approves security and critical patches first), mocked apply",
  },
];

/**
 * A difference the emulator makes between what was applied and what it reads back: the plan right
 * after the apply shows it, AWS would not. Keyed by resource type and the attribute that differs;
 * any other difference fails the idempotency test.
 */
export interface EmulatorQuirk {
  type: string;
  /** The attribute whose planned value differs, or a path below it without list indexes (`rule.source_selection_criteria`). */
  attribute: string;
  evidence: string;
}

export const READ_BACK_QUIRKS: EmulatorQuirk[] = [
  {
    type: "aws_vpc_security_group_egress_rule",
    attribute: "description",
    evidence: "a rule that references a security group or prefix list reads back without its description (the emulator drops it); AWS stores and returns it",
  },
  {
    type: "aws_vpc_security_group_ingress_rule",
    attribute: "description",
    evidence: "as for egress rules: a group-referencing rule reads back without its description",
  },
  {
    type: "aws_launch_template",
    attribute: "tag_specifications",
    evidence: "DescribeLaunchTemplateVersions returns an extra tag specification with resource type 'launch-template', which no request sent (AWS accepts only instance, volume, network-interface, spot-instances-request there)",
  },
  {
    type: "aws_launch_template",
    attribute: "default_version",
    evidence: "follows from the tag_specifications quirk: the planned update would make a new version",
  },
  {
    type: "aws_launch_template",
    attribute: "latest_version",
    evidence: "follows from the tag_specifications quirk: the planned update would make a new version",
  },
  {
    type: "aws_autoscaling_group",
    attribute: "launch_template",
    evidence: "follows from the launch template quirk: the group tracks latest_version, which the planned template update changes",
  },
  {
    type: "aws_autoscaling_group",
    attribute: "capacity_reservation_specification",
    evidence: "DescribeAutoScalingGroups returns no CapacityReservationSpecification, so the preference reads back null where the provider plans \"\" (seen: [{capacity_reservation_preference: null}] -> [{capacity_reservation_preference: \"\"}])",
  },
  {
    type: "aws_s3_bucket_replication_configuration",
    attribute: "rule.source_selection_criteria",
    evidence: "GetBucketReplication returns the rule without its SourceSelectionCriteria (SseKmsEncryptedObjects Enabled), so the plan would add it again (seen: source_selection_criteria <none> -> sse_kms_encrypted_objects.status Enabled)",
  },
  {
    type: "aws_backup_vault",
    attribute: "tags_all",
    evidence: "ListTags on a backup vault returns no tags, so the provider's default tags read back as missing",
  },
  {
    type: "aws_backup_plan",
    attribute: "tags_all",
    evidence: "ListTags on a backup plan returns no tags, so the provider's default tags read back as missing",
  },
];

/**
 * What the emulator stores of a prerequisite (a resource the published modules' suite creates for an
 * example in its account, never a module's: `prerequisites.ts`) differently from what was sent. The
 * prerequisite ignores these attributes once created (`lifecycle.ignore_changes`), so that the plan
 * after the apply judges the modules alone.
 */
export interface PrerequisiteQuirk {
  type: string;
  attributes: string[];
  evidence: string;
}

export const PREREQUISITE_QUIRKS: PrerequisiteQuirk[] = [
  {
    type: "aws_ami",
    attributes: ["architecture", "boot_mode", "ena_support", "root_device_name", "sriov_net_support", "virtualization_type", "ebs_block_device"],
    evidence:
      "RegisterImage keeps the name and description only: the image reads back with root device /dev/sda1 on a snapshot of its own, no architecture or virtualization type, ENA off and boot mode uefi, so the plan would replace it (seen: root_device_name \"/dev/sda1\" -> \"/dev/xvda\" # forces replacement)",
  },
];

/**
 * What the deploy suites' read-back through the AWS API cannot check on the emulator, so checks
 * another way (named in `readBackInstead`): the apply and the plan after it are not concerned.
 */
export interface ReadBackGap {
  /** The API call whose answer lacks it. */
  call: string;
  evidence: string;
  readBackInstead: string;
  coveredBy: string;
}

export const READ_BACK_GAPS: ReadBackGap[] = [
  {
    call: "DescribeInstances (instances an Auto Scaling group launched)",
    evidence: "the instances carry MetadataOptions HttpTokens \"optional\": the emulator launches a group's instances without its launch template's metadata options",
    readBackInstead: "the metadata options of the template version the group launches (DescribeLaunchTemplateVersions)",
    coveredBy: "__tests__/modules/launch-template.test.ts and launch-template.fuzz.test.ts (http_tokens required, hop limit 1)",
  },
  {
    call: "DescribeLoadBalancers",
    evidence: "no Scheme when CreateLoadBalancer named none (the provider sends a scheme only for internal load balancers; AWS then answers internet-facing)",
    readBackInstead: "that the scheme is not internal",
    coveredBy: "__tests__/modules/load-balancer.test.ts (internal = false)",
  },
];

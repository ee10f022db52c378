import { BulwarkValidationError } from "../../modules/core/errors";
import { HardenedAwsProvider } from "../../modules/core/stack";
import { AccountAudit, AccountAuditProps, bucketNameProblem, CONFIG_MANAGED_RULES } from "../../modules/audit";
import { EbsDefaults } from "../../modules/ebs-defaults";
import { resourcesOf, synthJson, TEST_ACCOUNT } from "../support/synth";

const audit = (props: Partial<AccountAuditProps> = {}) => synthJson((s) => new AccountAudit(s, "audit", { name: "prod", ...props }));

describe("AccountAudit", () => {
  const json = audit();
  const bucketName = `prod-audit-${TEST_ACCOUNT.accountId}-${TEST_ACCOUNT.region}`;
  const bucketArn = `arn:aws:s3:::${bucketName}`;

  it("records a multi-region, validated, KMS-encrypted trail into CloudWatch Logs", () => {
    const trail = resourcesOf(json, "aws_cloudtrail").audit_trail;
    expect(trail).toMatchObject({
      is_multi_region_trail: true,
      include_global_service_events: true,
      enable_log_file_validation: true,
      kms_key_id: "${aws_kms_key.audit_key_key.arn}",
      cloud_watch_logs_group_arn: "${aws_cloudwatch_log_group.audit_trail-log-group.arn}:*",
    });
    expect(trail.depends_on).toEqual(["aws_s3_bucket_policy.audit_logs_policy"]);
    expect(resourcesOf(json, "aws_cloudwatch_log_group")["audit_trail-log-group"]).toMatchObject({ retention_in_days: 365, kms_key_id: "${aws_kms_key.audit_key_key.arn}" });
  });

  it("admits the region's load balancer log delivery to the access-log bucket only when asked", () => {
    const sids = (j: typeof json) => JSON.parse(resourcesOf(j, "aws_s3_bucket_policy")["audit_access-logs_policy"].policy).Statement;
    expect(sids(json).map((s: { Sid: string }) => s.Sid)).not.toContain("ElbAccessLogsDelivery");
    const elb = sids(audit({ loadBalancerLogPrefix: "load-balancers" })).find((s: { Sid: string }) => s.Sid === "ElbAccessLogsDelivery");
    expect(elb).toEqual({
      Sid: "ElbAccessLogsDelivery",
      Effect: "Allow",
      Principal: { AWS: "arn:aws:iam::156460612806:root" },
      Action: "s3:PutObject",
      Resource: `arn:aws:s3:::prod-access-${TEST_ACCOUNT.accountId}-${TEST_ACCOUNT.region}/load-balancers/AWSLogs/${TEST_ACCOUNT.accountId}/*`,
    });
  });

  describe("a copy in a second region", () => {
    const replicated = synthJson((s) => {
      const copy = new HardenedAwsProvider(s, "copy", { alias: "copy", region: "eu-central-1" });
      new AccountAudit(s, "audit", { name: "prod", replication: { region: "eu-central-1", provider: copy } });
    });
    const replicaName = `prod-audit-replica-${TEST_ACCOUNT.accountId}-eu-central-1`;

    it("copies both audit buckets, deletions excluded, into a versioned bucket with its own key there", () => {
      const configs = resourcesOf(replicated, "aws_s3_bucket_replication_configuration");
      expect(Object.keys(configs).sort()).toEqual(["audit_access-logs-replication", "audit_logs-replication"]);
      const logs = configs["audit_logs-replication"];
      expect(logs.bucket).toBe("${aws_s3_bucket.audit_logs_bucket.id}");
      expect(logs.rule[0]).toMatchObject({
        status: "Enabled",
        delete_marker_replication: { status: "Disabled" },
        source_selection_criteria: { sse_kms_encrypted_objects: { status: "Enabled" } },
        destination: { bucket: "${aws_s3_bucket.audit_replica_bucket.arn}", encryption_configuration: { replica_kms_key_id: "${aws_kms_key.audit_replica-key_key.arn}" } },
      });
      expect(logs.depends_on).toEqual(["aws_s3_bucket_versioning.audit_logs_versioning", "aws_s3_bucket_versioning.audit_replica_versioning"]);
      expect(configs["audit_access-logs-replication"].rule[0].destination).toEqual({ bucket: "${aws_s3_bucket.audit_replica_bucket.arn}" });
      const replica = resourcesOf(replicated, "aws_s3_bucket").audit_replica_bucket;
      expect([replica.bucket, replica.provider]).toEqual([replicaName, "aws.copy"]);
      expect(resourcesOf(replicated, "aws_s3_bucket_versioning").audit_replica_versioning.provider).toBe("aws.copy");
      expect(resourcesOf(replicated, "aws_kms_key")["audit_replica-key_key"]).toMatchObject({ provider: "aws.copy", enable_key_rotation: true });
    });

    it("gives the replication role only what replication needs, no deletes", () => {
      const policy = JSON.parse(resourcesOf(replicated, "aws_iam_role_policy")["audit_replication-policy"].policy);
      const actions = policy.Statement.flatMap((st: { Action: string | string[] }) => [st.Action].flat());
      expect(actions).not.toContain("s3:ReplicateDelete");
      expect(actions.filter((a: string) => a.endsWith("*"))).toEqual([]);
      expect(policy.Statement.find((st: { Sid: string }) => st.Sid === "WriteReplica").Resource).toBe(`arn:aws:s3:::${replicaName}/*`);
      expect(JSON.parse(resourcesOf(replicated, "aws_iam_role")["audit_replication-role"].assume_role_policy).Statement[0].Principal).toEqual({ Service: "s3.amazonaws.com" });
    });

    it("adds nothing without replication, and refuses a copy in the same region", () => {
      expect(resourcesOf(json, "aws_s3_bucket_replication_configuration")).toEqual({});
      expect(() =>
        synthJson((s) => {
          const same = new HardenedAwsProvider(s, "same", { alias: "same", region: TEST_ACCOUNT.region });
          new AccountAudit(s, "audit", { name: "prod", replication: { region: TEST_ACCOUNT.region, provider: same } });
        }),
      ).toThrow(/audit: replication\.region .* must differ from the stack's region/);
    });
  });

  describe("log bucket policy", () => {
    const policy = JSON.parse(resourcesOf(json, "aws_s3_bucket_policy").audit_logs_policy.policy);
    const bySid = Object.fromEntries(policy.Statement.map((s: { Sid: string }) => [s.Sid, s]));

    it("denies every request without TLS, on the bucket and its objects", () => {
      expect(bySid.DenyInsecureTransport).toEqual({
        Sid: "DenyInsecureTransport",
        Effect: "Deny",
        Principal: "*",
        Action: "s3:*",
        Resource: [bucketArn, `${bucketArn}/*`],
        Condition: { Bool: { "aws:SecureTransport": "false" } },
      });
    });

    it("lets CloudTrail and Config write only this account's prefixes, scoped to this account", () => {
      expect(bySid.CloudTrailWrite.Resource).toBe(`${bucketArn}/cloudtrail/AWSLogs/${TEST_ACCOUNT.accountId}/*`);
      expect(bySid.CloudTrailWrite.Condition.StringEquals["aws:SourceArn"]).toBe(`arn:aws:cloudtrail:${TEST_ACCOUNT.region}:${TEST_ACCOUNT.accountId}:trail/prod-audit`);
      expect(bySid.ConfigWrite.Resource).toBe(`${bucketArn}/config/AWSLogs/${TEST_ACCOUNT.accountId}/Config/*`);
      expect(bySid.ConfigWrite.Condition.StringEquals["aws:SourceAccount"]).toBe(TEST_ACCOUNT.accountId);
      expect(bySid.ConfigAclCheck.Condition.StringEquals["aws:SourceAccount"]).toBe(TEST_ACCOUNT.accountId);
      // No statement allows an unscoped principal.
      for (const s of policy.Statement.filter((x: { Effect: string }) => x.Effect === "Allow")) {
        expect(s.Principal).not.toBe("*");
        expect(s.Condition).toBeDefined();
      }
    });
  });

  it("locks the buckets down: public access blocks, versioning, encryption, access logging, lifecycle", () => {
    const blocks = Object.values(resourcesOf(json, "aws_s3_bucket_public_access_block"));
    expect(blocks).toHaveLength(2);
    for (const b of blocks) expect(b).toMatchObject({ block_public_acls: true, block_public_policy: true, ignore_public_acls: true, restrict_public_buckets: true });
    for (const v of Object.values(resourcesOf(json, "aws_s3_bucket_versioning"))) expect(v.versioning_configuration.status).toBe("Enabled");
    const enc = resourcesOf(json, "aws_s3_bucket_server_side_encryption_configuration");
    expect(enc.audit_logs_encryption.rule[0].apply_server_side_encryption_by_default).toEqual({ sse_algorithm: "aws:kms", kms_master_key_id: "${aws_kms_key.audit_key_key.arn}" });
    // S3 server access logging can only deliver to SSE-S3 buckets.
    expect(enc["audit_access-logs_encryption"].rule[0].apply_server_side_encryption_by_default.sse_algorithm).toBe("AES256");
    // A reference to the access-log bucket, not its name as text: Terraform creates the target first.
    expect(resourcesOf(json, "aws_s3_bucket_logging")["audit_logs_access-logging"].target_bucket).toBe("${aws_s3_bucket.audit_access-logs_bucket.bucket}");
    expect(resourcesOf(json, "aws_s3_bucket")).toHaveProperty("audit_access-logs_bucket.bucket", `prod-access-${TEST_ACCOUNT.accountId}-${TEST_ACCOUNT.region}`);
    const rule = resourcesOf(json, "aws_s3_bucket_lifecycle_configuration").audit_logs_lifecycle.rule[0];
    expect(rule.transition.map((t: { storage_class: string }) => t.storage_class)).toEqual(["STANDARD_IA", "GLACIER"]);
  });

  it("records every resource type with Config and evaluates the managed rules", () => {
    expect(resourcesOf(json, "aws_config_configuration_recorder").audit_recorder.recording_group).toEqual({ all_supported: true, include_global_resource_types: true });
    expect(resourcesOf(json, "aws_config_configuration_recorder_status")["audit_recorder-status"].is_enabled).toBe(true);
    const rules = Object.values(resourcesOf(json, "aws_config_config_rule")).map((r) => r.name);
    for (const r of ["ec2-imdsv2-check", "encrypted-volumes", "ec2-ebs-encryption-by-default", "vpc-flow-logs-enabled", "restricted-ssh", "vpc-default-security-group-closed", "ec2-instance-managed-by-systems-manager", "cloudtrail-enabled", "cloud-trail-log-file-validation-enabled", "cmk-backing-key-rotation-enabled"]) {
      expect(rules).toContain(r);
    }
    expect(rules).toHaveLength(Object.keys(CONFIG_MANAGED_RULES).length);
  });

  it("adds object lock and prevent_destroy when asked", () => {
    const locked = audit({ objectLock: { mode: "COMPLIANCE", days: 365 }, preventDestroy: true });
    expect(resourcesOf(locked, "aws_s3_bucket").audit_logs_bucket).toMatchObject({ object_lock_enabled: true, lifecycle: { prevent_destroy: true } });
    expect(resourcesOf(locked, "aws_s3_bucket_object_lock_configuration")["audit_logs_object-lock"].rule.default_retention).toEqual({ mode: "COMPLIANCE", days: 365 });
  });

  it.each([
    ["an uppercase bucket name", { bucketName: "Prod-Logs" }, /logs: bucketName "Prod-Logs" must be lowercase/],
    ["an IP-like bucket name", { bucketName: "10.0.0.1" }, /must not look like an IP address/],
    ["a retention shorter than the cold-storage transition", { bucketRetentionDays: 300 }, /retentionDays 300 must be longer than the cold-storage transition at 365 days/],
    ["an unknown Config rule", { configRules: ["no-such-rule"] }, /configRules "no-such-rule" is not a known managed rule/],
    ["a short log retention", { logRetentionDays: 90 }, /logRetentionDays 90 must be one of 365/],
  ] as [string, Partial<AccountAuditProps>, RegExp][])("refuses %s", (_what, props, message) => {
    expect(() => audit(props)).toThrow(BulwarkValidationError);
    expect(() => audit(props)).toThrow(message);
  });

  it("names S3's bucket rules", () => {
    expect(bucketNameProblem("ab")).toMatch(/3 to 63/);
    expect(bucketNameProblem("a..b")).toMatch(/adjacent dots/);
    expect(bucketNameProblem("xn--bucket")).toMatch(/reserves/);
    expect(bucketNameProblem("good-bucket.name-1")).toBeUndefined();
  });
});

describe("EbsDefaults", () => {
  it("turns EBS encryption by default on with a customer-managed key Auto Scaling may use", () => {
    const json = synthJson((s) => new EbsDefaults(s, "ebs", { name: "prod" }));
    expect(resourcesOf(json, "aws_ebs_encryption_by_default").ebs_encryption.enabled).toBe(true);
    expect(resourcesOf(json, "aws_ebs_default_kms_key")["ebs_default-key"].key_arn).toBe("${aws_kms_key.ebs_key_key.arn}");
    const sids = JSON.parse(resourcesOf(json, "aws_kms_key").ebs_key_key.policy).Statement.map((s: { Sid: string }) => s.Sid);
    expect(sids).toContain("AutoScalingUsesKeyForEbs");
  });
});

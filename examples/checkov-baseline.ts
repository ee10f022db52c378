import { ALL_RULES, TfResource } from "../compliance";

/**
 * checkov's findings on the reference environments that are answered by a decision rather than a
 * change, and the baseline file `npm run synth` writes from them (`cdktf.out/checkov.baseline`,
 * the format of checkov's `--create-baseline`, read with `--baseline`). checkov's Terraform-JSON
 * runner reads no inline skip comments; a baseline is how it accepts reasons. Each reason is in
 * docs/COMPLIANCE.md (a test checks it), and a decision without one is refused.
 */
export interface CheckovDecision {
  /** checkov check ids this decision answers. */
  readonly checks: readonly string[];
  /** Resource type the checks fail on. */
  readonly type: string;
  /** Construct path below the stack (`audit/trail`), as a regular expression matched whole. */
  readonly path: string;
  /** Why the finding is accepted: at least 10 characters, and in docs/COMPLIANCE.md. */
  readonly reason: string;
}

export const CHECKOV_DECISIONS: readonly CheckovDecision[] = [
  {
    checks: ["CKV_AWS_252"],
    type: "aws_cloudtrail",
    path: "audit/trail",
    reason:
      "CloudTrail's SNS topic announces every log file it delivers (hundreds a day), a stream nobody reads. What needs a person reaches one through the CIS metric-filter alarms (CloudWatch.1–14) on the trail's log group, which notify a KMS-encrypted topic.",
  },
  {
    checks: ["CKV2_AWS_62"],
    type: "aws_s3_bucket",
    path: "audit/(logs|access-logs)/bucket",
    reason:
      "Nothing consumes object events of the audit buckets: CloudTrail, Config, S3 and the load balancer deliver into them, and the trail is read through CloudWatch Logs. A notification with nowhere useful to go adds a topic or queue to secure and nothing to detection.",
  },
  {
    checks: ["CKV_AWS_18"],
    type: "aws_s3_bucket",
    path: "audit/access-logs/bucket",
    reason:
      "This is the access-log bucket: logging its own access into itself would log its log writes without end, and logging it into a further bucket only moves the question one bucket on. Its only writers are S3's and the load balancer's log delivery, admitted by its bucket policy.",
  },
  {
    checks: ["CKV_AWS_145"],
    type: "aws_s3_bucket",
    path: "audit/access-logs/bucket",
    reason:
      "S3 server access logs and load balancer access logs are delivered only to buckets encrypted with SSE-S3 (AES-256); with SSE-KMS they are dropped. The bucket is encrypted at rest, versioned, private and TLS-only; the audit log bucket itself uses the audit KMS key.",
  },
  {
    checks: ["CKV_AWS_144", "CKV_AWS_18"],
    type: "aws_s3_bucket",
    path: "audit/replica/bucket",
    reason:
      "This is the second-region copy of the audit buckets: copying the copy again adds a third region and nothing against the loss of one, and its only writer is S3 replication with the audit replication role, whose access the source buckets' access logs and CloudTrail's data events already show. It is versioned, private, TLS-only and encrypted with a key of its own in the copy region.",
  },
  {
    checks: ["CKV2_AWS_62"],
    type: "aws_s3_bucket",
    path: "audit/replica/bucket",
    reason:
      "Nothing consumes object events of the audit log copy: S3 replication writes it, and it is read only to recover the audit trail after the loss of the home region.",
  },
  {
    checks: ["CKV_AWS_260"],
    type: "aws_vpc_security_group_ingress_rule",
    path: "security-groups/web/in-http-clients-0-0-0-0-0",
    reason:
      "Port 80 is open to the world only so that the load balancer's HTTP listener can answer with a permanent redirect to HTTPS, its only action: nothing is served over plain HTTP. bulwark's sg-no-world-unauthorized-ports (EC2.18) authorizes 80 and 443.",
  },
  {
    checks: ["CKV2_AWS_5"],
    type: "aws_security_group",
    path: "security-groups/data/group",
    reason:
      "The data tier's group comes with the isolated subnets, so that the app tier's egress to the data ports and the data tier's ingress from the app group only exist before a data store does; a database added to the environment takes this group. Until then it admits nothing to anything.",
  },
  {
    checks: ["CKV2_AWS_1"],
    type: "aws_network_acl",
    path: "network/acl-[a-z]+/acl",
    reason:
      "Each ACL is associated with its subnets by one aws_network_acl_association per subnet, which CKV2_AWS_1 does not read (it looks only for subnet_ids on the ACL). subnet_ids is not the better form: it cannot be mixed with association resources, and one resource per subnet keeps each association's address stable. bulwark's nacl-associated rule (EC2.16) checks the associations.",
  },
  {
    checks: ["CKV_AWS_175", "CKV_AWS_192"],
    type: "aws_wafv2_web_acl",
    path: "load-balancer/web-acl",
    reason:
      "The web ACL's four AWS managed rule groups, AWSManagedRulesKnownBadInputsRuleSet (Log4j) among them, are written as rule_json, which checkov does not read. Rule blocks cannot be used: the provider binding leaves statement untyped, and cdktf's HCL output then writes it as an attribute, which Terraform rejects. bulwark's waf-known-bad-inputs rule reads rule_json and checks that the group is there and blocks.",
  },
  {
    checks: ["CKV2_AWS_76"],
    type: "aws_lb",
    path: "load-balancer/alb",
    reason:
      "Besides reading no rule_json (above), this check asks for AWSManagedRulesAnonymousIpList, which blocks clients behind VPNs, Tor and hosting providers: whether an application may turn those users away is the application's decision, not a default of the reference environment. The Log4j protection the check is named for (known bad inputs) is in place.",
  },
];

/** The file format checkov's `--baseline` reads. */
export interface CheckovBaseline {
  failed_checks: { file: string; findings: { resource: string; check_ids: string[] }[] }[];
}

/** Refuses a decision without a reason (or without checks, type or path). */
export function validateDecisions(decisions: readonly CheckovDecision[]): void {
  for (const d of decisions) {
    const what = `checkov decision ${d.checks?.join(", ") || "(no checks)"} on ${d.type || "(no type)"} ${d.path || "(no path)"}`;
    if (!d.reason || d.reason.trim().length < 10) throw new Error(`${what} has no reason (at least 10 characters): a decision without a reason is refused`);
    if (!d.checks?.length || !d.checks.every((c) => /^CKV2?_AWS_\d+$/.test(c))) throw new Error(`${what} must name checkov check ids (CKV_AWS_n, CKV2_AWS_n)`);
    if (!d.type || !d.path) throw new Error(`${what} must name a resource type and a construct path`);
  }
}

/**
 * The baseline for the synthesized stacks: one entry per resource a decision matches, and one per
 * bulwark suppression whose rule maps to checkov ids (the suppression's reason stands for both).
 * checkov names a resource `type.name`, or `resource.name` for some checks of its Terraform-JSON
 * runner; both are written. Files are as checkov reports them, relative to the scanned stacks folder.
 */
export function checkovBaseline(resources: readonly TfResource[], decisions: readonly CheckovDecision[] = CHECKOV_DECISIONS): CheckovBaseline {
  validateDecisions(decisions);
  const checkovIds = new Map(ALL_RULES.map((r) => [r.id, r.controls.checkov ?? []]));
  const byFile = new Map<string, Map<string, Set<string>>>();
  const add = (r: TfResource, ids: readonly string[]) => {
    if (!ids.length) return;
    const file = `/${r.stack}/cdk.tf.json`;
    const findings = byFile.get(file) ?? byFile.set(file, new Map()).get(file)!;
    for (const name of [r.address, `resource.${r.name}`]) {
      const set = findings.get(name) ?? findings.set(name, new Set()).get(name)!;
      for (const id of ids) set.add(id);
    }
  };
  const matchers = decisions.map((d) => ({ d, re: new RegExp(`^${d.path}$`) }));
  for (const r of resources) {
    if (r.mode !== "managed") continue;
    const below = r.constructPath?.startsWith(`${r.stack}/`) ? r.constructPath.slice(r.stack.length + 1) : r.constructPath;
    for (const { d, re } of matchers) if (r.type === d.type && below !== undefined && re.test(below)) add(r, d.checks);
    for (const s of r.suppressions) add(r, checkovIds.get(s.ruleId) ?? []);
  }
  return {
    failed_checks: [...byFile.keys()].sort().map((file) => ({
      file,
      findings: [...byFile.get(file)!.entries()]
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([resource, ids]) => ({ resource, check_ids: [...ids].sort() })),
    })),
  };
}

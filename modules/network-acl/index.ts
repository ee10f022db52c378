/**
 * `NetworkAclTier`: a network ACL with one rule per named rule, and the pure rule model behind it: validation,
 * stable rule numbers, tier presets with their return traffic, and a flow evaluator.
 *
 * @module bulwark/network-acl
 */
import { Annotations } from "cdktf";
import { Construct } from "constructs";
import { NetworkAcl } from "@cdktf/provider-aws/lib/network-acl";
import { NetworkAclAssociation } from "@cdktf/provider-aws/lib/network-acl-association";
import { NetworkAclRule } from "@cdktf/provider-aws/lib/network-acl-rule";
import { BulwarkValidationError } from "../core/errors";
import { RuleIds } from "../core/rule-ids";
import { suppress } from "../core/suppressions";
import { checkName } from "../core/validate";
import { NaclRules, ResolvedNaclRule, resolveRules } from "./rules";

export * from "./rules";

/** Props of `NetworkAclTier`. */
export interface NetworkAclTierProps {
  /** Name tag and key of the ACL, e.g. `prod-app`. */
  readonly name: string;
  /** The VPC the ACL belongs to. */
  readonly vpcId: string;
  /** Subnets to associate, keyed by a stable name (e.g. the AZ). */
  readonly subnetIds: Readonly<Record<string, string>>;
  /** Rules keyed by name; the name is the Terraform resource key. */
  readonly rules: NaclRules;
  /** Rules allowed per direction before the set is refused. @default 20 (the AWS default quota) */
  readonly ruleQuota?: number;
  /** Tags on the ACL, beside its `Name`. @default {} */
  readonly tags?: Readonly<Record<string, string>>;
}

/**
 * A network ACL with one `aws_network_acl_rule` per named rule and one association per named
 * subnet: reordering or inserting rules never touches the others (no `count` churn).
 * Refuses world access to 22/3389 unless a rule says why (EC2.21, CIS 5.2).
 */
export class NetworkAclTier extends Construct {
  /** The `aws_network_acl` resource. */
  public readonly acl: NetworkAcl;
  /** The rules with every default applied and their numbers, ingress then egress: what was synthesized. */
  public readonly rules: ResolvedNaclRule[];

  constructor(scope: Construct, id: string, props: NetworkAclTierProps) {
    super(scope, id);
    checkName(this, "name", props.name);
    const keys = Object.keys(props.subnetIds);
    if (keys.length === 0) throw new BulwarkValidationError(this, "subnetIds", props.subnetIds, "must name at least one subnet (an unassociated ACL protects nothing: EC2.16)");
    for (const key of keys) checkName(this, "subnetIds key", key);
    const { rules, problems } = resolveRules(props.rules, { ruleQuota: props.ruleQuota });
    const error = problems.find((p) => p.severity === "error");
    if (error) throw new BulwarkValidationError(this, error.field, error.value, error.problem);
    for (const w of problems.filter((p) => p.severity === "warning")) Annotations.of(this).addWarning(`${w.field}: ${w.problem}`);
    this.rules = rules;

    this.acl = new NetworkAcl(this, "acl", { vpcId: props.vpcId, tags: { ...props.tags, Name: props.name } });
    for (const r of rules) {
      const rule = new NetworkAclRule(this, `rule-${r.name}`, {
        networkAclId: this.acl.id,
        egress: r.direction === "egress",
        ruleNumber: r.ruleNumber,
        ruleAction: r.action,
        protocol: r.protocol,
        fromPort: r.protocol === "6" || r.protocol === "17" ? r.fromPort : undefined,
        toPort: r.protocol === "6" || r.protocol === "17" ? r.toPort : undefined,
        icmpType: r.icmpType,
        icmpCode: r.icmpCode,
        cidrBlock: r.family === "ipv4" ? r.cidr : undefined,
        ipv6CidrBlock: r.family === "ipv6" ? r.cidr : undefined,
      });
      if (r.worldAdminReason) suppress(rule, RuleIds.naclAdminPortsFromWorld, r.worldAdminReason);
    }
    for (const key of keys.sort()) {
      new NetworkAclAssociation(this, `subnet-${key}`, { networkAclId: this.acl.id, subnetId: props.subnetIds[key] });
    }
  }
}

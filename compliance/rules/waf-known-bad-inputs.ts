import { Rule, RuleFinding } from "../model";
import { describe, isUnknown, knownBlocks, str } from "../values";

const GROUP = "AWSManagedRulesKnownBadInputsRuleSet";

/** Managed rule groups of a web ACL, from `rule` blocks and from `rule_json`: name → blocks (not count-only). */
function managedGroups(values: Record<string, any>): Map<string, boolean> | { unknown: unknown } {
  const out = new Map<string, boolean>();
  for (const rule of knownBlocks(values.rule)) {
    for (const statement of knownBlocks(rule.statement)) {
      for (const group of knownBlocks(statement.managed_rule_group_statement)) {
        const name = str(group.name);
        if (isUnknown(name)) return { unknown: name };
        if (name) out.set(name, knownBlocks(rule.override_action).every((a) => knownBlocks(a.count).length === 0));
      }
    }
  }
  const json = values.rule_json;
  if (isUnknown(json)) return { unknown: json };
  if (typeof json === "string" && json.trim()) {
    let rules: unknown;
    try {
      rules = JSON.parse(json);
    } catch {
      return { unknown: "rule_json that is not JSON" };
    }
    for (const rule of Array.isArray(rules) ? rules : []) {
      const name = rule?.Statement?.ManagedRuleGroupStatement?.Name;
      if (typeof name === "string") out.set(name, !rule?.OverrideAction?.Count);
    }
  }
  return out;
}

export const wafKnownBadInputs: Rule = {
  id: "waf-known-bad-inputs",
  title: "WAF web ACLs block known bad inputs (Log4j)",
  severity: "error",
  scope: "resource",
  controls: { checkov: ["CKV_AWS_192"] },
  rationale:
    "AWS's known-bad-inputs managed group blocks request patterns of exploited vulnerabilities, the Log4j lookup (CVE-2021-44228) among them. Read from rule blocks and from rule_json alike: scanners that read only rule blocks miss web ACLs written as rule_json, as cdktf users often write them.",
  remediation: `Add a rule with statement { managed_rule_group_statement { name = "${GROUP}", vendor_name = "AWS" } } and override_action { none {} } (modules/load-balancer applies it).`,
  check: (ctx) =>
    ctx.ofType("aws_wafv2_web_acl").flatMap((acl): RuleFinding[] => {
      const groups = managedGroups(acl.values);
      if (!(groups instanceof Map)) return [{ resource: acl, message: `the web ACL's rules are ${describe(groups.unknown)}`, unverifiable: true }];
      const blocks = groups.get(GROUP);
      if (blocks === undefined) return [{ resource: acl, message: `web ACL has no ${GROUP} rule group` }];
      return blocks ? [] : [{ resource: acl, message: `${GROUP} only counts (override_action count): nothing is blocked` }];
    }),
  fixtures: {
    pass: {
      resource: {
        aws_wafv2_web_acl: {
          a: {
            name: "a",
            scope: "REGIONAL",
            rule_json: JSON.stringify([{ Name: GROUP, Priority: 1, OverrideAction: { None: {} }, Statement: { ManagedRuleGroupStatement: { VendorName: "AWS", Name: GROUP } } }]),
          },
        },
      },
    },
    fail: {
      resource: {
        aws_wafv2_web_acl: {
          a: {
            name: "a",
            scope: "REGIONAL",
            rule: [{ name: "common", priority: 1, override_action: { none: {} }, statement: { managed_rule_group_statement: { name: "AWSManagedRulesCommonRuleSet", vendor_name: "AWS" } } }],
          },
        },
      },
    },
  },
};

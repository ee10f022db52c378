import { Finding, Report, Rule, RuleContext, TfResource } from "./model";
import { ALL_RULES } from "./rules";

/** Indexes resources for the rules: by type, and by reference. */
export function buildContext(resources: readonly TfResource[]): RuleContext {
  const byType = new Map<string, TfResource[]>();
  const byAddress = new Map<string, TfResource>();
  for (const r of resources) {
    if (!byType.has(r.type)) byType.set(r.type, []);
    byType.get(r.type)!.push(r);
    byAddress.set(`${r.stack}\u0000${r.address}`, r);
  }
  const stacks = [...new Set(resources.map((r) => r.stack))].sort();
  // Who refers to what, built once per (type, attribute) a rule asks about: rules that join
  // resources (flow log → VPC, rule → ACL, policy → bucket) stay linear in the input.
  const referenceIndexes = new Map<string, Map<string, TfResource[]>>();
  const referenceIndex = (type: string, attr: string): Map<string, TfResource[]> => {
    const key = `${type}\u0000${attr}`;
    let index = referenceIndexes.get(key);
    if (!index) {
      index = new Map();
      const add = (k: string, r: TfResource) => (index!.get(k) ?? index!.set(k, []).get(k)!).push(r);
      for (const r of byType.get(type) ?? []) {
        for (const a of r.refs[attr] ?? []) add(`${r.stack}\u0000${a}`, r);
        const v = r.values[attr];
        if (typeof v === "string" && v !== "") add(`${r.stack}\u0000id:${v}`, r);
      }
      referenceIndexes.set(key, index);
    }
    return index;
  };
  return {
    resources,
    stacks,
    ofType: (type) => (byType.get(type) ?? []).filter((r) => r.mode === "managed"),
    referencing(type, attr, target) {
      const index = referenceIndex(type, attr);
      const out = [...(index.get(`${target.stack}\u0000${target.address}`) ?? [])];
      const id = target.values.id;
      if (typeof id === "string" && id !== "") for (const r of index.get(`${target.stack}\u0000id:${id}`) ?? []) if (!out.includes(r)) out.push(r);
      return out;
    },
    referenced(res, attr) {
      return (res.refs[attr] ?? []).map((a) => byAddress.get(`${res.stack}\u0000${a}`)).filter((r): r is TfResource => r !== undefined);
    },
  };
}

/** Runs rules over resources and returns findings (suppressed ones included) and counts. */
export function runRules(resources: readonly TfResource[], rules: readonly Rule[] = ALL_RULES, opts: { scope?: Rule["scope"] } = {}): Report {
  const ctx = buildContext(resources);
  // Account-level rules are judged per account and region: stacks that say where they deploy
  // are grouped by it; stacks that do not form one group together.
  const groups = new Map<string, TfResource[]>();
  for (const r of resources) {
    const key = r.account ?? "";
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key)!.push(r);
  }
  const stacksOf = (rs: readonly TfResource[]) => [...new Set(rs.map((r) => r.stack))].sort();
  for (const [key, rs] of groups) if (rs.length === 0) groups.delete(key);
  const findings: Finding[] = [];
  for (const rule of rules) {
    if (opts.scope && rule.scope !== opts.scope) continue;
    const runs = rule.scope === "account" ? [...groups.values()].map((rs) => buildContext(rs)) : [ctx];
    for (const c of runs) {
      for (const f of rule.check(c)) {
        const suppression = f.resource?.suppressions.find((s) => s.ruleId === rule.id);
        findings.push({
          ruleId: rule.id,
          controls: f.controls ?? rule.controls,
          severity: rule.severity,
          stack: f.resource?.stack ?? f.stack ?? stacksOf(c.resources).join(","),
          address: f.resource?.address ?? "(account)",
          ...(f.resource?.constructPath ? { constructPath: f.resource.constructPath } : {}),
          message: f.message,
          suppressed: suppression !== undefined,
          ...(suppression ? { suppressionReason: suppression.reason } : {}),
        });
      }
    }
  }
  const rank = (f: Finding) => (f.suppressed ? 2 : f.severity === "error" ? 0 : 1);
  findings.sort((a, b) => rank(a) - rank(b) || a.ruleId.localeCompare(b.ruleId) || a.stack.localeCompare(b.stack) || a.address.localeCompare(b.address) || a.message.localeCompare(b.message));
  return {
    findings,
    summary: {
      errors: findings.filter((f) => !f.suppressed && f.severity === "error").length,
      warnings: findings.filter((f) => !f.suppressed && f.severity === "warning").length,
      suppressed: findings.filter((f) => f.suppressed).length,
    },
  };
}

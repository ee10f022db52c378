import { Aspects, IAspect, TerraformResource, TerraformStack } from "cdktf";
import { IConstruct } from "constructs";
import { checkWeakening } from "./validate";

/** A compliance rule switched off for one resource, and why. */
export interface Suppression {
  /** Id of the rule not met, as `bulwark check` reports it (`ec2-imds-hop-limit`; see `RuleIds`). */
  readonly ruleId: string;
  /** Why it is acceptable here; shown beside the suppressed finding in every report. */
  readonly reason: string;
}

const SUPPRESSIONS = Symbol.for("bulwark.suppressions");

/**
 * Records that `ruleId` is knowingly not met by the resources under `scope`, with a reason.
 *
 * The record travels in the synthesized JSON under each resource's `//` comment block
 * (`"//": {"bulwark": {"suppressions": [...]}}`), which Terraform ignores and `bulwark check`
 * reads, so a weakened default is never silent: the finding is reported as suppressed.
 */
export function suppress(scope: IConstruct, ruleId: string, reason: string): void {
  checkWeakening(scope, `suppression ${ruleId}`, { reason });
  const own = suppressionsOf(scope);
  if (!own.some((s) => s.ruleId === ruleId)) own.push({ ruleId, reason: reason.trim() });
  const stack = TerraformStack.of(scope);
  const marked = stack as unknown as { [RECORDER]?: boolean };
  if (!marked[RECORDER]) {
    marked[RECORDER] = true;
    Aspects.of(stack).add(new SuppressionRecorder());
  }
}

const RECORDER = Symbol.for("bulwark.suppressionRecorder");

/** Writes each resource's inherited suppressions into its `//` block at synth time. */
class SuppressionRecorder implements IAspect {
  visit(node: IConstruct): void {
    if (!(node instanceof TerraformResource)) return;
    const all = inheritedSuppressions(node);
    if (all.length > 0) node.addOverride("//.bulwark.suppressions", all);
  }
}

function suppressionsOf(scope: IConstruct): Suppression[] {
  const holder = scope as unknown as { [SUPPRESSIONS]?: Suppression[] };
  if (!holder[SUPPRESSIONS]) holder[SUPPRESSIONS] = [];
  return holder[SUPPRESSIONS]!;
}

/** Every suppression recorded on `scope` or any of its parents. */
export function inheritedSuppressions(scope: IConstruct): Suppression[] {
  const out: Suppression[] = [];
  for (const s of scope.node.scopes) {
    const holder = s as unknown as { [SUPPRESSIONS]?: Suppression[] };
    for (const sup of holder[SUPPRESSIONS] ?? []) {
      if (!out.some((o) => o.ruleId === sup.ruleId)) out.push(sup);
    }
  }
  return out;
}

import { TerraformStack } from "cdktf";
import { BulwarkStack } from "../modules/core/stack";
import { runRules } from "./engine";
import { configResources } from "./load";
import { Report } from "./model";
import { controlList } from "./report";

/** Runs the resource-level rules over one stack as it will be synthesized. */
export function checkStack(stack: TerraformStack): Report {
  // A BulwarkStack keeps this resolution for the writer that follows: the stack resolves once.
  const json = (stack instanceof BulwarkStack ? stack.toTerraformForSynth() : stack.toTerraform()) as Record<string, unknown>;
  return runRules(configResources(json, stack.node.id), undefined, { scope: "resource" });
}

/**
 * The synth-time gate: `ComplianceGate.of(stack)` adds a validation that runs the same rules
 * as `bulwark check` (resource scope) when the app synthesizes; unsuppressed error findings
 * fail the synth with one line per finding (rule, controls, construct path, message).
 * Account-level rules need every stack and run in `bulwark check` and after the main job.
 */
export class ComplianceGate {
  /** Adds the gate to `stack`; `BulwarkStack` does this itself unless told `withoutComplianceGate`. */
  static of(stack: TerraformStack): void {
    stack.node.addValidation({
      validate: () =>
        checkStack(stack)
          .findings.filter((f) => f.severity === "error" && !f.suppressed)
          .map((f) => `${f.ruleId} [${controlList(f.controls)}] ${f.constructPath ?? f.address}: ${f.message}`),
    });
  }
}

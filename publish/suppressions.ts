import { OutputSpec } from "./spec";

/**
 * Suppressions of a published module, in the one encoding `bulwark check` reads for plain
 * Terraform: entries of `bulwark-suppressions.yaml` (`{ rule, address, reason }`). A module
 * cannot write a file during a plan, nor know the address it is called at, so it returns its
 * entries as the output `bulwark_suppressions` (addresses relative to the module, reasons from
 * the variables that weakened a default); the caller's root prefixes the call's address and
 * writes the file (see `rootSuppressionsHcl`).
 */
export const SUPPRESSIONS_OUTPUT = "bulwark_suppressions";

/** One kind of weakening: a `for` expression or a conditional list of `{ rule, address, reason }`. */
export interface SuppressionSource {
  /** HCL list expression of `{ rule, address, reason }` objects. */
  readonly hcl: string;
}

/** A single entry present when `when` holds. */
export function suppressionWhen(when: string, rule: string, address: string, reason: string): string {
  return `${when} ? [{ rule = "${rule}", address = ${JSON.stringify(address)}, reason = ${reason} }] : []`;
}

export function suppressionsOutput(lists: readonly string[]): OutputSpec {
  return {
    name: SUPPRESSIONS_OUTPUT,
    value: `concat(${lists.map((l) => `\n    ${l},`).join("")}\n  )`,
    description:
      "Entries for bulwark-suppressions.yaml ({ rule, address, reason }, address relative to this module): every secure default this call weakens, with its reason. Prefix the module address and write them next to the configuration so bulwark check reports the findings as suppressed.",
  };
}

/**
 * The root-module output that collects the `bulwark_suppressions` of module calls with their
 * addresses, as the YAML of `bulwark-suppressions.yaml`. After `terraform plan -out=tfplan`:
 * `terraform show -json tfplan | jq -r '.planned_values.outputs.bulwark_suppressions.value' > bulwark-suppressions.yaml`.
 */
export function rootSuppressionsHcl(calls: readonly string[]): string {
  return `# bulwark check reads suppressions from bulwark-suppressions.yaml next to the plan: write this output there
# (terraform show -json tfplan | jq -r '.planned_values.outputs.bulwark_suppressions.value' > bulwark-suppressions.yaml)
output "bulwark_suppressions" {
  description = "bulwark-suppressions.yaml: the secure defaults these module calls weaken, with their reasons"
  value = yamlencode(concat(${calls.map((c) => `\n    [for s in module.${c}.bulwark_suppressions : merge(s, { address = "module.${c}.\${s.address}" })],`).join("")}
  ))
}`;
}

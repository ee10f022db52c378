import { RuleFinding, TfResource } from "./model";
import { bool, describe, isSet, isUnknown } from "./values";

/**
 * Turning a three-valued reading into a finding: a rule that needs an argument set (or true)
 * fails when it is not, passes when it is, and is unverifiable when the value is not known.
 */
export function mustBeSet(resource: TfResource, value: unknown, message: string, name: string): RuleFinding[] {
  const s = isSet(value);
  if (s === true) return [];
  if (isUnknown(s)) return [{ resource, message: `${name} is ${describe(s)}`, unverifiable: s }];
  return [{ resource, message }];
}

export function mustBeTrue(resource: TfResource, value: unknown, message: string, name: string): RuleFinding[] {
  const b = bool(value);
  if (b === true) return [];
  if (isUnknown(b)) return [{ resource, message: `${name} is ${describe(b)}`, unverifiable: b }];
  return [{ resource, message }];
}

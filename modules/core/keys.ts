import { createHash } from "node:crypto";
import { IConstruct } from "constructs";
import { BulwarkValidationError } from "./errors";

/** A value as a name part: every run of characters other than letters and digits becomes one hyphen. */
export function slug(value: string): string {
  return value.replace(/[^A-Za-z0-9]+/g, "-").replace(/^-+|-+$/g, "");
}

/**
 * A resource key made from a value, not from its position in a list, so that reordering the
 * list plans no change: `keyFor("email", "ops@example.com")` is `email-ops-example-com`.
 * Keys longer than a name allows (63) end in a hash of the value instead.
 */
export function keyFor(prefix: string, value: string): string {
  const part = slug(value.toLowerCase());
  const key = part ? `${prefix}-${part}` : prefix;
  if (key.length <= 63) return key;
  const hash = createHash("sha256").update(value, "utf8").digest("hex").slice(0, 8);
  return `${key.slice(0, 54).replace(/-+$/, "")}-${hash}`;
}

/**
 * Keys for every value of a list (key → value, in key order). Refuses a value given twice and
 * two values that make one key, naming the field and both values.
 */
export function keysFor(scope: IConstruct, field: string, prefix: string, values: readonly string[]): Record<string, string> {
  const out = new Map<string, string>();
  for (const value of values) {
    const key = keyFor(prefix, value);
    const other = out.get(key);
    if (other === value) throw new BulwarkValidationError(scope, field, value, "is listed twice");
    if (other !== undefined) throw new BulwarkValidationError(scope, field, value, `makes the same resource key (${key}) as ${JSON.stringify(other)}; list one of them only`);
    out.set(key, value);
  }
  return Object.fromEntries([...out].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

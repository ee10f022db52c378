/**
 * Reading attribute values the same way from cdktf JSON (nested blocks as objects or
 * arrays, booleans sometimes as strings) and from plans (blocks as arrays, unknowns marked).
 */

/** A nested block as a list, whatever form it took. */
export function blocks(value: unknown): Record<string, any>[] {
  if (Array.isArray(value)) return value.filter((v) => v && typeof v === "object");
  if (value && typeof value === "object") return [value as Record<string, any>];
  return [];
}

export function first(value: unknown): Record<string, any> | undefined {
  return blocks(value)[0];
}

/** true / "true"; a reference or an unknown counts as not known to be false. */
export function isTrue(value: unknown): boolean {
  return value === true || value === "true";
}

export function isFalse(value: unknown): boolean {
  return value === false || value === "false";
}

/** A value that is set: a non-empty string (a literal, a `${...}` reference, or UNKNOWN in plans) or a non-empty list. */
export function isSet(value: unknown): boolean {
  if (typeof value === "string") return value.trim() !== "";
  if (Array.isArray(value)) return value.length > 0;
  return value !== undefined && value !== null;
}

export function asNumber(value: unknown): number | undefined {
  if (typeof value === "number") return value;
  if (typeof value === "string" && /^-?\d+$/.test(value)) return Number(value);
  return undefined;
}

/** Parses a policy document when it is literal JSON (references may stand in string values). */
export function parsePolicy(value: unknown): { Statement: Record<string, any>[] } | undefined {
  if (typeof value !== "string") return undefined;
  try {
    const doc = JSON.parse(value);
    const st = doc?.Statement;
    return { Statement: Array.isArray(st) ? st : st ? [st] : [] };
  } catch {
    return undefined;
  }
}

export function asList(value: unknown): unknown[] {
  return Array.isArray(value) ? value : value === undefined || value === null ? [] : [value];
}

export const WORLD = ["0.0.0.0/0", "::/0"];

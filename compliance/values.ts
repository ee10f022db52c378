/**
 * Values as the rules see them: known (a literal from the configuration or the plan) or
 * Unknown (a reference, a variable, a function call, or a value Terraform learns only at apply).
 * Readers turn every unresolved value into an Unknown, so no rule mistakes the text of an
 * expression, or a marker string, for the value itself.
 */

const BRAND = Symbol.for("bulwark.unknown");

/** A value Terraform does not know while planning, or that this input does not say. */
export interface Unknown {
  /** Marks the object as an Unknown, so no JSON value from the input can pass for one. */
  readonly [BRAND]: true;
  /** What stands for the value: the expression (`${var.cidr}`), or "known after apply". */
  readonly why: string;
  /**
   * Whether the configuration sets the argument: an Optional+Computed argument the
   * configuration leaves out (or sets to null) is unknown in a plan too, but is the provider's
   * (or AWS's) choice. Undefined when the input cannot tell (a plan does not describe the
   * contents of `dynamic` blocks).
   */
  readonly set?: boolean;
}

/** An Unknown; `set` defaults to true (an expression the configuration gives), and may be passed as undefined. */
export function unknown(why: string, ...set: [boolean | undefined] | []): Unknown {
  return { [BRAND]: true, why, set: set.length ? set[0] : true } as Unknown;
}

/** Is the value an Unknown (as opposed to a known value, `undefined` included)? */
export function isUnknown(value: unknown): value is Unknown {
  return typeof value === "object" && value !== null && (value as { [BRAND]?: boolean })[BRAND] === true;
}

/** How an Unknown reads in a message: `${var.cidr}`, or `(known after apply)`. */
export function describe(value: unknown): string {
  // The whole expression is kept (rules read it: user data templates); a message shows its start.
  if (isUnknown(value)) return value.why.startsWith("${") ? (value.why.length > 160 ? `${value.why.slice(0, 157)}...` : value.why) : `(${value.why})`;
  if (value === undefined || value === null) return "unset";
  return typeof value === "string" ? JSON.stringify(value) : JSON.stringify(value) ?? String(value);
}

/** A nested block as a list, whatever form it took ([] and absent are no blocks). */
export function blocks(value: unknown): Record<string, any>[] | Unknown {
  if (isUnknown(value)) return value;
  if (Array.isArray(value)) return value.filter((v) => v && typeof v === "object" && !isUnknown(v));
  if (value && typeof value === "object") return [value as Record<string, any>];
  return [];
}

/** Blocks, with an unknown list read as none (for rules that judge what is there). */
export function knownBlocks(value: unknown): Record<string, any>[] {
  const b = blocks(value);
  return isUnknown(b) ? [] : b;
}

/** The first block; undefined when there is none. */
export function first(value: unknown): Record<string, any> | undefined | Unknown {
  const b = blocks(value);
  if (isUnknown(b)) return b;
  return b[0];
}

/** An attribute of a block that may itself be unknown or absent. */
export function attr(block: Record<string, any> | undefined | Unknown, name: string): unknown {
  if (isUnknown(block)) return block;
  return block?.[name];
}

/** true / false (also as "true"/"false"), undefined when unset, Unknown when not known. */
export function bool(value: unknown): boolean | undefined | Unknown {
  if (isUnknown(value)) return value;
  if (value === true || value === "true") return true;
  if (value === false || value === "false") return false;
  return undefined;
}

/** Known to be true (`true` or `"true"`); false when false, unset or unknown. */
export function isTrue(value: unknown): boolean {
  return bool(value) === true;
}

/** Known to be false (`false` or `"false"`); false when true, unset or unknown. */
export function isFalse(value: unknown): boolean {
  return bool(value) === false;
}

/**
 * Is the argument set? Empty strings and lists are not; an Unknown is when the configuration
 * gives it a value, is not when the provider computes it, and stays unknown when the input
 * cannot tell.
 */
export function isSet(value: unknown): boolean | Unknown {
  if (isUnknown(value)) return value.set === undefined ? value : value.set;
  if (typeof value === "string") return value.trim() !== "";
  if (Array.isArray(value)) return value.length > 0;
  return value !== undefined && value !== null;
}

/** A number (also from a string of digits), undefined when unset or not a number, Unknown when not known. */
export function num(value: unknown): number | undefined | Unknown {
  if (isUnknown(value)) return value;
  if (typeof value === "number" && Number.isFinite(value)) return value;
  if (typeof value === "string" && /^-?\d+$/.test(value.trim())) return Number(value);
  return undefined;
}

/** A string (numbers and booleans as text), undefined when unset or not a scalar, Unknown when not known. */
export function str(value: unknown): string | undefined | Unknown {
  if (isUnknown(value)) return value;
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return undefined;
}

/** A list argument: a list, one value, none; Unknown when the list itself is not known. */
export function list(value: unknown): unknown[] | Unknown {
  if (isUnknown(value)) return value;
  return Array.isArray(value) ? value : value === undefined || value === null ? [] : [value];
}

/** A list argument as `list` reads it, with an unknown list read as empty (for rules that judge what is there). */
export function asList(value: unknown): unknown[] {
  const l = list(value);
  return isUnknown(l) ? [] : l;
}

/** Parses a policy document when it is literal JSON. */
export function parsePolicy(value: unknown):
  | {
      /** The statements; a single statement object is wrapped in a list. */
      Statement: Record<string, any>[];
    }
  | undefined {
  if (typeof value !== "string") return undefined;
  try {
    const doc = JSON.parse(value);
    const st = doc?.Statement;
    return { Statement: Array.isArray(st) ? st : st ? [st] : [] };
  } catch {
    return undefined;
  }
}

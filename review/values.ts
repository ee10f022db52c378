/** Rendering and comparing Terraform values for review. */
import { describe, isUnknown } from "../compliance/checker";

/** JSON with every Unknown written as what stands for it (`${aws_security_group.web.id}`, `(known after apply)`). */
function json(value: unknown): string | undefined {
  return JSON.stringify(value, (_k, v) => (isUnknown(v) ? describe(v) : v));
}

/** Renders a value for review: short JSON, long values cut (before any escaping: rendered text is never sliced). */
export function show(value: unknown): string {
  if (value === undefined) return "(none)";
  if (isUnknown(value)) return describe(value);
  const text = json(value) ?? String(value);
  return text.length > 200 ? `${text.slice(0, 197)}...` : text;
}

/** Flattens nested values to `a.b[0].c` paths (lists of blocks included). */
export function flatten(value: unknown, prefix = "", out: Record<string, unknown> = {}): Record<string, unknown> {
  if (isUnknown(value)) {
    if (prefix) out[prefix] = value;
  } else if (Array.isArray(value)) {
    if (value.length === 0 || value.every((v) => v === null || typeof v !== "object" || isUnknown(v))) out[prefix] = value;
    else value.forEach((v, i) => flatten(v, `${prefix}[${i}]`, out));
  } else if (value && typeof value === "object") {
    const entries = Object.entries(value);
    if (entries.length === 0 && prefix) out[prefix] = value;
    for (const [k, v] of entries) flatten(v, prefix ? `${prefix}.${k}` : k, out);
  } else if (prefix) {
    out[prefix] = value;
  }
  return out;
}

/** JSON with object keys sorted: equal values give equal text. */
export function stable(value: unknown): string {
  return JSON.stringify(value, (_k, v) => (v && typeof v === "object" && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : v));
}

/**
 * The value at a dotted path, taking the first element of any list on the way: cdktf writes
 * a single nested block as an object, a plan as a one-element list.
 */
export function at(values: unknown, dotted: string): unknown {
  let v: unknown = values;
  for (const key of dotted.split(".")) {
    while (Array.isArray(v)) v = v[0];
    if (!v || typeof v !== "object") return undefined;
    v = (v as Record<string, unknown>)[key];
  }
  return v;
}

/** Terraform JSON writes booleans as booleans or as strings. */
export function isTrue(v: unknown): boolean {
  return v === true || v === "true";
}

/** A policy document (IAM, bucket, key, topic policy: a JSON string with a `Statement`), pretty-printed; undefined for anything else. */
export function prettyPolicy(value: unknown): string | undefined {
  if (typeof value !== "string" || !value.trimStart().startsWith("{") || !value.includes("Statement")) return undefined;
  try {
    const doc = JSON.parse(value) as unknown;
    return doc && typeof doc === "object" && "Statement" in doc ? JSON.stringify(doc, null, 2) : undefined;
  } catch {
    return undefined;
  }
}

/** The `policy` of an attribute change, when either side holds a policy document. */
export function policyOf(before: unknown, after: unknown): { policy: { before?: string; after?: string } } | Record<string, never> {
  const b = prettyPolicy(before);
  const a = prettyPolicy(after);
  return b || a ? { policy: { ...(b ? { before: b } : {}), ...(a ? { after: a } : {}) } } : {};
}

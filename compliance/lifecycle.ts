import { TfResource } from "./model";
import { isObject } from "./read/json";
import { asList, isUnknown } from "./values";

/**
 * A resource's `lifecycle` settings as a configuration writes them (Terraform JSON, cdktf's
 * output). A plan does not carry them: they are read from configurations only.
 */
export interface Lifecycle {
  /** `ignore_changes`: attribute paths (`launch_template`, `tags["x"]`), or "all". */
  readonly ignoreChanges: readonly string[] | "all";
  /** `replace_triggered_by`: the references, as written. */
  readonly replaceTriggeredBy: readonly string[];
  readonly createBeforeDestroy: boolean;
  readonly preventDestroy: boolean;
}

/** A reference as written, with or without `${...}` around it. */
function bare(v: unknown): string | undefined {
  const s = typeof v === "string" ? v : isUnknown(v) ? v.why : undefined;
  return s?.replace(/^\$\{(.*)\}$/s, "$1").trim();
}

/** The lifecycle block of a resource (one block, or the first of a list). */
export function lifecycleOf(r: Pick<TfResource, "values">): Lifecycle {
  const raw = r.values.lifecycle;
  const block = Array.isArray(raw) ? raw[0] : raw;
  const l = isObject(block) ? block : {};
  const ignore = l.ignore_changes;
  const ignoreAll = bare(ignore) === "all" || (Array.isArray(ignore) && ignore.some((x) => bare(x) === "all"));
  return {
    ignoreChanges: ignoreAll ? "all" : asList(ignore).map(bare).filter((x): x is string => !!x),
    replaceTriggeredBy: asList(l.replace_triggered_by).map(bare).filter((x): x is string => !!x),
    createBeforeDestroy: l.create_before_destroy === true || l.create_before_destroy === "true",
    preventDestroy: l.prevent_destroy === true || l.prevent_destroy === "true",
  };
}

/** Does `ignore_changes` cover the attribute (itself, a path into it, or all)? */
export function ignoresChanges(l: Lifecycle, attribute: string): string | undefined {
  if (l.ignoreChanges === "all") return "all";
  return l.ignoreChanges.find((p) => p === attribute || p.startsWith(`${attribute}[`) || p.startsWith(`${attribute}.`));
}

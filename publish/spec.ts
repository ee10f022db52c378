/**
 * A published module as data: its variables (with validation), outputs, resources in HCL, a
 * usage example and terraform tests. The writer turns it into a registry-layout folder.
 */
export interface Validation {
  /** HCL condition; `var.<name>` is the variable. */
  readonly condition: string;
  readonly message: string;
}

export interface VariableSpec {
  readonly name: string;
  /** HCL type expression, e.g. `string`, `map(object({ ... }))`. */
  readonly type: string;
  readonly description: string;
  /** HCL expression of the default; undefined = required. */
  readonly default?: string;
  readonly validations?: readonly Validation[];
}

export interface OutputSpec {
  readonly name: string;
  readonly value: string;
  readonly description: string;
}

export interface ModuleSpec {
  readonly name: string;
  readonly title: string;
  /** One paragraph: what it is. */
  readonly summary: string;
  /** Bullet list of secure defaults. */
  readonly secureDefaults: readonly string[];
  /** Control ids covered. */
  readonly controls: readonly string[];
  readonly variables: readonly VariableSpec[];
  readonly outputs: readonly OutputSpec[];
  /** main.tf body (HCL). */
  readonly main: string;
  /** The module block of examples/basic (HCL), with `source = "../.."`. */
  readonly example: string;
  /** tests/*.tftest.hcl by file name. */
  readonly tests: Readonly<Record<string, string>>;
  /** Other published modules this one calls by relative source. */
  readonly uses?: readonly string[];
}

/** An HCL string literal: quotes, backslashes and template sequences escaped. */
export function hclString(text: string): string {
  return JSON.stringify(text).replace(/\$\{/g, "$${").replace(/%\{/g, "%%{");
}

/** A Go/RE2 regex literal for `regex()` from a JavaScript RegExp (no lookaround in the source). */
export function hclRegex(re: RegExp): string {
  if (/\(\?[=!<]/.test(re.source)) throw new Error(`regex ${re} uses lookaround, which Terraform's RE2 cannot run`);
  return hclString(re.source);
}

/** `alltrue([...])`-style validation that every element matches a regex, nulls allowed when `nullable`. */
export function matches(expr: string, re: RegExp): string {
  return `can(regex(${hclRegex(re)}, ${expr}))`;
}

import { KMS_KEY_ARN_PATTERN } from "../modules/core/validate";

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
  /**
   * Where the module cannot do what the construct does (a check HCL cannot express, an input it
   * lacks): the README lists these under "Deliberate difference from the construct".
   */
  readonly differences?: readonly string[];
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
  /** Provider aliases the caller passes in (`configuration_aliases`), e.g. a second region. */
  readonly providerAliases?: readonly string[];
}

/** An HCL string literal: quotes, backslashes and template sequences escaped. */
export function hclString(text: string): string {
  // Function replacements: in a replacement string "$$" would mean one "$".
  return JSON.stringify(text).replace(/\$\{/g, () => "$${").replace(/%\{/g, () => "%%{");
}

/**
 * A JavaScript value as an HCL expression (objects with `key = value`, lists, strings quoted).
 * `refs` maps placeholder text inside strings to HCL expressions interpolated in their place, so
 * a value built by a construct's TypeScript with a placeholder for, say, the name renders with
 * `\${var.name}` there.
 */
export function hclValue(value: unknown, refs: Readonly<Record<string, string>> = {}): string {
  if (typeof value === "string") return interpolate(hclString(value), refs);
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (value === null || value === undefined) return "null";
  if (Array.isArray(value)) return `[${value.map((v) => hclValue(v, refs)).join(", ")}]`;
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length === 0) return "{}";
  return `{ ${entries.map(([k, v]) => `${/^[A-Za-z_][A-Za-z0-9_-]*$/.test(k) ? k : JSON.stringify(k)} = ${hclValue(v, refs)}`).join(", ")} }`;
}

/** Replaces each placeholder of an escaped HCL string or heredoc with `\${expression}`. */
function interpolate(escaped: string, refs: Readonly<Record<string, string>>): string {
  let out = escaped;
  for (const [placeholder, expr] of Object.entries(refs)) out = out.split(placeholder).join(`\${${expr}}`);
  return out;
}

/**
 * Text as an HCL heredoc (`<<-EOT`, indented by `indent` spaces), template sequences escaped and
 * placeholders of `refs` interpolated. Text without a final newline is wrapped in `chomp()`, as a
 * heredoc always ends with one.
 */
export function hclHeredoc(text: string, refs: Readonly<Record<string, string>> = {}, indent = 4): string {
  if (/\n\s*EOT\s*(\n|$)/.test(`\n${text}`)) throw new Error("text holds a line EOT, which would end the heredoc");
  const pad = " ".repeat(indent + 2);
  const body = interpolate(text.replace(/\$\{/g, () => "$${").replace(/%\{/g, () => "%%{"), refs).replace(/\n$/, "").split("\n").map((l) => (l ? `${pad}${l}` : "")).join("\n");
  const heredoc = `<<-EOT\n${body}\n${" ".repeat(indent)}EOT`;
  // The closing marker must stand alone on its line.
  return text.endsWith("\n") ? heredoc : `chomp(${heredoc}\n${" ".repeat(Math.max(indent - 2, 0))})`;
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

/** `account_id`: literal account facts keep plans offline; null looks them up. */
export const ACCOUNT_ID_VARIABLE: VariableSpec = {
  name: "account_id",
  type: "string",
  description: "AWS account id for policies; null looks it up with aws_caller_identity (which needs credentials at plan time).",
  default: "null",
  validations: [{ condition: 'var.account_id == null ? true : can(regex("^[0-9]{12}$", var.account_id))', message: "account_id must be 12 digits." }],
};

/** `create_kms_key` and `kms_key_arn`: a module creates its key unless told to use one (a known bool drives `count`). */
export function kmsKeyVariables(what: string): VariableSpec[] {
  return [
    { name: "create_kms_key", type: "bool", description: "Create a customer-managed key for this module; false uses kms_key_arn.", default: "true" },
    {
      name: "kms_key_arn",
      type: "string",
      description: `Key ${what} when create_kms_key is false.`,
      default: "null",
      validations: [{ condition: `var.kms_key_arn == null ? true : can(regex(${hclRegex(KMS_KEY_ARN_PATTERN)}, var.kms_key_arn))`, message: "kms_key_arn must be a KMS key ARN." }],
    },
  ];
}

/**
 * The module's key: its own (the kms-key module's output) or the caller's. Written out where it
 * is used rather than kept in a local: a plan's JSON holds no locals, so `bulwark check` follows a
 * reference through the kms-key module's output to the key but cannot see through a local (it
 * would judge the encryption rules *unverifiable* on the module's plan).
 */
export const KMS_KEY_ARN_EXPR = "(var.create_kms_key ? module.kms_key[0].key_arn : var.kms_key_arn)";

/**
 * The call of the kms-key module a module makes when `create_kms_key` is true (and `also`, an HCL
 * condition, holds: the network module needs a key only for flow logs to CloudWatch Logs).
 */
export function kmsKeyModuleCall(alias: string, services: readonly string[], also?: string): string {
  return `module "kms_key" {
  source = "../kms-key"
  count  = var.create_kms_key${also ? ` && ${also}` : ""} ? 1 : 0

  account_id = var.account_id
  alias      = "${alias}"
  services   = ${JSON.stringify(services).replace(/,/g, ", ")}
  tags       = var.tags
}`;
}

/**
 * An IAM role a service assumes, as HCL (`resource "aws_iam_role" "<id>"`). Extra lines (such as
 * `permissions_boundary`) go before the trust policy.
 */
export function hclServiceRole(id: string, name: string, description: string, service: string, extra: string[] = []): string {
  return [
    `resource "aws_iam_role" "${id}" {`,
    `  name        = ${name}`,
    `  description = ${description}`,
    ...extra.map((l) => `  ${l}`),
    "  assume_role_policy = jsonencode({",
    '    Version   = "2012-10-17"',
    `    Statement = [{ Sid = "AssumeByService", Effect = "Allow", Principal = { Service = "${service}" }, Action = "sts:AssumeRole" }]`,
    "  })",
    "  tags = var.tags",
    "}",
  ].join("\n");
}

/** Looks the account id up only when `account_id` is null (the lookup needs credentials at plan time). */
export const CALLER_IDENTITY_HCL = `data "aws_caller_identity" "current" {
  count = var.account_id == null ? 1 : 0
}`;
/** The account: `var.account_id`, else the caller's (the data source above exists only then). */
export const ACCOUNT_ID_EXPR = "var.account_id != null ? var.account_id : data.aws_caller_identity.current[0].account_id";

/**
 * The README line for the constructs' `preventDestroy`, which no module variable can carry:
 * Terraform accepts only literal values in a `lifecycle` block.
 */
export function preventDestroyNote(what: string): string {
  return `Deliberate difference from the construct: the construct's \`preventDestroy\` (\`lifecycle { prevent_destroy = true }\` on ${what}) has no input here, because Terraform accepts only literal values in \`lifecycle\`; a plan cannot show it either way. Guard the module's resources from deletion in the caller (a reviewed plan with \`bulwark diff --fail-on delete\`, an SCP).`;
}

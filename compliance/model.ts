/**
 * The rule engine's model: resources read from Terraform JSON (cdktf output, plain
 * `*.tf.json`, or `terraform show -json` plans), rules, findings.
 */

export type Severity = "error" | "warning";

/** Public control ids a rule covers (shared/controls.md). */
export interface Controls {
  readonly securityHub?: string[];
  readonly cis?: string[];
  readonly checkov?: string[];
  readonly trivy?: string[];
}

/** One resource (or data source) with its values. */
export interface TfResource {
  /** Stack name (cdktf stack, or the configuration's directory/file name). */
  readonly stack: string;
  readonly mode: "managed" | "data";
  readonly type: string;
  readonly name: string;
  /** Terraform address (`aws_vpc.main`, `module.x.aws_vpc.main`, `data.aws_x.y`). */
  readonly address: string;
  /**
   * Attribute values. In configurations, references stay as `${type.name.attr}` strings; in
   * plans, values unknown until apply are the string UNKNOWN.
   */
  readonly values: Record<string, any>;
  /** Addresses this resource's top-level attributes refer to, by attribute. */
  readonly refs: Record<string, string[]>;
  /** cdktf construct path, when the input carries it. */
  readonly constructPath?: string;
  /** Suppressions recorded on the resource (cdktf metadata or a suppression file). */
  readonly suppressions: { ruleId: string; reason: string }[];
  /**
   * The account and region the stack deploys to (`111111111111/eu-west-1`), from its default
   * AWS provider, when the input says; account-level rules are judged per account and region.
   */
  readonly account?: string;
}

/** Marker for a value Terraform will only know after apply. */
export const UNKNOWN = "(known after apply)";

/** What a rule sees: every resource of one check run, indexed. */
export interface RuleContext {
  readonly resources: readonly TfResource[];
  ofType(type: string): TfResource[];
  /** Resources of `type` whose attribute `attr` refers to `target` (by reference or by known id). */
  referencing(type: string, attr: string, target: TfResource): TfResource[];
  /** The resources an attribute refers to. */
  referenced(res: TfResource, attr: string): TfResource[];
  /** Stacks of this run (for account-level rules). */
  readonly stacks: readonly string[];
}

export interface RuleFinding {
  /** The resource at fault; account-level findings name a stack instead. */
  readonly resource?: TfResource;
  readonly stack?: string;
  readonly message: string;
  /** The controls this finding concerns, when narrower than the rule's. */
  readonly controls?: Controls;
}

/** A minimal Terraform JSON configuration used as a rule's fixture. */
export type TfJsonFixture = Record<string, unknown>;

export interface Rule {
  /** Stable kebab-case id; suppressions and reports use it. */
  readonly id: string;
  readonly title: string;
  readonly severity: Severity;
  readonly controls: Controls;
  /** Why the rule exists (help text). */
  readonly rationale: string;
  /** How to fix a finding. */
  readonly remediation: string;
  /** `resource`: judged per resource; `account`: judged across every stack of a run. */
  readonly scope: "resource" | "account";
  readonly check: (ctx: RuleContext) => RuleFinding[];
  /** A configuration that passes and one that fails, used by the tests and the docs. */
  readonly fixtures: { readonly pass: TfJsonFixture; readonly fail: TfJsonFixture };
}

export interface Finding {
  readonly ruleId: string;
  readonly controls: Controls;
  /**
   * `unverifiable`: the rule could not decide (a value unknown until apply, a variable or data
   * source, or input that does not say); never counted as a pass.
   */
  readonly severity: Severity | "unverifiable";
  readonly stack: string;
  readonly address: string;
  readonly constructPath?: string;
  readonly message: string;
  /**
   * What on the resource the finding is about when a rule can find several (a block device, a
   * rule's port range); with ruleId, stack and address it is the finding's identity. The message
   * is free text and not part of it.
   */
  readonly subject?: string;
  readonly suppressed: boolean;
  readonly suppressionReason?: string;
}

export interface Report {
  readonly findings: Finding[];
  readonly summary: { errors: number; warnings: number; suppressed: number };
}

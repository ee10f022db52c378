/**
 * The rule engine's model: resources read from Terraform JSON (cdktf output, plain
 * `*.tf.json` with override files merged, or `terraform show -json` plans), rules, findings.
 */
import type { Unknown } from "./values";

/** How bad a rule's finding is: an `error` fails `bulwark check` and the synth-time gate, a `warning` is reported only. */
export type Severity = "error" | "warning";

/** Public control ids a rule covers (shared/controls.md). */
export interface Controls {
  /** AWS Security Hub (Foundational Security Best Practices) control ids, e.g. `EC2.8`. */
  readonly securityHub?: string[];
  /** CIS AWS Foundations Benchmark sections, e.g. `5.7`. */
  readonly cis?: string[];
  /** Checkov check ids, e.g. `CKV_AWS_79`. */
  readonly checkov?: string[];
  /** Trivy (defsec) check ids, e.g. `AVD-AWS-0130`. */
  readonly trivy?: string[];
}

/** A suppression: a rule knowingly not met, and why. */
export interface SuppressionRecord {
  /** Id of the rule not met. */
  readonly ruleId: string;
  /** Why it is acceptable; reports show it beside the suppressed finding. */
  readonly reason: string;
}

/** One resource instance (or data source) with its values. */
export interface TfResource {
  /** Stack name (cdktf stack, or the configuration's directory/file name). */
  readonly stack: string;
  /** `managed` for a resource, `data` for a data source. */
  readonly mode: "managed" | "data";
  /** Resource type, e.g. `aws_launch_template`. */
  readonly type: string;
  /** Resource name within its module, e.g. `app_template`. */
  readonly name: string;
  /**
   * Full instance address (`aws_vpc.main`, `module.net["a"].aws_vpc.this[0]`, `data.aws_x.y`).
   * Configurations are not expanded: a block with count or for_each is one resource.
   */
  readonly address: string;
  /** The module instance holding it (`module.net["a"]`), "" at the root. */
  readonly module: string;
  /**
   * Attribute values. Anything not known while reading (a `${...}` expression, a value known
   * only after apply) is an Unknown (values.ts), never a marker string.
   */
  readonly values: Record<string, any>;
  /** Full addresses of the resources each top-level attribute refers to. */
  readonly refs: Record<string, string[]>;
  /**
   * Top-level attributes whose references could not be followed to a resource (a local, a
   * module output, an ambiguous instance): they may refer to anything, and joins say so.
   */
  readonly opaque: ReadonlySet<string>;
  /**
   * For opaque attributes: the resources their references do reach, where only locals (which a
   * plan does not carry) stopped the rest (`local.enabled ? aws_s3_bucket.this[0].id : null`
   * through module outputs). Never a join by itself: a rule that uses it says so.
   */
  readonly partialRefs?: Record<string, string[]>;
  /** cdktf construct path, when the input carries it. */
  readonly constructPath?: string;
  /** Suppressions recorded on the resource (cdktf metadata). */
  readonly suppressions: readonly SuppressionRecord[];
  /**
   * The account and region the stack deploys to (`111111111111/eu-west-1`), from its default
   * AWS provider, when the input says; account-level rules are judged per account and region.
   */
  readonly account?: string;
  /** The file it was read from. */
  readonly file?: string;
  /**
   * User data a plan does not show as text (aws_instance, spot requests and launch
   * configurations store a SHA-1 of it; a launch template's may be known only after apply),
   * read from the plan's configuration and variables instead. Absent for configurations, and for
   * plans that show the text.
   */
  readonly userData?: UserDataSource;
}

/** A known text and where it was read (`the configuration`, `var.boot_script (argument script of module.app)`). */
export interface SourcedText {
  /** The text. */
  readonly text: string;
  /** Where it was read. */
  readonly from: string;
  /**
   * The names the text is the whole value of, innermost first: the variable a module reads it as
   * and the variables or arguments it was passed through (`password` for `var.password`). A secret
   * name makes the value a secret whatever text surrounds it.
   */
  readonly names?: readonly string[];
}

/** Where the user data of a plan's resource was read from (TfResource.userData). */
export type UserDataSource = UserDataText | UserDataHidden;

/** User data read as text: proven by the plan's hash when there is one. */
export interface UserDataText extends SourcedText {
  /** Discriminates the source. */
  readonly kind: "text";
}

/** User data the input does not show. */
export interface UserDataHidden {
  /** Discriminates the source. */
  readonly kind: "unverifiable";
  /** What hides it: a function call, a local, a file, a value known only after apply. */
  readonly why: string;
  /** The known values the configuration builds it from (variables, constants). */
  readonly inputs: readonly SourcedText[];
}

/** Part of the input that was not read, so cannot have been judged. */
export interface InputGap {
  /** The stack the unread part belongs to. */
  readonly stack: string;
  /** The file (or `file: module.x`) not read. */
  readonly address: string;
  /** Why it was not read, shown as the `input-not-read` finding's message. */
  readonly message: string;
}

/** What a rule sees: every resource of one check run, indexed. */
export interface RuleContext {
  /** Every resource of the run, of every stack. */
  readonly resources: readonly TfResource[];
  /** Managed resources of one type (`aws_security_group`), data sources left out. */
  ofType(type: string): TfResource[];
  /** Resources of `type` whose attribute `attr` refers to `target` (by full address, or by a known id). */
  referencing(type: string, attr: string, target: TfResource): TfResource[];
  /** Resources of `type` whose `attr` might refer to `target`: its references could not be followed or its value is unknown. */
  mayReference(type: string, attr: string, target: TfResource): TfResource[];
  /** The resources an attribute refers to. */
  referenced(res: TfResource, attr: string): TfResource[];
  /** Does the attribute refer to something this input cannot follow (so `referenced` may be incomplete)? */
  isOpaque(res: TfResource, attr: string): boolean;
  /** Resources whose known id, ARN or name is `value` (literal ids and names in configurations, ids in state). */
  named(value: string): TfResource[];
  /** The resource at a full address in a stack. */
  at(stack: string, address: string): TfResource | undefined;
  /** Stacks of this run (for account-level rules). */
  readonly stacks: readonly string[];
  /** Settings of this run (authorized ports, …). */
  readonly settings: CheckSettings;
  /** Memoized per-run models (typed families built once and shared by rules). */
  memo<T>(key: string, build: () => T): T;
}

/** Settings of a check run that change what rules accept. */
export interface CheckSettings {
  /** Ports that may be open to the internet (Security Hub EC2.18). @default [80, 443] */
  readonly authorizedPorts: readonly number[];
}

/** The settings `bulwark check` uses when none are given. */
export const DEFAULT_SETTINGS: CheckSettings = { authorizedPorts: [80, 443] };

/** What a rule's `check` returns for each problem; the engine adds the rule id, severity and suppressions. */
export interface RuleFinding {
  /** The resource at fault; account-level findings name none. */
  readonly resource?: TfResource;
  /** What is wrong and, where short, how to fix it: one line. */
  readonly message: string;
  /** What on the resource (a block device, a rule); part of the finding's identity. */
  readonly subject?: string;
  /** The controls this finding concerns, when narrower than the rule's. */
  readonly controls?: Controls;
  /** The rule could not decide: `message` says what was unknown. */
  readonly unverifiable?: Unknown | true;
  /** A finding less severe than the rule's own (a placeholder where a secret would go is a `warning`). */
  readonly severity?: Severity;
}

/** A minimal Terraform JSON configuration used as a rule's fixture. */
export type TfJsonFixture = Record<string, unknown>;

/** What a rule judges: each `resource` on its own, or an `account` and region across all its stacks. */
export type Scope = "resource" | "account";

/** A compliance rule: one file under compliance/rules, listed in `ALL_RULES`. */
export interface Rule {
  /** Stable kebab-case id; suppressions and reports use it. */
  readonly id: string;
  /** What the rule requires, in a few words (SARIF's short description). */
  readonly title: string;
  /** Severity of its findings (a finding the rule cannot decide is `unverifiable` instead). */
  readonly severity: Severity;
  /** The public controls it implements. */
  readonly controls: Controls;
  /** Why the rule exists (help text). */
  readonly rationale: string;
  /** How to fix a finding. */
  readonly remediation: string;
  /** `resource`: judged per resource; `account`: judged across every stack of an account and region. */
  readonly scope: Scope;
  /** Judges the run's resources; returns one finding per problem, none when all is well. */
  readonly check: (ctx: RuleContext) => RuleFinding[];
  /** A configuration that passes and one that fails, used by the tests and the docs. */
  readonly fixtures: {
    /** A configuration with no finding of this rule. */
    readonly pass: TfJsonFixture;
    /** A configuration with at least one. */
    readonly fail: TfJsonFixture;
  };
}

/** One finding of a check run, as every report format renders it. */
export interface Finding {
  /** Id of the rule that found it (or `input-not-read`). */
  readonly ruleId: string;
  /** Controls it concerns: the rule's, or narrower ones the finding names. */
  readonly controls: Controls;
  /**
   * `unverifiable`: the rule could not decide (a value unknown until apply, a variable or data
   * source, or input that does not say); never counted as a pass.
   */
  readonly severity: Severity | "unverifiable";
  /** Stack the resource belongs to. */
  readonly stack: string;
  /** The resource's full address; account findings: `account/<id>/<region>`; unread input: the file. */
  readonly address: string;
  /** cdktf construct path of the resource, when the input carries it. */
  readonly constructPath?: string;
  /** What is wrong, one line. */
  readonly message: string;
  /**
   * What on the resource the finding is about when a rule can find several (a block device, a
   * rule's port range); with ruleId, stack and address it is the finding's identity. The message
   * is free text and not part of it.
   */
  readonly subject?: string;
  /** The file the resource was read from, when known. */
  readonly file?: string;
  /** The finding is knowingly accepted: a suppression on the resource or in `bulwark-suppressions.yaml` matches it. */
  readonly suppressed: boolean;
  /** The matching suppression's reason. */
  readonly suppressionReason?: string;
}

/** Counts of a check run; suppressed findings count only as suppressed. */
export interface Summary {
  /** Unsuppressed error findings; any makes `bulwark check` exit 1. */
  errors: number;
  /** Unsuppressed warnings. */
  warnings: number;
  /** Unsuppressed findings a rule could not decide; exit 1 only with `--fail-on-unverifiable`. */
  unverifiable: number;
  /** Findings of any severity that a suppression accepts. */
  suppressed: number;
  /** The scopes judged: `resource`, `account`, or both. */
  scopes: Scope[];
}

/** The result of a check run: what `format` renders and `bulwark check` prints. */
export interface Report {
  /** Every finding, suppressed ones included: errors, unverifiable, warnings, then suppressed; each by rule, stack and address. */
  readonly findings: Finding[];
  /** The counts. */
  readonly summary: Summary;
}

/** The pseudo-rule of input that was not read (HCL files, module calls): never judged clean. */
export const INPUT_NOT_READ = "input-not-read";

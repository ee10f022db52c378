import { FileSuppression, suppressionMatches } from "./load";
import { CheckSettings, DEFAULT_SETTINGS, Finding, INPUT_NOT_READ, InputGap, Report, Rule, RuleContext, Scope, TfResource } from "./model";
import { ALL_RULES } from "./rules";
import { isUnknown } from "./values";

/** Identity strings a resource is referred to by when references are plain values: its known id and ARN. */
function identities(r: TfResource): string[] {
  // A bucket is named by its name, a role by its name: both are their ids once created.
  const named = r.type === "aws_s3_bucket" ? [r.values.bucket] : r.type === "aws_iam_role" || r.type === "aws_iam_instance_profile" ? [r.values.name] : [];
  return [r.values.id, r.values.arn, ...named].filter((v): v is string => typeof v === "string" && v !== "");
}

/** Known strings anywhere in an attribute's value (ids given literally, or known in a plan). */
function knownStrings(value: unknown, out: string[] = []): string[] {
  if (typeof value === "string") out.push(value);
  else if (Array.isArray(value)) for (const v of value) knownStrings(v, out);
  else if (value && typeof value === "object" && !isUnknown(value)) for (const v of Object.values(value)) knownStrings(v, out);
  return out;
}

function hasUnknown(value: unknown): boolean {
  if (isUnknown(value)) return true;
  if (Array.isArray(value)) return value.some(hasUnknown);
  if (value && typeof value === "object") return Object.values(value).some(hasUnknown);
  return false;
}

/** Indexes resources for the rules: by type, and by reference (full address or known id). */
export function buildContext(resources: readonly TfResource[], settings: CheckSettings = DEFAULT_SETTINGS): RuleContext {
  const byType = new Map<string, TfResource[]>();
  const byAddress = new Map<string, TfResource>();
  for (const r of resources) {
    if (!byType.has(r.type)) byType.set(r.type, []);
    byType.get(r.type)!.push(r);
    byAddress.set(`${r.stack}\u0000${r.address}`, r);
  }
  const stacks = [...new Set(resources.map((r) => r.stack))].sort();
  // Who refers to what, built once per (type, attribute) a rule asks about: rules that join
  // resources (flow log → VPC, rule → ACL, policy → bucket) stay linear in the input.
  const indexes = new Map<string, { to: Map<string, TfResource[]>; maybe: TfResource[] }>();
  const indexOf = (type: string, attr: string) => {
    const key = `${type}\u0000${attr}`;
    let index = indexes.get(key);
    if (!index) {
      index = { to: new Map(), maybe: [] };
      const add = (k: string, r: TfResource) => {
        const list = index!.to.get(k) ?? index!.to.set(k, []).get(k)!;
        if (!list.includes(r)) list.push(r);
      };
      for (const r of byType.get(type) ?? []) {
        if (r.mode !== "managed") continue;
        for (const a of r.refs[attr] ?? []) add(`${r.stack}\u0000${a}`, r);
        for (const s of knownStrings(r.values[attr])) if (!s.includes("${")) add(`${r.stack}\u0000id:${s}`, r);
        // Might refer to anything: references it could not follow, or a value not yet known with no followed reference.
        if (r.opaque.has(attr) || (hasUnknown(r.values[attr]) && !(r.refs[attr]?.length))) index.maybe.push(r);
      }
      indexes.set(key, index);
    }
    return index;
  };
  const memo = new Map<string, unknown>();
  let names: Map<string, TfResource[]> | undefined;
  return {
    resources,
    stacks,
    settings,
    ofType: (type) => (byType.get(type) ?? []).filter((r) => r.mode === "managed"),
    referencing(type, attr, target) {
      const index = indexOf(type, attr);
      const out = [...(index.to.get(`${target.stack}\u0000${target.address}`) ?? [])];
      for (const id of identities(target)) for (const r of index.to.get(`${target.stack}\u0000id:${id}`) ?? []) if (!out.includes(r)) out.push(r);
      return out;
    },
    mayReference(type, attr, target) {
      return indexOf(type, attr).maybe.filter((r) => r.stack === target.stack && r !== target);
    },
    referenced(res, attr) {
      return (res.refs[attr] ?? []).map((a) => byAddress.get(`${res.stack}\u0000${a}`)).filter((r): r is TfResource => r !== undefined);
    },
    isOpaque: (res, attr) => res.opaque.has(attr),
    named(value) {
      if (!names) {
        names = new Map();
        for (const r of resources) {
          for (const v of [r.values.id, r.values.arn, r.values.name]) {
            if (typeof v !== "string" || v === "") continue;
            const list = names.get(v) ?? names.set(v, []).get(v)!;
            if (!list.includes(r)) list.push(r);
          }
        }
      }
      return names.get(value) ?? [];
    },
    at: (stack, address) => byAddress.get(`${stack}\u0000${address}`),
    memo<T>(key: string, build: () => T): T {
      if (!memo.has(key)) memo.set(key, build());
      return memo.get(key) as T;
    },
  };
}

/** Options of `runRules`. */
export interface RunOptions {
  /** Judge only rules of this scope; both by default. */
  readonly scope?: Scope | "all";
  /** Settings that change what rules accept. @default DEFAULT_SETTINGS */
  readonly settings?: CheckSettings;
  /** Suppressions from `bulwark-suppressions.yaml` files. */
  readonly suppressions?: readonly FileSuppression[];
  /** Input that was not read: reported as unverifiable `input-not-read` findings. */
  readonly gaps?: readonly InputGap[];
  /** A context already built over the same resources (its memoized models are reused). */
  readonly context?: RuleContext;
}

/** The address of an account-level finding: `account/<id>/<region>`, or `account/unknown`. */
export function accountAddress(account: string | undefined): string {
  return account ? `account/${account}` : "account/unknown";
}

/** Runs rules over resources and returns findings (suppressed ones included) and counts. */
export function runRules(resources: readonly TfResource[], rules: readonly Rule[] = ALL_RULES, opts: RunOptions = {}): Report {
  const settings = opts.settings ?? DEFAULT_SETTINGS;
  const scopes: Scope[] = !opts.scope || opts.scope === "all" ? ["resource", "account"] : [opts.scope];
  const ctx = opts.context ?? buildContext(resources, settings);
  // Account-level rules are judged per account and region: stacks that say where they deploy
  // are grouped by it; stacks that do not form one group together.
  const groups = new Map<string | undefined, TfResource[]>();
  for (const r of resources) (groups.get(r.account) ?? groups.set(r.account, []).get(r.account)!).push(r);
  if (groups.size === 0) groups.set(undefined, []);
  const fileSuppressions = opts.suppressions ?? [];
  const findings: Finding[] = [];
  const push = (f: Omit<Finding, "suppressed" | "suppressionReason">, resource?: TfResource) => {
    const own = resource?.suppressions.find((s) => s.ruleId === f.ruleId);
    const fromFile = own ? undefined : fileSuppressions.find((s) => suppressionMatches(s, f.ruleId, f.stack, f.address));
    const reason = own?.reason ?? fromFile?.reason;
    findings.push({ ...f, suppressed: reason !== undefined, ...(reason !== undefined ? { suppressionReason: reason } : {}) });
  };
  for (const rule of rules) {
    if (!scopes.includes(rule.scope)) continue;
    const runs: [RuleContext, string | undefined][] = rule.scope === "account" ? [...groups].map(([account, rs]) => [buildContext(rs, settings), account]) : [[ctx, undefined]];
    for (const [c, account] of runs) {
      for (const f of rule.check(c)) {
        const r = f.resource;
        push(
          {
            ruleId: rule.id,
            controls: f.controls ?? rule.controls,
            severity: f.unverifiable ? "unverifiable" : (f.severity ?? rule.severity),
            stack: r?.stack ?? (c.stacks.join(",") || "(none)"),
            address: r?.address ?? accountAddress(account),
            ...(r?.constructPath ? { constructPath: r.constructPath } : {}),
            message: f.message,
            ...(f.subject !== undefined ? { subject: f.subject } : {}),
            ...(r?.file ? { file: r.file } : {}),
          },
          r,
        );
      }
    }
  }
  for (const gap of opts.gaps ?? []) {
    push({ ruleId: INPUT_NOT_READ, controls: {}, severity: "unverifiable", stack: gap.stack, address: gap.address, message: gap.message });
  }
  const rank = (f: Finding) => (f.suppressed ? 3 : f.severity === "error" ? 0 : f.severity === "unverifiable" ? 1 : 2);
  findings.sort(
    (a, b) =>
      rank(a) - rank(b) ||
      a.ruleId.localeCompare(b.ruleId) ||
      a.stack.localeCompare(b.stack) ||
      a.address.localeCompare(b.address) ||
      (a.subject ?? "").localeCompare(b.subject ?? "") ||
      a.message.localeCompare(b.message),
  );
  const open = findings.filter((f) => !f.suppressed);
  return {
    findings,
    summary: {
      errors: open.filter((f) => f.severity === "error").length,
      warnings: open.filter((f) => f.severity === "warning").length,
      unverifiable: open.filter((f) => f.severity === "unverifiable").length,
      suppressed: findings.length - open.length,
      scopes,
    },
  };
}

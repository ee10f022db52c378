/**
 * IAM as the rules read it: the policies a role holds — inline (`aws_iam_role_policy`, the role's
 * `inline_policy` blocks), customer-managed (`aws_iam_policy` attached by
 * `aws_iam_role_policy_attachment`, `aws_iam_policy_attachment` or `managed_policy_arns`), AWS-managed
 * by ARN — read as statements, and whether together they grant an action: wildcards, `NotAction`,
 * explicit `Deny` and the role's permissions boundary, as IAM evaluates them. A document is read
 * from JSON text, from a configuration's JSON whose strings hold `${...}` expressions, or from the
 * `aws_iam_policy_document` data source it comes from (its `json` when the plan knows it, else its
 * statements).
 */
import { RuleContext, TfResource } from "./model";
import { blocks, describe, isUnknown, list, parsePolicy, unknown, Unknown } from "./values";

/** A value or, where this input does not know it, an Unknown. */
type Val<T> = T | Unknown;

/** One statement, normalized from any of the forms a policy takes. */
export interface Statement {
  /** `Allow` or `Deny`. */
  readonly effect: Val<"Allow" | "Deny">;
  /** `Action` patterns; undefined when the statement uses `NotAction`. */
  readonly actions?: Val<readonly Val<string>[]>;
  /** `NotAction` patterns. */
  readonly notActions?: Val<readonly Val<string>[]>;
  /** `Resource` patterns. */
  readonly resources?: Val<readonly Val<string>[]>;
  /** `NotResource` patterns. */
  readonly notResources?: Val<readonly Val<string>[]>;
  /** Whether it holds a `Condition` (it then applies only to some requests). */
  readonly conditional: Val<boolean>;
}

/** A policy document: its statements, or Unknown when this input does not hold its text. */
export interface PolicyDocument {
  /** Where it comes from: a resource address or a policy ARN. */
  readonly source: string;
  /** Its statements. */
  readonly statements: readonly Statement[] | Unknown;
  /** The AWS-managed policy it is, by name (`AmazonSSMManagedInstanceCore`). */
  readonly awsManaged?: string;
}

// ------------------------------------------------------------------------------ reading

/** A list of patterns as a statement gives it (one string or a list); undefined when absent. */
const patternList = (v: unknown): Val<readonly Val<string>[]> | undefined => {
  if (v === undefined || v === null) return undefined;
  const l = list(v);
  if (isUnknown(l)) return l;
  return l.map((x) => (isUnknown(x) ? x : String(x)));
};

/** A statement of JSON policy text (keys as IAM spells them). */
function jsonStatement(s: Record<string, any>): Statement {
  const effect = isUnknown(s.Effect) ? s.Effect : s.Effect === "Deny" || s.Effect === "Allow" ? s.Effect : undefined;
  // A statement with no valid Effect is refused by IAM: it grants nothing.
  if (effect === undefined) return { effect: "Allow", actions: [], conditional: false };
  const condition = s.Condition;
  return {
    effect,
    ...(s.Action !== undefined ? { actions: patternList(s.Action) } : {}),
    ...(s.NotAction !== undefined ? { notActions: patternList(s.NotAction) } : {}),
    ...(s.Resource !== undefined ? { resources: patternList(s.Resource) } : {}),
    ...(s.NotResource !== undefined ? { notResources: patternList(s.NotResource) } : {}),
    conditional: isUnknown(condition) ? condition : condition !== undefined && condition !== null && Object.keys(condition).length > 0,
  };
}

const MARK = "@@bulwark-expression-";

/**
 * Statements of a JSON text whose strings may hold `${...}` expressions (a configuration's policy
 * written as JSON around references): each string that holds one is Unknown. Undefined when the
 * text is not JSON once the expressions are taken out (an expression outside a string, a template
 * directive).
 */
function templateStatements(text: string): Record<string, any>[] | undefined {
  if (!text.trimStart().startsWith("{") || text.includes("%{") || text.includes("$${")) return undefined;
  const expressions: string[] = [];
  let out = "";
  for (let i = 0; i < text.length; ) {
    if (text.startsWith("${", i)) {
      let depth = 0;
      let j = i + 1;
      for (; j < text.length; j++) {
        if (text[j] === "{") depth++;
        else if (text[j] === "}" && --depth === 0) break;
      }
      if (j >= text.length) return undefined;
      expressions.push(text.slice(i, j + 1));
      out += `${MARK}${expressions.length - 1}@@`;
      i = j + 1;
    } else out += text[i++];
  }
  const doc = parsePolicy(out);
  if (!doc) return undefined;
  const revive = (v: unknown): unknown => {
    if (typeof v === "string" && v.includes(MARK)) return unknown(v.replace(new RegExp(`${MARK}(\\d+)@@`, "g"), (_m, n: string) => expressions[Number(n)]));
    if (Array.isArray(v)) return v.map(revive);
    if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, revive(x)]));
    return v;
  };
  return doc.Statement.map((s) => revive(s) as Record<string, any>);
}

/** Statements of a policy value: known JSON text, or a configuration's JSON around expressions. */
function statementsOfText(value: unknown): readonly Statement[] | undefined {
  if (typeof value === "string") return (parsePolicy(value)?.Statement ?? []).filter((s) => s && typeof s === "object").map(jsonStatement);
  if (isUnknown(value)) return templateStatements(value.why)?.map(jsonStatement);
  return undefined;
}

/** A statement block of an `aws_iam_policy_document` data source. */
function blockStatement(b: Record<string, any>): Statement & { sid?: unknown } {
  const effect = isUnknown(b.effect) ? b.effect : b.effect === "Deny" ? "Deny" : "Allow";
  const conditions = blocks(b.condition);
  const given = (v: unknown) => (v === undefined || v === null || (Array.isArray(v) && v.length === 0) ? undefined : patternList(v));
  return {
    sid: b.sid,
    effect,
    ...(given(b.actions) !== undefined ? { actions: given(b.actions) } : {}),
    ...(given(b.not_actions) !== undefined ? { notActions: given(b.not_actions) } : {}),
    ...(given(b.resources) !== undefined ? { resources: given(b.resources) } : {}),
    ...(given(b.not_resources) !== undefined ? { notResources: given(b.not_resources) } : {}),
    conditional: isUnknown(conditions) ? conditions : conditions.length > 0,
  };
}

/**
 * The statements of an `aws_iam_policy_document` data source: its `json` when known, else its
 * statement blocks merged with its source and override documents (a statement with the Sid of an
 * earlier one replaces it, as the data source merges them).
 */
function dataDocument(doc: TfResource): readonly Statement[] | Unknown {
  const known = statementsOfText(doc.values.json);
  if (typeof doc.values.json === "string" && known) return known;
  const merged: { sid?: unknown; st: Statement }[] = [];
  const add = (sts: readonly (Statement & { sid?: unknown })[], sids: unknown[]) => {
    for (const [i, st] of sts.entries()) {
      const sid = sids[i];
      const at = typeof sid === "string" && sid !== "" ? merged.findIndex((m) => m.sid === sid) : -1;
      if (at >= 0) merged[at] = { sid, st };
      else merged.push({ sid, st });
    }
  };
  const texts = (attr: string): Unknown | { sts: Statement[]; sids: unknown[] } => {
    const l = list(doc.values[attr]);
    if (isUnknown(l)) return l.set === false ? { sts: [], sids: [] } : l;
    const out = { sts: [] as Statement[], sids: [] as unknown[] };
    for (const t of l) {
      if (isUnknown(t)) return t;
      const raw = typeof t === "string" ? parsePolicy(t)?.Statement ?? [] : [];
      out.sts.push(...raw.map(jsonStatement));
      out.sids.push(...raw.map((r) => r?.Sid));
    }
    return out;
  };
  for (const attr of ["source_json", "source_policy_documents"]) {
    const got = texts(attr);
    if (isUnknown(got)) return unknown(`${attr} of ${doc.address} is ${describe(got)}`);
    add(got.sts, got.sids);
  }
  const own = blocks(doc.values.statement);
  if (isUnknown(own)) {
    if (own.set !== false) return unknown(`the statements of ${doc.address} are ${describe(own)}`);
  } else {
    const sts = own.map(blockStatement);
    add(sts, sts.map((s) => s.sid));
  }
  for (const attr of ["override_json", "override_policy_documents"]) {
    const got = texts(attr);
    if (isUnknown(got)) return unknown(`${attr} of ${doc.address} is ${describe(got)}`);
    add(got.sts, got.sids);
  }
  return merged.map((m) => m.st);
}

/** The document a resource's policy argument holds (`policy` of aws_iam_role_policy and aws_iam_policy). */
export function documentOf(ctx: RuleContext, holder: TfResource, attr = "policy", value: unknown = holder.values[attr]): PolicyDocument {
  const source = holder.address;
  const text = statementsOfText(value);
  if (text) return { source, statements: text };
  if (typeof value === "string") return { source, statements: [] };
  // Taken from one aws_iam_policy_document data source, and nothing else.
  const docs = ctx.referenced(holder, attr);
  if (docs.length === 1 && docs[0].type === "aws_iam_policy_document" && docs[0].mode === "data" && !ctx.isOpaque(holder, attr)) {
    return { source: `${source} (from ${docs[0].address})`, statements: dataDocument(docs[0]) };
  }
  if (value === undefined || value === null) return { source, statements: unknown(`${attr} of ${source} is not set`) };
  return { source, statements: unknown(`the ${attr} of ${source} is ${describe(value)}`) };
}

// --------------------------------------------------------------- AWS-managed policies

const allow = (actions: string[]): Statement => ({ effect: "Allow", actions, resources: ["*"], conditional: false });
const SSM_CHANNELS = ["ssmmessages:CreateControlChannel", "ssmmessages:CreateDataChannel", "ssmmessages:OpenControlChannel", "ssmmessages:OpenDataChannel"];
const EC2_MESSAGES = ["ec2messages:AcknowledgeMessage", "ec2messages:DeleteMessage", "ec2messages:FailMessage", "ec2messages:GetEndpoint", "ec2messages:GetMessages", "ec2messages:SendReply"];
const SSM_INSTANCE = [
  "ssm:DescribeAssociation", "ssm:GetDeployablePatchSnapshotForInstance", "ssm:GetDocument", "ssm:DescribeDocument", "ssm:GetManifest",
  "ssm:ListAssociations", "ssm:ListInstanceAssociations", "ssm:PutInventory", "ssm:PutComplianceItems", "ssm:PutConfigurePackageResult",
  "ssm:UpdateAssociationStatus", "ssm:UpdateInstanceAssociationStatus", "ssm:UpdateInstanceInformation",
];

/**
 * AWS-managed policies whose grants of Systems Manager's actions are known, by path and name (their
 * published default versions; other statements are left out). Any other AWS-managed policy is read
 * as granting none of them.
 */
const AWS_MANAGED: Record<string, Statement[]> = {
  AmazonSSMManagedInstanceCore: [allow([...SSM_INSTANCE, "ssm:GetParameter", "ssm:GetParameters"]), allow(SSM_CHANNELS), allow(EC2_MESSAGES)],
  AmazonSSMManagedEC2InstanceDefaultPolicy: [allow(SSM_INSTANCE), allow(SSM_CHANNELS), allow(EC2_MESSAGES)],
  "service-role/AmazonEC2RoleforSSM": [allow([...SSM_INSTANCE, "ssm:GetParameters"]), allow(SSM_CHANNELS), allow(EC2_MESSAGES)],
  AmazonSSMFullAccess: [allow(["ssm:*", "ec2messages:*"]), allow(SSM_CHANNELS)],
  AdministratorAccess: [allow(["*"])],
  PowerUserAccess: [{ effect: "Allow", notActions: ["iam:*", "organizations:*", "account:*"], resources: ["*"], conditional: false }],
  AWSDenyAll: [{ effect: "Deny", actions: ["*"], resources: ["*"], conditional: false }],
};

const AWS_MANAGED_ARN = /^arn:aws(?:-[a-z]+)*:iam::aws:policy\/(.+)$/;

/** The document a policy ARN names: AWS-managed, a customer policy of this input, or Unknown. */
export function documentByArn(ctx: RuleContext, holder: TfResource, attr: string, arn: unknown): PolicyDocument[] {
  if (typeof arn === "string") {
    const managed = AWS_MANAGED_ARN.exec(arn);
    if (managed) {
      const name = managed[1].split("/").pop()!;
      return [{ source: arn, statements: AWS_MANAGED[managed[1]] ?? [], awsManaged: name }];
    }
    const byArn = ctx.named(arn).filter((p) => p.type === "aws_iam_policy" && p.mode === "managed" && p.stack === holder.stack);
    const name = /:policy\/(?:.*\/)?([^/]+)$/.exec(arn)?.[1];
    const byName = byArn.length || !name ? byArn : ctx.ofType("aws_iam_policy").filter((p) => p.stack === holder.stack && p.values.name === name);
    if (byName.length === 1) return [documentOf(ctx, byName[0])];
    return [{ source: arn, statements: unknown(`policy ${arn} is not in this input`) }];
  }
  const policies = ctx.referenced(holder, attr).filter((p) => p.type === "aws_iam_policy" && p.mode === "managed");
  if (policies.length && !ctx.isOpaque(holder, attr)) return policies.map((p) => documentOf(ctx, p));
  return [{ source: holder.address, statements: unknown(`${attr} of ${holder.address} is ${describe(arn)} and cannot be followed to a policy`) }];
}

// ------------------------------------------------------------------------- a role's policies

/** Attachment-like resources that give a role a policy, as [type, attribute naming the role]. */
const ROLE_LINKS: [string, string][] = [
  ["aws_iam_role_policy", "role"],
  ["aws_iam_role_policy_attachment", "role"],
  ["aws_iam_policy_attachment", "roles"],
];

function linkDocuments(ctx: RuleContext, link: TfResource): PolicyDocument[] {
  return link.type === "aws_iam_role_policy" ? [documentOf(ctx, link)] : documentByArn(ctx, link, "policy_arn", link.values.policy_arn);
}

/** The role's identity policies, and those of attachments that may be to it (their role cannot be followed). */
export function roleDocuments(ctx: RuleContext, role: TfResource): { documents: PolicyDocument[]; maybe: { link: TfResource; documents: PolicyDocument[] }[] } {
  const documents: PolicyDocument[] = [];
  const seen = new Set<TfResource>();
  const maybe: { link: TfResource; documents: PolicyDocument[] }[] = [];
  for (const [type, attr] of ROLE_LINKS) {
    // By reference, or by the role's known name or ARN given literally.
    for (const link of ctx.referencing(type, attr, role)) {
      if (seen.has(link)) continue;
      seen.add(link);
      documents.push(...linkDocuments(ctx, link));
    }
    for (const link of ctx.mayReference(type, attr, role)) if (!seen.has(link)) maybe.push({ link, documents: linkDocuments(ctx, link) });
  }
  // Arguments of the role itself; left out (the provider's choice) they add nothing.
  const inline = blocks(role.values.inline_policy);
  if (isUnknown(inline)) {
    if (inline.set !== false) documents.push({ source: `${role.address} inline_policy`, statements: unknown(`inline_policy of ${role.address} is ${describe(inline)}`) });
  } else for (const b of inline) if (b.policy !== undefined && b.policy !== null && b.policy !== "") documents.push(documentOf(ctx, role, "inline_policy", b.policy));
  const arns = list(role.values.managed_policy_arns);
  if (isUnknown(arns)) {
    if (arns.set !== false) documents.push({ source: `${role.address} managed_policy_arns`, statements: unknown(`managed_policy_arns of ${role.address} is ${describe(arns)}`) });
  } else {
    const known = arns.filter((a): a is string => typeof a === "string");
    for (const a of known) documents.push(...documentByArn(ctx, role, "managed_policy_arns", a));
    if (known.length < arns.length) documents.push(...documentByArn(ctx, role, "managed_policy_arns", arns.find(isUnknown)));
  }
  return { documents, maybe };
}

/** The role's permissions boundary: none, or its document. */
export function boundaryDocuments(ctx: RuleContext, role: TfResource): PolicyDocument[] | undefined {
  const b = role.values.permissions_boundary;
  if (b === undefined || b === null || b === "" || (isUnknown(b) && b.set === false)) return undefined;
  return documentByArn(ctx, role, "permissions_boundary", b).map((d) => (isUnknown(d.statements) && typeof b === "string" ? { ...d, statements: unknown(`the permissions boundary ${b} is not in this input`) } : d));
}

// ------------------------------------------------------------------------------ evaluation

const globCache = new Map<string, RegExp>();
/** IAM's wildcard match (`*`, `?`); actions ignore case, ARNs do not. */
function glob(pattern: string, text: string, ignoreCase: boolean): boolean {
  const key = `${ignoreCase ? "i" : "c"}${pattern}`;
  let re = globCache.get(key);
  if (!re) {
    re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".")}$`, ignoreCase ? "is" : "s");
    globCache.set(key, re);
  }
  return re.test(text);
}

/** Does any pattern match? Unknown when none does for sure and one is not known. */
function anyMatch(patterns: Val<readonly Val<string>[]>, test: (p: string) => boolean): Val<boolean> {
  if (isUnknown(patterns)) return patterns;
  let open: Unknown | undefined;
  for (const p of patterns) {
    if (isUnknown(p)) open ??= p;
    else if (test(p)) return true;
  }
  return open ?? false;
}

const not = (v: Val<boolean>): Val<boolean> => (isUnknown(v) ? v : !v);

/** Does the statement name the action (through Action, or by leaving it out of NotAction)? */
function namesAction(st: Statement, action: string): Val<boolean> {
  const m = (p: string) => glob(p, action, true);
  if (st.actions !== undefined) return anyMatch(st.actions, m);
  if (st.notActions !== undefined) return not(anyMatch(st.notActions, m));
  return false;
}

/**
 * Could a Resource pattern cover the request of an agent action? The message services take no
 * resource (their requests are for `*`); ssm:UpdateInstanceInformation is for the instance
 * (`arn:…:ec2:…:instance/…`) or a managed instance (`arn:…:ssm:…:managed-instance/…`).
 * `true`: every such request; Unknown: some may be; false: none.
 */
function coversRequest(pattern: string, action: string): Val<boolean> {
  if (glob(pattern, "*", false)) return true;
  if (!/^ssm:/i.test(action)) return false;
  const parts = pattern.split(":");
  const service = parts[2];
  const resource = parts.slice(5).join(":");
  const could =
    parts.length >= 6 ? (["ec2", "ssm"].some((s) => glob(service, s, false)) && ["instance/", "managed-instance/"].some((prefix) => canStartWith(resource, prefix))) : pattern.includes("*");
  return could ? unknown(`the Deny's resource ${pattern} may be the instance`) : false;
}

/** Can some text starting with `prefix` match the wildcard pattern? */
function canStartWith(pattern: string, prefix: string): boolean {
  let i = 0;
  for (const ch of prefix) {
    if (i >= pattern.length) return false;
    if (pattern[i] === "*") return true;
    if (pattern[i] !== "?" && pattern[i] !== ch) return false;
    i++;
  }
  return true;
}

/** Does a Deny statement's Resource/NotResource reach the action's request? */
function denyReaches(st: Statement, action: string): Val<boolean> {
  if (st.resources !== undefined) return anyOf(st.resources, (p) => coversRequest(p, action));
  if (st.notResources !== undefined) {
    const excluded = anyOf(st.notResources, (p) => coversRequest(p, action));
    return excluded === true ? false : excluded === false ? true : excluded;
  }
  return true;
}

function anyOf(patterns: Val<readonly Val<string>[]>, test: (p: string) => Val<boolean>): Val<boolean> {
  if (isUnknown(patterns)) return patterns;
  let open: Unknown | undefined;
  for (const p of patterns) {
    const r = isUnknown(p) ? p : test(p);
    if (r === true) return true;
    if (isUnknown(r)) open ??= r;
  }
  return open ?? false;
}

/** Three-valued and / or over verdicts. */
const and = (a: Val<boolean>, b: Val<boolean>): Val<boolean> => (a === false || b === false ? false : isUnknown(a) ? a : b);
const or = (a: Val<boolean>, b: Val<boolean>): Val<boolean> => (a === true || b === true ? true : isUnknown(a) ? a : b);

/** What a set of documents does with one action. */
interface Decision {
  /** Some statement allows it (Unknown: only under a condition, or through a value not known). */
  readonly allowed: Val<boolean>;
  /** Some statement denies it. */
  readonly denied: Val<boolean>;
  /** The document of the first certain Deny. */
  readonly deniedBy?: string;
}

function decide(documents: readonly PolicyDocument[], action: string): Decision {
  let allowed: Val<boolean> = false;
  let denied: Val<boolean> = false;
  let deniedBy: string | undefined;
  for (const d of documents) {
    // A document this input does not hold may grant the action; a Deny is read only where it can be read.
    if (isUnknown(d.statements)) {
      allowed = or(allowed, d.statements);
      continue;
    }
    for (const st of d.statements) {
      const named = namesAction(st, action);
      if (named === false) continue;
      // Under a Condition a statement applies to some requests only: which, the input does not say.
      const conditional: Val<boolean> = st.conditional === true ? unknown(`a statement of ${d.source} applies only under its Condition`) : st.conditional;
      if (isUnknown(st.effect)) {
        allowed = or(allowed, st.effect);
        denied = or(denied, st.effect);
      } else if (st.effect === "Allow") {
        // Its Resource is not judged: a grant scoped to some resources is still a grant to the agent.
        allowed = or(allowed, isUnknown(named) ? named : conditional === false ? true : conditional);
      } else {
        const reaches = denyReaches(st, action);
        if (reaches === false) continue;
        const applies: Val<boolean> = [named, reaches, conditional].find(isUnknown) ?? true;
        if (applies === true && denied !== true) deniedBy = d.source;
        denied = or(denied, applies);
      }
    }
  }
  return { allowed, denied, ...(deniedBy ? { deniedBy } : {}) };
}

/** Why an action is not granted. */
export type Missing = { readonly action: string; readonly reason: "not granted" } | { readonly action: string; readonly reason: "denied"; readonly by: string } | { readonly action: string; readonly reason: "boundary"; readonly by: string };

/** Whether a role's policies together grant each action. */
export interface RoleGrants {
  /** Actions granted whatever this input leaves open. */
  readonly granted: readonly string[];
  /** Actions certainly not granted, with why. */
  readonly missing: readonly Missing[];
  /** Actions whose grant depends on something this input does not say, with what. */
  readonly open: readonly { readonly action: string; readonly why: Unknown }[];
  /** The AWS-managed policies the role holds, by name. */
  readonly awsManaged: readonly string[];
}

/** Judges whether a role's policies (and its permissions boundary) grant each of `actions`. */
export function roleGrants(ctx: RuleContext, role: TfResource, actions: readonly string[]): RoleGrants {
  const { documents, maybe } = roleDocuments(ctx, role);
  const boundary = boundaryDocuments(ctx, role);
  const granted: string[] = [];
  const missing: Missing[] = [];
  const open: { action: string; why: Unknown }[] = [];
  for (const action of actions) {
    const own = decide(documents, action);
    let allowed = own.allowed;
    for (const m of maybe) {
      if (allowed === true) break;
      const other = decide(m.documents, action).allowed;
      if (other !== false) allowed = or(allowed, unknown(`${m.link.address} may give this role its policy (its role cannot be followed)`));
    }
    const effective = and(allowed, not(own.denied));
    const limit = boundary ? (() => {
      const b = decide(boundary, action);
      return and(b.allowed, not(b.denied));
    })() : true;
    const verdict = and(effective, limit);
    if (verdict === true) granted.push(action);
    else if (verdict === false) {
      if (own.denied === true) missing.push({ action, reason: "denied", by: own.deniedBy ?? role.address });
      else if (allowed === false) missing.push({ action, reason: "not granted" });
      else missing.push({ action, reason: "boundary", by: boundary?.[0]?.source ?? "?" });
    } else open.push({ action, why: verdict });
  }
  const awsManaged = [...new Set([...documents].flatMap((d) => (d.awsManaged ? [d.awsManaged] : [])))];
  return { granted, missing, open, awsManaged };
}

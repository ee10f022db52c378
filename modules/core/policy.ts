import { Fn, Token } from "cdktf";
import { IConstruct } from "constructs";

/**
 * IAM policy documents as plain JSON strings. Tokens (`${aws_s3_bucket.logs.arn}`) may stand
 * in any string value; Terraform interpolates them. Keeping the policy literal JSON (rather
 * than a `jsonencode(...)` expression or a data source) lets `bulwark check` and a plan
 * reviewer read every statement as it will be sent to AWS.
 */
export interface PolicyStatement {
  /** Statement id, unique in its policy: what a reviewer and a finding name the statement by. */
  readonly Sid: string;
  /** Whether the statement grants or refuses; an explicit `Deny` wins over any `Allow`. */
  readonly Effect: "Allow" | "Deny";
  /** Who the statement applies to (`{ Service: "logs.amazonaws.com" }`); only in resource and trust policies. */
  readonly Principal?: "*" | Record<string, string | string[]>;
  /** The API actions, e.g. `kms:Decrypt` or `s3:PutObject`. */
  readonly Action: string | string[];
  /** Omitted only in trust (assume-role) policies. */
  readonly Resource?: string | string[];
  /** Conditions that narrow the statement, by operator then key (`{ StringEquals: { "aws:SourceAccount": "111111111111" } }`). */
  readonly Condition?: Record<string, Record<string, string | string[] | boolean>>;
}

export function policyDocument(statements: PolicyStatement[], scope?: IConstruct): string {
  const sids = new Set<string>();
  for (const s of statements) {
    if (sids.has(s.Sid)) throw new Error(`policy statement Sid "${s.Sid}" is used twice`);
    sids.add(s.Sid);
  }
  return jsonDocument({ Version: "2012-10-17", Statement: statements }, scope);
}

/**
 * A JSON document for a string argument (policies, SSM documents). Synthesized as JSON it is
 * a plain JSON string, references interpolated, so reviewers and `bulwark check` read every
 * statement. For HCL output (`cdktf synth --hcl`) a document holding references becomes
 * `jsonencode(...)`: cdktf's HCL renderer does not escape quotes inside interpolated strings.
 */
export function jsonDocument(doc: unknown, scope?: IConstruct): string {
  const text = JSON.stringify(doc);
  if (!scope || !Token.isUnresolved(text)) return text;
  const root = scope.node.root as { hclOutput?: boolean };
  return root.hclOutput ? Fn.jsonencode(doc) : text;
}

export function assumeRolePolicy(service: string): string {
  return policyDocument([
    { Sid: "AssumeByService", Effect: "Allow", Principal: { Service: service }, Action: "sts:AssumeRole" },
  ]);
}

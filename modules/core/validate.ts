import { Token } from "cdktf";
import { IConstruct } from "constructs";
import { BulwarkValidationError } from "./errors";

/**
 * Literal-input checks shared by every module. Each returns silently for unresolved tokens:
 * a Terraform reference is checked by the published module's `validation` blocks instead.
 */

export function isLiteral(value: unknown): boolean {
  if (value === undefined || value === null) return false;
  if (typeof value === "string" || typeof value === "number") return !Token.isUnresolved(value);
  return !Token.isUnresolved(value);
}

export function checkInteger(
  scope: IConstruct,
  field: string,
  value: number | undefined,
  min: number,
  max: number,
  why = "",
): void {
  if (value === undefined || !isLiteral(value)) return;
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new BulwarkValidationError(scope, field, value, `must be a whole number between ${min} and ${max}${why}`);
  }
}

export function checkPattern(
  scope: IConstruct,
  field: string,
  value: string | undefined,
  pattern: RegExp,
  expected: string,
): void {
  if (value === undefined || !isLiteral(value)) return;
  if (!pattern.test(value)) {
    throw new BulwarkValidationError(scope, field, value, `is not ${expected}`);
  }
}

export function checkOneOf<T extends string>(
  scope: IConstruct,
  field: string,
  value: string | undefined,
  allowed: readonly T[],
): void {
  if (value === undefined || !isLiteral(value)) return;
  if (!(allowed as readonly string[]).includes(value)) {
    throw new BulwarkValidationError(scope, field, value, `must be one of ${allowed.join(", ")}`);
  }
}

/** A weakened default must carry a reason; it becomes a suppression that `bulwark check` shows. */
export function checkWeakening(scope: IConstruct, field: string, weakening: { reason?: unknown } | undefined): void {
  if (weakening === undefined) return;
  const reason = weakening?.reason;
  if (typeof reason !== "string" || reason.trim().length < 10) {
    throw new BulwarkValidationError(
      scope,
      `${field}.reason`,
      reason,
      "must say why the secure default is weakened (at least 10 characters)",
    );
  }
}

/** Terraform resource names (and so bulwark's keys): a letter or underscore, then letters, digits, `_` or `-`. */
export const NAME_PATTERN = /^[A-Za-z][A-Za-z0-9-]{0,62}$/;

export function checkName(scope: IConstruct, field: string, value: string): void {
  checkPattern(scope, field, value, NAME_PATTERN, "a name (a letter, then up to 62 letters, digits or hyphens)");
}

/** Patterns shared with the published modules' `validation` blocks. */
export const AMI_ID_PATTERN = /^ami-([0-9a-f]{8}|[0-9a-f]{17})$/;
export const KMS_KEY_ARN_PATTERN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:(key\/[0-9a-fA-F-]{36}|key\/mrk-[0-9a-f]{32}|alias\/[A-Za-z0-9/_-]+)$/;
export const IAM_POLICY_ARN_PATTERN = /^arn:aws[a-z-]*:iam::([0-9]{12}|aws):policy\/[\w+=,.@/-]+$/;
export const ACCOUNT_ID_PATTERN = /^[0-9]{12}$/;
export const REGION_PATTERN = /^[a-z]{2}(-gov)?-[a-z]+-[0-9]$/;
/** An S3 bucket ARN (no key). */
export const S3_BUCKET_ARN_PATTERN = /^arn:aws[a-z-]*:s3:::[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
export const AVAILABILITY_ZONE_PATTERN = /^[a-z]{2}(-gov)?-[a-z]+-[0-9][a-z]$/;
export const INSTANCE_TYPE_PATTERN = /^[a-z][a-z0-9-]*\.[a-z0-9-]+$/;
export const ACM_CERTIFICATE_ARN_PATTERN = /^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[0-9a-f-]{36}$/;

/** Retention values CloudWatch Logs accepts, from one year up (shorter is refused: CKV_AWS_338). */
export const LOG_RETENTION_DAYS = [365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653] as const;

export function checkLogRetention(scope: IConstruct, field: string, days: number): void {
  if (isLiteral(days) && !(LOG_RETENTION_DAYS as readonly number[]).includes(days)) {
    throw new BulwarkValidationError(scope, field, days, `must be one of ${LOG_RETENTION_DAYS.join(", ")} (at least a year)`);
  }
}

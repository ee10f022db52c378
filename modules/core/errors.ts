import { IConstruct } from "constructs";

/**
 * The one error type every bulwark construct throws for bad literal input.
 *
 * The message always names where (construct path), what (the field, with the rule or
 * volume name when there is one) and the offending value, so a user can fix the config
 * without reading a stack trace:
 *
 *   dev/app/launch-template: rootVolume.sizeGiB 0 must be between 1 and 16384 for gp3
 */
export class BulwarkValidationError extends Error {
  /** Path of the construct that refused the input (`dev/app/launch-template`), or the path a caller passed as text. */
  public readonly constructPath: string;
  /** The prop at fault, with the rule or volume key when there is one (`rootVolume.sizeGiB`, `rule ssh-office: cidr`). */
  public readonly field: string;
  /** The value as it was passed, for callers that report errors themselves. */
  public readonly value: unknown;

  /**
   * @param scope the construct (its path is used) or a path or name of your own
   * @param field the prop at fault
   * @param value the offending value, rendered with `formatValue`
   * @param problem what is wrong, phrased to follow the value ("must be between 1 and 16384")
   */
  constructor(scope: IConstruct | string, field: string, value: unknown, problem: string) {
    const where = typeof scope === "string" ? scope : scope.node.path;
    super(`${where}: ${field} ${formatValue(value)} ${problem}`);
    this.name = "BulwarkValidationError";
    this.constructPath = where;
    this.field = field;
    this.value = value;
  }
}

/** Renders a value for an error message: strings quoted, long values cut. */
export function formatValue(value: unknown): string {
  let text: string;
  if (typeof value === "string") text = JSON.stringify(value);
  else if (value === undefined) text = "undefined";
  else {
    try {
      text = JSON.stringify(value) ?? String(value);
    } catch {
      text = String(value);
    }
  }
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}

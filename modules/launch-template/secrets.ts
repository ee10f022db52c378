/**
 * The secrets that user data must not hold: shared by the launch template (which refuses them at
 * synth), the published launch-template module (as RE2 patterns) and the checker (CKV_AWS_46).
 */

/** What `findSecret` looks for in user data: the kind of secret and a pattern matching it (shared with the published launch-template module). */
export const SECRET_PATTERNS: readonly {
  /** The kind of secret, e.g. `an AWS access key id`. */
  readonly what: string;
  /** A pattern matching it; RE2-compatible (no lookaround), `i` is its only flag. */
  readonly pattern: RegExp;
}[] = [
  { what: "an AWS access key id", pattern: /\b(?:AKIA|ASIA|ABIA|ACCA|A3T[A-Z0-9])[A-Z2-7]{16}\b/ },
  { what: "an AWS secret access key", pattern: /aws_secret_access_key\s*[=:]\s*["']?[A-Za-z0-9/+=]{40}/i },
  { what: "a secret assignment", pattern: /\b(?:secret|password|passwd)[A-Za-z_]*\s*[=:]\s*["']?[A-Za-z0-9/+=]{40}\b/i },
  { what: "a private key", pattern: /-----BEGIN (?:RSA |EC |DSA |OPENSSH )?PRIVATE KEY-----/ },
];

/** Names the kind of secret the text seems to hold, or undefined (CKV_AWS_46). */
export function findSecret(text: string):
  | {
      /** The kind of secret, e.g. `an AWS access key id`. */
      what: string;
      /** Its first four characters and `…(redacted)`, safe to print. */
      excerpt: string;
    }
  | undefined {
  for (const { what, pattern } of SECRET_PATTERNS) {
    const m = pattern.exec(text);
    if (m) return { what, excerpt: `${m[0].slice(0, 4)}…(redacted)` };
  }
  return undefined;
}

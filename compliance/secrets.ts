import { SECRET_PATTERNS } from "../modules/launch-template/secrets";

/**
 * Secrets in text an instance runs or writes (user data): credentials with a recognisable shape
 * (AWS access key ids, private keys), values given to names that hold secrets
 * (`AWS_SECRET_ACCESS_KEY=...`, `aws_secret_access_key = ...` in a credentials file the script
 * writes, `password=` lines, `"token": "..."`, `--password x`), and passwords in URLs.
 *
 * A value that is not there yet is a placeholder, reported as a warning so a real key stays an
 * error: `${...}`/`$VAR` left for the instance to fill, `<...>`, `your_key_here`, `changeme`, dummy
 * values made of words like `somesecret`, `my-key-id`, `foo`, values under four characters, and a
 * private key header with no key material after it.
 * A value fetched at boot (`$(aws ssm get-parameter ...)`, backticks) is what the rule asks for and
 * is no finding. Messages name the key, never the value.
 */
export interface SecretFound {
  /** The kind of secret: `an AWS access key id`, `a value for DB_PASSWORD`. */
  readonly what: string;
  /** Safe to print: at most the first four characters of a shaped secret, or the key name. */
  readonly excerpt: string;
  /** Set when the value is a placeholder (warning, not error): why it is taken for one. */
  readonly placeholder?: string;
}

/** Names whose value is a secret. */
const SECRET_NAME = /(secret|passw(?:or)?d|passwd|\bpwd\b|_pwd$|^pwd_|passphrase|token|api[_-]?key|apikey|private[_-]?key|auth[_-]?key|access[_-]?key(?![_-]?id)|credential|client[_-]?secret|signing[_-]?key|encryption[_-]?key|master[_-]?key)/i;
/** Names that mention a secret but hold something else: where it is, how long, whether. */
const NOT_A_SECRET_NAME = /(_|-|\b)(file|path|dir|directory|len|length|min|max|minlen|maxlen|age|days|warn|policy|timeout|ttl|expir\w*|expiry|command|cmd|url|uri|arn|id|ids|name|names|param|parameter|parameters|ssm|type|types|retries|retry|prompt|enabled|enable|required|require|reset|rotation|hash|algorithm|algo|length|size|store|manager|ref|key_?id|location|source|header|field|attribute|endpoint|host|port|user|username|usage|hint|changed|auth|authentication|complexity|quality|history|seconds|secs|minutes)$/i;
/** A value that says nothing secret: a boolean, a number, an empty string. */
const TRIVIAL_VALUE = /^(?:|yes|no|true|false|none|null|nil|on|off|enabled|disabled|required|optional|\d+|-+|\*)$|^[{[|>&]/i;
/** Placeholders written where a real value goes later. */
const PLACEHOLDER_VALUE = /^(?:<[^>]*>|\[[^\]]*\]|\{\{.*\}\}|x{3,}|\*{3,}|\.{3,}|changeme|change[_-]?me|change[_-]?this|replace[_-]?me|placeholder|dummy|redacted|todo|fixme|tbd|secret|password|token|example)$|your[_-]?|_here$|^replace|<[a-z _-]+>/i;

/**
 * Words dummy values are made of (`somesecret`, `my-key-id`, `FOO`, `bar`, `test_password`): a
 * value spelled with nothing else holds no credential. A real password that happens to contain one
 * of them (`SomeSortOfPassword`, `secret123`) has other parts and stays a secret.
 */
const DUMMY_WORDS = [
  "foo", "bar", "baz", "qux", "quux", "some", "my", "your", "our", "the", "a", "an", "secret", "secrets", "key", "keys", "id",
  "password", "passwd", "pass", "pwd", "token", "access", "value", "here", "test", "testing", "dummy", "fake", "sample",
  "placeholder", "change", "me", "this", "insert", "put", "replace", "api", "private", "aws", "xxx", "redacted", "none",
];

/** Can `value` be written as dummy words only (any case, any separators)? */
function dummyValue(value: string): boolean {
  const v = value.toLowerCase().replace(/[-_.\s]+/g, "");
  if (v === "" || !/^[a-z]+$/.test(v)) return false;
  // Word break over the dummy words: reach[i] says v[0, i) can be spelled with them.
  const reach = [true, ...Array<boolean>(v.length).fill(false)];
  for (let i = 0; i < v.length; i++) if (reach[i]) for (const w of DUMMY_WORDS) if (v.startsWith(w, i)) reach[i + w.length] = true;
  return reach[v.length];
}

/** Why a value is a placeholder, or undefined when it looks real. */
function placeholderOf(value: string): string | undefined {
  if (/^\$\{[^}]*\}$|^%\{[^}]*\}$/.test(value)) return `${value.startsWith("%") ? "a template directive" : "a variable"} left for the instance to fill`;
  if (/^\{\{.*\}\}$/.test(value)) return "a template placeholder";
  if (PLACEHOLDER_VALUE.test(value)) return "a placeholder value";
  if (dummyValue(value)) return "a dummy value (made of words like some, my, secret, foo, bar)";
  if (value.length < 4) return "a value too short to be a credential";
  return undefined;
}

/** Base64 characters a real private key's body has at least (a 256-bit EC key is over 150). */
const KEY_MATERIAL = 64;

/**
 * The base64 characters of the lines right after a `BEGIN ... PRIVATE KEY` header (a newline
 * written as `\n` inside a string counts as one), up to the first line that is not base64.
 */
function keyMaterial(text: string, from: number): number {
  let n = 0;
  for (const raw of text.slice(from, from + 16384).split(/\r?\n|\\n/)) {
    const line = raw.trim();
    if (line === "" || /^[A-Za-z-]+:\s/.test(line)) continue; // blank lines, `Proc-Type: 4,ENCRYPTED`
    if (!/^[A-Za-z0-9+/=]+$/.test(line)) break;
    n += line.length;
  }
  return n;
}

/** Strips quotes and trailing punctuation around a value. */
function bare(raw: string): string {
  let v = raw.trim();
  const q = /^(["'])(.*?)\1/.exec(v);
  if (q) return q[2];
  v = v.split(/\s+/)[0] ?? "";
  // `${db_password}`: a closing brace that closes the value's own reference stays.
  return v.replace(/[;,)}\]"'`\\]+$/, (tail) => (v.includes("${") || v.includes("%{") ? tail.replace(/[^}]/g, "").slice(0, 1) : ""));
}

/** Is the value fetched at boot (command substitution), read from a file, or taken from the environment by reference? */
function fetchedAtBoot(value: string): boolean {
  // `$TOKEN`: the value of a shell variable set elsewhere in the script (judged where it is set).
  return /^\$\(|^`|^\$[A-Za-z_][A-Za-z0-9_]*$/.test(value) || /^(?:\/|\.\/|~\/|file:\/\/|arn:aws|ssm:|secretsmanager:|resolve:)/i.test(value);
}

/** A crypt(3) password hash (`$6$...`): not the password, but crackable offline. */
const CRYPT_HASH = /^\$(?:1|2[abxy]?|5|6|y|gy|7)\$[./A-Za-z0-9$=,]{8,}$/;

const ASSIGNMENT = /(?:^|[\s;&|({,'"?$-])(?:export\s+|set\s+|declare\s+(?:-\w+\s+)*|local\s+|readonly\s+|ENV\s+)?["']?([A-Za-z_][A-Za-z0-9_.-]*)["']?[ \t]*(=|:(?!\/\/))[ \t]*("[^"]*"|'[^']*'|\S*)/g;
const FLAG = /(?:^|\s)--?([A-Za-z][A-Za-z0-9-]*)(?:[ \t]+|=)("[^"]*"|'[^']*'|[^\s-][^\s]*)/g;
const URL_CREDENTIALS = /\b[a-z][a-z0-9+.-]*:\/\/[^\s:@/]+:([^\s@/]+)@/gi;

/** A name and its value passed to a call: `define('DB_PASSWORD', '...')`, `setenv("TOKEN", "...")`. */
const CALL_PAIR = /\b[A-Za-z_][A-Za-z0-9_]*\(\s*["']([A-Za-z_][A-Za-z0-9_.-]*)["']\s*,\s*("[^"]*"|'[^']*')/g;

/**
 * Whether `value`, given to `name`, is a secret: undefined when the name holds no secret or the
 * value is trivial or fetched at boot; a placeholder (warning) when it is one. The excerpt is the
 * name only.
 */
export function secretNamed(name: string, value: string): SecretFound | undefined {
  if (!SECRET_NAME.test(name) || NOT_A_SECRET_NAME.test(name)) return undefined;
  const excerpt = `${name}…(redacted)`;
  if (/^\{\{.*\}\}$/.test(value)) return { what: `a value for ${name}`, excerpt, placeholder: "a template placeholder" };
  if (TRIVIAL_VALUE.test(value) || fetchedAtBoot(value)) return undefined;
  if (CRYPT_HASH.test(value)) return { what: `a password hash for ${name}`, excerpt, placeholder: "a crypt hash, not the password itself (still crackable: prefer a locked password and SSM)" };
  const placeholder = placeholderOf(value);
  return { what: `a value for ${name}`, excerpt, ...(placeholder ? { placeholder } : {}) };
}

/** Every secret in the text, at most one per line and kind. */
export function findSecrets(text: string): SecretFound[] {
  const found: SecretFound[] = [];
  const seen = new Set<string>();
  const add = (s: SecretFound) => {
    const key = `${s.what}\u0000${s.placeholder ?? ""}`;
    if (!seen.has(key)) {
      seen.add(key);
      found.push(s);
    }
  };
  let offset = 0;
  for (const line of text.split(/\r?\n/)) {
    const lineEnd = (offset += line.length + 1);
    // A shaped secret says more than its name: the line is not judged again by name.
    const shaped = SECRET_PATTERNS.map(({ what, pattern }) => ({ what, m: pattern.exec(line) })).filter((x) => x.m);
    for (const { what, m } of shaped) {
      // A private key header is a secret when key material follows it; a header over a word is a stand-in.
      const stub = /PRIVATE KEY-----$/.test(m![0]) && keyMaterial(text, lineEnd - line.length - 1 + m!.index + m![0].length) < KEY_MATERIAL;
      add({ what, excerpt: `${m![0].slice(0, 4)}…(redacted)`, ...(stub ? { placeholder: "a private key header with no key material after it" } : {}) });
    }
    if (shaped.length || line.length > 4096) continue;
    const judge = (name: string, raw: string, how: string) => {
      // `{{ vault_token }}`: a template placeholder, spaces and all.
      const template = /^["']?(\{\{[^}]*\}\})/.exec(raw.trim()) ?? /^["']?(\{\{[^}]*\}\})/.exec(line.slice(line.indexOf(raw)).trim());
      const got = secretNamed(name, template ? "{{ }}" : bare(raw));
      if (got) add({ ...got, excerpt: `${name}${how}…(redacted)` });
    };
    for (const a of line.matchAll(ASSIGNMENT)) judge(a[1], a[3], a[2] === "=" ? "=" : ": ");
    for (const c of line.matchAll(CALL_PAIR)) judge(c[1], c[2], ", ");
    for (const f of line.matchAll(FLAG)) judge(f[1], f[2], " ");
    for (const u of line.matchAll(URL_CREDENTIALS)) {
      const placeholder = placeholderOf(u[1]);
      add({ what: "a password in a URL", excerpt: `${u[0].split("://")[0]}://…(redacted)`, ...(placeholder ? { placeholder } : {}) });
    }
  }
  return found;
}

import { gunzipSync } from "node:zlib";
import { parse as parseYaml } from "yaml";

/**
 * User data as cloud-init reads it: every layer of text an instance would act on, whatever the
 * encoding around it — base64 (`user_data_base64`, launch templates), gzip, MIME multi-part
 * (with base64 or quoted-printable parts), `#cloud-config` `write_files` contents in any of
 * cloud-init's encodings, `#cloud-config-archive` parts — nested in one another in any order.
 * Rules that read user data scan every layer, so an encoding never hides what it carries.
 */

/** One layer of text found in user data, and how it was reached (`base64 → gzip → MIME part 2`). */
export interface UserDataLayer {
  readonly text: string;
  readonly where: string;
}

/** Layers deeper than this are not unwrapped further (their text is still scanned). */
const MAX_DEPTH = 12;
/** Decompressed output beyond this is cut: EC2 user data is at most 16 KiB compressed. */
const MAX_INFLATED = 4 * 1024 * 1024;

const isGzip = (b: Buffer) => b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b;

/** Text that is (only) base64, as cloud-init and EC2 accept it: whitespace between lines allowed. */
function base64Body(text: string): Buffer | undefined {
  const compact = text.replace(/\s+/g, "");
  if (compact.length < 8 || compact.length % 4 !== 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(compact)) return undefined;
  return Buffer.from(compact, "base64");
}

/** Bytes that read as text (UTF-8 without replacement characters, few control characters). */
function asText(b: Buffer): string | undefined {
  const text = b.toString("utf8");
  if (text.includes("\uFFFD")) return undefined;
  const control = text.replace(/[\t\n\r\f\v]/g, "").split("").filter((c) => c < " ").length;
  return control > text.length / 20 ? undefined : text;
}

function gunzip(b: Buffer): Buffer | undefined {
  try {
    return gunzipSync(b, { maxOutputLength: MAX_INFLATED });
  } catch {
    return undefined;
  }
}

/** Decodes quoted-printable (RFC 2045) text. */
function quotedPrintable(text: string): Buffer {
  const bytes: number[] = [];
  const body = text.replace(/=\r?\n/g, "");
  for (let i = 0; i < body.length; i++) {
    const m = body[i] === "=" ? /^[0-9A-Fa-f]{2}$/.exec(body.slice(i + 1, i + 3)) : null;
    if (m) {
      bytes.push(parseInt(m[0], 16));
      i += 2;
    } else bytes.push(...Buffer.from(body[i], "utf8"));
  }
  return Buffer.from(bytes);
}

/** Headers of a MIME entity and where its body starts; undefined when the text does not start with headers. */
function headersOf(text: string): { headers: Map<string, string>; body: string } | undefined {
  const end = /\r?\n\r?\n/.exec(text);
  const head = end ? text.slice(0, end.index) : text;
  const headers = new Map<string, string>();
  for (const line of head.replace(/\r?\n[ \t]+/g, " ").split(/\r?\n/)) {
    const m = /^([A-Za-z][A-Za-z0-9-]*):\s*(.*)$/.exec(line);
    if (!m) return undefined;
    headers.set(m[1].toLowerCase(), m[2].trim());
  }
  return headers.size ? { headers, body: end ? text.slice(end.index + end[0].length) : "" } : undefined;
}

/** The parameter of a header value (`boundary="x"`). */
function param(value: string, name: string): string | undefined {
  const m = new RegExp(`(?:^|;)\\s*${name}\\s*=\\s*(?:"([^"]*)"|([^;\\s]+))`, "i").exec(value);
  return m ? (m[1] ?? m[2]) : undefined;
}

/** The parts of a multipart body (text between boundary lines). */
function multipartParts(body: string, boundary: string): string[] {
  const lines = body.split(/\r?\n/);
  const parts: string[] = [];
  let current: string[] | undefined;
  for (const line of lines) {
    const trimmed = line.trimEnd();
    if (trimmed === `--${boundary}` || trimmed === `--${boundary}--`) {
      if (current) parts.push(current.join("\n"));
      current = trimmed.endsWith("--") && trimmed !== `--${boundary}` ? undefined : [];
      if (trimmed === `--${boundary}--`) break;
      continue;
    }
    current?.push(line);
  }
  if (current && current.length) parts.push(current.join("\n"));
  return parts;
}

/** cloud-init's `write_files[].encoding` values. */
function writeFileContent(content: string, encoding: unknown): Buffer | undefined {
  const e = typeof encoding === "string" ? encoding.toLowerCase() : "";
  if (!e || e === "text/plain") return undefined;
  const b64 = ["b64", "base64"].includes(e) || /^(gz|gzip)\+(b64|base64)$/.test(e);
  const bytes = b64 ? base64Body(content) : Buffer.from(content, "utf8");
  if (!bytes) return undefined;
  return e.startsWith("gz") ? gunzip(bytes) : bytes;
}

function yamlDoc(text: string): unknown {
  try {
    return parseYaml(text, { maxAliasCount: 100, prettyErrors: false });
  } catch {
    return undefined;
  }
}

/** Every layer of text in user data given as bytes or text, outermost first. */
export function userDataLayers(input: string | Buffer): UserDataLayer[] {
  const out: UserDataLayer[] = [];
  const visit = (bytes: Buffer, where: string, depth: number) => {
    if (out.length > 200) return;
    if (depth < MAX_DEPTH && isGzip(bytes)) {
      const inflated = gunzip(bytes);
      if (inflated) return visit(inflated, `${where}${where ? " → " : ""}gzip`, depth + 1);
    }
    const text = asText(bytes);
    if (text === undefined) return;
    if (depth < MAX_DEPTH) {
      const decoded = base64Body(text);
      if (decoded && (isGzip(decoded) || asText(decoded) !== undefined)) return visit(decoded, `${where}${where ? " → " : ""}base64`, depth + 1);
    }
    out.push({ text, where: where || "user data" });
    if (depth >= MAX_DEPTH) return;
    const at = (what: string) => `${where}${where ? " → " : ""}${what}`;
    const mime = headersOf(text.replace(/^\s+/, ""));
    const type = mime?.headers.get("content-type") ?? "";
    if (mime && /^multipart\//i.test(type)) {
      const boundary = param(type, "boundary");
      if (boundary) {
        multipartParts(mime.body, boundary).forEach((part, i) => {
          const p = headersOf(part.replace(/^\r?\n/, "")) ?? { headers: new Map<string, string>(), body: part };
          const encoding = (p.headers.get("content-transfer-encoding") ?? "").toLowerCase();
          const body = encoding === "base64" ? (base64Body(p.body) ?? Buffer.from(p.body)) : encoding === "quoted-printable" ? quotedPrintable(p.body) : Buffer.from(p.body, "utf8");
          const partType = (p.headers.get("content-type") ?? "text/plain").split(";")[0].trim();
          visit(body, at(`MIME part ${i + 1} (${partType})`), depth + 1);
        });
      }
      return;
    }
    const first = text.replace(/^\s+/, "").split(/\r?\n/, 1)[0].trim();
    if (first === "#cloud-config-archive") {
      const doc = yamlDoc(text);
      if (Array.isArray(doc)) {
        doc.forEach((part, i) => {
          const content = typeof part === "string" ? part : part && typeof part === "object" ? (part as Record<string, unknown>).content : undefined;
          if (typeof content === "string") visit(Buffer.from(content, "utf8"), at(`archive part ${i + 1}`), depth + 1);
        });
      }
    } else if (first.startsWith("#cloud-config")) {
      const doc = yamlDoc(text);
      const files = doc && typeof doc === "object" ? (doc as Record<string, unknown>).write_files : undefined;
      if (Array.isArray(files)) {
        files.forEach((f, i) => {
          if (!f || typeof f !== "object") return;
          const { content, encoding, path } = f as Record<string, unknown>;
          if (typeof content !== "string") return;
          const bytes = writeFileContent(content, encoding);
          if (bytes) visit(bytes, at(`write_files ${typeof path === "string" ? path : `#${i + 1}`}`), depth + 1);
        });
      }
    }
  };
  visit(typeof input === "string" ? Buffer.from(input, "utf8") : input, "", 0);
  return out;
}

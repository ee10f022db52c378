import * as fs from "node:fs";

/** Unreadable or unrecognised input: the CLI turns it into exit status 2. */
export class InputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "InputError";
  }
}

/** Deeper than any Terraform configuration or plan nests; deeper input is refused, not walked. */
export const MAX_DEPTH = 256;

/**
 * One pass over JSON text that finds what `JSON.parse` hides: a key repeated in one object
 * (JSON.parse keeps the last, Terraform's JSON syntax keeps both — two `"resource"` keys are two
 * sets of resources), and nesting deeper than MAX_DEPTH (the readers walk values recursively).
 * Iterative, so hostile nesting cannot exhaust the stack. Assumes `JSON.parse` accepted the text.
 */
export function scanJson(text: string): { duplicate?: { key: string; path: string }; tooDeep?: string } {
  // One frame per open container: its keys (objects only), the path to it, the key being read.
  const stack: { keys?: Set<string>; key?: string; index: number }[] = [];
  const part = (k: string) => (/^[A-Za-z0-9_-]+$/.test(k) ? `.${k}` : `[${JSON.stringify(k)}]`);
  const pathOf = (frames = stack) => frames.map((f) => (f.keys ? (f.key === undefined ? "" : part(f.key)) : `[${f.index}]`)).join("").replace(/^\./, "") || "(top level)";
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      let j = i + 1;
      let raw = false;
      while (text.charCodeAt(j) !== 0x22) {
        if (text.charCodeAt(j) === 0x5c /* \ */) {
          raw = true;
          j++;
        }
        j++;
      }
      if (expectKey) {
        const frame = stack[stack.length - 1];
        const key = raw ? (JSON.parse(text.slice(i, j + 1)) as string) : text.slice(i + 1, j);
        if (frame.keys!.has(key)) return { duplicate: { key, path: pathOf(stack.slice(0, -1)) } };
        frame.keys!.add(key);
        frame.key = key;
        expectKey = false;
      }
      i = j;
    } else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      if (stack.length >= MAX_DEPTH) return { tooDeep: pathOf() };
      stack.push(c === 0x7b ? { keys: new Set(), index: 0 } : { index: 0 });
      expectKey = c === 0x7b;
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      stack.pop();
      expectKey = false;
    } else if (c === 0x2c /* , */) {
      const frame = stack[stack.length - 1];
      if (frame?.keys) expectKey = true;
      else if (frame) frame.index++;
    }
  }
  return {};
}

/**
 * Reads a JSON file for judgement: unreadable files, invalid JSON, duplicate keys and absurd
 * nesting are InputErrors naming the file (and the key), never a stack trace or a silent drop.
 */
export function readJsonFile(file: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (e) {
    throw new InputError(`${file}: cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  return parseJsonText(text, file);
}

export function parseJsonText(text: string, file: string): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new InputError(`${file}: is not valid JSON (${(e as Error).message})`);
  }
  const scan = scanJson(text);
  if (scan.tooDeep) throw new InputError(`${file}: nests deeper than ${MAX_DEPTH} levels (at ${scan.tooDeep.slice(0, 120)}); not a Terraform configuration or plan`);
  if (scan.duplicate) {
    throw new InputError(
      `${file}: key ${JSON.stringify(scan.duplicate.key)} appears twice in one object (at ${scan.duplicate.path}); Terraform reads both, so merge them into one`,
    );
  }
  return value;
}

/** What a JSON value is, for messages: `null`, `a number`, `a list`, … */
export function kindOf(value: unknown): string {
  if (value === undefined) return "absent";
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "an object";
  return `a ${typeof value}`;
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** Demands an object at `where`; otherwise one InputError line naming the file, path and kind. */
export function expectObject(value: unknown, file: string, where: string): Record<string, unknown> {
  if (!isObject(value)) throw new InputError(`${file}: ${where} must be an object, not ${kindOf(value)}`);
  return value;
}

export function expectArray(value: unknown, file: string, where: string): unknown[] {
  if (!Array.isArray(value)) throw new InputError(`${file}: ${where} must be a list, not ${kindOf(value)}`);
  return value;
}

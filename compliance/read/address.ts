/**
 * Terraform addresses, parsed rather than pattern-matched: instance keys are quoted strings
 * that may hold dots and brackets (`module.net["a.b"].aws_vpc.this["x]y"]`).
 */

export interface Step {
  /** `module`, `data`, a resource type, or a name. */
  readonly name: string;
  /** The instance key as written (`[0]`, `["a"]`), when there is one. */
  readonly key?: string;
}

/** Splits `module.a["x"].aws_vpc.this[0].id` into dotted names, each with its instance key. */
export function steps(address: string): Step[] | undefined {
  const out: { name: string; key?: string }[] = [];
  let i = 0;
  while (i < address.length) {
    const m = /^[A-Za-z_][A-Za-z0-9_-]*/.exec(address.slice(i));
    if (!m) return undefined;
    const step: { name: string; key?: string } = { name: m[0] };
    i += m[0].length;
    if (address[i] === "[") {
      const start = i;
      i++;
      if (address[i] === '"') {
        i++;
        while (i < address.length && address[i] !== '"') i += address[i] === "\\" ? 2 : 1;
        i++;
      } else {
        while (i < address.length && address[i] !== "]") i++;
      }
      if (address[i] !== "]") return undefined;
      i++;
      step.key = address.slice(start, i);
    }
    out.push(step);
    if (i < address.length) {
      if (address[i] === "[") return undefined;
      if (address[i] !== ".") return undefined;
      i++;
    }
  }
  return out;
}

const text = (s: Step) => `${s.name}${s.key ?? ""}`;

/** A resource instance address split into module instance, resource base address and key. */
export interface ResourceAddress {
  /** `module.a["x"].module.b[0]`, or "" at the root. */
  readonly module: string;
  /** `module.a.module.b`: the module in the configuration (no instance keys). */
  readonly configModule: string;
  /** `aws_vpc.this` or `data.aws_ami.x`. */
  readonly base: string;
  readonly key?: string;
}

export function parseResourceAddress(address: string): ResourceAddress | undefined {
  const s = steps(address);
  if (!s) return undefined;
  let i = 0;
  const mod: Step[] = [];
  while (s[i]?.name === "module" && s[i + 1]) {
    mod.push(s[i], s[i + 1]);
    i += 2;
  }
  const data = s[i]?.name === "data";
  if (data) i++;
  const type = s[i];
  const name = s[i + 1];
  if (!type || !name || i + 2 !== s.length || type.key) return undefined;
  const moduleText = mod.map(text).join(".");
  const configModule = mod.map((m) => m.name).join(".");
  return { module: moduleText, configModule, base: `${data ? "data." : ""}${type.name}.${name.name}`, key: name.key };
}

export function join(module: string, rest: string): string {
  return module ? `${module}.${rest}` : rest;
}

/** The instance key of the innermost module call in a module instance path (`["x"]` of `module.a["x"]`). */
export function moduleKey(module: string): string | undefined {
  const s = steps(module);
  return s?.[s.length - 1]?.key;
}

/** Parent module instance and the call's name: `module.a["x"].module.b[0]` → (`module.a["x"]`, `b`, `[0]`). */
export function parentOf(module: string): { parent: string; call: string; key?: string } | undefined {
  const s = steps(module);
  if (!s || s.length < 2) return undefined;
  const call = s[s.length - 1];
  return { parent: s.slice(0, -2).map(text).join("."), call: call.name, key: call.key };
}

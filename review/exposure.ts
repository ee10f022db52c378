import { buildContext, TfResource } from "../compliance/checker";
import { ExposurePath, exposurePaths } from "../compliance/exposure/paths";
import { code, esc } from "./escape";

/** A path as the diff reports it (the exposure JSON's shape). */
export interface PathChange {
  readonly source: ExposurePath["source"];
  readonly destination: { readonly stack: string; readonly address: string; readonly group?: string };
  readonly protocol: string;
  readonly ports: readonly [number, number];
  readonly via: readonly string[];
  readonly status: ExposurePath["status"];
  readonly reason?: string;
  /** Opened paths only: does it reach something from outside the VPC that was not reachable from the internet before? */
  readonly widens?: boolean;
}

const keyOf = (p: PathChange) => JSON.stringify([p.source.kind, p.source.id, p.destination.stack, p.destination.address, p.protocol, p.ports, p.via]);
const shape = (p: ExposurePath): PathChange => ({
  source: p.source,
  destination: { stack: p.destination.stack, address: p.destination.address, ...(p.destination.group ? { group: p.destination.group } : {}) },
  protocol: p.protocol,
  ports: p.ports,
  via: p.via,
  status: p.status,
  ...(p.reason ? { reason: p.reason } : {}),
});
/** Sources outside the VPC: the internet, public CIDRs, prefix lists, peered VPCs. */
const OUTSIDE: readonly string[] = ["cidr", "prefix-list", "peering"];
const rank = (p: PathChange) => (p.source.kind === "internet" ? 0 : OUTSIDE.includes(p.source.kind) ? 1 : 2);

/**
 * Paths the change opens (in the head, not in the base — or open now where they were only
 * unverifiable) and closes, from the same analysis as `bulwark exposure`; internet first.
 */
export function exposureChanges(base: readonly TfResource[], head: readonly TfResource[]): { opened: PathChange[]; closed: PathChange[] } {
  // Covered paths (see ExposurePath.covered) count for what changed, and are listed only when not covered.
  const all = (resources: readonly TfResource[]) => exposurePaths(buildContext(resources)).map((p) => [keyOf(shape(p)), { path: shape(p), covered: !!p.covered }] as const);
  const beforeAll = new Map(all(base));
  const afterAll = new Map(all(head));
  const before = new Map([...beforeAll].map(([k, v]) => [k, v.path]));
  const after = new Map([...afterAll].map(([k, v]) => [k, v.path]));
  const wasOpenToInternet = (p: PathChange) =>
    [...before.values()].some((b) => b.source.kind === "internet" && b.destination.stack === p.destination.stack && b.destination.address === p.destination.address && b.protocol === p.protocol && b.ports[0] <= p.ports[0] && p.ports[1] <= b.ports[1]);
  const opened = [...after]
    .filter(([k, p]) => !afterAll.get(k)!.covered && (!before.has(k) || (p.status === "open" && before.get(k)!.status !== "open")))
    .map(([, p]) => ({ ...p, widens: p.source.kind === "internet" || (OUTSIDE.includes(p.source.kind) && !wasOpenToInternet(p)) }));
  const closed = [...before].filter(([k]) => !after.has(k) && !beforeAll.get(k)!.covered).map(([, p]) => p);
  const order = (a: PathChange, b: PathChange) => rank(a) - rank(b) || a.destination.stack.localeCompare(b.destination.stack) || a.destination.address.localeCompare(b.destination.address) || a.ports[0] - b.ports[0];
  return { opened: opened.sort(order), closed: closed.sort(order) };
}

/** One Markdown line per path, every interpolated string escaped. */
export function pathLine(p: PathChange): string {
  const from = p.source.kind === "internet" ? `the internet (${p.source.id})` : `${p.source.kind} ${p.source.id}${p.source.name ? ` (${p.source.name})` : ""}`;
  const ports = p.ports[0] === p.ports[1] ? `${p.ports[0]}` : `${p.ports[0]}-${p.ports[1]}`;
  return `- ${esc(from)} → ${code(`${p.destination.stack}/${p.destination.address}`)} on ${esc(`${p.protocol} ${ports}`)}${p.via.length ? ` via ${p.via.map((v) => code(v)).join(" → ")}` : ""}${p.status === "unverifiable" ? " (unverifiable)" : ""}`;
}

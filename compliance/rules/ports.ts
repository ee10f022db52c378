import { asNumber, WORLD } from "./values";

export const ADMIN_PORTS = [22, 3389];

/** Admin ports a rule's protocol and port range reach. */
export function adminPortsReached(protocol: unknown, fromPort: unknown, toPort: unknown): number[] {
  const p = String(protocol ?? "").toLowerCase();
  if (p === "-1" || p === "all") return ADMIN_PORTS;
  if (!["tcp", "udp", "6", "17"].includes(p)) return [];
  const from = asNumber(fromPort);
  const to = asNumber(toPort) ?? from;
  if (from === undefined || to === undefined) return [];
  return ADMIN_PORTS.filter((port) => from <= port && port <= to);
}

export function isWorldCidr(value: unknown): boolean {
  return typeof value === "string" && WORLD.includes(value);
}

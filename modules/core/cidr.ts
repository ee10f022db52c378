import * as ipaddr from "ipaddr.js";

/**
 * CIDR helpers on top of ipaddr.js: parsing with the family, containment, and IPv4 carving.
 * A helper lives here because network, network-acl, security-groups and bastion all read CIDRs.
 */

export type IpFamily = "ipv4" | "ipv6";

export interface ParsedCidr {
  readonly family: IpFamily;
  readonly address: ipaddr.IPv4 | ipaddr.IPv6;
  readonly prefix: number;
  /** Canonical text (`10.0.0.0/16`, `fd00::/64`). */
  readonly text: string;
}

/**
 * ipaddr.js also accepts legacy IPv4 forms (`10.0.0/8`, `0x0a.0.0.0/8`); AWS does not, so
 * IPv4 must be four decimal octets.
 */
function isValidCidrText(text: string): boolean {
  if (typeof text !== "string" || !ipaddr.isValidCIDR(text)) return false;
  const [address] = text.split("/");
  return address.includes(":") || /^\d{1,3}(\.\d{1,3}){3}$/.test(address);
}

/** Parses a CIDR; undefined when malformed or when host bits are set (`10.0.0.1/16`). */
export function parseCidr(text: string): ParsedCidr | undefined {
  if (!isValidCidrText(text)) return undefined;
  const [address, prefix] = ipaddr.parseCIDR(text);
  const family = address.kind() as IpFamily;
  const network = family === "ipv4" ? ipaddr.IPv4.networkAddressFromCIDR(text) : ipaddr.IPv6.networkAddressFromCIDR(text);
  if (network.toString() !== address.toString()) return undefined;
  return { family, address, prefix, text: `${address.toString()}/${prefix}` };
}

/** Why a CIDR is invalid, for error messages. */
export function cidrProblem(text: string): string | undefined {
  if (!isValidCidrText(text)) return "is not a valid IPv4 or IPv6 CIDR";
  if (!parseCidr(text)) return "has host bits set (use the network address)";
  return undefined;
}

/** True when the CIDR covers every address of its family. */
export function isWorld(text: string): boolean {
  const c = parseCidr(text);
  return c !== undefined && c.prefix === 0;
}

/** True when `outer` contains all of `inner` (same family). */
export function cidrContains(outer: string, inner: string): boolean {
  const o = parseCidr(outer);
  const i = parseCidr(inner);
  if (!o || !i || o.family !== i.family || i.prefix < o.prefix) return false;
  return (i.address as ipaddr.IPv4).match(o.address as ipaddr.IPv4, o.prefix);
}

/** True when an address (or a CIDR's network address) lies in the CIDR. */
export function addressInCidr(address: string, cidr: string): boolean {
  const c = parseCidr(cidr);
  if (!c || !ipaddr.isValid(address)) return false;
  const a = ipaddr.parse(address);
  if (a.kind() !== c.family) return false;
  return (a as ipaddr.IPv4).match(c.address as ipaddr.IPv4, c.prefix);
}

export function cidrsOverlap(a: string, b: string): boolean {
  return cidrContains(a, b) || cidrContains(b, a);
}

function v4ToInt(a: ipaddr.IPv4): number {
  return a.octets.reduce((n, o) => n * 256 + o, 0);
}

function intToV4(n: number): string {
  return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join(".");
}

/** The `index`-th subnet of `prefix` bits inside an IPv4 CIDR (Terraform's cidrsubnet). */
export function ipv4Subnet(parent: string, newPrefix: number, index: number): string {
  const p = parseCidr(parent);
  if (!p || p.family !== "ipv4") throw new Error(`${parent} is not an IPv4 CIDR`);
  const count = 2 ** (newPrefix - p.prefix);
  if (newPrefix < p.prefix || index < 0 || index >= count) throw new Error(`${parent} has no subnet #${index} of /${newPrefix}`);
  return `${intToV4(v4ToInt(p.address as ipaddr.IPv4) + index * 2 ** (32 - newPrefix))}/${newPrefix}`;
}

/** The n-th address of an IPv4 CIDR (e.g. +2 is the VPC resolver). */
export function ipv4Address(cidr: string, offset: number): string {
  const p = parseCidr(cidr);
  if (!p || p.family !== "ipv4") throw new Error(`${cidr} is not an IPv4 CIDR`);
  return intToV4(v4ToInt(p.address as ipaddr.IPv4) + offset);
}

import { INTERNET, parseCidr } from "../modules/core/cidr";
import { ADMIN_PORTS } from "../modules/core/ports";

/**
 * HCL twins of the shared predicates in modules/core (the world test, the admin ports), for the
 * variable validations of published modules. Each is rendered from the TypeScript definition it
 * mirrors, and __tests__/publish/predicates.test.ts evaluates both over the same inputs.
 */

/** The IPv6 internet as one CIDR (`2000::/3`), read from the shared INTERNET ranges. */
function ipv6InternetCidr(): { address: string; prefix: number } {
  const ranges = INTERNET.ipv6;
  if (ranges.length !== 1) throw new Error("the IPv6 internet is no longer one CIDR: rewrite isWorldHcl");
  const [lo, hi] = ranges[0];
  const prefix = 128 - (hi - lo + 1n).toString(2).length + 1;
  const hex = lo.toString(16).padStart(32, "0");
  const groups = hex.match(/.{4}/g)!.map((g) => g.replace(/^0+(?=.)/, ""));
  const address = groups.join(":").replace(/(^|:)0(:0)+$/, "::").replace(/^::?$/, "::");
  return { address, prefix };
}

/**
 * HCL that is true when the CIDR expression `cidr` alone covers the internet of its family: the
 * module-side `isWorld` (modules/core/cidr.ts). The CIDR is parsed, never compared as text, so
 * `0::/0`, `::0/0`, `0000::/0`, `00.0.0.0/0`, `10.0.0.1/0` and `::/1` are the world too: an IPv4
 * CIDR is the world only with prefix 0 (a /1 leaves half the internet out), an IPv6 CIDR when it
 * contains the global unicast range (2000::/3). A value that is no CIDR is not the world (the
 * CIDR validation refuses it). A union of CIDRs (0.0.0.0/1 + 128.0.0.0/1) cannot be judged by a
 * validation of one rule: `bulwark check` judges the plan.
 */
export function isWorldHcl(cidr: string): string {
  const v6 = ipv6InternetCidr();
  const prefix = `tonumber(split("/", ${cidr})[1])`;
  return `try(strcontains(${cidr}, ":") ? ${prefix} <= ${v6.prefix} && cidrhost(format("${v6.address}/%d", ${prefix}), 0) == cidrhost(${cidr}, 0) : ${prefix} == 0 && can(cidrhost(${cidr}, 0)), false)`;
}

/** HCL true when the port range `from`..`to` reaches an admin port (ADMIN_PORTS: 22, 3389). */
export function reachesAdminPortHcl(from: string, to: string): string {
  return `anytrue([for p in [${ADMIN_PORTS.join(", ")}] : ${from} <= p && p <= ${to}])`;
}

/** The admin ports in words, for error messages ("22 or 3389"). */
export const ADMIN_PORTS_TEXT = ADMIN_PORTS.join(" or ");

/** HCL true when `cidr` is an IPv4 or IPv6 CIDR whose address is its network: the twin of `cidrProblem` finding nothing (modules/core/cidr.ts). */
export function isNetworkCidrHcl(cidr: string): string {
  // An IPv4 octet with a leading zero: Terraform reads it as decimal, AWS and cidrProblem refuse it.
  return `(!try(!strcontains(${cidr}, ":") && can(regex("(^|[.])0[0-9]", split("/", ${cidr})[0])), false) && try(cidrhost(${cidr}, 0) == cidrhost(format("%s/%d", split("/", ${cidr})[0], strcontains(${cidr}, ":") ? 128 : 32), 0), false))`;
}

/** HCL twin of `cidrContains(outer, inner)` (modules/core/cidr.ts) for a literal `outer` CIDR and an HCL expression `inner`. */
export function cidrContainsHcl(outer: string, inner: string): string {
  const o = parseCidr(outer);
  if (!o) throw new Error(`${outer} is not a CIDR`);
  const family = o.family === "ipv6" ? `strcontains(${inner}, ":")` : `!strcontains(${inner}, ":")`;
  return `try(${family} && tonumber(split("/", ${inner})[1]) >= ${o.prefix} && cidrhost(format("%s/${o.prefix}", cidrhost(${inner}, 0)), 0) == cidrhost("${outer}", 0), false)`;
}

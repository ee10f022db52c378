import { isBroadPublicSource, publicKeyProblem, RSA_MIN_BODY_BYTES, SSH_KEY_TYPES } from "../../modules/bastion";
import { cidrProblem, cidrRange, isWorld } from "../../modules/core/cidr";
import { ADMIN_PORTS } from "../../modules/core/ports";
import { isBroadPublicSourceHcl, isPublicKeyHcl } from "../../publish/modules/bastion";
import { isNetworkCidrHcl, isWorldHcl, reachesAdminPortHcl } from "../../publish/predicates";
import { evaluateHcl } from "../support/terraform";

/** Spellings of the world and of ranges that are not: the module's HCL and the construct's TypeScript must agree on each. */
const CIDRS = [
  "0.0.0.0/0", "::/0", "0::/0", "::0/0", "0000::/0", "0:0:0:0:0:0:0:0/0", "00.0.0.0/0", "10.0.0.1/0", "::ffff:0.0.0.0/0",
  "::/1", "::/2", "2000::/3", "2001:db8::/3", "2000::/4", "8000::/1",
  "0.0.0.0/1", "128.0.0.0/1", "10.0.0.0/8", "203.0.113.0/24", "fd00::/8", "2001:db8::/32",
  "-", "not-a-cidr", "10.0.0.0/33",
];

/** Bastion allowlist entries: private ranges of any size, public ones around the /24 and /56 limits, malformed ones. */
const SOURCES = [
  "10.0.0.0/8", "10.20.0.0/16", "9.0.0.0/8", "11.0.0.0/8", "172.16.0.0/12", "172.32.0.0/12", "172.16.0.0/11", "192.168.0.0/16", "192.168.0.0/15",
  "100.64.0.0/10", "100.128.0.0/10", "fc00::/7", "fd00::/8", "fe00::/7", "203.0.113.0/24", "203.0.112.0/23", "203.0.113.128/25", "0.0.0.0/0", "::/0",
  "2001:db8::/56", "2001:db8::/55", "2001:db8::/64", "10.0.0.1/8", "10.0.0.1/32", "fd00::1/64", "fd00::1/128", "010.0.0.0/8", "10.0.0/8", "10.0.0.0/33", "-",
];

/** A key body: the header (length-prefixed type) of `type`, then `rest` bytes. */
function body(type: string, rest: number, headerOf = type): string {
  const header = Buffer.alloc(4 + headerOf.length);
  header.writeUInt32BE(headerOf.length, 0);
  header.write(headerOf, 4, "ascii");
  return Buffer.concat([header, Buffer.alloc(rest, 0xa7)]).toString("base64");
}

/** Valid keys of every type and near misses: wrong header, truncated, short RSA, odd padding and comments. */
const KEYS = [
  ...SSH_KEY_TYPES.flatMap((t) => [`${t} ${body(t, 51)} alice@laptop`, `${t} ${body(t, 300)}`, `${t} ${body(t, 0)}`, `${t} ${body(t, 1).replace(/=+$/, "")}`, `${t} ${body(t, 2)} `]),
  ...SSH_KEY_TYPES.map((t) => `${t} ${body(t, 40, t === "ssh-rsa" ? "ssh-rsb" : "ssh-rsa")}`),
  ...SSH_KEY_TYPES.map((t) => `${t} ${body(t, 40).slice(0, 14)}`),
  `ssh-rsa ${body("ssh-rsa", RSA_MIN_BODY_BYTES - 11 - 1)}`, `ssh-rsa ${body("ssh-rsa", RSA_MIN_BODY_BYTES - 11)}`, `ssh-rsa ${body("ssh-rsa", RSA_MIN_BODY_BYTES - 11 + 1)}`,
  `ecdsa-sha2-nistp256 ${body("ecdsa-sha2-nistp384", 80)}`, `ssh-ed25519 ${body("ssh-ed25519", 32)}==`, `ssh-ed25519 ${body("ssh-ed25519", 32)}===`,
  "ssh-ed25519 AAAA", "ssh-ed25519", "ssh-dss AAAAB3NzaC1kc3MAAACBAP", `ssh-ed25519  ${body("ssh-ed25519", 32)}`, `  ssh-ed25519 ${body("ssh-ed25519", 32)} trailing  `,
  `ssh-ed25519 ${body("ssh-ed25519", 32)} two\nlines`, "", "-----BEGIN OPENSSH PRIVATE KEY-----",
];

describe("HCL twins of the shared predicates", () => {
  it("judges a world CIDR as modules/core isWorld does, however it is spelled (one terraform console)", () => {
    const hcl = `[for c in ${JSON.stringify(CIDRS)} : ${isWorldHcl("c")}]`;
    const module = evaluateHcl(hcl) as boolean[];
    const construct = CIDRS.map((c) => isWorld(c));
    expect(CIDRS.map((c, i) => [c, module[i]])).toEqual(CIDRS.map((c, i) => [c, construct[i]]));
    // The spellings that passed the module as text before.
    for (const c of ["0::/0", "::0/0", "0000::/0", "00.0.0.0/0"]) expect([c, isWorld(c)]).toEqual([c, true]);
  });

  it("reaches the admin ports of ports.ts", () => {
    const ranges = [[0, 21], [22, 22], [20, 25], [23, 3388], [3389, 3389], [1024, 65535], [3390, 65535]];
    const module = evaluateHcl(`[for r in ${JSON.stringify(ranges)} : ${reachesAdminPortHcl("r[0]", "r[1]")}]`);
    expect(module).toEqual(ranges.map(([a, b]) => ADMIN_PORTS.some((p) => a <= p && p <= b)));
  });

  it("accepts the CIDRs cidrProblem accepts and judges bastion allowlist entries as the Bastion construct does (one terraform console)", () => {
    const all = [...new Set([...CIDRS, ...SOURCES])];
    const [network, broad] = evaluateHcl(`[${[isNetworkCidrHcl("c"), isBroadPublicSourceHcl("c")].map((p) => `[for c in ${JSON.stringify(all)} : ${p}]`).join(", ")}]`) as boolean[][];
    expect(all.map((c, i) => [c, network[i]])).toEqual(all.map((c) => [c, cidrProblem(c) === undefined]));
    expect(all.map((c, i) => [c, broad[i]])).toEqual(all.map((c) => [c, isBroadPublicSource(c)]));
    // An octet with a leading zero is decimal to Terraform and refused by AWS: both sides refuse it as input...
    for (const c of ["010.0.0.0/8", "10.0.0.00/32"]) expect([c, cidrProblem(c)]).toEqual([c, expect.stringContaining("leading zero")]);
    // ...and judging reads it as Terraform does (decimal), so no spelling of the world slips by.
    expect([isWorld("00.0.0.0/0"), cidrRange("010.0.0.0/8")?.range]).toEqual([true, cidrRange("10.0.0.0/8")!.range]);
    // Both verdicts occur, so the comparisons can fail either way.
    expect([broad.includes(true), broad.includes(false), network.includes(true), network.includes(false)]).toEqual([true, true, true, true]);
  });

  it("accepts the SSH public keys publicKeyProblem accepts, without decoding them (one terraform console)", () => {
    const module = evaluateHcl(`[for k in ${JSON.stringify(KEYS)} : ${isPublicKeyHcl("k")}]`) as boolean[];
    expect(KEYS.map((k, i) => [k, module[i]])).toEqual(KEYS.map((k) => [k, publicKeyProblem(k) === undefined]));
    const verdicts = KEYS.map((k) => publicKeyProblem(k) ?? "valid");
    for (const v of ["valid", "is not an OpenSSH public key (type, base64 body, optional comment)", "has a body that does not match its key type", "is an RSA key shorter than 2048 bits"]) expect(verdicts).toContain(v);
  });
});

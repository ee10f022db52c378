import { isWorld } from "../../modules/core/cidr";
import { ADMIN_PORTS } from "../../modules/core/ports";
import { isWorldHcl, reachesAdminPortHcl } from "../../publish/predicates";
import { evaluateHcl } from "../support/terraform";

/** Spellings of the world and of ranges that are not: the module's HCL and the construct's TypeScript must agree on each. */
const CIDRS = [
  "0.0.0.0/0", "::/0", "0::/0", "::0/0", "0000::/0", "0:0:0:0:0:0:0:0/0", "00.0.0.0/0", "10.0.0.1/0", "::ffff:0.0.0.0/0",
  "::/1", "::/2", "2000::/3", "2001:db8::/3", "2000::/4", "8000::/1",
  "0.0.0.0/1", "128.0.0.0/1", "10.0.0.0/8", "203.0.113.0/24", "fd00::/8", "2001:db8::/32",
  "-", "not-a-cidr", "10.0.0.0/33",
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
});

import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { hashedRuleNumber, NaclRule, resolveRules } from "../../modules/network-acl/rules";
import { bulwark } from "../support/cli";
import { init, offlinePlan } from "../support/terraform";

/** Names whose hashed numbers collide in a band: the first `count` groups found, searching r0, r1, ... */
function collisions(action: "allow" | "deny", count: number, size = 3): string[][] {
  const byNumber = new Map<number, string[]>();
  const found: string[][] = [];
  for (let i = 0; found.length < count; i++) {
    const name = `r${i}`;
    const n = hashedRuleNumber(name, action);
    const group = byNumber.get(n) ?? byNumber.set(n, []).get(n)!;
    group.push(name);
    if (group.length === size) found.push(group);
  }
  return found;
}

describe("NACL rule numbers: the published module numbers colliding rules as the construct does", () => {
  it("moves colliding rules to the next free number, past explicit numbers and earlier rules, on both sides", () => {
    const rules: Record<string, NaclRule> = {};
    const hcl: string[] = [];
    const add = (name: string, r: NaclRule) => {
      rules[name] = r;
      hcl.push(`    ${name} = { direction = "${r.direction}", action = "${r.action ?? "allow"}", protocol = "tcp", from_port = ${r.port}, to_port = ${r.port}, cidr = "${r.cidr}"${r.ruleNumber ? `, rule_number = ${r.ruleNumber}` : ""} }`);
    };
    // Three allow rules on one number, with an explicit number right after it and the next slot's own rule.
    const [allowGroup, secondAllow] = collisions("allow", 2);
    for (const name of [...allowGroup, ...secondAllow]) add(name, { direction: "ingress", protocol: "tcp", port: 443, cidr: "10.0.0.0/16" });
    const slot = hashedRuleNumber(allowGroup[0], "allow");
    add("pinned", { direction: "ingress", protocol: "tcp", port: 8443, cidr: "10.0.0.0/16", ruleNumber: slot + 1 });
    // Three deny rules on one number, egress.
    for (const name of collisions("deny", 1)[0]) add(name, { direction: "egress", action: "deny", protocol: "tcp", port: 25, cidr: "10.9.0.0/16" });
    const { rules: resolved, problems } = resolveRules(rules);
    expect(problems.filter((p) => p.severity === "error")).toEqual([]);
    const construct = Object.fromEntries(resolved.map((r) => [r.name, r.ruleNumber]));
    expect(new Set(Object.values(construct)).size).toBe(Object.keys(rules).length);

    const out = fs.mkdtempSync(path.join(os.tmpdir(), "bulwark-nacl-numbers-"));
    expect(bulwark(["publish", "--out", path.join(out, "modules"), "--module", "network-acl"]).status).toBe(0);
    const root = path.join(out, "root");
    fs.mkdirSync(root);
    fs.writeFileSync(
      path.join(root, "main.tf"),
      `provider "aws" {
  region = "eu-west-1"
}

module "acl" {
  source     = "../modules/network-acl"
  name       = "numbers"
  vpc_id     = "vpc-0123456789abcdef0"
  subnet_ids = { a = "subnet-0123456789abcdef0" }
  rules = {
${hcl.join("\n")}
  }
}

output "numbers" {
  value = module.acl.rule_numbers
}
`,
    );
    init(root);
    const plan = offlinePlan(root) as { planned_values?: { outputs?: { numbers?: { value?: Record<string, number> } } } };
    expect(plan.planned_values?.outputs?.numbers?.value).toEqual(construct);
  });
});

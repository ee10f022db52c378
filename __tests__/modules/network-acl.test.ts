import * as fc from "fast-check";
import { TerraformVariable, Testing } from "cdktf";
import { BulwarkValidationError } from "../../modules/core/errors";
import {
  appTierRules,
  dataTierRules,
  evaluateFlow,
  managementTierRules,
  NaclRule,
  NaclRules,
  NetworkAclTier,
  publicWebTierRules,
  resolveRules,
  returnTraffic,
} from "../../modules/network-acl";
import { hashedRuleNumber, RULE_NAME_PATTERN } from "../../modules/network-acl/rules";
import { hashedRuleNumberHcl } from "../../publish/modules/network-acl";
import { evaluateHcl, init, stageStack, validate } from "../support/terraform";
import { resourcesOf, synthJson, synthStack, testStack } from "../support/synth";

const resolved = (rules: NaclRules) => {
  const r = resolveRules(rules);
  const error = r.problems.find((p) => p.severity === "error");
  if (error) throw new Error(`${error.field} ${error.problem}`);
  return r.rules;
};

function acl(rules: NaclRules) {
  return synthJson((s) => new NetworkAclTier(s, "app", { name: "app", vpcId: "vpc-1", subnetIds: { a: "subnet-a", b: "subnet-b" }, rules }));
}

describe("NetworkAclTier", () => {
  const rules: NaclRules = {
    "https-in": { direction: "ingress", protocol: "tcp", port: 443, cidr: "10.0.0.0/16" },
    "block-bad": { direction: "ingress", action: "deny", protocol: "all", cidr: "10.0.99.0/24" },
    "ping-v6": { direction: "ingress", protocol: "icmpv6", icmpType: 128, cidr: "fd00::/8" },
    return: { direction: "egress", protocol: "tcp", fromPort: 1024, toPort: 65535, cidr: "10.0.0.0/16" },
  };

  it("makes one rule resource per name, with protocol numbers and family-specific CIDRs", () => {
    const r = resourcesOf(acl(rules), "aws_network_acl_rule");
    expect(Object.keys(r).sort()).toEqual(["app_rule-block-bad", "app_rule-https-in", "app_rule-ping-v6", "app_rule-return"]);
    expect(r["app_rule-https-in"]).toMatchObject({ egress: false, protocol: "6", from_port: 443, to_port: 443, cidr_block: "10.0.0.0/16", rule_action: "allow" });
    expect(r["app_rule-ping-v6"]).toMatchObject({ protocol: "58", icmp_type: 128, icmp_code: -1, ipv6_cidr_block: "fd00::/8" });
    expect(r["app_rule-ping-v6"].cidr_block).toBeUndefined();
    expect(r["app_rule-return"].egress).toBe(true);
  });

  it("numbers denies before allows, each from its name", () => {
    const r = resourcesOf(acl(rules), "aws_network_acl_rule");
    expect(r["app_rule-block-bad"].rule_number).toBeGreaterThanOrEqual(1000);
    expect(r["app_rule-block-bad"].rule_number).toBeLessThan(10000);
    expect(r["app_rule-https-in"].rule_number).toBeGreaterThanOrEqual(10000);
  });

  it("associates every subnet by name and creates no inline rules", () => {
    const json = acl(rules);
    expect(Object.keys(resourcesOf(json, "aws_network_acl_association")).sort()).toEqual(["app_subnet-a", "app_subnet-b"]);
    const nacl = resourcesOf(json, "aws_network_acl").app_acl;
    expect(nacl.ingress).toBeUndefined();
    expect(nacl.egress).toBeUndefined();
  });

  it("synthesizes identical output whatever order rules are written in", () => {
    const reversed = Object.fromEntries(Object.entries(rules).reverse());
    expect(JSON.stringify(acl(reversed))).toEqual(JSON.stringify(acl(rules)));
  });

  it("keeps every existing rule number when a rule is added in the middle", () => {
    const before = resolved(rules);
    const after = resolved({ ...rules, "https-in-2": { direction: "ingress", protocol: "tcp", port: 8443, cidr: "10.1.0.0/16" } });
    for (const r of before) expect(after.find((a) => a.name === r.name)!.ruleNumber).toBe(r.ruleNumber);
  });

  it("records a reasoned world admin rule as a suppression", () => {
    const json = acl({ "ssh-world": { direction: "ingress", protocol: "tcp", port: 22, cidr: "0.0.0.0/0", allowWorldAdminAccess: { reason: "break-glass SFTP vendor, time-boxed" } } });
    expect(resourcesOf(json, "aws_network_acl_rule")["app_rule-ssh-world"]["//"].bulwark.suppressions).toEqual([
      { ruleId: "nacl-no-world-admin-ports", reason: "break-glass SFTP vendor, time-boxed" },
    ]);
  });

  it("accepts a reasoned world rule beside a narrower rule reaching the same admin port, and refuses a world completed by an unreasoned rule", () => {
    const reason = { reason: "vendor jump host, ticket SEC-77" };
    // vpc-return (10.0.0.0/16, 1024-65535) is numbered before vendor-rdp: it lets part of the internet reach 3389 first.
    const rules = resolved({
      "vendor-rdp": { direction: "ingress", protocol: "tcp", port: 3389, cidr: "0.0.0.0/0", allowWorldAdminAccess: reason },
      "vpc-return": { direction: "ingress", protocol: "tcp", fromPort: 1024, toPort: 65535, cidr: "10.0.0.0/16" },
    });
    expect(rules.find((r) => r.name === "vpc-return")!.ruleNumber).toBeLessThan(rules.find((r) => r.name === "vendor-rdp")!.ruleNumber);
    expect(() =>
      resolved({
        "low-half": { direction: "ingress", protocol: "tcp", port: 3389, cidr: "0.0.0.0/1", allowWorldAdminAccess: reason },
        "high-half": { direction: "ingress", protocol: "tcp", port: 3389, cidr: "128.0.0.0/1" },
      }),
    ).toThrow(/rule high-half: cidr with rule .*allows the world to reach admin port 3389|rule high-half: cidr allows the world to reach admin port 3389/);
  });

  it("warns about a deny that an earlier allow shadows", () => {
    const stack = testStack();
    new NetworkAclTier(stack, "x", {
      name: "x",
      vpcId: "vpc-1",
      subnetIds: { a: "subnet-a" },
      rules: {
        wide: { direction: "ingress", protocol: "tcp", fromPort: 0, toPort: 65535, cidr: "10.0.0.0/8", ruleNumber: 100 },
        narrow: { direction: "ingress", action: "deny", protocol: "tcp", port: 22, cidr: "10.1.0.0/16", ruleNumber: 200 },
      },
    });
    const warnings = stack.node.findAll().flatMap((c) => c.node.metadata.filter((m) => m.type === "@cdktf/warn").map((m) => String(m.data)));
    expect(warnings).toEqual([expect.stringMatching(/rule narrow: can never match: allow rule wide \(100\) covers it first/)]);
  });

  const bad: [string, NaclRules, RegExp][] = [
    ["bad CIDR", { a: { direction: "ingress", protocol: "tcp", port: 22, cidr: "10.0.0.0/33" } }, /test\/app: rule a: cidr "10.0.0.0\/33" is not a valid IPv4 or IPv6 CIDR/],
    ["host bits", { a: { direction: "ingress", protocol: "tcp", port: 22, cidr: "10.0.0.1/16" } }, /has host bits set/],
    ["port 70000", { a: { direction: "ingress", protocol: "tcp", port: 70000, cidr: "10.0.0.0/8" } }, /rule a: port 70000 must be a port 0-65535/],
    ["from > to", { a: { direction: "ingress", protocol: "tcp", fromPort: 90, toPort: 80, cidr: "10.0.0.0/8" } }, /rule a: fromPort 90 must not exceed toPort 80/],
    ["protocol", { a: { direction: "ingress", protocol: "sctp" as never, cidr: "10.0.0.0/8" } }, /rule a: protocol "sctp" must be/],
    ["icmp on v6", { a: { direction: "ingress", protocol: "icmp", cidr: "::/0" } }, /use icmpv6/],
    ["rule number", { a: { direction: "ingress", protocol: "all", cidr: "10.0.0.0/8", ruleNumber: 32767 } }, /rule a: ruleNumber 32767 must be a whole number between 1 and 32766/],
    [
      "duplicate number",
      { a: { direction: "ingress", protocol: "all", cidr: "10.0.0.0/8", ruleNumber: 100 }, b: { direction: "ingress", protocol: "all", cidr: "10.1.0.0/16", ruleNumber: 100 } },
      /rule b: ruleNumber 100 is also used by ingress rule a/,
    ],
    ["world SSH", { ssh: { direction: "ingress", protocol: "tcp", port: 22, cidr: "0.0.0.0/0" } }, /rule ssh: cidr "0.0.0.0\/0" allows the world to reach admin port 22 \(EC2.21\)/],
    ["world RDP in a range", { r: { direction: "ingress", protocol: "tcp", fromPort: 1024, toPort: 65535, cidr: "::/0" } }, /admin port 3389/],
    ["world all", { r: { direction: "ingress", protocol: "all", cidr: "0.0.0.0/0" } }, /admin port 22 and 3389/],
    ["reason too short", { r: { direction: "ingress", protocol: "tcp", port: 22, cidr: "0.0.0.0/0", allowWorldAdminAccess: { reason: "x" } } }, /allowWorldAdminAccess.reason "x" must say why/],
    ["bad name", { "1a": { direction: "ingress", protocol: "all", cidr: "10.0.0.0/8" } }, /rule name "1a" is not a rule name/],
    [
      "over quota",
      Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`r${i}`, { direction: "ingress", protocol: "tcp", port: 1000 + i, cidr: "10.0.0.0/8" } as NaclRule])),
      /ingress rules 21 exceed the quota of 20/,
    ],
  ];
  it.each(bad)("refuses %s with a named error", (_what, rules, message) => {
    let error: unknown;
    try {
      acl(rules);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(BulwarkValidationError);
    expect((error as Error).message).toMatch(message);
  });

  it("refuses an ACL without subnets (EC2.16)", () => {
    expect(() => synthJson((s) => new NetworkAclTier(s, "x", { name: "x", vpcId: "v", subnetIds: {}, rules: {} }))).toThrow(/subnetIds \{\} must name at least one subnet/);
  });
});

describe("NetworkAclTier with Terraform references", () => {
  it("defers a referenced CIDR and referenced ports to Terraform instead of refusing the token", () => {
    const json = synthJson((s) => {
      const cidr = new TerraformVariable(s, "office_cidr", { type: "string" });
      const port = new TerraformVariable(s, "app_port", { type: "number" });
      const last = new TerraformVariable(s, "last_port", { type: "number" });
      new NetworkAclTier(s, "app", {
        name: "app",
        vpcId: "vpc-1",
        subnetIds: { a: "subnet-a" },
        rules: {
          "app-in": { direction: "ingress", protocol: "tcp", port: port.numberValue, cidr: cidr.stringValue },
          "range-in": { direction: "ingress", protocol: "tcp", fromPort: 1024, toPort: last.numberValue, cidr: "10.0.0.0/16" },
        },
      });
    });
    const rules = resourcesOf(json, "aws_network_acl_rule");
    expect(Object.values(rules).find((r) => r.cidr_block === "${var.office-cidr}")).toMatchObject({
      cidr_block: "${var.office-cidr}",
      from_port: "${var.app-port}",
      to_port: "${var.app-port}",
    });
    expect(Object.values(rules).find((r) => r.to_port === "${var.last-port}")).toMatchObject({ from_port: 1024, cidr_block: "10.0.0.0/16" });
  });

  it("still refuses a literal that is wrong next to a reference", () => {
    expect(() =>
      synthJson((s) => {
        const port = new TerraformVariable(s, "app_port", { type: "number" });
        new NetworkAclTier(s, "app", { name: "app", vpcId: "vpc-1", subnetIds: { a: "subnet-a" }, rules: { "app-in": { direction: "ingress", protocol: "tcp", port: port.numberValue, cidr: "10.0.0.0/33" } } });
      }),
    ).toThrow('app: rule app-in: cidr "10.0.0.0/33" is not a valid IPv4 or IPv6 CIDR');
  });
});

describe("tier presets under flow evaluation", () => {
  const world = "198.51.100.7";
  const web = ["10.0.0.0/24", "10.0.1.0/24"];
  const app = ["10.0.10.0/24", "10.0.11.0/24"];
  const data = ["10.0.20.0/24", "10.0.21.0/24"];

  it("public web: clients in on 443/80 and their replies out; the app port out and its replies in; nothing else", () => {
    const rules = resolved(publicWebTierRules({ appCidrs: app }));
    expect(evaluateFlow(rules, { direction: "ingress", protocol: "tcp", port: 443, remote: world }).action).toBe("allow");
    expect(evaluateFlow(rules, { direction: "egress", protocol: "tcp", port: 50000, remote: world }).action).toBe("allow");
    expect(evaluateFlow(rules, { direction: "egress", protocol: "tcp", port: 8080, remote: "10.0.10.5" }).action).toBe("allow");
    expect(evaluateFlow(rules, { direction: "ingress", protocol: "tcp", port: 40000, remote: "10.0.11.5" }).action).toBe("allow");
    expect(evaluateFlow(rules, { direction: "ingress", protocol: "tcp", port: 22, remote: world }).action).toBe("deny");
    expect(evaluateFlow(rules, { direction: "ingress", protocol: "tcp", port: 3389, remote: world }).action).toBe("deny");
    // Replies to the world use the ephemeral range, so only ports below 1024 stay closed outbound.
    expect(evaluateFlow(rules, { direction: "egress", protocol: "tcp", port: 22, remote: "10.0.20.5" }).action).toBe("deny");
    expect(evaluateFlow(rules, { direction: "ingress", protocol: "udp", port: 53, remote: world }).action).toBe("deny");
  });

  it("public web with NAT: private HTTPS out through the NAT and back, never world to 3389", () => {
    const rules = resolved(publicWebTierRules({ appCidrs: app, natClientCidrs: app }));
    expect(evaluateFlow(rules, { direction: "ingress", protocol: "tcp", port: 443, remote: "10.0.10.9" }).action).toBe("allow");
    expect(evaluateFlow(rules, { direction: "egress", protocol: "tcp", port: 443, remote: world }).action).toBe("allow");
    expect(evaluateFlow(rules, { direction: "ingress", protocol: "tcp", port: 33000, remote: world }).action).toBe("allow");
    expect(evaluateFlow(rules, { direction: "ingress", protocol: "tcp", port: 3389, remote: world }).action).toBe("deny");
    expect(evaluateFlow(rules, { direction: "egress", protocol: "tcp", port: 40000, remote: "10.0.11.9" }).action).toBe("allow");
  });

  it("app: the app port from web, replies to web; data port out, replies in; HTTPS to endpoints", () => {
    const rules = resolved(appTierRules({ webCidrs: web, dataCidrs: data, vpcCidr: "10.0.0.0/16" }));
    expect(evaluateFlow(rules, { direction: "ingress", protocol: "tcp", port: 8080, remote: "10.0.0.10" }).action).toBe("allow");
    expect(evaluateFlow(rules, { direction: "egress", protocol: "tcp", port: 61000, remote: "10.0.1.10" }).action).toBe("allow");
    expect(evaluateFlow(rules, { direction: "egress", protocol: "tcp", port: 5432, remote: "10.0.21.4" }).action).toBe("allow");
    expect(evaluateFlow(rules, { direction: "ingress", protocol: "tcp", port: 45000, remote: "10.0.20.4" }).action).toBe("allow");
    expect(evaluateFlow(rules, { direction: "egress", protocol: "tcp", port: 443, remote: "10.0.5.5" }).action).toBe("allow");
    expect(evaluateFlow(rules, { direction: "ingress", protocol: "tcp", port: 8080, remote: world }).action).toBe("deny");
    expect(evaluateFlow(rules, { direction: "egress", protocol: "tcp", port: 443, remote: world }).action).toBe("deny");
    expect(evaluateFlow(rules, { direction: "ingress", protocol: "tcp", port: 22, remote: "10.0.0.10" }).action).toBe("deny");
  });

  it("app without NAT: HTTPS out to S3's public addresses (gateway endpoint) and the replies, never the world to 22/3389", () => {
    const rules = resolved(appTierRules({ webCidrs: web, dataCidrs: data, vpcCidr: "10.0.0.0/16", httpsToS3: true }));
    const s3 = "52.218.0.10";
    expect(evaluateFlow(rules, { direction: "egress", protocol: "tcp", port: 443, remote: s3 }).action).toBe("allow");
    expect(evaluateFlow(rules, { direction: "ingress", protocol: "tcp", port: 40000, remote: s3 }).action).toBe("allow");
    expect(evaluateFlow(rules, { direction: "egress", protocol: "tcp", port: 80, remote: s3 }).action).toBe("deny");
    // Replies come back on ephemeral ports (a stateless ACL cannot tell them apart), never to the admin ports.
    for (const port of [22, 3389]) expect(evaluateFlow(rules, { direction: "ingress", protocol: "tcp", port, remote: world }).action).toBe("deny");
    // With NAT the internet rule covers S3 as well: no second rule.
    expect(Object.keys(appTierRules({ webCidrs: web, dataCidrs: data, vpcCidr: "10.0.0.0/16", httpsToS3: true, httpsToInternet: true }))).not.toContain("https-s3-out");
  });

  it("app holding the interface endpoints: HTTPS from each client subnet and the replies back to it; the web and data subnets stay out", () => {
    const mgmt = "10.0.30.0/28";
    const rules = resolved(appTierRules({ webCidrs: web, dataCidrs: data, vpcCidr: "10.0.0.0/16", endpointClientCidrs: [...app, mgmt] }));
    for (const client of ["10.0.10.7", "10.0.11.7", "10.0.30.7"]) {
      expect([client, evaluateFlow(rules, { direction: "ingress", protocol: "tcp", port: 443, remote: client })]).toEqual([client, { action: "allow", rule: expect.stringMatching(/^endpoint-clients-/) }]);
      for (const port of [1024, 50000, 65535]) expect([client, port, evaluateFlow(rules, { direction: "egress", protocol: "tcp", port, remote: client }).action]).toEqual([client, port, "allow"]);
    }
    for (const outsider of ["10.0.0.7", "10.0.20.7", "10.0.5.5", world]) expect([outsider, evaluateFlow(rules, { direction: "ingress", protocol: "tcp", port: 443, remote: outsider }).action]).toEqual([outsider, "deny"]);
    // Below the ephemeral range only 443 comes in, and no reply goes out there.
    expect(evaluateFlow(rules, { direction: "ingress", protocol: "tcp", port: 22, remote: "10.0.10.7" }).action).toBe("deny");
    expect(evaluateFlow(rules, { direction: "egress", protocol: "tcp", port: 80, remote: "10.0.10.7" }).action).toBe("deny");
    expect(rules.filter((r) => r.name.startsWith("endpoint-")).map((r) => `${r.direction} ${r.name} ${r.fromPort}-${r.toPort}`).sort()).toEqual(
      ["10-0-10-0-24", "10-0-11-0-24", "10-0-30-0-28"].flatMap((k) => [`egress endpoint-replies-${k} 1024-65535`, `ingress endpoint-clients-${k} 443-443`]).sort(),
    );
    // Subnets that hold no endpoints get none of these rules.
    expect(Object.keys(appTierRules({ webCidrs: web, dataCidrs: data, vpcCidr: "10.0.0.0/16" })).filter((k) => k.startsWith("endpoint-"))).toEqual([]);
  });

  it("data: the data port from app and replies only", () => {
    const rules = resolved(dataTierRules({ appCidrs: app, dataPorts: [5432, 6379] }));
    expect(evaluateFlow(rules, { direction: "ingress", protocol: "tcp", port: 6379, remote: "10.0.10.3" }).action).toBe("allow");
    expect(evaluateFlow(rules, { direction: "egress", protocol: "tcp", port: 50000, remote: "10.0.11.3" }).action).toBe("allow");
    expect(evaluateFlow(rules, { direction: "ingress", protocol: "tcp", port: 5432, remote: "10.0.0.3" }).action).toBe("deny");
    expect(evaluateFlow(rules, { direction: "egress", protocol: "tcp", port: 443, remote: "10.0.10.3" }).action).toBe("deny");
  });

  it("management: SSH only from the allowlist, HTTPS to endpoints", () => {
    const rules = resolved(managementTierRules({ vpcCidr: "10.0.0.0/16", sshCidrs: ["203.0.113.0/28"] }));
    expect(evaluateFlow(rules, { direction: "ingress", protocol: "tcp", port: 22, remote: "203.0.113.5" }).action).toBe("allow");
    expect(evaluateFlow(rules, { direction: "egress", protocol: "tcp", port: 50000, remote: "203.0.113.5" }).action).toBe("allow");
    expect(evaluateFlow(rules, { direction: "ingress", protocol: "tcp", port: 22, remote: world }).action).toBe("deny");
  });

  it("splits world return traffic around 3389", () => {
    expect(Object.values(returnTraffic("r", "ingress", "0.0.0.0/0"))).toEqual([
      { direction: "ingress", protocol: "tcp", fromPort: 1024, toPort: 3388, cidr: "0.0.0.0/0" },
      { direction: "ingress", protocol: "tcp", fromPort: 3390, toPort: 65535, cidr: "0.0.0.0/0" },
    ]);
  });
});

describe("NACL rule sets under fuzzing", () => {
  const cidr = fc.oneof(
    fc.tuple(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 32 })).map(([a, p]) => (p === 0 ? "0.0.0.0/0" : `10.${a}.0.0/${Math.max(p, 16)}`)),
    fc.constantFrom("::/0", "fd00::/8", "10.0.0.0/33", "10.0.0.1/16", "bogus"),
  );
  const rule: fc.Arbitrary<NaclRule> = fc.record(
    {
      direction: fc.constantFrom("ingress", "egress") as fc.Arbitrary<"ingress" | "egress">,
      action: fc.constantFrom("allow", "deny") as fc.Arbitrary<"allow" | "deny">,
      protocol: fc.constantFrom("tcp", "udp", "all", "icmp", "icmpv6", 47, 300) as fc.Arbitrary<NaclRule["protocol"]>,
      fromPort: fc.integer({ min: -1, max: 66000 }),
      toPort: fc.integer({ min: -1, max: 66000 }),
      cidr,
      ruleNumber: fc.integer({ min: 0, max: 33000 }),
      allowWorldAdminAccess: fc.constant({ reason: "vendor access, reviewed quarterly" }),
    },
    { requiredKeys: ["direction", "protocol", "cidr"] },
  );
  const ruleSet = fc.dictionary(fc.stringMatching(/^[a-z][a-z0-9-]{0,10}$/), rule, { maxKeys: 12 });
  const accepted: NaclRules[] = [];

  it("yields valid rules or a named error; no accepted set lets the world reach 22/3389 without a reason (500 runs)", () => {
    let rejected = 0;
    fc.assert(
      fc.property(ruleSet, (rules) => {
        let json;
        try {
          json = acl(rules);
        } catch (e) {
          expect(e).toBeInstanceOf(BulwarkValidationError);
          expect((e as Error).message).toMatch(/^test\/app: (rule [a-z0-9-]+: [a-zA-Z.]+|rule name|ingress rules|egress rules) /);
          rejected++;
          return;
        }
        accepted.push(rules);
        const out = Object.values(resourcesOf(json, "aws_network_acl_rule"));
        expect(out).toHaveLength(Object.keys(rules).length);
        for (const dir of [true, false]) {
          const numbers = out.filter((r) => r.egress === dir).map((r) => r.rule_number);
          expect(new Set(numbers).size).toBe(numbers.length);
        }
        for (const r of out) {
          expect(r.rule_number).toBeGreaterThanOrEqual(1);
          expect(r.rule_number).toBeLessThanOrEqual(32766);
          const world = r.cidr_block === "0.0.0.0/0" || r.ipv6_cidr_block === "::/0";
          const admin = r.protocol === "-1" || ((r.protocol === "6" || r.protocol === "17") && [22, 3389].some((p) => r.from_port <= p && p <= r.to_port));
          if (!r.egress && r.rule_action === "allow" && world && admin) expect(r["//"].bulwark.suppressions[0].ruleId).toBe("nacl-no-world-admin-ports");
        }
      }),
      { numRuns: 500, seed: Number(process.env.BULWARK_FUZZ_SEED ?? 20261126) },
    );
    expect(accepted.length).toBeGreaterThan(30);
    expect(rejected).toBeGreaterThan(30);
  });

  it("accepted rule sets are valid Terraform (one batched validate)", () => {
    const stack = testStack(Testing.app(), "nacl-fuzz");
    accepted.slice(0, 150).forEach((rules, i) => new NetworkAclTier(stack, `acl-${i}`, { name: `acl-${i}`, vpcId: "vpc-0123456789abcdef0", subnetIds: { a: "subnet-0123456789abcdef0" }, rules }));
    const dir = stageStack(synthStack(stack), "nacl-fuzz");
    init(dir);
    expect(validate(dir).warnings).toEqual([]);
  });
});

describe("rule numbers shared with the published module", () => {
  it("numbers a rule from its name exactly as the module's HCL does (terraform console, 300 names)", () => {
    const names = [...new Set(fc.sample(fc.stringMatching(RULE_NAME_PATTERN), { numRuns: 300, seed: Number(process.env.BULWARK_FUZZ_SEED ?? 20261126) }))];
    const hcl = evaluateHcl(
      `{ for k in ${JSON.stringify(names)} : k => [${hashedRuleNumberHcl("k", '"allow"')}, ${hashedRuleNumberHcl("k", '"deny"')}] }`,
    ) as Record<string, [number, number]>;
    expect(Object.keys(hcl).sort()).toEqual([...names].sort());
    for (const name of names) expect([name, ...hcl[name]]).toEqual([name, hashedRuleNumber(name, "allow"), hashedRuleNumber(name, "deny")]);
  });

  it("gives a synthesized rule its name's number when nothing collides", () => {
    const rules: NaclRules = {
      "https-in": { direction: "ingress", protocol: "tcp", port: 443, cidr: "10.0.0.0/8" },
      "block-bad": { direction: "ingress", action: "deny", protocol: "all", cidr: "192.0.2.0/24" },
    };
    const byName = Object.fromEntries(resolved(rules).map((r) => [r.name, r.ruleNumber]));
    expect(byName).toEqual({ "https-in": hashedRuleNumber("https-in", "allow"), "block-bad": hashedRuleNumber("block-bad", "deny") });
  });
});

import { ALL_RULES, configResources, runRules } from "../../compliance";
import * as fc from "fast-check";
import { BulwarkValidationError } from "../../modules/core/errors";
import { HardenedSecurityGroup, SecurityGroupTiers, SgRule } from "../../modules/security-groups";
import { resourcesOf, synthJson } from "../support/synth";

function group(rules: Record<string, SgRule>) {
  return synthJson((s) => new HardenedSecurityGroup(s, "sg", { name: "app", description: "App instances", vpcId: "vpc-1", rules }));
}

describe("HardenedSecurityGroup", () => {
  it("has no inline rules and, without rules, allows nothing (no default egress)", () => {
    const json = group({});
    const sg = resourcesOf(json, "aws_security_group").sg_group;
    expect(sg).toMatchObject({ name: "app", description: "App instances", vpc_id: "vpc-1", revoke_rules_on_delete: true });
    expect(sg.ingress).toBeUndefined();
    expect(sg.egress).toBeUndefined();
    expect(resourcesOf(json, "aws_vpc_security_group_egress_rule")).toEqual({});
  });

  it("makes one rule resource per name with its description and peer", () => {
    const json = group({
      https: { direction: "ingress", description: "HTTPS from the ALB", port: 443, peer: { securityGroupId: "sg-alb" } },
      dns: { direction: "egress", description: "DNS to the resolver", protocol: "udp", port: 53, peer: { cidr: "10.0.0.0/16" } },
      v6: { direction: "egress", description: "HTTPS over IPv6", port: 443, peer: { cidr: "::/0" } },
    });
    expect(resourcesOf(json, "aws_vpc_security_group_ingress_rule")["sg_in-https"]).toMatchObject({
      description: "HTTPS from the ALB",
      ip_protocol: "tcp",
      from_port: 443,
      to_port: 443,
      referenced_security_group_id: "sg-alb",
    });
    const out = resourcesOf(json, "aws_vpc_security_group_egress_rule");
    expect(out["sg_out-dns"]).toMatchObject({ ip_protocol: "udp", cidr_ipv4: "10.0.0.0/16" });
    expect(out["sg_out-v6"]).toMatchObject({ cidr_ipv6: "::/0" });
  });

  it("synthesizes identical output whatever order rules are written in", () => {
    const rules: Record<string, SgRule> = {
      a: { direction: "ingress", description: "HTTPS in", port: 443, peer: { cidr: "10.0.0.0/8" } },
      b: { direction: "egress", description: "DNS out", protocol: "udp", port: 53, peer: { cidr: "10.0.0.0/16" } },
      c: { direction: "ingress", description: "App port", port: 8080, peer: { securityGroupId: "sg-x" } },
    };
    expect(JSON.stringify(group(Object.fromEntries(Object.entries(rules).reverse())))).toEqual(JSON.stringify(group(rules)));
  });

  it.each([
    ["world SSH", { ssh: { direction: "ingress", description: "SSH in", port: 22, peer: { cidr: "0.0.0.0/0" } } }, /rule ssh: peer.cidr "0.0.0.0\/0" allows the world to reach admin port 22 \(EC2.53\/EC2.54\)/],
    ["world RDP on IPv6 in a range", { r: { direction: "ingress", description: "range", fromPort: 3000, toPort: 4000, peer: { cidr: "::/0" } } }, /admin port 3389/],
    ["world all protocols", { r: { direction: "ingress", description: "everything", protocol: "all", peer: { cidr: "0.0.0.0/0" } } }, /admin port 22 and 3389/],
    ["missing description", { r: { direction: "ingress", description: "", port: 443, peer: { cidr: "10.0.0.0/8" } } }, /rule r: description "" must say what the rule is for/],
    ["two peers", { r: { direction: "ingress", description: "HTTPS in", port: 443, peer: { cidr: "10.0.0.0/8", securityGroupId: "sg-1" } as never } }, /rule r: peer .* must be exactly one of/],
    ["bad port", { r: { direction: "ingress", description: "HTTPS in", port: -1, peer: { cidr: "10.0.0.0/8" } } }, /rule r: port -1 must be a port 0-65535/],
    ["bad CIDR", { r: { direction: "egress", description: "HTTPS out", port: 443, peer: { cidr: "10.0.0/8" } } }, /rule r: peer.cidr "10.0.0\/8" is not a valid/],
  ] as [string, Record<string, SgRule>, RegExp][])("refuses %s", (_what, rules, message) => {
    expect(() => group(rules)).toThrow(BulwarkValidationError);
    expect(() => group(rules)).toThrow(message);
  });

  it("allows a reasoned world admin rule and records the suppression", () => {
    const json = group({ ssh: { direction: "ingress", description: "SSH for the vendor", port: 22, peer: { cidr: "0.0.0.0/0" }, allowWorldAdminAccess: { reason: "vendor appliance, ticket SEC-42" } } });
    expect(resourcesOf(json, "aws_vpc_security_group_ingress_rule")["sg_in-ssh"]["//"].bulwark.suppressions[0].ruleId).toBe("sg-no-world-admin-ports");
    // Every rule that sees the world rule takes the reason: nothing stops the synth it was given for.
    const report = runRules(configResources(json as Record<string, unknown>, "s"), ALL_RULES, { scope: "resource" });
    expect(report.findings.filter((f) => f.address.includes("ssh") && !f.suppressed)).toEqual([]);
    expect(report.findings.filter((f) => f.suppressed).map((f) => f.ruleId).sort()).toEqual(["sg-no-world-admin-ports", "sg-no-world-unauthorized-ports"]);
  });

  it("refuses narrower rules that cover the internet between them on an admin port, naming both", () => {
    expect(() =>
      group({
        lo: { direction: "ingress", description: "SSH from the lower half", port: 22, peer: { cidr: "0.0.0.0/1" } },
        hi: { direction: "ingress", description: "SSH from the upper half", port: 22, peer: { cidr: "128.0.0.0/1" } },
      }),
    ).toThrow(/rule hi: peer\.cidr "128\.0\.0\.0\/1" with rule lo \(0\.0\.0\.0\/1\) allows the internet to reach admin port 22/);
  });

  it("never lets the world reach 22/3389 without a reason, whatever the rule (300 runs)", () => {
    const rule: fc.Arbitrary<SgRule> = fc.record({
      direction: fc.constantFrom("ingress", "egress") as fc.Arbitrary<"ingress" | "egress">,
      description: fc.constant("fuzzed rule"),
      protocol: fc.constantFrom("tcp", "udp", "all", "icmp") as fc.Arbitrary<SgRule["protocol"]>,
      fromPort: fc.integer({ min: 0, max: 65535 }),
      toPort: fc.integer({ min: 0, max: 65535 }),
      peer: fc.constantFrom({ cidr: "0.0.0.0/0" }, { cidr: "::/0" }, { cidr: "10.0.0.0/8" }, { securityGroupId: "sg-1" }),
    });
    fc.assert(
      fc.property(fc.dictionary(fc.stringMatching(/^[a-z][a-z0-9]{0,8}$/), rule, { maxKeys: 6 }), (rules) => {
        let json;
        try {
          json = group(rules);
        } catch (e) {
          expect(e).toBeInstanceOf(BulwarkValidationError);
          return;
        }
        for (const r of Object.values(resourcesOf(json, "aws_vpc_security_group_ingress_rule"))) {
          const world = r.cidr_ipv4 === "0.0.0.0/0" || r.cidr_ipv6 === "::/0";
          const admin = r.ip_protocol === "-1" || ((r.ip_protocol === "tcp" || r.ip_protocol === "udp") && [22, 3389].some((p) => r.from_port <= p && p <= r.to_port));
          expect(world && admin).toBe(false);
        }
      }),
      { numRuns: 300, seed: 20261126 },
    );
  });
});

describe("SecurityGroupTiers", () => {
  const json = synthJson(
    (s) =>
      new SecurityGroupTiers(s, "tiers", {
        name: "prod",
        vpcId: "vpc-1",
        vpcCidr: "10.0.0.0/16",
        endpointsSecurityGroupId: "sg-endpoints",
        s3PrefixListId: "pl-s3",
        tiers: ["web", "app", "data", "bastion"],
      }),
  );
  const ingress = Object.values(resourcesOf(json, "aws_vpc_security_group_ingress_rule"));
  const egress = Object.values(resourcesOf(json, "aws_vpc_security_group_egress_rule"));
  const sgRef = (tier: string) => `\${aws_security_group.tiers_${tier}_group.id}`;

  it("wires web → app → data by group reference", () => {
    expect(ingress).toContainEqual(expect.objectContaining({ security_group_id: sgRef("app"), from_port: 8080, referenced_security_group_id: sgRef("web") }));
    expect(ingress).toContainEqual(expect.objectContaining({ security_group_id: sgRef("data"), from_port: 5432, referenced_security_group_id: sgRef("app") }));
    expect(egress).toContainEqual(expect.objectContaining({ security_group_id: sgRef("web"), from_port: 8080, referenced_security_group_id: sgRef("app") }));
  });

  it("gives the bastion and data tiers no ingress from CIDRs and no egress to the world", () => {
    expect(ingress.filter((r) => r.security_group_id === sgRef("bastion"))).toEqual([]);
    expect(egress.filter((r) => r.security_group_id === sgRef("data"))).toEqual([]);
    expect(egress.filter((r) => r.cidr_ipv4 === "0.0.0.0/0")).toEqual([]);
  });

  it("keys client rules by CIDR: reordering webClientCidrs changes nothing", () => {
    const tiers = (webClientCidrs: string[]) =>
      synthJson((s) => new SecurityGroupTiers(s, "tiers", { name: "prod", vpcId: "vpc-1", vpcCidr: "10.0.0.0/16", endpointsSecurityGroupId: "sg-endpoints", tiers: ["web", "app"], webClientCidrs }));
    const forward = tiers(["198.51.100.0/24", "203.0.113.0/24"]);
    expect(tiers(["203.0.113.0/24", "198.51.100.0/24"])).toEqual(forward);
    expect(Object.keys(resourcesOf(forward, "aws_vpc_security_group_ingress_rule")).filter((k) => k.includes("clients")).sort()).toEqual([
      "tiers_web_in-http-clients-198-51-100-0-24",
      "tiers_web_in-http-clients-203-0-113-0-24",
      "tiers_web_in-https-clients-198-51-100-0-24",
      "tiers_web_in-https-clients-203-0-113-0-24",
    ]);
  });

  it("describes every group and rule", () => {
    for (const g of Object.values(resourcesOf(json, "aws_security_group"))) expect(g.description.length).toBeGreaterThan(10);
    for (const r of [...ingress, ...egress]) expect(r.description.length).toBeGreaterThan(5);
  });
});

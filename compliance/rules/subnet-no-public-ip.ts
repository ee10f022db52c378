import { key, topology } from "../exposure/topology";
import { Rule, RuleFinding } from "../model";
import { bool, describe, isUnknown, unknown } from "../values";

export const subnetNoPublicIp: Rule = {
  id: "subnet-no-public-ip",
  title: "Subnets do not assign public IPs on launch",
  severity: "error",
  scope: "resource",
  controls: { securityHub: ["EC2.15"], checkov: ["CKV_AWS_130"], trivy: ["AVD-AWS-0164"] },
  rationale:
    "With map_public_ip_on_launch every instance started in the subnet becomes internet-facing unless its launch says otherwise. " +
    "IPv6 addresses AWS assigns are globally routable: with assign_ipv6_address_on_creation in a subnet whose route table sends IPv6 to an internet gateway, every instance gets a public address too.",
  remediation:
    "Set map_public_ip_on_launch = false (the default of modules/network); for IPv6, leave assign_ipv6_address_on_creation off or route ::/0 through an egress-only internet gateway.",
  check: (ctx) =>
    ctx.ofType("aws_subnet").flatMap((resource): RuleFinding[] => {
      const v = bool(resource.values.map_public_ip_on_launch);
      if (v === true) return [{ resource, message: "subnet maps public IPs on launch" }];
      if (isUnknown(v) && v.set !== false) return [{ resource, message: `map_public_ip_on_launch is ${describe(v)}`, unverifiable: v }];
      // IPv6: an address on creation is public where the subnet's routes reach an internet gateway.
      const v6 = bool(resource.values.assign_ipv6_address_on_creation);
      if (v6 !== true && !(isUnknown(v6) && v6.set !== false)) return [];
      const internet = topology(ctx).subnets.get(key(resource))?.routing.internet.ipv6;
      const routed = internet === undefined ? undefined : internet.certain.length > 0 ? true : internet.possible.length > 0 ? undefined : false;
      if (routed === false) return [];
      if (v6 === true && routed === true) return [{ resource, message: "subnet assigns IPv6 addresses on launch and routes IPv6 to an internet gateway: every instance launched here is reachable from the internet" }];
      const why = v6 === true ? "its route table's IPv6 routes cannot be followed to say whether they reach an internet gateway" : `assign_ipv6_address_on_creation is ${describe(v6)}`;
      return [{ resource, message: `subnet may give instances a public IPv6 address: ${why}`, unverifiable: isUnknown(v6) ? v6 : unknown(why) }];
    }),
  fixtures: {
    pass: { resource: { aws_subnet: { a: { vpc_id: "vpc-1", cidr_block: "10.0.0.0/24", map_public_ip_on_launch: false } } } },
    fail: { resource: { aws_subnet: { a: { vpc_id: "vpc-1", cidr_block: "10.0.0.0/24", map_public_ip_on_launch: true } } } },
  },
};

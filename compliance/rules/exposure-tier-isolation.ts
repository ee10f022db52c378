import { listedPaths } from "../exposure/paths";
import { TIER_TAG, topology } from "../exposure/topology";
import { Rule, RuleFinding, TfJsonFixture } from "../model";

/** The tag that names a security group's tier (SecurityGroupTiers sets it; any Terraform may). */
export { TIER_TAG };

/** Which tiers may reach a tier at all. */
export const TIER_SOURCES: Readonly<Record<string, readonly string[]>> = { data: ["app"] };

/** One subnet, an instance in the data tier and one in `source`'s tier, the data tier admitting that tier's group. */
function dataTierReachedFrom(source: string): TfJsonFixture {
  return {
    resource: {
      aws_vpc: { v: { cidr_block: "10.0.0.0/16" } },
      aws_subnet: { s: { vpc_id: "${aws_vpc.v.id}", cidr_block: "10.0.1.0/24" } },
      aws_security_group: {
        [source]: { vpc_id: "${aws_vpc.v.id}", description: source, tags: { [TIER_TAG]: source }, egress: [{ protocol: "tcp", from_port: 5432, to_port: 5432, security_groups: ["${aws_security_group.data.id}"], description: "db" }] },
        data: { vpc_id: "${aws_vpc.v.id}", description: "data", tags: { [TIER_TAG]: "data" }, ingress: [{ protocol: "tcp", from_port: 5432, to_port: 5432, security_groups: [`\${aws_security_group.${source}.id}`], description: `from ${source}` }] },
      },
      aws_instance: {
        client: { ami: "ami-12345678", subnet_id: "${aws_subnet.s.id}", vpc_security_group_ids: [`\${aws_security_group.${source}.id}`] },
        db: { ami: "ami-12345678", subnet_id: "${aws_subnet.s.id}", vpc_security_group_ids: ["${aws_security_group.data.id}"] },
      },
    },
  };
}

export const exposureTierIsolation: Rule = {
  id: "exposure-tier-isolation",
  title: "The data tier is reachable only from the app tier",
  severity: "error",
  scope: "resource",
  controls: {},
  rationale:
    "A database reached from the load balancers, the bastion, an office range or the internet is one flaw away from a breach; the app tier is the only thing that should talk to it. Tiers are read from the `bulwark:tier` tag of the security groups (SecurityGroupTiers sets it), and every path to a group tagged `data` is followed through routes, ACLs and security groups.",
  remediation: "Admit the data ports only from the app tier's security group; remove address ranges and other groups from the data tier's rules.",
  check: (ctx) => {
    const topo = topology(ctx);
    const tierOf = (stack: string, group: string) => {
      const tags = topo.group(stack, group)?.owner?.values.tags;
      const t = tags && typeof tags === "object" ? (tags as Record<string, unknown>)[TIER_TAG] : undefined;
      return typeof t === "string" ? t : undefined;
    };
    return listedPaths(ctx).flatMap((p): RuleFinding[] => {
      const tiers = (p.groups ?? []).map((g) => tierOf(p.resource.stack, g)).filter((t): t is string => !!t && t in TIER_SOURCES);
      if (tiers.length === 0) return [];
      const sourceTier = p.source.kind === "security-group" ? tierOf(p.resource.stack, p.source.id) : undefined;
      const bad = tiers.filter((t) => !(sourceTier && TIER_SOURCES[t].includes(sourceTier)));
      if (bad.length === 0) return [];
      const from = p.source.kind === "internet" ? `the internet (${p.source.id})` : `${p.source.kind} ${p.source.id}${sourceTier ? ` (tier ${sourceTier})` : ""}`;
      return [
        {
          resource: p.resource,
          subject: `${p.protocol} ${p.ports.join("-")} from ${p.source.kind} ${p.source.id}`,
          message: `${from} reaches the ${bad[0]} tier (${p.destination.address}) on ${p.protocol} ${p.ports[0] === p.ports[1] ? p.ports[0] : p.ports.join("-")}; only ${TIER_SOURCES[bad[0]].join(", ")} may`,
          ...(p.status === "unverifiable" ? { unverifiable: true as const } : {}),
        },
      ];
    });
  },
  fixtures: { pass: dataTierReachedFrom("app"), fail: dataTierReachedFrom("bastion") },
};

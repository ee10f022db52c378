import { ADMIN_PORTS } from "../../modules/core/ports";
import { listedPaths } from "../exposure/paths";
import { Rule, RuleFinding, TfJsonFixture } from "../model";

/** A VPC with a public subnet and an instance whose group allows SSH from anywhere. */
function sshInPublicSubnet(publicIp: boolean): TfJsonFixture {
  return {
    resource: {
      aws_vpc: { v: { cidr_block: "10.0.0.0/16" } },
      aws_internet_gateway: { i: { vpc_id: "${aws_vpc.v.id}" } },
      aws_route_table: { public: { vpc_id: "${aws_vpc.v.id}", route: [{ cidr_block: "0.0.0.0/0", gateway_id: "${aws_internet_gateway.i.id}" }] } },
      aws_subnet: { s: { vpc_id: "${aws_vpc.v.id}", cidr_block: "10.0.1.0/24" } },
      aws_route_table_association: { s: { subnet_id: "${aws_subnet.s.id}", route_table_id: "${aws_route_table.public.id}" } },
      aws_security_group: { g: { vpc_id: "${aws_vpc.v.id}", description: "web", ingress: [{ protocol: "tcp", from_port: 22, to_port: 22, cidr_blocks: ["0.0.0.0/0"], description: "ssh" }] } },
      aws_instance: { a: { ami: "ami-12345678", subnet_id: "${aws_subnet.s.id}", vpc_security_group_ids: ["${aws_security_group.g.id}"], associate_public_ip_address: publicIp } },
    },
  };
}

export const exposureNoInternetAdmin: Rule = {
  id: "exposure-no-internet-admin",
  title: "No path from the internet reaches an admin port",
  severity: "error",
  scope: "resource",
  controls: { cis: ["5.2", "5.3", "5.4"] },
  rationale:
    "A rule-by-rule check misses a door that only routes, ACLs and security groups open together. This rule follows the whole path — a route to an internet gateway, a public address, the ACL both ways, the security groups — to SSH (22) and RDP (3389) on anything that runs in the VPC.",
  remediation: "Close the path at any layer: no public address, no route to the internet gateway, or no ACL or security-group rule admitting the internet to 22/3389. Reach hosts with Session Manager.",
  check: (ctx) =>
    listedPaths(ctx)
      .filter((p) => p.source.kind === "internet" && ADMIN_PORTS.some((port) => p.ports[0] <= port && port <= p.ports[1]))
      .map((p): RuleFinding => ({
        resource: p.resource,
        subject: `${p.protocol} ${p.ports.join("-")} from ${p.source.id}`,
        message: `the internet (${p.source.id}) reaches ${p.destination.kind} ${p.destination.address} on ${p.protocol} ${p.ports[0] === p.ports[1] ? p.ports[0] : p.ports.join("-")}${p.via.length ? ` via ${p.via.join(" → ")}` : ""}`,
        ...(p.status === "unverifiable" ? { unverifiable: true as const } : {}),
      })),
  // The group opens 22 to the world in both; only the instance's public address makes the path.
  fixtures: { pass: sshInPublicSubnet(false), fail: sshInPublicSubnet(true) },
};

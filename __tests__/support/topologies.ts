/** Hand-built Terraform topologies for the exposure tests: a VPC and whatever a test adds to it. */

export type Res = Record<string, Record<string, Record<string, unknown>>>;

/** A VPC with a public subnet (route to an internet gateway) and a private one, and whatever `extra` adds. */
export function vpc(extra: Res): Res {
  const base: Res = {
    aws_vpc: { v: { cidr_block: "10.0.0.0/16" } },
    aws_internet_gateway: { igw: { vpc_id: "${aws_vpc.v.id}" } },
    aws_route_table: {
      public: { vpc_id: "${aws_vpc.v.id}", route: [{ cidr_block: "0.0.0.0/0", gateway_id: "${aws_internet_gateway.igw.id}" }] },
      private: { vpc_id: "${aws_vpc.v.id}" },
    },
    aws_subnet: {
      public: { vpc_id: "${aws_vpc.v.id}", cidr_block: "10.0.1.0/24", map_public_ip_on_launch: true },
      private: { vpc_id: "${aws_vpc.v.id}", cidr_block: "10.0.2.0/24" },
    },
    aws_route_table_association: {
      public: { subnet_id: "${aws_subnet.public.id}", route_table_id: "${aws_route_table.public.id}" },
      private: { subnet_id: "${aws_subnet.private.id}", route_table_id: "${aws_route_table.private.id}" },
    },
  };
  const out: Res = structuredClone(base);
  for (const [type, byName] of Object.entries(extra)) out[type] = { ...(out[type] ?? {}), ...byName };
  return out;
}

export const sshGroup = { vpc_id: "${aws_vpc.v.id}", description: "ssh", ingress: [{ protocol: "tcp", from_port: 22, to_port: 22, cidr_blocks: ["0.0.0.0/0"], description: "ssh" }] };
export const instanceIn = (subnet: string, group = "ssh") => ({ ami: "ami-12345678", subnet_id: `\${aws_subnet.${subnet}.id}`, vpc_security_group_ids: [`\${aws_security_group.${group}.id}`] });

/** An internet-facing ALB in the public subnet forwarding 443 to an Auto Scaling group in the private one on 8080. */
export function albToPrivateGroup(): Res {
  return vpc({
    aws_security_group: {
      web: { vpc_id: "${aws_vpc.v.id}", description: "lb", ingress: [{ protocol: "tcp", from_port: 443, to_port: 443, cidr_blocks: ["0.0.0.0/0"], description: "https" }], egress: [{ protocol: "tcp", from_port: 8080, to_port: 8080, security_groups: ["${aws_security_group.app.id}"], description: "to app" }] },
      app: { vpc_id: "${aws_vpc.v.id}", description: "app", ingress: [{ protocol: "tcp", from_port: 8080, to_port: 8080, security_groups: ["${aws_security_group.web.id}"], description: "from lb" }] },
    },
    aws_lb: { alb: { internal: false, subnets: ["${aws_subnet.public.id}"], security_groups: ["${aws_security_group.web.id}"] } },
    aws_lb_target_group: { t: { port: 8080, protocol: "HTTP", vpc_id: "${aws_vpc.v.id}" } },
    aws_lb_listener: { https: { load_balancer_arn: "${aws_lb.alb.arn}", port: 443, protocol: "HTTPS", default_action: [{ type: "forward", target_group_arn: "${aws_lb_target_group.t.arn}" }] } },
    aws_launch_template: { app: { vpc_security_group_ids: ["${aws_security_group.app.id}"] } },
    aws_autoscaling_group: { app: { min_size: 1, max_size: 2, vpc_zone_identifier: ["${aws_subnet.private.id}"], target_group_arns: ["${aws_lb_target_group.t.arn}"], launch_template: { id: "${aws_launch_template.app.id}", version: "${aws_launch_template.app.latest_version}" } } },
  });
}

/**
 * `bulwark exposure` beyond the internet: interface endpoints as destinations, subnet tiers,
 * prefix lists and peered VPCs as sources, and a network load balancer that passes the client's
 * address to its targets — each on hand-built topologies whose answer is known, traps included.
 */
import { ALL_RULES, buildContext, configResources, planResources, runRules } from "../../compliance";
import { listedPaths as exposurePaths } from "../../compliance/exposure/paths";
import { filterPaths } from "../../cli/exposure";
import { exposureJson } from "../../compliance/exposure/render";
import { exposureChanges } from "../../review/exposure";
import { instanceIn, Res, sshGroup, vpc } from "../support/topologies";

const run = (resource: Res) => exposurePaths(buildContext(configResources({ resource }, "s")));
const line = (p: ReturnType<typeof run>[number]) =>
  `${p.status} ${p.source.kind}:${p.source.id}${p.source.name ? ` (${p.source.name})` : ""} -> ${p.destination.address} ${p.protocol} ${p.ports.join("-")}${p.via.length ? ` via ${p.via[0]}` : ""}`;
const paths = (resource: Res) => run(resource).map(line).sort();

/** A group admitting `port` from `cidrs` (and whatever else `extra` adds to the rule). */
const groupAdmitting = (port: number, cidrs: string[], extra: Record<string, unknown> = {}) => ({
  vpc_id: "${aws_vpc.v.id}",
  description: "g",
  ingress: [{ protocol: "tcp", from_port: port, to_port: port, cidr_blocks: cidrs, description: "in", ...extra }],
});

describe("interface endpoints as destinations", () => {
  const endpoint = (props: Record<string, unknown> = {}) => ({
    vpc_id: "${aws_vpc.v.id}",
    service_name: "com.amazonaws.eu-west-1.ssm",
    vpc_endpoint_type: "Interface",
    subnet_ids: ["${aws_subnet.private.id}"],
    security_group_ids: ["${aws_security_group.endpoints.id}"],
    ...props,
  });

  it("is reached on HTTPS from the VPC's subnets and never from the internet, even open to the world in a public subnet", () => {
    expect(paths(vpc({ aws_security_group: { endpoints: groupAdmitting(443, ["10.0.0.0/16"]) }, aws_vpc_endpoint: { ssm: endpoint() } }))).toEqual([
      "open subnet:aws_subnet.private -> aws_vpc_endpoint.ssm tcp 443-443",
      "open subnet:aws_subnet.public -> aws_vpc_endpoint.ssm tcp 443-443",
    ]);
    // Trap: world-open, in the subnet with the internet gateway route — but an endpoint has no public address.
    const exposed = paths(vpc({ aws_security_group: { endpoints: groupAdmitting(443, ["0.0.0.0/0"]) }, aws_vpc_endpoint: { ssm: endpoint({ subnet_ids: ["${aws_subnet.public.id}"] }) } }));
    expect(exposed.filter((l) => l.includes("internet"))).toEqual([]);
    expect(exposed).toEqual(["open subnet:aws_subnet.private -> aws_vpc_endpoint.ssm tcp 443-443", "open subnet:aws_subnet.public -> aws_vpc_endpoint.ssm tcp 443-443"]);
  });

  it("answers an AWS service only on 443 however wide its group is; a PrivateLink service on what its group admits", () => {
    const wide = { vpc_id: "${aws_vpc.v.id}", description: "all", ingress: [{ protocol: "-1", from_port: 0, to_port: 0, cidr_blocks: ["10.0.2.0/24"], description: "all" }] };
    expect(paths(vpc({ aws_security_group: { endpoints: wide }, aws_vpc_endpoint: { ssm: endpoint() } }))).toEqual(["open subnet:aws_subnet.private -> aws_vpc_endpoint.ssm tcp 443-443"]);
    const custom = paths(vpc({ aws_security_group: { endpoints: groupAdmitting(5432, ["10.0.2.0/24"]) }, aws_vpc_endpoint: { db: endpoint({ service_name: "com.amazonaws.vpce.eu-west-1.vpce-svc-0123456789abcdef0" }) } }));
    expect(custom).toEqual(["open subnet:aws_subnet.private -> aws_vpc_endpoint.db tcp 5432-5432"]);
    const smtp = paths(vpc({ aws_security_group: { endpoints: wide }, aws_vpc_endpoint: { mail: endpoint({ service_name: "com.amazonaws.eu-west-1.email-smtp" }) } }));
    expect(smtp.map((l) => l.split(" tcp ")[1])).toEqual(["25-25", "465-465", "587-587", "2465-2465", "2587-2587"].sort());
    // A gateway endpoint is a route target, not something that answers.
    expect(paths(vpc({ aws_vpc_endpoint: { s3: { vpc_id: "${aws_vpc.v.id}", service_name: "com.amazonaws.eu-west-1.s3", vpc_endpoint_type: "Gateway" } } }))).toEqual([]);
  });

  it("follows subnet and group associations, a group reference, and the VPC's default group when none is named", () => {
    const assoc = vpc({
      aws_security_group: { endpoints: { vpc_id: "${aws_vpc.v.id}", description: "e", ingress: [{ protocol: "tcp", from_port: 443, to_port: 443, security_groups: ["${aws_security_group.app.id}"], description: "app" }] }, app: { vpc_id: "${aws_vpc.v.id}", description: "app", egress: [{ protocol: "tcp", from_port: 443, to_port: 443, cidr_blocks: ["10.0.0.0/16"], description: "out" }] } },
      aws_vpc_endpoint: { ssm: endpoint({ subnet_ids: undefined, security_group_ids: undefined }) },
      aws_vpc_endpoint_subnet_association: { a: { vpc_endpoint_id: "${aws_vpc_endpoint.ssm.id}", subnet_id: "${aws_subnet.private.id}" } },
      aws_vpc_endpoint_security_group_association: { a: { vpc_endpoint_id: "${aws_vpc_endpoint.ssm.id}", security_group_id: "${aws_security_group.endpoints.id}" } },
      aws_instance: { app: instanceIn("public", "app") },
    });
    expect(paths(assoc)).toEqual(["open security-group:aws_security_group.app -> aws_vpc_endpoint.ssm tcp 443-443 via aws_instance.app"]);
    // No group named: the VPC's default group, which admits only its own members; not in the input: unverifiable.
    const dflt = (extra: Res) => paths(vpc({ aws_vpc_endpoint: { ssm: endpoint({ security_group_ids: undefined }) }, ...extra }));
    expect(dflt({ aws_default_security_group: { d: { vpc_id: "${aws_vpc.v.id}", ingress: [{ protocol: "-1", from_port: 0, to_port: 0, self: true }] } } })).toEqual([]);
    expect(dflt({})).toEqual(["unverifiable subnet:aws_subnet.private -> aws_vpc_endpoint.ssm tcp 443-443", "unverifiable subnet:aws_subnet.public -> aws_vpc_endpoint.ssm tcp 443-443"]);
  });

  it("is reached from its own subnet only when the ACL keeps the other subnets out (the reply trap included)", () => {
    const acl = (replyCidr: string) => ({
      aws_network_acl: { priv: { vpc_id: "${aws_vpc.v.id}", subnet_ids: ["${aws_subnet.private.id}"] } },
      aws_network_acl_rule: {
        in: { network_acl_id: "${aws_network_acl.priv.id}", rule_number: 100, egress: false, protocol: "6", rule_action: "allow", cidr_block: "10.0.0.0/16", from_port: 443, to_port: 443 },
        out: { network_acl_id: "${aws_network_acl.priv.id}", rule_number: 100, egress: true, protocol: "6", rule_action: "allow", cidr_block: replyCidr, from_port: 1024, to_port: 65535 },
      },
    });
    const base = { aws_security_group: { endpoints: groupAdmitting(443, ["10.0.0.0/16"]) }, aws_vpc_endpoint: { ssm: endpoint() } };
    expect(paths(vpc({ ...base, ...acl("10.0.0.0/16") }))).toEqual(["open subnet:aws_subnet.private -> aws_vpc_endpoint.ssm tcp 443-443", "open subnet:aws_subnet.public -> aws_vpc_endpoint.ssm tcp 443-443"]);
    // The request is let in from the VPC but the reply only back to the private subnet itself.
    expect(paths(vpc({ ...base, ...acl("10.0.2.0/24") }))).toEqual(["open subnet:aws_subnet.private -> aws_vpc_endpoint.ssm tcp 443-443"]);
  });
});

describe("subnet tiers as sources", () => {
  it("names a tier by its bulwark:tier tag across subnets, and the part of it a narrower rule admits", () => {
    const tiered = (cidrs: string[]) => {
      const r = vpc({ aws_subnet: { private2: { vpc_id: "${aws_vpc.v.id}", cidr_block: "10.0.3.0/24" } }, aws_security_group: { db: groupAdmitting(5432, cidrs) }, aws_instance: { db: instanceIn("private", "db") } });
      for (const s of ["private", "private2"]) r.aws_subnet[s].tags = { "bulwark:tier": "app" };
      return paths(r);
    };
    expect(tiered(["10.0.2.0/24", "10.0.3.0/24"])).toEqual(["open subnet:tier:app -> aws_instance.db tcp 5432-5432"]);
    expect(tiered(["10.0.3.0/24"])).toEqual(["open subnet:tier:app (10.0.3.0/24) -> aws_instance.db tcp 5432-5432"]);
  });

  it("reports the tiers a group admits as unverifiable sources when where the workload runs is not known", () => {
    expect(paths(vpc({ aws_security_group: { db: groupAdmitting(5432, ["10.0.2.0/24"]) }, aws_instance: { db: { ...instanceIn("private", "db"), subnet_id: "${var.subnet}" } } }))).toEqual([
      "unverifiable subnet:aws_subnet.private -> aws_instance.db tcp 5432-5432",
    ]);
  });

  it("judges subnets of another stack apart, even where their groups have the same addresses", () => {
    const open = vpc({ aws_security_group: { ssh: sshGroup }, aws_instance: { a: instanceIn("public") } });
    const closed = vpc({ aws_security_group: { ssh: { ...sshGroup, ingress: [] } }, aws_instance: { a: instanceIn("public") } });
    const ctx = buildContext([...configResources({ resource: open }, "one"), ...configResources({ resource: closed }, "two")]);
    expect(exposurePaths(ctx).map((p) => `${p.destination.stack} ${p.source.kind}`)).toEqual(["one internet"]);
  });
});

describe("prefix lists as sources", () => {
  const office = (entries: Record<string, unknown>) => ({ aws_ec2_managed_prefix_list: { office: { name: "office", address_family: "IPv4", max_entries: 5, ...entries } } });
  const sshFromList = (list: string) => ({ vpc_id: "${aws_vpc.v.id}", description: "ssh", ingress: [{ protocol: "tcp", from_port: 22, to_port: 22, prefix_list_ids: [list], description: "office" }] });

  it("names a customer-managed list by its entries, inline or as entry resources", () => {
    const inline = vpc({ ...office({ entry: [{ cidr: "203.0.113.0/24" }] }), aws_security_group: { ssh: sshFromList("${aws_ec2_managed_prefix_list.office.id}") }, aws_instance: { a: instanceIn("public") } });
    expect(paths(inline)).toEqual(["open prefix-list:aws_ec2_managed_prefix_list.office (office) -> aws_instance.a tcp 22-22"]);
    const separate = vpc({
      ...office({}),
      aws_ec2_managed_prefix_list_entry: { e: { prefix_list_id: "${aws_ec2_managed_prefix_list.office.id}", cidr: "198.51.100.0/24" } },
      aws_security_group: { ssh: sshFromList("${aws_ec2_managed_prefix_list.office.id}") },
      aws_instance: { a: instanceIn("public") },
    });
    const found = run(separate);
    expect(found.map(line)).toEqual(["open prefix-list:aws_ec2_managed_prefix_list.office (office) -> aws_instance.a tcp 22-22"]);
    // --from a CIDR matches the list by its addresses.
    expect(filterPaths(found, { from: "198.51.100.7/32" })).toHaveLength(1);
    expect(filterPaths(found, { from: "203.0.113.0/24" })).toHaveLength(0);
  });

  it("reads a list that holds the whole internet as the internet (and the admin-port rule fires)", () => {
    const world = vpc({ ...office({ entry: [{ cidr: "0.0.0.0/0" }] }), aws_security_group: { ssh: sshFromList("${aws_ec2_managed_prefix_list.office.id}") }, aws_instance: { a: instanceIn("public") } });
    expect(paths(world)).toEqual(["open internet:0.0.0.0/0 -> aws_instance.a tcp 22-22"]);
    const findings = runRules(configResources({ resource: world }, "s"), ALL_RULES.filter((r) => ["exposure-no-internet-admin", "sg-no-world-admin-ports"].includes(r.id))).findings;
    expect(findings.map((f) => `${f.ruleId} ${f.address}: ${f.message}`).sort()).toEqual([
      "exposure-no-internet-admin aws_instance.a: the internet (0.0.0.0/0) reaches instance aws_instance.a on tcp 22",
      "sg-no-world-admin-ports aws_security_group.ssh: ingress tcp 22 from aws_ec2_managed_prefix_list.office: ingress from prefix list aws_ec2_managed_prefix_list.office lets the internet reach port 22",
    ]);
  });

  it("names a list this input does not hold as unverifiable: an AWS-managed id, a data source, a gateway endpoint's list", () => {
    const of = (list: string, extra: Res = {}) => run(vpc({ aws_security_group: { ssh: sshFromList(list) }, aws_instance: { a: instanceIn("public") }, ...extra }));
    const byId = of("pl-63a5400a");
    expect(byId.map(line)).toEqual(["unverifiable prefix-list:pl-63a5400a -> aws_instance.a tcp 22-22"]);
    expect(byId[0].reason).toBe("the entries of prefix list pl-63a5400a are not in this input");
    expect(JSON.parse(exposureJson(byId)).paths[0]).toMatchObject({ source: { kind: "prefix-list", id: "pl-63a5400a" }, status: "unverifiable", reason: "the entries of prefix list pl-63a5400a are not in this input" });
    const withData = { resource: vpc({ aws_security_group: { ssh: sshFromList("${data.aws_ec2_managed_prefix_list.cf.id}") }, aws_instance: { a: instanceIn("public") } }), data: { aws_ec2_managed_prefix_list: { cf: { name: "com.amazonaws.global.cloudfront.origin-facing" } } } };
    expect(exposurePaths(buildContext(configResources(withData, "s"))).map(line)).toEqual(["unverifiable prefix-list:data.aws_ec2_managed_prefix_list.cf (com.amazonaws.global.cloudfront.origin-facing) -> aws_instance.a tcp 22-22"]);
    const s3 = vpc({ aws_vpc_endpoint: { s3: { vpc_id: "${aws_vpc.v.id}", service_name: "com.amazonaws.eu-west-1.s3", vpc_endpoint_type: "Gateway" } }, aws_security_group: { ssh: sshFromList("${aws_vpc_endpoint.s3.prefix_list_id}") }, aws_instance: { a: instanceIn("public") } });
    expect(paths(s3)).toEqual(["unverifiable prefix-list:aws_vpc_endpoint.s3 (com.amazonaws.eu-west-1.s3) -> aws_instance.a tcp 22-22"]);
    // Closed for certain whatever the list holds: the ACL lets nothing in on 22.
    const acl = {
      aws_network_acl: { pub: { vpc_id: "${aws_vpc.v.id}", subnet_ids: ["${aws_subnet.public.id}"] } },
      aws_network_acl_rule: { in: { network_acl_id: "${aws_network_acl.pub.id}", rule_number: 100, egress: false, protocol: "6", rule_action: "allow", cidr_block: "0.0.0.0/0", from_port: 443, to_port: 443 } },
    };
    expect(of("pl-63a5400a", acl).map(line)).toEqual([]);
  });

  it("reads a data source's entries from a plan, where Terraform has read them", () => {
    const res = (type: string, name: string, values: object, mode = "managed") => ({ address: `${mode === "data" ? "data." : ""}${type}.${name}`, type, name, mode, values });
    const plan = {
      format_version: "1.2",
      values: {
        root_module: {
          resources: [
            res("aws_vpc", "v", { id: "vpc-1", cidr_block: "10.0.0.0/16" }),
            res("aws_internet_gateway", "igw", { id: "igw-1", vpc_id: "vpc-1" }),
            res("aws_route_table", "public", { id: "rtb-1", vpc_id: "vpc-1", route: [{ cidr_block: "0.0.0.0/0", gateway_id: "igw-1" }] }),
            res("aws_subnet", "public", { id: "subnet-1", vpc_id: "vpc-1", cidr_block: "10.0.1.0/24", map_public_ip_on_launch: true }),
            res("aws_route_table_association", "public", { id: "a-1", subnet_id: "subnet-1", route_table_id: "rtb-1" }),
            res("aws_ec2_managed_prefix_list", "cf", { id: "pl-3b927c52", name: "com.amazonaws.global.cloudfront.origin-facing", entries: [{ cidr: "130.176.0.0/18" }, { cidr: "64.252.64.0/18" }] }, "data"),
            res("aws_security_group", "web", { id: "sg-1", vpc_id: "vpc-1", ingress: [{ protocol: "tcp", from_port: 443, to_port: 443, cidr_blocks: [], ipv6_cidr_blocks: [], security_groups: [], prefix_list_ids: ["pl-3b927c52"], self: false, description: "cf" }], egress: [] }),
            res("aws_instance", "web", { id: "i-1", subnet_id: "subnet-1", vpc_security_group_ids: ["sg-1"] }),
          ],
        },
      },
    };
    expect(exposurePaths(buildContext(planResources(plan, "s"))).map(line)).toEqual(["open prefix-list:data.aws_ec2_managed_prefix_list.cf (com.amazonaws.global.cloudfront.origin-facing) -> aws_instance.web tcp 443-443"]);
  });

  it("follows a route to a prefix list: the office's route to the internet gateway lets the office in, a route to NAT does not", () => {
    const routed = (target: Record<string, string>) =>
      paths(
        vpc({
          ...office({ entry: [{ cidr: "203.0.113.0/24" }] }),
          aws_nat_gateway: { n: { subnet_id: "${aws_subnet.public.id}" } },
          aws_route_table: { private: { vpc_id: "${aws_vpc.v.id}", route: [{ destination_prefix_list_id: "${aws_ec2_managed_prefix_list.office.id}", ...target }] } },
          aws_security_group: { ssh: groupAdmitting(22, ["0.0.0.0/0"]) },
          aws_instance: { a: { ...instanceIn("private"), associate_public_ip_address: true } },
        }),
      ).filter((l) => !l.includes("subnet:"));
    expect(routed({ gateway_id: "${aws_internet_gateway.igw.id}" })).toEqual(["open cidr:203.0.113.0/24 -> aws_instance.a tcp 22-22"]);
    expect(routed({ nat_gateway_id: "${aws_nat_gateway.n.id}" })).toEqual([]);
  });
});

/** Our VPC and a peer (10.1.0.0/16) joined by a connection; the private table routes `routeCidr` to it. */
const peered = (routeCidr: string | undefined, admit: string[], extra: Res = {}) =>
  vpc({
    aws_vpc: { peer: { cidr_block: "10.1.0.0/16" } },
    aws_vpc_peering_connection: { shared: { vpc_id: "${aws_vpc.v.id}", peer_vpc_id: "${aws_vpc.peer.id}", auto_accept: true } },
    aws_route_table: { private: { vpc_id: "${aws_vpc.v.id}", route: routeCidr ? [{ cidr_block: routeCidr, vpc_peering_connection_id: "${aws_vpc_peering_connection.shared.id}" }] : [] } },
    aws_security_group: { db: groupAdmitting(5432, admit) },
    aws_instance: { db: instanceIn("private", "db") },
    ...extra,
  });

describe("VPC peering as a source", () => {
  const fromPeer = (r: Res) => paths(r).filter((l) => l.includes("peering:"));

  it("reaches what admits the peer's addresses where the subnet routes them back through the connection", () => {
    expect(fromPeer(peered("10.1.0.0/16", ["10.1.0.0/16"]))).toEqual(["open peering:aws_vpc_peering_connection.shared (10.1.0.0/16) -> aws_instance.db tcp 5432-5432"]);
    // A wide rule reaches only what the route and the peer VPC hold.
    expect(fromPeer(peered("10.0.0.0/8", ["10.0.0.0/8"]))).toEqual(["open peering:aws_vpc_peering_connection.shared (10.1.0.0/16) -> aws_instance.db tcp 5432-5432"]);
    expect(fromPeer(peered("10.1.1.0/24", ["10.1.0.0/16"]))).toEqual(["open peering:aws_vpc_peering_connection.shared (10.1.1.0/24) -> aws_instance.db tcp 5432-5432"]);
  });

  it("finds nothing from the peer without a route back, or when the ACL keeps its addresses out", () => {
    expect(fromPeer(peered(undefined, ["10.1.0.0/16"]))).toEqual([]);
    const acl = {
      aws_network_acl: { priv: { vpc_id: "${aws_vpc.v.id}", subnet_ids: ["${aws_subnet.private.id}"] } },
      aws_network_acl_rule: {
        in: { network_acl_id: "${aws_network_acl.priv.id}", rule_number: 100, egress: false, protocol: "6", rule_action: "allow", cidr_block: "10.0.0.0/16", from_port: 5432, to_port: 5432 },
        out: { network_acl_id: "${aws_network_acl.priv.id}", rule_number: 100, egress: true, protocol: "6", rule_action: "allow", cidr_block: "10.0.0.0/8", from_port: 1024, to_port: 65535 },
      },
    };
    expect(fromPeer(peered("10.1.0.0/16", ["10.1.0.0/16"], acl))).toEqual([]);
  });

  it("names a connection a route gives by id only, judged on this side's routes, ACLs and groups", () => {
    const r = peered(undefined, ["172.16.0.0/12"], { aws_route: { pcx: { route_table_id: "${aws_route_table.private.id}", destination_cidr_block: "172.16.0.0/16", vpc_peering_connection_id: "pcx-0abc" } } });
    const found = exposurePaths(buildContext(configResources({ resource: r }, "s"))).filter((p) => p.source.kind === "peering");
    expect(found.map(line)).toEqual(["open peering:pcx-0abc (172.16.0.0/16) -> aws_instance.db tcp 5432-5432"]);
    // --from the connection or one of the peer's addresses.
    expect(filterPaths(found, { from: "pcx-0abc" })).toHaveLength(1);
    expect(filterPaths(found, { from: "172.16.4.0/24" })).toHaveLength(1);
    expect(filterPaths(found, { from: "172.17.0.0/16" })).toHaveLength(0);
  });
});

describe("a network load balancer passes the client's address to its targets", () => {
  /** An internet-facing NLB (no groups) forwarding TCP 443 to an instance in the private subnet. */
  const nlb = (target: Record<string, unknown>, admit: string[], extra: Res = {}) =>
    vpc({
      aws_lb: { nlb: { internal: false, load_balancer_type: "network", subnets: ["${aws_subnet.public.id}"] } },
      aws_lb_target_group: { t: { port: 443, protocol: "TCP", vpc_id: "${aws_vpc.v.id}", ...target } },
      aws_lb_listener: { tcp: { load_balancer_arn: "${aws_lb.nlb.arn}", port: 443, protocol: "TCP", default_action: [{ type: "forward", target_group_arn: "${aws_lb_target_group.t.arn}" }] } },
      aws_lb_target_group_attachment: { a: { target_group_arn: "${aws_lb_target_group.t.arn}", target_id: "${aws_instance.app.id}" } },
      aws_security_group: { app: groupAdmitting(443, admit) },
      aws_instance: { app: instanceIn("private", "app") },
      ...extra,
    });
  const forwarded = (r: Res) => run(r).filter((p) => p.via.length === 3);

  it("opens the targets to the internet when their group admits it (instance targets keep the client's address)", () => {
    expect(forwarded(nlb({}, ["0.0.0.0/0"])).map(line)).toEqual(["open internet:0.0.0.0/0 -> aws_instance.app tcp 443-443 via aws_lb.nlb"]);
  });

  it("finds no path from the internet when the targets admit only the VPC, as if the load balancer connected from its own address (a trap)", () => {
    // The VPC's own subnets still reach the targets through it: their addresses are what the targets see.
    expect(forwarded(nlb({}, ["10.0.0.0/16"])).map(line)).toEqual([
      "open subnet:aws_subnet.public -> aws_instance.app tcp 443-443 via aws_lb.nlb",
      "open subnet:aws_subnet.private -> aws_instance.app tcp 443-443 via aws_lb.nlb",
    ]);
    // IP targets over TCP do not keep the client's address by default: then the VPC range is what they see.
    expect(forwarded(nlb({ target_type: "ip" }, ["10.0.0.0/16"])).map(line)).toEqual(["open internet:0.0.0.0/0 -> aws_instance.app tcp 443-443 via aws_lb.nlb"]);
    expect(forwarded(nlb({ target_type: "ip", preserve_client_ip: "true" }, ["10.0.0.0/16"])).filter((p) => p.source.kind === "internet")).toEqual([]);
  });

  it("judges the client against the targets' ACL too, and names the part of the internet the targets admit", () => {
    const acl = {
      aws_network_acl: { priv: { vpc_id: "${aws_vpc.v.id}", subnet_ids: ["${aws_subnet.private.id}"] } },
      aws_network_acl_rule: {
        in: { network_acl_id: "${aws_network_acl.priv.id}", rule_number: 100, egress: false, protocol: "6", rule_action: "allow", cidr_block: "10.0.0.0/16", from_port: 443, to_port: 443 },
        out: { network_acl_id: "${aws_network_acl.priv.id}", rule_number: 100, egress: true, protocol: "6", rule_action: "allow", cidr_block: "0.0.0.0/0", from_port: 1024, to_port: 65535 },
      },
    };
    // The targets' ACL lets only the VPC in on 443: the internet's clients stop there, the public subnet's pass.
    expect(forwarded(nlb({}, ["0.0.0.0/0"], acl)).map(line)).toEqual(["open subnet:aws_subnet.public -> aws_instance.app tcp 443-443 via aws_lb.nlb"]);
    expect(forwarded(nlb({}, ["198.51.100.0/24"])).map(line)).toEqual(["open cidr:198.51.100.0/24 -> aws_instance.app tcp 443-443 via aws_lb.nlb"]);
  });

  it("shows IPv6 clients to IPv4 instance targets as the load balancer's own address", () => {
    const dual = (admit: Record<string, unknown>) => {
      const r = nlb({}, [], {
        aws_route: { v6: { route_table_id: "${aws_route_table.public.id}", destination_ipv6_cidr_block: "::/0", gateway_id: "${aws_internet_gateway.igw.id}" } },
        aws_security_group: { app: { vpc_id: "${aws_vpc.v.id}", description: "app", ingress: [{ protocol: "tcp", from_port: 443, to_port: 443, description: "in", ...admit }] } },
      });
      r.aws_lb.nlb.ip_address_type = "dualstack";
      r.aws_subnet.public.ipv6_cidr_block = "2001:db8:1::/64";
      return forwarded(r).filter((p) => p.source.kind === "internet").map(line);
    };
    expect(dual({ ipv6_cidr_blocks: ["::/0"] })).toEqual([]);
    expect(dual({ cidr_blocks: ["10.0.0.0/16"] })).toEqual(["open internet:::/0 -> aws_instance.app tcp 443-443 via aws_lb.nlb"]);
  });

  it("reports a client-address setting not known until apply as unverifiable, with the reason", () => {
    const [p] = forwarded(nlb({ preserve_client_ip: "${var.preserve}" }, ["0.0.0.0/0"]));
    expect(line(p)).toBe("unverifiable internet:0.0.0.0/0 -> aws_instance.app tcp 443-443 via aws_lb.nlb");
    expect(p.reason).toBe("whether aws_lb_target_group.t passes the client's address to its targets is not known until apply");
  });

  it("lets a target admit the load balancer's own group, which filters the clients", () => {
    const filtered = nlb({}, [], {
      aws_security_group: {
        lb: { vpc_id: "${aws_vpc.v.id}", description: "lb", ingress: [{ protocol: "tcp", from_port: 443, to_port: 443, cidr_blocks: ["203.0.113.0/24"], description: "clients" }], egress: [{ protocol: "tcp", from_port: 443, to_port: 443, security_groups: ["${aws_security_group.app.id}"], description: "targets" }] },
        app: { vpc_id: "${aws_vpc.v.id}", description: "app", ingress: [{ protocol: "tcp", from_port: 443, to_port: 443, security_groups: ["${aws_security_group.lb.id}"], description: "from the lb" }] },
      },
    });
    filtered.aws_lb.nlb.security_groups = ["${aws_security_group.lb.id}"];
    expect(forwarded(filtered).map(line)).toEqual(["open cidr:203.0.113.0/24 -> aws_instance.app tcp 443-443 via aws_lb.nlb"]);
  });
});

describe("in a pull request", () => {
  it("lists the path a new peering route opens as from outside the VPC (what --fail-on exposure fails on), and its removal as closed", () => {
    const before = configResources({ resource: peered(undefined, ["10.1.0.0/16"]) }, "s");
    const after = configResources({ resource: peered("10.1.0.0/16", ["10.1.0.0/16"]) }, "s");
    const { opened, closed } = exposureChanges(before, after);
    expect(opened.map((p) => `${p.source.kind} ${p.source.id} (${p.source.name}) ${p.destination.address} ${p.ports.join("-")} ${p.widens}`)).toEqual(["peering aws_vpc_peering_connection.shared (10.1.0.0/16) aws_instance.db 5432-5432 true"]);
    expect(closed).toEqual([]);
    expect(exposureChanges(after, before).closed.map((p) => p.source.kind)).toEqual(["peering"]);
  });

  it("does not read closing the internet's path as opening the subnets' paths it covered", () => {
    const ssh = (publicIp: boolean) => configResources({ resource: vpc({ aws_security_group: { ssh: sshGroup }, aws_instance: { a: { ...instanceIn("public"), associate_public_ip_address: publicIp } } }) }, "s");
    const { opened, closed } = exposureChanges(ssh(true), ssh(false));
    expect(opened).toEqual([]);
    expect(closed.map((p) => `${p.source.kind} ${p.ports.join("-")}`)).toEqual(["internet 22-22"]);
    // Listed once the internet no longer covers them.
    expect(run(vpc({ aws_security_group: { ssh: sshGroup }, aws_instance: { a: { ...instanceIn("public"), associate_public_ip_address: false } } })).map(line)).toEqual([
      "open subnet:aws_subnet.public -> aws_instance.a tcp 22-22",
      "open subnet:aws_subnet.private -> aws_instance.a tcp 22-22",
    ]);
  });
});

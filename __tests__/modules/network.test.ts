import { ipv4Address } from "../../modules/core/cidr";
import { BulwarkValidationError } from "../../modules/core/errors";
import { Network, NetworkProps, SubnetTier } from "../../modules/network";
import { evaluateFlow, Flow } from "../../modules/network-acl";
import { addresses, resourcesOf, synthJson, testStack } from "../support/synth";

const base: NetworkProps = { name: "prod", cidr: "10.0.0.0/16", availabilityZones: ["eu-west-1a", "eu-west-1b"], tiers: ["public", "private", "isolated"] };
const net = (props: Partial<NetworkProps> = {}) => synthJson((s) => new Network(s, "net", { ...base, ...props }));

describe("Network", () => {
  const json = net();

  it("never maps public IPs and carves equal subnets tier by tier, zones in name order", () => {
    const subnets = resourcesOf(json, "aws_subnet");
    for (const s of Object.values(subnets)) expect(s.map_public_ip_on_launch).toBe(false);
    expect(Object.fromEntries(Object.entries(subnets).map(([k, s]) => [k, s.cidr_block]))).toEqual({
      "net_subnet-public-eu-west-1a": "10.0.0.0/19",
      "net_subnet-public-eu-west-1b": "10.0.32.0/19",
      "net_subnet-private-eu-west-1a": "10.0.64.0/19",
      "net_subnet-private-eu-west-1b": "10.0.96.0/19",
      "net_subnet-isolated-eu-west-1a": "10.0.128.0/19",
      "net_subnet-isolated-eu-west-1b": "10.0.160.0/19",
    });
  });

  it("changes nothing when the zones are listed in another order", () => {
    expect(JSON.stringify(net({ availabilityZones: ["eu-west-1b", "eu-west-1a"] }))).toEqual(JSON.stringify(json));
  });

  it("takes over the default security group and ACL with no rules (EC2.2)", () => {
    const sg = resourcesOf(json, "aws_default_security_group")["net_default-security-group"];
    expect(sg.vpc_id).toBe("${aws_vpc.net_vpc.id}");
    expect(sg.ingress).toBeUndefined();
    expect(sg.egress).toBeUndefined();
    const acl = resourcesOf(json, "aws_default_network_acl")["net_default-network-acl"];
    expect(acl.ingress).toBeUndefined();
    expect(acl.lifecycle).toEqual({ ignore_changes: ["subnet_ids"] });
  });

  it("logs ALL traffic to a KMS-encrypted group kept a year, through a role scoped to that group (EC2.6)", () => {
    const flow = resourcesOf(json, "aws_flow_log")["net_flow-log"];
    expect(flow).toMatchObject({ traffic_type: "ALL", log_destination_type: "cloud-watch-logs", vpc_id: "${aws_vpc.net_vpc.id}" });
    const group = resourcesOf(json, "aws_cloudwatch_log_group")["net_flow-log-group"];
    expect(group.retention_in_days).toBe(365);
    expect(group.kms_key_id).toBe("${aws_kms_key.net_flow-log-key_key.arn}");
    const policy = JSON.parse(resourcesOf(json, "aws_iam_role_policy")["net_flow-log-policy"].policy);
    expect(policy.Statement[0].Resource).toEqual(["${aws_cloudwatch_log_group.net_flow-log-group.arn}", "${aws_cloudwatch_log_group.net_flow-log-group.arn}:*"]);
  });

  it("creates the Session Manager endpoints in private subnets with HTTPS from the VPC only, and an S3 gateway", () => {
    const endpoints = resourcesOf(json, "aws_vpc_endpoint");
    const names = Object.values(endpoints).map((e) => e.service_name).sort();
    expect(names).toEqual(["ec2", "ec2messages", "kms", "logs", "monitoring", "s3", "ssm", "ssmmessages"].map((s) => `com.amazonaws.eu-west-1.${s}`));
    expect(endpoints["net_endpoint-ssm"]).toMatchObject({ vpc_endpoint_type: "Interface", private_dns_enabled: true });
    expect(endpoints["net_endpoint-ssm"].subnet_ids).toEqual(["${aws_subnet.net_subnet-private-eu-west-1a.id}", "${aws_subnet.net_subnet-private-eu-west-1b.id}"]);
    expect(endpoints["net_endpoint-s3"].vpc_endpoint_type).toBe("Gateway");
    const rules = Object.values(resourcesOf(json, "aws_vpc_security_group_ingress_rule"));
    expect(rules).toEqual([expect.objectContaining({ from_port: 443, to_port: 443, cidr_ipv4: "10.0.0.0/16" })]);
  });

  it("associates each tier's subnets with that tier's ACL", () => {
    const assoc = Object.keys(resourcesOf(json, "aws_network_acl_association")).sort();
    expect(assoc).toEqual(
      ["isolated", "private", "public"].flatMap((t) => ["eu-west-1a", "eu-west-1b"].map((az) => `net_acl-${t}_subnet-${az}`)),
    );
  });

  it("routes only public subnets to the internet gateway, and private ones to NAT only when asked", () => {
    const routes = Object.keys(resourcesOf(json, "aws_route"));
    expect(routes).toEqual(["net_route-public-internet"]);
    const withNat = net({ natGateways: "per-az" });
    expect(Object.keys(resourcesOf(withNat, "aws_nat_gateway")).sort()).toEqual(["net_nat-eu-west-1a", "net_nat-eu-west-1b"]);
    expect(Object.keys(resourcesOf(withNat, "aws_route")).sort()).toEqual(["net_route-private-eu-west-1a-nat", "net_route-private-eu-west-1b-nat", "net_route-public-internet"]);
  });

  it("records turning flow logs off as a suppression", () => {
    const off = net({ disableFlowLogs: { reason: "short-lived load-test VPC, torn down daily" } });
    expect(resourcesOf(off, "aws_flow_log")).toEqual({});
    expect(resourcesOf(off, "aws_vpc").net_vpc["//"].bulwark.suppressions).toEqual([{ ruleId: "vpc-flow-logs", reason: "short-lived load-test VPC, torn down daily" }]);
  });

  it("builds a private-only VPC with no internet gateway by default", () => {
    const priv = synthJson((s) => new Network(s, "net", { name: "dev", cidr: "10.1.0.0/20", availabilityZones: ["eu-west-1a"] }));
    expect(addresses(priv).filter((a) => a.includes("internet_gateway") || a.includes("nat"))).toEqual([]);
  });

  it.each([
    ["VPC too large", { cidr: "10.0.0.0/8" }, /net: cidr "10.0.0.0\/8" must be an IPv4 CIDR from \/16 to \/28/],
    ["VPC malformed", { cidr: "10.0.0/16" }, /cidr "10.0.0\/16" is not a valid/],
    ["VPC too small for its subnets", { cidr: "10.0.0.0/28" }, /cidr "10.0.0.0\/28" is too small for 6 subnets/],
    ["subnet outside", { subnetCidrs: { private: { "eu-west-1a": "10.1.0.0/24" } } }, /subnetCidrs.private.eu-west-1a "10.1.0.0\/24" must be an IPv4 CIDR of \/28 or larger inside 10.0.0.0\/16/],
    ["subnets overlap", { subnetCidrs: { public: { "eu-west-1a": "10.0.64.0/24" } } }, /subnetCidrs.private.eu-west-1a "10.0.64.0\/19" overlaps public.eu-west-1a 10.0.64.0\/24/],
    ["zone listed twice", { availabilityZones: ["eu-west-1a", "eu-west-1a"] }, /availabilityZones .* names a zone twice/],
    ["bad zone", { availabilityZones: ["eu-west-1"] }, /availabilityZones "eu-west-1" is not an availability zone name/],
    ["NAT without public", { tiers: ["private"], natGateways: "single" }, /natGateways "single" needs a public tier/],
    ["short retention", { flowLogs: { retentionDays: 30 } }, /flowLogs.retentionDays 30 must be one of 365/],
    ["an ACL rule quota above what AWS grants", { aclRuleQuota: 41 }, /net: aclRuleQuota 41 must be a whole number from 1 to 40/],
  ] as [string, Partial<NetworkProps>, RegExp][])("refuses %s", (_what, props, message) => {
    expect(() => net(props)).toThrow(BulwarkValidationError);
    expect(() => net(props)).toThrow(message);
  });
});

describe("Network ACLs and the interface endpoints across zones", () => {
  // An endpoint's Regional DNS name resolves to its interface in every zone: a client may be sent to
  // any of them, so every pair of subnets must pass the request and the reply through both ACLs.
  const build = (props: Partial<NetworkProps>) => new Network(testStack(), "net", { ...base, ...props });
  const REPLY_PORTS = [1024, 33000, 65535];
  /** What the ACLs of a client subnet and of a subnet holding an endpoint interface do with HTTPS between them: one word per step. */
  function https(n: Network, client: [SubnetTier, string], host: [SubnetTier, string]): string {
    const [ct, ca] = client;
    const [ht, ha] = host;
    const from = ipv4Address(n.subnetCidrs[ct]![ca], 10);
    const to = ipv4Address(n.subnetCidrs[ht]![ha], 20);
    const at = (tier: SubnetTier, flow: Flow) => evaluateFlow(n.acls[tier]!.rules, flow).action;
    return [
      at(ct, { direction: "egress", protocol: "tcp", port: 443, remote: to }),
      at(ht, { direction: "ingress", protocol: "tcp", port: 443, remote: from }),
      ...REPLY_PORTS.map((port) => at(ht, { direction: "egress", protocol: "tcp", port, remote: from })),
      ...REPLY_PORTS.map((port) => at(ct, { direction: "ingress", protocol: "tcp", port, remote: to })),
    ].join(" ");
  }
  const pairs = (n: Network, clientTier: SubnetTier) =>
    Object.keys(n.subnetCidrs[clientTier]!).flatMap((a) => Object.keys(n.subnetCidrs.private!).filter((b) => clientTier !== "private" || a !== b).map((b) => [a, b] as const));
  const ALL_ALLOWED = Array(2 + 2 * REPLY_PORTS.length).fill("allow").join(" ");

  it.each([
    ["three tiers, a NAT gateway per zone (prod)", { availabilityZones: ["eu-west-1a", "eu-west-1b", "eu-west-1c"], natGateways: "per-az" }],
    ["private only (dev)", { tiers: ["private"] }],
    ["three tiers in four zones, no NAT, the caller's CIDRs", { availabilityZones: ["eu-west-1a", "eu-west-1b", "eu-west-1c", "eu-west-1d"], subnetCidrs: { private: { "eu-west-1a": "10.0.200.0/24", "eu-west-1c": "10.0.210.0/28" } } }],
  ] as [string, Partial<NetworkProps>][])("%s: each private subnet reaches the endpoint interfaces in every other one, and the replies come back", (_what, props) => {
    const n = build(props);
    const seen = pairs(n, "private").map(([a, b]) => `${a} -> ${b}: ${https(n, ["private", a], ["private", b])}`);
    expect(seen.length).toBeGreaterThan(0);
    expect(seen).toEqual(pairs(n, "private").map(([a, b]) => `${a} -> ${b}: ${ALL_ALLOWED}`));
    // Named by the CIDRs they admit: reordering the zones or adding one renames nothing.
    const names = n.acls.private!.rules.map((r) => r.name);
    for (const cidr of Object.values(n.subnetCidrs.private!)) {
      const key = cidr.replace(/[./]/g, "-");
      expect(names).toEqual(expect.arrayContaining([`endpoint-clients-${key}`, `endpoint-replies-${key}`]));
    }
  });

  it("keeps the public and isolated tiers out: the private ACL admits HTTPS from neither", () => {
    const n = build({ natGateways: "single" });
    for (const tier of ["public", "isolated"] as const) {
      for (const [a, b] of pairs(n, tier)) {
        const from = ipv4Address(n.subnetCidrs[tier]![a], 10);
        expect([tier, a, b, evaluateFlow(n.acls.private!.rules, { direction: "ingress", protocol: "tcp", port: 443, remote: from }).action]).toEqual([tier, a, b, "deny"]);
      }
    }
    // The isolated (data) tier sends nothing to 443 at all.
    expect(evaluateFlow(n.acls.isolated!.rules, { direction: "egress", protocol: "tcp", port: 443, remote: ipv4Address(n.subnetCidrs.private!["eu-west-1b"], 20) }).action).toBe("deny");
  });

  it("needs a raised ACL quota for six zones of three tiers, and says so", () => {
    const six = { availabilityZones: ["a", "b", "c", "d", "e", "f"].map((z) => `eu-west-1${z}`) };
    expect(() => build(six)).toThrow(/net\/acl-private: ingress rules 21 exceed the quota of 20 rules per direction/);
    const n = build({ ...six, aclRuleQuota: 25 });
    expect(n.acls.private!.rules.filter((r) => r.direction === "ingress")).toHaveLength(21);
    expect(pairs(n, "private").map(([a, b]) => https(n, ["private", a], ["private", b])).every((v) => v === ALL_ALLOWED)).toBe(true);
  });

  it("opens nothing between private subnets when there are no interface endpoints", () => {
    const n = build({ interfaceEndpoints: [] });
    expect(n.acls.private!.rules.filter((r) => r.name.startsWith("endpoint-"))).toEqual([]);
    expect(evaluateFlow(n.acls.private!.rules, { direction: "ingress", protocol: "tcp", port: 443, remote: ipv4Address(n.subnetCidrs.private!["eu-west-1a"], 10) }).action).toBe("deny");
  });
});

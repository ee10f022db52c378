import { BulwarkValidationError } from "../../modules/core/errors";
import { Network, NetworkProps } from "../../modules/network";
import { addresses, resourcesOf, synthJson } from "../support/synth";

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
  ] as [string, Partial<NetworkProps>, RegExp][])("refuses %s", (_what, props, message) => {
    expect(() => net(props)).toThrow(BulwarkValidationError);
    expect(() => net(props)).toThrow(message);
  });
});

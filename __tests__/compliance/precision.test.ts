/**
 * Negative controls: for every rule, configurations that look like a problem and are not — a world
 * rule on 443 for the admin-port rules, a deny numbered before an allow-all, a role that grants the
 * SSM agent's actions without AmazonSSMManagedInstanceCore, ICMP from the internet for EC2.18, a
 * password read from Parameter Store at boot — each asserted to give no error finding of its rule
 * (and exactly the findings its contract allows, usually none). Where it sharpens the point, a twin
 * that differs in the one thing that matters must fail. A rule added to ALL_RULES without a
 * negative control here fails the first test.
 */
import { ALL_RULES, configResources, Finding, Rule, runRules } from "../../compliance";
import { SSM_AGENT_ACTIONS } from "../../compliance/rules/ssm-managed";

type Resources = Record<string, Record<string, Record<string, unknown>>>;

interface Control {
  /** What looks suspicious, and why it is fine. */
  readonly name: string;
  readonly resource: Resources;
  /** Other top-level blocks of the configuration (variables). */
  readonly config?: Record<string, unknown>;
  /** The severities of the findings the rule may still give, sorted; none by default. */
  readonly leaves?: readonly ("warning" | "unverifiable")[];
  /** The same configuration with the one thing that matters changed: it must fail at the rule's severity. */
  readonly twin?: { readonly name: string; readonly resource: Resources; readonly message?: RegExp };
}

const judge = (rule: Rule, resource: Resources, config: Record<string, unknown> = {}): Finding[] =>
  runRules(configResources({ ...config, resource }, "s"), [rule], { scope: rule.scope }).findings.filter((f) => f.ruleId === rule.id);

// ------------------------------------------------------------------------------------ building blocks

/** A subnet that assigns IPv6 addresses on creation, its ::/0 routed to an egress-only or an internet gateway. */
function ipv6Subnet(via: "egress-only" | "internet"): Resources {
  const gateway: Resources = via === "internet" ? { aws_internet_gateway: { i: { vpc_id: "${aws_vpc.v.id}" } } } : { aws_egress_only_internet_gateway: { e: { vpc_id: "${aws_vpc.v.id}" } } };
  const target: Record<string, string> = via === "internet" ? { gateway_id: "${aws_internet_gateway.i.id}" } : { egress_only_gateway_id: "${aws_egress_only_internet_gateway.e.id}" };
  return {
    aws_vpc: { v: { cidr_block: "10.0.0.0/16", assign_generated_ipv6_cidr_block: true } },
    ...gateway,
    aws_route_table: { t: { vpc_id: "${aws_vpc.v.id}", route: [{ ipv6_cidr_block: "::/0", ...target }] } },
    aws_subnet: { s: { vpc_id: "${aws_vpc.v.id}", cidr_block: "10.0.1.0/24", ipv6_cidr_block: "2001:db8:0:1::/64", assign_ipv6_address_on_creation: true, map_public_ip_on_launch: false } },
    aws_route_table_association: { s: { subnet_id: "${aws_subnet.s.id}", route_table_id: "${aws_route_table.t.id}" } },
  };
}

const ami = { ami: "ami-12345678", instance_type: "t3.micro" };
const ruleAttrs = { ipv6_cidr_blocks: [], prefix_list_ids: [], security_groups: [], self: false };

/** An instance whose profile's role carries `extra` (policies, attachments) and `role` arguments. */
function withRole(extra: Resources, role: Record<string, unknown> = {}): Resources {
  return {
    aws_instance: { a: { ...ami, iam_instance_profile: "${aws_iam_instance_profile.p.name}" } },
    aws_iam_instance_profile: { p: { name: "app", role: "${aws_iam_role.r.name}" } },
    aws_iam_role: { r: { name: "app", assume_role_policy: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }] }), ...role } },
    ...extra,
  };
}
const attach = (arn: string, name = "p") => ({ aws_iam_role_policy_attachment: { [name]: { role: "${aws_iam_role.r.name}", policy_arn: arn } } });
const policy = (...statements: Record<string, unknown>[]) => JSON.stringify({ Version: "2012-10-17", Statement: statements });
const inline = (...statements: Record<string, unknown>[]) => ({ aws_iam_role_policy: { agent: { name: "agent", role: "${aws_iam_role.r.id}", policy: policy(...statements) } } });
const AGENT = [
  "ssm:UpdateInstanceInformation",
  "ssmmessages:CreateControlChannel",
  "ssmmessages:CreateDataChannel",
  "ssmmessages:OpenControlChannel",
  "ssmmessages:OpenDataChannel",
  "ec2messages:AcknowledgeMessage",
  "ec2messages:DeleteMessage",
  "ec2messages:FailMessage",
  "ec2messages:GetEndpoint",
  "ec2messages:GetMessages",
  "ec2messages:SendReply",
];
const managed = (name: string) => `arn:aws:iam::aws:policy/${name}`;

/** A VPC whose subnet routes to an internet gateway, an instance with a public address in it, and its group's ingress. */
function publicInstance(ingress: Record<string, unknown>[], extra: Resources = {}): Resources {
  return {
    aws_vpc: { v: { cidr_block: "10.0.0.0/16" } },
    aws_internet_gateway: { i: { vpc_id: "${aws_vpc.v.id}" } },
    aws_route_table: { public: { vpc_id: "${aws_vpc.v.id}", route: [{ cidr_block: "0.0.0.0/0", gateway_id: "${aws_internet_gateway.i.id}" }] } },
    aws_subnet: { s: { vpc_id: "${aws_vpc.v.id}", cidr_block: "10.0.1.0/24" } },
    aws_route_table_association: { s: { subnet_id: "${aws_subnet.s.id}", route_table_id: "${aws_route_table.public.id}" } },
    aws_security_group: { g: { vpc_id: "${aws_vpc.v.id}", description: "web", ingress } },
    aws_instance: { a: { ...ami, subnet_id: "${aws_subnet.s.id}", vpc_security_group_ids: ["${aws_security_group.g.id}"], associate_public_ip_address: true } },
    ...extra,
  };
}
const sshFromWorld = { ...ruleAttrs, protocol: "tcp", from_port: 22, to_port: 22, cidr_blocks: ["0.0.0.0/0"], description: "ssh" };
/** NACL entries denying tcp 22 and 3389 from the world at `first` and `first + 1`, and allowing everything at 100. */
function naclDeniesAdmin(first: number): Resources {
  const entry = (rule_no: number, action: string, protocol: string, from_port: number, to_port: number) => ({ rule_no, action, protocol, from_port, to_port, cidr_block: "0.0.0.0/0", ipv6_cidr_block: null, icmp_code: null, icmp_type: null });
  return {
    aws_network_acl: {
      n: {
        vpc_id: "${aws_vpc.v.id}",
        subnet_ids: ["${aws_subnet.s.id}"],
        ingress: [entry(first, "deny", "tcp", 22, 22), entry(first + 1, "deny", "tcp", 3389, 3389), entry(100, "allow", "-1", 0, 0)],
        egress: [entry(100, "allow", "-1", 0, 0)],
      },
    },
  };
}

/** The data tier admitting 5432 from `peer` (a group or a range), the app tier reaching it, both in one subnet. */
function dataTier(peer: Record<string, unknown>, dataEgress: Record<string, unknown>[] = []): Resources {
  return {
    aws_vpc: { v: { cidr_block: "10.0.0.0/16" } },
    aws_subnet: { s: { vpc_id: "${aws_vpc.v.id}", cidr_block: "10.0.1.0/24" } },
    aws_security_group: {
      app: { vpc_id: "${aws_vpc.v.id}", description: "app", tags: { "bulwark:tier": "app" }, egress: [{ ...ruleAttrs, protocol: "tcp", from_port: 5432, to_port: 5432, security_groups: ["${aws_security_group.data.id}"], description: "db" }] },
      data: { vpc_id: "${aws_vpc.v.id}", description: "data", tags: { "bulwark:tier": "data" }, ingress: [{ ...ruleAttrs, protocol: "tcp", from_port: 5432, to_port: 5432, ...peer, description: "postgres" }], egress: dataEgress },
    },
    aws_instance: {
      client: { ...ami, subnet_id: "${aws_subnet.s.id}", vpc_security_group_ids: ["${aws_security_group.app.id}"] },
      db: { ...ami, subnet_id: "${aws_subnet.s.id}", vpc_security_group_ids: ["${aws_security_group.data.id}"] },
    },
  };
}

/** The CIS filters and alarms of the rule's own fixture, renamed so that no name says CIS: the join is by metric. */
function cisAlarmsUnderOtherNames(disable?: number): Resources {
  const fixture = ALL_RULES.find((r) => r.id === "cis-cloudtrail-alarms")!.fixtures.pass as { resource: Resources };
  const filters = Object.values(fixture.resource.aws_cloudwatch_log_metric_filter);
  const aws_cloudwatch_log_metric_filter: Record<string, Record<string, unknown>> = {};
  const aws_cloudwatch_metric_alarm: Record<string, Record<string, unknown>> = {};
  filters.forEach((f, i) => {
    aws_cloudwatch_log_metric_filter[`f${i}`] = { name: `filter-${i}`, log_group_name: "org-trail", pattern: f.pattern, metric_transformation: { name: `m${i}`, namespace: "Security", value: "1" } };
    aws_cloudwatch_metric_alarm[`a${i}`] = {
      alarm_name: `pager-${i}`,
      metric_name: `m${i}`,
      namespace: "Security",
      comparison_operator: "GreaterThanOrEqualToThreshold",
      evaluation_periods: 1,
      threshold: 1,
      alarm_actions: ["${aws_sns_topic.pager.arn}"],
      ...(i === disable ? { actions_enabled: false } : {}),
    };
  });
  return { aws_cloudwatch_log_metric_filter, aws_cloudwatch_metric_alarm };
}

/** A CloudTrail bucket with all four public access blocks, access logging and `policy`. */
function trailBucket(policyJson: string, blocks: Record<string, boolean> = {}): Resources {
  return {
    aws_cloudtrail: { t: { name: "t", s3_bucket_name: "${aws_s3_bucket.logs.id}" } },
    aws_s3_bucket: { logs: { bucket: "org-trail-logs" } },
    aws_s3_bucket_public_access_block: { logs: { bucket: "${aws_s3_bucket.logs.id}", block_public_acls: true, block_public_policy: true, ignore_public_acls: true, restrict_public_buckets: true, ...blocks } },
    aws_s3_bucket_logging: { logs: { bucket: "${aws_s3_bucket.logs.id}", target_bucket: "access-logs", target_prefix: "trail/" } },
    aws_s3_bucket_policy: { logs: { bucket: "${aws_s3_bucket.logs.id}", policy: policyJson } },
  };
}
const denyInsecure = policy({ Sid: "DenyPlainHttp", Effect: "Deny", Principal: { AWS: "*" }, Action: "*", Resource: ["arn:aws:s3:::org-trail-logs", "arn:aws:s3:::org-trail-logs/*"], Condition: { Bool: { "aws:SecureTransport": false } } });

// ------------------------------------------------------------------------------------ the controls

const CONTROLS: Record<string, readonly Control[]> = {
  "ec2-imdsv2": [
    {
      name: "an instance with no metadata_options of its own, launched from a template that requires IMDSv2",
      resource: { aws_launch_template: { t: { metadata_options: { http_tokens: "required" } } }, aws_instance: { a: { instance_type: "t3.micro", launch_template: { id: "${aws_launch_template.t.id}", version: "$Latest" } } } },
      twin: { name: "the template leaves tokens optional", resource: { aws_launch_template: { t: { metadata_options: { http_tokens: "optional" } } }, aws_instance: { a: { instance_type: "t3.micro", launch_template: { id: "${aws_launch_template.t.id}", version: "$Latest" } } } } },
    },
    { name: "tokens optional, but the metadata endpoint is turned off (nothing to steal)", resource: { aws_instance: { a: { ...ami, metadata_options: { http_endpoint: "disabled", http_tokens: "optional" } } } } },
  ],
  "lt-imdsv2": [
    {
      name: "a launch template with tokens optional and the metadata endpoint disabled",
      resource: { aws_launch_template: { a: { metadata_options: { http_endpoint: "disabled", http_tokens: "optional" } } } },
      twin: { name: "the endpoint enabled", resource: { aws_launch_template: { a: { metadata_options: { http_endpoint: "enabled", http_tokens: "optional" } } } } },
    },
    { name: "a launch configuration (not a template) that requires tokens", resource: { aws_launch_configuration: { a: { image_id: "ami-12345678", instance_type: "t3.micro", metadata_options: { http_tokens: "required" } } } } },
  ],
  "ec2-imds-hop-limit": [
    {
      name: "the hop limit written as the string \"1\"",
      resource: { aws_launch_template: { a: { metadata_options: { http_tokens: "required", http_put_response_hop_limit: "1" } } } },
      twin: { name: "the string \"2\"", resource: { aws_launch_template: { a: { metadata_options: { http_tokens: "required", http_put_response_hop_limit: "2" } } } } },
    },
    { name: "an instance that never sets a hop limit (AWS's default is 1)", resource: { aws_instance: { a: { ...ami, metadata_options: { http_tokens: "required" } } } } },
  ],
  "ebs-default-encryption": [
    {
      name: "aws_ebs_encryption_by_default with `enabled` left out (it defaults to true)",
      resource: { aws_ebs_encryption_by_default: { on: {} } },
      twin: { name: "enabled = \"false\"", resource: { aws_ebs_encryption_by_default: { on: { enabled: "false" } } } },
    },
  ],
  "ebs-encrypted": [
    {
      name: "a volume that does not say encrypted, in an input that turns EBS encryption by default on",
      resource: { aws_ebs_encryption_by_default: { on: { enabled: true } }, aws_ebs_volume: { data: { availability_zone: "eu-west-1a", size: 100 } } },
      twin: { name: "without the default", resource: { aws_ebs_volume: { data: { availability_zone: "eu-west-1a", size: 100 } } } },
    },
    { name: "encrypted written as the string \"true\" on an instance's root and data volumes", resource: { aws_instance: { a: { ...ami, root_block_device: { encrypted: "true" }, ebs_block_device: [{ device_name: "/dev/sdf", volume_size: 50, encrypted: "true" }] } } } },
  ],
  "lt-ebs-encrypted": [
    {
      name: "a template mapping an instance-store volume (no ebs block, nothing to encrypt)",
      resource: { aws_launch_template: { a: { block_device_mappings: [{ device_name: "/dev/sdb", virtual_name: "ephemeral0" }] } } },
      twin: { name: "an EBS mapping without encrypted", resource: { aws_launch_template: { a: { block_device_mappings: [{ device_name: "/dev/sdb", ebs: { volume_size: 50 } }] } } } },
    },
  ],
  "ebs-cmk": [
    {
      name: "kms_key_id is the literal ARN of a customer-managed key, not alias/aws/ebs",
      resource: { aws_ebs_volume: { a: { availability_zone: "eu-west-1a", size: 10, encrypted: true, kms_key_id: "arn:aws:kms:eu-west-1:111111111111:key/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b" } } },
      twin: { name: "kms_key_id = alias/aws/ebs", resource: { aws_ebs_volume: { a: { availability_zone: "eu-west-1a", size: 10, encrypted: true, kms_key_id: "alias/aws/ebs" } } } },
    },
    { name: "a customer alias whose name mentions ebs", resource: { aws_ebs_volume: { a: { availability_zone: "eu-west-1a", size: 10, encrypted: true, kms_key_id: "alias/app-ebs" } } } },
  ],
  "ec2-no-public-ip": [
    {
      name: "associate_public_ip_address = false in a subnet that maps public IPs on launch",
      resource: { aws_subnet: { s: { vpc_id: "vpc-1", cidr_block: "10.0.0.0/24", map_public_ip_on_launch: true } }, aws_instance: { a: { ...ami, subnet_id: "${aws_subnet.s.id}", associate_public_ip_address: false } } },
      twin: { name: "the instance does not say", resource: { aws_subnet: { s: { vpc_id: "vpc-1", cidr_block: "10.0.0.0/24", map_public_ip_on_launch: true } }, aws_instance: { a: { ...ami, subnet_id: "${aws_subnet.s.id}" } } } },
    },
    {
      name: "an Elastic IP a network load balancer takes through subnet_mapping",
      resource: { aws_eip: { lb: { domain: "vpc" } }, aws_lb: { nlb: { name: "nlb", load_balancer_type: "network", subnet_mapping: [{ subnet_id: "subnet-1", allocation_id: "${aws_eip.lb.id}" }] } } },
      twin: { name: "an Elastic IP nothing but an instance uses", resource: { aws_eip: { lb: { domain: "vpc", instance: "i-0123456789abcdef0" } } } },
    },
  ],
  "lt-no-public-ip": [
    { name: "a template interface that leaves associate_public_ip_address to its subnet", resource: { aws_launch_template: { a: { network_interfaces: [{ device_index: 0, subnet_id: "subnet-1", security_groups: ["sg-1"] }] } } } },
    {
      name: "a launch configuration that says false",
      resource: { aws_launch_configuration: { a: { image_id: "ami-12345678", instance_type: "t3.micro", associate_public_ip_address: false } } },
      twin: { name: "true", resource: { aws_launch_configuration: { a: { image_id: "ami-12345678", instance_type: "t3.micro", associate_public_ip_address: true } } } },
    },
  ],
  "subnet-no-public-ip": [
    {
      name: "IPv6 addresses on creation in a subnet whose ::/0 goes out through an egress-only gateway",
      resource: ipv6Subnet("egress-only"),
      twin: { name: "::/0 to an internet gateway", resource: ipv6Subnet("internet") },
    },
  ],
  "nacl-no-world-admin-ports": [
    {
      name: "deny tcp 22 and 3389 from the world numbered before an allow-all",
      resource: {
        aws_network_acl: { n: { vpc_id: "vpc-1" } },
        aws_network_acl_rule: {
          ssh: { network_acl_id: "${aws_network_acl.n.id}", rule_number: 90, egress: false, protocol: "6", rule_action: "deny", cidr_block: "0.0.0.0/0", from_port: 22, to_port: 22 },
          rdp: { network_acl_id: "${aws_network_acl.n.id}", rule_number: 91, egress: false, protocol: "6", rule_action: "deny", cidr_block: "0.0.0.0/0", from_port: 3389, to_port: 3389 },
          rdpUdp: { network_acl_id: "${aws_network_acl.n.id}", rule_number: 92, egress: false, protocol: "17", rule_action: "deny", cidr_block: "0.0.0.0/0", from_port: 3389, to_port: 3389 },
          sshUdp: { network_acl_id: "${aws_network_acl.n.id}", rule_number: 93, egress: false, protocol: "17", rule_action: "deny", cidr_block: "0.0.0.0/0", from_port: 22, to_port: 22 },
          all: { network_acl_id: "${aws_network_acl.n.id}", rule_number: 100, egress: false, protocol: "-1", rule_action: "allow", cidr_block: "0.0.0.0/0", from_port: 0, to_port: 0 },
        },
      },
      twin: {
        name: "the same denies numbered after the allow-all",
        resource: {
          aws_network_acl: { n: { vpc_id: "vpc-1" } },
          aws_network_acl_rule: {
            ssh: { network_acl_id: "${aws_network_acl.n.id}", rule_number: 110, egress: false, protocol: "6", rule_action: "deny", cidr_block: "0.0.0.0/0", from_port: 22, to_port: 22 },
            all: { network_acl_id: "${aws_network_acl.n.id}", rule_number: 100, egress: false, protocol: "-1", rule_action: "allow", cidr_block: "0.0.0.0/0", from_port: 0, to_port: 0 },
          },
        },
      },
    },
    { name: "an allow-all egress entry to the world (egress is not what the internet reaches)", resource: { aws_network_acl_rule: { out: { network_acl_id: "acl-1", rule_number: 100, egress: true, protocol: "-1", rule_action: "allow", cidr_block: "0.0.0.0/0", from_port: 0, to_port: 0 } } } },
  ],
  "nacl-associated": [
    {
      name: "an ACL associated through its own subnet_ids, with no association resource",
      resource: { aws_network_acl: { a: { vpc_id: "vpc-1", subnet_ids: ["subnet-1", "subnet-2"] } } },
      twin: { name: "subnet_ids = []", resource: { aws_network_acl: { a: { vpc_id: "vpc-1", subnet_ids: [] } } } },
    },
  ],
  "vpc-default-nacl-managed": [
    {
      name: "the default ACL taken over, keeping an allow-all egress entry",
      resource: {
        aws_vpc: { a: { cidr_block: "10.0.0.0/16" } },
        aws_default_network_acl: { a: { default_network_acl_id: "${aws_vpc.a.default_network_acl_id}", egress: [{ rule_no: 100, action: "allow", protocol: "-1", from_port: 0, to_port: 0, cidr_block: "0.0.0.0/0" }] } },
      },
    },
  ],
  "sg-no-world-admin-ports": [
    {
      name: "22 from the private range 10.0.0.0/8",
      resource: { aws_vpc_security_group_ingress_rule: { ssh: { security_group_id: "sg-1", ip_protocol: "tcp", from_port: 22, to_port: 22, cidr_ipv4: "10.0.0.0/8", description: "SSH from the VPN" } } },
      twin: { name: "22 from 0.0.0.0/0", resource: { aws_vpc_security_group_ingress_rule: { ssh: { security_group_id: "sg-1", ip_protocol: "tcp", from_port: 22, to_port: 22, cidr_ipv4: "0.0.0.0/0", description: "SSH" } } } },
    },
    {
      name: "80 and 443 from every IPv4 and IPv6 address",
      resource: {
        aws_security_group: {
          web: {
            description: "web",
            ingress: [
              { ...ruleAttrs, protocol: "tcp", from_port: 80, to_port: 80, cidr_blocks: ["0.0.0.0/0"], ipv6_cidr_blocks: ["::/0"], description: "http" },
              { ...ruleAttrs, protocol: "tcp", from_port: 443, to_port: 443, cidr_blocks: ["0.0.0.0/0"], ipv6_cidr_blocks: ["::/0"], description: "https" },
            ],
          },
        },
      },
    },
    { name: "egress to 0.0.0.0/0 on 22 (outbound SSH to a git host)", resource: { aws_vpc_security_group_egress_rule: { git: { security_group_id: "sg-1", ip_protocol: "tcp", from_port: 22, to_port: 22, cidr_ipv4: "0.0.0.0/0", description: "git over ssh" } } } },
    {
      name: "22 from the shared address space 100.64.0.0/10 and 3389 from 172.16.0.0/12",
      resource: {
        aws_security_group_rule: {
          ssh: { type: "ingress", security_group_id: "sg-1", protocol: "tcp", from_port: 22, to_port: 22, cidr_blocks: ["100.64.0.0/10"], description: "carrier NAT" },
          rdp: { type: "ingress", security_group_id: "sg-1", protocol: "tcp", from_port: 3389, to_port: 3389, cidr_blocks: ["172.16.0.0/12"], description: "office" },
        },
      },
    },
  ],
  "sg-no-world-high-risk-ports": [
    {
      name: "port 80 from the world (high-risk for some scanners, not on EC2.19's list)",
      resource: { aws_vpc_security_group_ingress_rule: { http: { security_group_id: "sg-1", ip_protocol: "tcp", from_port: 80, to_port: 80, cidr_ipv4: "0.0.0.0/0", description: "redirect to https" } } },
      twin: { name: "8080 from the world", resource: { aws_vpc_security_group_ingress_rule: { http: { security_group_id: "sg-1", ip_protocol: "tcp", from_port: 8080, to_port: 8080, cidr_ipv4: "0.0.0.0/0", description: "alt http" } } } },
    },
    { name: "all protocols to the world, as egress only", resource: { aws_vpc_security_group_egress_rule: { all: { security_group_id: "sg-1", ip_protocol: "-1", cidr_ipv4: "0.0.0.0/0", description: "anything out" } } } },
  ],
  "sg-no-world-unauthorized-ports": [
    {
      name: "ICMP from the world (EC2.18 judges TCP and UDP ports; ICMP has none)",
      resource: { aws_security_group_rule: { ping: { type: "ingress", security_group_id: "sg-1", protocol: "icmp", from_port: -1, to_port: -1, cidr_blocks: ["0.0.0.0/0"], description: "ping and path MTU discovery" } } },
      twin: {
        name: "all protocols (-1) from the world, which reaches every TCP and UDP port",
        resource: { aws_security_group_rule: { ping: { type: "ingress", security_group_id: "sg-1", protocol: "-1", from_port: 0, to_port: 0, cidr_blocks: ["0.0.0.0/0"], description: "everything" } } },
        message: /port 0, /,
      },
    },
    { name: "ICMPv6 from ::/0", resource: { aws_vpc_security_group_ingress_rule: { icmp6: { security_group_id: "sg-1", ip_protocol: "icmpv6", from_port: -1, to_port: -1, cidr_ipv6: "::/0", description: "neighbour and PMTU" } } } },
    {
      name: "GRE (protocol 47) from the world",
      resource: { aws_vpc_security_group_ingress_rule: { gre: { security_group_id: "sg-1", ip_protocol: "47", cidr_ipv4: "0.0.0.0/0", description: "tunnel" } } },
      twin: { name: "udp 53 from the world", resource: { aws_vpc_security_group_ingress_rule: { gre: { security_group_id: "sg-1", ip_protocol: "udp", from_port: 53, to_port: 53, cidr_ipv4: "0.0.0.0/0", description: "dns" } } }, message: /port 53/ },
    },
    { name: "0.0.0.0/0 as egress only, all protocols", resource: { aws_vpc_security_group_egress_rule: { all: { security_group_id: "sg-1", ip_protocol: "-1", cidr_ipv4: "0.0.0.0/0", description: "anything out" } } } },
    {
      name: "80 and 443 from the world next to 8443 from a private range",
      resource: {
        aws_security_group_rule: {
          http: { type: "ingress", security_group_id: "sg-1", protocol: "tcp", from_port: 80, to_port: 80, cidr_blocks: ["0.0.0.0/0"], description: "http" },
          https: { type: "ingress", security_group_id: "sg-1", protocol: "tcp", from_port: 443, to_port: 443, cidr_blocks: ["0.0.0.0/0"], description: "https" },
          admin: { type: "ingress", security_group_id: "sg-1", protocol: "tcp", from_port: 8443, to_port: 8443, cidr_blocks: ["10.0.0.0/8"], description: "admin UI" },
        },
      },
    },
  ],
  "sg-descriptions": [
    {
      name: "a group with no inline rules whose rule resources are each described",
      resource: {
        aws_security_group: { g: { name: "g", description: "Web servers behind the load balancer" } },
        aws_vpc_security_group_ingress_rule: { https: { security_group_id: "${aws_security_group.g.id}", ip_protocol: "tcp", from_port: 443, to_port: 443, referenced_security_group_id: "sg-0lb", description: "HTTPS from the load balancer" } },
      },
      twin: { name: "the group's description is Terraform's default", resource: { aws_security_group: { g: { name: "g", description: "Managed by Terraform" } } } },
    },
  ],
  "vpc-default-sg-closed": [
    {
      name: "the default group taken over with explicitly empty ingress and egress",
      resource: { aws_vpc: { a: { cidr_block: "10.0.0.0/16" } }, aws_default_security_group: { a: { vpc_id: "${aws_vpc.a.id}", ingress: [], egress: [] } } },
      twin: {
        name: "taken over with an allow-all egress",
        resource: { aws_vpc: { a: { cidr_block: "10.0.0.0/16" } }, aws_default_security_group: { a: { vpc_id: "${aws_vpc.a.id}", ingress: [], egress: [{ ...ruleAttrs, protocol: "-1", from_port: 0, to_port: 0, cidr_blocks: ["0.0.0.0/0"], description: "all" }] } } },
      },
    },
    { name: "the default VPC's default group (vpc_id left out) taken over with no rules, no VPC in the input", resource: { aws_default_security_group: { d: {} } } },
  ],
  "vpc-flow-logs": [
    {
      name: "a REJECT-only flow log next to an ALL one on the same VPC",
      resource: {
        aws_vpc: { a: { cidr_block: "10.0.0.0/16" } },
        aws_flow_log: { rejects: { vpc_id: "${aws_vpc.a.id}", traffic_type: "REJECT" }, all: { vpc_id: "${aws_vpc.a.id}", traffic_type: "ALL" } },
      },
      twin: {
        name: "a REJECT and an ACCEPT log (two halves are no ALL)",
        resource: {
          aws_vpc: { a: { cidr_block: "10.0.0.0/16" } },
          aws_flow_log: { rejects: { vpc_id: "${aws_vpc.a.id}", traffic_type: "REJECT" }, accepts: { vpc_id: "${aws_vpc.a.id}", traffic_type: "ACCEPT" } },
        },
      },
    },
  ],
  "cloudtrail-multi-region": [
    {
      name: "multi-region written as a string, global service events left to their default (on)",
      resource: { aws_cloudtrail: { org: { name: "org", s3_bucket_name: "b", is_multi_region_trail: "true" } } },
      twin: { name: "global service events off", resource: { aws_cloudtrail: { org: { name: "org", s3_bucket_name: "b", is_multi_region_trail: "true", include_global_service_events: false } } } },
    },
    {
      name: "a single-region trail next to a multi-region one",
      resource: { aws_cloudtrail: { local: { name: "local", s3_bucket_name: "b" }, org: { name: "org", s3_bucket_name: "b", is_multi_region_trail: true } } },
    },
  ],
  "cloudtrail-encrypted": [
    {
      name: "kms_key_id is the literal ARN of a key in another (audit) account",
      resource: { aws_cloudtrail: { t: { name: "t", s3_bucket_name: "b", kms_key_id: "arn:aws:kms:eu-west-1:222222222222:key/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b" } } },
      twin: { name: "no kms_key_id", resource: { aws_cloudtrail: { t: { name: "t", s3_bucket_name: "b" } } } },
    },
  ],
  "cloudtrail-log-validation": [
    {
      name: "enable_log_file_validation written as the string \"true\"",
      resource: { aws_cloudtrail: { t: { name: "t", s3_bucket_name: "b", enable_log_file_validation: "true" } } },
      twin: { name: "left out (off)", resource: { aws_cloudtrail: { t: { name: "t", s3_bucket_name: "b" } } } },
    },
  ],
  "cloudtrail-cloudwatch-logs": [
    {
      name: "literal log group and role ARNs of another stack",
      resource: { aws_cloudtrail: { t: { name: "t", s3_bucket_name: "b", cloud_watch_logs_group_arn: "arn:aws:logs:eu-west-1:111111111111:log-group:trail:*", cloud_watch_logs_role_arn: "arn:aws:iam::111111111111:role/trail-to-logs" } } },
      twin: { name: "a log group and no role", resource: { aws_cloudtrail: { t: { name: "t", s3_bucket_name: "b", cloud_watch_logs_group_arn: "arn:aws:logs:eu-west-1:111111111111:log-group:trail:*" } } } },
    },
  ],
  "cloudtrail-bucket": [
    {
      name: "the TLS-only statement denies every action (\"*\") with SecureTransport as JSON false",
      resource: trailBucket(denyInsecure),
      twin: { name: "restrict_public_buckets off", resource: trailBucket(denyInsecure, { restrict_public_buckets: false }) },
    },
  ],
  "config-recorder": [
    {
      name: "recording_group leaves all_supported to its default (true)",
      resource: {
        aws_config_configuration_recorder: { r: { name: "r", role_arn: "arn:aws:iam::111111111111:role/config", recording_group: { include_global_resource_types: true } } },
        aws_config_configuration_recorder_status: { r: { name: "r", is_enabled: true } },
        aws_config_delivery_channel: { r: { name: "r", s3_bucket_name: "config" } },
      },
      twin: {
        name: "global resource types not recorded",
        resource: {
          aws_config_configuration_recorder: { r: { name: "r", role_arn: "arn:aws:iam::111111111111:role/config", recording_group: { include_global_resource_types: false } } },
          aws_config_configuration_recorder_status: { r: { name: "r", is_enabled: true } },
          aws_config_delivery_channel: { r: { name: "r", s3_bucket_name: "config" } },
        },
      },
    },
  ],
  "kms-rotation": [
    {
      name: "an asymmetric signing key without rotation (only symmetric keys rotate)",
      resource: { aws_kms_key: { sign: { customer_master_key_spec: "RSA_2048", key_usage: "SIGN_VERIFY" } } },
      twin: { name: "a symmetric key without rotation", resource: { aws_kms_key: { sign: { customer_master_key_spec: "SYMMETRIC_DEFAULT" } } } },
    },
    {
      name: "rotation on through a variable whose default is true (a configuration does not evaluate it: unverifiable, never an error)",
      config: { variable: { rotate: { type: "bool", default: true } } },
      resource: { aws_kms_key: { k: { enable_key_rotation: "${var.rotate}" } } },
      leaves: ["unverifiable"],
    },
  ],
  "ssm-managed": [
    {
      name: "a role with AdministratorAccess and nothing else (\"*\" grants the agent's actions)",
      resource: withRole(attach(managed("AdministratorAccess"))),
      twin: {
        name: "AdministratorAccess with a Deny of ssm:* on \"*\"",
        resource: withRole({ ...attach(managed("AdministratorAccess")), ...inline({ Effect: "Deny", Action: "ssm:*", Resource: "*" }) }),
        message: /missing: ssm:UpdateInstanceInformation; denied by aws_iam_role_policy\.agent/,
      },
    },
    {
      name: "an inline policy granting exactly the agent's actions, no AmazonSSMManagedInstanceCore",
      resource: withRole(inline({ Effect: "Allow", Action: AGENT, Resource: "*" })),
      twin: {
        name: "an inline policy granting Session Manager's channels only",
        resource: withRole(inline({ Effect: "Allow", Action: AGENT.filter((a) => a.startsWith("ssmmessages:")), Resource: "*" })),
        message: /lacks AmazonSSMManagedInstanceCore and does not grant all of the SSM agent's actions \(missing: ssm:UpdateInstanceInformation, ec2messages:AcknowledgeMessage/,
      },
    },
    {
      name: "a customer-managed policy with wildcards (ssm:UpdateInstance*, ssmmessages:*, ec2messages:*) attached by reference",
      resource: withRole({
        aws_iam_policy: { agent: { name: "ssm-agent", policy: policy({ Effect: "Allow", Action: ["ssm:UpdateInstance*", "ssmmessages:*", "ec2messages:*"], Resource: "*" }) } },
        aws_iam_role_policy_attachment: { agent: { role: "${aws_iam_role.r.name}", policy_arn: "${aws_iam_policy.agent.arn}" } },
      }),
    },
    {
      name: "a customer-managed policy of this input attached by its literal ARN",
      resource: withRole({
        aws_iam_policy: { agent: { name: "ssm-agent", policy: policy({ Effect: "Allow", Action: ["ssm:UpdateInstanceInformation", "ssmmessages:*", "ec2messages:*"], Resource: "*" }) } },
        ...attach("arn:aws:iam::111111111111:policy/ssm-agent"),
      }),
    },
    { name: "AmazonSSMFullAccess through the role's managed_policy_arns", resource: withRole({}, { managed_policy_arns: [managed("AmazonSSMFullAccess")] }) },
    { name: "the deprecated AmazonEC2RoleforSSM", resource: withRole(attach(managed("service-role/AmazonEC2RoleforSSM"))) },
    {
      name: "PowerUserAccess (NotAction iam:*, organizations:*, account:*)",
      resource: withRole(attach(managed("PowerUserAccess"))),
      twin: {
        name: "PowerUserAccess under a permissions boundary that allows only S3",
        resource: withRole(
          { ...attach(managed("PowerUserAccess")), aws_iam_policy: { boundary: { name: "s3-only", policy: policy({ Effect: "Allow", Action: "s3:*", Resource: "*" }) } } },
          { permissions_boundary: "${aws_iam_policy.boundary.arn}" },
        ),
        message: /outside the permissions boundary aws_iam_policy\.boundary/,
      },
    },
    {
      name: "Allow with NotAction iam:* (everything else, the agent's actions included)",
      resource: withRole(inline({ Effect: "Allow", NotAction: ["iam:*", "organizations:*"], Resource: "*" })),
      twin: {
        name: "Allow with NotAction ssmmessages:*",
        resource: withRole(inline({ Effect: "Allow", NotAction: "ssmmessages:*", Resource: "*" })),
        message: /missing: ssmmessages:CreateControlChannel, ssmmessages:CreateDataChannel, ssmmessages:OpenControlChannel, ssmmessages:OpenDataChannel\)/,
      },
    },
    {
      name: "the grant's Resource is the instances' ARNs, not \"*\"",
      resource: withRole(inline({ Effect: "Allow", Action: ["ssm:*", "ssmmessages:*", "ec2messages:*"], Resource: "arn:aws:ec2:eu-west-1:111111111111:instance/*" })),
    },
    {
      name: "an aws_iam_policy_document data source in an inline_policy block",
      resource: withRole({}, { inline_policy: [{ name: "agent", policy: "${data.aws_iam_policy_document.agent.json}" }] }),
      config: {
        data: {
          aws_iam_policy_document: {
            agent: { statement: [{ effect: "Allow", actions: ["ssm:UpdateInstanceInformation", "ssmmessages:*", "ec2messages:*"], resources: ["*"] }] },
            storage: { statement: [{ actions: ["s3:GetObject", "s3:PutObject"], resources: ["arn:aws:s3:::app/*"] }] },
          },
        },
      },
      twin: { name: "the inline_policy block takes the S3 document instead", resource: withRole({}, { inline_policy: [{ name: "storage", policy: "${data.aws_iam_policy_document.storage.json}" }] }), message: /grants none of the SSM agent's actions/ },
    },
    {
      name: "JSON around references: the statements' Resource is built from a log group's ARN",
      resource: withRole({
        aws_cloudwatch_log_group: { sessions: { name: "sessions" } },
        aws_iam_role_policy: {
          agent: {
            role: "${aws_iam_role.r.id}",
            policy: policy({ Effect: "Allow", Action: AGENT, Resource: "*" }, { Effect: "Allow", Action: ["logs:CreateLogStream", "logs:PutLogEvents"], Resource: "${aws_cloudwatch_log_group.sessions.arn}:*" }),
          },
        },
      }),
      twin: {
        name: "the same JSON whose Deny names the agent's actions on \"*\"",
        resource: withRole({
          aws_cloudwatch_log_group: { sessions: { name: "sessions" } },
          aws_iam_role_policy: {
            agent: {
              role: "${aws_iam_role.r.id}",
              policy: policy({ Effect: "Allow", Action: AGENT, Resource: "*" }, { Effect: "Deny", Action: ["ssm:Update*", "logs:PutLogEvents"], Resource: ["${aws_cloudwatch_log_group.sessions.arn}:*", "*"] }),
            },
          },
        }),
        message: /missing: ssm:UpdateInstanceInformation; denied by aws_iam_role_policy\.agent/,
      },
    },
    {
      name: "AmazonSSMManagedInstanceCore with Denies that do not touch the agent (SendCommand; ssm:* on secret parameters)",
      resource: withRole({
        ...attach(managed("AmazonSSMManagedInstanceCore")),
        ...inline({ Effect: "Deny", Action: "ssm:SendCommand", Resource: "*" }, { Effect: "Deny", Action: "ssm:*", Resource: "arn:aws:ssm:*:*:parameter/secrets/*" }),
      }),
      twin: {
        name: "AmazonSSMManagedInstanceCore with a Deny of ec2messages:* on \"*\"",
        resource: withRole({ ...attach(managed("AmazonSSMManagedInstanceCore")), ...inline({ Effect: "Deny", Action: "ec2messages:*", Resource: "*" }) }),
        message: /^instance profile's role does not grant all of the SSM agent's actions \(missing: ec2messages:/,
      },
    },
    {
      name: "a policy this input does not hold: unverifiable, never an error",
      resource: withRole(attach("arn:aws:iam::111111111111:policy/defined-elsewhere")),
      leaves: ["unverifiable"],
      twin: { name: "AmazonSSMReadOnlyAccess (Describe, Get, List) only", resource: withRole(attach(managed("AmazonSSMReadOnlyAccess"))), message: /grants none of the SSM agent's actions/ },
    },
  ],
  "cis-cloudtrail-alarms": [
    {
      name: "every CIS filter and alarm under names that do not say CIS (joined by metric name and namespace)",
      resource: { ...cisAlarmsUnderOtherNames(), aws_sns_topic: { pager: { name: "pager" } } },
      twin: { name: "one alarm with actions_enabled = false", resource: { ...cisAlarmsUnderOtherNames(3), aws_sns_topic: { pager: { name: "pager" } } } },
    },
  ],
  "log-group-encrypted": [
    {
      name: "retention_in_days = 0 (never expire) and a literal key ARN",
      resource: { aws_cloudwatch_log_group: { g: { name: "audit", kms_key_id: "arn:aws:kms:eu-west-1:111111111111:key/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b", retention_in_days: 0 } } },
      twin: { name: "90 days", resource: { aws_cloudwatch_log_group: { g: { name: "audit", kms_key_id: "arn:aws:kms:eu-west-1:111111111111:key/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b", retention_in_days: 90 } } } },
    },
    { name: "retention left out (logs never expire)", resource: { aws_cloudwatch_log_group: { g: { name: "audit", kms_key_id: "${aws_kms_key.logs.arn}" } } } },
  ],
  "no-secrets-in-user-data": [
    {
      name: "user data that reads the database password from Parameter Store at boot",
      resource: { aws_instance: { a: { ...ami, user_data: "#!/bin/bash\nDB_PASSWORD=$(aws ssm get-parameter --name /app/db/password --with-decryption --query Parameter.Value --output text)\nexport DB_PASSWORD\n" } } },
      twin: { name: "the password written in", resource: { aws_instance: { a: { ...ami, user_data: "#!/bin/bash\nDB_PASSWORD='Xk9!vQ2#pLm7'\nexport DB_PASSWORD\n" } } } },
    },
    { name: "a placeholder where the secret key goes: a warning, not an error", resource: { aws_instance: { a: { ...ami, user_data: "#!/bin/bash\nexport AWS_SECRET_ACCESS_KEY=your_secret_key_here\n" } } }, leaves: ["warning"] },
    { name: "a password taken from a variable the shell sets elsewhere", resource: { aws_launch_template: { a: { user_data: Buffer.from("#!/bin/bash\nmysql --user app --password=\"$DB_PASSWORD\" -e 'select 1'\n").toString("base64") } } } },
  ],
  "alarm-actions": [
    {
      name: "alarm actions that are scaling policies, not a topic",
      resource: { aws_cloudwatch_metric_alarm: { cpu: { alarm_name: "cpu-high", comparison_operator: "GreaterThanThreshold", evaluation_periods: 2, alarm_actions: ["${aws_autoscaling_policy.up.arn}"] } } },
      twin: { name: "actions disabled", resource: { aws_cloudwatch_metric_alarm: { cpu: { alarm_name: "cpu-high", comparison_operator: "GreaterThanThreshold", evaluation_periods: 2, alarm_actions: ["${aws_autoscaling_policy.up.arn}"], actions_enabled: false } } } },
    },
    { name: "actions_enabled written as the string \"true\"", resource: { aws_cloudwatch_metric_alarm: { a: { alarm_name: "a", comparison_operator: "GreaterThanThreshold", evaluation_periods: 1, actions_enabled: "true", alarm_actions: ["arn:aws:sns:eu-west-1:111111111111:pager"] } } } },
  ],
  "sns-encrypted": [
    {
      name: "a topic encrypted with the AWS-managed alias/aws/sns key (encrypted at rest, as SNS.1 asks)",
      resource: { aws_sns_topic: { t: { name: "status", kms_master_key_id: "alias/aws/sns" } } },
      twin: { name: "kms_master_key_id = \"\"", resource: { aws_sns_topic: { t: { name: "status", kms_master_key_id: "" } } } },
    },
  ],
  "ec2-detailed-monitoring": [
    {
      name: "a launch configuration that leaves enable_monitoring out (it defaults to true)",
      resource: { aws_launch_configuration: { a: { image_id: "ami-12345678", instance_type: "t3.micro" } } },
      twin: { name: "enable_monitoring = false", resource: { aws_launch_configuration: { a: { image_id: "ami-12345678", instance_type: "t3.micro", enable_monitoring: false } } } },
    },
  ],
  "asg-launch-template-version": [
    {
      name: "$Latest on a group with no instance refresh (no refresh to start)",
      resource: { aws_launch_template: { t: { image_id: "ami-12345678" } }, aws_autoscaling_group: { g: { min_size: 1, max_size: 2, launch_template: { id: "${aws_launch_template.t.id}", version: "$Latest" } } } },
      twin: { name: "with an instance refresh", resource: { aws_launch_template: { t: { image_id: "ami-12345678" } }, aws_autoscaling_group: { g: { min_size: 1, max_size: 2, launch_template: { id: "${aws_launch_template.t.id}", version: "$Latest" }, instance_refresh: { strategy: "Rolling" } } } } },
    },
    {
      name: "latest_version inside a mixed instances policy with an instance refresh",
      resource: {
        aws_launch_template: { t: { image_id: "ami-12345678" } },
        aws_autoscaling_group: {
          g: {
            min_size: 1,
            max_size: 2,
            instance_refresh: { strategy: "Rolling" },
            mixed_instances_policy: { launch_template: { launch_template_specification: { launch_template_id: "${aws_launch_template.t.id}", version: "${aws_launch_template.t.latest_version}" } } },
          },
        },
      },
    },
  ],
  "exposure-no-internet-admin": [
    {
      name: "a public instance whose group opens 22 to the world, behind a subnet ACL that denies 22 and 3389 before allowing everything",
      resource: publicInstance([sshFromWorld], naclDeniesAdmin(90)),
      twin: { name: "the denies numbered after the allow", resource: publicInstance([sshFromWorld], naclDeniesAdmin(110)) },
    },
  ],
  "exposure-internet-via-load-balancer": [
    {
      name: "a public instance whose group admits 443 only from the load balancer's group",
      resource: publicInstance([], {
        aws_security_group: {
          g: { vpc_id: "${aws_vpc.v.id}", description: "web", ingress: [{ ...ruleAttrs, protocol: "tcp", from_port: 443, to_port: 443, cidr_blocks: [], security_groups: ["${aws_security_group.lb.id}"], description: "from the load balancer" }] },
          lb: { vpc_id: "${aws_vpc.v.id}", description: "load balancer", ingress: [{ ...ruleAttrs, protocol: "tcp", from_port: 443, to_port: 443, cidr_blocks: ["0.0.0.0/0"], description: "https" }] },
        },
      }),
      twin: { name: "the instance's group admits 443 from 0.0.0.0/0", resource: publicInstance([{ ...ruleAttrs, protocol: "tcp", from_port: 443, to_port: 443, cidr_blocks: ["0.0.0.0/0"], description: "https" }]) },
    },
  ],
  "exposure-tier-isolation": [
    {
      name: "the data tier admits the app tier's group only, and may send anything anywhere",
      resource: dataTier({ security_groups: ["${aws_security_group.app.id}"] }, [{ ...ruleAttrs, protocol: "-1", from_port: 0, to_port: 0, cidr_blocks: ["0.0.0.0/0"], description: "all out" }]),
      twin: { name: "the data tier admits the VPC's range", resource: dataTier({ cidr_blocks: ["10.0.0.0/16"] }) },
    },
  ],
  "backup-vault-cmk": [
    {
      name: "kms_key_arn is a literal key ARN of a backup account",
      resource: { aws_backup_vault: { v: { name: "v", kms_key_arn: "arn:aws:kms:eu-west-1:333333333333:key/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b" } } },
      twin: { name: "no kms_key_arn", resource: { aws_backup_vault: { v: { name: "v" } } } },
    },
  ],
  "backup-cross-region": [
    {
      name: "two rules, each copying to the second region, and a restore test",
      resource: {
        aws_backup_plan: {
          p: {
            name: "p",
            rule: [
              { rule_name: "daily", target_vault_name: "v", copy_action: [{ destination_vault_arn: "arn:aws:backup:eu-central-1:111111111111:backup-vault:dr" }] },
              { rule_name: "monthly", target_vault_name: "v", copy_action: [{ destination_vault_arn: "arn:aws:backup:eu-central-1:111111111111:backup-vault:dr" }] },
            ],
          },
        },
        aws_backup_restore_testing_plan: { t: { name: "t", schedule_expression: "cron(0 5 ? * SUN *)", recovery_point_selection: {} } },
      },
      twin: {
        name: "the monthly rule keeps its copies in one region",
        resource: {
          aws_backup_plan: {
            p: {
              name: "p",
              rule: [
                { rule_name: "daily", target_vault_name: "v", copy_action: [{ destination_vault_arn: "arn:aws:backup:eu-central-1:111111111111:backup-vault:dr" }] },
                { rule_name: "monthly", target_vault_name: "v" },
              ],
            },
          },
          aws_backup_restore_testing_plan: { t: { name: "t", schedule_expression: "cron(0 5 ? * SUN *)", recovery_point_selection: {} } },
        },
      },
    },
  ],
  "alb-access-logs": [
    { name: "a network load balancer without access logs (the rule judges application load balancers)", resource: { aws_lb: { n: { name: "n", load_balancer_type: "network" } } } },
    {
      name: "access logs enabled as the string \"true\"",
      resource: { aws_lb: { a: { name: "a", load_balancer_type: "application", access_logs: { bucket: "lb-logs", enabled: "true" } } } },
      twin: { name: "a bucket named, enabled left out", resource: { aws_lb: { a: { name: "a", load_balancer_type: "application", access_logs: { bucket: "lb-logs" } } } } },
    },
  ],
  "waf-logging": [
    {
      name: "redacted headers written with capitals (Authorization, Cookie)",
      resource: {
        aws_wafv2_web_acl: { a: { name: "a", scope: "REGIONAL" } },
        aws_wafv2_web_acl_logging_configuration: { a: { resource_arn: "${aws_wafv2_web_acl.a.arn}", log_destination_configs: ["arn:aws:logs:eu-west-1:111111111111:log-group:aws-waf-logs-a"], redacted_fields: [{ single_header: { name: "Authorization" } }, { single_header: { name: "Cookie" } }] } },
      },
      twin: {
        name: "only Authorization redacted",
        resource: {
          aws_wafv2_web_acl: { a: { name: "a", scope: "REGIONAL" } },
          aws_wafv2_web_acl_logging_configuration: { a: { resource_arn: "${aws_wafv2_web_acl.a.arn}", log_destination_configs: ["arn:aws:logs:eu-west-1:111111111111:log-group:aws-waf-logs-a"], redacted_fields: [{ single_header: { name: "Authorization" } }] } },
        },
      },
    },
  ],
  "waf-known-bad-inputs": [
    {
      name: "known bad inputs in a rule block that blocks, next to groups that only count",
      resource: {
        aws_wafv2_web_acl: {
          a: {
            name: "a",
            scope: "REGIONAL",
            rule: [
              { name: "common", priority: 1, override_action: { count: {} }, statement: { managed_rule_group_statement: { name: "AWSManagedRulesCommonRuleSet", vendor_name: "AWS" } } },
              { name: "bad-inputs", priority: 2, override_action: { none: {} }, statement: { managed_rule_group_statement: { name: "AWSManagedRulesKnownBadInputsRuleSet", vendor_name: "AWS" } } },
            ],
          },
        },
      },
      twin: {
        name: "known bad inputs only counting",
        resource: {
          aws_wafv2_web_acl: {
            a: {
              name: "a",
              scope: "REGIONAL",
              rule: [{ name: "bad-inputs", priority: 2, override_action: { count: {} }, statement: { managed_rule_group_statement: { name: "AWSManagedRulesKnownBadInputsRuleSet", vendor_name: "AWS" } } }],
            },
          },
        },
      },
    },
  ],
};

// ------------------------------------------------------------------------------------ the tests

describe("negative controls", () => {
  it("grant the agent's actions as written here, the same the rule asks for (this list is the oracle, not a copy)", () => {
    expect([...SSM_AGENT_ACTIONS].sort()).toEqual([...AGENT].sort());
  });

  it("has at least one for every rule in ALL_RULES (a new rule needs one here)", () => {
    expect(ALL_RULES.map((r) => r.id).filter((id) => !CONTROLS[id]?.length)).toEqual([]);
  });

  it("names only rules that exist", () => {
    const ids = new Set(ALL_RULES.map((r) => r.id));
    expect(Object.keys(CONTROLS).filter((id) => !ids.has(id))).toEqual([]);
  });

  it("are other configurations than the rules' own passing fixtures", () => {
    const same = ALL_RULES.flatMap((r) => (CONTROLS[r.id] ?? []).filter((c) => JSON.stringify({ resource: c.resource }) === JSON.stringify(r.fixtures.pass)).map((c) => `${r.id}: ${c.name}`));
    expect(same).toEqual([]);
  });

  for (const rule of ALL_RULES) {
    describe(rule.id, () => {
      for (const c of CONTROLS[rule.id] ?? []) {
        it(`no error: ${c.name}`, () => {
          const findings = judge(rule, c.resource, c.config);
          expect(findings.filter((f) => f.severity === "error").map((f) => `${f.address}: ${f.message}`)).toEqual([]);
          expect(findings.map((f) => f.severity).sort()).toEqual([...(c.leaves ?? [])]);
        });
        const twin = c.twin;
        if (twin) {
          it(`fails (twin): ${twin.name}`, () => {
            const failing = judge(rule, twin.resource, c.config).filter((f) => f.severity === rule.severity);
            expect(failing.length).toBeGreaterThan(0);
            if (twin.message) expect(failing.map((f) => f.message).join("\n")).toMatch(twin.message);
          });
        }
      }
    });
  }
});

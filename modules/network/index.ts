/**
 * `Network`: a private-by-default VPC with subnet tiers, optional NAT, interface endpoints for Session Manager
 * and logging, an S3 gateway endpoint, a network ACL per tier and flow logs.
 *
 * @module bulwark/network
 */
import { Construct } from "constructs";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { DefaultNetworkAcl } from "@cdktf/provider-aws/lib/default-network-acl";
import { DefaultSecurityGroup } from "@cdktf/provider-aws/lib/default-security-group";
import { Eip } from "@cdktf/provider-aws/lib/eip";
import { FlowLog } from "@cdktf/provider-aws/lib/flow-log";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { InternetGateway } from "@cdktf/provider-aws/lib/internet-gateway";
import { NatGateway } from "@cdktf/provider-aws/lib/nat-gateway";
import { Route } from "@cdktf/provider-aws/lib/route";
import { RouteTable } from "@cdktf/provider-aws/lib/route-table";
import { RouteTableAssociation } from "@cdktf/provider-aws/lib/route-table-association";
import { Subnet } from "@cdktf/provider-aws/lib/subnet";
import { Vpc } from "@cdktf/provider-aws/lib/vpc";
import { VpcEndpoint } from "@cdktf/provider-aws/lib/vpc-endpoint";
import { accountContext } from "../core/account";
import { cidrContains, cidrProblem, cidrsOverlap, ipv4Subnet, parseCidr } from "../core/cidr";
import { BulwarkValidationError } from "../core/errors";
import { assumeRolePolicy, policyDocument } from "../core/policy";
import { RuleIds } from "../core/rule-ids";
import { suppress } from "../core/suppressions";
import { AVAILABILITY_ZONE_PATTERN, checkLogRetention, checkName, checkOneOf, checkPattern, KMS_KEY_ARN_PATTERN, S3_BUCKET_ARN_PATTERN } from "../core/validate";
import { HardenedKmsKey } from "../kms-key";
import { appTierRules, dataTierRules, NaclRules, NetworkAclTier, publicWebTierRules } from "../network-acl";
import { HardenedSecurityGroup } from "../security-groups";

/**
 * A tier of subnets: `public` routes to the internet gateway (load balancers, NAT, an SSH
 * bastion), `private` reaches out only through NAT or the endpoints (app instances),
 * `isolated` has no route out of the VPC (data).
 */
export type SubnetTier = "public" | "private" | "isolated";
/** Every `SubnetTier`, in the order subnets are carved from the VPC CIDR. */
export const SUBNET_TIERS: readonly SubnetTier[] = ["public", "private", "isolated"];

/** NAT modes; shared with the published network module. */
export const NAT_MODES = ["none", "single", "per-az"] as const;
/**
 * How private subnets reach the internet: `none` (only the VPC endpoints), `single` (one NAT
 * gateway for all zones: cheaper, but an outage of its zone cuts every zone off) or `per-az` (one
 * gateway and private route table per zone).
 */
export type NatMode = (typeof NAT_MODES)[number];

/**
 * Interface endpoints that let private instances be managed and monitored with no NAT: Session
 * Manager (ssm, ssmmessages, ec2messages), logs and kms, and what the CloudWatch agent calls
 * besides logs: monitoring (PutMetricData) and ec2 (DescribeTags, for the AutoScalingGroupName
 * dimension the agent alarms aggregate by). ec2 also lets a bastion take its public address.
 */
export const DEFAULT_INTERFACE_ENDPOINTS = ["ec2", "ec2messages", "kms", "logs", "monitoring", "ssm", "ssmmessages"] as const;

/** Where flow logs go; shared with the published network module. */
export const FLOW_LOG_DESTINATIONS = ["cloudwatch", "s3"] as const;

/** Where a `Network`'s flow logs go. */
export interface FlowLogsProps {
  /** Destination of the flow logs: a log group the network creates, or a bucket of yours. @default "cloudwatch" — a KMS-encrypted log group */
  readonly destination?: (typeof FLOW_LOG_DESTINATIONS)[number];
  /** Bucket ARN, required for the s3 destination. */
  readonly bucketArn?: string;
  /** Log group retention in days (≥ 365). @default 365 */
  readonly retentionDays?: number;
}

/** Props of `Network`. */
export interface NetworkProps {
  /** Name prefix of every resource, e.g. `prod`. */
  readonly name: string;
  /** VPC IPv4 CIDR, /16 to /28. */
  readonly cidr: string;
  /** Availability zones by name (no lookup needed to synth or plan). 1–6. */
  readonly availabilityZones: readonly string[];
  /** Subnet tiers to create. @default ["private"] */
  readonly tiers?: readonly SubnetTier[];
  /**
   * Subnet CIDRs per tier and AZ. @default carved from the VPC: equal subnets, tier-major,
   * AZs in name order (so reordering the AZ list changes nothing)
   */
  readonly subnetCidrs?: Partial<Record<SubnetTier, Readonly<Record<string, string>>>>;
  /** NAT gateways for the private tier (they need a public tier). @default "none" */
  readonly natGateways?: NatMode;
  /** Interface endpoints (service names such as `ssm`) in the private tier, or the isolated or public one without it. @default DEFAULT_INTERFACE_ENDPOINTS; the S3 gateway endpoint is always created */
  readonly interfaceEndpoints?: readonly string[];
  /** Key for the flow-log group (and nothing else). @default a new key open to CloudWatch Logs */
  readonly kmsKeyArn?: string;
  /** Destination and retention of the flow logs. @default CloudWatch Logs, ALL traffic, 365 days */
  readonly flowLogs?: FlowLogsProps;
  /** Turns flow logs off; recorded as a suppression of `vpc-flow-logs`. @default undefined — on (EC2.6) */
  readonly disableFlowLogs?: {
    /** Why the VPC needs no flow logs, at least 10 characters; without them, no record exists of who talked to what. */
    readonly reason: string;
  };
  /**
   * Network ACL rules per tier, keyed by name. @default presets: public = web (80/443 in),
   * private = app (app port from public, data ports to isolated, HTTPS to endpoints, and HTTPS from
   * every private subnet to the endpoints' interfaces in the others), isolated = data (data ports
   * from private) — each with its return traffic. A tier named here gets only these rules.
   */
  readonly aclRules?: Partial<Record<SubnetTier, NaclRules>>;
  /**
   * Rules each tier's ACL may hold per direction (`NetworkAclTier.ruleQuota`): the AWS quota is 20,
   * raisable to 40. The private preset holds a rule per public, isolated and private subnet (and per
   * data port) each way, so six zones of all three tiers, or five with two data ports, need more than 20.
   * @default 20
   */
  readonly aclRuleQuota?: number;
  /** Port of the app tier, for the ACL presets. @default 8080 */
  readonly appPort?: number;
  /** Ports of the data tier, for the ACL presets. @default [5432] */
  readonly dataPorts?: readonly number[];
  /** Tags on every taggable resource created (each also gets a `Name`). @default none */
  readonly tags?: Readonly<Record<string, string>>;
}

/**
 * A private-by-default VPC: subnets that never map public IPs, route tables per tier, optional
 * NAT, interface endpoints for Session Manager and logging, an S3 gateway endpoint, the
 * default security group and default ACL taken over with no rules (EC2.2), network ACLs
 * per tier, and flow logs of ALL traffic to a KMS-encrypted log group (EC2.6).
 */
export class Network extends Construct {
  /** The `aws_vpc` resource. */
  public readonly vpc: Vpc;
  /** VPC id. */
  public readonly vpcId: string;
  /** The VPC's IPv4 CIDR, as given. */
  public readonly cidr: string;
  /** Subnets per tier, keyed by AZ. */
  public readonly subnets: Partial<Record<SubnetTier, Record<string, Subnet>>> = {};
  /** Literal subnet CIDRs per tier, keyed by AZ. */
  public readonly subnetCidrs: Partial<Record<SubnetTier, Record<string, string>>> = {};
  /** Security group of the interface endpoints: HTTPS from the VPC CIDR only. A group that calls AWS APIs needs egress to it on 443. */
  public readonly endpointsSecurityGroup: HardenedSecurityGroup;
  /** The S3 gateway endpoint on the private and isolated route tables; its `prefixListId` admits HTTPS to S3 in security groups. */
  public readonly s3Endpoint: VpcEndpoint;
  /** The network ACL of each tier. */
  public readonly acls: Partial<Record<SubnetTier, NetworkAclTier>> = {};
  /** The VPC flow log (ALL traffic, one-minute aggregation); absent with `disableFlowLogs`. */
  public readonly flowLog?: FlowLog;
  /** The encrypted log group the flow log writes to; absent for the s3 destination or with `disableFlowLogs`. */
  public readonly flowLogGroup?: CloudwatchLogGroup;

  constructor(scope: Construct, id: string, props: NetworkProps) {
    super(scope, id);
    // ---- validation ----
    checkName(this, "name", props.name);
    const problem = cidrProblem(props.cidr);
    if (problem) throw new BulwarkValidationError(this, "cidr", props.cidr, problem);
    const vpcCidr = parseCidr(props.cidr)!;
    if (vpcCidr.family !== "ipv4" || vpcCidr.prefix < 16 || vpcCidr.prefix > 28) {
      throw new BulwarkValidationError(this, "cidr", props.cidr, "must be an IPv4 CIDR from /16 to /28");
    }
    const azs = [...props.availabilityZones];
    if (azs.length < 1 || azs.length > 6) throw new BulwarkValidationError(this, "availabilityZones", props.availabilityZones, "must name 1 to 6 availability zones");
    for (const az of azs) checkPattern(this, "availabilityZones", az, AVAILABILITY_ZONE_PATTERN, "an availability zone name such as eu-west-1a");
    if (new Set(azs).size !== azs.length) throw new BulwarkValidationError(this, "availabilityZones", props.availabilityZones, "names a zone twice");
    const sortedAzs = [...azs].sort();
    const tiers = SUBNET_TIERS.filter((t) => (props.tiers ?? ["private"]).includes(t));
    for (const t of props.tiers ?? []) if (!SUBNET_TIERS.includes(t)) throw new BulwarkValidationError(this, "tiers", t, "must be public, private or isolated");
    if (tiers.length === 0) throw new BulwarkValidationError(this, "tiers", props.tiers, "must name at least one tier");
    const nat = props.natGateways ?? "none";
    if (!(NAT_MODES as readonly string[]).includes(nat)) throw new BulwarkValidationError(this, "natGateways", nat, "must be none, single or per-az");
    if (nat !== "none" && !tiers.includes("public")) throw new BulwarkValidationError(this, "natGateways", nat, "needs a public tier to hold the NAT gateways");
    checkPattern(this, "kmsKeyArn", props.kmsKeyArn, KMS_KEY_ARN_PATTERN, "a KMS key ARN");
    const retention = props.flowLogs?.retentionDays ?? 365;
    checkLogRetention(this, "flowLogs.retentionDays", retention);
    checkOneOf(this, "flowLogs.destination", props.flowLogs?.destination, FLOW_LOG_DESTINATIONS);
    if (props.flowLogs?.destination === "s3" && !props.flowLogs.bucketArn) throw new BulwarkValidationError(this, "flowLogs.bucketArn", undefined, "is required for the s3 destination");
    checkPattern(this, "flowLogs.bucketArn", props.flowLogs?.bucketArn, S3_BUCKET_ARN_PATTERN, "an S3 bucket ARN (arn:aws:s3:::<bucket>)");
    if (props.aclRuleQuota !== undefined && (!Number.isInteger(props.aclRuleQuota) || props.aclRuleQuota < 1 || props.aclRuleQuota > 40)) {
      throw new BulwarkValidationError(this, "aclRuleQuota", props.aclRuleQuota, "must be a whole number from 1 to 40 (the most AWS raises the quota to)");
    }
    if (props.disableFlowLogs !== undefined && (typeof props.disableFlowLogs.reason !== "string" || props.disableFlowLogs.reason.trim().length < 10)) {
      throw new BulwarkValidationError(this, "disableFlowLogs.reason", props.disableFlowLogs.reason, "must say why flow logs are off (at least 10 characters)");
    }

    // CIDR carving: explicit or equal subnets; all checked to fit the VPC and not overlap.
    const count = tiers.length * sortedAzs.length;
    const newPrefix = vpcCidr.prefix + Math.ceil(Math.log2(count));
    const allCidrs: [string, string][] = [];
    tiers.forEach((tier, ti) => {
      this.subnetCidrs[tier] = {};
      sortedAzs.forEach((az, ai) => {
        const explicit = props.subnetCidrs?.[tier]?.[az];
        let cidr: string;
        if (explicit !== undefined) {
          const p = cidrProblem(explicit);
          if (p) throw new BulwarkValidationError(this, `subnetCidrs.${tier}.${az}`, explicit, p);
          cidr = explicit;
        } else {
          if (newPrefix > 28) throw new BulwarkValidationError(this, "cidr", props.cidr, `is too small for ${count} subnets of at least /28`);
          cidr = ipv4Subnet(props.cidr, newPrefix, ti * sortedAzs.length + ai);
        }
        const parsed = parseCidr(cidr)!;
        if (parsed.family !== "ipv4" || parsed.prefix > 28 || !cidrContains(props.cidr, cidr)) {
          throw new BulwarkValidationError(this, `subnetCidrs.${tier}.${az}`, cidr, `must be an IPv4 CIDR of /28 or larger inside ${props.cidr}`);
        }
        const clash = allCidrs.find(([, other]) => cidrsOverlap(other, cidr));
        if (clash) throw new BulwarkValidationError(this, `subnetCidrs.${tier}.${az}`, cidr, `overlaps ${clash[0]} ${clash[1]}`);
        allCidrs.push([`${tier}.${az}`, cidr]);
        this.subnetCidrs[tier]![az] = cidr;
      });
    });
    for (const tier of Object.keys(props.subnetCidrs ?? {}) as SubnetTier[]) {
      for (const az of Object.keys(props.subnetCidrs?.[tier] ?? {})) {
        if (!tiers.includes(tier) || !azs.includes(az)) throw new BulwarkValidationError(this, `subnetCidrs.${tier}.${az}`, props.subnetCidrs![tier]![az], "names a tier or zone this network does not have");
      }
    }

    // ---- resources ----
    const tags = (name: string, extra: Record<string, string> = {}) => ({ ...props.tags, ...extra, Name: name });
    this.vpc = new Vpc(this, "vpc", { cidrBlock: props.cidr, enableDnsHostnames: true, enableDnsSupport: true, tags: tags(props.name) });
    this.vpcId = this.vpc.id;
    this.cidr = props.cidr;

    // Take over the VPC's defaults with no rules: nothing may use them by accident (EC2.2, CIS 5.5).
    new DefaultSecurityGroup(this, "default-security-group", { vpcId: this.vpc.id, tags: tags(`${props.name}-default-deny-all`) });
    new DefaultNetworkAcl(this, "default-network-acl", {
      defaultNetworkAclId: this.vpc.defaultNetworkAclId,
      tags: tags(`${props.name}-default-deny-all`),
      // Subnets move to the tier ACLs; Terraform must not fight over them.
      lifecycle: { ignoreChanges: ["subnet_ids"] },
    });

    for (const tier of tiers) {
      this.subnets[tier] = {};
      for (const az of sortedAzs) {
        this.subnets[tier]![az] = new Subnet(this, `subnet-${tier}-${az}`, {
          vpcId: this.vpc.id,
          cidrBlock: this.subnetCidrs[tier]![az],
          availabilityZone: az,
          mapPublicIpOnLaunch: false,
          tags: tags(`${props.name}-${tier}-${az}`, { "bulwark:tier": tier }),
        });
      }
    }

    const routeTables: Record<string, RouteTable> = {};
    const table = (key: string) => (routeTables[key] ??= new RouteTable(this, `route-table-${key}`, { vpcId: this.vpc.id, tags: tags(`${props.name}-${key}`) }));
    const associate = (tier: SubnetTier, az: string, key: string) =>
      new RouteTableAssociation(this, `route-table-${tier}-${az}-association`, { subnetId: this.subnets[tier]![az].id, routeTableId: table(key).id });

    const natByAz: Record<string, NatGateway> = {};
    if (tiers.includes("public")) {
      const igw = new InternetGateway(this, "internet-gateway", { vpcId: this.vpc.id, tags: tags(props.name) });
      new Route(this, "route-public-internet", { routeTableId: table("public").id, destinationCidrBlock: "0.0.0.0/0", gatewayId: igw.id });
      for (const az of sortedAzs) associate("public", az, "public");
      const natAzs = nat === "single" ? [sortedAzs[0]] : nat === "per-az" ? sortedAzs : [];
      for (const az of natAzs) {
        const eip = new Eip(this, `nat-ip-${az}`, { domain: "vpc", tags: tags(`${props.name}-nat-${az}`) });
        natByAz[az] = new NatGateway(this, `nat-${az}`, { allocationId: eip.allocationId, subnetId: this.subnets.public![az].id, tags: tags(`${props.name}-nat-${az}`) });
      }
    }
    if (tiers.includes("private")) {
      const natRouted = new Set<string>();
      for (const az of sortedAzs) {
        const key = nat === "per-az" ? `private-${az}` : "private";
        associate("private", az, key);
        const gw = nat === "per-az" ? natByAz[az] : natByAz[sortedAzs[0]];
        if (gw && !natRouted.has(key)) {
          natRouted.add(key);
          new Route(this, `route-${key}-nat`, { routeTableId: routeTables[key].id, destinationCidrBlock: "0.0.0.0/0", natGatewayId: gw.id });
        }
      }
    }
    if (tiers.includes("isolated")) for (const az of sortedAzs) associate("isolated", az, "isolated");

    // Endpoints: Session Manager, logs and KMS without NAT; S3 (package repositories) by gateway.
    this.endpointsSecurityGroup = new HardenedSecurityGroup(this, "endpoints", {
      name: `${props.name}-endpoints`,
      description: "VPC interface endpoints: HTTPS from inside the VPC only",
      vpcId: this.vpc.id,
      rules: { "https-from-vpc": { direction: "ingress", description: "HTTPS from the VPC to AWS APIs", port: 443, peer: { cidr: props.cidr } } },
      tags: props.tags,
    });
    const ctx = accountContext(this);
    const endpointTier: SubnetTier = tiers.includes("private") ? "private" : tiers.includes("isolated") ? "isolated" : "public";
    const endpointServices = [...(props.interfaceEndpoints ?? DEFAULT_INTERFACE_ENDPOINTS)].sort();
    for (const service of endpointServices) {
      checkPattern(this, "interfaceEndpoints", service, /^[a-z0-9.-]+$/, "an AWS service endpoint name such as ssm");
      new VpcEndpoint(this, `endpoint-${service}`, {
        vpcId: this.vpc.id,
        serviceName: `com.amazonaws.${ctx.region}.${service}`,
        vpcEndpointType: "Interface",
        privateDnsEnabled: true,
        subnetIds: sortedAzs.map((az) => this.subnets[endpointTier]![az].id),
        securityGroupIds: [this.endpointsSecurityGroup.id],
        tags: tags(`${props.name}-${service}`),
      });
    }
    this.s3Endpoint = new VpcEndpoint(this, "endpoint-s3", {
      vpcId: this.vpc.id,
      serviceName: `com.amazonaws.${ctx.region}.s3`,
      vpcEndpointType: "Gateway",
      routeTableIds: Object.keys(routeTables)
        .filter((k) => k !== "public")
        .sort()
        .map((k) => routeTables[k].id),
      tags: tags(`${props.name}-s3`),
    });

    // Network ACLs per tier, with presets that carry their return traffic.
    const cidrsOf = (tier: SubnetTier) => (tiers.includes(tier) ? sortedAzs.map((az) => this.subnetCidrs[tier]![az]) : []);
    // The endpoints' clients are the subnets whose preset sends HTTPS to the VPC: the private tier's.
    // An endpoint's Regional DNS name resolves to its interface in every zone, so the private ACL
    // admits HTTPS from every private subnet, not only from inside one. The public preset sends HTTPS
    // only out through NAT and the isolated one none: they stay out, and with no private tier to
    // hold them the endpoints serve only their own subnet's hosts.
    const endpointClients = endpointTier === "private" && endpointServices.length > 0 ? cidrsOf("private") : [];
    const presets: Record<SubnetTier, () => NaclRules> = {
      public: () => publicWebTierRules({ appCidrs: cidrsOf("private"), appPort: props.appPort, natClientCidrs: nat === "none" ? [] : cidrsOf("private") }),
      private: () =>
        appTierRules({
          webCidrs: cidrsOf("public"),
          dataCidrs: cidrsOf("isolated"),
          appPort: props.appPort,
          dataPorts: props.dataPorts,
          vpcCidr: props.cidr,
          endpointClientCidrs: endpointClients,
          httpsToInternet: nat !== "none",
          httpsToS3: true,
        }),
      isolated: () => dataTierRules({ appCidrs: cidrsOf("private"), dataPorts: props.dataPorts }),
    };
    for (const tier of tiers) {
      this.acls[tier] = new NetworkAclTier(this, `acl-${tier}`, {
        name: `${props.name}-${tier}`,
        vpcId: this.vpc.id,
        subnetIds: Object.fromEntries(sortedAzs.map((az) => [az, this.subnets[tier]![az].id])),
        rules: props.aclRules?.[tier] ?? presets[tier](),
        ruleQuota: props.aclRuleQuota,
        tags: props.tags,
      });
    }

    // Flow logs: ALL traffic, KMS-encrypted, a role that may write to this one log group.
    if (props.disableFlowLogs) {
      suppress(this.vpc, RuleIds.flowLogs, props.disableFlowLogs.reason);
    } else if (props.flowLogs?.destination === "s3") {
      this.flowLog = new FlowLog(this, "flow-log", {
        vpcId: this.vpc.id,
        trafficType: "ALL",
        logDestinationType: "s3",
        logDestination: props.flowLogs.bucketArn,
        maxAggregationInterval: 60,
        tags: tags(props.name),
      });
    } else {
      const keyArn =
        props.kmsKeyArn ?? new HardenedKmsKey(this, "flow-log-key", { alias: `${props.name}/flow-logs`, services: ["cloudwatch-logs"], tags: props.tags }).keyArn;
      this.flowLogGroup = new CloudwatchLogGroup(this, "flow-log-group", {
        name: `/bulwark/${props.name}/vpc-flow-logs`,
        kmsKeyId: keyArn,
        retentionInDays: retention,
        tags: props.tags,
      });
      const role = new IamRole(this, "flow-log-role", {
        name: `${props.name}-vpc-flow-logs`,
        description: `Delivers VPC flow logs of ${props.name} to its log group`,
        assumeRolePolicy: assumeRolePolicy("vpc-flow-logs.amazonaws.com"),
        tags: props.tags,
      });
      new IamRolePolicy(this, "flow-log-policy", {
        role: role.name,
        name: "write-flow-logs",
        policy: policyDocument([
          {
            Sid: "WriteThisLogGroup",
            Effect: "Allow",
            Action: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
            Resource: [this.flowLogGroup.arn, `${this.flowLogGroup.arn}:*`],
          },
          { Sid: "FindLogGroups", Effect: "Allow", Action: "logs:DescribeLogGroups", Resource: "*" },
        ], this),
      });
      this.flowLog = new FlowLog(this, "flow-log", {
        vpcId: this.vpc.id,
        trafficType: "ALL",
        logDestinationType: "cloud-watch-logs",
        logDestination: this.flowLogGroup.arn,
        iamRoleArn: role.arn,
        maxAggregationInterval: 60,
        tags: tags(props.name),
      });
    }
  }
}

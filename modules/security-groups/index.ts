/**
 * `HardenedSecurityGroup` (no inline rules, nothing allowed by default, one resource per named rule) and
 * `SecurityGroupTiers` (web, app, data and bastion groups wired to each other by reference).
 *
 * @module bulwark/security-groups
 */
import { Construct } from "constructs";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { VpcSecurityGroupEgressRule } from "@cdktf/provider-aws/lib/vpc-security-group-egress-rule";
import { VpcSecurityGroupIngressRule } from "@cdktf/provider-aws/lib/vpc-security-group-ingress-rule";
import { cidrProblem, cidrsCoverInternet, isWorld } from "../core/cidr";
import { ADMIN_PORTS } from "../core/ports";
import { BulwarkValidationError } from "../core/errors";
import { RuleIds } from "../core/rule-ids";
import { suppress } from "../core/suppressions";
import { keysFor } from "../core/keys";
import { checkName, isLiteral } from "../core/validate";

/** The other side of a security-group rule: exactly one of these. */
export type SgPeer =
  | {
      /** An IPv4 or IPv6 CIDR. */
      readonly cidr: string;
    }
  | {
      /** Another security group: its members, whatever their addresses. */
      readonly securityGroupId: string;
    }
  | {
      /** A managed prefix list, e.g. the S3 gateway endpoint's. */
      readonly prefixListId: string;
    };

/** One rule of a `HardenedSecurityGroup`: one `aws_vpc_security_group_ingress_rule` or `_egress_rule`. */
export interface SgRule {
  /** `ingress` for traffic the group's members receive, `egress` for traffic they send. */
  readonly direction: "ingress" | "egress";
  /** Required: every rule says what it is for (CKV_AWS_23). */
  readonly description: string;
  /** IP protocol; `all` matches every protocol and port. @default "tcp" */
  readonly protocol?: "tcp" | "udp" | "icmp" | "icmpv6" | "all";
  /** One port (tcp and udp, which need a port); or use `fromPort` and `toPort`. */
  readonly port?: number;
  /** First port of a range (tcp and udp only). */
  readonly fromPort?: number;
  /** Last port of a range, inclusive. @default fromPort */
  readonly toPort?: number;
  /** Where the traffic comes from (ingress) or goes to (egress). */
  readonly peer: SgPeer;
  /**
   * World ingress (0.0.0.0/0, ::/0) to 22 or 3389 is refused (EC2.53/EC2.54, CIS 5.3/5.4)
   * unless this says why. Recorded as a suppression.
   */
  readonly allowWorldAdminAccess?: {
    /** Why the internet must reach SSH or RDP on this group, at least 10 characters; the suppressions of `sg-no-world-admin-ports` and `sg-no-world-unauthorized-ports` carry it. */
    readonly reason: string;
  };
}

const PROTOCOLS = { tcp: "tcp", udp: "udp", icmp: "icmp", icmpv6: "icmpv6", all: "-1" } as const;

/**
 * The rules a reasoned world rule (`allowWorldAdminAccess`) suppresses: the reason covers what the
 * world rule is in both rules that see it, an admin port, which is never an authorized one. The
 * published module returns the same entries in its `bulwark_suppressions` output.
 */
export const WORLD_ADMIN_SUPPRESSED_RULES: readonly string[] = [RuleIds.securityGroupAdminPortsFromWorld, RuleIds.securityGroupUnauthorizedPortsFromWorld];

/** Props of `HardenedSecurityGroup`. */
export interface HardenedSecurityGroupProps {
  /** Group name and `Name` tag. */
  readonly name: string;
  /** Required: what the group is for (CKV_AWS_23). */
  readonly description: string;
  /** The VPC of the group. */
  readonly vpcId: string;
  /** Rules keyed by name; the name is the Terraform resource key. @default {} — nothing in, nothing out */
  readonly rules?: Readonly<Record<string, SgRule>>;
  /** Tags on the group, beside its `Name`. @default none */
  readonly tags?: Readonly<Record<string, string>>;
}

/**
 * A security group with no inline rules and one `aws_vpc_security_group_ingress_rule` /
 * `_egress_rule` per named rule. Without rules it allows nothing, not even egress (the
 * provider's default allow-all egress is not created).
 */
export class HardenedSecurityGroup extends Construct {
  /** The `aws_security_group` resource. */
  public readonly group: SecurityGroup;
  /** Security group id, for rules, launch templates and load balancers. */
  public readonly id: string;
  private readonly ruleNames = new Set<string>();
  /** Ingress CIDR rules reaching an admin port without a reason: judged together, as AWS unions them. */
  private readonly adminIngress: { name: string; cidr: string; ports: number[] }[] = [];

  constructor(scope: Construct, id: string, props: HardenedSecurityGroupProps) {
    super(scope, id);
    checkName(this, "name", props.name);
    if (isLiteral(props.description) && (typeof props.description !== "string" || props.description.trim().length < 5)) {
      throw new BulwarkValidationError(this, "description", props.description, "must say what the group is for (CKV_AWS_23)");
    }
    this.group = new SecurityGroup(this, "group", {
      name: props.name,
      description: props.description,
      vpcId: props.vpcId,
      revokeRulesOnDelete: true,
      tags: { ...props.tags, Name: props.name },
    });
    this.id = this.group.id;
    for (const [name, rule] of Object.entries(props.rules ?? {})) this.addRule(name, rule);
  }

  /** Adds a named rule; names are unique per group. */
  addRule(name: string, rule: SgRule): void {
    const at = `rule ${name}`;
    checkName(this, "rule name", name);
    if (this.ruleNames.has(name)) throw new BulwarkValidationError(this, "rule name", name, "is used twice");
    this.ruleNames.add(name);
    if (rule.direction !== "ingress" && rule.direction !== "egress") throw new BulwarkValidationError(this, `${at}: direction`, rule.direction, "must be ingress or egress");
    if (isLiteral(rule.description) && (typeof rule.description !== "string" || rule.description.trim().length < 5)) {
      throw new BulwarkValidationError(this, `${at}: description`, rule.description, "must say what the rule is for (CKV_AWS_23)");
    }
    const protocol = rule.protocol ?? "tcp";
    if (!(protocol in PROTOCOLS)) throw new BulwarkValidationError(this, `${at}: protocol`, protocol, "must be tcp, udp, icmp, icmpv6 or all");
    const ported = protocol === "tcp" || protocol === "udp";
    let fromPort: number | undefined;
    let toPort: number | undefined;
    if (ported) {
      fromPort = rule.port ?? rule.fromPort;
      toPort = rule.port ?? rule.toPort ?? fromPort;
      for (const [field, v] of [["fromPort", fromPort], ["toPort", toPort]] as const) {
        if (isLiteral(v) && (!Number.isInteger(v) || v! < 0 || v! > 65535)) throw new BulwarkValidationError(this, `${at}: ${rule.port !== undefined ? "port" : field}`, v, "must be a port 0-65535");
        if (v === undefined) throw new BulwarkValidationError(this, `${at}: port`, v, `is required for ${protocol}`);
      }
      if (isLiteral(fromPort) && isLiteral(toPort) && fromPort! > toPort!) throw new BulwarkValidationError(this, `${at}: fromPort`, fromPort, `must not exceed toPort ${toPort}`);
    } else if (rule.port !== undefined || rule.fromPort !== undefined) {
      throw new BulwarkValidationError(this, `${at}: port`, rule.port ?? rule.fromPort, "only applies to tcp and udp");
    }
    const peers = ["cidr", "securityGroupId", "prefixListId"].filter((k) => k in (rule.peer ?? {}));
    if (peers.length !== 1) throw new BulwarkValidationError(this, `${at}: peer`, rule.peer, "must be exactly one of { cidr }, { securityGroupId }, { prefixListId }");
    let cidrIpv4: string | undefined;
    let cidrIpv6: string | undefined;
    if ("cidr" in rule.peer && isLiteral(rule.peer.cidr)) {
      const problem = cidrProblem(rule.peer.cidr);
      if (problem) throw new BulwarkValidationError(this, `${at}: peer.cidr`, rule.peer.cidr, problem);
      if (rule.peer.cidr.includes(":")) cidrIpv6 = rule.peer.cidr;
      else cidrIpv4 = rule.peer.cidr;
      const admin = ADMIN_PORTS.filter((p) => protocol === "all" || (ported && isLiteral(fromPort) && isLiteral(toPort) && fromPort! <= p && p <= toPort!));
      const reason = rule.allowWorldAdminAccess?.reason;
      const reasoned = typeof reason === "string" && reason.trim().length >= 10;
      if (rule.direction === "ingress" && admin.length > 0 && !reasoned) {
        if (isWorld(rule.peer.cidr)) {
          throw new BulwarkValidationError(this, `${at}: peer.cidr`, rule.peer.cidr, `allows the world to reach admin port ${admin.join(" and ")} (EC2.53/EC2.54); narrow the source or set allowWorldAdminAccess with a reason`);
        }
        // Several narrower rules can cover the internet between them (0.0.0.0/1 + 128.0.0.0/1).
        this.adminIngress.push({ name, cidr: rule.peer.cidr, ports: admin });
        for (const port of admin) {
          const together = this.adminIngress.filter((r) => r.ports.includes(port));
          if (cidrsCoverInternet(together.map((r) => r.cidr))) {
            throw new BulwarkValidationError(
              this,
              `${at}: peer.cidr`,
              rule.peer.cidr,
              `with ${together.filter((r) => r.name !== name).map((r) => `rule ${r.name} (${r.cidr})`).join(", ")} allows the internet to reach admin port ${port} (EC2.53/EC2.54); narrow the sources or set allowWorldAdminAccess with a reason`,
            );
          }
        }
      }
    } else if ("cidr" in rule.peer) {
      cidrIpv4 = rule.peer.cidr;
    }
    const config = {
      securityGroupId: this.group.id,
      description: rule.description,
      ipProtocol: PROTOCOLS[protocol],
      fromPort: ported ? fromPort : protocol === "all" ? undefined : -1,
      toPort: ported ? toPort : protocol === "all" ? undefined : -1,
      cidrIpv4,
      cidrIpv6,
      referencedSecurityGroupId: "securityGroupId" in rule.peer ? rule.peer.securityGroupId : undefined,
      prefixListId: "prefixListId" in rule.peer ? rule.peer.prefixListId : undefined,
      tags: { Name: name },
    };
    const resource =
      rule.direction === "ingress" ? new VpcSecurityGroupIngressRule(this, `in-${name}`, config) : new VpcSecurityGroupEgressRule(this, `out-${name}`, config);
    if (rule.allowWorldAdminAccess) for (const id of WORLD_ADMIN_SUPPRESSED_RULES) suppress(resource, id, rule.allowWorldAdminAccess.reason);
  }
}

/** A tier of `SecurityGroupTiers`; each group is tagged `bulwark:tier` with it. */
export type TierName = "web" | "app" | "data" | "bastion";

/** Props of `SecurityGroupTiers`. */
export interface SecurityGroupTiersProps {
  /** Prefix of group names, e.g. `prod`. */
  readonly name: string;
  /** The VPC of the groups. */
  readonly vpcId: string;
  /** The VPC CIDR: DNS to the VPC resolver. */
  readonly vpcCidr: string;
  /** The interface endpoints' security group: every tier's HTTPS to AWS APIs goes there. */
  readonly endpointsSecurityGroupId: string;
  /** The S3 gateway endpoint's prefix list: package repositories (Amazon Linux) and S3. @default none */
  readonly s3PrefixListId?: string;
  /** Tiers to create. @default ["app"] */
  readonly tiers?: readonly TierName[];
  /** Port the app listens on. @default 8080 */
  readonly appPort?: number;
  /** Ports of the data tier. @default [5432] */
  readonly dataPorts?: readonly number[];
  /** CIDRs allowed to the web tier on 443 (and 80, redirected). @default ["0.0.0.0/0"] */
  readonly webClientCidrs?: readonly string[];
  /** HTTPS from app and bastion to the internet (through NAT). @default false */
  readonly httpsToInternet?: boolean;
  /** Tags on every group, beside `Name` and `bulwark:tier`. @default none */
  readonly tags?: Readonly<Record<string, string>>;
}

/**
 * Security-group tiers wired to each other by group reference, not CIDR: web (load
 * balancer) → app → data, and a bastion with no ingress. Egress is least privilege: each
 * tier reaches only the next tier's port, the endpoints on 443, the S3 prefix list and DNS.
 */
export class SecurityGroupTiers extends Construct {
  /** The group of each tier created. */
  public readonly groups: Partial<Record<TierName, HardenedSecurityGroup>> = {};

  constructor(scope: Construct, id: string, props: SecurityGroupTiersProps) {
    super(scope, id);
    const tiers = new Set(props.tiers ?? ["app"]);
    for (const t of tiers) {
      if (!["web", "app", "data", "bastion"].includes(t)) throw new BulwarkValidationError(this, "tiers", t, "must be web, app, data or bastion");
    }
    if (tiers.has("web") && !tiers.has("app")) throw new BulwarkValidationError(this, "tiers", [...tiers], "a web tier forwards to an app tier; add app");
    if (tiers.has("data") && !tiers.has("app")) throw new BulwarkValidationError(this, "tiers", [...tiers], "a data tier serves an app tier; add app");
    const appPort = props.appPort ?? 8080;
    const dataPorts = props.dataPorts ?? [5432];
    const descriptions: Record<TierName, string> = {
      web: "Load balancers: HTTPS from clients, the app port to the app tier",
      app: "App instances: the app port from the web tier; data ports, AWS endpoints and DNS out",
      data: "Data stores: the data ports from the app tier only; nothing out",
      bastion: "Bastion: no inbound (Session Manager); AWS endpoints and DNS out",
    };
    for (const t of ["web", "app", "data", "bastion"] as const) {
      // The tier tag lets the exposure analysis judge tiers in any Terraform (exposure-tier-isolation).
      if (tiers.has(t)) this.groups[t] = new HardenedSecurityGroup(this, t, { name: `${props.name}-${t}`, description: descriptions[t], vpcId: props.vpcId, tags: { ...props.tags, "bulwark:tier": t } });
    }
    const { web, app, data, bastion } = this.groups;
    const awsOut = (g: HardenedSecurityGroup) => {
      g.addRule("https-endpoints", { direction: "egress", description: "HTTPS to the VPC interface endpoints (SSM, logs, KMS)", port: 443, peer: { securityGroupId: props.endpointsSecurityGroupId } });
      if (props.s3PrefixListId) g.addRule("https-s3", { direction: "egress", description: "HTTPS to S3 through the gateway endpoint (package repositories)", port: 443, peer: { prefixListId: props.s3PrefixListId } });
      g.addRule("dns-udp", { direction: "egress", description: "DNS to the VPC resolver", protocol: "udp", port: 53, peer: { cidr: props.vpcCidr } });
      g.addRule("dns-tcp", { direction: "egress", description: "DNS over TCP to the VPC resolver", protocol: "tcp", port: 53, peer: { cidr: props.vpcCidr } });
      if (props.httpsToInternet) g.addRule("https-internet", { direction: "egress", description: "HTTPS to the internet through NAT (updates)", port: 443, peer: { cidr: "0.0.0.0/0" } });
    };
    if (web && app) {
      // Rules keyed by the CIDR, not its position: reordering the list plans no change.
      for (const [key, cidr] of Object.entries(keysFor(this, "webClientCidrs", "clients", props.webClientCidrs ?? ["0.0.0.0/0"]))) {
        web.addRule(`https-${key}`, { direction: "ingress", description: "HTTPS from clients", port: 443, peer: { cidr } });
        web.addRule(`http-${key}`, { direction: "ingress", description: "HTTP from clients, redirected to HTTPS", port: 80, peer: { cidr } });
      }
      web.addRule("app", { direction: "egress", description: "The app port on the app tier", port: appPort, peer: { securityGroupId: app.id } });
      app.addRule("from-web", { direction: "ingress", description: "The app port from the web tier", port: appPort, peer: { securityGroupId: web.id } });
    }
    if (app) awsOut(app);
    if (data && app) {
      for (const port of dataPorts) {
        app.addRule(`data-${port}`, { direction: "egress", description: `Port ${port} on the data tier`, port, peer: { securityGroupId: data.id } });
        data.addRule(`from-app-${port}`, { direction: "ingress", description: `Port ${port} from the app tier`, port, peer: { securityGroupId: app.id } });
      }
    }
    if (bastion) awsOut(bastion);
  }
}

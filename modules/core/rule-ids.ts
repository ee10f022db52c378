/**
 * Ids of the compliance rules that modules suppress when a caller explicitly weakens a
 * secure default. The rules themselves live in compliance/; the ids are shared here so a
 * module never needs to import the rule engine.
 */
export const RuleIds = {
  /** Instance metadata reachable more than one network hop away (containers can read the instance role's credentials). */
  imdsHopLimit: "ec2-imds-hop-limit",
  /** Instances launched without one-minute detailed monitoring. */
  detailedMonitoring: "ec2-detailed-monitoring",
  /** A network ACL admitting SSH or RDP from the whole internet. */
  naclAdminPortsFromWorld: "nacl-no-world-admin-ports",
  /** A security group admitting SSH or RDP from the whole internet. */
  securityGroupAdminPortsFromWorld: "sg-no-world-admin-ports",
  /** A security group admitting the internet on a port not authorized (80 and 443 unless the check's settings say otherwise). */
  securityGroupUnauthorizedPortsFromWorld: "sg-no-world-unauthorized-ports",
  /** A full network path (route, ACL and security group) from the internet to an admin port. */
  internetPathToAdminPort: "exposure-no-internet-admin",
  /** A full network path from the internet to an instance that does not pass a load balancer. */
  internetPathNotThroughLoadBalancer: "exposure-internet-via-load-balancer",
  /** A VPC without flow logs of ALL traffic. */
  flowLogs: "vpc-flow-logs",
  /** Instances that get a public IP address at launch. */
  instancePublicIp: "ec2-no-public-ip",
} as const;

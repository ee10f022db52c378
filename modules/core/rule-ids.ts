/**
 * Ids of the compliance rules that modules suppress when a caller explicitly weakens a
 * secure default. The rules themselves live in compliance/; the ids are shared here so a
 * module never needs to import the rule engine.
 */
export const RuleIds = {
  imdsHopLimit: "ec2-imds-hop-limit",
  detailedMonitoring: "ec2-detailed-monitoring",
  naclAdminPortsFromWorld: "nacl-no-world-admin-ports",
  securityGroupAdminPortsFromWorld: "sg-no-world-admin-ports",
  securityGroupUnauthorizedPortsFromWorld: "sg-no-world-unauthorized-ports",
  internetPathToAdminPort: "exposure-no-internet-admin",
  internetPathNotThroughLoadBalancer: "exposure-internet-via-load-balancer",
  flowLogs: "vpc-flow-logs",
  instancePublicIp: "ec2-no-public-ip",
} as const;

/**
 * `bulwark`: every construct, the stack class and the compliance gate. Deep entry points
 * (`bulwark/launch-template`, `bulwark/network`, ...) load only the module and the provider
 * classes it uses; `bulwark/compliance` is the rule engine behind `bulwark check`.
 *
 * @module bulwark
 */
export * from "./modules/core";
export * from "./modules/alarms";
export * from "./modules/audit";
export * from "./modules/auto-scaling";
export * from "./modules/backup";
export * from "./modules/bastion";
export * from "./modules/cis-alarms";
export * from "./modules/ebs-defaults";
export * from "./modules/kms-key";
export * from "./modules/launch-template";
export * from "./modules/load-balancer";
export * from "./modules/network";
export * from "./modules/network-acl";
export * from "./modules/patching";
export * from "./modules/security-groups";
export { ComplianceGate, checkStack } from "./compliance/aspect";

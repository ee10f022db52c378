/**
 * The rule engine behind `bulwark check`, the synth-time gate and `bulwark diff`: read Terraform JSON
 * (configurations or plans) into typed resources, run the rules, and render the report.
 *
 * @module bulwark/compliance
 */
export * from "./checker";
export { ComplianceGate, checkStack } from "./aspect";

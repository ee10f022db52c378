/**
 * The rule engine behind `bulwark check`, the synth-time gate and `bulwark diff`: read Terraform JSON
 * (configurations or plans) into typed resources, run the rules, and render the report.
 *
 * @module bulwark/compliance
 */
export * from "./model";
export { accountAddress, buildContext, runRules } from "./engine";
export type { RunOptions } from "./engine";
export { configResources, InputError, loadInput, planResources, readSuppressionFile, SUPPRESSION_FILE } from "./load";
export type { FileSuppression, LoadedInput } from "./load";
export * from "./values";
export { ALL_RULES } from "./rules";
export { format, FORMATS, Format, controlList } from "./report";
export { ComplianceGate, checkStack } from "./aspect";

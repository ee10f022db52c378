export * from "./model";
export { buildContext, runRules } from "./engine";
export { configResources, InputError, loadInput, planResources, SUPPRESSION_FILE } from "./load";
export { ALL_RULES } from "./rules";
export { format, FORMATS, Format, controlList } from "./report";
export { ComplianceGate, checkStack } from "./aspect";

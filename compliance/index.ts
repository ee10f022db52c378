export * from "./model";
export { accountAddress, buildContext, runRules } from "./engine";
export { configResources, InputError, loadInput, planResources, readSuppressionFile, SUPPRESSION_FILE } from "./load";
export type { FileSuppression, LoadedInput } from "./load";
export * from "./values";
export { ALL_RULES } from "./rules";
export { format, FORMATS, Format, controlList } from "./report";
export { ComplianceGate, checkStack } from "./aspect";

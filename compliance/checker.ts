/**
 * The rule engine without the synth-time gate: what `bulwark check`, `exposure` and `diff` load.
 * It needs no cdktf; `bulwark/compliance` adds the gate (ComplianceGate, checkStack) to it.
 */
export * from "./model";
export { accountAddress, buildContext, runRules } from "./engine";
export type { RunOptions } from "./engine";
export { configResources, InputError, loadInput, planResources, readSuppressionFile, SUPPRESSION_FILE } from "./load";
export type { FileSuppression, LoadedInput } from "./load";
export * from "./values";
export { ALL_RULES } from "./rules";
export { format, FORMATS, Format, controlList } from "./report";

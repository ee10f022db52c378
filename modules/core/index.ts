/**
 * `bulwark/core`: the stack class, provider, account context, suppressions and the error type
 * every construct throws. Everything a user's own stack needs besides the constructs themselves.
 *
 * @module bulwark/core
 */
export { BulwarkStack, HardenedAwsProvider, AWS_PROVIDER_VERSION, logicalIdFromPath } from "./stack";
export { setAccountContext, accountContext } from "./account";
export type { AccountContext } from "./account";
export { BulwarkValidationError, formatValue } from "./errors";
export { suppress, inheritedSuppressions } from "./suppressions";
export type { Suppression } from "./suppressions";
export type { BulwarkStackProps } from "./stack";
export type { PolicyStatement } from "./policy";
export { keyFor, keysFor, slug } from "./keys";
export { RuleIds } from "./rule-ids";
export { EMULATED_SERVICES, emulatorProviderSettings } from "./emulator";
export type { EmulatorSettings, EndpointsFrom, StackEmulator } from "./emulator";

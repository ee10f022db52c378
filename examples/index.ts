import * as path from "node:path";
import { App } from "cdktf";
import { checkEmulatorEndpoint } from "../modules/core/emulator";
import { ConfigError, EnvironmentConfig, loadEnvironments } from "./config";
import { EnvironmentStack } from "./environment-stack";

export { ConfigError } from "./config";

/** Where the reference environment files live. */
export function environmentsDir(root: string): string {
  return process.env.BULWARK_ENVIRONMENTS_DIR ? path.resolve(process.env.BULWARK_ENVIRONMENTS_DIR) : path.join(root, "examples", "environments");
}

/**
 * Builds the selected reference environments into `app`. `only` (or the BULWARK_STACKS
 * environment variable, comma-separated) limits the build to the named environments.
 */
export function buildEnvironments(app: App, configs: EnvironmentConfig[], only?: string[]): EnvironmentStack[] {
  const wanted = only ?? (process.env.BULWARK_STACKS ? process.env.BULWARK_STACKS.split(",").map((s) => s.trim()).filter(Boolean) : undefined);
  if (wanted) {
    const unknown = wanted.filter((w) => !configs.some((c) => c.name === w));
    if (unknown.length) throw new ConfigError(`BULWARK_STACKS names unknown environments: ${unknown.join(", ")} (known: ${configs.map((c) => c.name).join(", ")})`);
  }
  const emulator = emulatorFromEnvironment();
  return configs.filter((c) => !wanted || wanted.includes(c.name)).map((c) => new EnvironmentStack(app, c, { emulator }));
}

/**
 * `BULWARK_AWS_ENDPOINT`: the AWS API emulator every stack's providers are sent to (tests that
 * apply the environments offline). Unset for every real synth and deploy. The providers carry no
 * `endpoints` block (each would cost its provider process about 3 s of CPU): Terraform finds the
 * emulator through `AWS_ENDPOINT_URL`, which must be set to the same URL, in the synth's
 * environment too, so that a `cdktf deploy` (which synthesizes first) cannot reach Terraform without it.
 */
export function emulatorFromEnvironment(env: NodeJS.ProcessEnv = process.env): { endpoint: string; endpointsFrom: "environment" } | undefined {
  const given = env.BULWARK_AWS_ENDPOINT;
  if (given === undefined || given === "") return undefined;
  let endpoint: string;
  try {
    endpoint = checkEmulatorEndpoint("environment", "BULWARK_AWS_ENDPOINT", given);
  } catch (e) {
    throw new ConfigError((e as Error).message);
  }
  // The same check as the emulator's own: a root URL (scheme, host, port) naming the same emulator.
  const sdk = env.AWS_ENDPOINT_URL;
  let sdkOrigin: string | undefined;
  try {
    sdkOrigin = sdk ? checkEmulatorEndpoint("environment", "AWS_ENDPOINT_URL", sdk) : undefined;
  } catch {
    sdkOrigin = undefined;
  }
  if (sdkOrigin !== endpoint) {
    const now = sdk === undefined || sdk === "" ? "unset" : JSON.stringify(sdk);
    throw new ConfigError(`environment: BULWARK_AWS_ENDPOINT ${JSON.stringify(given)} needs AWS_ENDPOINT_URL=${endpoint} in Terraform's environment (AWS_ENDPOINT_URL is ${now})`);
  }
  return { endpoint, endpointsFrom: "environment" };
}

export function loadAndBuild(app: App, root: string, only?: string[]): EnvironmentStack[] {
  return buildEnvironments(app, loadEnvironments(environmentsDir(root), root), only);
}

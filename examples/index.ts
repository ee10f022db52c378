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
 * apply the environments offline). Unset for every real synth and deploy.
 */
export function emulatorFromEnvironment(): { endpoint: string } | undefined {
  const endpoint = process.env.BULWARK_AWS_ENDPOINT;
  if (endpoint === undefined || endpoint === "") return undefined;
  try {
    return { endpoint: checkEmulatorEndpoint("environment", "BULWARK_AWS_ENDPOINT", endpoint) };
  } catch (e) {
    throw new ConfigError((e as Error).message);
  }
}

export function loadAndBuild(app: App, root: string, only?: string[]): EnvironmentStack[] {
  return buildEnvironments(app, loadEnvironments(environmentsDir(root), root), only);
}

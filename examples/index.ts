import * as path from "node:path";
import { App } from "cdktf";
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
  return configs.filter((c) => !wanted || wanted.includes(c.name)).map((c) => new EnvironmentStack(app, c));
}

export function loadAndBuild(app: App, root: string, only?: string[]): EnvironmentStack[] {
  return buildEnvironments(app, loadEnvironments(environmentsDir(root), root), only);
}

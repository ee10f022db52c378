import { AwsProviderConfig, AwsProviderEndpoints } from "@cdktf/provider-aws/lib/provider";
import { BulwarkValidationError } from "./errors";

/**
 * An AWS API emulator that a stack's providers talk to instead of AWS: for applying a stack
 * offline, in tests. Never for a real deployment: the provider it gives carries dummy
 * credentials and skips the checks that need AWS.
 */
export interface EmulatorSettings {
  /** The emulator's endpoint, e.g. `http://127.0.0.1:4566`; every AWS service the stacks use is sent there. */
  readonly endpoint: string;
  /**
   * Where the providers find the endpoint. `"provider"`: an `endpoints` block in every provider,
   * one entry per service the stacks call (`EMULATED_SERVICES`); the configuration needs nothing
   * else. `"environment"`: no `endpoints` block; Terraform must run with `AWS_ENDPOINT_URL` set to
   * the endpoint (the AWS SDK's own setting, every service at once). The provider spends about 3 s
   * of CPU validating an `endpoints` block in each of its processes, and Terraform starts one per
   * provider configuration for every validate, plan, apply and refresh: `"environment"` is the
   * faster one for repeated applies.
   * @default "provider"
   */
  readonly endpointsFrom?: EndpointsFrom;
}

/** Where a provider sent to an emulator finds its endpoint: its own `endpoints` block, or `AWS_ENDPOINT_URL`. */
export type EndpointsFrom = "provider" | "environment";

/** The emulator a stack's providers are sent to, as the stack resolved it. */
export interface StackEmulator {
  /** The emulator's root URL (scheme, host and port). */
  readonly endpoint: string;
  /** The account whose deploy role the providers assume there, so that the emulator answers as that account; unset, its default account. */
  readonly accountId?: string;
  /** Where the providers find the endpoint (`EmulatorSettings.endpointsFrom`). */
  readonly endpointsFrom: EndpointsFrom;
}

/**
 * Every service endpoint the reference environments and the published modules call (the
 * provider's `endpoints` keys). A service missing here would be sent to AWS itself, which
 * fails without credentials: `__tests__/deploy` proves the list complete by applying.
 */
export const EMULATED_SERVICES = [
  "acm",
  "autoscaling",
  "backup",
  "cloudtrail",
  "cloudwatch",
  "cloudwatchlogs",
  "configservice",
  "ec2",
  "elbv2",
  "iam",
  "kms",
  "resourcegroupstaggingapi",
  "s3",
  "sns",
  "ssm",
  "sts",
  "wafv2",
] as const;

/** The role assumed in the emulator: it switches the emulator to the stack's account. */
export const EMULATOR_DEPLOY_ROLE = "bulwark-deploy";

/**
 * Checks an emulator endpoint: an http(s) URL with a host, nothing else. `field` names where it
 * came from (an environment variable, a prop) for the error.
 */
export function checkEmulatorEndpoint(scope: string, field: string, endpoint: string): string {
  // A URL parser drops white space and control characters silently (`http://127.0.0.1:45<tab>66` reads as
  // port 4566); Terraform and the SDKs take the value as it is. Refused rather than read another way.
  if (/[\s\x00-\x1f\x7f]/.test(endpoint)) throw new BulwarkValidationError(scope, field, endpoint, "holds white space or a control character");
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new BulwarkValidationError(scope, field, endpoint, "is not a URL (e.g. http://127.0.0.1:4566)");
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new BulwarkValidationError(scope, field, endpoint, "must be an http:// or https:// URL");
  if (url.pathname !== "/" || url.search || url.hash || url.username || url.password) {
    throw new BulwarkValidationError(scope, field, endpoint, "must be the emulator's root URL: scheme, host and port only");
  }
  return url.origin;
}

/**
 * The provider settings that send a provider to an emulator: the endpoint for every service
 * (unless `endpointsFrom` is `"environment"`: then Terraform's `AWS_ENDPOINT_URL` gives it),
 * dummy credentials, no credential, account or metadata checks that need AWS, path-style S3,
 * and a role in `accountId` assumed so that the emulator answers as that account (the
 * provider's `allowed_account_ids` still holds).
 */
export function emulatorProviderSettings(endpoint: string, accountId?: string, endpointsFrom: EndpointsFrom = "provider"): Partial<AwsProviderConfig> {
  const endpoints: AwsProviderEndpoints = Object.fromEntries(EMULATED_SERVICES.map((s) => [s, endpoint]));
  return {
    accessKey: "emulator",
    secretKey: "emulator",
    skipCredentialsValidation: true,
    skipMetadataApiCheck: "true",
    skipRegionValidation: true,
    s3UsePathStyle: true,
    maxRetries: 2,
    endpoints: endpointsFrom === "provider" ? [endpoints] : undefined,
    assumeRole: accountId === undefined ? undefined : [{ roleArn: `arn:aws:iam::${accountId}:role/${EMULATOR_DEPLOY_ROLE}`, sessionName: "bulwark-emulator" }],
  };
}

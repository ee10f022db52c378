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
}

/** The emulator a stack's providers are sent to, as the stack resolved it. */
export interface StackEmulator {
  /** The emulator's root URL (scheme, host and port). */
  readonly endpoint: string;
  /** The account whose deploy role the providers assume there, so that the emulator answers as that account; unset, its default account. */
  readonly accountId?: string;
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
 * The provider settings that send a provider to an emulator: the endpoint for every service,
 * dummy credentials, no credential, account or metadata checks that need AWS, path-style S3,
 * and a role in `accountId` assumed so that the emulator answers as that account (the
 * provider's `allowed_account_ids` still holds).
 */
export function emulatorProviderSettings(endpoint: string, accountId?: string): Partial<AwsProviderConfig> {
  const endpoints: AwsProviderEndpoints = Object.fromEntries(EMULATED_SERVICES.map((s) => [s, endpoint]));
  return {
    accessKey: "emulator",
    secretKey: "emulator",
    skipCredentialsValidation: true,
    skipMetadataApiCheck: "true",
    skipRegionValidation: true,
    s3UsePathStyle: true,
    maxRetries: 2,
    endpoints: [endpoints],
    assumeRole: accountId === undefined ? undefined : [{ roleArn: `arn:aws:iam::${accountId}:role/${EMULATOR_DEPLOY_ROLE}`, sessionName: "bulwark-emulator" }],
  };
}

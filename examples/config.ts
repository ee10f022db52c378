import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { z } from "zod";
import { formatValue } from "../modules/core/errors";
import {
  ACCOUNT_ID_PATTERN,
  ACM_CERTIFICATE_ARN_PATTERN,
  AMI_ID_PATTERN,
  AVAILABILITY_ZONE_PATTERN,
  INSTANCE_TYPE_PATTERN,
  REGION_PATTERN,
} from "../modules/core/validate";

/**
 * Typed configuration of a reference environment, one YAML (or JSON) file per environment
 * under examples/environments/. Errors name the file, the field and the value.
 */
export const EnvironmentConfigSchema = z
  .object({
    /** Stack name; also the prefix of resource names. */
    name: z.string().regex(/^[a-z][a-z0-9-]{1,20}$/, "must be lowercase letters, digits and hyphens, 2-21 characters"),
    accountId: z.string().regex(ACCOUNT_ID_PATTERN, "must be a 12-digit AWS account id"),
    region: z.string().regex(REGION_PATTERN, "must be an AWS region such as eu-west-1"),
    vpcCidr: z.string().default("10.0.0.0/16"),
    availabilityZones: z.array(z.string().regex(AVAILABILITY_ZONE_PATTERN, "must be an availability zone such as eu-west-1a")).min(1).max(6),
    subnetTiers: z.array(z.enum(["public", "private", "isolated"])).min(1).default(["private"]),
    natGateways: z.enum(["none", "single", "per-az"]).default("none"),
    appPort: z.number().int().min(1).max(65535).default(8080),
    dataPorts: z.array(z.number().int().min(1).max(65535)).default([5432]),
    amiId: z.string().regex(AMI_ID_PATTERN, "must be an AMI id (ami- followed by 8 or 17 hex digits)"),
    os: z.enum(["amazon-linux-2023", "ubuntu"]).default("amazon-linux-2023"),
    instanceType: z.string().regex(INSTANCE_TYPE_PATTERN, "must be an EC2 instance type such as t3.micro"),
    preventDestroy: z.boolean().default(false),
    /** App Auto Scaling group sizes. */
    app: z.object({ minSize: z.number().int().min(0), maxSize: z.number().int().min(1), desiredCapacity: z.number().int().min(0).optional() }).strict().default({ minSize: 1, maxSize: 2 }),
    /** Alarm subscribers (email addresses); at least one, unless noAlarmEmails says why. */
    alarmEmails: z.array(z.string().email()).default([]),
    /** Opting out of alarm email subscribers (alarms still go to the SNS topic): the reason, at least 10 characters. */
    noAlarmEmails: z.object({ reason: z.string().trim().min(10, "must say why nobody receives alarm email (at least 10 characters)") }).strict().optional(),
    /** Region holding the backup copies; must differ from region. */
    backupCopyRegion: z.string().regex(REGION_PATTERN, "must be an AWS region such as eu-central-1"),
    /** Internet-facing HTTPS load balancer with WAF in front of the app tier (needs a public tier). */
    loadBalancer: z
      .object({
        certificateArn: z.string().regex(ACM_CERTIFICATE_ARN_PATTERN, "must be an ACM certificate ARN"),
        /**
         * Bucket for the access logs when this environment holds no account baseline (whose access-log
         * bucket is used otherwise): SSE-S3, its policy admitting the region's log delivery under
         * `load-balancers/`.
         */
        accessLogBucket: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, "must be an S3 bucket name").optional(),
      })
      .strict()
      .optional(),
    /** Where state lives: local (default), S3 with a lock file, or HCP Terraform. */
    backend: z
      .discriminatedUnion("type", [
        z.object({ type: z.literal("local") }).strict(),
        z.object({ type: z.literal("s3"), bucket: z.string().min(3), key: z.string().optional(), region: z.string().optional(), kmsKeyId: z.string().optional() }).strict(),
        z.object({ type: z.literal("cloud"), organization: z.string().min(1), workspace: z.string().min(1), hostname: z.string().optional() }).strict(),
      ])
      .default({ type: "local" }),
    /** Deploy the account/region baseline (CloudTrail, Config, EBS defaults, backups, patching) in this stack. */
    accountBaseline: z.boolean().default(true),
    tags: z.record(z.string(), z.string()).default({}),
  })
  .strict()
  .superRefine((c, ctx) => {
    // The app tier, the bastion and the endpoints live in the private tier.
    if (!c.subnetTiers.includes("private")) ctx.addIssue({ code: "custom", path: ["subnetTiers"], message: "must include private (the app tier, bastion and endpoints live there)" });
    if (c.alarmEmails.length === 0 && !c.noAlarmEmails) {
      ctx.addIssue({ code: "custom", path: ["alarmEmails"], message: "must name at least one address, or nobody gets the alarms (opting out is noAlarmEmails: { reason: ... })" });
    }
    if (c.alarmEmails.length > 0 && c.noAlarmEmails) ctx.addIssue({ code: "custom", path: ["noAlarmEmails"], message: "cannot be set together with alarmEmails" });
    c.availabilityZones.forEach((az, i) => {
      // An availability zone of another region passes the pattern and fails only at AWS.
      if (!az.startsWith(c.region) || !/^[a-z]$/.test(az.slice(c.region.length))) {
        ctx.addIssue({ code: "custom", path: ["availabilityZones", i], message: `is not an availability zone of region ${c.region}` });
      }
    });
    for (const key of Object.keys(c.tags)) {
      if (/^aws:/i.test(key)) ctx.addIssue({ code: "custom", path: ["tags", key], message: "has a tag key starting with aws:, which AWS reserves for its own tags" });
    }
    if (c.backupCopyRegion === c.region) ctx.addIssue({ code: "custom", path: ["backupCopyRegion"], message: "must differ from region (a copy in the same region does not survive a regional outage)" });
    if (c.loadBalancer && !c.subnetTiers.includes("public")) ctx.addIssue({ code: "custom", path: ["loadBalancer"], message: "needs the public subnet tier in subnetTiers" });
    if (c.app.maxSize < c.app.minSize) ctx.addIssue({ code: "custom", path: ["app", "maxSize"], message: `must be at least app.minSize (${c.app.minSize})` });
  });

export type EnvironmentConfig = z.infer<typeof EnvironmentConfigSchema>;

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConfigError";
  }
}

/** Parses and validates one environment file. */
export function loadEnvironmentFile(file: string, root = process.cwd()): EnvironmentConfig {
  const shown = path.relative(root, file) || file;
  let raw: unknown;
  let text = "";
  try {
    text = fs.readFileSync(file, "utf8");
    raw = file.endsWith(".json") ? JSON.parse(text) : parse(text);
  } catch (e) {
    const duplicate = duplicateKeyMessage(e, text);
    if (duplicate) throw new ConfigError(`${shown}: ${duplicate}`);
    throw new ConfigError(`${shown}: cannot be read: ${(e as Error).message.split("\n")[0]}`);
  }
  const result = EnvironmentConfigSchema.safeParse(raw);
  if (!result.success) {
    const issue = result.error.issues[0];
    if (issue.code === "unrecognized_keys") {
      // Name the key only: the value shown for the enclosing path would be the whole document.
      const fields = issue.keys.map((k) => [...issue.path, k].join("."));
      throw new ConfigError(`${shown}: ${fields.join(", ")} ${fields.length > 1 ? "are not known fields" : "is not a known field"}`);
    }
    const field = issue.path.join(".") || "(top level)";
    const value = issue.path.reduce<unknown>((v, k) => (v && typeof v === "object" ? (v as Record<string, unknown>)[k as string] : undefined), raw);
    throw new ConfigError(`${shown}: ${field} ${formatValue(value)} ${issue.message}`);
  }
  return result.data;
}

/** The key and line of a duplicate YAML key, from the parser's error and the file's text. */
function duplicateKeyMessage(e: unknown, text: string): string | undefined {
  const err = e as { code?: string; pos?: [number, number]; linePos?: { line: number }[] };
  if (err?.code !== "DUPLICATE_KEY" || !err.pos) return undefined;
  const key = /^\s*("[^"]*"|'[^']*'|[^:\n]+?)\s*:/.exec(text.slice(err.pos[0]))?.[1] ?? "?";
  const line = err.linePos?.[0]?.line ?? text.slice(0, err.pos[0]).split("\n").length;
  return `key ${key.replace(/^["']|["']$/g, "")} is defined twice (again at line ${line})`;
}

/** Every environment file in `dir`, sorted by name. */
export function loadEnvironments(dir: string, root = process.cwd()): EnvironmentConfig[] {
  if (!fs.existsSync(dir)) throw new ConfigError(`${dir}: environment directory does not exist`);
  const files = fs
    .readdirSync(dir)
    .filter((f) => /\.(ya?ml|json)$/.test(f))
    .sort();
  if (files.length === 0) throw new ConfigError(`${dir}: no environment files (*.yaml, *.json)`);
  const configs = files.map((f) => loadEnvironmentFile(path.join(dir, f), root));
  const seen = new Map<string, string>();
  const baselines = new Map<string, string>();
  configs.forEach((c, i) => {
    if (seen.has(c.name)) throw new ConfigError(`${files[i]}: name "${c.name}" is also used by ${seen.get(c.name)}`);
    seen.set(c.name, files[i]);
    // One account baseline per account and region: AWS Config allows one recorder there, and a
    // second trail, vault and EBS default key would only duplicate the first.
    const where = `${c.accountId}/${c.region}`;
    if (c.accountBaseline && baselines.has(where)) {
      throw new ConfigError(
        `${files[i]}: accountBaseline true: ${baselines.get(where)} already holds the account baseline of ${where} (one Config recorder per account and region); set accountBaseline: false here`,
      );
    }
    if (c.accountBaseline) baselines.set(where, files[i]);
  });
  return configs;
}

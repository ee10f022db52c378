import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import { AWS_MOCKS } from "./mocks";
import { kmsKeyModule } from "./modules/kms-key";
import { launchTemplateModule } from "./modules/launch-template";
import { alarmsModule } from "./modules/alarms";
import { auditModule } from "./modules/audit";
import { backupModule } from "./modules/backup";
import { bastionModule } from "./modules/bastion";
import { cisAlarmsModule } from "./modules/cis-alarms";
import { ebsDefaultsModule } from "./modules/ebs-defaults";
import { securityGroupsModule } from "./modules/security-groups";
import { networkModule } from "./modules/network";
import { networkAclModule } from "./modules/network-acl";
import { patchingModule } from "./modules/patching";
import { ModuleSpec } from "./spec";
import { writeModule } from "./write";

export { ModuleSpec } from "./spec";

/** Every module `bulwark publish` writes, in dependency order. */
export const PUBLISHED_MODULES: readonly ModuleSpec[] = [
  kmsKeyModule,
  launchTemplateModule,
  networkModule,
  networkAclModule,
  securityGroupsModule,
  alarmsModule,
  cisAlarmsModule,
  ebsDefaultsModule,
  auditModule,
  patchingModule,
  backupModule,
  bastionModule,
];

export class PublishError extends Error {}

export interface PublishOptions {
  outDir: string;
  /** Only these modules (and the modules they call). @default all */
  modules?: readonly string[];
  /** terraform binary for `terraform fmt`. @default "terraform" on PATH */
  terraformBin?: string;
}

/**
 * Writes each module as a standalone Terraform module folder and formats it with
 * `terraform fmt`. Output is deterministic: no timestamps, no absolute paths.
 */
export function publish(opts: PublishOptions, progress: (line: string) => void): string[] {
  const known = new Map(PUBLISHED_MODULES.map((m) => [m.name, m]));
  const wanted = new Set<string>();
  const add = (name: string, via?: string) => {
    const spec = known.get(name);
    if (!spec) throw new PublishError(`--module ${name}${via ? ` (used by ${via})` : ""}: no such module; known: ${[...known.keys()].join(", ")}`);
    if (wanted.has(name)) return;
    wanted.add(name);
    for (const dep of spec.uses ?? []) add(dep, name);
  };
  for (const name of opts.modules?.length ? opts.modules : [...known.keys()]) add(name);
  fs.mkdirSync(opts.outDir, { recursive: true });
  const written: string[] = [];
  const selected = PUBLISHED_MODULES.filter((m) => wanted.has(m.name));
  selected.forEach((spec, i) => {
    const files = writeModule(opts.outDir, spec, AWS_MOCKS);
    progress(`[${i + 1}/${selected.length}] ${spec.name}: ${files.length} files`);
    written.push(spec.name);
  });
  const bin = opts.terraformBin ?? process.env.TERRAFORM_BIN ?? "terraform";
  const fmt = spawnSync(bin, ["fmt", "-recursive", "-list=false", opts.outDir], { encoding: "utf8" });
  if (fmt.error) progress(`terraform not found (${bin}): files written unformatted; run terraform fmt -recursive ${opts.outDir}`);
  else if (fmt.status !== 0) throw new PublishError(`terraform fmt rejected the published modules:\n${fmt.stderr.trim()}`);
  return written;
}

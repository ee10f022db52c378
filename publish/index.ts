import { spawnSync } from "node:child_process";
import { AWS_MOCKS } from "./mocks";
import { kmsKeyModule } from "./modules/kms-key";
import { launchTemplateModule } from "./modules/launch-template";
import { loadBalancerModule } from "./modules/load-balancer";
import { alarmsModule } from "./modules/alarms";
import { autoScalingModule } from "./modules/auto-scaling";
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
import { moduleFiles, PublishError, writeSafely } from "./write";

export { ModuleSpec } from "./spec";
export { MANIFEST, PublishError } from "./write";

/** Every module `bulwark publish` writes, in dependency order. */
export const PUBLISHED_MODULES: readonly ModuleSpec[] = [
  kmsKeyModule,
  launchTemplateModule,
  autoScalingModule,
  networkAclModule,
  networkModule,
  securityGroupsModule,
  alarmsModule,
  cisAlarmsModule,
  ebsDefaultsModule,
  auditModule,
  patchingModule,
  backupModule,
  bastionModule,
  loadBalancerModule,
];

export interface PublishOptions {
  outDir: string;
  /** Only these modules (and the modules they call). @default all */
  modules?: readonly string[];
  /** terraform binary for `terraform fmt`. @default "terraform" on PATH */
  terraformBin?: string;
  /** Create missing parents of `outDir` (the CLI's default directory only). @default false */
  createParents?: boolean;
}

/**
 * Writes each module as a standalone Terraform module folder and formats it with
 * `terraform fmt`. Output is deterministic: no timestamps, no absolute paths. Files go to a
 * staging directory first and are swapped in only when every module was written and formatted;
 * a file in `outDir` that no publish wrote is never removed or overwritten (see `writeSafely`).
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
  const selected = PUBLISHED_MODULES.filter((m) => wanted.has(m.name));
  const files = Object.fromEntries(selected.map((spec) => [spec.name, moduleFiles(spec, AWS_MOCKS)]));
  writeSafely(opts.outDir, { createParents: opts.createParents }, files, (staging) => {
    selected.forEach((spec, i) => progress(`[${i + 1}/${selected.length}] ${spec.name}: ${Object.keys(files[spec.name]).length} files`));
    const bin = opts.terraformBin ?? process.env.TERRAFORM_BIN ?? "terraform";
    const fmt = spawnSync(bin, ["fmt", "-recursive", "-list=false", staging], { encoding: "utf8" });
    if (fmt.error) progress(`terraform not found (${bin}): files written unformatted; run terraform fmt -recursive ${opts.outDir}`);
    else if (fmt.status !== 0) throw new PublishError(`terraform fmt rejected the published modules (nothing was written):\n${fmt.stderr.trim()}`);
  });
  return selected.map((m) => m.name);
}

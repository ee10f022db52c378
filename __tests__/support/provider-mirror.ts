/**
 * Where the tests' Terraform gets the hashicorp/aws provider from, decided once per run:
 * BULWARK_TF_MIRROR when set; else an existing CLI configuration of the user's (TF_CLI_CONFIG_FILE,
 * or ~/.terraformrc with a provider_installation block); else a filesystem mirror found in the usual
 * places, as `.ci/run` finds it; else the registry. Pure over the file system it is given, so the
 * detection is tested on a temporary directory tree.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

export type ProviderSource =
  | { readonly kind: "mirror"; readonly mirror: string; readonly from: "BULWARK_TF_MIRROR" | "found" }
  | { readonly kind: "cli-config"; readonly file: string }
  | { readonly kind: "registry"; readonly searched: readonly string[] };

/** The places `.ci/run` looks for a filesystem mirror, in its order. */
export function usualMirrorRoots(home = os.homedir()): string[] {
  return ["/opt", "/usr/share/terraform", "/usr/local/share/terraform", path.join(home, ".terraform.d"), path.join(home, ".local", "share", "terraform")];
}

/** Directories never worth descending into when looking for a mirror. */
const SKIPPED = new Set(["node_modules", ".git", "proc", "sys", "dev"]);

/** True when `dir` holds registry.terraform.io/hashicorp/aws/…/terraform-provider-aws_* (unpacked or packed layout). */
export function holdsAwsProvider(dir: string): boolean {
  const aws = path.join(dir, "registry.terraform.io", "hashicorp", "aws");
  const hasProvider = (d: string, depth: number): boolean => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(d, { withFileTypes: true });
    } catch {
      return false;
    }
    for (const e of entries) {
      if (e.name.startsWith("terraform-provider-aws_") && !e.isDirectory()) return true;
      if (depth > 0 && (e.isDirectory() || e.isSymbolicLink()) && hasProvider(path.join(d, e.name), depth - 1)) return true;
    }
    return false;
  };
  // packed: aws/terraform-provider-aws_<v>_<os>_<arch>.zip; unpacked: aws/<v>/<os_arch>/terraform-provider-aws_*
  return hasProvider(aws, 2);
}

/**
 * The first directory under `roots` (searched in order, breadth first, at most `maxDepth` levels,
 * symbolic links not followed) that is a filesystem mirror holding the aws provider.
 */
export function findProviderMirror(roots: readonly string[], maxDepth = 8): string | undefined {
  for (const root of roots) {
    let level = [root];
    for (let depth = 0; depth <= maxDepth && level.length; depth++) {
      const next: string[] = [];
      for (const dir of level) {
        let entries: fs.Dirent[];
        try {
          entries = fs.readdirSync(dir, { withFileTypes: true });
        } catch {
          continue;
        }
        if (entries.some((e) => e.name === "registry.terraform.io") && holdsAwsProvider(dir)) return dir;
        for (const e of entries) if (e.isDirectory() && !SKIPPED.has(e.name) && e.name !== "registry.terraform.io") next.push(path.join(dir, e.name));
      }
      level = next.sort();
    }
  }
  return undefined;
}

/** Decides where the provider comes from, given the environment and the places to search. */
export function providerSource(env: NodeJS.ProcessEnv, opts: { home?: string; roots?: readonly string[] } = {}): ProviderSource {
  if (env.BULWARK_TF_MIRROR) return { kind: "mirror", mirror: env.BULWARK_TF_MIRROR, from: "BULWARK_TF_MIRROR" };
  const home = opts.home ?? os.homedir();
  // The user's own CLI configuration says how providers are installed: honour it.
  if (env.TF_CLI_CONFIG_FILE && fs.existsSync(env.TF_CLI_CONFIG_FILE)) return { kind: "cli-config", file: env.TF_CLI_CONFIG_FILE };
  const rc = path.join(home, ".terraformrc");
  if (!env.TF_CLI_CONFIG_FILE && fs.existsSync(rc) && /^\s*provider_installation\b/m.test(fs.readFileSync(rc, "utf8"))) return { kind: "cli-config", file: rc };
  const roots = opts.roots ?? usualMirrorRoots(home);
  const found = findProviderMirror(roots);
  return found ? { kind: "mirror", mirror: found, from: "found" } : { kind: "registry", searched: roots };
}

/** The one message a run stops with when Terraform cannot get the provider. */
export function noProviderMessage(source: ProviderSource, terraformSaid: string): string {
  const tried =
    source.kind === "mirror"
      ? `the filesystem mirror ${source.mirror}${source.from === "BULWARK_TF_MIRROR" ? " (BULWARK_TF_MIRROR)" : ""}`
      : source.kind === "cli-config"
        ? `the CLI configuration ${source.file}`
        : `the registry (no filesystem mirror under ${source.searched.join(", ")})`;
  const said = terraformSaid
    .split("\n")
    .map((l) => l.replace(/^[│╷╵\s]+/, "").trim())
    .find((l) => /^Error: /.test(l)) ?? terraformSaid.trim().split("\n")[0] ?? "";
  return (
    `Terraform cannot get the hashicorp/aws provider from ${tried}${said ? ` (${said})` : ""}: ` +
    "set BULWARK_TF_MIRROR to a filesystem mirror (the directory holding registry.terraform.io/hashicorp/aws/5.100.0/<os_arch>/terraform-provider-aws_*), " +
    "or TF_CLI_CONFIG_FILE to a Terraform CLI configuration that installs it; see docs/TESTING.md"
  );
}

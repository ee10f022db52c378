import { Command, CommanderError } from "commander";
import { errorLine, UsageError } from "./errors";
import * as fs from "node:fs";
import * as path from "node:path";

/** The package's own package.json, read at run time: the same code runs from the sources, a bundle and dist/. */
function ownPackage(): { version: string; peerDependencies: Record<string, string>; devDependencies?: Record<string, string> } {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    const file = path.join(dir, "package.json");
    if (fs.existsSync(file)) {
      const pkg = JSON.parse(fs.readFileSync(file, "utf8"));
      if (pkg.name === "bulwark" && pkg.version) return pkg;
    }
    if (path.dirname(dir) === dir) return { version: "unknown", peerDependencies: {} };
  }
}
const { version } = ownPackage();

// Each command's code is loaded when the command runs: `bulwark check` never loads the constructs
// and provider classes that `publish` and `synth` need, which is most of a short run's start.

/** Where a run of the CLI writes: its standard output and standard error. */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
}

/** The process's own standard output and error. */
export const processIo: CliIo = { out: (t) => void process.stdout.write(t), err: (t) => void process.stderr.write(t) };

/**
 * The `bulwark` command on `argv` (the arguments after the command's name), writing to `io`; resolves
 * to the exit status: 0 success, 1 findings/changes that fail the gate, 2 bad usage or unreadable
 * input (one line on `io.err`, no stack trace). Anything else (a bug) rejects with its stack trace.
 * Each call parses with a program of its own: nothing carries over from one call to the next.
 */
export async function main(argv: readonly string[], io: CliIo = processIo): Promise<number> {
  let status = 0;
  const program = new Command();
  program
    .name("bulwark")
    .description("Hardened EC2 environments: compliance checks, module publishing and plan review")
    .version(version, "-V, --version")
    .exitOverride()
    .configureOutput({ writeOut: io.out, writeErr: io.err });

  /** A command that reads Terraform JSON and writes a report: its target, the report's format and file. */
  const reportCommand = (name: string, description: string, formats: string) =>
    program
      .command(name)
      .description(description)
      .argument("[target]", "cdktf output directory, Terraform JSON directory or file, or plan JSON", "cdktf.out")
      .option("-f, --format <format>", formats, "text")
      .option("-o, --output <file>", "write the report to a file instead of stdout (its folder must exist: a missing one is exit 2)");

  reportCommand("check", "Check Terraform JSON (a cdktf.out directory, *.tf.json, or a `terraform show -json` plan) against the rule pack", "text, json, sarif or md")
    .option("--list-rules", "list the rules with their control ids and exit")
    .option("--scope <scope>", "resource (per resource), account (account and region baselines) or all", "all")
    .option("--fail-on-unverifiable", "exit 1 when a rule could not decide (a value unknown until apply, a resource outside the input)")
    .option("--authorized-ports <ports>", "ports the internet may reach (EC2.18), comma-separated", "80,443")
    .action(async (target: string, opts: { format: string; output?: string; listRules?: boolean; scope?: string; failOnUnverifiable?: boolean; authorizedPorts?: string }) => {
      const { check } = await import("./check");
      status = check(target, opts, io.out);
    });

  reportCommand(
    "exposure",
    "Who can reach what: paths from the internet, CIDRs and security groups to what runs in the VPC, through routes, ACLs and security groups",
    "text, json, md, mermaid, dot or svg",
  )
    .option("--from <source>", "only paths from: internet, addresses in a CIDR, or a source id or name (tier:private, a group, prefix list or peering)")
    .option("--to <destination>", "only paths to: a resource address or security group")
    .option("--port <port>", "only paths that include this port")
    .option("--why", "with --to and --port: each layer's answer for the internet's direct path there, and which blocks it (text or json)")
    .action(async (target: string, opts: { format: string; output?: string; from?: string; to?: string; port?: string; why?: boolean }) => {
      const { exposure } = await import("./exposure");
      const result = exposure(target, opts, io.out);
      // An svg is drawn asynchronously; its failure is one line, as any other bad input.
      try {
        status = await result;
      } catch (e) {
        io.err(`bulwark: ${(e as Error).message.split("\n")[0]}\n`);
        status = 2;
      }
    });

  program
    .command("diff")
    .description("Review a change for a pull request: what is created, changed, replaced or destroyed, and which findings it introduces or resolves")
    .option("--plan <files...>", "plan JSON from `terraform show -json` (one per stack)")
    .option("--base <dir>", "synthesized output of the base (e.g. main's cdktf.out); with --plan, to compare provider settings")
    .option("--head <dir>", "synthesized output of the head (the pull request's cdktf.out)")
    .option("--synth <dir>", "with --plan: the cdktf.out the plans were made from, to name construct paths")
    .option("-f, --format <format>", "md or json", "md")
    .option("-o, --output <file>", "write the full report to a file (md on stdout stays within one comment); its folder must exist: a missing one is exit 2")
    .option("--fail-on <conditions>", "exit 1 on any of: delete, replace, finding, suppression, protection, dangerous, exposure (comma-separated)")
    .option("--base-ref <name>", "the base's commit or branch, for the title (default: GITHUB_BASE_REF)")
    .option("--head-ref <name>", "the head's commit or branch, for the title (default: GITHUB_SHA)")
    .action(async (opts: { plan?: string[]; base?: string; head?: string; synth?: string; format: string; output?: string; failOn?: string; baseRef?: string; headRef?: string }) => {
      const { diff } = await import("./diff");
      status = diff(opts, io.out, (t) => io.err(`bulwark diff: ${t}\n`));
    });

  program
    .command("publish")
    .description("Write each module as a standalone Terraform module (HCL, variables with validation, outputs, README, examples, tests)")
    .option("-o, --out <dir>", "output directory", "dist/terraform-modules")
    .option("-m, --module <name...>", "only these modules (and the modules they call)")
    .action(async (opts: { out: string; module?: string[] }, cmd: Command) => {
      const { publishCommand } = await import("./publish");
      // Only the default directory (dist/terraform-modules) gets its parents created; a named --out needs an existing parent.
      const createParents = cmd.getOptionValueSource("out") === "default";
      status = publishCommand({ ...opts, createParents }, io.out, (t) => io.err(`bulwark publish: ${t}\n`));
    });

  program
    .command("synth")
    .description("Synthesize a cdktf app on the fast path (bundled once, run with node) and judge its output; cdktf.json's app can be `npx bulwark synth main.ts`")
    .argument("[entry]", "the app's entry point", "main.ts")
    .argument("[args...]", "arguments passed to the app")
    .option("--scope <scope>", "rules judged after the synth: all, or resource when the account baseline lives in another repository", "all")
    .action(async (entry: string, args: string[], opts: { scope: string }) => {
      if (opts.scope !== "all" && opts.scope !== "resource") throw new UsageError(`--scope ${JSON.stringify(opts.scope)} must be all or resource`);
      const { synth } = await import("./synth");
      status = await synth(entry, args, { out: (t) => io.out(`${t}\n`), err: (t) => io.err(`${t}\n`) }, { scope: opts.scope });
    });

  program
    .command("run")
    .description("Run a TypeScript file (a test, a script) on the fast path, without judging any output")
    .argument("<entry>", "the TypeScript file")
    .argument("[args...]", "arguments passed to it")
    .action(async (entry: string, args: string[]) => {
      const { run } = await import("./synth");
      // A test runner sets the exit status itself once its tests end: only a failure to run overrides it.
      const code = await run(entry, args, { out: (t) => io.out(`${t}\n`), err: (t) => io.err(`${t}\n`) });
      if (code !== 0) status = code;
    });

  program
    .command("init")
    .description("Start a new cdktf project on bulwark's constructs in DIR (new or empty): package.json, cdktf.json, tsconfig, main.ts, a test, a README")
    .argument("[dir]", "the project directory", ".")
    .option("--bulwark <spec>", "how package.json names bulwark (a version range or a tarball)")
    .action(async (dir: string, opts: { bulwark?: string }) => {
      const { init } = await import("./init");
      const files = init(dir, ownPackage(), opts);
      io.out(`bulwark: wrote ${files.join(", ")} to ${dir}; next: cd ${dir} && npm install && npm run synth\n`);
    });

  try {
    await program.parseAsync([...argv], { from: "user" });
  } catch (e) {
    // --help and --version end with exit code 0, a usage error with commander's own line already written.
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
    const line = errorLine(e);
    if (line === undefined) throw e;
    io.err(`${line}\n`);
    return 2;
  }
  return status;
}

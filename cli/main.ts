import { Command, CommanderError } from "commander";
import { InputError } from "../compliance";
import { check, UsageError } from "./check";
import { diff } from "./diff";
import { publishCommand } from "./publish";
import { version } from "../package.json";

/**
 * The `bulwark` command. Exit status: 0 success, 1 findings/changes that fail the gate,
 * 2 bad usage or unreadable input (one line on stderr, no stack trace).
 */
const program = new Command();
program
  .name("bulwark")
  .description("Hardened EC2 environments: compliance checks, module publishing and plan review")
  .version(version, "-V, --version")
  .exitOverride();

program
  .command("check")
  .description("Check Terraform JSON (a cdktf.out directory, *.tf.json, or a `terraform show -json` plan) against the rule pack")
  .argument("[target]", "cdktf output directory, Terraform JSON directory or file, or plan JSON", "cdktf.out")
  .option("-f, --format <format>", "text, json, sarif or md", "text")
  .option("-o, --output <file>", "write the report to a file instead of stdout")
  .option("--list-rules", "list the rules with their control ids and exit")
  .option("--scope <scope>", "resource (per resource), account (account and region baselines) or all", "all")
  .option("--fail-on-unverifiable", "exit 1 when a rule could not decide (a value unknown until apply, a resource outside the input)")
  .option("--authorized-ports <ports>", "ports the internet may reach (EC2.18), comma-separated", "80,443")
  .action((target: string, opts: { format: string; output?: string; listRules?: boolean; scope?: string; failOnUnverifiable?: boolean; authorizedPorts?: string }) => {
    process.exitCode = check(target, opts, (t) => process.stdout.write(t));
  });

program
  .command("diff")
  .description("Review a change for a pull request: what is created, changed, replaced or destroyed, and which findings it introduces or resolves")
  .option("--plan <files...>", "plan JSON from `terraform show -json` (one per stack)")
  .option("--base <dir>", "synthesized output of the base (e.g. main's cdktf.out)")
  .option("--head <dir>", "synthesized output of the head (the pull request's cdktf.out)")
  .option("--synth <dir>", "with --plan: the cdktf.out the plans were made from, to name construct paths")
  .option("-f, --format <format>", "md or json", "md")
  .option("-o, --output <file>", "write the full report to a file (md on stdout stays within one comment)")
  .option("--fail-on <conditions>", "exit 1 on any of: delete, replace, finding, suppression, protection, dangerous (comma-separated)")
  .action((opts: { plan?: string[]; base?: string; head?: string; synth?: string; format: string; output?: string; failOn?: string }) => {
    process.exitCode = diff(opts, (t) => process.stdout.write(t), (t) => process.stderr.write(`bulwark diff: ${t}\n`));
  });

program
  .command("publish")
  .description("Write each module as a standalone Terraform module (HCL, variables with validation, outputs, README, examples, tests)")
  .option("-o, --out <dir>", "output directory", "dist/terraform-modules")
  .option("-m, --module <name...>", "only these modules (and the modules they call)")
  .action((opts: { out: string; module?: string[] }, cmd: Command) => {
    // Only the default directory (dist/terraform-modules) gets its parents created; a named --out needs an existing parent.
    const createParents = cmd.getOptionValueSource("out") === "default";
    process.exitCode = publishCommand({ ...opts, createParents }, (t) => process.stdout.write(t), (t) => process.stderr.write(`bulwark publish: ${t}\n`));
  });

try {
  program.parse(process.argv);
} catch (e) {
  if (e instanceof CommanderError) {
    process.exit(e.exitCode === 0 ? 0 : 2);
  }
  if (e instanceof InputError || e instanceof UsageError) {
    process.stderr.write(`bulwark: ${e.message}\n`);
    process.exit(2);
  }
  throw e;
}

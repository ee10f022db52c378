import { Command, CommanderError } from "commander";
import { InputError } from "../compliance";
import { check, UsageError } from "./check";

/**
 * The `bulwark` command. Exit status: 0 success, 1 findings/changes that fail the gate,
 * 2 bad usage or unreadable input (one line on stderr, no stack trace).
 */
const program = new Command();
program.name("bulwark").description("Hardened EC2 environments: compliance checks, module publishing and plan review").exitOverride();

program
  .command("check")
  .description("Check Terraform JSON (a cdktf.out directory, *.tf.json, or a `terraform show -json` plan) against the rule pack")
  .argument("[target]", "cdktf output directory, Terraform JSON directory or file, or plan JSON", "cdktf.out")
  .option("-f, --format <format>", "text, json, sarif or md", "text")
  .option("-o, --output <file>", "write the report to a file instead of stdout")
  .option("--list-rules", "list the rules with their control ids and exit")
  .action((target: string, opts: { format: string; output?: string; listRules?: boolean }) => {
    process.exitCode = check(target, opts, (t) => process.stdout.write(t));
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

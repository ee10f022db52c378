import { TerraformStack } from "cdktf";
import { IConstruct } from "constructs";
import { DataAwsCallerIdentity } from "@cdktf/provider-aws/lib/data-aws-caller-identity";
import { DataAwsRegion } from "@cdktf/provider-aws/lib/data-aws-region";
import { BulwarkValidationError } from "./errors";
import { ACCOUNT_ID_PATTERN, isLiteral } from "./validate";

/** Where a stack deploys: the facts that key policies and ARNs need. */
export interface AccountContext {
  /** 12-digit account id. A literal keeps plans offline; a token is fine too. */
  readonly accountId: string;
  /** Region name, e.g. `eu-west-1`. */
  readonly region: string;
  /** AWS partition for ARNs: `aws-cn` or `aws-us-gov` outside the commercial regions. @default "aws" */
  readonly partition?: string;
}

const CONTEXT = Symbol.for("bulwark.accountContext");

/**
 * Sets the account facts for every bulwark construct in `stack`. Reference environments do
 * this from their config so that synth and plan need no credentials. Without it, modules
 * fall back to `aws_caller_identity` / `aws_region` data sources (which need credentials
 * at plan time).
 */
export function setAccountContext(stack: TerraformStack, context: AccountContext): void {
  if (isLiteral(context.accountId) && !ACCOUNT_ID_PATTERN.test(context.accountId)) {
    throw new BulwarkValidationError(stack, "accountId", context.accountId, "is not a 12-digit AWS account id");
  }
  (stack as unknown as { [CONTEXT]?: Required<AccountContext> })[CONTEXT] = {
    partition: "aws",
    ...context,
  };
}

/**
 * The account facts of the stack that holds `scope`: those `setAccountContext` (or `BulwarkStack`'s
 * `accountId`/`region`) recorded, with `partition` filled in. Without them it adds one
 * `aws_caller_identity` and one `aws_region` data source to the stack (once) and returns their
 * attributes as tokens, which makes every plan of that stack need credentials.
 */
export function accountContext(scope: IConstruct): Required<AccountContext> {
  const stack = TerraformStack.of(scope) as unknown as { [CONTEXT]?: Required<AccountContext> } & TerraformStack;
  if (!stack[CONTEXT]) {
    const caller = new DataAwsCallerIdentity(stack, "bulwark-caller");
    const region = new DataAwsRegion(stack, "bulwark-region");
    stack[CONTEXT] = { accountId: caller.accountId, region: region.name, partition: "aws" };
  }
  return stack[CONTEXT]!;
}

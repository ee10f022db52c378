import { TerraformElement, TerraformStack } from "cdktf";
import { Construct, Node } from "constructs";
import { AwsProvider, AwsProviderConfig } from "@cdktf/provider-aws/lib/provider";
import { ComplianceGate } from "../../compliance/aspect";
import { setAccountContext } from "./account";
import { BulwarkValidationError } from "./errors";
import { checkEmulatorEndpoint, emulatorProviderSettings, EmulatorSettings, StackEmulator } from "./emulator";
import { checkWeakening, REGION_PATTERN, isLiteral } from "./validate";

/**
 * What a stack deploys to and how it is guarded. With `region` (and, best, `accountId`) the
 * stack configures the AWS provider and the account context itself: the plain way is the
 * secure way. Each default is turned off only by a named prop carrying a reason.
 */
export interface BulwarkStackProps {
  /**
   * 12-digit account id: the provider's `allowed_account_ids` (a deploy with credentials for
   * another account fails before any change) and the account context bulwark's key policies
   * and ARNs use, so synth and plan need no credentials.
   * @default none: constructs look the account up with `aws_caller_identity` at plan time
   */
  readonly accountId?: string;
  /**
   * Region of the stack's AWS provider and account context. Without it the stack adds no
   * provider (bring your own `HardenedAwsProvider`).
   * @default none
   */
  readonly region?: string;
  /**
   * Tags on every resource, through the provider's `default_tags`; `managed-by: bulwark` is added.
   * @default { "managed-by": "bulwark" }
   */
  readonly defaultTags?: Record<string, string>;
  /**
   * Leave out the synth-time compliance gate (the same rules as `bulwark check`, resource scope,
   * whose error findings stop the synth). Only with a reason, e.g. a stack that the gate of
   * another pipeline judges.
   * @default the gate is on
   */
  readonly withoutComplianceGate?: {
    /** Why this stack needs no gate, at least 10 characters. */
    readonly reason: string;
  };
  /**
   * Send every `HardenedAwsProvider` of the stack to an AWS API emulator instead of AWS (dummy
   * credentials, the emulator's endpoint for every service or from `AWS_ENDPOINT_URL`, the
   * stack's account assumed), to
   * apply the stack offline in tests. A stack with it must never be applied to AWS; leave it unset
   * for a real deployment.
   * @default unset: the providers talk to AWS
   */
  readonly emulator?: EmulatorSettings;
}

const GATED = Symbol.for("bulwark.complianceGate");

/**
 * A TerraformStack whose resource addresses are readable and stable.
 *
 * cdktf's default logical id is the construct path squeezed to alphanumerics plus a hash
 * (`applaunchtemplateA1B2C3D4`). bulwark uses the path itself, components joined by `_`
 * and each component kept to letters, digits and `-` (`app_launch-template_role`), so that
 * addresses read well in a plan review and a published `moved` block is easy to write.
 * Construct ids come from names, never list positions, which is what keeps addresses
 * stable when a list is reordered. Two paths that make one address (`web.acl` and `web-acl`)
 * are refused with a BulwarkValidationError naming both, rather than one resource silently
 * replacing the other in the JSON.
 */
export class BulwarkStack extends TerraformStack {
  private synthesized?: { json: { [key: string]: any }; constructs: number };
  /** Construct path of each logical id handed out, per address namespace (`aws_vpc`, `data.aws_iam_policy_document`, `var`...). */
  private readonly allocated = new Map<string, string>();
  /** The stack's default AWS provider, when `region` was given. */
  public readonly awsProvider?: HardenedAwsProvider;
  /** The emulator the stack's providers are sent to, when `emulator` was given. */
  public readonly emulator?: StackEmulator;

  constructor(scope: Construct, id: string, props: BulwarkStackProps = {}) {
    super(scope, id);
    checkWeakening(this, "withoutComplianceGate", props.withoutComplianceGate);
    if (props.emulator !== undefined) {
      const endpointsFrom = props.emulator.endpointsFrom ?? "provider";
      if (endpointsFrom !== "provider" && endpointsFrom !== "environment") {
        throw new BulwarkValidationError(this, "emulator.endpointsFrom", String(endpointsFrom), 'must be "provider" or "environment"');
      }
      this.emulator = { endpoint: checkEmulatorEndpoint(this.node.path, "emulator.endpoint", props.emulator.endpoint), accountId: props.accountId, endpointsFrom };
    }
    if (props.region !== undefined && isLiteral(props.region) && !REGION_PATTERN.test(props.region)) {
      throw new BulwarkValidationError(this, "region", props.region, "is not an AWS region name (e.g. eu-west-1)");
    }
    if (props.region !== undefined) {
      this.awsProvider = new HardenedAwsProvider(this, "aws", {
        region: props.region,
        allowedAccountIds: props.accountId === undefined ? undefined : [props.accountId],
        defaultTags: [{ tags: { ...props.defaultTags, "managed-by": props.defaultTags?.["managed-by"] ?? "bulwark" } }],
      });
      if (props.accountId !== undefined) setAccountContext(this, { accountId: props.accountId, region: props.region });
    }
    if (!props.withoutComplianceGate) {
      // One gate per stack, even when a subclass also asks for it.
      (this as unknown as Record<symbol, boolean>)[GATED] = true;
      ComplianceGate.of(this);
    }
  }

  /** Whether the synth-time compliance gate guards `stack`. */
  public static isGated(stack: TerraformStack): boolean {
    return Boolean((stack as unknown as Record<symbol, boolean>)[GATED]);
  }

  /**
   * The stack's Terraform JSON. Resolving tokens is most of synth time, and the compliance
   * gate needs the same JSON one step before cdktf writes it: the gate's result is handed to
   * the writer instead of resolving twice, unless the tree changed in between (a cross-stack
   * reference adds outputs, for instance).
   */
  public toTerraform(): { [key: string]: any } {
    const cached = this.synthesized;
    this.synthesized = undefined;
    if (cached && cached.constructs === this.node.findAll().length) return cached.json;
    return super.toTerraform();
  }

  /** Resolves the stack once for a check that runs right before synthesis; the writer reuses it. */
  public toTerraformForSynth(): { [key: string]: any } {
    const json = super.toTerraform();
    this.synthesized = { json, constructs: this.node.findAll().length };
    return json;
  }

  /**
   * The stack as HCL (`cdktf synth --hcl`). cdktf's renderer writes the references of
   * `depends_on`, `lifecycle.ignore_changes`, `replace_triggered_by` and an aliased `provider` as quoted strings, which
   * Terraform accepts with a "Quoted references are deprecated" warning each: written bare here.
   */
  public toHclTerraform(): { [key: string]: any } {
    const out = super.toHclTerraform() as { hcl: string; [key: string]: any };
    return { ...out, hcl: unquoteReferences(out.hcl) };
  }

  protected allocateLogicalId(element: TerraformElement | Node): string {
    const node = TerraformElement.isTerraformElement(element) ? element.node : element;
    const stackIndex = node.scopes.indexOf(this);
    const components = node.scopes
      .slice(stackIndex + 1)
      .map((c) => c.node.id)
      .filter((id) => id !== "Default" && id !== "Resource");
    const id = logicalIdFromPath(components);
    if (TerraformElement.isTerraformElement(element)) {
      // Two paths that differ only in characters an address cannot hold (`web.acl` and `web-acl`) would
      // make one address, and the later element would silently replace the earlier one in the JSON.
      const namespace = (element as unknown as { _elementType?: string })._elementType ?? element.constructor.name;
      const key = `${namespace}.${id}`;
      const other = this.allocated.get(key);
      if (other !== undefined && other !== node.path) {
        throw new BulwarkValidationError(
          node.path,
          "construct id",
          node.id,
          `makes the same Terraform address (${key}) as ${other}; rename one of them (construct ids differing only in characters other than letters, digits and "-" collide)`,
        );
      }
      this.allocated.set(key, node.path);
    }
    return id;
  }
}

/**
 * Rewrites the reference lists cdktf's HCL renderer quotes (`depends_on = [\n"aws_x.y",\n]`) to bare
 * references, `ignore_changes = "all"` to the keyword and `provider = "aws.alias"` to the reference.
 * Only plain references are touched.
 */
export function unquoteReferences(hcl: string): string {
  return hcl
    .replace(/^(\s*(?:depends_on|ignore_changes|replace_triggered_by) = \[\n)((?:"[A-Za-z_][A-Za-z0-9_.\-[\]*]*",\n)+)(?=\s*\])/gm, (_, head: string, items: string) =>
      head + items.replace(/^"(.*)",$/gm, "$1,"),
    )
    .replace(/^(\s*ignore_changes = )"all"$/gm, "$1all")
    .replace(/^(\s*provider = )"([A-Za-z][A-Za-z0-9_-]*\.[A-Za-z][A-Za-z0-9_-]*)"$/gm, "$1$2");
}

/**
 * The Terraform name `BulwarkStack` gives a construct: its path below the stack, each component
 * kept to letters, digits and `-` (others become `-`), joined by `_`, and prefixed with `_` when it
 * would not start with a letter or `_` (`["app", "launch-template", "role"]` → `app_launch-template_role`).
 */
export function logicalIdFromPath(components: string[]): string {
  const id = components.map((c) => c.replace(/[^A-Za-z0-9-]/g, "-")).join("_");
  return /^[A-Za-z_]/.test(id) ? id : `_${id}`;
}

/** The provider version every stack pins; the mirror and the lock file agree on it. */
export const AWS_PROVIDER_VERSION = "5.100.0";

/**
 * The AWS provider with its registry source spelled in full. Prebuilt providers emit the
 * short `aws`, which only resolves through implied registry defaults; `hashicorp/aws` keeps
 * the synthesized Terraform portable to any Terraform ≥ 1.7 and to provider mirrors.
 */
export class HardenedAwsProvider extends AwsProvider {
  constructor(scope: Construct, id: string, config: AwsProviderConfig) {
    // A stack built for an emulator sends every one of its providers there, aliases included.
    // Read off the stack, not by `instanceof`, which fails when the code is split across bundles.
    const emulator = (TerraformStack.of(scope) as Partial<BulwarkStack>).emulator;
    super(scope, id, emulator ? { ...config, ...emulatorProviderSettings(emulator.endpoint, emulator.accountId, emulator.endpointsFrom) } : config);
    (this as unknown as { terraformProviderSource: string }).terraformProviderSource = "hashicorp/aws";
  }
}

import { TerraformElement, TerraformStack } from "cdktf";
import { Construct, Node } from "constructs";
import { AwsProvider, AwsProviderConfig } from "@cdktf/provider-aws/lib/provider";

/**
 * A TerraformStack whose resource addresses are readable and stable.
 *
 * cdktf's default logical id is the construct path squeezed to alphanumerics plus a hash
 * (`applaunchtemplateA1B2C3D4`). bulwark uses the path itself, components joined by `_`
 * and each component kept to letters, digits and `-` (`app_launch-template_role`), so that
 * addresses read well in a plan review and a published `moved` block is easy to write.
 * Construct ids come from names, never list positions, which is what keeps addresses
 * stable when a list is reordered.
 */
export class BulwarkStack extends TerraformStack {
  private synthesized?: { json: { [key: string]: any }; constructs: number };

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

  protected allocateLogicalId(element: TerraformElement | Node): string {
    const node = TerraformElement.isTerraformElement(element) ? element.node : element;
    const stackIndex = node.scopes.indexOf(this);
    const components = node.scopes
      .slice(stackIndex + 1)
      .map((c) => c.node.id)
      .filter((id) => id !== "Default" && id !== "Resource");
    return logicalIdFromPath(components);
  }
}

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
    super(scope, id, config);
    (this as unknown as { terraformProviderSource: string }).terraformProviderSource = "hashicorp/aws";
  }
}

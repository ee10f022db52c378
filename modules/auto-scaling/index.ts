import { Construct } from "constructs";
import { AutoscalingGroup } from "@cdktf/provider-aws/lib/autoscaling-group";
import { BulwarkValidationError } from "../core/errors";
import { checkInteger, checkName, isLiteral } from "../core/validate";

export interface HardenedAutoScalingGroupProps {
  readonly name: string;
  readonly launchTemplateId: string;
  /** Private subnets to launch into, keyed by AZ (or any stable name). */
  readonly subnetIds: Readonly<Record<string, string>>;
  readonly minSize: number;
  readonly maxSize: number;
  /** @default minSize */
  readonly desiredCapacity?: number;
  /** Target groups to register with; health checks then come from the load balancer. @default [] */
  readonly targetGroupArns?: readonly string[];
  /** @default 300 */
  readonly healthCheckGracePeriodSeconds?: number;
  /** Tags propagated to instances at launch (backup selection, patch group). @default {} */
  readonly instanceTags?: Readonly<Record<string, string>>;
}

/** Group metrics the alarms module reads. */
export const GROUP_METRICS = ["GroupDesiredCapacity", "GroupInServiceInstances", "GroupMaxSize", "GroupMinSize", "GroupPendingInstances", "GroupTerminatingInstances", "GroupTotalInstances"];

/**
 * An Auto Scaling group on a launch template's latest version, with a rolling instance
 * refresh whenever the template changes (so hardening updates reach running hosts), group
 * metrics on, and ELB health checks when behind a load balancer.
 */
export class HardenedAutoScalingGroup extends Construct {
  public readonly group: AutoscalingGroup;
  public readonly name: string;

  constructor(scope: Construct, id: string, props: HardenedAutoScalingGroupProps) {
    super(scope, id);
    checkName(this, "name", props.name);
    const keys = Object.keys(props.subnetIds).sort();
    if (keys.length === 0) throw new BulwarkValidationError(this, "subnetIds", props.subnetIds, "must name at least one subnet");
    checkInteger(this, "minSize", props.minSize, 0, 10000);
    checkInteger(this, "maxSize", props.maxSize, Math.max(1, props.minSize), 10000, ` (at least minSize, ${props.minSize})`);
    const desired = props.desiredCapacity ?? props.minSize;
    if (isLiteral(desired)) checkInteger(this, "desiredCapacity", desired, props.minSize, props.maxSize, ` (between minSize and maxSize)`);
    const lb = (props.targetGroupArns ?? []).length > 0;
    this.name = props.name;
    this.group = new AutoscalingGroup(this, "group", {
      name: props.name,
      minSize: props.minSize,
      maxSize: props.maxSize,
      desiredCapacity: desired,
      vpcZoneIdentifier: keys.map((k) => props.subnetIds[k]),
      launchTemplate: { id: props.launchTemplateId, version: "$Latest" },
      healthCheckType: lb ? "ELB" : "EC2",
      healthCheckGracePeriod: props.healthCheckGracePeriodSeconds ?? 300,
      targetGroupArns: lb ? [...props.targetGroupArns!] : undefined,
      enabledMetrics: GROUP_METRICS,
      metricsGranularity: "1Minute",
      instanceRefresh: { strategy: "Rolling", preferences: { minHealthyPercentage: 90 } },
      tag: Object.keys(props.instanceTags ?? {})
        .sort()
        .map((key) => ({ key, value: props.instanceTags![key], propagateAtLaunch: true })),
    });
  }
}

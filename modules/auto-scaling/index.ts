/**
 * `HardenedAutoScalingGroup`: an Auto Scaling group on its launch template's latest version, so a template
 * change rolls through the running instances by an instance refresh that launches before it terminates.
 *
 * @module bulwark/auto-scaling
 */
import { Construct } from "constructs";
import { Token } from "cdktf";
import { AutoscalingGroup } from "@cdktf/provider-aws/lib/autoscaling-group";
import { BulwarkValidationError } from "../core/errors";
import { checkInteger, checkName, checkOneOf, isLiteral } from "../core/validate";

/**
 * What a group needs of its launch template. A `HardenedLaunchTemplate` is one; for a template of
 * your own, pass `{ id: lt.id, latestVersion: lt.latestVersion, imageId: lt.imageId }`.
 */
export interface LaunchTemplateReference {
  /** Launch template id. */
  readonly id: string;
  /**
   * The template's `latest_version` attribute. The group launches that version, so every change to
   * the template (a new AMI, user data, instance type) changes the group's `launch_template` block,
   * and the provider starts an instance refresh. (`"$Latest"` would launch the same version for new
   * instances, but the provider starts no refresh for it: running instances would keep the old one.)
   */
  readonly latestVersion: number;
  /**
   * The template's image: an AMI id, or `resolve:ssm:<parameter>`. AWS cannot roll back a refresh of a
   * template whose image is an SSM parameter, so `autoRollback` defaults to off for those.
   * @default an AMI id
   */
  readonly imageId?: string;
}

/** What an instance refresh does with instances protected from scale-in (see `InstanceRefreshOptions.scaleInProtectedInstances`). */
export type ScaleInProtectedInstances = "Refresh" | "Ignore" | "Wait";
/** What an instance refresh does with instances in Standby (see `InstanceRefreshOptions.standbyInstances`). */
export type StandbyInstances = "Terminate" | "Ignore" | "Wait";

/**
 * How an instance refresh replaces the group's instances when its launch template changes.
 * @see https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_RefreshPreferences.html
 */
export interface InstanceRefreshOptions {
  /**
   * Capacity that must stay in service, healthy, during the refresh (percent of the desired capacity).
   * The refresh starts by itself on every template change, so by default it never costs capacity: new
   * instances are launched and pass their health checks before old ones are terminated.
   * @default 100
   */
  readonly minHealthyPercentage?: number;
  /**
   * Capacity the group may run during the refresh (percent of the desired capacity, 100–200, at most
   * 100 above `minHealthyPercentage`); above 100 the new instances are launched before the old ones go.
   * @default room for one extra instance or 10 % of the desired capacity, whichever is more:
   *   200 for a group of one (the bastion), 150 for two, 110 from ten up; 110 when the desired
   *   capacity is a Terraform reference
   */
  readonly maxHealthyPercentage?: number;
  /**
   * Seconds a new instance warms up after it is InService before the refresh moves on.
   * @default the group's health check grace period (300)
   */
  readonly instanceWarmupSeconds?: number;
  /**
   * Pause points (percent of instances replaced, ascending, ending at 100), to watch a partly
   * replaced group before the rest follows. @default none: the refresh runs to the end
   */
  readonly checkpointPercentages?: readonly number[];
  /** Seconds to wait at each checkpoint. @default 3600 (AWS) when checkpoints are given */
  readonly checkpointDelaySeconds?: number;
  /**
   * Return the group to the previous template version when the refresh fails (new instances never
   * become healthy). AWS supports it only for templates whose image is an AMI id.
   * @default true, false when the template's image is `resolve:ssm:`
   */
  readonly autoRollback?: boolean;
  /** Leave instances that already run the new version alone (a restarted refresh, instances launched since). @default true */
  readonly skipMatching?: boolean;
  /**
   * Instances protected from scale-in: "Refresh" replaces them too, "Ignore" leaves them on the old
   * version, "Wait" holds the refresh until the protection is lifted.
   * @default "Refresh": a hardening change reaches every instance
   */
  readonly scaleInProtectedInstances?: ScaleInProtectedInstances;
  /**
   * Instances in Standby: "Terminate" replaces them, "Ignore" leaves them on the old version, "Wait"
   * holds the refresh until they return to service.
   * @default "Terminate": no instance keeps the old version unnoticed
   */
  readonly standbyInstances?: StandbyInstances;
}

/** Props of `HardenedAutoScalingGroup`. */
export interface HardenedAutoScalingGroupProps {
  /** Group name; the `AutoScalingGroupName` dimension its alarms and agent metrics use. */
  readonly name: string;
  /** The launch template; the group follows its latest version (see `LaunchTemplateReference`). */
  readonly launchTemplate: LaunchTemplateReference;
  /** Private subnets to launch into, keyed by AZ (or any stable name). */
  readonly subnetIds: Readonly<Record<string, string>>;
  /** Fewest instances, 0–10000; pass it to `AsgAlarms` as `minInService` to be told when fewer are in service. */
  readonly minSize: number;
  /** Most instances, at least `minSize` (and at least 1), at most 10000. */
  readonly maxSize: number;
  /** Instances to run, between `minSize` and `maxSize`. @default minSize */
  readonly desiredCapacity?: number;
  /** Target groups to register with; health checks then come from the load balancer. @default [] */
  readonly targetGroupArns?: readonly string[];
  /** Seconds after launch before health checks count (boot and user data take this long); also the refresh's default warm-up. @default 300 */
  readonly healthCheckGracePeriodSeconds?: number;
  /** Tags propagated to instances at launch (backup selection, patch group). @default {} */
  readonly instanceTags?: Readonly<Record<string, string>>;
  /** The rolling instance refresh a template change starts. @default see `InstanceRefreshOptions` */
  readonly refresh?: InstanceRefreshOptions;
}

/** Group metrics the alarms module reads. */
export const GROUP_METRICS = ["GroupDesiredCapacity", "GroupInServiceInstances", "GroupMaxSize", "GroupMinSize", "GroupPendingInstances", "GroupTerminatingInstances", "GroupTotalInstances"];

/**
 * The default upper bound of a refresh: room for one extra instance or 10 % of the group, whichever is
 * more, so the replacement is launched first even in the smallest groups (a percentage that rounds to
 * no extra instance would leave nothing to launch first).
 */
export function defaultMaxHealthyPercentage(desiredCapacity: number | undefined): number {
  if (desiredCapacity === undefined || !isLiteral(desiredCapacity) || desiredCapacity < 1) return 110;
  return Math.min(200, 100 + Math.max(10, Math.ceil(100 / desiredCapacity)));
}

/**
 * An Auto Scaling group on a launch template's latest version: a template change updates the
 * group's `launch_template.version` and starts a rolling instance refresh (so hardening updates
 * reach running hosts) that launches replacements before terminating, rolls back when they fail;
 * group metrics on, and ELB health checks when behind a load balancer.
 */
export class HardenedAutoScalingGroup extends Construct {
  /** The `aws_autoscaling_group` resource. */
  public readonly group: AutoscalingGroup;
  /** Group name, as given; pass it to `AsgAlarms` as `autoScalingGroupName`. */
  public readonly name: string;

  constructor(scope: Construct, id: string, props: HardenedAutoScalingGroupProps) {
    super(scope, id);
    checkName(this, "name", props.name);
    if (!props.launchTemplate || props.launchTemplate.id === undefined || props.launchTemplate.latestVersion === undefined) {
      throw new BulwarkValidationError(this, "launchTemplate", props.launchTemplate, "must give the template's id and latestVersion");
    }
    const keys = Object.keys(props.subnetIds).sort();
    if (keys.length === 0) throw new BulwarkValidationError(this, "subnetIds", props.subnetIds, "must name at least one subnet");
    checkInteger(this, "minSize", props.minSize, 0, 10000);
    checkInteger(this, "maxSize", props.maxSize, Math.max(1, props.minSize), 10000, ` (at least minSize, ${props.minSize})`);
    const desired = props.desiredCapacity ?? props.minSize;
    if (isLiteral(desired)) checkInteger(this, "desiredCapacity", desired, props.minSize, props.maxSize, ` (between minSize and maxSize)`);
    const grace = props.healthCheckGracePeriodSeconds ?? 300;
    const preferences = this.refreshPreferences(props.refresh ?? {}, desired, grace, props.launchTemplate.imageId);
    const lb = (props.targetGroupArns ?? []).length > 0;
    this.name = props.name;
    this.group = new AutoscalingGroup(this, "group", {
      name: props.name,
      minSize: props.minSize,
      maxSize: props.maxSize,
      desiredCapacity: desired,
      vpcZoneIdentifier: keys.map((k) => props.subnetIds[k]),
      // latest_version, not "$Latest": the provider starts a refresh only when this block changes.
      launchTemplate: { id: props.launchTemplate.id, version: Token.asString(props.launchTemplate.latestVersion) },
      healthCheckType: lb ? "ELB" : "EC2",
      healthCheckGracePeriod: grace,
      targetGroupArns: lb ? [...props.targetGroupArns!] : undefined,
      enabledMetrics: GROUP_METRICS,
      metricsGranularity: "1Minute",
      instanceRefresh: { strategy: "Rolling", preferences },
      tag: Object.keys(props.instanceTags ?? {})
        .sort()
        .map((key) => ({ key, value: props.instanceTags![key], propagateAtLaunch: true })),
    });
  }

  private refreshPreferences(r: InstanceRefreshOptions, desired: number, grace: number, imageId: string | undefined) {
    const min = r.minHealthyPercentage ?? 100;
    const max = r.maxHealthyPercentage ?? defaultMaxHealthyPercentage(desired);
    checkInteger(this, "refresh.minHealthyPercentage", min, 0, 100);
    checkInteger(this, "refresh.maxHealthyPercentage", max, 100, 200);
    if (isLiteral(min) && isLiteral(max) && max - min > 100) {
      throw new BulwarkValidationError(this, "refresh.maxHealthyPercentage", max, `must be at most 100 above minHealthyPercentage (${min})`);
    }
    const warmup = r.instanceWarmupSeconds ?? grace;
    checkInteger(this, "refresh.instanceWarmupSeconds", warmup, 0, 172800);
    const checkpoints = r.checkpointPercentages ? [...r.checkpointPercentages] : undefined;
    if (checkpoints && isLiteral(checkpoints)) {
      const ascending = checkpoints.every((p, i) => Number.isInteger(p) && p >= 1 && p <= 100 && (i === 0 || p > checkpoints[i - 1]));
      if (checkpoints.length === 0 || !ascending || checkpoints[checkpoints.length - 1] !== 100) {
        throw new BulwarkValidationError(this, "refresh.checkpointPercentages", checkpoints, "must be whole percentages in ascending order ending at 100 (every instance replaced)");
      }
    }
    if (r.checkpointDelaySeconds !== undefined && !checkpoints) {
      throw new BulwarkValidationError(this, "refresh.checkpointDelaySeconds", r.checkpointDelaySeconds, "needs checkpointPercentages");
    }
    checkInteger(this, "refresh.checkpointDelaySeconds", r.checkpointDelaySeconds, 0, 172800);
    const ssmImage = imageId !== undefined && isLiteral(imageId) && imageId.startsWith("resolve:ssm:");
    if (r.autoRollback === true && ssmImage) {
      throw new BulwarkValidationError(this, "refresh.autoRollback", r.autoRollback, "is not supported by AWS for a template whose image is an SSM parameter");
    }
    checkOneOf(this, "refresh.scaleInProtectedInstances", r.scaleInProtectedInstances, ["Refresh", "Ignore", "Wait"]);
    checkOneOf(this, "refresh.standbyInstances", r.standbyInstances, ["Terminate", "Ignore", "Wait"]);
    return {
      minHealthyPercentage: min,
      maxHealthyPercentage: max,
      instanceWarmup: isLiteral(warmup) ? String(warmup) : Token.asString(warmup),
      checkpointPercentages: checkpoints,
      checkpointDelay: r.checkpointDelaySeconds === undefined ? undefined : String(r.checkpointDelaySeconds),
      autoRollback: r.autoRollback ?? !ssmImage,
      skipMatching: r.skipMatching ?? true,
      scaleInProtectedInstances: r.scaleInProtectedInstances ?? "Refresh",
      standbyInstances: r.standbyInstances ?? "Terminate",
    };
  }
}

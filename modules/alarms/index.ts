/**
 * Alarms that tell someone: `AlarmTopic` (an SNS topic encrypted with a customer-managed key that only
 * CloudWatch of this account may publish to), `AsgAlarms` for an Auto Scaling group and `InstanceAlarms`
 * for one instance, every alarm with alarm and OK actions.
 *
 * @module bulwark/alarms
 */
import { Construct } from "constructs";
import { CloudwatchCompositeAlarm } from "@cdktf/provider-aws/lib/cloudwatch-composite-alarm";
import { CloudwatchMetricAlarm, CloudwatchMetricAlarmConfig } from "@cdktf/provider-aws/lib/cloudwatch-metric-alarm";
import { SnsTopic } from "@cdktf/provider-aws/lib/sns-topic";
import { SnsTopicPolicy } from "@cdktf/provider-aws/lib/sns-topic-policy";
import { SnsTopicSubscription } from "@cdktf/provider-aws/lib/sns-topic-subscription";
import { accountContext } from "../core/account";
import { BulwarkValidationError } from "../core/errors";
import { policyDocument } from "../core/policy";
import { checkInteger, checkName, checkPattern, isLiteral, KMS_KEY_ARN_PATTERN } from "../core/validate";
import { HardenedKmsKey } from "../kms-key";
import { AGENT_METRICS, AGENT_NAMESPACE } from "../launch-template/cloudwatch-agent";

// ------------------------------------------------------------------ alarm topic

/** One subscriber of an alarm topic. */
export interface Subscription {
  /** How notifications are delivered; plain `http` is refused (notifications would leave AWS in the clear). */
  readonly protocol: "email" | "https" | "sqs";
  /** Address, URL or queue ARN. */
  readonly endpoint: string;
}

/** Props of `AlarmTopic`. */
export interface AlarmTopicProps {
  /** Topic name; also the created key's alias prefix (`<name>/alarms`). */
  readonly name: string;
  /** Customer-managed key that encrypts the topic; a key of your own must let CloudWatch alarms and SNS use it. @default a new key open to CloudWatch alarms */
  readonly kmsKeyArn?: string;
  /** Subscribers keyed by name. @default {} */
  readonly subscriptions?: Readonly<Record<string, Subscription>>;
  /** Tags on the topic and the created key. @default none */
  readonly tags?: Readonly<Record<string, string>>;
}

/**
 * What the account itself may do with an alarm topic (the statement `AccountManagesTopic`).
 * Shared with the published alarms module, which renders the same statement.
 */
export const TOPIC_MANAGEMENT_ACTIONS = ["sns:GetTopicAttributes", "sns:SetTopicAttributes", "sns:Subscribe", "sns:ListSubscriptionsByTopic", "sns:DeleteTopic", "sns:TagResource"] as const;

/**
 * The Auto Scaling group's health alarms, as the construct and the published alarms module
 * both build them (the in-service threshold is the caller's `minInService`).
 */
export const ASG_HEALTH_ALARMS = {
  /** An instance of the group fails an EC2 status check (Auto Scaling then replaces it). */
  "status-check": {
    /** EC2's per-instance metrics, rolled up by AutoScalingGroupName. */
    namespace: "AWS/EC2",
    /** 1 while either the system or the instance status check fails. */
    metricName: "StatusCheckFailed",
    /** The worst instance of the group counts. */
    statistic: "Maximum",
    /** Alarm above the threshold. */
    comparisonOperator: "GreaterThanThreshold",
    /** Any failed check. */
    threshold: 0,
    /** One-minute periods (the group's detailed monitoring). */
    periodSeconds: 60,
    /** Two failing minutes in a row, so a single flaky check does not page. */
    evaluationPeriods: 2,
    /** No data means no instance reported a failure. */
    treatMissingData: "notBreaching",
  },
  /** Fewer in-service instances than the caller's `minInService` (the threshold). */
  "in-service-low": {
    /** Auto Scaling group metrics, which the group enables. */
    namespace: "AWS/AutoScaling",
    /** Instances in service, neither pending nor terminating. */
    metricName: "GroupInServiceInstances",
    /** The lowest count within the period. */
    statistic: "Minimum",
    /** Alarm below the threshold. */
    comparisonOperator: "LessThanThreshold",
    /** One-minute periods. */
    periodSeconds: 60,
    /** Five minutes in a row: long enough for a replacement instance to come into service. */
    evaluationPeriods: 5,
    /** No capacity metric at all is as bad as low capacity. */
    treatMissingData: "breaching",
  },
} as const;

/**
 * The topic alarms notify: encrypted with a customer-managed key (SNS.1), a policy that lets
 * CloudWatch of this account publish and nobody else, and subscriptions from config.
 */
export class AlarmTopic extends Construct {
  /** The `aws_sns_topic` resource. */
  public readonly topic: SnsTopic;
  /** Topic ARN, the `topicArn` of `AsgAlarms` and `InstanceAlarms`. */
  public readonly arn: string;

  constructor(scope: Construct, id: string, props: AlarmTopicProps) {
    super(scope, id);
    checkName(this, "name", props.name);
    checkPattern(this, "kmsKeyArn", props.kmsKeyArn, KMS_KEY_ARN_PATTERN, "a KMS key ARN");
    for (const [key, s] of Object.entries(props.subscriptions ?? {})) {
      checkName(this, "subscriptions key", key);
      if (!["email", "https", "sqs"].includes(s.protocol)) throw new BulwarkValidationError(this, `subscriptions.${key}.protocol`, s.protocol, "must be email, https or sqs");
      const patterns = { email: /^[^@\s]+@[^@\s]+\.[^@\s]+$/, https: /^https:\/\/\S+$/, sqs: /^arn:aws[a-z-]*:sqs:[a-z0-9-]+:\d{12}:[\w-]+$/ };
      if (isLiteral(s.endpoint) && !patterns[s.protocol].test(s.endpoint)) {
        throw new BulwarkValidationError(this, `subscriptions.${key}.endpoint`, s.endpoint, `is not a valid ${s.protocol} endpoint${s.protocol === "https" ? " (http is refused: notifications leave AWS in the clear)" : ""}`);
      }
    }
    const ctx = accountContext(this);
    const key = props.kmsKeyArn ?? new HardenedKmsKey(this, "key", { alias: `${props.name}/alarms`, services: ["cloudwatch-alarms", "sns"], tags: props.tags }).keyArn;
    this.topic = new SnsTopic(this, "topic", { name: props.name, kmsMasterKeyId: key, tags: props.tags });
    this.arn = this.topic.arn;
    new SnsTopicPolicy(this, "policy", {
      arn: this.topic.arn,
      policy: policyDocument([
        {
          Sid: "CloudWatchAlarmsOfThisAccountPublish",
          Effect: "Allow",
          Principal: { Service: "cloudwatch.amazonaws.com" },
          Action: "sns:Publish",
          Resource: this.topic.arn,
          Condition: { StringEquals: { "aws:SourceAccount": ctx.accountId } },
        },
        {
          Sid: "AccountManagesTopic",
          Effect: "Allow",
          Principal: { AWS: `arn:${ctx.partition}:iam::${ctx.accountId}:root` },
          Action: [...TOPIC_MANAGEMENT_ACTIONS],
          Resource: this.topic.arn,
        },
        {
          Sid: "DenyInsecureTransport",
          Effect: "Deny",
          Principal: "*",
          Action: "sns:Publish",
          Resource: this.topic.arn,
          Condition: { Bool: { "aws:SecureTransport": "false" } },
        },
      ], this),
    });
    for (const k of Object.keys(props.subscriptions ?? {}).sort()) {
      const s = props.subscriptions![k];
      new SnsTopicSubscription(this, `subscription-${k}`, { topicArn: this.topic.arn, protocol: s.protocol, endpoint: s.endpoint });
    }
  }
}

// ------------------------------------------------------------------ alarm validation

/** A threshold alarm's tunables; each is validated with a named error. */
export interface AlarmTuning {
  /** Value the statistic is compared with, in the metric's unit (percent for CPU and agent alarms, 1–100). @default per alarm */
  readonly threshold?: number;
  /** Seconds: 10, 30, or a multiple of 60. */
  readonly periodSeconds?: number;
  /** Periods the alarm looks back over, 1–100. @default per alarm */
  readonly evaluationPeriods?: number;
  /** Breaching periods among them that fire the alarm ("M of N"), at most `evaluationPeriods`. @default all of them */
  readonly datapointsToAlarm?: number;
}

/**
 * Validates an `AlarmTuning` literal, naming `<field>.<tunable>` in the error; tokens are skipped.
 * @param thresholdRange the allowed threshold, inclusive, when the metric has one (percentages: [1, 100])
 * @throws BulwarkValidationError for a period that is not 10, 30 or a multiple of 60 up to a day,
 *   evaluation periods outside 1–100, more datapoints than periods, or a threshold out of range
 */
export function checkTuning(scope: Construct, field: string, t: AlarmTuning, thresholdRange?: [number, number]): void {
  const period = t.periodSeconds;
  if (period !== undefined && isLiteral(period) && !(period === 10 || period === 30 || (Number.isInteger(period) && period >= 60 && period % 60 === 0 && period <= 86400))) {
    throw new BulwarkValidationError(scope, `${field}.periodSeconds`, period, "must be 10, 30 or a multiple of 60 up to 86400");
  }
  checkInteger(scope, `${field}.evaluationPeriods`, t.evaluationPeriods, 1, 100);
  if (t.datapointsToAlarm !== undefined) {
    checkInteger(scope, `${field}.datapointsToAlarm`, t.datapointsToAlarm, 1, t.evaluationPeriods ?? 1, ` (at most evaluationPeriods, ${t.evaluationPeriods ?? 1})`);
  }
  if (t.threshold !== undefined && isLiteral(t.threshold) && thresholdRange && !(t.threshold >= thresholdRange[0] && t.threshold <= thresholdRange[1])) {
    throw new BulwarkValidationError(scope, `${field}.threshold`, t.threshold, `must be between ${thresholdRange[0]} and ${thresholdRange[1]}`);
  }
}

type MetricAlarmInput = Omit<CloudwatchMetricAlarmConfig, "alarmActions" | "okActions" | "period" | "evaluationPeriods" | "threshold" | "datapointsToAlarm">;

function alarm(
  scope: Construct,
  id: string,
  topicArn: string,
  tuning: AlarmTuning,
  defaults: Required<Omit<AlarmTuning, "datapointsToAlarm">>,
  input: MetricAlarmInput,
  extraAlarmActions: string[] = [],
): CloudwatchMetricAlarm {
  return new CloudwatchMetricAlarm(scope, id, {
    ...input,
    period: tuning.periodSeconds ?? defaults.periodSeconds,
    evaluationPeriods: tuning.evaluationPeriods ?? defaults.evaluationPeriods,
    datapointsToAlarm: tuning.datapointsToAlarm,
    threshold: tuning.threshold ?? defaults.threshold,
    // Every alarm tells someone when it fires and when it clears (CloudWatch.15).
    alarmActions: [topicArn, ...extraAlarmActions],
    okActions: [topicArn],
  });
}

/** CPU above 80 % (tunable) over the given dimensions: one definition for groups and instances. */
function cpuAlarm(
  scope: Construct,
  name: string,
  topicArn: string,
  tuning: AlarmTuning,
  dimensions: Record<string, string>,
  tags?: Readonly<Record<string, string>>,
  description?: string,
): CloudwatchMetricAlarm {
  return alarm(scope, "cpu-high", topicArn, tuning, { threshold: 80, periodSeconds: 300, evaluationPeriods: 3 }, {
    alarmName: `${name}-cpu-high`,
    ...(description ? { alarmDescription: description } : {}),
    namespace: "AWS/EC2",
    metricName: "CPUUtilization",
    statistic: "Average",
    dimensions,
    comparisonOperator: "GreaterThanThreshold",
    treatMissingData: "missing",
    tags,
  });
}

/**
 * Memory and disk alarms from the CloudWatch agent, built from the catalogue the agent
 * configuration is written from (so every alarm watches a metric the agent emits), keyed
 * `mem-used-percent` / `disk-used-percent`. Swap is collected, not alarmed.
 */
function agentAlarms(
  scope: Construct,
  name: string,
  topicArn: string,
  tuning: AlarmTuning,
  dimensions: Record<string, string>,
  tags?: Readonly<Record<string, string>>,
): Record<string, CloudwatchMetricAlarm> {
  const out: Record<string, CloudwatchMetricAlarm> = {};
  for (const m of AGENT_METRICS.filter((x) => x.metricName !== "swap_used_percent")) {
    const key = m.metricName.replace(/_/g, "-");
    out[key] = alarm(scope, `agent-${key}`, topicArn, tuning, { threshold: 85, periodSeconds: 300, evaluationPeriods: 3 }, {
      alarmName: `${name}-${key}`,
      alarmDescription: `${m.metricName} of ${name} above threshold (CloudWatch agent)`,
      namespace: AGENT_NAMESPACE,
      metricName: m.metricName,
      statistic: "Maximum",
      dimensions: { ...dimensions, ...m.fixedDimensions },
      comparisonOperator: "GreaterThanThreshold",
      treatMissingData: "missing",
      tags,
    });
  }
  return out;
}

// ------------------------------------------------------------------ Auto Scaling group alarms

/** The unhealthy-targets alarm `AsgAlarms` adds with `targetGroup` (shared with the published alarms module). */
export const UNHEALTHY_HOSTS_ALARM = {
  /** CloudWatch namespace of the metric. */
  namespace: "AWS/ApplicationELB",
  /** The metric, by `TargetGroup` and `LoadBalancer`. */
  metricName: "UnHealthyHostCount",
  /** Statistic over each period. */
  statistic: "Maximum",
  /** Any unhealthy target alarms. */
  comparisonOperator: "GreaterThanThreshold",
  /** Unhealthy targets tolerated. */
  threshold: 0,
  /** Seconds per datapoint. */
  periodSeconds: 60,
  /** Datapoints evaluated. */
  evaluationPeriods: 3,
  /** A silent target group alarms. */
  treatMissingData: "breaching",
} as const;

/** The network anomaly alarms `AsgAlarms` adds with `networkAnomalyBand`, one per metric (shared with the published alarms module). */
export const NETWORK_ANOMALY_ALARMS = {
  /** The metrics watched, one alarm each (`<name>-<metric>-anomaly`). */
  metrics: ["NetworkIn", "NetworkOut"],
  /** CloudWatch namespace of the metrics, by `AutoScalingGroupName`. */
  namespace: "AWS/EC2",
  /** Statistic over each period. */
  stat: "Average",
  /** Seconds per datapoint. */
  periodSeconds: 300,
  /** Datapoints evaluated. */
  evaluationPeriods: 3,
  /** The widest band accepted, in standard deviations (the band must be above 0). */
  maxBand: 10,
} as const;

/** Props of `AsgAlarms`. */
export interface AsgAlarmsProps {
  /** Name prefix of the alarms. */
  readonly name: string;
  /** The group the alarms watch (the `AutoScalingGroupName` dimension). */
  readonly autoScalingGroupName: string;
  /** SNS topic that receives every alarm and OK notification, e.g. an `AlarmTopic`'s `arn`. */
  readonly topicArn: string;
  /** The group's minimum size: in-service instances below it alarm. */
  readonly minInService: number;
  /** Tuning of the CPUUtilization alarm. @default threshold 80 %, 5 minutes × 3 */
  readonly cpu?: AlarmTuning;
  /** Agent metrics (memory, disk) aggregated by AutoScalingGroupName. @default threshold 85 % */
  readonly agent?: AlarmTuning;
  /** Target group and load balancer ARN suffixes: unhealthy hosts alarm. @default none */
  readonly targetGroup?: {
    /** The target group's `arn_suffix` (`targetgroup/<name>/<id>`), its CloudWatch dimension. */
    readonly targetGroupArnSuffix: string;
    /** The load balancer's `arn_suffix` (`app/<name>/<id>`). */
    readonly loadBalancerArnSuffix: string;
  };
  /** Anomaly-detection band on NetworkIn/NetworkOut (standard deviations). @default none */
  readonly networkAnomalyBand?: number;
  /** Tags on every alarm. @default none */
  readonly tags?: Readonly<Record<string, string>>;
}

/**
 * Alarms for an Auto Scaling group: CPU, in-service capacity, memory and disk from the
 * CloudWatch agent (by AutoScalingGroupName, which the agent config appends and aggregates),
 * unhealthy targets, optional network anomaly bands. Missing data is treated per metric:
 * capacity and health breach when silent, utilisation does not.
 */
export class AsgAlarms extends Construct {
  /**
   * The alarms by key: `cpu`, `statusCheck`, `capacity` (when `minInService` > 0),
   * `mem-used-percent`, `disk-used-percent`, `unhealthy` (with `targetGroup`), and `NetworkIn` and
   * `NetworkOut` (with `networkAnomalyBand`).
   */
  public readonly alarms: Record<string, CloudwatchMetricAlarm> = {};

  constructor(scope: Construct, id: string, props: AsgAlarmsProps) {
    super(scope, id);
    checkName(this, "name", props.name);
    checkTuning(this, "cpu", props.cpu ?? {}, [1, 100]);
    checkTuning(this, "agent", props.agent ?? {}, [1, 100]);
    checkInteger(this, "minInService", props.minInService, 0, 10000);
    if (props.networkAnomalyBand !== undefined && !(props.networkAnomalyBand > 0 && props.networkAnomalyBand <= NETWORK_ANOMALY_ALARMS.maxBand)) {
      throw new BulwarkValidationError(this, "networkAnomalyBand", props.networkAnomalyBand, `must be a number of standard deviations between 0 and ${NETWORK_ANOMALY_ALARMS.maxBand}`);
    }
    const dims = { AutoScalingGroupName: props.autoScalingGroupName };
    const t = props.tags;
    this.alarms.cpu = cpuAlarm(this, props.name, props.topicArn, props.cpu ?? {}, dims, t, `CPU of ${props.name} above threshold`);
    const health = (id: keyof typeof ASG_HEALTH_ALARMS, threshold?: number) => {
      const { periodSeconds, evaluationPeriods, ...a } = ASG_HEALTH_ALARMS[id];
      return { tuning: { threshold: threshold ?? ("threshold" in a ? a.threshold : 0), periodSeconds, evaluationPeriods }, input: { namespace: a.namespace, metricName: a.metricName, statistic: a.statistic, comparisonOperator: a.comparisonOperator, treatMissingData: a.treatMissingData } };
    };
    const status = health("status-check");
    this.alarms.statusCheck = alarm(this, "status-check", props.topicArn, {}, status.tuning, {
      alarmName: `${props.name}-status-check`,
      alarmDescription: `An instance of ${props.name} fails its status checks (Auto Scaling replaces it)`,
      ...status.input,
      dimensions: dims,
      tags: t,
    });
    if (props.minInService > 0) {
      const low = health("in-service-low", props.minInService);
      this.alarms.capacity = alarm(this, "in-service-low", props.topicArn, {}, low.tuning, {
        alarmName: `${props.name}-in-service-low`,
        alarmDescription: `Fewer than ${props.minInService} in-service instances in ${props.name}`,
        ...low.input,
        dimensions: dims,
        tags: t,
      });
    }
    Object.assign(this.alarms, agentAlarms(this, props.name, props.topicArn, props.agent ?? {}, dims, t));
    if (props.targetGroup) {
      const u = UNHEALTHY_HOSTS_ALARM;
      this.alarms.unhealthy = alarm(this, "unhealthy-hosts", props.topicArn, {}, { threshold: u.threshold, periodSeconds: u.periodSeconds, evaluationPeriods: u.evaluationPeriods }, {
        alarmName: `${props.name}-unhealthy-hosts`,
        alarmDescription: `Unhealthy targets behind ${props.name}`,
        namespace: u.namespace,
        metricName: u.metricName,
        statistic: u.statistic,
        dimensions: { TargetGroup: props.targetGroup.targetGroupArnSuffix, LoadBalancer: props.targetGroup.loadBalancerArnSuffix },
        comparisonOperator: u.comparisonOperator,
        treatMissingData: u.treatMissingData,
        tags: t,
      });
    }
    if (props.networkAnomalyBand !== undefined) {
      const n = NETWORK_ANOMALY_ALARMS;
      for (const metric of n.metrics) {
        this.alarms[metric] = new CloudwatchMetricAlarm(this, `anomaly-${metric}`, {
          alarmName: `${props.name}-${metric}-anomaly`,
          alarmDescription: `${metric} of ${props.name} outside its expected band`,
          comparisonOperator: "LessThanLowerOrGreaterThanUpperThreshold",
          evaluationPeriods: n.evaluationPeriods,
          thresholdMetricId: "band",
          treatMissingData: "missing",
          metricQuery: [
            { id: "m", returnData: true, metric: { namespace: n.namespace, metricName: metric, period: n.periodSeconds, stat: n.stat, dimensions: dims } },
            { id: "band", expression: `ANOMALY_DETECTION_BAND(m, ${props.networkAnomalyBand})`, label: `${metric} (expected)`, returnData: true },
          ],
          alarmActions: [props.topicArn],
          okActions: [props.topicArn],
          tags: t,
        });
      }
    }
  }
}

// ------------------------------------------------------------------ instance alarms

/** Props of `InstanceAlarms`. */
export interface InstanceAlarmsProps {
  /** Name prefix of the alarms (`<name>-cpu-high`, `<name>-unhealthy`, ...). */
  readonly name: string;
  /** The instance the alarms watch; the status-check alarms recover or reboot it. */
  readonly instanceId: string;
  /** SNS topic that receives every alarm and OK notification, e.g. an `AlarmTopic`'s `arn`. */
  readonly topicArn: string;
  /** Tuning of the CPUUtilization alarm. @default threshold 80 %, 5 minutes × 3 */
  readonly cpu?: AlarmTuning;
  /** Tuning of the agent's memory and disk alarms (per instance). @default threshold 85 %, 5 minutes × 3 */
  readonly agent?: AlarmTuning;
  /**
   * gp2/st1/sc1 volumes (keyed by name) whose I/O credit balance (AWS/EBS BurstBalance) alarms
   * below 20 %; gp3 and io volumes have no burst bucket. @default {}
   */
  readonly burstVolumes?: Readonly<Record<string, string>>;
  /** Tags on every alarm. @default none */
  readonly tags?: Readonly<Record<string, string>>;
}

/**
 * Alarms for one instance: CPU; system status check → EC2 recover; instance status check →
 * reboot; memory and disk from the agent; and a composite "instance unhealthy" for paging.
 */
export class InstanceAlarms extends Construct {
  /** The metric alarms by key: `system`, `instance`, `cpu`, `mem-used-percent`, `disk-used-percent` and `burst-<volume key>`. */
  public readonly alarms: Record<string, CloudwatchMetricAlarm> = {};
  /** Composite alarm that fires when a status check fails or memory or disk runs out: the one to page on. */
  public readonly unhealthy: CloudwatchCompositeAlarm;

  constructor(scope: Construct, id: string, props: InstanceAlarmsProps) {
    super(scope, id);
    checkName(this, "name", props.name);
    checkTuning(this, "cpu", props.cpu ?? {}, [1, 100]);
    checkTuning(this, "agent", props.agent ?? {}, [1, 100]);
    const ctx = accountContext(this);
    const dims = { InstanceId: props.instanceId };
    const status = (key: string, metric: string, action: string, what: string) =>
      alarm(
        this,
        key,
        props.topicArn,
        {},
        { threshold: 0, periodSeconds: 60, evaluationPeriods: 2 },
        {
          alarmName: `${props.name}-${key}`,
          alarmDescription: what,
          namespace: "AWS/EC2",
          metricName: metric,
          statistic: "Maximum",
          dimensions: dims,
          comparisonOperator: "GreaterThanThreshold",
          treatMissingData: "breaching",
          tags: props.tags,
        },
        [`arn:${ctx.partition}:automate:${ctx.region}:ec2:${action}`],
      );
    this.alarms.system = status("status-system", "StatusCheckFailed_System", "recover", "System status check failed: EC2 recovers the instance onto new hardware");
    this.alarms.instance = status("status-instance", "StatusCheckFailed_Instance", "reboot", "Instance status check failed: EC2 reboots it");
    this.alarms.cpu = cpuAlarm(this, props.name, props.topicArn, props.cpu ?? {}, dims, props.tags);
    Object.assign(this.alarms, agentAlarms(this, props.name, props.topicArn, props.agent ?? {}, dims, props.tags));
    for (const [key, volumeId] of Object.entries(props.burstVolumes ?? {}).sort(([a], [b]) => a.localeCompare(b))) {
      checkName(this, "burstVolumes key", key);
      this.alarms[`burst-${key}`] = alarm(this, `burst-balance-${key}`, props.topicArn, {}, { threshold: 20, periodSeconds: 300, evaluationPeriods: 3 }, {
        alarmName: `${props.name}-burst-balance-${key}`,
        alarmDescription: `I/O credits of volume ${key} running out`,
        namespace: "AWS/EBS",
        metricName: "BurstBalance",
        statistic: "Minimum",
        dimensions: { VolumeId: volumeId },
        comparisonOperator: "LessThanThreshold",
        treatMissingData: "missing",
        tags: props.tags,
      });
    }
    this.unhealthy = new CloudwatchCompositeAlarm(this, "unhealthy", {
      alarmName: `${props.name}-unhealthy`,
      alarmDescription: `${props.name} is unhealthy: a status check failed or memory/disk is exhausted`,
      alarmRule: ["system", "instance", "mem-used-percent", "disk-used-percent"].map((k) => `ALARM("${this.alarms[k].alarmName}")`).join(" OR "),
      alarmActions: [props.topicArn],
      okActions: [props.topicArn],
      tags: props.tags,
    });
  }
}

/**
 * `CisAlarms`: CloudTrail metric filters and alarms for the 14 controls of Security Hub CloudWatch.1–14 / CIS 4.x,
 * and the control catalogue `bulwark check` recognises equivalent filters by.
 *
 * @module bulwark/cis-alarms
 */
import { Construct } from "constructs";
import { CloudwatchLogMetricFilter } from "@cdktf/provider-aws/lib/cloudwatch-log-metric-filter";
import { CloudwatchMetricAlarm } from "@cdktf/provider-aws/lib/cloudwatch-metric-alarm";
import { BulwarkValidationError } from "../core/errors";
import { checkInteger, checkName } from "../core/validate";
import { CIS_ALARM_CONTROLS, CIS_ALARM_SETTINGS } from "./catalogue";

export * from "./catalogue";

/** Per-control change, allowed only with a reason (recorded in the alarm's description). */
export interface CisControlOverride {
  /** Why the control is changed, at least 10 characters; appended to the alarm's description. */
  readonly reason: string;
  /** Turn the control off (the finding `cis-cloudtrail-alarms` then reports it). */
  readonly disabled?: boolean;
  /** Events per 5 minutes that raise the alarm. @default 1 */
  readonly threshold?: number;
}

/** Props of `CisAlarms`. */
export interface CisAlarmsProps {
  /** Name prefix of the metric filters, metrics and alarms (`<name>-<control key>`). */
  readonly name: string;
  /** CloudTrail's log group name (a reference is fine). */
  readonly logGroupName: string;
  /** Topic alarms notify (alarm and OK). */
  readonly alarmTopicArn: string;
  /** CloudWatch namespace of the filters' metrics. @default "bulwark/CloudTrail" */
  readonly namespace?: string;
  /** Overrides by control key. @default none: all 14 controls, threshold 1 */
  readonly overrides?: Readonly<Record<string, CisControlOverride>>;
  /** Tags on every alarm (metric filters take none). @default none */
  readonly tags?: Readonly<Record<string, string>>;
}

/**
 * Metric filters and alarms on the CloudTrail log group for the 14 controls of Security Hub
 * CloudWatch.1–14 / CIS 4.x. One filter and one alarm per control, keyed by its name.
 */
export class CisAlarms extends Construct {
  /** The alarms by control key (`unauthorized-api-calls`, ...); a disabled control has none. */
  public readonly alarms: Record<string, CloudwatchMetricAlarm> = {};

  constructor(scope: Construct, id: string, props: CisAlarmsProps) {
    super(scope, id);
    checkName(this, "name", props.name);
    const namespace = props.namespace ?? "bulwark/CloudTrail";
    for (const [key, o] of Object.entries(props.overrides ?? {})) {
      if (!CIS_ALARM_CONTROLS.some((c) => c.key === key)) throw new BulwarkValidationError(this, "overrides", key, `is not a control (${CIS_ALARM_CONTROLS.map((c) => c.key).join(", ")})`);
      if (typeof o.reason !== "string" || o.reason.trim().length < CIS_ALARM_SETTINGS.reasonLength) {
        throw new BulwarkValidationError(this, `overrides.${key}.reason`, o.reason, `must say why the control is changed (at least ${CIS_ALARM_SETTINGS.reasonLength} characters)`);
      }
      checkInteger(this, `overrides.${key}.threshold`, o.threshold, ...CIS_ALARM_SETTINGS.thresholdRange);
    }
    for (const c of CIS_ALARM_CONTROLS) {
      const o = props.overrides?.[c.key];
      if (o?.disabled) continue;
      const metric = `${props.name}-${c.key}`;
      new CloudwatchLogMetricFilter(this, `filter-${c.key}`, {
        name: metric,
        logGroupName: props.logGroupName,
        pattern: c.pattern,
        metricTransformation: { name: metric, namespace, value: "1", defaultValue: "0" },
      });
      this.alarms[c.key] = new CloudwatchMetricAlarm(this, `alarm-${c.key}`, {
        alarmName: metric,
        alarmDescription: `${c.title} (${c.securityHub}, CIS ${c.cis})${o ? ` — threshold changed: ${o.reason}` : ""}`,
        namespace,
        metricName: metric,
        statistic: CIS_ALARM_SETTINGS.statistic,
        period: CIS_ALARM_SETTINGS.periodSeconds,
        evaluationPeriods: CIS_ALARM_SETTINGS.evaluationPeriods,
        threshold: o?.threshold ?? CIS_ALARM_SETTINGS.threshold,
        comparisonOperator: CIS_ALARM_SETTINGS.comparisonOperator,
        treatMissingData: CIS_ALARM_SETTINGS.treatMissingData,
        alarmActions: [props.alarmTopicArn],
        okActions: [props.alarmTopicArn],
        tags: props.tags,
      });
    }
  }
}

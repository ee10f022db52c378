import * as fc from "fast-check";
import { ALL_RULES, configResources, runRules } from "../../compliance";
import { AlarmTopic, AsgAlarms, AsgAlarmsProps, InstanceAlarms } from "../../modules/alarms";
import { CIS_ALARM_CONTROLS, CisAlarms, controlOfPattern } from "../../modules/cis-alarms";
import { BulwarkValidationError } from "../../modules/core/errors";
import { AGENT_AGGREGATION_DIMENSIONS, AGENT_APPEND_DIMENSIONS, AGENT_NAMESPACE, cloudWatchAgentConfig } from "../../modules/launch-template";
import { resourcesOf, synthJson } from "../support/synth";

const TOPIC = "arn:aws:sns:eu-west-1:111111111111:alarms";

describe("AlarmTopic", () => {
  const json = synthJson((s) => new AlarmTopic(s, "topic", { name: "prod-alarms", subscriptions: { oncall: { protocol: "email", endpoint: "oncall@example.com" } } }));

  it("is KMS-encrypted with a key CloudWatch may use, and only CloudWatch of this account publishes", () => {
    expect(resourcesOf(json, "aws_sns_topic").topic_topic.kms_master_key_id).toBe("${aws_kms_key.topic_key_key.arn}");
    const keySids = JSON.parse(resourcesOf(json, "aws_kms_key").topic_key_key.policy).Statement.map((s: { Sid: string }) => s.Sid);
    expect(keySids).toContain("CloudWatchAlarmsPublishToEncryptedTopics");
    const policy = JSON.parse(resourcesOf(json, "aws_sns_topic_policy").topic_policy.policy);
    const publishers = policy.Statement.filter((s: { Effect: string; Action: string | string[] }) => s.Effect === "Allow" && [s.Action].flat().includes("sns:Publish"));
    expect(publishers).toEqual([expect.objectContaining({ Principal: { Service: "cloudwatch.amazonaws.com" }, Condition: { StringEquals: { "aws:SourceAccount": "111111111111" } } })]);
    expect(resourcesOf(json, "aws_sns_topic_subscription")["topic_subscription-oncall"]).toMatchObject({ protocol: "email", endpoint: "oncall@example.com" });
  });

  it("refuses plain-http subscriptions", () => {
    expect(() => synthJson((s) => new AlarmTopic(s, "t", { name: "a", subscriptions: { hook: { protocol: "https", endpoint: "http://example.com/hook" } } }))).toThrow(
      /subscriptions.hook.endpoint "http:\/\/example.com\/hook" is not a valid https endpoint/,
    );
  });
});

describe("AsgAlarms", () => {
  const props: AsgAlarmsProps = { name: "prod-app", autoScalingGroupName: "prod-app", topicArn: TOPIC, minInService: 2, targetGroup: { targetGroupArnSuffix: "targetgroup/x/1", loadBalancerArnSuffix: "app/y/2" }, networkAnomalyBand: 2 };
  const json = synthJson((s) => new AsgAlarms(s, "alarms", props));
  const alarms = Object.values(resourcesOf(json, "aws_cloudwatch_metric_alarm"));

  it("gives every alarm alarm and OK actions (CloudWatch.15)", () => {
    expect(alarms.length).toBeGreaterThanOrEqual(7);
    for (const a of alarms) {
      expect(a.alarm_actions).toContain(TOPIC);
      expect(a.ok_actions).toEqual([TOPIC]);
    }
    expect(runRules(configResources(json, "t"), ALL_RULES.filter((r) => r.id === "alarm-actions")).findings).toEqual([]);
  });

  it("chooses missing-data treatment per metric: silence breaches for capacity and health only", () => {
    const by = Object.fromEntries(alarms.map((a) => [a.metric_name ?? a.alarm_name, a.treat_missing_data]));
    expect(by.GroupInServiceInstances).toBe("breaching");
    expect(by.UnHealthyHostCount).toBe("breaching");
    expect(by.CPUUtilization).toBe("missing");
    expect(by.mem_used_percent).toBe("missing");
  });

  it("watches only agent metrics the agent config emits, with dimensions it publishes", () => {
    const config = cloudWatchAgentConfig({ logFiles: [] }) as any;
    const emitted = new Set<string>();
    for (const [section, body] of Object.entries<any>(config.metrics.metrics_collected)) for (const m of body.measurement) emitted.add(`${section}_${m}`);
    const published = new Set<string>([...Object.keys(AGENT_APPEND_DIMENSIONS), ...AGENT_AGGREGATION_DIMENSIONS.flat()]);
    const agentAlarms = alarms.filter((a) => a.namespace === AGENT_NAMESPACE);
    expect(agentAlarms.map((a) => a.metric_name).sort()).toEqual(["disk_used_percent", "mem_used_percent"]);
    for (const a of agentAlarms) {
      expect(emitted.has(a.metric_name)).toBe(true);
      const dims = Object.keys(a.dimensions);
      // The group roll-up exists only because the agent aggregates by AutoScalingGroupName.
      expect(AGENT_AGGREGATION_DIMENSIONS.some((agg) => agg.includes("AutoScalingGroupName"))).toBe(true);
      for (const d of dims) expect(published.has(d) || d === "path").toBe(true);
      if (dims.includes("path")) expect(config.metrics.metrics_collected.disk.resources).toContain(a.dimensions.path);
    }
  });

  it("adds anomaly bands on network traffic when asked", () => {
    const bands = alarms.filter((a) => a.comparison_operator === "LessThanLowerOrGreaterThanUpperThreshold");
    expect(bands.map((a) => a.alarm_name).sort()).toEqual(["prod-app-NetworkIn-anomaly", "prod-app-NetworkOut-anomaly"]);
    expect(bands[0].metric_query[1].expression).toBe("ANOMALY_DETECTION_BAND(m, 2)");
  });

  it("validates thresholds, periods, evaluation periods and datapoints with named errors (200 runs)", () => {
    fc.assert(
      fc.property(
        fc.record({ threshold: fc.integer({ min: -10, max: 150 }), periodSeconds: fc.constantFrom(10, 30, 45, 60, 90, 120, 300, 0), evaluationPeriods: fc.integer({ min: 0, max: 5 }), datapointsToAlarm: fc.integer({ min: 0, max: 6 }) }),
        (cpu) => {
          const valid =
            cpu.threshold >= 1 && cpu.threshold <= 100 && (cpu.periodSeconds === 10 || cpu.periodSeconds === 30 || (cpu.periodSeconds >= 60 && cpu.periodSeconds % 60 === 0)) && cpu.evaluationPeriods >= 1 && cpu.datapointsToAlarm >= 1 && cpu.datapointsToAlarm <= cpu.evaluationPeriods;
          try {
            const out = synthJson((s) => new AsgAlarms(s, "a", { ...props, cpu }));
            expect(valid).toBe(true);
            expect(resourcesOf(out, "aws_cloudwatch_metric_alarm")["a_cpu-high"]).toMatchObject({ threshold: cpu.threshold, period: cpu.periodSeconds, evaluation_periods: cpu.evaluationPeriods, datapoints_to_alarm: cpu.datapointsToAlarm });
          } catch (e) {
            expect(e).toBeInstanceOf(BulwarkValidationError);
            expect((e as Error).message).toMatch(/^test\/a: cpu\.(threshold|periodSeconds|evaluationPeriods|datapointsToAlarm) /);
            expect(valid).toBe(false);
          }
        },
      ),
      { numRuns: 200, seed: 20261126 },
    );
  });
});

describe("InstanceAlarms", () => {
  it("recovers on system check failure, reboots on instance check failure, and pages through a composite", () => {
    const json = synthJson((s) => new InstanceAlarms(s, "i", { name: "db", instanceId: "i-0123456789abcdef0", topicArn: TOPIC, burstVolumes: { logs: "vol-0123456789abcdef0" } }));
    const alarms = resourcesOf(json, "aws_cloudwatch_metric_alarm");
    expect(alarms["i_status-system"].alarm_actions).toEqual([TOPIC, "arn:aws:automate:eu-west-1:ec2:recover"]);
    expect(alarms["i_status-instance"].alarm_actions).toEqual([TOPIC, "arn:aws:automate:eu-west-1:ec2:reboot"]);
    const composite = resourcesOf(json, "aws_cloudwatch_composite_alarm").i_unhealthy;
    // References, not names: Terraform creates the member alarms before the composite.
    expect(composite.alarm_rule).toBe(
      ["i_status-system", "i_status-instance", "i_agent-mem-used-percent", "i_agent-disk-used-percent"].map((a) => `ALARM("\${aws_cloudwatch_metric_alarm.${a}.alarm_name}")`).join(" OR "),
    );
    expect(composite.ok_actions).toEqual([TOPIC]);
    expect(alarms["i_burst-balance-logs"]).toMatchObject({ namespace: "AWS/EBS", metric_name: "BurstBalance", comparison_operator: "LessThanThreshold", dimensions: { VolumeId: "vol-0123456789abcdef0" } });
  });
});

describe("CisAlarms", () => {
  it("creates a filter and an alarm with actions for each of the 14 controls, which bulwark check accepts", () => {
    const json = synthJson((s) => new CisAlarms(s, "cis", { name: "prod", logGroupName: "/trail", alarmTopicArn: TOPIC }));
    expect(Object.keys(resourcesOf(json, "aws_cloudwatch_log_metric_filter"))).toHaveLength(14);
    expect(Object.keys(resourcesOf(json, "aws_cloudwatch_metric_alarm"))).toHaveLength(14);
    const rule = ALL_RULES.filter((r) => r.id === "cis-cloudtrail-alarms");
    expect(runRules(configResources(json, "t"), rule).findings).toEqual([]);
    for (const c of CIS_ALARM_CONTROLS) expect(controlOfPattern(c.pattern)?.key).toBe(c.key);
  });

  it("disables or retunes a control only with a reason, and check then reports the gap", () => {
    expect(() => synthJson((s) => new CisAlarms(s, "cis", { name: "p", logGroupName: "/t", alarmTopicArn: TOPIC, overrides: { "vpc-changes": { reason: "", disabled: true } } }))).toThrow(
      /overrides.vpc-changes.reason "" must say why/,
    );
    const json = synthJson((s) => new CisAlarms(s, "cis", { name: "p", logGroupName: "/t", alarmTopicArn: TOPIC, overrides: { "vpc-changes": { reason: "VPCs are managed by a central team", disabled: true } } }));
    const findings = runRules(configResources(json, "t"), ALL_RULES.filter((r) => r.id === "cis-cloudtrail-alarms")).findings;
    expect(findings.map((f) => f.controls.securityHub)).toEqual([["CloudWatch.14"]]);
  });
});

/**
 * The CloudWatch agent configuration the hardened user data installs, and the metric
 * catalogue the alarms module builds its agent alarms from. One definition serves both, so
 * an alarm can never watch a metric the agent does not emit (a common failure of agent
 * alarms: the metric exists only per instance while the alarm asks for AutoScalingGroupName).
 */

/** Namespace the agent publishes to. */
export const AGENT_NAMESPACE = "CWAgent";

/** Dimensions the agent attaches to every metric (`append_dimensions`). */
export const AGENT_APPEND_DIMENSIONS = {
  /** The instance's Auto Scaling group, which group-wide alarms select on. */
  AutoScalingGroupName: "${aws:AutoScalingGroupName}",
  /** The AMI the instance runs. */
  ImageId: "${aws:ImageId}",
  /** The instance, which per-instance alarms and dashboards select on. */
  InstanceId: "${aws:InstanceId}",
  /** The instance type. */
  InstanceType: "${aws:InstanceType}",
} as const;

/** Roll-ups the agent also publishes, so alarms can watch a whole group or one instance. */
export const AGENT_AGGREGATION_DIMENSIONS: readonly (readonly string[])[] = [["AutoScalingGroupName"], ["InstanceId"]];

/** An agent metric an alarm may reference. */
export interface AgentMetric {
  /** Metric name as published (`<section>_<measurement>`). */
  readonly metricName: string;
  /** Agent config section and measurement that produce it. */
  readonly section: "mem" | "disk" | "swap";
  /** Measurement within the section, e.g. `used_percent`. */
  readonly measurement: string;
  /** Extra fixed dimensions the metric carries (disk metrics are per mount point). */
  readonly fixedDimensions?: Record<string, string>;
  /** CloudWatch unit the agent publishes the metric in. */
  readonly unit: "Percent";
}

/** The metrics the agent collects on every bulwark host: memory, swap and root-disk use, in percent. */
export const AGENT_METRICS: readonly AgentMetric[] = [
  { metricName: "mem_used_percent", section: "mem", measurement: "used_percent", unit: "Percent" },
  { metricName: "swap_used_percent", section: "swap", measurement: "used_percent", unit: "Percent" },
  {
    metricName: "disk_used_percent",
    section: "disk",
    measurement: "used_percent",
    fixedDimensions: { path: "/" },
    unit: "Percent",
  },
];

/** A host log file the agent ships, and where. */
export interface AgentLogFile {
  /** Absolute path on the host, e.g. `/var/log/secure`. */
  readonly filePath: string;
  /** CloudWatch Logs group that receives it (one stream per instance). */
  readonly logGroupName: string;
}

/** Inputs of `cloudWatchAgentConfig`. */
export interface AgentConfigOptions {
  /** Log files shipped to CloudWatch Logs. */
  readonly logFiles: readonly AgentLogFile[];
  /** Metrics collection interval in seconds. @default 60 */
  readonly intervalSeconds?: number;
}

/** The agent's JSON configuration (amazon-cloudwatch-agent.json). */
export function cloudWatchAgentConfig(options: AgentConfigOptions): Record<string, unknown> {
  const metrics: Record<string, unknown> = {};
  for (const m of AGENT_METRICS) {
    const section = (metrics[m.section] ?? { measurement: [] }) as { measurement: string[]; resources?: string[] };
    section.measurement.push(m.measurement);
    if (m.section === "disk") {
      section.resources = [...new Set(AGENT_METRICS.filter((x) => x.section === "disk").map((x) => x.fixedDimensions!.path))];
      (section as Record<string, unknown>).ignore_file_system_types = ["sysfs", "devtmpfs", "tmpfs", "overlay"];
    }
    metrics[m.section] = section;
  }
  return {
    agent: { metrics_collection_interval: options.intervalSeconds ?? 60, run_as_user: "cwagent" },
    metrics: {
      namespace: AGENT_NAMESPACE,
      append_dimensions: AGENT_APPEND_DIMENSIONS,
      aggregation_dimensions: AGENT_AGGREGATION_DIMENSIONS,
      metrics_collected: metrics,
    },
    logs: {
      logs_collected: {
        files: {
          collect_list: options.logFiles.map((f) => ({
            file_path: f.filePath,
            log_group_name: f.logGroupName,
            log_stream_name: "{instance_id}",
            retention_in_days: -1,
          })),
        },
      },
    },
  };
}

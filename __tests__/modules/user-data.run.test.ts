import * as path from "node:path";
import { Testing } from "cdktf";
import * as ipaddr from "ipaddr.js";
import { parse } from "yaml";
import { Bastion } from "../../modules/bastion";
import { loadEnvironmentFile } from "../../examples/config";
import { EnvironmentStack } from "../../examples/environment-stack";
import { AGENT_METRICS, AGENT_NAMESPACE, buildUserData } from "../../modules/launch-template";
import { resourcesOf, synthJson, synthStack, TfJson } from "../support/synth";
import { runUserData, testRoot, UserDataRun } from "../support/test-root";

/**
 * The Ubuntu recipe, executed: the real cloud-init runs the user data that the stacks carry in a
 * Debian root (scripts/test-root.sh), and the assertions read what the host ended up with, through
 * the host's own tools (sshd -T, nft, apt-config, systemctl), never the script text.
 * docs/TESTING.md says what is stubbed and why, and what of the Amazon Linux recipe is checked here.
 */

const ED25519 = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGQ5M1dCbQlXl3Tz8m0m8dzMeqZpSE1CkYcmxZBHkFfW alice@laptop";
const REPO = path.join(__dirname, "..", "..");

function userDataOf(json: TfJson, template: string): string {
  return Buffer.from(resourcesOf(json, "aws_launch_template")[template].user_data as string, "base64").toString("utf8");
}

/** `sshd -T` output as a map (keys lower-case, as sshd prints them). */
function sshdSettings(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split("\n")) {
    const m = /^(\S+) (.*)$/.exec(line);
    if (m && !out.has(m[1])) out.set(m[1], m[2]);
  }
  return out;
}

/** Accept rules of the loaded `inet bulwark` table: protocol/port → sources. */
function nftAccepts(ruleset: string): Map<string, string[]> {
  const table = /table inet bulwark \{([\s\S]*?)\n\}/.exec(ruleset)?.[1] ?? "";
  const out = new Map<string, string[]>();
  for (const m of table.matchAll(/ip6? saddr (\{ ([^}]*) \}|(\S+)) (tcp|udp) dport (\d+) accept/g)) {
    const key = `${m[4]}/${m[5]}`;
    const sources = (m[2] ?? m[3]).split(",").map((s) => s.trim());
    out.set(key, [...(out.get(key) ?? []), ...sources].sort());
  }
  return out;
}

/**
 * CIDRs as merged address intervals: nft lists a set merged (10.0.0.0/24 and 10.0.1.0/24 as
 * 10.0.0.0/23), so the comparison is of the addresses admitted, not of their spelling.
 */
function intervals(cidrs: readonly string[]): string[] {
  const ranges = cidrs
    .map((c) => {
      const num = (a: ipaddr.IPv4 | ipaddr.IPv6) => BigInt("0x" + Buffer.from(a.toByteArray()).toString("hex"));
      if (c.includes("-")) {
        // nft prints a merged run that is no CIDR as first-last.
        const [first, last] = c.split("-").map((a) => ipaddr.parse(a.trim()));
        return { family: first.kind(), start: num(first), end: num(last) };
      }
      const [addr, len] = ipaddr.parseCIDR(c.includes("/") ? c : `${c}/${c.includes(":") ? 128 : 32}`);
      const bits = addr.kind() === "ipv4" ? 32 : 128;
      const start = num(addr) & ~((1n << BigInt(bits - len)) - 1n);
      return { family: addr.kind(), start, end: start + (1n << BigInt(bits - len)) - 1n };
    })
    .sort((a, b) => (a.family === b.family ? (a.start < b.start ? -1 : a.start > b.start ? 1 : 0) : a.family < b.family ? -1 : 1));
  const merged: typeof ranges = [];
  for (const r of ranges) {
    const last = merged[merged.length - 1];
    if (last && last.family === r.family && r.start <= last.end + 1n) last.end = r.end > last.end ? r.end : last.end;
    else merged.push({ ...r });
  }
  return merged.map((r) => `${r.family} ${r.start.toString(16)}-${r.end.toString(16)}`);
}

/** Ingress of one security group by protocol/port → CIDR sources, or `group:<ref>` for group references. */
function ingressOf(json: TfJson, groupRef: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const rule of Object.values(resourcesOf(json, "aws_vpc_security_group_ingress_rule"))) {
    if (rule.security_group_id !== groupRef) continue;
    expect(rule.from_port).toBe(rule.to_port);
    const key = `${rule.ip_protocol}/${rule.from_port}`;
    const source = rule.cidr_ipv4 ?? rule.cidr_ipv6 ?? `group:${rule.referenced_security_group_id}`;
    out.set(key, [...(out.get(key) ?? []), source].sort());
  }
  return out;
}

let root: string;
beforeAll(() => {
  root = testRoot();
});

describe("the Ubuntu recipe of the prod app tier, run twice by cloud-init", () => {
  const prod = loadEnvironmentFile(path.join(REPO, "examples", "environments", "prod.yaml"), REPO);
  const json = synthStack(new EnvironmentStack(Testing.app(), { ...prod, os: "ubuntu" })) as TfJson;
  let run: UserDataRun;
  beforeAll(() => {
    run = runUserData(root, userDataOf(json, "app_template"), 2);
  });

  it("finishes every cloud-init stage without an error and installs what the recipe asks for", () => {
    for (const pass of [1, 2]) {
      expect(JSON.parse(run.read("result", pass)).v1.errors).toEqual([]);
      expect(run.read("cloud-init", pass)).not.toMatch(/Traceback/);
    }
    expect(run.read("packages", 1).trim().split("\n").sort()).toEqual([
      "amazon-cloudwatch-agent install ok installed",
      "nftables install ok installed",
      "rsyslog install ok installed",
      "unattended-upgrades install ok installed",
    ]);
    // The agent came from the region's bucket, found through IMDSv2 (token first).
    const curl = run.read("curl", 1);
    expect(curl).toMatch(/PUT http:\/\/169\.254\.169\.254\/latest\/api\/token/);
    expect(curl).toContain("https://amazoncloudwatch-agent-eu-west-1.s3.eu-west-1.amazonaws.com/ubuntu/amd64/latest/amazon-cloudwatch-agent.deb");
  });

  it("sshd -T: no root login, no passwords, no X11 forwarding", () => {
    const sshd = sshdSettings(run.read("sshd-T", 1));
    expect(sshd.get("permitrootlogin")).toBe("no");
    expect(sshd.get("passwordauthentication")).toBe("no");
    expect(sshd.get("kbdinteractiveauthentication")).toBe("no");
    expect(sshd.get("permitemptypasswords")).toBe("no");
    expect(sshd.get("x11forwarding")).toBe("no");
    expect(sshd.get("maxauthtries")).toBe("3");
    expect(sshd.get("logingracetime")).toBe("30");
    expect(sshd.get("clientaliveinterval")).toBe("300");
    // No forwarding restriction asked for on the app tier: sshd's defaults stand.
    expect(sshd.get("allowtcpforwarding")).toBe("yes");
  });

  it("loads the host firewall: default drop, and exactly the security group's ports from the load balancer's subnets", () => {
    const loaded = run.read("nft-ruleset", 1);
    expect(loaded).toMatch(/type filter hook input priority filter; policy drop;/);
    expect(run.read("nft-check", 1).trim()).toBe("ok");
    const sg = ingressOf(json, "${aws_security_group.security-groups_app_group.id}");
    const accepts = nftAccepts(loaded);
    expect([...accepts.keys()].sort()).toEqual([...sg.keys()].sort());
    expect(sg.get("tcp/8080")).toEqual(["group:${aws_security_group.security-groups_web_group.id}"]);
    // The web group sits in the public subnets: the host admits exactly their ranges.
    const publicCidrs = Object.values(resourcesOf(json, "aws_subnet"))
      .filter((s) => s.tags?.Tier === "public" || String(s.tags?.Name ?? "").includes("public"))
      .map((s) => s.cidr_block as string)
      .sort();
    expect(publicCidrs).toHaveLength(3);
    expect(intervals(accepts.get("tcp/8080")!)).toEqual(intervals(publicCidrs));
  });

  it("configures unattended upgrades as apt-config reads them", () => {
    const apt = run.read("apt-config", 1);
    expect(apt).toContain('APT::Periodic::Update-Package-Lists "1";');
    expect(apt).toContain('APT::Periodic::Unattended-Upgrade "1";');
    // The package's own defaults name the security archive (Debian here; Ubuntu's say -security too).
    expect(apt).toMatch(/Unattended-Upgrade::Origins-Pattern:: ".*-security.*";/);
  });

  it("disables the unneeded services and enables the ones the recipe relies on", () => {
    const units = Object.fromEntries(run.read("units", 1).trim().split("\n").map((l) => l.split(" ")));
    expect(units).toEqual({
      rpcbind: "disabled",
      "rpcbind.socket": "disabled",
      "avahi-daemon": "disabled",
      "avahi-daemon.socket": "disabled",
      nftables: "enabled",
      "unattended-upgrades": "enabled",
      rsyslog: "enabled",
      ssh: "enabled",
    });
    // Started, stopped and reloaded as the recipe asks (recorded by the systemctl stand-in).
    const calls = run.read("systemctl", 1);
    for (const call of ["enable --now unattended-upgrades", "enable --now nftables", "disable --now rpcbind", "disable --now avahi-daemon", "reload sshd"]) {
      expect(calls).toContain(`systemctl ${call}\n`);
    }
  });

  it("gives the CloudWatch agent the configuration the alarms expect", () => {
    const agent = JSON.parse(run.read("agent", 1));
    expect(run.read("agent-ctl", 1).trim()).toBe("-a fetch-config -m ec2 -s -c file:/opt/aws/amazon-cloudwatch-agent/etc/amazon-cloudwatch-agent.json");
    expect(agent.metrics.namespace).toBe(AGENT_NAMESPACE);
    const rollups: string[][] = agent.metrics.aggregation_dimensions;
    const alarms = Object.values(resourcesOf(json, "aws_cloudwatch_metric_alarm")).filter((a) => a.namespace === AGENT_NAMESPACE);
    expect(alarms.length).toBeGreaterThanOrEqual(2);
    for (const alarm of alarms) {
      const metric = AGENT_METRICS.find((m) => m.metricName === alarm.metric_name)!;
      expect(agent.metrics.metrics_collected[metric.section].measurement).toContain(metric.measurement);
      // Every dimension the alarm asks for is a roll-up the agent publishes, or the measurement's own.
      const own = Object.keys(metric.fixedDimensions ?? {});
      const rolled = Object.keys(alarm.dimensions).filter((d) => !own.includes(d)).sort();
      expect(rollups.map((r) => [...r].sort().join(","))).toContain(rolled.join(","));
      for (const d of own) expect(agent.metrics.metrics_collected[metric.section].resources).toContain(alarm.dimensions[d]);
    }
    // The log groups the agent writes to are the ones the stack creates (with their retention and key).
    const groups = Object.values(resourcesOf(json, "aws_cloudwatch_log_group")).map((g) => g.name);
    for (const f of agent.logs.logs_collected.files.collect_list) {
      expect(groups).toContain(f.log_group_name);
      expect(["/var/log/syslog", "/var/log/auth.log", "/var/log/cloud-init-output.log"]).toContain(f.file_path);
    }
  });

  it("changes nothing on a second run: files, firewall and sshd the same", () => {
    expect(run.read("snapshot", 2)).toBe(run.read("snapshot", 1));
    expect(run.read("nft-ruleset", 2)).toBe(run.read("nft-ruleset", 1));
    expect(run.read("sshd-T", 2)).toBe(run.read("sshd-T", 1));
    // The first run did change the host: the recipe's own files appeared.
    const before = run.read("snapshot", 0);
    const after = run.read("snapshot", 1);
    for (const file of ["etc/ssh/sshd_config.d/00-bulwark.conf", "etc/nftables/bulwark.nft"]) {
      expect(before).not.toContain(`${file} `);
      expect(after).toMatch(new RegExp(`^${file} 600 root:root `, "m"));
    }
    // The host started with automatic updates off (run-user-data.sh): the recipe turned them on.
    expect(before).toMatch(/^etc\/apt\/apt.conf.d\/20auto-upgrades 644 root:root \d+ (\w+)$/m);
    expect(after.match(/^etc\/apt\/apt.conf.d\/20auto-upgrades .*$/m)![0]).not.toBe(before.match(/^etc\/apt\/apt.conf.d\/20auto-upgrades .*$/m)![0]);
  });
});

describe("the Ubuntu recipe of an SSH bastion, run by cloud-init", () => {
  const base = {
    vpcId: "vpc-1",
    vpcCidr: "10.0.0.0/16",
    subnetIds: { "eu-west-1a": "subnet-a" },
    endpointsSecurityGroupId: "sg-endpoints",
    image: { amiId: "ami-0123456789abcdef0" },
    os: "ubuntu" as const,
    kmsKeyArn: "arn:aws:kms:eu-west-1:111111111111:key/0b7c7a10-5a54-4f1c-9a9b-5f0b6c2d1e3f",
    alarmTopicArn: "arn:aws:sns:eu-west-1:111111111111:alarms",
  };
  const bastion = (restrictForwarding: boolean) =>
    synthJson(
      (s) =>
        new Bastion(s, "bastion", {
          ...base,
          name: "ops-bastion",
          mode: "ssh",
          ssh: { allowlist: { office: "203.0.113.0/28", vpn: "10.8.0.0/16" }, publicKeys: { alice: ED25519 }, restrictForwarding, awsCliOnImage: true },
        }),
    );

  it.each([
    [true, { allowtcpforwarding: "no", allowagentforwarding: "no", permittunnel: "no" }],
    [false, { allowtcpforwarding: "yes", allowagentforwarding: "yes", permittunnel: "no" }],
  ])("restrictForwarding %s: sshd -T shows the forwarding asked for; the firewall admits SSH from the allowlist only", (restrict, forwarding) => {
    const json = bastion(restrict);
    const run = runUserData(root, userDataOf(json, "bastion_launch-template_template"));
    expect(JSON.parse(run.read("result", 1)).v1.errors).toEqual([]);
    const sshd = sshdSettings(run.read("sshd-T", 1));
    expect({
      allowtcpforwarding: sshd.get("allowtcpforwarding"),
      allowagentforwarding: sshd.get("allowagentforwarding"),
      permittunnel: sshd.get("permittunnel"),
    }).toEqual(forwarding);
    expect(sshd.get("permitrootlogin")).toBe("no");
    expect(sshd.get("passwordauthentication")).toBe("no");
    expect(sshd.get("allowusers")).toBe("ubuntu");
    expect(sshd.get("authorizedkeyscommand")).toBe("/usr/local/bin/bulwark-authorized-keys %u");
    expect(sshd.get("authorizedkeyscommanduser")).toBe("nobody");
    const sg = ingressOf(json, "${aws_security_group.bastion_security-group_group.id}");
    expect(sg.get("tcp/22")).toEqual(["10.8.0.0/16", "203.0.113.0/28"]);
    const accepts = nftAccepts(run.read("nft-ruleset", 1));
    expect([...accepts.keys()]).toEqual(["tcp/22"]);
    expect(intervals(accepts.get("tcp/22")!)).toEqual(intervals(sg.get("tcp/22")!));
    // The keys script's own sshd file took effect: sshd was asked to reload after it.
    expect(run.read("systemctl", 1)).toMatch(/reload sshd\n(?:.*\n)*systemctl reload sshd/);
  });
});

describe("the Amazon Linux 2023 recipe's files, read by the real parsers (its packages cannot run here)", () => {
  it("sshd and nft accept them, and dnf-automatic applies security updates", () => {
    const text = buildUserData({ os: "amazon-linux-2023", logGroupPrefix: "/bulwark/t", firewallAllow: { app: { port: 8080, sources: ["10.0.0.0/24"] } } });
    const cfg = parse(text) as { write_files: { path: string; content: string }[] };
    // A cloud-config that writes the Amazon Linux files only, run by the same cloud-init.
    const filesOnly = "#cloud-config\n" + JSON.stringify({ write_files: cfg.write_files, runcmd: [["sh", "-c", "python3 - > /var/log/dnf-automatic.ini <<'PY'\nimport configparser\nc = configparser.ConfigParser()\nc.read('/etc/dnf/automatic.conf')\nfor s in c.sections():\n    for k, v in c[s].items(): print(f'{s}.{k}={v}')\nPY"]] });
    const run = runUserData(root, filesOnly);
    expect(JSON.parse(run.read("result", 1)).v1.errors).toEqual([]);
    const sshd = sshdSettings(run.read("sshd-T", 1));
    expect(sshd.get("permitrootlogin")).toBe("no");
    expect(sshd.get("passwordauthentication")).toBe("no");
    expect(run.read("nft-check-al", 1).trim()).toBe("ok");
    expect(run.read("dnf-automatic", 1).trim().split("\n")).toEqual([
      "commands.upgrade_type=security",
      "commands.download_updates=yes",
      "commands.apply_updates=yes",
      "emitters.emit_via=stdio",
    ]);
  });
});

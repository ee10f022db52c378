import { spawnSync } from "node:child_process";
import { parse } from "yaml";
import {
  AGENT_METRICS,
  AGENT_NAMESPACE,
  buildUserData,
  cloudWatchAgentConfig,
  findSecret,
  nftablesRuleset,
  sshdConfig,
} from "../../modules/launch-template";

function cloudConfig(text: string): Record<string, any> {
  expect(text.startsWith("#cloud-config\n")).toBe(true);
  return parse(text) as Record<string, any>;
}

describe("hardening user data", () => {
  it.each(["amazon-linux-2023", "ubuntu"] as const)("%s: sshd, updates, firewall, agent, services", (os) => {
    const cfg = cloudConfig(buildUserData({ os, logGroupPrefix: "/bulwark/t" }));
    expect(cfg.ssh_pwauth).toBe(false);
    expect(cfg.disable_root).toBe(true);
    const files = Object.fromEntries((cfg.write_files as { path: string; content: string }[]).map((f) => [f.path, f.content]));
    expect(files["/etc/ssh/sshd_config.d/00-bulwark.conf"]).toMatch(/^PermitRootLogin no$/m);
    expect(files["/etc/ssh/sshd_config.d/00-bulwark.conf"]).toMatch(/^PasswordAuthentication no$/m);
    expect(files["/etc/nftables/bulwark.nft"]).toContain("policy drop;");
    const agent = JSON.parse(files["/opt/aws/amazon-cloudwatch-agent/etc/amazon-cloudwatch-agent.json"]);
    expect(agent.metrics.namespace).toBe("CWAgent");
    const runcmd = JSON.stringify(cfg.runcmd);
    expect(runcmd).toContain("amazon-cloudwatch-agent-ctl");
    expect(runcmd).toContain("systemctl disable --now rpcbind");
    if (os === "amazon-linux-2023") {
      expect(cfg.packages).toContain("dnf-automatic");
      expect(files["/etc/dnf/automatic.conf"]).toMatch(/^apply_updates = yes$/m);
      expect(agent.logs.logs_collected.files.collect_list.map((f: { file_path: string }) => f.file_path)).toContain("/var/log/secure");
    } else {
      expect(cfg.packages).toContain("unattended-upgrades");
      expect(files["/etc/apt/apt.conf.d/20auto-upgrades"]).toContain('Unattended-Upgrade "1"');
      expect(agent.logs.logs_collected.files.collect_list.map((f: { file_path: string }) => f.file_path)).toContain("/var/log/auth.log");
      // The agent comes from the region's bucket (reachable through an S3 gateway endpoint), found with IMDSv2.
      const fetch = (cfg.runcmd as unknown[]).find((c): c is string => typeof c === "string" && c.includes("amazon-cloudwatch-agent.deb"))!;
      expect(fetch).toContain("https://amazoncloudwatch-agent-$REGION.s3.$REGION.amazonaws.com/ubuntu/");
      expect(fetch).toContain("X-aws-ec2-metadata-token: $TOKEN");
      expect(spawnSync("bash", ["-n"], { input: fetch, encoding: "utf8" }).status).toBe(0);
      // Ubuntu's AMIs ship the SSM agent as a snap: stopping snapd would cut Session Manager off.
      expect(runcmd).not.toMatch(/snapd|amazon-ssm-agent/);
    }
  });

  it("allowlists only the named ports and sources, per address family, in name order", () => {
    const rules = nftablesRuleset({
      "https-alb": { port: 443, sources: ["10.0.0.0/24", "fd00::/64"] },
      "app-metrics": { port: 9100, protocol: "tcp", sources: ["10.0.1.0/24"] },
    });
    const accepts = rules.split("\n").filter((l) => l.includes("dport"));
    expect(accepts).toEqual([
      '    ip saddr { 10.0.1.0/24 } tcp dport 9100 accept comment "app-metrics"',
      '    ip saddr { 10.0.0.0/24 } tcp dport 443 accept comment "https-alb"',
      '    ip6 saddr { fd00::/64 } tcp dport 443 accept comment "https-alb"',
    ]);
  });

  it.each([
    [{ x: { port: 0, sources: ["10.0.0.0/8"] } }, /firewallAllow.x.port/],
    [{ x: { port: 22, sources: ["10.0.0.0/33"] } }, /not a valid IPv4 or IPv6 CIDR/],
    [{ x: { port: 22, sources: [] } }, /at least one CIDR/],
    [{ "1bad": { port: 22, sources: ["10.0.0.0/8"] } }, /not a rule name/],
  ])("refuses a bad firewall rule %j", (allow, message) => {
    expect(() => nftablesRuleset(allow)).toThrow(message);
  });

  it("adds AllowUsers only when users are named", () => {
    expect(sshdConfig([])).not.toContain("AllowUsers");
    expect(sshdConfig(["ops", "deploy"])).toMatch(/^AllowUsers ops deploy$/m);
  });

  it("wraps extra parts as MIME multipart after bulwark's cloud-config", () => {
    const text = buildUserData({ os: "ubuntu", logGroupPrefix: "/p", extraParts: [{ contentType: "text/x-shellscript", content: "#!/bin/sh\necho hi" }] });
    expect(text).toMatch(/^Content-Type: multipart\/mixed; boundary="(.+)"/);
    const parts = text.split(/--==BULWARK-USER-DATA==/).slice(1, -1);
    expect(parts).toHaveLength(2);
    expect(parts[0]).toContain("text/cloud-config");
    expect(parts[1]).toContain("text/x-shellscript");
    expect(parts[1]).toContain("echo hi");
  });

  it("finds AWS secrets and private keys but not ordinary config", () => {
    expect(findSecret("export AWS_ACCESS_KEY_ID=AKIAABCDEFGHIJKLMNOP")?.what).toBe("an AWS access key id");
    expect(findSecret("aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")?.what).toBeDefined();
    expect(findSecret("-----BEGIN OPENSSH PRIVATE KEY-----\nabc")?.what).toBe("a private key");
    expect(findSecret(buildUserData({ os: "amazon-linux-2023", logGroupPrefix: "/p" }))).toBeUndefined();
    expect(findSecret("AKIA-not-a-key")).toBeUndefined();
  });

  it("emits every catalogued agent metric, with the group roll-up", () => {
    const cfg = cloudWatchAgentConfig({ logFiles: [] }) as any;
    for (const m of AGENT_METRICS) {
      expect(cfg.metrics.metrics_collected[m.section].measurement).toContain(m.measurement);
    }
    expect(cfg.metrics.namespace).toBe(AGENT_NAMESPACE);
    expect(cfg.metrics.append_dimensions.AutoScalingGroupName).toBe("${aws:AutoScalingGroupName}");
    expect(cfg.metrics.aggregation_dimensions).toContainEqual(["AutoScalingGroupName"]);
  });
});

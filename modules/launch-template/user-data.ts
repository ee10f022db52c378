import { Token } from "cdktf";
import { stringify } from "yaml";
import { cidrProblem, parseCidr } from "../core/cidr";
import { formatValue } from "../core/errors";
import { AgentLogFile, cloudWatchAgentConfig } from "./cloudwatch-agent";

/**
 * A typed cloud-init builder for hardened hosts (Amazon Linux 2023 and Ubuntu):
 * SSH without root login or passwords, automatic security updates, a default-deny host
 * firewall with an allowlist, the CloudWatch agent with the bulwark metric set, and
 * unneeded services off. Caller parts are appended as further MIME parts.
 */

/** Operating systems the user-data recipe knows: package manager, update service, log file paths and root device differ. */
export type OperatingSystem = "amazon-linux-2023" | "ubuntu";
/** Every `OperatingSystem`; `os` is checked against it. */
export const OPERATING_SYSTEMS: readonly OperatingSystem[] = ["amazon-linux-2023", "ubuntu"];

/** One allowlist entry of the host firewall; the name is its key and nft comment. */
export interface HostFirewallRule {
  /** Destination port on the host, 1–65535. */
  readonly port: number;
  /** Transport protocol of the port. @default "tcp" */
  readonly protocol?: "tcp" | "udp";
  /** IPv4 or IPv6 CIDRs allowed to reach the port. */
  readonly sources: readonly string[];
}

/** A MIME part of your own, added to the instance's user data after bulwark's cloud-config. */
export interface UserDataPart {
  /** `text/x-shellscript` runs once at first boot; `text/cloud-config` merges with bulwark's. */
  readonly contentType: "text/x-shellscript" | "text/cloud-config";
  /** The part's text, as cloud-init receives it; it must hold no secret (user data is readable by anyone who can describe the instance). */
  readonly content: string;
}

/** Inputs of the cloud-init document `buildUserData` writes; `HardenedLaunchTemplate` takes them as `userData` (less `os` and `logGroupPrefix`, which it sets). */
export interface HardenedUserDataProps {
  /** Operating system of the AMI; selects the package manager, update service and log files. */
  readonly os: OperatingSystem;
  /**
   * Inbound allowlist of the host firewall, keyed by rule name. Everything else inbound is
   * dropped (established/related traffic, loopback and ICMP excepted).
   * @default {} — nothing inbound; Session Manager needs no inbound port
   */
  readonly firewallAllow?: Readonly<Record<string, HostFirewallRule>>;
  /**
   * Users allowed to log in over SSH (`AllowUsers`).
   * @default [] — no AllowUsers line; root and passwords are refused regardless
   */
  readonly sshAllowUsers?: readonly string[];
  /** Log group name prefix for system, auth and cloud-init logs, e.g. `/bulwark/dev/app`. */
  readonly logGroupPrefix: string;
  /**
   * Services stopped and disabled at boot when present.
   * @default rpcbind, cups, avahi-daemon, postfix (snapd stays on Ubuntu: its AMIs ship the SSM
   * agent as a snap, and Session Manager and patching depend on it)
   */
  readonly disableServices?: readonly string[];
  /** Appended after bulwark's cloud-config, in order. @default [] */
  readonly extraParts?: readonly UserDataPart[];
}

/** User data larger than this is refused by EC2 (raw, before base64). */
export const USER_DATA_LIMIT_BYTES = 16 * 1024;

/** Services stopped and disabled at boot per OS when `disableServices` is not given. */
export const DEFAULT_DISABLED_SERVICES: Readonly<Record<OperatingSystem, readonly string[]>> = {
  "amazon-linux-2023": ["rpcbind", "cups", "avahi-daemon", "postfix"],
  // Not snapd: Ubuntu's AMIs ship the SSM agent as a snap, and snapd keeps it updated.
  ubuntu: ["rpcbind", "cups", "avahi-daemon", "postfix"],
};

/** A systemd unit name `disableServices` accepts (letters, digits, `@`, `.`, `_`, `-`). */
export const SERVICE_NAME_PATTERN = /^[A-Za-z0-9@._-]+$/;

/** Log files per OS and the log group suffix each goes to. */
export function hostLogFiles(os: OperatingSystem, prefix: string): AgentLogFile[] {
  const files =
    os === "ubuntu"
      ? { system: "/var/log/syslog", auth: "/var/log/auth.log" }
      : { system: "/var/log/messages", auth: "/var/log/secure" };
  return [
    { filePath: files.system, logGroupName: `${prefix}/system` },
    { filePath: files.auth, logGroupName: `${prefix}/auth` },
    { filePath: "/var/log/cloud-init-output.log", logGroupName: `${prefix}/cloud-init` },
  ];
}

/** Suffixes of the host log groups (`<prefix>/system`, `<prefix>/auth`, `<prefix>/cloud-init`) that the CloudWatch agent writes to. */
export const LOG_GROUP_SUFFIXES = ["system", "auth", "cloud-init"] as const;

/** A problem with user-data input; the launch template turns it into a named error. */
export class UserDataProblem extends Error {
  /**
   * @param field the input at fault, e.g. `firewallAllow.https.port`
   * @param value the offending value
   * @param problem what is wrong, phrased to follow the value
   */
  constructor(
    public readonly field: string,
    public readonly value: unknown,
    public readonly problem: string,
  ) {
    super(`${field} ${formatValue(value)} ${problem}`);
  }
}

/**
 * The sshd drop-in (`/etc/ssh/sshd_config.d/00-bulwark.conf`): no root login, no passwords or
 * keyboard-interactive login, three tries, unresponsive clients dropped after ten minutes, and an
 * `AllowUsers` line when `allowUsers` names anyone.
 */
export function sshdConfig(allowUsers: readonly string[]): string {
  const lines = [
    "# bulwark: first match wins in sshd, so this file sorts before distribution defaults",
    "PermitRootLogin no",
    "PasswordAuthentication no",
    "KbdInteractiveAuthentication no",
    "PermitEmptyPasswords no",
    "X11Forwarding no",
    "MaxAuthTries 3",
    "LoginGraceTime 30",
    "ClientAliveInterval 300",
    "ClientAliveCountMax 2",
  ];
  if (allowUsers.length > 0) lines.push(`AllowUsers ${allowUsers.join(" ")}`);
  return lines.join("\n") + "\n";
}

/**
 * The host firewall as an nftables ruleset: inbound dropped except established traffic,
 * loopback, ICMP and one accept line per allowlist rule and address family, in name order.
 * @throws UserDataProblem for a bad rule name, port, protocol or CIDR
 */
export function nftablesRuleset(allow: Readonly<Record<string, HostFirewallRule>>): string {
  const rules: string[] = [];
  for (const name of Object.keys(allow).sort()) {
    const rule = allow[name];
    if (!/^[A-Za-z][A-Za-z0-9-]{0,62}$/.test(name)) {
      throw new UserDataProblem("firewallAllow", name, "is not a rule name (a letter, then letters, digits or hyphens)");
    }
    if (!Number.isInteger(rule.port) || rule.port < 1 || rule.port > 65535) {
      throw new UserDataProblem(`firewallAllow.${name}.port`, rule.port, "must be a port between 1 and 65535");
    }
    const protocol = rule.protocol ?? "tcp";
    if (protocol !== "tcp" && protocol !== "udp") {
      throw new UserDataProblem(`firewallAllow.${name}.protocol`, protocol, "must be tcp or udp");
    }
    if (rule.sources.length === 0) {
      throw new UserDataProblem(`firewallAllow.${name}.sources`, rule.sources, "must name at least one CIDR");
    }
    const v4: string[] = [];
    const v6: string[] = [];
    for (const cidr of rule.sources) {
      const problem = cidrProblem(cidr);
      if (problem) throw new UserDataProblem(`firewallAllow.${name}.sources`, cidr, problem);
      (parseCidr(cidr)!.family === "ipv4" ? v4 : v6).push(cidr);
    }
    if (v4.length) rules.push(`    ip saddr { ${v4.join(", ")} } ${protocol} dport ${rule.port} accept comment "${name}"`);
    if (v6.length) rules.push(`    ip6 saddr { ${v6.join(", ")} } ${protocol} dport ${rule.port} accept comment "${name}"`);
  }
  return [
    "#!/usr/sbin/nft -f",
    "# bulwark host firewall: default deny inbound, allowlist below",
    "table inet bulwark",
    "delete table inet bulwark",
    "table inet bulwark {",
    "  chain input {",
    "    type filter hook input priority 0; policy drop;",
    "    ct state established,related accept",
    "    ct state invalid drop",
    '    iif "lo" accept',
    "    meta l4proto { icmp, ipv6-icmp } accept",
    ...rules,
    "  }",
    "}",
    "",
  ].join("\n");
}

function cloudConfig(props: HardenedUserDataProps): Record<string, unknown> {
  const os = props.os;
  const agentConfig = JSON.stringify(cloudWatchAgentConfig({ logFiles: hostLogFiles(os, props.logGroupPrefix) }), null, 2);
  const agentPath = "/opt/aws/amazon-cloudwatch-agent/etc/amazon-cloudwatch-agent.json";
  const disable = props.disableServices ?? DEFAULT_DISABLED_SERVICES[os];
  for (const svc of disable) {
    if (!SERVICE_NAME_PATTERN.test(svc)) throw new UserDataProblem("disableServices", svc, "is not a systemd unit name");
  }
  const writeFiles: Record<string, unknown>[] = [
    { path: "/etc/ssh/sshd_config.d/00-bulwark.conf", permissions: "0600", content: sshdConfig(props.sshAllowUsers ?? []) },
    { path: "/etc/nftables/bulwark.nft", permissions: "0600", content: nftablesRuleset(props.firewallAllow ?? {}) },
    { path: agentPath, permissions: "0644", content: agentConfig + "\n" },
  ];
  const runcmd: (string | string[])[] = [];
  let packages: string[];
  if (os === "amazon-linux-2023") {
    packages = ["dnf-automatic", "nftables", "rsyslog", "amazon-cloudwatch-agent"];
    writeFiles.push(
      {
        path: "/etc/dnf/automatic.conf",
        permissions: "0644",
        content: "[commands]\nupgrade_type = security\ndownload_updates = yes\napply_updates = yes\n\n[emitters]\nemit_via = stdio\n",
      },
      { path: "/etc/sysconfig/nftables.conf", permissions: "0600", content: 'include "/etc/nftables/bulwark.nft"\n' },
    );
    runcmd.push(["systemctl", "enable", "--now", "dnf-automatic.timer"], ["systemctl", "enable", "--now", "rsyslog"]);
  } else {
    packages = ["unattended-upgrades", "nftables", "rsyslog"];
    writeFiles.push(
      {
        path: "/etc/apt/apt.conf.d/20auto-upgrades",
        permissions: "0644",
        content: 'APT::Periodic::Update-Package-Lists "1";\nAPT::Periodic::Unattended-Upgrade "1";\n',
      },
      { path: "/etc/nftables.conf", permissions: "0600", content: '#!/usr/sbin/nft -f\ninclude "/etc/nftables/bulwark.nft"\n' },
    );
    runcmd.push(
      // The agent is not in Ubuntu's archive; AWS publishes the package per architecture, in a
      // bucket per region: the region's bucket is reachable through the VPC's S3 gateway
      // endpoint when there is no NAT (a gateway endpoint reaches its own region only).
      "TOKEN=$(curl -fsS -X PUT http://169.254.169.254/latest/api/token -H 'X-aws-ec2-metadata-token-ttl-seconds: 60') && " +
        'REGION=$(curl -fsS -H "X-aws-ec2-metadata-token: $TOKEN" http://169.254.169.254/latest/meta-data/placement/region) && ' +
        "curl -fsSL -o /tmp/amazon-cloudwatch-agent.deb https://amazoncloudwatch-agent-$REGION.s3.$REGION.amazonaws.com/ubuntu/$(dpkg --print-architecture)/latest/amazon-cloudwatch-agent.deb && " +
        "dpkg -i /tmp/amazon-cloudwatch-agent.deb",
      ["systemctl", "enable", "--now", "unattended-upgrades"],
    );
  }
  runcmd.push(
    ["systemctl", "enable", "--now", "nftables"],
    ["nft", "-f", "/etc/nftables/bulwark.nft"],
    ["/opt/aws/amazon-cloudwatch-agent/bin/amazon-cloudwatch-agent-ctl", "-a", "fetch-config", "-m", "ec2", "-s", "-c", `file:${agentPath}`],
    ...[...disable].sort().map((svc) => `systemctl disable --now ${svc} 2>/dev/null || true`),
    // Debian/Ubuntu name the unit ssh, Amazon Linux sshd.
    "systemctl reload sshd 2>/dev/null || systemctl reload ssh",
  );
  return {
    ssh_pwauth: false,
    disable_root: true,
    package_update: true,
    package_upgrade: true,
    packages,
    write_files: writeFiles,
    runcmd,
  };
}

/** The MIME boundary of multipart user data. */
export const USER_DATA_BOUNDARY = "==BULWARK-USER-DATA==";

/** The head of multipart user data, before its parts (shared with the published launch-template module). */
export const MIME_HEADER = `Content-Type: multipart/mixed; boundary="${USER_DATA_BOUNDARY}"\nMIME-Version: 1.0\n\n`;
/** The end of multipart user data, after its parts. */
export const MIME_FOOTER = `--${USER_DATA_BOUNDARY}--\n`;

/** One part of multipart user data; `index` is the part's number as two digits (`00`, `01`, ...). */
export function mimePart(contentType: string, content: string, index: string): string {
  return `--${USER_DATA_BOUNDARY}\nContent-Type: ${contentType}; charset="utf-8"\nMIME-Version: 1.0\n` + `Content-Disposition: attachment; filename="part-${index}"\n\n${content}\n`;
}

/** The raw user data (not base64): a cloud-config document, or MIME multipart with extra parts. */
export function buildUserData(props: HardenedUserDataProps): string {
  const extra = props.extraParts ?? [];
  // When a caller part holds a Terraform reference the whole text becomes a Terraform
  // template: escape `${` / `%{` in bulwark's own literal text (the agent config uses
  // `${aws:InstanceId}`). Callers escape the literal text of their own templated parts.
  const templated = Token.isUnresolved(props.logGroupPrefix) || extra.some((p) => Token.isUnresolved(p.content));
  const literal = (text: string) => (templated ? escapeTemplate(text) : text);
  const config = literal("#cloud-config\n" + stringify(cloudConfig(props), { lineWidth: 0 }));
  if (extra.length === 0) return config;
  const parts = [
    { contentType: "text/cloud-config", content: config },
    ...extra.map((p) => ({ contentType: p.contentType, content: Token.isUnresolved(p.content) ? p.content : literal(p.content) })),
  ].map((p, i) => mimePart(p.contentType, p.content, String(i).padStart(2, "0")));
  return `${MIME_HEADER}${parts.join("")}${MIME_FOOTER}`;
}

// In a file without cdktf: `bulwark check` reads user data for secrets without loading the constructs.
export { findSecret, SECRET_PATTERNS } from "./secrets";

/**
 * Escapes Terraform template sequences so literal text survives interpolation. cdktf's own
 * token markers (`${TfToken[...]}`) are left alone: they become the references.
 */
export function escapeTemplate(text: string): string {
  // A function replacement: in a replacement string "$$" would mean one "$".
  return text.replace(/\$\{(?!TfToken\[)/g, () => "$${").replace(/%\{/g, () => "%%{");
}

/**
 * Ports and protocols, defined once for the constructs, the compliance rules and the published
 * modules: what counts as an admin or high-risk port, and how Terraform spells protocols.
 */

/** SSH and RDP (Security Hub EC2.53/EC2.54, EC2.21; CIS 5.2–5.4). */
export const ADMIN_PORTS = [22, 3389] as const;

/**
 * Ports Security Hub EC2.19 treats as high-risk when open to the internet, besides 22 and 3389
 * (ADMIN_PORTS, also on EC2.19's list: the rule that judges them names EC2.19 among its controls):
 * FTP, Telnet, SMTP, POP3, RPC, IMAP, SMB, SQL Server, Grafana-style dev servers, MySQL,
 * PostgreSQL, Kibana, Elasticsearch, proxies.
 */
export const HIGH_RISK_PORTS = [20, 21, 23, 25, 110, 135, 143, 445, 1433, 1434, 3000, 3306, 4333, 5000, 5432, 5500, 5601, 8080, 8088, 8888, 9200, 9300] as const;

/** Ports that may be open to the internet by default (Security Hub EC2.18's authorizedTcpPorts). */
export const DEFAULT_AUTHORIZED_PORTS = [80, 443] as const;

/** A protocol as AWS matches it. `all` also covers every port. */
export type Protocol = "all" | "tcp" | "udp" | "icmp" | "icmpv6" | `proto-${number}`;

/**
 * Reads a protocol however Terraform spells it: `-1`, `all`, `tcp`/`6`, `udp`/`17`,
 * `icmp`/`1`, `icmpv6`/`58`, other numbers; case and whitespace ignored. Undefined when it is
 * none of these.
 */
export function parseProtocol(value: unknown): Protocol | undefined {
  const text = String(value ?? "").trim().toLowerCase();
  if (text === "-1" || text === "all") return "all";
  if (text === "tcp" || text === "6") return "tcp";
  if (text === "udp" || text === "17") return "udp";
  if (text === "icmp" || text === "1") return "icmp";
  if (text === "icmpv6" || text === "58") return "icmpv6";
  if (/^\d+$/.test(text) && Number(text) <= 255) return `proto-${Number(text)}`;
  return undefined;
}

/** Protocols with ports. */
export function hasPorts(p: Protocol): boolean {
  return p === "tcp" || p === "udp" || p === "all";
}

import { listedPaths } from "../exposure/paths";
import { Rule, RuleFinding } from "../model";
import { exposureNoInternetAdmin } from "./exposure-no-internet-admin";

export const exposureInternetViaLoadBalancer: Rule = {
  id: "exposure-internet-via-load-balancer",
  title: "The internet reaches instances only through a load balancer",
  severity: "error",
  scope: "resource",
  controls: { securityHub: ["EC2.9"] },
  rationale:
    "An instance the internet reaches directly is patched, logged and filtered only as well as its own host is; a load balancer in front terminates TLS, takes the WAF and keeps the instance's address private. The path is followed through routes, public addresses, ACLs (both ways) and security groups.",
  remediation: "Put instances in private subnets without public addresses and publish them through a load balancer's listener and target group.",
  check: (ctx) =>
    listedPaths(ctx)
      .filter((p) => p.source.kind === "internet" && p.destination.kind !== "load balancer" && p.via.length === 0)
      .map((p): RuleFinding => ({
        resource: p.resource,
        subject: `${p.protocol} ${p.ports.join("-")} from ${p.source.id}`,
        message: `the internet (${p.source.id}) reaches ${p.destination.kind} ${p.destination.address} directly on ${p.protocol} ${p.ports[0] === p.ports[1] ? p.ports[0] : p.ports.join("-")}`,
        ...(p.status === "unverifiable" ? { unverifiable: true as const } : {}),
      })),
  fixtures: exposureNoInternetAdmin.fixtures,
};

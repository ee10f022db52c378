/**
 * `bulwark exposure`: paths through routes, ACLs (both ways) and security groups, on hand-built
 * topologies with known answers (traps included), on the reference environments, and as
 * properties (a deny never opens a path; the order rules are written in changes nothing).
 */
import * as fc from "fast-check";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ALL_RULES, buildContext, configResources, runRules } from "../../compliance";
import { exposurePaths, listedPaths } from "../../compliance/exposure/paths";
import { allowedRanges, naclRuleSets } from "../../compliance/families/network";
import { cidrRange } from "../../modules/core/cidr";
import { evaluateFlow, resolveRules } from "../../modules/network-acl/rules";
import { Network } from "../../modules/network";
import { referenceSynth, SynthRun } from "../support/app";
import { synthJson } from "../support/synth";
import { bulwark } from "../support/cli";
import { albToPrivateGroup, instanceIn, Res, sshGroup, vpc } from "../support/topologies";

const paths = (resource: Res) => listedPaths(buildContext(configResources({ resource }, "s"))).map((p) => `${p.status} ${p.source.kind}:${p.source.id} -> ${p.destination.address} ${p.protocol} ${p.ports.join("-")}${p.via.length ? ` via ${p.via.join(">")}` : ""}`);

describe("paths on hand-built topologies", () => {
  it("finds the internet reaching SSH on an instance with a public address in a public subnet", () => {
    expect(paths(vpc({ aws_security_group: { ssh: sshGroup }, aws_instance: { a: instanceIn("public") } }))).toEqual(["open internet:0.0.0.0/0 -> aws_instance.a tcp 22-22"]);
  });

  it("finds no path from the internet when the ACL lets the request in but not the reply out (a stateless trap)", () => {
    const acl = {
      aws_network_acl: { pub: { vpc_id: "${aws_vpc.v.id}", subnet_ids: ["${aws_subnet.public.id}"] } },
      aws_network_acl_rule: {
        in: { network_acl_id: "${aws_network_acl.pub.id}", rule_number: 100, egress: false, protocol: "6", rule_action: "allow", cidr_block: "0.0.0.0/0", from_port: 22, to_port: 22 },
        out: { network_acl_id: "${aws_network_acl.pub.id}", rule_number: 100, egress: true, protocol: "6", rule_action: "allow", cidr_block: "10.0.0.0/16", from_port: 1024, to_port: 65535 },
      },
    };
    // The reply may go back inside the VPC only: the subnets reach it, the internet does not.
    expect(paths(vpc({ aws_security_group: { ssh: sshGroup }, aws_instance: { a: instanceIn("public") }, ...acl }))).toEqual(["open subnet:aws_subnet.public -> aws_instance.a tcp 22-22", "open subnet:aws_subnet.private -> aws_instance.a tcp 22-22"]);
    // With the reply allowed, the path opens (and covers the subnets' own).
    const replied = structuredClone(acl);
    (replied.aws_network_acl_rule.out as Record<string, unknown>).cidr_block = "0.0.0.0/0";
    expect(paths(vpc({ aws_security_group: { ssh: sshGroup }, aws_instance: { a: instanceIn("public") }, ...replied }))).toEqual(["open internet:0.0.0.0/0 -> aws_instance.a tcp 22-22"]);
  });

  it("finds no path from the internet to a world-open group in a private subnet without a route out, only the VPC's subnets; none to a group attached to nothing", () => {
    expect(paths(vpc({ aws_security_group: { ssh: sshGroup }, aws_instance: { a: { ...instanceIn("private"), associate_public_ip_address: true } } }))).toEqual([
      "open subnet:aws_subnet.public -> aws_instance.a tcp 22-22",
      "open subnet:aws_subnet.private -> aws_instance.a tcp 22-22",
    ]);
    expect(paths(vpc({ aws_security_group: { ssh: sshGroup } }))).toEqual([]);
  });

  it("finds no inbound IPv6 path through an egress-only gateway, and one through an internet gateway", () => {
    const v6 = (gateway: Record<string, string>) => {
      const r = vpc({
        aws_egress_only_internet_gateway: { e: { vpc_id: "${aws_vpc.v.id}" } },
        aws_route: { v6: { route_table_id: "${aws_route_table.public.id}", destination_ipv6_cidr_block: "::/0", ...gateway } },
        aws_security_group: { ssh: { ...sshGroup, ingress: [{ protocol: "tcp", from_port: 22, to_port: 22, ipv6_cidr_blocks: ["::/0"], description: "ssh" }] } },
        aws_instance: { a: instanceIn("public") },
      });
      r.aws_subnet.public.ipv6_cidr_block = "2001:db8:1::/64";
      r.aws_subnet.public.assign_ipv6_address_on_creation = true;
      return r;
    };
    // Only its own subnet has IPv6 addresses to reach it from.
    expect(paths(v6({ egress_only_gateway_id: "${aws_egress_only_internet_gateway.e.id}" }))).toEqual(["open subnet:aws_subnet.public -> aws_instance.a tcp 22-22"]);
    expect(paths(v6({ gateway_id: "${aws_internet_gateway.igw.id}" }))).toEqual(["open internet:::/0 -> aws_instance.a tcp 22-22"]);
  });

  it("follows the internet through a load balancer to private instances on the target port, and never straight to them", () => {
    const lb = albToPrivateGroup();
    expect(paths(lb).sort()).toEqual([
      "open internet:0.0.0.0/0 -> aws_autoscaling_group.app tcp 8080-8080 via aws_lb.alb>aws_lb_listener.https>aws_lb_target_group.t",
      "open internet:0.0.0.0/0 -> aws_lb.alb tcp 443-443",
      "open security-group:aws_security_group.web -> aws_autoscaling_group.app tcp 8080-8080 via aws_lb.alb",
    ]);
  });

  it("reaches a load balancer only on its listeners' ports; a network load balancer without groups filters nothing", () => {
    const lbs = vpc({
      aws_security_group: { wide: { vpc_id: "${aws_vpc.v.id}", description: "lb", ingress: [{ protocol: "tcp", from_port: 0, to_port: 65535, cidr_blocks: ["0.0.0.0/0"], description: "all" }] } },
      aws_lb: {
        alb: { internal: false, subnets: ["${aws_subnet.public.id}"], security_groups: ["${aws_security_group.wide.id}"] },
        nlb: { internal: false, load_balancer_type: "network", subnets: ["${aws_subnet.public.id}"] },
      },
      aws_lb_listener: {
        https: { load_balancer_arn: "${aws_lb.alb.arn}", port: 443, protocol: "HTTPS", default_action: [{ type: "fixed-response" }] },
        tcp: { load_balancer_arn: "${aws_lb.nlb.arn}", port: 5432, protocol: "TCP", default_action: [{ type: "fixed-response" }] },
      },
    });
    expect(paths(lbs).filter((p) => p.includes(" tcp ")).sort()).toEqual(["open internet:0.0.0.0/0 -> aws_lb.alb tcp 443-443", "open internet:0.0.0.0/0 -> aws_lb.nlb tcp 5432-5432"]);
  });

  it("reports a path whose source is not known until apply as unverifiable, never open or closed", () => {
    const unknownSource = vpc({ aws_security_group: { ssh: { ...sshGroup, ingress: [{ protocol: "tcp", from_port: 22, to_port: 22, cidr_blocks: ["${var.admin}"], description: "ssh" }] } }, aws_instance: { a: instanceIn("public") } });
    expect(paths(unknownSource)).toEqual([
      "unverifiable internet:0.0.0.0/0 -> aws_instance.a tcp 22-22",
      "unverifiable subnet:aws_subnet.public -> aws_instance.a tcp 22-22",
      "unverifiable subnet:aws_subnet.private -> aws_instance.a tcp 22-22",
    ]);
  });

  it("names a public CIDR source that is not the whole internet", () => {
    const office = vpc({ aws_security_group: { ssh: { ...sshGroup, ingress: [{ protocol: "tcp", from_port: 22, to_port: 22, cidr_blocks: ["203.0.113.0/24"], description: "office" }] } }, aws_instance: { a: instanceIn("public") } });
    expect(paths(office)).toEqual(["open cidr:203.0.113.0/24 -> aws_instance.a tcp 22-22"]);
  });

  it("lets the whole private tier of a Network reach an endpoint's interfaces in other zones, and keeps the public and isolated tiers out", () => {
    // The Network construct's own ACLs in three zones, an endpoint with interfaces in two of them: the
    // third zone's private subnet reaches it only across subnets, through both ACLs both ways.
    const json = synthJson((s) => new Network(s, "net", { name: "prod", cidr: "10.0.0.0/16", availabilityZones: ["eu-west-1a", "eu-west-1b", "eu-west-1c"], tiers: ["public", "private", "isolated"], natGateways: "single", interfaceEndpoints: ["ssm"] }));
    const resource = json.resource as Res;
    const endpoint = resource.aws_vpc_endpoint["net_endpoint-ssm"];
    expect(endpoint.subnet_ids).toHaveLength(3);
    endpoint.subnet_ids = ["${aws_subnet.net_subnet-private-eu-west-1a.id}", "${aws_subnet.net_subnet-private-eu-west-1b.id}"];
    const found = listedPaths(buildContext(configResources({ resource }, "s"))).map((p) => `${p.status} ${p.source.kind}:${p.source.id}${p.source.name ? ` (${p.source.name})` : ""} -> ${p.destination.address} ${p.protocol} ${p.ports.join("-")}`);
    expect(found).toEqual(["open subnet:tier:private -> aws_vpc_endpoint.net_endpoint-ssm tcp 443-443"]);
  });
});

describe("properties", () => {
  const ruleArb = fc.record({
    n: fc.integer({ min: 1, max: 300 }),
    action: fc.constantFrom("allow", "deny"),
    cidr: fc.constantFrom("0.0.0.0/0", "0.0.0.0/1", "128.0.0.0/1", "10.0.0.0/8", "203.0.113.0/24"),
    from: fc.constantFrom(0, 22, 1024),
    span: fc.constantFrom(0, 100, 65535),
  });
  type AclRule = { n: number; action: string; cidr: string; from: number; span: number };
  const withAcl = (ingress: AclRule[], extraDeny?: AclRule) => {
    const rules: Record<string, Record<string, unknown>> = { reply: { network_acl_id: "${aws_network_acl.pub.id}", rule_number: 100, egress: true, protocol: "-1", rule_action: "allow", cidr_block: "0.0.0.0/0", from_port: 0, to_port: 0 } };
    const all = extraDeny ? [...ingress, { ...extraDeny, action: "deny" }] : ingress;
    all.forEach((r, i) => (rules[`r${i}`] = { network_acl_id: "${aws_network_acl.pub.id}", rule_number: r.n + i * 300, egress: false, protocol: "6", rule_action: r.action, cidr_block: r.cidr, from_port: r.from, to_port: Math.min(65535, r.from + r.span) }));
    return vpc({
      aws_security_group: { ssh: { ...sshGroup, ingress: [{ protocol: "-1", from_port: 0, to_port: 0, cidr_blocks: ["0.0.0.0/0"], description: "all" }] } },
      aws_instance: { a: instanceIn("public") },
      aws_network_acl: { pub: { vpc_id: "${aws_vpc.v.id}", subnet_ids: ["${aws_subnet.public.id}"] } },
      aws_network_acl_rule: rules,
    });
  };
  /** Every (source, port) open to the instance, from the internet, a public range or the VPC's subnets. */
  const internetPorts = (res: Res) => {
    const open = new Set<string>();
    for (const p of exposurePaths(buildContext(configResources({ resource: res }, "s"))))
      if (p.protocol === "tcp" && p.status === "open") for (const port of [0, 22, 80, 1024, 3389, 65535]) if (p.ports[0] <= port && port <= p.ports[1]) open.add(`${p.source.kind} ${p.source.id} ${port}`);
    return open;
  };

  it("adding a deny rule never opens a path", () => {
    fc.assert(
      fc.property(fc.array(ruleArb, { maxLength: 5 }), ruleArb, (rules, deny) => {
        const before = internetPorts(withAcl(rules));
        const after = internetPorts(withAcl(rules, deny));
        return [...after].every((p) => before.has(p));
      }),
      { seed: 20, numRuns: 60 },
    );
  });

  it("agrees with the construct's flow evaluator on every NACL rule set, port and address", () => {
    const ruleArbs = fc.dictionary(
      fc.stringMatching(/^[a-z][a-z0-9]{0,6}$/),
      fc.record({
        direction: fc.constantFrom("ingress", "egress") as fc.Arbitrary<"ingress" | "egress">,
        action: fc.constantFrom("allow", "deny") as fc.Arbitrary<"allow" | "deny">,
        protocol: fc.constantFrom("tcp", "udp", "all") as fc.Arbitrary<"tcp" | "udp" | "all">,
        fromPort: fc.integer({ min: 0, max: 2000 }),
        span: fc.integer({ min: 0, max: 3000 }),
        cidr: fc.constantFrom("0.0.0.0/0", "0.0.0.0/1", "10.0.0.0/8", "10.1.0.0/16", "203.0.113.0/24", "128.0.0.0/2"),
        allowWorldAdminAccess: fc.constant({ reason: "property test of the evaluator" }),
      }),
      { maxKeys: 6 },
    );
    fc.assert(
      fc.property(ruleArbs, fc.constantFrom("ingress", "egress"), fc.constantFrom("tcp", "udp"), fc.integer({ min: 0, max: 5000 }), fc.constantFrom("10.1.2.3", "10.200.0.1", "203.0.113.9", "8.8.8.8", "150.1.1.1", "0.0.0.1"), (raw, direction, protocol, port, remote) => {
        const rules = Object.fromEntries(
          Object.entries(raw).map(([name, r]) => [name, r.protocol === "all" ? { direction: r.direction, action: r.action, protocol: r.protocol, cidr: r.cidr, allowWorldAdminAccess: r.allowWorldAdminAccess } : { direction: r.direction, action: r.action, protocol: r.protocol, fromPort: r.fromPort, toPort: r.fromPort + r.span, cidr: r.cidr, allowWorldAdminAccess: r.allowWorldAdminAccess }]),
        );
        const resolved = resolveRules(rules).rules;
        const expected = evaluateFlow(resolved, { direction: direction as "ingress" | "egress", protocol: protocol as "tcp" | "udp", port, remote }).action === "allow";
        // The same rules as Terraform resources, read by the checker's model.
        const res = {
          aws_network_acl: { a: { vpc_id: "vpc-1", subnet_ids: ["subnet-1"] } },
          aws_network_acl_rule: Object.fromEntries(resolved.map((r) => [r.name, { network_acl_id: "${aws_network_acl.a.id}", rule_number: r.ruleNumber, egress: r.direction === "egress", protocol: r.protocol, rule_action: r.action, cidr_block: r.cidr, from_port: r.fromPort, to_port: r.toPort }])),
        };
        const set = naclRuleSets(buildContext(configResources({ resource: res }, "s"))).find((x) => x.owner)!;
        const allowed = allowedRanges(set, direction as "ingress" | "egress", protocol as "tcp" | "udp", port, "ipv4", true).certain;
        const at = cidrRange(`${remote}/32`)!.range[0];
        const actual = allowed.some(([lo, hi]) => lo <= at && at <= hi);
        return actual === expected;
      }),
      { seed: 22, numRuns: 300 },
    );
  });

  it("the order rules are written in changes nothing", () => {
    fc.assert(
      fc.property(fc.array(ruleArb, { minLength: 1, maxLength: 5 }), (rules) => {
        const res = withAcl(rules);
        const reversed = structuredClone(res);
        reversed.aws_network_acl_rule = Object.fromEntries(Object.entries(res.aws_network_acl_rule).reverse());
        return JSON.stringify([...internetPorts(res)].sort()) === JSON.stringify([...internetPorts(reversed)].sort());
      }),
      { seed: 21, numRuns: 40 },
    );
  });
});

describe("bulwark exposure on the reference environments", () => {
  let synth: SynthRun;
  beforeAll(() => {
    synth = referenceSynth();
  });

  it("finds exactly the paths docs/EXPOSURE.md writes down", () => {
    const run = bulwark(["exposure", synth.outdir, "--format", "json"]);
    expect(run.status).toBe(0);
    const out = JSON.parse(run.stdout) as { paths: { source: { kind: string; id: string }; destination: { stack: string; address: string }; ports: number[]; via: string[]; status: string }[]; summary: unknown };
    const lines = out.paths.map((p) => `${p.status} ${p.source.kind} ${p.source.id} -> ${p.destination.stack}/${p.destination.address} ${p.ports.join("-")}${p.via.length ? ` via ${p.via[0]}` : ""}`).sort();
    const documented = fs
      .readFileSync(path.join(__dirname, "..", "..", "docs", "EXPOSURE.md"), "utf8")
      .split("\n")
      .filter((l) => l.startsWith("    open ") || l.startsWith("    unverifiable "))
      .map((l) => l.trim())
      .sort();
    expect(lines).toEqual(documented);
    expect(out.summary).toEqual({ open: 18, unverifiable: 0 });
    // dev has no ingress from outside its VPC: only its private tier reaches the endpoints, on HTTPS.
    expect(lines.filter((l) => l.includes(" dev/")).every((l) => l.startsWith("open subnet tier:private -> dev/aws_vpc_endpoint.") && l.endsWith(" 443-443"))).toBe(true);
  });

  it("tags the tiers, and catches a data tier opened to anything but the app tier", () => {
    const prod = JSON.parse(fs.readFileSync(path.join(synth.outdir, "stacks", "prod", "cdk.tf.json"), "utf8"));
    const groups = Object.entries<any>(prod.resource.aws_security_group);
    const tierOf = (suffix: string) => groups.find(([k]) => k.endsWith(`_${suffix}_group`))![1].tags["bulwark:tier"];
    expect(["web", "app", "data"].map(tierOf)).toEqual(["web", "app", "data"]);
    // Layered defence stops a web → data rule in prod (the web group's egress and the data ACL): judge the
    // rule on a topology where nothing else stops it.
    const tiered = (source: "app" | "web") =>
      vpc({
        aws_security_group: {
          web: { vpc_id: "${aws_vpc.v.id}", description: "web", tags: { "bulwark:tier": "web" }, egress: [{ protocol: "-1", from_port: 0, to_port: 0, cidr_blocks: ["10.0.0.0/16"], description: "all" }] },
          app: { vpc_id: "${aws_vpc.v.id}", description: "app", tags: { "bulwark:tier": "app" }, egress: [{ protocol: "-1", from_port: 0, to_port: 0, cidr_blocks: ["10.0.0.0/16"], description: "all" }] },
          data: { vpc_id: "${aws_vpc.v.id}", description: "data", tags: { "bulwark:tier": "data" }, ingress: [{ protocol: "tcp", from_port: 5432, to_port: 5432, security_groups: [`\${aws_security_group.${source}.id}`], description: "db" }] },
        },
        aws_instance: { w: instanceIn("private", "web"), a: instanceIn("private", "app"), db: instanceIn("private", "data") },
      });
    const findings = (res: Res) => runRules(configResources({ resource: res }, "s"), ALL_RULES.filter((r) => r.id === "exposure-tier-isolation")).findings.map((f) => `${f.address}: ${f.message}`);
    expect(findings(tiered("app"))).toEqual([]);
    expect(findings(tiered("web"))).toEqual(["aws_instance.db: security-group aws_security_group.web (tier web) reaches the data tier (aws_instance.db) on tcp 5432; only app may"]);
  });

  it("filters, renders Mermaid and Markdown, and exits 1 when a path rule fails", () => {
    const port = bulwark(["exposure", synth.outdir, "--port", "8080", "--from", "internet"]);
    expect(port.stdout.trim().split("\n")).toHaveLength(2);
    // A CIDR matches sources with addresses in it: prod's VPC holds its private tier, not the internet.
    expect(bulwark(["exposure", synth.outdir, "--from", "10.20.0.0/16"]).stdout.trim().split("\n").slice(-1)).toEqual(["7 open path(s), 0 unverifiable"]);
    const mermaid = bulwark(["exposure", synth.outdir, "--format", "mermaid"]).stdout;
    expect(mermaid.startsWith("flowchart LR\n")).toBe(true);
    // The picture in docs/EXPOSURE.md is the one the command draws today.
    const doc = fs.readFileSync(path.join(__dirname, "..", "..", "docs", "EXPOSURE.md"), "utf8");
    expect(doc).toContain("```mermaid\n" + mermaid + "```");
    expect(mermaid).toMatch(/-- "tcp 8080" --> /);
    // SVG drawn offline by Graphviz (WebAssembly); the docs' picture is today's.
    const svg = bulwark(["exposure", synth.outdir, "--format", "svg"]);
    expect(svg.status).toBe(0);
    expect(svg.stdout).toMatch(/<svg [^>]*viewBox=/);
    expect(svg.stdout).toContain("prod/aws_lb.load&#45;balancer_alb");
    expect(fs.readFileSync(path.join(__dirname, "..", "..", "docs", "exposure-reference.svg"), "utf8")).toBe(svg.stdout);
    expect(bulwark(["exposure", synth.outdir, "--format", "md"]).stdout).toMatch(/^### bulwark exposure: 18 open path\(s\), 0 unverifiable/);
    expect(bulwark(["exposure", synth.outdir, "--port", "http"]).stderr.trim()).toBe("bulwark: --port http: must be a port 0-65535");

    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bulwark-exposure-"));
    fs.writeFileSync(path.join(dir, "main.tf.json"), JSON.stringify({ resource: vpc({ aws_security_group: { ssh: sshGroup }, aws_instance: { a: instanceIn("public") } }) }));
    const bad = bulwark(["exposure", dir]);
    expect(bad.status).toBe(1);
    expect(bad.stdout).toMatch(/^open\s+internet \(0\.0\.0\.0\/0\) → [^/ ]+\/aws_instance\.a tcp 22$/m);
  });
});

describe("bulwark diff lists the paths a change opens and closes", () => {
  it("opens the internet to SSH where the office had it, and --fail-on exposure exits 1", () => {
    const config = (cidr: string) => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bulwark-exposure-diff-"));
      const res = vpc({ aws_security_group: { ssh: { ...sshGroup, ingress: [{ protocol: "tcp", from_port: 22, to_port: 22, cidr_blocks: [cidr], description: "ssh" }] } }, aws_instance: { a: instanceIn("public") } });
      fs.writeFileSync(path.join(dir, "main.tf.json"), JSON.stringify({ resource: res }));
      return dir;
    };
    const base = config("203.0.113.0/24");
    const head = config("0.0.0.0/0");
    const run = bulwark(["diff", "--base", base, "--head", head, "--format", "json"]);
    const out = JSON.parse(run.stdout) as { exposure: { opened: { source: { kind: string; id: string }; ports: number[] }[]; closed: { source: { kind: string; id: string } }[] } };
    expect(out.exposure.opened.map((p) => `${p.source.kind} ${p.source.id} ${p.ports.join("-")}`)).toEqual(["internet 0.0.0.0/0 22-22"]);
    expect(out.exposure.closed.map((p) => `${p.source.kind} ${p.source.id}`)).toEqual(["cidr 203.0.113.0/24"]);
    const md = bulwark(["diff", "--base", base, "--head", head]).stdout;
    expect(md).toMatch(/#### Exposure: 1 path\(s\) opened\n\n- the internet \(0\.0\.0\.0\/0\) → /);
    expect(md.indexOf("Exposure: 1 path(s) opened")).toBeLessThan(md.indexOf("<details>") === -1 ? Infinity : md.indexOf("<details>"));
    expect(bulwark(["diff", "--base", base, "--head", head, "--fail-on", "exposure"]).status).toBe(1);
    expect(bulwark(["diff", "--base", head, "--head", base, "--fail-on", "exposure"]).status).toBe(0);
  });
});

/**
 * Every Mermaid diagram bulwark emits, parsed by Mermaid's own parser (the `mermaid` package in a
 * node process, see support/mermaid-parse.mjs): the exposure pictures of hand-built topologies,
 * the pictures in the docs, and names chosen to break the syntax or inject markup. A diagram must
 * parse, and every box and edge label must read in a browser exactly as the path says.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { buildContext, configResources } from "../../compliance";
import { ExposurePath, listedPaths as exposurePaths } from "../../compliance/exposure/paths";
import { exposureMarkdown, exposureMermaid, MERMAID_LIMITS } from "../../compliance/exposure/render";
import { planResources } from "../../compliance/load";
import { mermaidBlocks, MermaidResult, parseMermaid } from "../support/mermaid";
import { albToPrivateGroup, instanceIn, Res, sshGroup, vpc } from "../support/topologies";

const ROOT = path.join(__dirname, "..", "..");
const pathsOf = (resource: Res) => exposurePaths(buildContext(configResources({ resource }, "s")));

/** A diagram as a browser shows it: one line per edge, `from -[label]-> to`, dotted edges marked. */
function read(result: MermaidResult): string[] {
  if (!result.ok) throw new Error(`Mermaid refused the diagram: ${result.error}`);
  const label = new Map(result.vertices.map((v) => [v.id, v.shown]));
  return result.edges.map((e) => `${label.get(e.start)} -[${e.shown}]-> ${label.get(e.end)}${e.stroke === "dotted" ? " (dotted)" : ""}`).sort();
}

/** A plan whose names carry everything that could end a label, open markup or start a Markdown string. */
const HOSTILE_KEY = 'x"]<script>alert(1)</script>`md` #quot; #35; [y] {z} (w) style:#35; |p| a\nb & c';
const HOSTILE_STACK = 'prod"<b>';
function hostilePlan(): object {
  const res = (type: string, name: string, values: object, key?: string) => ({ address: `${type}.${name}${key === undefined ? "" : `[${JSON.stringify(key)}]`}`, type, name, mode: "managed", ...(key === undefined ? {} : { index: key }), values });
  return {
    format_version: "1.2",
    values: {
      root_module: {
        resources: [
          res("aws_vpc", "v", { id: "vpc-1", cidr_block: "10.0.0.0/16" }),
          res("aws_internet_gateway", "igw", { id: "igw-1", vpc_id: "vpc-1" }),
          res("aws_route_table", "public", { id: "rtb-1", vpc_id: "vpc-1", route: [{ cidr_block: "0.0.0.0/0", ipv6_cidr_block: "::/0", gateway_id: "igw-1" }] }),
          res("aws_subnet", "public", { id: "subnet-1", vpc_id: "vpc-1", cidr_block: "10.0.1.0/24", ipv6_cidr_block: "2001:db8:1::/64", map_public_ip_on_launch: true, assign_ipv6_address_on_creation: true }),
          res("aws_route_table_association", "public", { id: "rtbassoc-1", subnet_id: "subnet-1", route_table_id: "rtb-1" }),
          res("aws_security_group", "ssh", { id: "sg-1", vpc_id: "vpc-1", ingress: [{ protocol: "tcp", from_port: 22, to_port: 22, cidr_blocks: ["0.0.0.0/0"], ipv6_cidr_blocks: ["::/0"], security_groups: [], prefix_list_ids: [], self: false, description: "ssh" }], egress: [] }),
          res("aws_instance", "a", { id: "i-1", subnet_id: "subnet-1", vpc_security_group_ids: ["sg-1"] }, HOSTILE_KEY),
        ],
      },
    },
  };
}

/** Paths whose every text field is hostile, for the parts a plan cannot reach (source ids, via). */
function hostilePaths(): ExposurePath[] {
  const [real] = exposurePaths(buildContext(planResources(hostilePlan(), "s")));
  const nasty = ["\"'`<>&#;[](){}|\\\n\r\t*_~$@!:%=", "#quot;#lt;#35;", "`md`", "line\nbreak", "<script>alert(1)</script>", "end\"]", "a --> b", "click x call alert()", "style n fill:#f00;"];
  return nasty.flatMap((n, i): ExposurePath[] => [
    { ...real, source: { kind: "cidr", id: n }, destination: { ...real.destination, stack: `st${i}${n}`, address: `aws_instance.x${i}${n}` } },
    { ...real, source: { kind: "security-group", id: `sg${i}${n}` }, destination: { ...real.destination, stack: `st${i}`, address: `aws_instance.y${i}` }, via: [`aws_lb.z${i}${n}`] },
    { ...real, source: { kind: "internet", id: "0.0.0.0/0" }, destination: { ...real.destination, stack: `st${i}`, address: `aws_instance.w${i}` }, via: [`aws_lb.v${i}${n}`, `aws_lb_listener.${n}`, "aws_lb_target_group.t"], status: "unverifiable" },
  ]);
}

/** One topology with every kind of source: a prefix list with a hostile name, a peer, tiers, an endpoint, a network load balancer. */
function everySource(): Res {
  const r = vpc({
    aws_vpc: { peer: { cidr_block: "10.1.0.0/16" } },
    aws_vpc_peering_connection: { shared: { vpc_id: "${aws_vpc.v.id}", peer_vpc_id: "${aws_vpc.peer.id}" } },
    aws_route_table: { private: { vpc_id: "${aws_vpc.v.id}", route: [{ cidr_block: "10.1.0.0/16", vpc_peering_connection_id: "${aws_vpc_peering_connection.shared.id}" }] } },
    aws_ec2_managed_prefix_list: { office: { name: HOSTILE_KEY, address_family: "IPv4", max_entries: 2, entry: [{ cidr: "203.0.113.0/24" }] } },
    aws_security_group: {
      ssh: { vpc_id: "${aws_vpc.v.id}", description: "ssh", ingress: [{ protocol: "tcp", from_port: 22, to_port: 22, prefix_list_ids: ["${aws_ec2_managed_prefix_list.office.id}", "pl-63a5400a"], description: "office" }] },
      db: { vpc_id: "${aws_vpc.v.id}", description: "db", ingress: [{ protocol: "tcp", from_port: 5432, to_port: 5432, cidr_blocks: ["10.1.0.0/16"], description: "peer" }] },
      endpoints: { vpc_id: "${aws_vpc.v.id}", description: "e", ingress: [{ protocol: "tcp", from_port: 443, to_port: 443, cidr_blocks: ["10.0.0.0/16"], description: "vpc" }] },
    },
    aws_instance: { a: instanceIn("public"), db: instanceIn("private", "db") },
    aws_vpc_endpoint: {
      ssm: { vpc_id: "${aws_vpc.v.id}", service_name: "com.amazonaws.eu-west-1.ssm", vpc_endpoint_type: "Interface", subnet_ids: ["${aws_subnet.private.id}"], security_group_ids: ["${aws_security_group.endpoints.id}"] },
      kms: { vpc_id: "${aws_vpc.v.id}", service_name: "com.amazonaws.eu-west-1.kms", vpc_endpoint_type: "Interface", subnet_ids: ["${aws_subnet.private.id}"], security_group_ids: ["${aws_security_group.endpoints.id}"] },
    },
  });
  r.aws_subnet.private.tags = { "bulwark:tier": "app" };
  return r;
}

/** `n` distinct internet paths to one instance. */
function manyPaths(n: number): ExposurePath[] {
  const [real] = pathsOf(vpc({ aws_security_group: { ssh: sshGroup }, aws_instance: { a: instanceIn("public") } }));
  return Array.from({ length: n }, (_, i) => ({ ...real, ports: [i + 1, i + 1] as const }));
}

describe("Mermaid's own parser reads every diagram bulwark draws as it was meant", () => {
  // One node process parses every diagram of this file.
  const cases: Record<string, string> = {};
  let results: Record<string, MermaidResult> = {};
  const docs = [path.join(ROOT, "README.md"), ...fs.readdirSync(path.join(ROOT, "docs")).filter((f) => f.endsWith(".md")).map((f) => path.join(ROOT, "docs", f))];
  const docBlocks = docs.flatMap((file) => mermaidBlocks(fs.readFileSync(file, "utf8")).map((text, i) => [`${path.relative(ROOT, file)}#${i}`, text] as const));

  beforeAll(() => {
    cases.ssh = exposureMermaid(pathsOf(vpc({ aws_security_group: { ssh: sshGroup }, aws_instance: { a: instanceIn("public") } })));
    cases.alb = exposureMermaid(pathsOf(albToPrivateGroup()));
    cases.unverifiable = exposureMermaid(pathsOf(vpc({ aws_security_group: { ssh: { ...sshGroup, ingress: [{ protocol: "tcp", from_port: 22, to_port: 22, cidr_blocks: ["${var.admin}"], description: "ssh" }] } }, aws_instance: { a: instanceIn("public") } })));
    cases.hostilePlan = exposureMermaid(exposurePaths(buildContext(planResources(hostilePlan(), HOSTILE_STACK))));
    cases.hostilePaths = exposureMermaid(hostilePaths());
    cases.everySource = exposureMermaid(pathsOf(everySource()));
    cases.markdown = mermaidBlocks(exposureMarkdown(pathsOf(albToPrivateGroup())))[0];
    cases.empty = exposureMermaid([]);
    cases.tooMany = exposureMermaid(manyPaths(MERMAID_LIMITS.edges + 1));
    cases.atLimit = mermaidBlocks(exposureMarkdown(manyPaths(MERMAID_LIMITS.edges)))[0];
    // A picture with one quote removed: the parser must refuse it, or this test could pass on anything.
    cases.broken = cases.alb.replace(/"tcp 443"/, '"tcp 443');
    for (const [name, text] of docBlocks) cases[name] = text;
    const names = Object.keys(cases);
    const parsed = parseMermaid(names.map((n) => cases[n]));
    results = Object.fromEntries(names.map((n, i) => [n, parsed[i]]));
  });

  it("refuses a broken picture", () => {
    expect(results.broken).toMatchObject({ ok: false, error: expect.stringMatching(/Parse error|Lexical error/) });
  });

  it("refuses a picture over Mermaid's edge limit, which the Markdown output therefore leaves out", () => {
    expect(results.tooMany).toMatchObject({ ok: false, error: expect.stringMatching(/Edge limit exceeded/) });
    const md = exposureMarkdown(manyPaths(MERMAID_LIMITS.edges + 1));
    expect(mermaidBlocks(md)).toEqual([]);
    expect(md).toContain("501 edges: too many for Mermaid to draw");
    expect(results.atLimit).toMatchObject({ ok: true });
  });

  it("reads the pictures of hand-built topologies as their paths", () => {
    expect(read(results.ssh)).toEqual(["internet (0.0.0.0/0) -[tcp 22]-> s/aws_instance.a"]);
    expect(read(results.alb)).toEqual([
      "internet (0.0.0.0/0) -[tcp 443]-> s/aws_lb.alb",
      "s/aws_lb.alb -[tcp 8080 · https]-> s/aws_autoscaling_group.app",
      "s/aws_lb.alb -[tcp 8080]-> s/aws_autoscaling_group.app",
      "security-group s/aws_security_group.web -[member]-> s/aws_lb.alb (dotted)",
    ]);
    expect(read(results.unverifiable)).toEqual([
      "internet (0.0.0.0/0) -[tcp 22]-> s/aws_instance.a (dotted)",
      "subnet s/aws_subnet.private -[tcp 22]-> s/aws_instance.a (dotted)",
      "subnet s/aws_subnet.public -[tcp 22]-> s/aws_instance.a (dotted)",
    ]);
    expect(results.empty).toMatchObject({ ok: true, vertices: [], edges: [] });
    // The Markdown output carries the same picture.
    expect(read(results.markdown)).toEqual(read(results.alb));
  });

  it("draws every kind of source, a hostile prefix-list name included, and one box for endpoints reached alike", () => {
    expect(read(results.everySource)).toEqual([
      `prefix-list s/aws_ec2_managed_prefix_list.office (${HOSTILE_KEY.replace(/\n/g, " ")}) -[tcp 22]-> s/aws_instance.a`,
      "prefix-list s/pl-63a5400a -[tcp 22]-> s/aws_instance.a (dotted)",
      "subnet s/aws_subnet.public -[tcp 443]-> s/aws_vpc_endpoint.{kms, ssm}",
      "subnet s/tier:app -[tcp 443]-> s/aws_vpc_endpoint.{kms, ssm}",
      "peering s/aws_vpc_peering_connection.shared (10.1.0.0/16) -[tcp 5432]-> s/aws_instance.db",
    ].sort());
  });

  it("keeps hostile names inside their labels, shown as written and never as markup", () => {
    const address = `aws_instance.a[${JSON.stringify(HOSTILE_KEY)}]`;
    expect(read(results.hostilePlan)).toEqual([`internet (0.0.0.0/0) -[tcp 22]-> ${HOSTILE_STACK}/${address}`, `internet (::/0) -[tcp 22]-> ${HOSTILE_STACK}/${address}`]);
    const r = results.hostilePaths;
    if (!r.ok) throw new Error(r.error);
    // Every label of every hostile path arrives whole: one edge per path plus one per group member.
    expect(r.edges).toHaveLength(hostilePaths().length + hostilePaths().filter((p) => p.source.kind === "security-group").length);
    const shown = new Set([...r.vertices.map((v) => v.shown), ...r.edges.map((e) => e.shown)]);
    for (const p of hostilePaths()) {
      const clean = (t: string) => t.replace(/[\r\n\t]+/g, " ");
      expect(shown).toContain(clean(`${p.destination.stack}/${p.destination.address}`));
      if (p.source.kind === "cidr") expect(shown).toContain(clean(`cidr ${p.source.id}`));
      if (p.source.kind === "security-group") expect(shown).toContain(clean(`security-group ${p.destination.stack}/${p.source.id}`));
      expect(shown).toContain(clean(p.via.length > 1 ? `tcp 22 · ${p.via[1].replace(/^[a-z0-9_]+\./, "")}` : "tcp 22"));
    }
    // Nothing a browser would read as markup reaches a label.
    for (const t of [...r.vertices, ...r.edges].map((x) => x.text)) expect(t).not.toMatch(/[<>"`]/);
  });

  it("parses every picture in the docs and the README", () => {
    expect(docBlocks.length).toBeGreaterThan(0);
    for (const [name] of docBlocks) expect({ name, ok: results[name].ok, error: results[name].ok ? undefined : results[name].error }).toEqual({ name, ok: true, error: undefined });
  });
});

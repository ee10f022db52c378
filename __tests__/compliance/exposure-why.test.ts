import * as fs from "node:fs";
import * as path from "node:path";
import { buildContext, configResources, planResources } from "../../compliance";
import { explainInternet, listedPaths } from "../../compliance/exposure/paths";
import { exposure, whyText } from "../../cli/exposure";
import { instanceIn, Res, sshGroup, vpc } from "../support/topologies";

/**
 * `bulwark exposure --why`: the internet's direct path to a workload on one port, layer by layer,
 * and which layer blocks it, on hand-built topologies with known answers.
 */
const why = (resource: Res, to: string, port: number) => explainInternet(buildContext(configResources({ resource }, "s")), to, port).filter((e) => e.family === "ipv4");
const answers = (e: ReturnType<typeof why>[number]) => e.subnets[0].layers.map((l) => `${l.layer.split(" (")[0]}: ${l.answer}${l.part ? ` ${l.part}` : ""}`);

/** An ACL on the public subnet: SSH in from anywhere, and replies out only to the VPC (the trap: the internet's replies are dropped). */
const aclNoReply: Res = {
  aws_network_acl: {
    pub: {
      vpc_id: "${aws_vpc.v.id}",
      subnet_ids: ["${aws_subnet.public.id}"],
      ingress: [{ rule_no: 100, action: "allow", protocol: "tcp", from_port: 22, to_port: 22, cidr_block: "0.0.0.0/0" }],
      egress: [{ rule_no: 100, action: "allow", protocol: "tcp", from_port: 1024, to_port: 65535, cidr_block: "10.0.0.0/16" }],
    },
  },
};

describe("exposure --why", () => {
  it("open: every layer lets the whole internet through", () => {
    const [e] = why(vpc({ aws_security_group: { ssh: sshGroup }, aws_instance: { web: { ...instanceIn("public"), associate_public_ip_address: true } } }), "aws_instance.web", 22);
    expect([e.status, e.blockedBy, answers(e)]).toEqual(["open", [], ["route to an internet gateway: allows", "public IPv4 address: allows", "network ACL in: allows", "network ACL reply: allows", "security groups: allows"]]);
  });

  it("closed in a private subnet with no route out, although the group is open to the world", () => {
    const [e] = why(vpc({ aws_security_group: { ssh: sshGroup }, aws_instance: { app: instanceIn("private") } }), "aws_instance.app", 22);
    expect([e.status, e.blockedBy]).toEqual(["closed", ["route to an internet gateway: aws_subnet.private"]]);
    expect(answers(e)).toContain("security groups: allows");
    const text = whyText([e]).split("\n");
    expect(text[0]).toBe("internet (0.0.0.0/0) → s/aws_instance.app tcp 22: closed, blocked by route to an internet gateway: aws_subnet.private");
    expect(text[2]).toMatch(/^ {4}route to an internet gateway +blocks +aws_subnet\.private$/);
  });

  it("closed by the ACL's reply rule when the ACL lets SSH in but not the answer out", () => {
    const [e] = why(vpc({ ...aclNoReply, aws_security_group: { ssh: sshGroup }, aws_instance: { web: { ...instanceIn("public"), associate_public_ip_address: true } } }), "aws_instance.web", 22);
    expect([e.status, e.blockedBy]).toEqual(["closed", ["network ACL reply (tcp 1024-65535): aws_network_acl.pub"]]);
    expect(answers(e)).toEqual(["route to an internet gateway: allows", "public IPv4 address: allows", "network ACL in: allows", "network ACL reply: blocks", "security groups: allows"]);
  });

  it("partly open when the group admits part of the internet; unverifiable when the groups are not known", () => {
    const office = { ...sshGroup, ingress: [{ ...sshGroup.ingress[0], cidr_blocks: ["203.0.113.0/24"] }] };
    const [part] = why(vpc({ aws_security_group: { ssh: office }, aws_instance: { web: { ...instanceIn("public"), associate_public_ip_address: true } } }), "aws_instance.web", 22);
    expect([part.status, part.subnets[0].through, answers(part).at(-1)]).toEqual(["partly open", "203.0.113.0/24", "security groups: allows part 203.0.113.0/24"]);
    const unknownGroups = vpc({ aws_instance: { web: { ami: "ami-12345678", subnet_id: "${aws_subnet.public.id}", associate_public_ip_address: true, vpc_security_group_ids: "${var.groups}" } } });
    const [u] = why(unknownGroups, "aws_instance.web", 22);
    expect([u.status, answers(u).at(-1)]).toEqual(["unverifiable", "security groups: cannot tell"]);
    // The path listed without --why says the same, as its reason.
    const listed = listedPaths(buildContext(configResources({ resource: unknownGroups }, "s"))).filter((p) => p.source.kind === "internet" && p.source.id === "0.0.0.0/0");
    expect(listed.map((p) => [p.status, p.reason])).toEqual([["unverifiable", "cannot tell until apply: security groups (groups not known until apply)"], ["unverifiable", "cannot tell until apply: security groups (groups not known until apply)"]]);
  });

  it("is refused without --to and --port, from another source, or in another format, in one line", () => {
    for (const [opts, message] of [
      [{ format: "text", why: true, port: "22" }, /--why needs --to/],
      [{ format: "text", why: true, to: "x", port: "22", from: "tier:private" }, /internet only/],
      [{ format: "md", why: true, to: "x", port: "22" }, /text or json/],
    ] as const) {
      expect(() => exposure("unused", opts, () => {})).toThrow(message);
    }
  });
});

/**
 * `--why` and the listed paths answer the same question two ways (layer by layer; address ranges
 * through every layer at once): on the real-world corpus (plans nobody here wrote) and the hand-built
 * traps, the internet's direct path to every workload on the usual ports must read the same in both.
 */
describe("exposure --why agrees with the listed paths", () => {
  const CORPUS = path.join(__dirname, "..", "fixtures", "real-world");
  const inputs: [string, ReturnType<typeof planResources>][] = fs
    .readdirSync(CORPUS)
    .filter((d) => fs.existsSync(path.join(CORPUS, d, "plan.json")))
    .map((d) => [d, planResources(JSON.parse(fs.readFileSync(path.join(CORPUS, d, "plan.json"), "utf8")), "plan")]);
  inputs.push(["open", configResources({ resource: vpc({ aws_security_group: { ssh: sshGroup }, aws_instance: { web: { ...instanceIn("public"), associate_public_ip_address: true } } }) }, "s")]);
  inputs.push(["traps", configResources({ resource: vpc({ ...aclNoReply, aws_security_group: { ssh: sshGroup }, aws_instance: { web: { ...instanceIn("public"), associate_public_ip_address: true }, app: instanceIn("private") } }) }, "s")]);

  const seen: string[] = [];
  it.each(inputs)("%s", (_, resources) => {
    const ctx = buildContext(resources);
    const direct = listedPaths(ctx).filter((p) => p.source.kind === "internet" && p.via.length === 0 && p.protocol === "tcp");
    for (const port of [22, 443, 3389, 8080]) {
      for (const e of explainInternet(ctx, "", port)) {
        const internet = e.family === "ipv4" ? "0.0.0.0/0" : "::/0";
        const listed = direct.find((p) => p.source.id === internet && p.destination.stack === e.destination.stack && p.destination.address === e.destination.address && p.ports[0] <= port && port <= p.ports[1]);
        const want = e.status === "open" ? "open" : e.status === "unverifiable" ? "unverifiable" : "none";
        const got = listed ? listed.status : "none";
        seen.push(e.status);
        expect([e.destination.address, e.family, port, got]).toEqual([e.destination.address, e.family, port, want]);
      }
    }
  });

  it("compared every kind of answer (the corpus has open, closed and unverifiable paths)", () => {
    expect([...new Set(seen)].sort()).toEqual(expect.arrayContaining(["closed", "open", "unverifiable"]));
    expect(seen.length).toBeGreaterThan(100);
  });
});

import { Rule } from "../model";
import { blocks, isTrue } from "./values";

export const ltNoPublicIp: Rule = {
  id: "lt-no-public-ip",
  title: "Launch templates assign no public IP",
  severity: "error",
  scope: "resource",
  controls: { securityHub: ["EC2.25"] },
  rationale: "Every instance launched from a template whose interface asks for a public IP is reachable from the internet. Common scanners do not check launch templates.",
  remediation: "Set network_interfaces { associate_public_ip_address = \"false\" }.",
  check: (ctx) =>
    ctx
      .ofType("aws_launch_template")
      .filter((r) => blocks(r.values.network_interfaces).some((n) => isTrue(n.associate_public_ip_address)))
      .map((resource) => ({ resource, message: "launch template network interface associates a public IP" })),
  fixtures: {
    pass: { resource: { aws_launch_template: { a: { network_interfaces: [{ device_index: 0, associate_public_ip_address: "false" }] } } } },
    fail: { resource: { aws_launch_template: { a: { network_interfaces: [{ device_index: 0, associate_public_ip_address: "true" }] } } } },
  },
};

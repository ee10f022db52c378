import { launchSpecs } from "../families/compute";
import { Rule } from "../model";
import { describe, isUnknown } from "../values";

export const ltNoPublicIp: Rule = {
  id: "lt-no-public-ip",
  title: "Launch templates assign no public IP",
  severity: "error",
  scope: "resource",
  controls: { securityHub: ["EC2.25"] },
  rationale: "Every instance launched from a template whose interface asks for a public IP is reachable from the internet. Common scanners do not check launch templates.",
  remediation: "Set network_interfaces { associate_public_ip_address = \"false\" } (launch configurations: associate_public_ip_address = false).",
  check: (ctx) =>
    launchSpecs(ctx).flatMap((spec) => {
      if (spec.publicIp === true) return [{ resource: spec.resource, message: `${spec.kind} ${spec.kind === "launch template" ? "network interface " : ""}associates a public IP` }];
      if (isUnknown(spec.publicIp) && spec.publicIp.set !== false) return [{ resource: spec.resource, message: `associate_public_ip_address is ${describe(spec.publicIp)}`, unverifiable: spec.publicIp }];
      return [];
    }),
  fixtures: {
    pass: { resource: { aws_launch_template: { a: { network_interfaces: [{ device_index: 0, associate_public_ip_address: "false" }] } } } },
    fail: { resource: { aws_launch_template: { a: { network_interfaces: [{ device_index: 0, associate_public_ip_address: "true" }] } } } },
  },
};

import { instanceSpecs } from "../families/compute";
import { Rule, RuleFinding } from "../model";
import { bool, describe, isUnknown } from "../values";

export const ec2NoPublicIp: Rule = {
  id: "ec2-no-public-ip",
  title: "Instances have no public IP",
  severity: "error",
  scope: "resource",
  controls: { securityHub: ["EC2.9"], checkov: ["CKV_AWS_88"], trivy: ["AVD-AWS-0009"] },
  rationale:
    "A public address exposes the instance to the internet; reach it through a load balancer or Session Manager instead. An instance that does not say takes its subnet's map_public_ip_on_launch. An Elastic IP that no NAT gateway or load balancer uses is a public address for an instance or interface.",
  remediation:
    "Set associate_public_ip_address = false and place the instance in a private subnet; give Elastic IPs only to NAT gateways and load balancers.",
  check: (ctx) => {
    const out: RuleFinding[] = [];
    for (const spec of instanceSpecs(ctx)) {
      const resource = spec.resource;
      if (spec.publicIp === true) {
        out.push({ resource, message: "instance gets a public IP" });
        continue;
      }
      if (spec.publicIp === false) continue;
      if (isUnknown(spec.publicIp) && spec.publicIp.set !== false) {
        out.push({ resource, message: `associate_public_ip_address is ${describe(spec.publicIp)}`, unverifiable: spec.publicIp });
        continue;
      }
      // Not said: the subnet decides.
      const subnet = spec.subnet;
      if (subnet === undefined) continue;
      if (isUnknown(subnet)) {
        out.push({ resource, message: `associate_public_ip_address is not set and the ${subnet.why}: whether it maps public IPs is not known`, unverifiable: subnet });
        continue;
      }
      const maps = bool(subnet.values.map_public_ip_on_launch);
      if (maps === true) out.push({ resource, message: `instance gets a public IP: its subnet ${subnet.address} maps public IPs on launch and the instance does not set associate_public_ip_address = false` });
      else if (isUnknown(maps)) out.push({ resource, message: `its subnet's map_public_ip_on_launch is ${describe(maps)}`, unverifiable: maps });
    }
    for (const eip of ctx.ofType("aws_eip")) {
      if (ctx.referencing("aws_nat_gateway", "allocation_id", eip).length || ctx.referencing("aws_lb", "subnet_mapping", eip).length) continue;
      const attached = [eip.values.instance, eip.values.network_interface].some((v) => v !== undefined && v !== null && v !== "" && !(isUnknown(v) && v.set === false));
      const maybe = ctx.mayReference("aws_nat_gateway", "allocation_id", eip).length + ctx.mayReference("aws_lb", "subnet_mapping", eip).length;
      if (!attached && maybe > 0) {
        out.push({ resource: eip, message: "Elastic IP may belong to a NAT gateway or load balancer whose reference cannot be followed", unverifiable: true });
        continue;
      }
      out.push({ resource: eip, message: "Elastic IP for an instance or network interface (no NAT gateway or load balancer uses it)" });
    }
    for (const resource of ctx.ofType("aws_eip_association")) out.push({ resource, message: "associates an Elastic IP with an instance or network interface" });
    return out;
  },
  fixtures: {
    pass: {
      resource: {
        aws_instance: { a: { ami: "ami-12345678", instance_type: "t3.micro", associate_public_ip_address: false } },
        aws_eip: { nat: { domain: "vpc" } },
        aws_nat_gateway: { a: { allocation_id: "${aws_eip.nat.id}", subnet_id: "subnet-1" } },
      },
    },
    fail: {
      resource: {
        aws_instance: { a: { ami: "ami-12345678", instance_type: "t3.micro", associate_public_ip_address: true } },
        aws_eip: { a: { domain: "vpc", instance: "${aws_instance.a.id}" } },
      },
    },
  },
};

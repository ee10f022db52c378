import { Rule } from "../model";
import { isTrue } from "./values";

export const ec2NoPublicIp: Rule = {
  id: "ec2-no-public-ip",
  title: "Instances have no public IP",
  severity: "error",
  scope: "resource",
  controls: { securityHub: ["EC2.9"], checkov: ["CKV_AWS_88"], trivy: ["AVD-AWS-0009"] },
  rationale:
    "A public address exposes the instance to the internet; reach it through a load balancer or Session Manager instead. An Elastic IP that no NAT gateway or load balancer uses is a public address for an instance or interface.",
  remediation:
    "Set associate_public_ip_address = false and place the instance in a private subnet; give Elastic IPs only to NAT gateways and load balancers.",
  check: (ctx) => [
    ...ctx
      .ofType("aws_instance")
      .filter((r) => isTrue(r.values.associate_public_ip_address))
      .map((resource) => ({ resource, message: "instance gets a public IP" })),
    ...ctx
      .ofType("aws_eip")
      .filter((eip) => ctx.referencing("aws_nat_gateway", "allocation_id", eip).length === 0 && ctx.referencing("aws_lb", "subnet_mapping", eip).length === 0)
      .map((resource) => ({ resource, message: "Elastic IP for an instance or network interface (no NAT gateway or load balancer uses it)" })),
    ...ctx.ofType("aws_eip_association").map((resource) => ({ resource, message: "associates an Elastic IP with an instance or network interface" })),
  ],
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

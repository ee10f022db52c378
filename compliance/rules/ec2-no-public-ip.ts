import { Rule } from "../model";
import { isTrue } from "./values";

export const ec2NoPublicIp: Rule = {
  id: "ec2-no-public-ip",
  title: "Instances have no public IP",
  severity: "error",
  scope: "resource",
  controls: { securityHub: ["EC2.9"], checkov: ["CKV_AWS_88"], trivy: ["AVD-AWS-0009"] },
  rationale: "A public address exposes the instance to the internet; reach it through a load balancer or Session Manager instead.",
  remediation: "Set associate_public_ip_address = false and place the instance in a private subnet.",
  check: (ctx) =>
    ctx
      .ofType("aws_instance")
      .filter((r) => isTrue(r.values.associate_public_ip_address))
      .map((resource) => ({ resource, message: "instance gets a public IP" })),
  fixtures: {
    pass: { resource: { aws_instance: { a: { ami: "ami-12345678", instance_type: "t3.micro", associate_public_ip_address: false } } } },
    fail: { resource: { aws_instance: { a: { ami: "ami-12345678", instance_type: "t3.micro", associate_public_ip_address: true } } } },
  },
};


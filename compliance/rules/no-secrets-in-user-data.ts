import { findSecret } from "../../modules/launch-template/user-data";
import { instanceSpecs, launchSpecs } from "../families/compute";
import { Rule } from "../model";
import { isUnknown } from "../values";

/** The user data as text: decoded from base64 when it is; an expression's literal parts when it is one. */
function decoded(value: unknown): string | undefined {
  if (isUnknown(value)) return value.why.includes("${") || value.why.includes("%{") ? value.why : undefined;
  if (typeof value !== "string") return undefined;
  if (/^[A-Za-z0-9+/=\s]+$/.test(value) && value.length % 4 === 0) {
    const text = Buffer.from(value, "base64").toString("utf8");
    if (!text.includes("\uFFFD")) return text;
  }
  return value;
}

export const noSecretsInUserData: Rule = {
  id: "no-secrets-in-user-data",
  title: "User data holds no secrets",
  severity: "error",
  scope: "resource",
  controls: { checkov: ["CKV_AWS_46"], trivy: ["AVD-AWS-0029", "AVD-AWS-0129"] },
  rationale: "User data is readable by anyone who can describe the instance or read its metadata; credentials there leak.",
  remediation: "Fetch secrets at boot from SSM Parameter Store or Secrets Manager with the instance role.",
  check: (ctx) =>
    [...instanceSpecs(ctx), ...launchSpecs(ctx)].flatMap(({ resource }) => {
      const text = decoded(resource.values.user_data) ?? decoded(resource.values.user_data_base64);
      const secret = text ? findSecret(text) : undefined;
      return secret ? [{ resource, message: `user data contains ${secret.what} (${secret.excerpt})` }] : [];
    }),
  fixtures: {
    pass: { resource: { aws_launch_template: { a: { user_data: Buffer.from("#cloud-config\npackages: [nginx]\n").toString("base64") } } } },
    fail: { resource: { aws_instance: { a: { ami: "ami-12345678", instance_type: "t3.micro", user_data: "export AWS_ACCESS_KEY_ID=AKIAABCDEFGHIJKLMNOP" } } } },
  },
};

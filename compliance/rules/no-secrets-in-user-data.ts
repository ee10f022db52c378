import { instanceSpecs, launchSpecs } from "../families/compute";
import { Rule, RuleFinding, SourcedText, TfResource } from "../model";
import { userDataLayers } from "../read/user-data";
import { findSecrets, SecretFound, secretNamed } from "../secrets";
import { isUnknown } from "../values";

/** Functions whose argument is a file the input does not carry. */
/** A reference inside an expression: its value is not in a configuration. */
const REFERENCE = /\b(?:var|local|data|module)\.[A-Za-z0-9_.-]+|\baws_[a-z0-9_]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_]+/;
const READS_FILE = /\b(?:templatefile|file|filebase64|filebase64sha256)\s*\(/;

/**
 * The texts user data is made of, and what hides the rest: the plan reader's source when the
 * planned value does not show it (a hash, a value known after apply), else the value itself —
 * a literal, or an expression's literal parts.
 */
export function userDataTexts(r: TfResource): { texts: SourcedText[]; hidden?: string } {
  if (r.userData) return r.userData.kind === "text" ? { texts: [{ text: r.userData.text, from: r.userData.from }] } : { texts: [...r.userData.inputs], hidden: r.userData.why };
  for (const attr of ["user_data", "user_data_base64"]) {
    const v = r.values[attr];
    if (typeof v === "string" && v !== "") return { texts: [{ text: v, from: attr }] };
    if (isUnknown(v) && v.set !== false) {
      const expression = v.why.includes("${") || v.why.includes("%{");
      const texts = expression ? [{ text: v.why, from: `the expression of ${attr}` }] : [];
      const file = expression ? READS_FILE.exec(v.why) : null;
      if (file) return { texts, hidden: `${attr} reads a file with ${file[0].replace(/\s+/g, "")}...), which this input does not carry` };
      if (!expression) return { texts, hidden: `${attr} is ${v.why}` };
      const ref = REFERENCE.exec(v.why);
      if (ref) return { texts, hidden: `${attr} is built from ${ref[0]}, whose value this input does not know` };
      return { texts };
    }
  }
  return { texts: [] };
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
    [...instanceSpecs(ctx), ...launchSpecs(ctx)].flatMap(({ resource }): RuleFinding[] => {
      const { texts, hidden } = userDataTexts(resource);
      const found: (SecretFound & { at: string })[] = [];
      for (const t of texts) {
        // A variable named as a secret (`var.password`) whose value reaches user data: the secret is there, whatever surrounds it.
        const named = (t.names ?? []).map((n) => secretNamed(n, t.text)).find((s) => s !== undefined);
        if (named) found.push({ ...named, what: `the value of ${t.from}`, at: "" });
        for (const layer of userDataLayers(t.text)) {
          const at = [t.from === "user_data" || t.from === "user_data_base64" ? "" : `from ${t.from}`, layer.where === "user data" ? "" : `in ${layer.where}`].filter(Boolean).join(", ");
          for (const s of findSecrets(layer.text)) found.push({ ...s, at });
        }
      }
      const describe = (s: SecretFound & { at: string }) => `${s.what} (${s.excerpt})${s.at ? ` ${s.at}` : ""}`;
      const real = found.filter((s) => !s.placeholder);
      if (real.length) return [{ resource, message: `user data contains ${describe(real[0])}${real.length > 1 ? ` and ${real.length - 1} more` : ""}` }];
      if (hidden) return [{ resource, message: `user data cannot be read: ${hidden}`, unverifiable: true }];
      const placeholder = found[0];
      if (placeholder) return [{ resource, severity: "warning", message: `user data has a placeholder where a secret goes: ${describe(placeholder)}, ${placeholder.placeholder}; fill it at boot from SSM Parameter Store or Secrets Manager` }];
      return [];
    }),
  fixtures: {
    pass: { resource: { aws_launch_template: { a: { user_data: Buffer.from("#cloud-config\npackages: [nginx]\n").toString("base64") } } } },
    fail: { resource: { aws_instance: { a: { ami: "ami-12345678", instance_type: "t3.micro", user_data: "export AWS_ACCESS_KEY_ID=AKIAABCDEFGHIJKLMNOP" } } } },
  },
};

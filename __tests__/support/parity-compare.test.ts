import { stringify } from "yaml";
import { buildUserData } from "../../modules/launch-template";
import { compareSides, hclString, parseUserData, PlannedResource } from "./parity";
import { evaluateHcl } from "./terraform";

/**
 * The parity suites compare user data as cloud-init reads it: renderings that differ only in YAML
 * style or MIME framing are equal, a changed setting or command order is a difference named by
 * its path.
 */
const template = (userData: string): PlannedResource[] => [
  { address: "aws_launch_template.x", type: "aws_launch_template", after: { name: "app", user_data: Buffer.from(userData).toString("base64") }, unknown: {} },
];

const PART = { contentType: "text/x-shellscript" as const, content: "#!/bin/sh\necho ready\n" };

describe("user data under parity", () => {
  const ours = buildUserData({ os: "ubuntu", logGroupPrefix: "/bulwark/app", extraParts: [PART] });
  const cloudConfig = (text: string) => text.slice(text.indexOf("#cloud-config"), text.indexOf("\n--", text.indexOf("#cloud-config")));

  /** The same user data as another renderer writes it: YAML in flow style with quotes, another boundary and file names. */
  const rerendered = (edit: (config: Record<string, unknown>) => void = () => {}) => {
    const config = (parseUserData(ours) as { multipart: { content: { cloudConfig: Record<string, unknown> } }[] }).multipart[0].content.cloudConfig;
    const copy = structuredClone(config);
    edit(copy);
    const yaml = `#cloud-config\n${stringify(copy, { defaultStringType: "QUOTE_DOUBLE", collectionStyle: "flow", lineWidth: 0 })}`;
    const part = (type: string, body: string, n: number) => `--OTHER\nContent-Type: ${type}; charset="us-ascii"\nMIME-Version: 1.0\nContent-Disposition: attachment; filename="x${n}"\n\n${body}\n`;
    return `Content-Type: multipart/mixed; boundary="OTHER"\nMIME-Version: 1.0\n\n${part("text/cloud-config", yaml, 1)}${part(PART.contentType, PART.content, 2)}--OTHER--\n`;
  };

  it("reads a MIME multipart into its parts and a cloud-config as YAML", () => {
    const parsed = parseUserData(ours) as { multipart: { contentType: string; content: unknown }[] };
    expect(parsed.multipart.map((p) => p.contentType)).toEqual(["text/cloud-config", "text/x-shellscript"]);
    expect((parsed.multipart[0].content as { cloudConfig: { ssh_pwauth: boolean } }).cloudConfig.ssh_pwauth).toBe(false);
    expect(cloudConfig(rerendered())).not.toEqual(cloudConfig(ours));
  });

  it("finds no difference between two renderings cloud-init reads alike", () => {
    expect(compareSides(template(ours), template(rerendered())).differences).toEqual([]);
  });

  it("names a changed setting and a reordered command list", () => {
    const changed = compareSides(template(ours), template(rerendered((c) => (c.ssh_pwauth = true)))).differences;
    expect(changed).toEqual([expect.stringMatching(/^aws_launch_template\["app"\]\.user_data: \.multipart\[0\]\.content\.cloudConfig\.ssh_pwauth: construct false, module true$/)]);
    const reordered = compareSides(template(ours), template(rerendered((c) => (c.runcmd as unknown[]).reverse()))).differences;
    expect(reordered).toEqual([expect.stringMatching(/user_data: \.multipart\[0\]\.content\.cloudConfig\.runcmd\[0\]/)]);
  });
});

describe("keys written into the parity roots' HCL", () => {
  it("read back as written: quotes, backslashes, template sequences and control characters", () => {
    const keys = ['net aws_vpc_endpoint["com.amazonaws.eu-west-1.s3"].policy', "a\\b \\\\b", "${var.x} $${y}", "%{ if true }x%{ endif }", "tab\tnew\nline\bback\fform", "ünï €"];
    expect(evaluateHcl(`[${keys.map(hclString).join(", ")}]`)).toEqual(keys);
  });
});

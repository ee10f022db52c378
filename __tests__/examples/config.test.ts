import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { loadEnvironmentFile } from "../../examples/config";

/** Mistakes a newcomer makes in an environment file: each ends in one line naming the file, the field and the value. */
const REPO = path.join(__dirname, "..", "..");
const devYaml = fs.readFileSync(path.join(REPO, "examples", "environments", "dev.yaml"), "utf8");

function load(text: string): () => unknown {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bulwark-config-"));
  const file = path.join(dir, "dev.yaml");
  fs.writeFileSync(file, text);
  return () => loadEnvironmentFile(file, dir);
}

/** The one-line message a mistake ends in. */
function messageOf(text: string): string {
  try {
    load(text)();
  } catch (e) {
    expect((e as Error).name).toBe("ConfigError");
    expect((e as Error).message).not.toContain("\n");
    return (e as Error).message;
  }
  throw new Error("the file was accepted");
}

describe("environment file mistakes", () => {
  it("accepts the reference file as it is", () => {
    expect(load(devYaml)).not.toThrow();
  });

  it("refuses subnet tiers without the private tier the app tier lives in", () => {
    expect(messageOf(devYaml.replace("subnetTiers: [private]", "subnetTiers: [public]"))).toBe(
      'dev.yaml: subnetTiers ["public"] must include private (the app tier, bastion and endpoints live there)',
    );
  });

  it("refuses an empty alarmEmails unless noAlarmEmails gives a reason", () => {
    const empty = devYaml.replace(/alarmEmails: .*/, "alarmEmails: []");
    expect(messageOf(empty)).toBe("dev.yaml: alarmEmails [] must name at least one address, or nobody gets the alarms (opting out is noAlarmEmails: { reason: ... })");
    expect(messageOf(devYaml.replace(/alarmEmails: .*\n/, ""))).toMatch(/^dev\.yaml: alarmEmails undefined must name at least one address/);
    expect(messageOf(empty + "noAlarmEmails: { reason: x }\n")).toBe('dev.yaml: noAlarmEmails.reason "x" must say why nobody receives alarm email (at least 10 characters)');
    expect(load(empty + "noAlarmEmails: { reason: \"sandbox account, alarms read from the console\" }\n")).not.toThrow();
    expect(messageOf(devYaml + "noAlarmEmails: { reason: \"sandbox account, alarms read from the console\" }\n")).toMatch(/^dev\.yaml: noAlarmEmails .* cannot be set together with alarmEmails$/);
  });

  it("names a duplicate key and its line", () => {
    const lines = devYaml.split("\n");
    const text = [...lines.slice(0, -1), "instanceType: t3.large", ""].join("\n");
    expect(messageOf(text)).toBe(`dev.yaml: key instanceType is defined twice (again at line ${lines.length})`);
  });

  it("names an unknown key without dumping the document", () => {
    const message = messageOf(devYaml + "subnetTier: [private]\n");
    expect(message).toBe("dev.yaml: subnetTier is not a known field");
    expect(messageOf(devYaml.replace("app: { minSize: 1, maxSize: 2 }", "app: { minSize: 1, maxSize: 2, desired: 1 }"))).toBe("dev.yaml: app.desired is not a known field");
  });

  it("refuses an availability zone of another region", () => {
    expect(messageOf(devYaml.replace("[eu-west-1a, eu-west-1b]", "[eu-west-1a, us-east-1a]"))).toBe('dev.yaml: availabilityZones.1 "us-east-1a" is not an availability zone of region eu-west-1');
  });

  it("refuses tag keys AWS reserves", () => {
    expect(messageOf(devYaml.replace("  owner: platform", "  owner: platform\n  aws:team: platform"))).toBe(
      'dev.yaml: tags.aws:team "platform" has a tag key starting with aws:, which AWS reserves for its own tags',
    );
  });
});

import MarkdownIt from "markdown-it";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { referenceSynth, SynthRun } from "../support/app";
import { diff } from "../../cli/diff";
import { diffConfigs } from "../../review/diff";
import { diffMarkdown, fewControls, workflowRunUrl } from "../../review/markdown";
import { emptySummary, isSecurityType } from "../../review/model";

// What a reviewer reads first, rendered as GitHub would (markdown-it, html on, as the escaping test).
const md = new MarkdownIt({ html: true });

let synth: SynthRun;
beforeAll(() => {
  synth = referenceSynth();
});

/** A copy of the synthesized output with one stack changed. */
function mutated(stack: string, mutate: (json: any) => void): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bulwark-summary-"));
  fs.cpSync(synth.outdir, dir, { recursive: true });
  const file = path.join(dir, "stacks", stack, "cdk.tf.json");
  const json = JSON.parse(fs.readFileSync(file, "utf8"));
  mutate(json);
  fs.writeFileSync(file, JSON.stringify(json));
  return dir;
}

/** The prod change: the app port open to the world, prevent_destroy off nine resources, deletion protection off. */
const riskyProd = (j: any) => {
  const rule = j.resource.aws_vpc_security_group_ingress_rule["security-groups_app_in-from-web"];
  delete rule.referenced_security_group_id;
  rule.cidr_ipv4 = "0.0.0.0/0";
  for (const byName of Object.values<any>(j.resource)) for (const r of Object.values<any>(byName)) if (r.lifecycle?.prevent_destroy) delete r.lifecycle.prevent_destroy;
  j.resource.aws_lb["load-balancer_alb"].enable_deletion_protection = false;
};

/** The text between a heading and the next blank-line-separated heading or block. */
function section(text: string, heading: string): string {
  const start = text.indexOf(heading);
  expect(start).toBeGreaterThan(0);
  const end = text.indexOf("\n\n", text.indexOf("\n\n", start) + 2);
  return text.slice(start, end);
}

describe("one line per change, outside the collapsed block", () => {
  it("merges identical changes into one line naming the first construct paths, and shows the rest one line each", () => {
    const result = diffConfigs(synth.outdir, mutated("prod", riskyProd));
    const text = diffMarkdown(result);
    const lines = section(text, "#### Changes (3)").split("\n").filter((l) => l.startsWith("- "));
    expect(lines).toEqual([
      "- ⚠️ ✏️ <code>lifecycle.prevent&#95;destroy</code> removed (was <code>true</code>) — on 11 resources (<code>prod/audit/access-logs/bucket</code>, <code>prod/audit/key/key</code>, <code>prod/audit/logs/bucket</code>, …)",
      "- ⚠️ ✏️ <code>prod/load-balancer/alb</code>: <code>enable&#95;deletion&#95;protection</code> <code>true</code> → <code>false</code>",
      // The group reference shows as the construct it names.
      '- ⚠️ ✏️ <code>prod/security-groups/app/in-from-web</code>: <code>cidr&#95;ipv4</code> set to <code>"0.0.0.0/0"</code>; <code>referenced&#95;security&#95;group&#95;id</code> removed (was <code>prod/security-groups/web/group</code>)',
    ]);
    expect(text.indexOf("#### Changes (3)")).toBeLessThan(text.indexOf("<details>"));
    // The caution block merges alike dangers too, and names the source by its construct.
    expect(text).toContain("> - **protection** <code>lifecycle.prevent&#95;destroy</code> prevent&#95;destroy removed: <code>true</code> → <code>(none)</code> — 11 resources (");
    expect(text).toContain("source widened from a group reference to an address range (tcp 8080): <code>prod/security-groups/web/group</code> → <code>0.0.0.0/0</code>");
    // Findings name the construct too.
    expect(text).toContain("| EC2.18 | <code>prod/security-groups/app/in-from-web</code> | ingress from 0.0.0.0/0 lets the internet reach port 8080 |");
    const html = md.render(text);
    expect(html).toContain("<li>⚠️ ✏️ <code>lifecycle.prevent_destroy</code> removed (was <code>true</code>) — on 11 resources");
  });

  it("names the attribute that forces a replacement, and what a launch template change does to running instances", () => {
    const head = mutated("dev", (j) => {
      const rules = j.resource.aws_network_acl_rule;
      rules[Object.keys(rules).sort()[0]].rule_number = 77;
      j.resource.aws_launch_template.app_template.image_id = "ami-0fedcba9876543210";
    });
    const text = diffMarkdown(diffConfigs(synth.outdir, head));
    const changes = section(text, "#### Changes (2)");
    expect(changes).toMatch(/- ⚠️ ♻️ <code>dev\/network\/acl-[^<]*<\/code> \(aws&#95;network&#95;acl&#95;rule\): replaced — forced by <code>rule&#95;number<\/code>\n/);
    expect(changes).toContain(
      "- ✏️ <code>dev/app/template</code>: <code>image&#95;id</code> <code>\"ami-0123456789abcdef0\"</code> → <code>\"ami-0fedcba9876543210\"</code> — running instances: <code>dev/app-group/group</code> 🔄 replaced by a refresh",
    );
  });
});

describe("large changes stay readable", () => {
  it("labels a new stack with its account and region and summarizes it by resource type, security types first", () => {
    const base = fs.mkdtempSync(path.join(os.tmpdir(), "bulwark-no-prod-"));
    fs.cpSync(synth.outdir, base, { recursive: true });
    const manifest = JSON.parse(fs.readFileSync(path.join(base, "manifest.json"), "utf8"));
    delete manifest.stacks.prod;
    fs.writeFileSync(path.join(base, "manifest.json"), JSON.stringify(manifest));
    fs.rmSync(path.join(base, "stacks", "prod"), { recursive: true });
    const result = diffConfigs(base, synth.outdir);
    const account = (synth.stacks.prod as any).provider.aws[0].allowed_account_ids[0] as string;
    expect(result.newStacks).toEqual({ prod: { account, region: "eu-west-1" } });
    const text = diffMarkdown(result);
    const creates = result.changes.length;
    expect(text).toContain(`| stack | create |\n|---|---|\n| prod 🆕 new (account <code>${account}</code>, <code>eu-west-1</code>) | ${creates} |\n`);
    const line = section(text, "#### Changes (1)").split("\n")[2];
    expect(line.startsWith(`- 🆕 **prod** is a new stack (account <code>${account}</code>, <code>eu-west-1</code>): ${creates} resource(s) to create — `)).toBe(true);
    const types = [...line.matchAll(/\d+ <code>([^<]+)<\/code>/g)].map((m) => m[1].replace(/&#95;/g, "_"));
    expect(types.length).toBeGreaterThan(5);
    // Security types first (there are more than fit on the line), then how many of the rest are not named.
    expect(types.every((t) => isSecurityType(t))).toBe(true);
    expect(line).toMatch(/, and \d+ more of \d+ other types$/);
    // In the details too, security resources come first.
    const detailTypes = result.changes.map((c) => c.type);
    const firstPlain = detailTypes.findIndex((t) => !isSecurityType(t));
    expect(firstPlain).toBeGreaterThan(0);
    expect(detailTypes.slice(firstPlain).every((t) => !isSecurityType(t))).toBe(true);
  });

  it("names base and head in the title (options, else GITHUB_BASE_REF and GITHUB_SHA) and links the full report to the workflow run", () => {
    const head = mutated("prod", riskyProd);
    const run = (opts: Record<string, string>, env: Record<string, string>) => {
      let out = "";
      diff({ base: synth.outdir, head, format: "md", ...opts }, (t) => (out += t), () => undefined, env);
      return out;
    };
    const sha = "0123456789abcdef0123456789abcdef01234567";
    expect(run({}, { GITHUB_BASE_REF: "main", GITHUB_SHA: sha }).split("\n")[1]).toBe(
      "### bulwark diff <code>main</code> → <code>0123456</code>: 0 to create, 13 to update, 0 to replace, 0 to destroy — ⚠️ 15 dangerous",
    );
    expect(run({ baseRef: "release/1.2", headRef: "feature" }, { GITHUB_BASE_REF: "main" }).split("\n")[1]).toMatch(/^### bulwark diff <code>release\/1.2<\/code> → <code>feature<\/code>: /);
    expect(run({}, {}).split("\n")[1]).toMatch(/^### bulwark diff: /);

    const env = { GITHUB_SERVER_URL: "https://github.com", GITHUB_REPOSITORY: "acme/infra", GITHUB_RUN_ID: "4242" };
    expect(workflowRunUrl(env)).toBe("https://github.com/acme/infra/actions/runs/4242");
    expect(workflowRunUrl({ ...env, GITHUB_REPOSITORY: "acme/infra)[x](javascript:alert(1)" })).toBeUndefined();
    expect(workflowRunUrl({ ...env, GITHUB_SERVER_URL: "javascript:" })).toBeUndefined();
    const cut = diffMarkdown(diffConfigs(synth.outdir, head), { limit: 3000, fullReport: "bulwark-diff-full.md", artifactUrl: workflowRunUrl(env) });
    expect(cut.length).toBeLessThanOrEqual(3000);
    expect(cut).toMatch(/The full report is in \[the workflow run's artifacts\]\(https:\/\/github\.com\/acme\/infra\/actions\/runs\/4242\)\.\n$/);
    expect(md.render(cut)).toContain('<a href="https://github.com/acme/infra/actions/runs/4242">the workflow run\'s artifacts</a>');
  });
});

describe("values formatted, not pasted", () => {
  it("pretty-prints a changed policy in a diff fence sized to its content", () => {
    const head = mutated("prod", (j) => {
      const p = j.resource.aws_iam_role_policy["bastion_session-policy"];
      const doc = JSON.parse(p.policy);
      doc.Statement[0].Action = [...[doc.Statement[0].Action].flat(), "s3:Get```Object"];
      p.policy = JSON.stringify(doc);
    });
    const text = diffMarkdown(diffConfigs(synth.outdir, head));
    expect(text).toContain("<code>policy</code> changed (policy in the details)");
    expect(text).toContain("| <code>policy</code> | policy below | policy below |");
    // A fence longer than the run of backticks inside, each line of the document on its own line.
    expect(text).toMatch(/\n {2}````diff\n {2} \{\n {5}"Version": "2012-10-17",\n/);
    // The appended action is the one `+` line: the comma the line before it gained is no change.
    expect(text.split("\n").filter((l) => /^ {2}[+-]/.test(l))).toEqual(['  +        "s3:Get```Object"']);
    const html = md.render(text);
    expect(html).toMatch(/<pre><code class="language-diff"> \{\n {3}&quot;Version&quot;: &quot;2012-10-17&quot;,/);
  });

  it("lists two or three control ids per finding, and how many more", () => {
    expect(fewControls({ securityHub: ["EC2.18", "EC2.19"], cis: ["5.2", "5.3"], checkov: ["CKV_AWS_24", "CKV_AWS_25"] })).toBe("EC2.18 · EC2.19 · CIS 5.2 +3");
    expect(fewControls({ securityHub: ["EC2.8"] })).toBe("EC2.8");
    const stacks = { s: { ...emptySummary(), update: 1 } };
    const finding = { ruleId: "r", controls: { securityHub: ["A.1", "A.2", "A.3", "A.4"], checkov: ["CKV_1", "CKV_2", "CKV_3", "CKV_4", "CKV_5", "CKV_6"] }, severity: "error" as const, stack: "s", address: "x.y", message: "m", suppressed: false };
    const text = diffMarkdown({ mode: "config", stacks, changes: [], introduced: [finding], resolved: [], suppressed: [], dangerous: [], outputs: [], drift: [] });
    expect(text).toContain("| error | <code>r</code> | A.1 · A.2 · A.3 +7 | <code>s/x.y</code> | m |");
  });
});

/**
 * The deploy suites' machinery on its own, with no emulator: finding and starting one (and failing in
 * one line when it will not start), the emulator option of the synth, what is left out of an apply,
 * reading refusals out of cdktf's output, and the published examples' emulator settings and prerequisites.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import fc from "fast-check";
import { Testing } from "cdktf";
import { emulatorFromEnvironment } from "../../examples";
import { checkEmulatorEndpoint, EMULATED_SERVICES } from "../../modules/core/emulator";
import { BulwarkStack } from "../../modules/core/stack";
import { BulwarkValidationError } from "../../modules/core/errors";
import { referenceSynth, runSynth } from "../support/app";
import { applyScope, applyScopeOf, coveringTargets, deployResult, differingPaths, dotGraph, emulatorOverride, providerAliases, refusals, unexplained } from "../support/deploy";
import { alive, emulatorSource, startEmulator } from "../support/emulator";
import { LEFT_OUT, READ_BACK_QUIRKS } from "./emulator-gaps";
import { examplePrerequisites, withPrerequisites } from "./prerequisites";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "bulwark-emulator-support-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function script(name: string, body: string): string {
  const file = path.join(tmp, name);
  fs.writeFileSync(file, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
  return file;
}

describe("finding the emulator", () => {
  it("takes a URL, a path, or says why there is none", () => {
    expect(emulatorSource({ BULWARK_AWS_EMULATOR: "http://127.0.0.1:5000/" })).toEqual({ kind: "url", url: "http://127.0.0.1:5000" });
    const bin = script("moto_server", "exit 0");
    expect(emulatorSource({ BULWARK_AWS_EMULATOR: bin })).toEqual({ kind: "binary", bin });
    expect(emulatorSource({})).toMatchObject({ kind: "none", why: expect.stringContaining("BULWARK_AWS_EMULATOR is not set") });
    expect(emulatorSource({ BULWARK_AWS_EMULATOR: "/no/such/moto_server" })).toMatchObject({ kind: "none", why: expect.stringContaining("/no/such/moto_server") });
  });

  it("reports an emulator that exits in one line naming the port and the log", async () => {
    const bin = script("exits", 'echo "address already in use" >&2; exit 3');
    const error = await startEmulator(bin, { timeoutMs: 5000, logDir: tmp }).catch((e: Error) => e);
    expect(error).toBeInstanceOf(Error);
    const message = (error as Error).message;
    expect(message.split("\n")).toHaveLength(1);
    expect(message).toMatch(/on 127\.0\.0\.1:\d+ exited \(code 3\); see .*emulator\.log$/);
    expect(fs.readFileSync(path.join(tmp, "emulator.log"), "utf8")).toContain("address already in use");
  });

  it("stops an emulator that never answers, and says so in one line", async () => {
    const pidFile = path.join(tmp, "silent.pid");
    const bin = script("silent", `echo $$ > ${pidFile}; exec sleep 60`);
    const error = await startEmulator(bin, { timeoutMs: 1500, logDir: tmp }).catch((e: Error) => e);
    expect((error as Error).message).toMatch(/^the AWS API emulator .*silent on 127\.0\.0\.1:\d+ did not answer within 2 s; see /);
    expect(alive(Number(fs.readFileSync(pidFile, "utf8")))).toBe(false);
  });
});

describe("the emulator option of the synth", () => {
  it("is absent from the normal synth and refuses a bad endpoint in one line", () => {
    const normal = referenceSynth();
    expect(normal.status).toBe(0);
    for (const stack of Object.values(normal.stacks)) {
      for (const p of (stack as { provider: { aws: Record<string, unknown>[] } }).provider.aws) {
        expect(Object.keys(p).filter((k) => ["endpoints", "access_key", "secret_key", "assume_role", "skip_credentials_validation"].includes(k))).toEqual([]);
      }
    }
    const bad = runSynth({ BULWARK_AWS_ENDPOINT: "ftp://127.0.0.1:1" });
    expect(bad.status).toBe(1);
    expect(bad.stderr.trim()).toBe('bulwark: environment: BULWARK_AWS_ENDPOINT "ftp://127.0.0.1:1" must be an http:// or https:// URL');
  });

  it("needs AWS_ENDPOINT_URL naming the same emulator, since the providers carry no endpoints block", () => {
    for (const [sdk, now] of [[undefined, "unset"], ["http://127.0.0.1:9", '"http://127.0.0.1:9"'], ["not a url", '"not a url"']] as const) {
      const env: NodeJS.ProcessEnv = { ...process.env, BULWARK_AWS_ENDPOINT: "http://127.0.0.1:4566/" };
      if (sdk === undefined) delete env.AWS_ENDPOINT_URL;
      else env.AWS_ENDPOINT_URL = sdk;
      expect(() => emulatorFromEnvironment(env)).toThrow(
        `environment: BULWARK_AWS_ENDPOINT "http://127.0.0.1:4566/" needs AWS_ENDPOINT_URL=http://127.0.0.1:4566 in Terraform's environment (AWS_ENDPOINT_URL is ${now})`,
      );
    }
    expect(emulatorFromEnvironment({ BULWARK_AWS_ENDPOINT: "http://127.0.0.1:4566", AWS_ENDPOINT_URL: "http://127.0.0.1:4566/" })).toEqual({ endpoint: "http://127.0.0.1:4566", endpointsFrom: "environment" });
    expect(emulatorFromEnvironment({ AWS_ENDPOINT_URL: "http://127.0.0.1:4566" })).toBeUndefined();
  });

  it("takes any spelling of the same emulator's root URL as AWS_ENDPOINT_URL, and nothing else", () => {
    const endpoint = "http://127.0.0.1:4566";
    // Equivalent spellings (the scheme's case, a trailing slash) and near misses: another port, scheme,
    // host, a path, query or credentials, and white space or control characters a URL parser here would drop.
    const same = fc.tuple(fc.constantFrom("http", "HTTP", "Http"), fc.constantFrom("", "/")).map(([scheme, tail]) => `${scheme}://127.0.0.1:4566${tail}`);
    const other = fc.oneof(
      fc.string(),
      fc.webUrl({ withQueryParameters: true, withFragments: true }),
      fc.constantFrom("http://127.0.0.1:4567", "https://127.0.0.1:4566", "http://localhost:4566", "http://127.0.0.1:4566/path", "http://127.0.0.1:4566/?q", "http://u:p@127.0.0.1:4566", " http://127.0.0.1:4566", "http://127.0.0.1:4566\n", "http://127.0.0.1:45\t66", "http://127.0.0.1:4566\u0000"),
    );
    fc.assert(
      fc.property(fc.oneof(same.map((u) => [u, true] as const), other.map((u) => [u, false] as const)), ([sdk, ok]) => {
        const env = { BULWARK_AWS_ENDPOINT: endpoint, AWS_ENDPOINT_URL: sdk };
        if (ok) expect(emulatorFromEnvironment(env)).toEqual({ endpoint, endpointsFrom: "environment" });
        else expect(() => emulatorFromEnvironment(env)).toThrow(`needs AWS_ENDPOINT_URL=${endpoint} in Terraform's environment (AWS_ENDPOINT_URL is ${sdk === "" ? "unset" : JSON.stringify(sdk)})`);
      }),
      { seed: Number(process.env.BULWARK_FUZZ_SEED ?? 20261206), numRuns: 300 },
    );
  });

  it("gives the providers an endpoints block only when the endpoint is not to come from the environment", () => {
    const build = (endpointsFrom?: "provider" | "environment") => {
      const app = Testing.app();
      const stack = new BulwarkStack(app, "s", { region: "eu-west-1", accountId: "123456789012", emulator: { endpoint: "http://127.0.0.1:4566", endpointsFrom } });
      return (JSON.parse(Testing.synth(stack)) as { provider: { aws: Record<string, unknown>[] } }).provider.aws[0];
    };
    expect(Object.keys((build().endpoints as Record<string, string>[])[0]).sort()).toEqual([...EMULATED_SERVICES].sort());
    expect(build("provider").endpoints).toEqual(build().endpoints);
    expect(build("environment").endpoints).toBeUndefined();
    expect(build("environment").access_key).toBe("emulator");
    expect(() => build("elsewhere" as "provider")).toThrow('s: emulator.endpointsFrom "elsewhere" must be "provider" or "environment"');
  });
});

describe("the emulator endpoint, for any input", () => {
  const seed = Number(process.env.BULWARK_FUZZ_SEED ?? 20261205);

  it("is an http(s) origin that reads back as itself, or refused naming the field and the value", () => {
    const inputs = fc.oneof(fc.string(), fc.webUrl({ withQueryParameters: true, withFragments: true }), fc.webUrl().map((u) => u.replace(/^https?/, "ftp")), fc.constantFrom("http://127.0.0.1:4566", "https://[::1]:8443", "http://user:pw@127.0.0.1:1"));
    fc.assert(
      fc.property(inputs, (input) => {
        let origin: string;
        try {
          origin = checkEmulatorEndpoint("environment", "BULWARK_AWS_ENDPOINT", input);
        } catch (e) {
          expect(e).toBeInstanceOf(BulwarkValidationError);
          expect((e as Error).message.split("\n")).toHaveLength(1);
          expect((e as Error).message).toContain("BULWARK_AWS_ENDPOINT");
          return;
        }
        // Accepted only as a root URL: a path, query, fragment or credentials are refused, never dropped.
        expect(input).not.toMatch(/[\s\x00-\x1f\x7f]/);
        const given = new URL(input);
        expect([given.pathname, given.search, given.hash, given.username, given.password]).toEqual(["/", "", "", "", ""]);
        const url = new URL(origin);
        expect(["http:", "https:"]).toContain(url.protocol);
        expect([url.origin, url.username, url.password]).toEqual([origin, "", ""]);
        expect(checkEmulatorEndpoint("environment", "BULWARK_AWS_ENDPOINT", origin)).toBe(origin);
      }),
      { seed, numRuns: 500 },
    );
  });

  it("refuses a valid endpoint with white space or a control character anywhere, which a URL parser would drop", () => {
    const valid = fc.constantFrom("http://127.0.0.1:4566", "https://[::1]:8443", "http://localhost:5000/", "HTTP://emulator.internal");
    const blank = fc.oneof(fc.constantFrom(" ", "\t", "\n", "\r", "\u000b", "\f", "\u00a0", "\u2028", "\ufeff"), fc.integer({ min: 0, max: 0x1f }).map((c) => String.fromCharCode(c)), fc.constant("\x7f"));
    fc.assert(
      fc.property(valid, blank, fc.nat(), (endpoint, char, at) => {
        const i = at % (endpoint.length + 1);
        const spelled = `${endpoint.slice(0, i)}${char}${endpoint.slice(i)}`;
        expect(() => checkEmulatorEndpoint("environment", "BULWARK_AWS_ENDPOINT", spelled)).toThrow(BulwarkValidationError);
        try {
          checkEmulatorEndpoint("environment", "BULWARK_AWS_ENDPOINT", spelled);
        } catch (e) {
          expect((e as Error).message.split("\n")).toHaveLength(1);
          expect((e as Error).message).toContain("BULWARK_AWS_ENDPOINT");
        }
        // The construct's prop takes the same check.
        expect(() => new BulwarkStack(Testing.app(), "s", { region: "eu-west-1", accountId: "123456789012", emulator: { endpoint: spelled } })).toThrow(BulwarkValidationError);
      }),
      { seed, numRuns: 300 },
    );
    expect(checkEmulatorEndpoint("environment", "BULWARK_AWS_ENDPOINT", "http://127.0.0.1:4566")).toBe("http://127.0.0.1:4566");
  });
});

describe("what an apply leaves out", () => {
  const config = {
    resource: {
      aws_cloudtrail: { trail: { name: "t", s3_bucket_name: "${aws_s3_bucket.logs.id}" } },
      aws_s3_bucket: { logs: { bucket: "b" } },
      aws_cloudwatch_metric_alarm: { "trail-stopped": { alarm_name: "x", dimensions: { Trail: "${aws_cloudtrail.trail.name}" } } },
      aws_sns_topic: { alarms: { name: "a" } },
    },
  };

  it("leaves out each gap's resources and whatever depends on them, and applies the rest", () => {
    const scope = applyScope(config, LEFT_OUT);
    expect(scope.applied).toEqual(["aws_s3_bucket.logs", "aws_sns_topic.alarms"]);
    expect(scope.leftOut.get("aws_cloudtrail.trail")).toMatch(/^the emulator cannot apply aws_cloudtrail: .*StartLogging/);
    expect(scope.leftOut.get("aws_cloudwatch_metric_alarm.trail-stopped")).toBe("depends on aws_cloudtrail.trail, which is left out");
  });

  // The shape of `terraform graph`'s output (Terraform 1.11, the published examples' root).
  const DOT = [
    "digraph G {",
    '  rankdir = "RL";',
    '  subgraph "cluster_module.audit.module.audit" {',
    '    "module.audit.module.audit.data.aws_region.current" [label="data.aws_region.current"];',
    '    "module.audit.module.audit.aws_cloudtrail.this" [label="aws_cloudtrail.this"];',
    '    "module.audit.module.audit.aws_s3_bucket.logs" [label="aws_s3_bucket.logs"];',
    '    "module.audit.module.audit.aws_config_delivery_channel.this" [label="aws_config_delivery_channel.this"];',
    '    "module.audit.module.audit.aws_cloudwatch_metric_alarm.trail" [label="aws_cloudwatch_metric_alarm.trail"];',
    "  }",
    '  "module.audit.module.audit.module.key.aws_kms_key.this" [label="aws_kms_key.this"];',
    '  "module.network.aws_vpc.this" [label="aws_vpc.this"];',
    '  "module.audit.module.audit.aws_cloudtrail.this" -> "module.audit.module.audit.module.key.aws_kms_key.this";',
    '  "module.audit.module.audit.aws_cloudtrail.this" -> "module.audit.module.audit.data.aws_region.current";',
    '  "module.audit.module.audit.aws_config_delivery_channel.this" -> "module.audit.module.audit.aws_s3_bucket.logs";',
    '  "module.audit.module.audit.aws_cloudwatch_metric_alarm.trail" -> "module.audit.module.audit.aws_cloudtrail.this";',
    "}",
  ].join("\n");

  it("reads Terraform's dependency graph: every node, declared or only in an edge, with what it depends on", () => {
    const graph = dotGraph(DOT);
    expect([...graph.keys()].sort()).toEqual([
      "module.audit.module.audit.aws_cloudtrail.this",
      "module.audit.module.audit.aws_cloudwatch_metric_alarm.trail",
      "module.audit.module.audit.aws_config_delivery_channel.this",
      "module.audit.module.audit.aws_s3_bucket.logs",
      "module.audit.module.audit.data.aws_region.current",
      "module.audit.module.audit.module.key.aws_kms_key.this",
      "module.network.aws_vpc.this",
    ]);
    expect([...graph.get("module.audit.module.audit.aws_cloudtrail.this")!].sort()).toEqual(["module.audit.module.audit.data.aws_region.current", "module.audit.module.audit.module.key.aws_kms_key.this"]);
    const scope = applyScopeOf(graph, LEFT_OUT);
    expect([...scope.leftOut.keys()].sort()).toEqual(["module.audit.module.audit.aws_cloudtrail.this", "module.audit.module.audit.aws_cloudwatch_metric_alarm.trail"]);
  });

  it("targets a module call whole where all of it is applied, else its resources one by one, never a data source", () => {
    const graph = dotGraph(DOT);
    const all = [...graph.keys()];
    const scope = applyScopeOf(graph, LEFT_OUT);
    // The key's module may be counted (module.key[0]): only a target ending at the call takes its instances.
    expect(coveringTargets(scope.applied, all)).toEqual([
      "module.audit.module.audit.aws_config_delivery_channel.this",
      "module.audit.module.audit.aws_s3_bucket.logs",
      "module.audit.module.audit.module.key",
      "module.network",
    ]);
    expect(coveringTargets(all, all)).toEqual(["module.audit", "module.network"]);
    expect(coveringTargets([], all)).toEqual([]);
  });

  it("targets exactly what is applied, for any split of any module tree", () => {
    const step = fc.constantFrom("a", "b", "c");
    const address = fc.tuple(fc.array(step, { maxLength: 3 }), fc.constantFrom("aws_vpc.x", "aws_s3_bucket.y", "data.aws_region.z"))
      .map(([mods, r]) => [...mods.map((m) => `module.${m}`), r].join("."));
    fc.assert(
      fc.property(fc.uniqueArray(address, { minLength: 1, maxLength: 12 }), fc.infiniteStream(fc.boolean()), (all, picks) => {
        const applied = all.filter(() => picks.next().value);
        const targets = coveringTargets(applied, all);
        // What a target takes: itself, or everything below a module call it names.
        const taken = all.filter((a) => targets.some((t) => a === t || a.startsWith(`${t}.`)));
        const managed = (a: string) => !/(^|\.)data\./.test(a);
        expect(taken.filter(managed).sort()).toEqual(applied.filter(managed).sort());
        expect(targets.filter((t) => !managed(t))).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });

  it("accepts only the listed read-back quirks after the apply", () => {
    const rule = (criteria: boolean, bucket: string) => [{ status: "Enabled", destination: [{ bucket }], source_selection_criteria: criteria ? [{ sse_kms_encrypted_objects: [{ status: "Enabled" }] }] : [] }];
    const changes = [
      { address: "aws_launch_template.app", type: "aws_launch_template", actions: ["update"], attributes: ["tag_specifications"], detail: "", paths: ["tag_specifications"] },
      { address: "aws_launch_template.app", type: "aws_launch_template", actions: ["update"], attributes: ["metadata_options"], detail: "metadata_options: a -> b", paths: ["metadata_options.http_tokens"] },
      { address: "aws_kms_key.k", type: "aws_kms_key", actions: ["delete", "create"], attributes: ["policy"], detail: "", paths: ["policy"] },
      // A quirk below an attribute covers that path only: the same rule with another destination is a finding.
      { address: "aws_s3_bucket_replication_configuration.r", type: "aws_s3_bucket_replication_configuration", actions: ["update"], attributes: ["rule"], detail: "rule", paths: differingPaths(rule(false, "a"), rule(true, "a"), "rule") },
      { address: "aws_s3_bucket_replication_configuration.s", type: "aws_s3_bucket_replication_configuration", actions: ["update"], attributes: ["rule"], detail: "rule", paths: differingPaths(rule(false, "a"), rule(true, "b"), "rule") },
    ];
    expect(unexplained(changes, READ_BACK_QUIRKS)).toEqual([
      "aws_launch_template.app: metadata_options.http_tokens (update; metadata_options: a -> b)",
      "aws_kms_key.k: delete/create (policy)",
      "aws_s3_bucket_replication_configuration.s: rule.destination.bucket (update; rule)",
    ]);
  });
});

describe("cdktf's output", () => {
  const output = [
    "prod  aws_lb.alb: Creation complete after 1m0s [id=arn:aws:elasticloadbalancing:eu-west-1:222222222222:loadbalancer/app/prod-web/1]",
    "prod  ╷",
    "      │ Error: creating ELBv2 Listener (arn:aws:elasticloadbalancing:eu-west-1:222222222222:loadbalancer/app/prod-web/1): operation error Elastic Load Balancing v2: CreateListener, StatusCode: 400, CertificateNotFound: Supplied certificate was not found",
    "      │ ",
    "      │   with aws_lb_listener.load-balancer_https (load-balancer/https),",
    '      │   on cdk.tf.json line 2603, in resource.aws_lb_listener.load-balancer_https (load-balancer/https):',
    "      ╵",
    "dev   Apply complete! Resources: 170 added, 0 changed, 0 destroyed.",
  ].join("\n");

  it("names the stack, the resource and the API's error of each refusal, in one line", () => {
    expect(refusals(`\n${output}`, ["dev", "prod"])).toEqual([
      expect.stringMatching(/^stack prod: aws_lb_listener\.load-balancer_https: creating ELBv2 Listener .*CertificateNotFound: Supplied certificate was not found$/),
    ]);
    expect(deployResult({ status: 1, output }, ["dev", "prod"]).ok).toBe(false);
  });

  it("takes cdktf's failure to draw a null output after complete applies for what it is", () => {
    const crashed = "dev   Apply complete! Resources: 170 added, 0 changed, 0 destroyed.\nprod  Apply complete! Resources: 264 added, 0 changed, 0 destroyed.\n  ERROR  Cannot convert undefined or null to object\n - U$e (node_modules/cdktf-cli/bundle/bin/cmds/handlers.js:514:9125)";
    expect(deployResult({ status: 1, output: crashed }, ["dev", "prod"])).toEqual({ ok: true, refused: [], cliNullOutputCrash: true });
    expect(deployResult({ status: 1, output: crashed.replace(/prod .*\n/, "") }, ["dev", "prod"]).ok).toBe(false);
  });
});

describe("the override file for a published module's example", () => {
  it("sends every provider configuration, aliases included, to the emulator as the account given, the endpoint through the environment", () => {
    const hcl = 'provider "aws" {\n  region = "eu-west-1"\n}\n\nprovider "aws" {\n  alias  = "copy"\n  region = "eu-central-1"\n}\n';
    expect(providerAliases(hcl)).toEqual([undefined, "copy"]);
    const { override, env } = emulatorOverride("http://127.0.0.1:1", "300000000010", providerAliases(hcl));
    expect(override.provider.aws.map((p: Record<string, any>) => [p.alias, p.assume_role[0].role_arn, p.access_key, p.skip_credentials_validation, p.s3_use_path_style])).toEqual([
      [undefined, "arn:aws:iam::300000000010:role/bulwark-deploy", "emulator", true, true],
      ["copy", "arn:aws:iam::300000000010:role/bulwark-deploy", "emulator", true, true],
    ]);
    // No `endpoints` block (each costs the provider seconds to validate): the SDK's own variable sends every service there.
    expect(override.provider.aws.filter((p) => "endpoints" in p)).toEqual([]);
    expect(env).toEqual({ AWS_ENDPOINT_URL: "http://127.0.0.1:1" });
  });
});

describe("an example's placeholders replaced by prerequisites", () => {
  const hcl = 'module "web" {\n  source = "../.."\n\n  vpc_id = "vpc-0123456789abcdef0"\n  subnet_ids = { a = "subnet-0123456789abcdef0" }\n}\n';
  const prerequisites = {
    resources: {},
    replace: [
      ['"vpc-0123456789abcdef0"', "aws_vpc.prerequisite.id"],
      ['"subnet-0123456789abcdef0"', "aws_subnet.prerequisite_a.id"],
    ] as [string, string][],
  };

  it("replaces each listed placeholder by its reference, everywhere", () => {
    expect(withPrerequisites("web", hcl, prerequisites)).toBe('module "web" {\n  source = "../.."\n\n  vpc_id = aws_vpc.prerequisite.id\n  subnet_ids = { a = aws_subnet.prerequisite_a.id }\n}\n');
  });

  it("fails naming a placeholder that nothing replaces, or a listed one the example no longer holds", () => {
    expect(() => withPrerequisites("web", hcl, undefined)).toThrow(/the web example names ids that exist nowhere[\s\S]*vpc_id = "vpc-0123456789abcdef0"/);
    expect(() => withPrerequisites("web", hcl, { resources: {}, replace: prerequisites.replace.slice(0, 1) })).toThrow(/subnet-0123456789abcdef0/);
    expect(() => withPrerequisites("web", hcl.replace("vpc-0123456789abcdef0", "vpc-1"), prerequisites)).toThrow(/no longer holds "vpc-0123456789abcdef0"/);
    expect(() => withPrerequisites("alarms", 'alarm_topic_arn = "arn:aws:sns:eu-west-1:111111111111:prod-alarms"\n', undefined)).toThrow(/111111111111/);
  });

  it("replaces a placeholder only by a reference to what the example's prerequisites create", () => {
    for (const [example, p] of Object.entries(examplePrerequisites("300000000099"))) {
      const created = new Set(Object.entries(p.resources).flatMap(([type, byName]) => Object.keys(byName).map((name) => `${type}.${name}`)));
      for (const [, expression] of p.replace) {
        const referenced = /\b(aws_[a-z0-9_]+\.[a-z0-9_]+)\./.exec(expression)?.[1];
        expect([example, expression, referenced !== undefined && created.has(referenced)]).toEqual([example, expression, true]);
      }
    }
  });
});

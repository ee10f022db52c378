import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as http2 from "node:http2";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import fc from "fast-check";
import { AWS_PROVIDER_VERSION } from "../../modules/core/stack";
import { alive, stopProcessAndWait } from "./emulator";
import { configurationTypes, mayShareProvider, mirroredProvider, missingFromView, poolIdleLimit, PoolProfile, poolStats, providerEnv, reattachFor, startProviderPool, stopPoolLeftovers, viewMisses, viewOf } from "./provider-server";
import { init, terraform, terraformEnv } from "./terraform";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "bulwark-provider-server-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe("which terraform calls attach to the run's provider processes", () => {
  it("every command but init and providers (they install providers)", () => {
    expect(["validate", "show", "graph", "plan", "apply", "destroy", "test", "console", "init", "providers"].map((c) => [c, mayShareProvider([c, "-no-color"])])).toEqual([
      ["validate", true],
      ["show", true],
      ["graph", true],
      ["plan", true],
      ["apply", true],
      ["destroy", true],
      ["test", true],
      ["console", true],
      ["init", false],
      ["providers", false],
    ]);
  });

  it("reads what a provider process reads of the environment, sorted, and nothing else", () => {
    const env = { PATH: "/bin", TF_CLI_CONFIG_FILE: "/x", TF_LOG: "", AWS_REGION: "eu-west-1", HOME: "/root", https_proxy: "p", AWS_ENDPOINT_URL: "http://127.0.0.1:1", JEST_WORKER_ID: "2", TF_AWS_DEFAULT_TAGS_x: "y", SSL_CERT_FILE: "/c" };
    expect(providerEnv(env)).toEqual({ AWS_ENDPOINT_URL: "http://127.0.0.1:1", AWS_REGION: "eu-west-1", HOME: "/root", SSL_CERT_FILE: "/c", TF_AWS_DEFAULT_TAGS_x: "y", TF_LOG: "", https_proxy: "p" });
    expect(Object.keys(providerEnv(env))).toEqual(Object.keys(providerEnv(env)).sort());
  });

  it("attaches only to the profile whose provider environment equals the call's", () => {
    const plain = { HOME: "/root", AWS_EC2_METADATA_DISABLED: "true" };
    const pool: PoolProfile[] = [
      { reattach: "plain", env: providerEnv(plain) },
      { reattach: "emulated", env: providerEnv({ ...plain, AWS_ENDPOINT_URL: "http://127.0.0.1:4566" }) },
    ];
    const json = JSON.stringify(pool);
    expect(reattachFor(["plan"], { ...plain, PATH: "/bin", JEST_WORKER_ID: "1" }, json)).toBe("plain");
    expect(reattachFor(["apply"], { ...plain, AWS_ENDPOINT_URL: "http://127.0.0.1:4566" }, json)).toBe("emulated");
    // Another endpoint, one more AWS variable, one missing: Terraform starts its own processes.
    expect(reattachFor(["apply"], { ...plain, AWS_ENDPOINT_URL: "http://127.0.0.1:4567" }, json)).toBeUndefined();
    expect(reattachFor(["plan"], { ...plain, AWS_PROFILE: "prod" }, json)).toBeUndefined();
    expect(reattachFor(["plan"], { HOME: "/root" }, json)).toBeUndefined();
    expect(reattachFor(["init"], plain, json)).toBeUndefined();
    expect(reattachFor(["plan"], plain, undefined)).toBeUndefined();
  });
});

describe("how many idle configured processes the pool keeps (BULWARK_TF_POOL_IDLE)", () => {
  it("takes a whole number from 0, 20 when unset", () => {
    expect(poolIdleLimit({})).toBe(20);
    expect(poolIdleLimit({ BULWARK_TF_POOL_IDLE: "" })).toBe(20);
    expect(poolIdleLimit({ BULWARK_TF_POOL_IDLE: "0" })).toBe(0);
    expect(poolIdleLimit({ BULWARK_TF_POOL_IDLE: " 7 " })).toBe(7);
  });

  it.each(["-1", "1.5", "ten", "Infinity", "0x10", "3 4"])("refuses %j with the variable and the value named, before starting anything", async (value) => {
    expect(() => poolIdleLimit({ BULWARK_TF_POOL_IDLE: value })).toThrow(`BULWARK_TF_POOL_IDLE must be a whole number of processes (0 or more), not ${JSON.stringify(value)}`);
    // startProviderPool refuses before it spawns: the binary does not exist, so a spawn would fail otherwise.
    const dir = path.join(tmp, `idle-${value.replace(/\W/g, "_")}`);
    await expect(startProviderPool("/nonexistent/provider", dir, { BULWARK_TF_POOL_IDLE: value }, {})).rejects.toThrow(/BULWARK_TF_POOL_IDLE/);
    expect(fs.existsSync(dir)).toBe(false);
  });

  it("is refused by the pool itself when it is started by hand", () => {
    const r = spawnSync(process.execPath, [path.join(__dirname, "provider-pool.js"), "/nonexistent/provider", path.join(tmp, "by-hand"), "{}"], {
      env: { ...process.env, BULWARK_TF_POOL_IDLE: "many" },
      encoding: "utf8",
    });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('BULWARK_TF_POOL_IDLE must be a whole number of processes (0 or more), not "many"');
  });
});

/** A protobuf varint, written here independently of the pool's reader. */
function varint(v: number): Buffer {
  const out: number[] = [];
  for (; v >= 0x80; v = Math.floor(v / 128)) out.push((v & 0x7f) | 0x80);
  out.push(v);
  return Buffer.from(out);
}
/** A protobuf length-delimited field. */
const field = (n: number, bytes: Uint8Array) => Buffer.concat([varint(n * 8 + 2), varint(bytes.length), bytes]);
/** A gRPC frame: flag 0, length, message. */
function grpcFrame(message: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head.writeUInt32BE(message.length, 1);
  return Buffer.concat([head, message]);
}

describe("the key of a configured provider process", () => {
  const { withoutCapabilities } = require("./provider-pool.js") as { withoutCapabilities: (frame: Buffer) => Buffer };
  const frame = (...fields: Buffer[]) => grpcFrame(Buffer.concat(fields));
  const bytes = fc.uint8Array({ maxLength: 300 });

  it("ignores the client capabilities (a plan's and an apply's differ) and keeps the version and configuration", () => {
    fc.assert(
      fc.property(bytes, bytes, fc.option(bytes), fc.option(bytes), (version, config, capsA, capsB) => {
        const a = frame(field(1, version), field(2, config), ...(capsA ? [field(3, capsA)] : []));
        const b = frame(field(1, version), field(2, config), ...(capsB ? [field(3, capsB)] : []));
        expect(withoutCapabilities(a).equals(withoutCapabilities(b))).toBe(true);
        expect(withoutCapabilities(a).equals(Buffer.concat([field(1, version), field(2, config)]))).toBe(true);
      }),
    );
  });

  it("tells different configurations and versions apart", () => {
    fc.assert(
      fc.property(bytes, bytes, bytes, (version, config, other) => {
        fc.pre(!Buffer.from(config).equals(Buffer.from(other)));
        const key = (v: Uint8Array, c: Uint8Array) => withoutCapabilities(frame(field(1, v), field(2, c), field(3, Buffer.from([8, 1]))));
        expect(key(version, config).equals(key(version, other))).toBe(false);
        expect(key(config, version).equals(key(other, version))).toBe(false);
      }),
    );
  });

  it("keys a message it cannot read whole", () => {
    const odd = frame(Buffer.from([0x08, 0x01]), field(2, Buffer.from("x")));
    expect(withoutCapabilities(odd)).toEqual(odd);
    // Cut short: the configuration's length runs past the end.
    const cut = frame(field(1, Buffer.from("1.11")), field(2, Buffer.from("config")).subarray(0, 4));
    expect(withoutCapabilities(cut)).toEqual(cut);
  });
});

describe("a schema view: the provider's schema of only some types", () => {
  const { schemaView } = require("./provider-pool.js") as { schemaView: (frame: Buffer, keep: ReadonlySet<string>) => Buffer };
  const frame = grpcFrame;
  /** A map entry of a GetProviderSchema reply: the type name, then its schema. */
  const entry = (n: number, name: string, schema: Uint8Array) => field(n, Buffer.concat([field(1, Buffer.from(name)), field(2, schema)]));
  const name = fc.stringMatching(/^aws_[a-z0-9_]{1,12}$/);
  // Fields of the reply in any order: the provider (1), the three maps by type (2, 3, 8), diagnostics (4),
  // provider_meta (5), capabilities (6, with a varint inside), functions (7); and a varint field (9) nobody sends.
  const part = fc.oneof(
    fc.record({ map: fc.constantFrom(2, 3, 8), name, schema: fc.uint8Array({ maxLength: 40 }) }),
    fc.record({ other: fc.constantFrom(1, 4, 5, 6, 7), bytes: fc.uint8Array({ maxLength: 40 }) }),
    fc.record({ varint: fc.nat() }),
  );
  const encode = (p: any) => ("map" in p ? entry(p.map, p.name, p.schema) : "other" in p ? field(p.other, p.bytes) : Buffer.concat([varint(9 * 8), varint(p.varint)]));

  it("keeps exactly the entries of the three maps whose type is kept, and every other field whole and in its place", () => {
    fc.assert(
      fc.property(fc.array(part, { maxLength: 30 }), fc.array(name, { maxLength: 10 }), (parts, kept) => {
        const keep = new Set([...kept, ...parts.filter((p: any) => "map" in p && p.name.length % 2).map((p: any) => p.name)]);
        const expected = frame(Buffer.concat(parts.filter((p: any) => !("map" in p) || keep.has(p.name)).map(encode)));
        expect(schemaView(frame(Buffer.concat(parts.map(encode))), keep).equals(expected)).toBe(true);
      }),
    );
  });

  it("returns a frame it cannot read as it came: compressed, not one whole message, cut short, an unknown wire type", () => {
    const whole = frame(Buffer.concat([entry(2, "aws_vpc", Buffer.from([1, 2])), entry(2, "aws_subnet", Buffer.from([3]))]));
    const compressed = Buffer.from(whole);
    compressed[0] = 1;
    const longer = Buffer.concat([whole, Buffer.from([0])]);
    const cut = frame(whole.subarray(5, whole.length - 2));
    const group = frame(Buffer.concat([whole.subarray(5), Buffer.from([9 * 8 + 3])]));
    for (const f of [compressed, longer, cut, group, Buffer.alloc(3)]) expect(schemaView(f, new Set(["aws_vpc"]))).toBe(f);
    // Read whole, it is trimmed.
    expect(schemaView(whole, new Set(["aws_vpc"])).length).toBeLessThan(whole.length);
  });
});

describe("the types a configuration can meet", () => {
  it("reads configuration, tests, mocks, variables and state, and the modules init installed, not node_modules", () => {
    const root = path.join(tmp, "types", "root");
    const mod = path.join(tmp, "types", "mod");
    const write = (file: string, text: string) => {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, text);
    };
    write(path.join(root, "main.tf"), 'resource "aws_vpc" "a" {}\nmodule "m" { source = "../mod" }\n');
    write(path.join(root, "stack.tf.json"), JSON.stringify({ data: { aws_region: { r: {} } } }));
    write(path.join(root, "tests", "a.tftest.hcl"), 'mock_provider "aws" { mock_resource "aws_kms_key" {} }\n');
    write(path.join(root, "terraform.tfstate"), JSON.stringify({ resources: [{ type: "aws_sns_topic" }] }));
    write(path.join(root, "README.md"), "aws_not_terraform");
    write(path.join(root, "node_modules", "x", "main.tf"), 'resource "aws_in_node_modules" "a" {}');
    write(path.join(root, ".terraform", "modules", "modules.json"), JSON.stringify({ Modules: [{ Key: "", Dir: "." }, { Key: "m", Source: "../mod", Dir: "../mod" }] }));
    write(path.join(mod, "main.tf"), 'resource "aws_subnet" "s" {}\n');
    expect(configurationTypes([root])).toEqual(["aws_kms_key", "aws_region", "aws_sns_topic", "aws_subnet", "aws_vpc"]);
    expect(configurationTypes([path.join(tmp, "types", "nothing-here")])).toBeUndefined();
    write(path.join(tmp, "types", "outputs-only", "main.tf"), 'output "x" { value = 1 }\n');
    expect(configurationTypes([path.join(tmp, "types", "outputs-only")])).toEqual([]);
  });

  it("reads the same types however their names are escaped, in Terraform JSON and in HCL", () => {
    const dir = path.join(tmp, "escaped");
    let n = 0;
    fc.assert(
      fc.property(fc.uniqueArray(fc.stringMatching(/^aws_[a-z0-9_]{1,10}$/), { minLength: 1, maxLength: 6 }), fc.infiniteStream(fc.nat(2)), (types, ways) => {
        // Each character of a name kept, or written \uXXXX, or (HCL only) \UXXXXXXXX.
        const it = ways[Symbol.iterator]();
        const spell = (name: string, hcl: boolean) =>
          [...name].map((c) => {
            const way = it.next().value as number;
            const hex = c.codePointAt(0)!.toString(16);
            return way === 1 ? `\\u${hex.padStart(4, "0")}` : way === 2 && hcl ? `\\U${hex.padStart(8, "0")}` : c;
          }).join("");
        const [asResource, asData] = [types.filter((_, i) => i % 2 === 0), types.filter((_, i) => i % 2 === 1)];
        const root = path.join(dir, String(++n));
        fs.mkdirSync(root, { recursive: true });
        const json = `{"resource": {${asResource.map((t) => `"${spell(t, false)}": {"a": {}}`).join(", ")}}}`;
        fs.writeFileSync(path.join(root, "main.tf.json"), json);
        fs.writeFileSync(path.join(root, "data.tf"), asData.map((t) => `data "${spell(t, true)}" "a" {}\n`).join(""));
        // Terraform reads the same types from them as from the plain spelling.
        expect(Object.keys(JSON.parse(json).resource)).toEqual(asResource);
        expect(configurationTypes([root])).toEqual([...types].sort());
      }),
      { numRuns: 50 },
    );
  });

  it("tells a view too narrow by Terraform's own words", () => {
    expect(missingFromView('Error: Invalid resource type\n\nThe provider hashicorp/aws does not support resource type "aws_vpc".')).toBe(true);
    expect(missingFromView("Error: no schema found for aws_sns_topic.t")).toBe(true);
    expect(missingFromView("Error: Invalid data source\n\nThe provider hashicorp/aws does not support data source \"aws_nope\".")).toBe(false);
    expect(missingFromView("Error: Reference to undeclared resource")).toBe(false);
  });

  it("names the socket and the pool's log when a view does not open", () => {
    const dir = path.join(tmp, "no-pool");
    fs.mkdirSync(path.join(dir, "views"), { recursive: true });
    const reattach = JSON.stringify({ "registry.terraform.io/hashicorp/aws": { Protocol: "grpc", ProtocolVersion: 5, Pid: 1, Test: true, Addr: { Network: "unix", String: path.join(dir, "plain.sock") } } });
    expect(() => viewOf(reattach, ["aws_vpc"], 50)).toThrow(new RegExp(`did not open ${dir}/v-[0-9a-f]{24}\\.sock \\(a view of 1 types\\) in 0\\.05 s; see ${dir}/pool\\.log`));
  });
});

const mirror = process.env.BULWARK_TF_MIRROR;
const bin = mirror ? mirroredProvider(mirror, AWS_PROVIDER_VERSION) : undefined;
if (!bin) process.stderr.write("provider pool suite did not run: no aws provider in a filesystem mirror (BULWARK_TF_MIRROR)\n");
const describePool = bin ? describe : describe.skip;

/** The pool's counters once Terraform's connections have closed (eviction runs as each one does). */
async function settledStats(reattach: string, done: (s: Record<string, any>) => boolean): Promise<Record<string, any>> {
  for (let i = 0; ; i++) {
    const s = await poolStats(reattach);
    if (done(s) || i === 50) return s;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** One unary gRPC call with an empty message; resolves with the grpc-status it got. */
function emptyCall(reattach: string, call: string): Promise<string> {
  const sock = JSON.parse(reattach)["registry.terraform.io/hashicorp/aws"].Addr.String;
  return new Promise((resolve, reject) => {
    const session = http2.connect("http://pool", { createConnection: () => net.connect(sock) });
    session.on("error", reject);
    const req = session.request({ ":path": call, ":method": "POST", "content-type": "application/grpc", te: "trailers" });
    let status = "";
    req.on("response", (h) => (status = String(h["grpc-status"] ?? status)));
    req.on("trailers", (t) => (status = String(t["grpc-status"] ?? status)));
    req.on("data", () => {});
    req.on("end", () => {
      session.close();
      resolve(status);
    });
    req.end(Buffer.alloc(5));
  });
}

describePool("the provider pool with Terraform", () => {
  const dir = path.join(tmp, "root");
  let pool: { pid: number; profiles: PoolProfile[] };
  const plan = (reattach?: string) =>
    spawnSync(process.env.TERRAFORM_BIN ?? "terraform", ["plan", "-no-color", "-input=false", "-refresh=false", "-lock=false"], {
      cwd: dir,
      env: { ...terraformEnv(), ...(reattach ? { TF_REATTACH_PROVIDERS: reattach } : {}) },
      encoding: "utf8",
    });

  beforeAll(async () => {
    // Two configurations (another region under an alias), each read by a data source that asks no API.
    const provider = (region: string, alias?: string) => ({ ...(alias ? { alias } : {}), region, access_key: "offline", secret_key: "offline", skip_credentials_validation: true, skip_requesting_account_id: true, skip_metadata_api_check: true, skip_region_validation: true });
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(
      path.join(dir, "main.tf.json"),
      JSON.stringify({
        terraform: { required_providers: { aws: { source: "hashicorp/aws", version: AWS_PROVIDER_VERSION } } },
        provider: { aws: [provider("eu-west-1"), provider("eu-central-1", "copy")] },
        data: { aws_region: { here: {}, there: { provider: "aws.copy" } } },
        resource: { aws_vpc: { a: { cidr_block: "10.0.0.0/16" } } },
        output: { here: { value: "${data.aws_region.here.name}" }, there: { value: "${data.aws_region.there.name}" } },
      }),
    );
    init(dir);
    // Keeps one idle configured process, so the second configuration's is stopped after each plan.
    pool = await startProviderPool(bin!, path.join(tmp, "pool"), { ...terraformEnv(), BULWARK_TF_POOL_IDLE: "1" }, { plain: {} });
  }, 120_000);
  afterAll(async () => {
    if (pool) await stopProcessAndWait(pool.pid);
  });

  it("serves each configuration from its own process, started once and kept for the next call", async () => {
    // Through a view of the configuration's types (the routing is the same; Terraform decodes less).
    const reattach = viewOf(pool.profiles[0].reattach, configurationTypes([dir])!);
    const first = plan(reattach);
    expect(first.stderr).toBe("");
    // Each configuration answered from its own process: the alias's region is not the default's.
    expect(first.stdout).toMatch(/here\s+= "eu-west-1"\n\s+\+ there\s+= "eu-central-1"/);
    expect(first.stdout).toMatch(/Plan: 1 to add, 0 to change, 0 to destroy/);
    const afterFirst = await settledStats(reattach, (s) => s.evicted === 1);
    // The unconfigured process and one per configuration; each configured once.
    expect([afterFirst.started, afterFirst.configures, afterFirst.configureReplays]).toEqual([3, 2, 0]);
    const second = plan(reattach);
    expect([second.status, second.stdout.match(/Plan: .*/)?.[0]]).toEqual([0, "Plan: 1 to add, 0 to change, 0 to destroy."]);
    const afterSecond = await settledStats(reattach, (s) => s.evicted === 2);
    // The process evicted (one idle kept) is started again; the kept one answers from its first reply.
    expect([afterSecond.configures + afterSecond.configureReplays, afterSecond.evicted]).toEqual([4, 2]);
    expect(afterSecond.configureReplays).toBeGreaterThanOrEqual(1);
    // The schema was asked of the provider once: every later Terraform process got the first reply.
    expect(afterSecond.pureReplays).toBeGreaterThan(afterFirst.pureReplays);
    // So was each validation: the second plan sent the same requests and got the first plan's replies.
    expect(afterFirst.validations).toBeGreaterThanOrEqual(2);
    expect(afterSecond.validations).toBe(afterFirst.validations);
    expect(afterSecond.validationReplays - afterFirst.validationReplays).toBeGreaterThanOrEqual(afterFirst.validations);
  }, 120_000);

  it("serves a view: the same plan from a schema of the configuration's types only, a narrower one refused by Terraform", async () => {
    const reattach = pool.profiles[0].reattach;
    const types = configurationTypes([dir])!;
    expect(types).toEqual(["aws_region", "aws_vpc"]);
    const whole = plan(reattach);
    const viewed = plan(viewOf(reattach, types));
    expect([viewed.status, viewed.stderr]).toEqual([0, ""]);
    // The same plan; the data sources are read concurrently, so their progress lines come in either order.
    // The time a read took is the machine's, not the plan's ("after 0s" or "after 1s" under load).
    const progress = (out: string) =>
      out
        .split("\n")
        .filter((l) => / (Reading\.\.\.|Read complete after)/.test(l))
        .map((l) => l.replace(/Read complete after \d+s/, "Read complete after Ns"))
        .sort();
    const rest = (out: string) => out.split("\n").filter((l) => !/ (Reading\.\.\.|Read complete after)/.test(l));
    expect(rest(viewed.stdout)).toEqual(rest(whole.stdout));
    expect(progress(viewed.stdout)).toEqual(progress(whole.stdout));
    expect(progress(viewed.stdout)).toHaveLength(4);
    // The same types in another order are the same view.
    expect(viewOf(reattach, [...types].reverse())).toBe(viewOf(reattach, types));
    const narrow = plan(viewOf(reattach, ["aws_region"]));
    expect(narrow.status).toBe(1);
    expect(missingFromView(narrow.stderr)).toBe(true);
    expect(narrow.stderr).toContain('does not support resource type "aws_vpc"');
    const s = await poolStats(reattach);
    expect([s.views, s.viewSchemas]).toEqual([2, 2]);
  }, 120_000);

  it("replays a validation's errors as the provider gave them, and asks again for another request", async () => {
    const bad = path.join(tmp, "bad-cidr");
    fs.mkdirSync(bad, { recursive: true });
    const required = { required_providers: { aws: { source: "hashicorp/aws", version: AWS_PROVIDER_VERSION } } };
    const write = (cidr: string) => fs.writeFileSync(path.join(bad, "main.tf.json"), JSON.stringify({ terraform: required, resource: { aws_vpc: { v: { cidr_block: cidr } } } }));
    write("10.0.0.0/33");
    init(bad);
    const reattach = viewOf(pool.profiles[0].reattach, ["aws_vpc"]);
    const validate = () => spawnSync(process.env.TERRAFORM_BIN ?? "terraform", ["validate", "-no-color"], { cwd: bad, env: { ...terraformEnv(), TF_REATTACH_PROVIDERS: reattach }, encoding: "utf8" });
    const before = await poolStats(reattach);
    const first = validate();
    const second = validate();
    expect([first.status, second.status]).toEqual([1, 1]);
    expect(first.stderr).toMatch(/expected cidr_block to contain a valid Value, got: 10\.0\.0\.0\/33 .*invalid CIDR address/);
    expect(second.stderr).toBe(first.stderr);
    const after = await poolStats(reattach);
    expect([after.validations - before.validations, after.validationReplays - before.validationReplays]).toEqual([1, 1]);
    // Another value is another request: the provider answers it.
    write("10.1.0.0/16");
    expect(validate().status).toBe(0);
    expect((await poolStats(reattach)).validations - after.validations).toBe(1);
  }, 120_000);

  it("answers Stop and Shutdown itself, and stops every process it started on SIGTERM", async () => {
    const reattach = viewOf(pool.profiles[0].reattach, configurationTypes([dir])!);
    expect(await emptyCall(reattach, "/tfplugin5.Provider/Stop")).toBe("0");
    expect(await emptyCall(reattach, "/plugin.GRPCController/Shutdown")).toBe("0");
    const stats = await poolStats(reattach);
    expect(stats.pids.length).toBeGreaterThanOrEqual(2);
    expect(stats.pids.every(alive)).toBe(true);
    // Still serving after both.
    expect(plan(reattach).status).toBe(0);
    await stopProcessAndWait(pool.pid);
    expect([pool.pid, ...stats.pids].filter(alive)).toEqual([]);
  }, 120_000);

  it("leaves what a pool killed with SIGKILL started for the teardown to kill, and only that", async () => {
    const dir = path.join(tmp, "killed-pool");
    const killed = await startProviderPool(bin!, dir, terraformEnv(), { plain: {} });
    const started = (await poolStats(killed.profiles[0].reattach)).pids as number[];
    process.kill(killed.pid, "SIGKILL");
    await new Promise((r) => setTimeout(r, 300));
    const running = (pid: number) => fs.existsSync(`/proc/${pid}/stat`) && fs.readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1][0] !== "Z";
    expect(started.filter(running)).toEqual(started);
    // A pid written down that is no provider (this worker) is not touched.
    fs.appendFileSync(path.join(dir, "pids"), `${process.pid}\n`);
    expect(stopPoolLeftovers(dir)).toEqual(started);
    await new Promise((r) => setTimeout(r, 300));
    expect(started.filter(running)).toEqual([]);
    expect(stopPoolLeftovers(dir)).toEqual([]);
  }, 120_000);
});

const runPool = process.env.BULWARK_TF_POOL ? (JSON.parse(process.env.BULWARK_TF_POOL) as PoolProfile[]) : [];
(runPool.length && process.env.BULWARK_TF_SCHEMA_VIEWS !== "0" ? describe : describe.skip)("a terraform call a view was too narrow for", () => {
  it("is run again with the whole schema and written down", () => {
    const planned = path.join(tmp, "planned");
    const other = path.join(tmp, "outputs-only");
    const required = { required_providers: { aws: { source: "hashicorp/aws", version: AWS_PROVIDER_VERSION } } };
    const offline = { region: "eu-west-1", access_key: "offline", secret_key: "offline", skip_credentials_validation: true, skip_requesting_account_id: true, skip_metadata_api_check: true };
    fs.mkdirSync(planned, { recursive: true });
    fs.mkdirSync(other, { recursive: true });
    fs.writeFileSync(path.join(planned, "main.tf.json"), JSON.stringify({ terraform: required, provider: { aws: offline }, resource: { aws_sns_topic: { t: { name: "t" } } } }));
    fs.writeFileSync(path.join(other, "main.tf.json"), JSON.stringify({ terraform: required, output: { x: { value: 1 } } }));
    init(planned);
    init(other);
    terraform(planned, ["plan", "-input=false", "-refresh=false", "-lock=false", "-out=p.tfplan"]);
    // The plan names a type the other directory's configuration does not: its view has none.
    const shown = JSON.parse(terraform(other, ["show", "-json", path.join(planned, "p.tfplan")]).stdout);
    expect(shown.resource_changes.map((c: { address: string }) => c.address)).toEqual(["aws_sns_topic.t"]);
    const poolDir = path.dirname(JSON.parse(runPool[0].reattach)["registry.terraform.io/hashicorp/aws"].Addr.String);
    expect(viewMisses(poolDir)).toContain(`terraform show -json ${path.join(planned, "p.tfplan")} in ${other}`);
  }, 120_000);
});

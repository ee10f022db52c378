#!/usr/bin/env node
// @ts-check
/**
 * The aws provider processes of a jest run, shared by every Terraform call (docs/TESTING.md, "One
 * provider process per configuration"). Terraform attaches to this server instead of starting its own
 * processes (TF_REATTACH_PROVIDERS; `__tests__/support/provider-server.ts` decides which calls may).
 *
 * Terraform opens one gRPC connection (HTTP/2) per provider instance: one per provider configuration per
 * walk (validate, plan, apply; a destroy adds one). Each connection is routed here:
 * - until it configures the provider, to one unconfigured process (schemas, configuration checks);
 * - from `Configure` on, to a process configured with exactly the same request bytes (configuration and
 *   Terraform version), started on first use with the listening profile's environment. The aws provider
 *   refuses a second `Configure` in one process, so every later one gets the first one's reply.
 * The schema (`GetSchema`, `GetMetadata`, `GetFunctions`: the same for every caller) is asked once and
 * replayed. `Stop` (an interrupted Terraform) and go-plugin's `Shutdown` are answered without reaching a
 * process other Terraform calls may share.
 *
 * One listening socket per environment profile (`<dir>/<profile>.sock`): a provider process reads its
 * own environment (AWS_ENDPOINT_URL and the like), not the calling Terraform's, so the caller picks the
 * profile whose environment equals its own, or attaches to none.
 *
 * usage: node provider-pool.js <provider binary> <dir> <profiles JSON: {"name": {env additions}}>
 * Prints one line when ready: {"pid": …, "sockets": {"name": "path"}}. `GET /bulwark.pool/stats` on any
 * socket answers counters (JSON). SIGTERM (or the parent's death) stops every process it started.
 *
 * Views: Terraform decodes the whole schema it is sent on every call (the aws provider's is 4.9 MB: about
 * 1,500 resource types, 600 data sources), about 1.7 s of CPU and 220 MB a call, whatever its
 * configuration uses. A caller that knows the types its configuration can meet writes
 * `<dir>/views/<key>.json` ({"profile", "types"}); the server then listens on `<dir>/v-<key>.sock` (the
 * socket appears once it listens) and answers `GetSchema` there with the schema of those types only
 * (`schemaView`: the provider's own schema, functions and capabilities whole). Everything else a view
 * serves exactly as its profile's socket does, from the same processes.
 *
 * BULWARK_TF_POOL_IDLE: how many configured processes nobody uses are kept (default 20: a whole run
 * configures about fifteen distinct ones (the teardown line counts them); each process holds
 * 60–170 MB of its own besides the binary's pages, which they share).
 */
const { spawn } = require("node:child_process");
const crypto = require("node:crypto");
const fs = require("node:fs");
const http2 = require("node:http2");
const net = require("node:net");
const path = require("node:path");

/**
 * The fields of a protobuf message in order, each its number, wire type and place (`start` the tag,
 * `body` the start of a length-delimited field's contents, `end` past it); undefined when the message
 * cannot be read whole (cut short, a wire type it does not know how to skip).
 * @param {Buffer} message @returns {{ number: number, wire: number, start: number, body: number, end: number }[] | undefined}
 */
function fieldsOf(message) {
  const fields = [];
  let i = 0;
  while (i < message.length) {
    const start = i;
    const tag = varintAt(message, i);
    if (!tag) return undefined;
    const wire = tag[0] & 7;
    let body = tag[1];
    if (wire === 0) {
      const v = varintAt(message, body);
      if (!v) return undefined;
      i = v[1];
    } else if (wire === 1 || wire === 5) i = body + (wire === 1 ? 8 : 4);
    else if (wire === 2) {
      const len = varintAt(message, body);
      if (!len) return undefined;
      body = len[1];
      i = body + len[0];
    } else return undefined;
    if (i > message.length) return undefined;
    fields.push({ number: Math.floor(tag[0] / 8), wire, start, body, end: i });
  }
  return fields;
}

/**
 * A gRPC `Configure.Request` message without its `client_capabilities` (field 3): what Terraform
 * may do with deferred changes or write-only attributes differs between walks (a plan's and an
 * apply's), the configuration does not. Fields 1 (Terraform's version) and 2 (the configuration)
 * stay. @param {Buffer} frame a gRPC frame: flag, 4-byte length, message
 */
function withoutCapabilities(frame) {
  const message = frame.subarray(5);
  const fields = fieldsOf(message);
  // Not the message this reads: keyed whole.
  if (!fields || fields.some((f) => f.wire !== 2)) return frame;
  return Buffer.concat(fields.filter((f) => f.number !== 3).map((f) => message.subarray(f.start, f.end)));
}

/** Reads a protobuf varint of `buf` at `at`: [value, next offset]; undefined past the end. @param {Buffer} buf @param {number} at @returns {[number, number] | undefined} */
function varintAt(buf, at) {
  let value = 0;
  for (let shift = 0, i = at; i < buf.length && shift < 56; shift += 7) {
    const b = buf[i++];
    value += (b & 0x7f) * 2 ** shift;
    if (b < 0x80) return [value, i];
  }
  return undefined;
}

/** The maps of a `GetProviderSchema.Response` keyed by type name: resources, data sources, ephemeral resources. */
const SCHEMA_MAPS = new Set([2, 3, 8]);

/**
 * A `GetProviderSchema` reply frame with only the resource, data-source and ephemeral-resource schemas whose
 * type is in `keep` (fields 2, 3 and 8, maps keyed by type name); every other field (the provider's own
 * schema, diagnostics, provider_meta, capabilities, functions) whole and in its place. A frame it cannot read
 * (compressed, not one whole message, a field it does not know how to skip) is returned as it came.
 * @param {Buffer} frame a gRPC frame: flag, 4-byte length, message @param {ReadonlySet<string>} keep
 */
function schemaView(frame, keep) {
  if (frame.length < 5 || frame[0] !== 0 || frame.readUInt32BE(1) !== frame.length - 5) return frame;
  const message = frame.subarray(5);
  const fields = fieldsOf(message);
  if (!fields) return frame;
  /** @type {Buffer[]} */
  const kept = [];
  for (const f of fields) {
    if (f.wire === 2 && SCHEMA_MAPS.has(f.number)) {
      // A map entry: field 1 the key (a string), field 2 the schema.
      const entry = message.subarray(f.body, f.end);
      const key = fieldsOf(entry)?.[0];
      if (!key || key.number !== 1 || key.wire !== 2) return frame;
      if (!keep.has(entry.subarray(key.body, key.end).toString("utf8"))) continue;
    }
    kept.push(message.subarray(f.start, f.end));
  }
  const body = Buffer.concat(kept);
  const head = Buffer.alloc(5);
  head.writeUInt32BE(body.length, 1);
  return Buffer.concat([head, body]);
}

/**
 * The sum of some numeric fields of a process's `/proc/<pid>/stat` text, numbered as proc(5) numbers them (4
 * ppid; 14 utime, 15 stime, 16 cutime, 17 cstime: clock ticks, 100 a second on Linux). The command (field 2) may hold
 * spaces and parentheses: the fields after it are counted from its last ")".
 * @param {string} stat @param {number[]} fields
 */
function statSum(stat, fields) {
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return fields.reduce((sum, i) => sum + Number(f[i - 3]), 0);
}

// Required (by its tests, the global teardown and run-end.test.ts) rather than run: the message readers and statSum.
if (require.main !== module) {
  module.exports = { withoutCapabilities, schemaView, statSum };
  return;
}

const [bin, dir, profilesJson] = process.argv.slice(2);
if (!bin || !dir || !profilesJson) {
  process.stderr.write("usage: node provider-pool.js <provider binary> <dir> <profiles JSON>\n");
  process.exit(2);
}
/** @type {Record<string, Record<string, string>>} */
const profiles = JSON.parse(profilesJson);
// Checked by startProviderPool (provider-server.ts), which names the variable and value it refuses; here too,
// for a pool started by hand: a non-number would evict every idle process.
const maxIdle = /^\d+$/.test(process.env.BULWARK_TF_POOL_IDLE ?? "20") ? Number(process.env.BULWARK_TF_POOL_IDLE ?? 20) : NaN;
if (Number.isNaN(maxIdle)) {
  process.stderr.write(`BULWARK_TF_POOL_IDLE must be a whole number of processes (0 or more), not ${JSON.stringify(process.env.BULWARK_TF_POOL_IDLE)}\n`);
  process.exit(2);
}
const PROVIDER = "/tfplugin5.Provider/";
/** Replies that depend on nothing but the provider binary and the request. */
const PURE = new Set([`${PROVIDER}GetSchema`, `${PROVIDER}GetMetadata`, `${PROVIDER}GetFunctions`]);
/**
 * Validation of one resource's or data source's configuration: static checks of the request alone (the
 * provider's schema and its validators, no client, no state), so the same request always gets the same
 * reply. `terraform test` validates every run block's configuration again, and the reference stacks and
 * published roots are validated by several calls: one reply per distinct request, from whichever process
 * answered it first.
 */
const VALIDATIONS = new Set([`${PROVIDER}ValidateResourceTypeConfig`, `${PROVIDER}ValidateDataSourceConfig`]);
/** Answered here with an empty message: they would stop a process other calls share. */
const SWALLOWED = new Set([`${PROVIDER}Stop`, "/plugin.GRPCController/Shutdown"]);

const stats = { started: 0, configures: 0, configureReplays: 0, pureReplays: 0, validations: 0, validationReplays: 0, evicted: 0, exited: 0, streams: 0, views: 0, viewSchemas: 0 };

/**
 * @typedef {{ headers: http2.OutgoingHttpHeaders, trailers: http2.OutgoingHttpHeaders, data: Buffer }} Reply
 * @typedef {{ key: string, child: import("node:child_process").ChildProcess, session: Promise<http2.ClientHttp2Session>, sessions: number, lastUsed: number, reply?: Promise<Reply> }} Backend
 */
/** @type {Map<string, Backend>} configured processes by profile and Configure request */
const configured = new Map();
/** @type {Map<string, Promise<Reply>>} */
const pureReplies = new Map();
/** @type {Map<string, Promise<Reply>>} validation replies by call and request digest */
const validationReplies = new Map();
/** @typedef {{ key: string, profile: string, types: ReadonlySet<string> }} View */
/** @type {Map<string, Promise<Reply>>} GetSchema replies of views, by view key */
const viewReplies = new Map();
let backendCount = 0;

/** @param {string} key @param {Record<string, string>} env @returns {Backend} */
function startBackend(key, env) {
  const log = path.join(dir, `provider-${++backendCount}.log`);
  const fd = fs.openSync(log, "a");
  // A provider started with -debug logs at trace level unless told otherwise: megabytes a plan.
  const quiet = Object.keys({ ...process.env, ...env }).some((k) => k.startsWith("TF_LOG")) ? {} : { TF_LOG_PROVIDER: "off", TF_LOG_SDK: "off" };
  const child = spawn(bin, ["-debug"], { stdio: ["ignore", "pipe", fd], env: { ...process.env, ...env, ...quiet } });
  fs.closeSync(fd);
  // For the teardown, should this server be killed before it can stop them (stopPoolLeftovers).
  fs.appendFileSync(path.join(dir, "pids"), `${child.pid}\n`);
  stats.started++;
  const session = new Promise((resolve, reject) => {
    let out = "";
    /** @param {Buffer} d */
    const onData = (d) => {
      out += d.toString();
      const m = /TF_REATTACH_PROVIDERS='([^']+)'/.exec(out);
      if (!m) return;
      child.stdout?.off("data", onData);
      child.stdout?.resume();
      const addr = /** @type {{ Addr: { Network: string, String: string } }} */ (Object.values(JSON.parse(m[1]))[0]).Addr;
      const s = http2.connect("http://provider", { createConnection: () => (addr.Network === "unix" ? net.connect(addr.String) : net.connect(Number(addr.String.split(":").pop()), addr.String.split(":")[0])) });
      s.on("error", () => {});
      resolve(s);
    };
    child.stdout?.on("data", onData);
    child.once("exit", (code, signal) => reject(new Error(`the aws provider ${bin} exited (${signal ?? `code ${code}`}) before serving; see ${log}`)));
  });
  session.catch(() => {});
  const backend = { key, child, session, sessions: 0, lastUsed: Date.now() };
  child.once("exit", () => {
    stats.exited++;
    if (configured.get(key) === backend) configured.delete(key);
    session.then((s) => s.destroy(), () => {});
  });
  return backend;
}

const base = startBackend("base", {});

/** Stops the configured processes nobody uses beyond the `maxIdle` most recently used. */
function evict() {
  const idle = [...configured.values()].filter((b) => b.sessions === 0).sort((a, b) => b.lastUsed - a.lastUsed);
  for (const b of idle.slice(maxIdle)) {
    configured.delete(b.key);
    stats.evicted++;
    b.child.kill("SIGKILL");
  }
}

/** @param {http2.IncomingHttpHeaders} headers @returns {http2.OutgoingHttpHeaders} */
function requestHeaders(headers) {
  /** @type {http2.OutgoingHttpHeaders} */
  const h = {};
  for (const [k, v] of Object.entries(headers)) if (!k.startsWith(":") || k === ":path" || k === ":method") h[k] = v;
  return h;
}
/** @param {http2.IncomingHttpHeaders} headers @returns {http2.OutgoingHttpHeaders} */
function responseHeaders(headers) {
  /** @type {http2.OutgoingHttpHeaders} */
  const h = {};
  for (const [k, v] of Object.entries(headers)) if (!k.startsWith(":") || k === ":status") h[k] = v;
  return h;
}

/** One whole request and reply with a process (unary calls). @returns {Promise<Reply>} */
function exchange(/** @type {http2.ClientHttp2Session} */ target, /** @type {http2.IncomingHttpHeaders} */ headers, /** @type {Buffer} */ body) {
  return new Promise((resolve, reject) => {
    const req = target.request(requestHeaders(headers));
    /** @type {http2.OutgoingHttpHeaders} */
    let h = {};
    /** @type {http2.OutgoingHttpHeaders} */
    let trailers = {};
    /** @type {Buffer[]} */
    const data = [];
    req.on("response", (x) => (h = responseHeaders(x)));
    req.on("trailers", (t) => (trailers = responseHeaders(t)));
    req.on("data", (d) => data.push(d));
    req.on("end", () => resolve({ headers: h, trailers, data: Buffer.concat(data) }));
    req.on("error", reject);
    req.end(body);
  });
}

/** @param {http2.ServerHttp2Stream} stream @param {Reply} reply */
function replay(stream, reply) {
  if (stream.destroyed) return;
  if (reply.headers["grpc-status"] !== undefined) return void stream.respond(reply.headers, { endStream: true });
  stream.respond(reply.headers, { waitForTrailers: true });
  stream.on("wantTrailers", () => stream.sendTrailers(reply.trailers));
  stream.end(reply.data);
}

/** Streams a call (unary or streaming) to a process and its reply back. */
function forward(/** @type {http2.ClientHttp2Session} */ target, /** @type {http2.ServerHttp2Stream} */ stream, /** @type {http2.IncomingHttpHeaders} */ headers) {
  const req = target.request(requestHeaders(headers));
  /** @type {http2.OutgoingHttpHeaders} */
  let trailers = {};
  req.on("response", (h) => {
    if (stream.destroyed) return void req.close();
    const out = responseHeaders(h);
    if (out["grpc-status"] !== undefined) return void stream.respond(out, { endStream: true });
    stream.respond(out, { waitForTrailers: true });
    stream.on("wantTrailers", () => stream.sendTrailers(trailers));
  });
  req.on("trailers", (t) => (trailers = responseHeaders(t)));
  req.on("data", (d) => void (stream.destroyed || stream.write(d)));
  req.on("end", () => void (stream.destroyed || stream.writableEnded || stream.end()));
  req.on("error", () => void (stream.destroyed || stream.close(http2.constants.NGHTTP2_INTERNAL_ERROR)));
  stream.on("close", () => void (req.closed || req.close()));
  stream.pipe(req);
}

/** @param {http2.ServerHttp2Stream} stream @returns {Promise<Buffer>} */
async function body(stream) {
  /** @type {Buffer[]} */
  const chunks = [];
  for await (const c of stream) chunks.push(c);
  return Buffer.concat(chunks);
}

/** @param {string} profile @param {http2.ServerHttp2Stream} stream @param {http2.IncomingHttpHeaders} headers @param {View} [view] */
async function route(profile, stream, headers, view) {
  stats.streams++;
  const call = String(headers[":path"]);
  const session = /** @type {http2.Http2Session & { backend?: Backend }} */ (stream.session);
  if (call === "/bulwark.pool/stats") {
    stream.respond({ ":status": 200, "content-type": "application/json" });
    const pids = [base, ...configured.values()].map((b) => b.child.pid);
    const cpu = cpuSeconds();
    return void stream.end(JSON.stringify({ ...stats, configured: configured.size, pids, cpu: cpu?.total, cpuParts: cpu, profiles: Object.keys(profiles) }));
  }
  if (SWALLOWED.has(call)) return replay(stream, { headers: { ":status": 200, "content-type": "application/grpc" }, trailers: { "grpc-status": "0" }, data: Buffer.alloc(5) });
  if (PURE.has(call)) {
    const request = await body(stream);
    const key = `${call} ${request.toString("base64")}`;
    if (pureReplies.has(key)) stats.pureReplays++;
    else pureReplies.set(key, base.session.then((s) => exchange(s, headers, request)));
    const whole = /** @type {Promise<Reply>} */ (pureReplies.get(key));
    if (!view || call !== `${PROVIDER}GetSchema`) return replay(stream, await whole);
    const viewKey = `${view.key} ${key}`;
    if (!viewReplies.has(viewKey)) {
      stats.viewSchemas++;
      viewReplies.set(viewKey, whole.then((r) => ({ ...r, data: schemaView(r.data, view.types) })));
    }
    return replay(stream, await /** @type {Promise<Reply>} */ (viewReplies.get(viewKey)));
  }
  if (VALIDATIONS.has(call) && process.env.BULWARK_TF_POOL_VALIDATIONS !== "0") {
    const request = await body(stream);
    const key = `${call} ${crypto.createHash("sha256").update(request).digest("hex")}`;
    if (validationReplies.has(key)) stats.validationReplays++;
    else {
      stats.validations++;
      const reply = (session.backend ?? base).session.then((s) => exchange(s, headers, request));
      // A process that went away mid-call: the next such request asks again.
      reply.catch(() => validationReplies.delete(key));
      validationReplies.set(key, reply);
    }
    return replay(stream, await /** @type {Promise<Reply>} */ (validationReplies.get(key)));
  }
  if (call === `${PROVIDER}Configure`) {
    const request = await body(stream);
    if (session.backend) return replay(stream, await /** @type {Promise<Reply>} */ (session.backend.reply));
    const key = `${profile} ${crypto.createHash("sha256").update(withoutCapabilities(request)).digest("hex")}`;
    if (process.env.BULWARK_TF_POOL_DEBUG) process.stderr.write(`Configure ${key} ${request.toString("base64")}\n`);
    let backend = configured.get(key);
    if (backend) stats.configureReplays++;
    else {
      stats.configures++;
      const started = startBackend(key, profiles[profile]);
      started.reply = started.session.then((s) => exchange(s, headers, request));
      configured.set(key, started);
      backend = started;
    }
    backend.sessions++;
    session.backend = backend;
    session.once("close", () => {
      const b = /** @type {Backend} */ (session.backend);
      b.sessions--;
      b.lastUsed = Date.now();
      evict();
    });
    return replay(stream, await /** @type {Promise<Reply>} */ (backend.reply));
  }
  forward(await (session.backend ?? base).session, stream, headers);
}

// One call's failure (a Terraform that went away mid-stream) must not stop the processes every other
// call is using: it is written to the log, and the server goes on.
process.on("uncaughtException", (e) => process.stderr.write(`provider pool: ${e.stack ?? e}\n`));

/**
 * CPU seconds (user + system) of this server and every process it started, from /proc: `total`, and its
 * parts — the server itself, the unconfigured process (schemas, validation), the configured ones running,
 * and those that have exited (evicted).
 */
function cpuSeconds() {
  const live = (/** @type {Backend} */ b) => {
    try {
      return statSum(fs.readFileSync(`/proc/${b.child.pid}/stat`, "utf8"), [14, 15]);
    } catch {
      return 0; // gone
    }
  };
  try {
    const own = fs.readFileSync("/proc/self/stat", "utf8");
    const parts = {
      server: statSum(own, [14, 15]) / 100,
      unconfigured: live(base) / 100,
      configured: [...configured.values()].reduce((sum, b) => sum + live(b), 0) / 100,
      exited: statSum(own, [16, 17]) / 100,
    };
    return { total: parts.server + parts.unconfigured + parts.configured + parts.exited, ...parts };
  } catch {
    return undefined;
  }
}

/** @type {Record<string, string>} */
const sockets = {};
/** @type {http2.Http2Server[]} */
const servers = [];
/** Stops every process it started and waits until they are gone (at most 5 s), then exits. */
function stopAll() {
  const children = [base, ...configured.values()].map((b) => b.child).filter((c) => c.exitCode === null && c.signalCode === null);
  const gone = Promise.all(children.map((c) => new Promise((resolve) => c.once("exit", resolve))));
  for (const c of children) c.kill("SIGKILL");
  for (const s of servers) s.close();
  for (const sock of Object.values(sockets)) fs.rmSync(sock, { force: true });
  Promise.race([gone, new Promise((resolve) => setTimeout(resolve, 5000))]).then(() => process.exit(0));
}
process.once("SIGTERM", stopAll);
// Started by a jest run: when it dies without stopping this server (SIGKILL), so does the server.
const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent) stopAll();
}, 1000).unref();

/**
 * Listens for `profile` (and `view`, if given) on `sock`: bound under another name first and renamed, so
 * that the socket exists only once it listens (a caller waits for it to appear).
 * @param {string} profile @param {string} sock @param {View} [view]
 */
async function listen(profile, sock, view) {
  const bound = `${sock}.${process.pid}`;
  fs.rmSync(bound, { force: true });
  const server = http2.createServer();
  server.maxConnections = Infinity;
  server.on("stream", (stream, headers) => {
    route(profile, stream, headers, view).catch(() => void (stream.destroyed || stream.close(http2.constants.NGHTTP2_INTERNAL_ERROR)));
  });
  server.on("sessionError", () => {});
  await new Promise((resolve) => server.listen({ path: bound, backlog: 4096 }, () => resolve(undefined)));
  fs.renameSync(bound, sock);
  servers.push(server);
  return sock;
}

const viewsDir = path.join(dir, "views");
/** @type {Set<string>} view keys listened for (or being) */
const opened = new Set();
/** Listens for every view asked for in `<dir>/views/` not yet listened for. */
function openViews() {
  let names;
  try {
    names = fs.readdirSync(viewsDir);
  } catch {
    return;
  }
  for (const name of names) {
    const m = /^([0-9a-f]{8,64})\.json$/.exec(name);
    if (!m || opened.has(m[1])) continue;
    const key = m[1];
    /** @type {{ profile?: unknown, types?: unknown }} */
    let asked;
    try {
      asked = JSON.parse(fs.readFileSync(path.join(viewsDir, name), "utf8"));
    } catch {
      continue; // written by rename: a file that does not read is not the caller's
    }
    opened.add(key);
    const profile = String(asked.profile);
    if (!(profile in profiles) || !Array.isArray(asked.types)) {
      process.stderr.write(`provider pool: view ${name} names no profile of this pool (${JSON.stringify(asked.profile)}) or no list of types; ignored\n`);
      continue;
    }
    const sock = path.join(dir, `v-${key}.sock`);
    stats.views++;
    listen(profile, sock, { key, profile, types: new Set(asked.types.map(String)) }).then(
      (s) => (sockets[`view ${key}`] = s),
      (e) => process.stderr.write(`provider pool: cannot listen for view ${key} on ${sock}: ${e.message}\n`),
    );
  }
}

(async () => {
  try {
    await base.session;
  } catch (e) {
    process.stderr.write(`${/** @type {Error} */ (e).message}\n`);
    process.exit(1);
  }
  for (const profile of Object.keys(profiles)) {
    const sock = path.join(dir, `${profile}.sock`);
    fs.rmSync(sock, { force: true });
    sockets[profile] = await listen(profile, sock);
  }
  fs.mkdirSync(viewsDir, { recursive: true });
  // fs.watch may miss an event (or be unavailable): the interval is the fallback.
  try {
    fs.watch(viewsDir, () => openViews()).on("error", () => {});
  } catch {
    /* the interval alone */
  }
  setInterval(openViews, 200);
  openViews();
  // Keeps running on its servers (and the processes' pipes); the parent watch above is unref'd.
  process.stdout.write(`${JSON.stringify({ pid: process.pid, sockets })}\n`);
})();

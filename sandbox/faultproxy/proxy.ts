// The HTTP server: buffer the request (it must be classified before anything is decided), count
// it, apply the fault decision, and otherwise forward the exact bytes and headers to the one
// upstream. The original Host header goes through untouched: SigV4 signs it.
import { randomUUID } from "node:crypto";
import http from "node:http";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { buffer } from "node:stream/consumers";
import { pipeline } from "node:stream/promises";
import { setTimeout as sleep } from "node:timers/promises";
import { brotliDecompressSync, gunzipSync, inflateSync } from "node:zlib";
import { AGENT_IDLE_MS, keepIdleConnections } from "../shared/keepalive.ts";
import { classify } from "./classify.ts";
import type { Classification } from "./classify.ts";
import { handleControl, isControlRequest } from "./control.ts";
import type { ControlTarget } from "./control.ts";
import { wireError } from "./errors.ts";
import { FaultEngine, spoilBody } from "./faults.ts";
import type { Decision, FaultConfig, FaultConfigInput, ScheduledFaultInput } from "./faults.ts";
import type { Random } from "./random.ts";
import { StatsRecorder } from "./stats.ts";
import type { StatsSnapshot } from "./stats.ts";

/** Options for startFaultProxy. */
export interface FaultProxyOptions {
  /** Base URL of the emulator, plain http (e.g. `http://127.0.0.1:5000`); a path prefix is kept. */
  readonly upstream: string;
  /** Port to listen on; 0 (the default) picks a free one. */
  readonly port?: number;
  /** Loopback address to listen on; default `127.0.0.1`. */
  readonly host?: string;
  /** Initial fault config; default none (pure pass-through). */
  readonly faults?: FaultConfigInput;
  /** Source of fault rolls; default Math.random. Use seededRandom(n) for replayable runs. */
  readonly random?: Random;
  /** Largest request body accepted, in bytes; default 16 MiB (cloud API calls are small). */
  readonly maxBodyBytes?: number;
}

/** A running proxy. Configuration calls throw FaultConfigError on invalid input. */
export interface FaultProxy {
  /** `http://127.0.0.1:PORT`: give this to SDKs as their endpoint. */
  readonly url: string;
  readonly port: number;
  stats(): StatsSnapshot;
  resetStats(): void;
  faults(): FaultConfig;
  setFaults(config: FaultConfigInput): FaultConfig;
  schedule(fault: ScheduledFaultInput): FaultConfig;
  /** Clears faults and stats. */
  reset(): void;
  /** Stops listening, cuts open connections and pending delays. */
  close(): Promise<void>;
}

const DEFAULT_MAX_BODY = 16 * 1024 * 1024;
// Per-hop headers (RFC 9110 §7.6.1) are the proxy's own business on each side. `expect` goes too:
// the proxy already has the whole body, and it is never signed.
const HOP_BY_HOP = new Set(["connection", "keep-alive", "proxy-connection", "transfer-encoding", "te", "trailer", "upgrade", "expect"]);
const LOOPBACK = /^(127(\.\d{1,3}){3}|::1|localhost)$/;

export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  const upstream = parseUpstream(options.upstream);
  const host = options.host ?? "127.0.0.1";
  if (!LOOPBACK.test(host)) throw new Error(`faultproxy listens on loopback only, not ${host}`);
  const engine = new FaultEngine(options.random ?? Math.random, options.faults);
  const recorder = new StatsRecorder();
  const control: ControlTarget = {
    stats: () => recorder.snapshot(),
    resetStats: () => recorder.reset(),
    faults: () => engine.config(),
    setFaults: (input) => engine.set(input),
    schedule: (input) => engine.schedule(input),
    reset: () => {
      engine.reset();
      recorder.reset();
    },
  };
  // Keep-alive to the emulator: a benchmark should measure the emulator, not TCP handshakes.
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256, timeout: AGENT_IDLE_MS });
  const closing = new AbortController();
  const ctx: Context = { upstream, agent, engine, recorder, control, signal: closing.signal, maxBody: options.maxBodyBytes ?? DEFAULT_MAX_BODY };

  const server = http.createServer((req, res) => {
    handle(ctx, req, res).catch((err: unknown) => failed(res, err));
  });
  keepIdleConnections(server);
  await listen(server, options.port ?? 0, host);
  const { port } = addressOf(server);
  const urlHost = host.includes(":") ? `[${host}]` : host;
  return {
    url: `http://${urlHost}:${port}`,
    port,
    ...control,
    close: async () => {
      closing.abort();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      agent.destroy();
      await closed;
    },
  };
}

interface Context {
  readonly upstream: URL;
  readonly agent: http.Agent;
  readonly engine: FaultEngine;
  readonly recorder: StatsRecorder;
  readonly control: ControlTarget;
  readonly signal: AbortSignal;
  readonly maxBody: number;
}

function parseUpstream(raw: string): URL {
  const url = URL.canParse(raw) ? new URL(raw) : undefined;
  if (url?.protocol !== "http:") throw new Error(`faultproxy upstream must be an http:// URL, got ${JSON.stringify(raw)}`);
  return url;
}

function listen(server: http.Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
}

function addressOf(server: http.Server): AddressInfo {
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("faultproxy: server has no TCP address");
  return address;
}

async function handle(ctx: Context, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = req.url ?? "/";
  const body = await readBody(req, ctx.maxBody);
  if (body === undefined) {
    res.writeHead(413, { "content-type": "text/plain", connection: "close" }).end(`faultproxy: body over ${ctx.maxBody} bytes\n`);
    return;
  }
  if (isControlRequest(url)) return handleControl(req, res, body, ctx.control);
  const c = classify({ method: req.method ?? "GET", url, headers: req.headers, body });
  ctx.recorder.recordRequest(c);
  const decision = ctx.engine.decide(c);
  ctx.recorder.recordFaults(c, decision.applied);
  if (decision.delayMs > 0) await sleep(decision.delayMs, undefined, { signal: ctx.signal });
  if (res.destroyed) return; // the client gave up while we waited
  await respond(ctx, { req, res, body, c }, decision.action);
}

interface Exchange {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly body: Buffer;
  readonly c: Classification;
}

async function respond(ctx: Context, x: Exchange, action: Decision["action"]): Promise<void> {
  switch (action.kind) {
    case "forward":
      ctx.recorder.recordForwarded(x.c);
      return forward(ctx, x);
    case "truncate":
    case "rewrite":
      ctx.recorder.recordForwarded(x.c);
      return forward(ctx, x, action);
    case "drop":
      // RST rather than FIN: the SDK sees ECONNRESET, the classic transient network error.
      x.req.socket.resetAndDestroy();
      return;
    case "throttle":
    case "error5xx": {
      const err = wireError(action, x.c, randomUUID());
      x.res.writeHead(err.status, { ...err.headers, "content-length": Buffer.byteLength(err.body) }).end(err.body);
      return;
    }
  }
}

async function readBody(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    if (!Buffer.isBuffer(chunk)) continue; // no setEncoding() here, so chunks are always Buffers
    size += chunk.byteLength;
    if (size > limit) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

// rawHeaders keeps names, order and duplicates as sent; only per-hop headers are dropped, plus any
// the client listed in `Connection`.
function endToEnd(raw: readonly string[]): string[] {
  const named = new Set<string>();
  for (let i = 0; i + 1 < raw.length; i += 2) {
    if (raw[i]?.toLowerCase() === "connection") {
      for (const token of (raw[i + 1] ?? "").split(",")) named.add(token.trim().toLowerCase());
    }
  }
  const out: string[] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i] ?? "";
    const lower = name.toLowerCase();
    if (!HOP_BY_HOP.has(lower) && !named.has(lower)) out.push(name, raw[i + 1] ?? "");
  }
  return out;
}

function requestHeaders(req: IncomingMessage, body: Buffer): string[] {
  const headers = endToEnd(req.rawHeaders);
  // A chunked request arrives without Content-Length; the upstream gets the buffered length.
  // A request that had one keeps it verbatim (it may be signed), and it equals body.length.
  if (req.headers["content-length"] === undefined && (body.byteLength > 0 || req.headers["transfer-encoding"] !== undefined)) {
    headers.push("Content-Length", String(body.byteLength));
  }
  return headers;
}

type Spoil = Extract<Decision["action"], { kind: "truncate" | "rewrite" }>;

// Headers that describe the body as the upstream sent it; a spoiled body is sent plain, with its own length.
const BODY_HEADERS = new Set(["content-length", "content-encoding"]);

function decoded(body: Buffer, encoding: string | undefined): Buffer {
  switch (encoding?.trim().toLowerCase()) {
    case "gzip":
      return gunzipSync(body);
    case "deflate":
      return inflateSync(body);
    case "br":
      return brotliDecompressSync(body);
    default:
      return body;
  }
}

/** Reads the whole upstream answer, spoils its (decoded) body and sends that with a Content-Length of its own. */
async function sendSpoiled(upRes: IncomingMessage, res: ServerResponse, status: number, spoil: Spoil): Promise<void> {
  const raw = await buffer(upRes);
  const body = spoilBody(spoil, decoded(raw, upRes.headers["content-encoding"]));
  const headers: string[] = [];
  const upstreamHeaders = endToEnd(upRes.rawHeaders);
  for (let i = 0; i + 1 < upstreamHeaders.length; i += 2) {
    const name = upstreamHeaders[i] ?? "";
    if (!BODY_HEADERS.has(name.toLowerCase())) headers.push(name, upstreamHeaders[i + 1] ?? "");
  }
  res.writeHead(status, upRes.statusMessage, [...headers, "Content-Length", String(body.byteLength)]).end(body);
}

function forward(ctx: Context, x: Exchange, spoil?: Spoil): Promise<void> {
  const { upstream, agent } = ctx;
  const base = upstream.pathname.replace(/\/$/, "");
  return new Promise<void>((resolve) => {
    const upReq = http.request({
      protocol: "http:",
      hostname: upstream.hostname,
      port: upstream.port,
      method: x.req.method,
      path: base + (x.req.url ?? "/"),
      headers: requestHeaders(x.req, x.body),
      setHost: false,
      agent,
    });
    let settled = false; // an answer (or a hang-up) was seen; later errors are noise
    upReq.on("response", (upRes) => {
      settled = true;
      const status = upRes.statusCode ?? 502;
      ctx.recorder.recordUpstream(x.c, status);
      if (spoil !== undefined) {
        sendSpoiled(upRes, x.res, status, spoil).then(resolve, () => {
          x.res.destroy();
          resolve();
        });
        return;
      }
      x.res.writeHead(status, upRes.statusMessage, endToEnd(upRes.rawHeaders));
      // A failed pipe (client gone, upstream reset mid-body) destroys both ends; nothing to answer.
      pipeline(upRes, x.res).then(resolve, () => resolve());
    });
    upReq.on("error", (err) => {
      if (settled) return;
      settled = true;
      ctx.recorder.recordUpstream(x.c, "error");
      if (!x.res.headersSent) {
        const text = `faultproxy: upstream ${upstream.origin} failed: ${err.message}\n`;
        x.res.writeHead(502, { "content-type": "text/plain; charset=utf-8", "content-length": Buffer.byteLength(text) }).end(text);
      } else x.res.destroy();
      resolve();
    });
    // The client hung up before the answer: stop the upstream call too.
    x.res.on("close", () => {
      if (x.res.writableFinished || settled) return;
      settled = true;
      upReq.destroy();
      resolve();
    });
    upReq.end(x.body);
  });
}

// Last resort for bugs and aborted delays (close() during a latency fault): never leave a client hanging.
function failed(res: ServerResponse, err: unknown): void {
  if (res.headersSent || res.destroyed) {
    res.destroy();
    return;
  }
  const text = `faultproxy: internal error: ${err instanceof Error ? err.message : String(err)}\n`;
  res.writeHead(500, { "content-type": "text/plain; charset=utf-8", "content-length": Buffer.byteLength(text), connection: "close" }).end(text);
}

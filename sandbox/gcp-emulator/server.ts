// The HTTP server: buffer the request, serve the control API or settle due operations and route
// to a Cloud SQL Admin or compute handler, and answer errors in Google's JSON.
import http from "node:http";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { keepIdleConnections } from "../shared/keepalive.ts";
import { JsonCodec, wantsIntEnums } from "./codec.ts";
import { registerCompute } from "./compute/routes.ts";
import { ComputeStore } from "./compute/store.ts";
import { EmulatorConfig } from "./config.ts";
import type { Config } from "./config.ts";
import { CONTROL_PREFIX, handleControl } from "./control.ts";
import type { ControlTarget } from "./control.ts";
import { ApiError, errorBody, isApiError, unknownRoute } from "./errors.ts";
import { computeOperationName, IpPool, numericId, sqlOperationName } from "./ids.ts";
import { OperationEngine } from "./operations.ts";
import { loadClientSchema } from "./proto-schema.ts";
import type { Reply } from "./router.ts";
import { Router } from "./router.ts";
import { registerSqlAdmin } from "./sqladmin/routes.ts";
import { SqlStore } from "./sqladmin/store.ts";

export interface GcpEmulatorOptions {
  /** Port to listen on; 0 (the default) picks a free one. */
  readonly port?: number;
  /** Loopback address to listen on; default 127.0.0.1. */
  readonly host?: string;
  /** How long long-running operations take; default 300 ms. */
  readonly operationDelayMs?: number;
  /** Clock, for tests; default Date.now. */
  readonly now?: () => number;
}

export interface GcpEmulator {
  /** `http://127.0.0.1:PORT` */
  readonly url: string;
  readonly port: number;
  readonly control: ControlTarget;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 16 * 1024 * 1024;
const LOOPBACK = /^(127(\.\d{1,3}){3}|::1|localhost)$/;

/** One served API request, as kept for `GET /__emulator/requests`. */
export interface RequestRecord {
  readonly method: string;
  readonly path: string;
  readonly query: string;
  readonly intEnums: boolean;
  readonly status: number;
}

// Enough recent requests to check what a test's clients sent, bounded so a long run stays small.
const REQUEST_LOG_SIZE = 500;

interface Context {
  readonly requests: RequestRecord[];
  readonly router: Router;
  readonly engine: OperationEngine;
  readonly control: ControlTarget;
  readonly closing: AbortSignal;
}

export async function startGcpEmulator(options: GcpEmulatorOptions = {}): Promise<GcpEmulator> {
  const host = options.host ?? "127.0.0.1";
  if (!LOOPBACK.test(host)) throw new Error(`gcp-emulator listens on loopback only, not ${host}`);
  const now = options.now ?? Date.now;
  const config = new EmulatorConfig(options.operationDelayMs);
  const engine = new OperationEngine(now, {
    sqladmin: { id: sqlOperationName, name: () => sqlOperationName() },
    compute: { id: numericId, name: computeOperationName },
  });
  const sqlStore = new SqlStore();
  const computeStore = new ComputeStore();
  const router = new Router();
  registerSqlAdmin(router, { store: sqlStore, codec: new JsonCodec(loadClientSchema("@google-cloud/sql")), engine, config, now, ips: new IpPool("192.0.2") });
  registerCompute(router, {
    store: computeStore,
    codec: new JsonCodec(loadClientSchema("@google-cloud/compute")),
    engine,
    config,
    now,
    ephemeralIps: new IpPool("198.51.100"),
    reservedIps: new IpPool("203.0.113"),
  });
  const control: ControlTarget = {
    reset: (project) => {
      engine.reset(project);
      sqlStore.reset(project);
      computeStore.reset(project);
      config.reset(project);
    },
    config: (project): Config => config.get(project),
    setConfig: (c, project) => config.set(c, project),
    scheduleOperationFault: (match, failure, count) => engine.scheduleFault(match, failure, count),
    state: () => ({ config: config.get(), sqladmin: sqlStore.dump(), compute: computeStore.dump() }),
    requests: () => [...requests],
  };
  const requests: RequestRecord[] = [];
  const closing = new AbortController();
  const ctx: Context = { requests, router, engine, control, closing: closing.signal };
  const server = http.createServer((req, res) => {
    handle(ctx, req, res).catch((err: unknown) => sendError(res, err));
    res.once("finish", () => record(ctx, req, res.statusCode));
  });
  keepIdleConnections(server);
  await listen(server, options.port ?? 0, host);
  const port = portOf(server.address());
  const urlHost = host.includes(":") ? `[${host}]` : host;
  return {
    url: `http://${urlHost}:${port}`,
    port,
    control,
    close: async () => {
      closing.abort();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}

function portOf(address: AddressInfo | string | null): number {
  if (address === null || typeof address === "string") throw new Error("gcp-emulator: server is not listening on a TCP port");
  return address.port;
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

async function handle(ctx: Context, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const method = (req.method ?? "GET").toUpperCase();
  const url = new URL(req.url ?? "/", "http://gcp-emulator.invalid");
  const raw = await readBody(req);
  if (url.pathname.startsWith(CONTROL_PREFIX)) {
    const reply = handleControl(ctx.control, method, url, raw);
    send(res, reply.status, reply.body === undefined ? undefined : JSON.stringify(reply.body));
    return;
  }
  ctx.engine.settle();
  const match = ctx.router.match(method, url.pathname);
  if (match === undefined) throw unknownRoute(method, url.pathname);
  const aborted = new AbortController();
  res.once("close", () => aborted.abort());
  const reply: Reply = await match.handler({
    method,
    path: url.pathname,
    params: match.params,
    query: url.searchParams,
    body: parseBody(raw),
    intEnums: wantsIntEnums(url.searchParams),
    signal: AbortSignal.any([aborted.signal, ctx.closing]),
  });
  send(res, reply.status, reply.body === undefined ? undefined : JSON.stringify(reply.body));
}

function record(ctx: Context, req: IncomingMessage, status: number): void {
  const url = new URL(req.url ?? "/", "http://gcp-emulator.invalid");
  if (url.pathname.startsWith(CONTROL_PREFIX)) return;
  ctx.requests.push({ method: req.method ?? "GET", path: url.pathname, query: url.search, intEnums: wantsIntEnums(url.searchParams), status });
  if (ctx.requests.length > REQUEST_LOG_SIZE) ctx.requests.splice(0, ctx.requests.length - REQUEST_LOG_SIZE);
}

function parseBody(raw: string): unknown {
  if (raw.trim() === "") return undefined;
  try {
    const value: unknown = JSON.parse(raw);
    return value;
  } catch (err) {
    const detail = err instanceof Error ? err.message : String(err);
    throw new ApiError(400, "parseError", `Invalid JSON payload received. ${detail}`);
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.byteLength;
      if (size > MAX_BODY_BYTES) {
        reject(new ApiError(413, "uploadTooLarge", "Request payload size exceeds the limit."));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function send(res: ServerResponse, status: number, body: string | undefined): void {
  if (res.headersSent || res.destroyed) return;
  if (body === undefined) {
    res.writeHead(status).end();
    return;
  }
  res.writeHead(status, { "content-type": "application/json; charset=UTF-8", "content-length": Buffer.byteLength(body) }).end(body);
}

function sendError(res: ServerResponse, err: unknown): void {
  if (isApiError(err)) {
    send(res, err.httpStatus, errorBody(err));
    return;
  }
  // An emulator bug: say so in the log and answer as Google does for its own failures.
  console.error(err);
  const message = err instanceof Error ? `Internal error in the GCP emulator: ${err.message}` : "Internal error in the GCP emulator.";
  send(res, 500, errorBody(new ApiError(500, "backendError", message)));
}

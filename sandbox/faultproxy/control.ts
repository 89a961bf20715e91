// The control API under /__faultproxy/, served on the proxy's own port so a test in another
// process needs only the proxy URL. SDK traffic never uses this prefix.
import type { IncomingMessage, ServerResponse } from "node:http";
import { isFaultConfigError } from "./faults.ts";
import type { FaultConfig } from "./faults.ts";
import type { StatsSnapshot } from "./stats.ts";

export const CONTROL_PREFIX = "/__faultproxy/";

/** What the control API drives; the proxy implements it over its engine and recorder. */
export interface ControlTarget {
  stats(): StatsSnapshot;
  resetStats(): void;
  faults(): FaultConfig;
  /** Throws FaultConfigError on invalid input. */
  setFaults(input: unknown): FaultConfig;
  /** Throws FaultConfigError on invalid input. */
  schedule(input: unknown): FaultConfig;
  reset(): void;
}

/** Body of every 4xx answer. */
export interface ControlError {
  readonly error: string;
}

type Route = (target: ControlTarget, body: unknown) => unknown;

// path → method → handler; a handler's return value is the JSON answer, undefined means 204.
const ROUTES: Readonly<Record<string, Readonly<Record<string, Route>>>> = {
  stats: { GET: (t) => t.stats() },
  "stats/reset": { POST: (t) => t.resetStats() },
  faults: { GET: (t) => t.faults(), PUT: (t, body) => t.setFaults(body) },
  "faults/schedule": { POST: (t, body) => t.schedule(body) },
  reset: { POST: (t) => t.reset() },
};
const WITH_BODY = new Set(["PUT", "POST"]);

export function isControlRequest(url: string): boolean {
  return url.startsWith(CONTROL_PREFIX);
}

export function handleControl(req: IncomingMessage, res: ServerResponse, body: Buffer, target: ControlTarget): void {
  const path = new URL(req.url ?? "/", "http://faultproxy.invalid").pathname.slice(CONTROL_PREFIX.length).replace(/\/$/, "");
  const methods = ROUTES[path];
  const method = req.method ?? "GET";
  const route = methods?.[method];
  if (methods === undefined) return sendJson(res, 404, { error: `no control endpoint ${CONTROL_PREFIX}${path}` });
  if (route === undefined) {
    res.setHeader("allow", Object.keys(methods).join(", "));
    return sendJson(res, 405, { error: `${method} not allowed on ${CONTROL_PREFIX}${path}` });
  }
  const parsed = WITH_BODY.has(method) ? parseJson(body) : { ok: true as const, value: undefined };
  if (!parsed.ok) return sendJson(res, 400, { error: parsed.error });
  let answer: unknown;
  try {
    answer = route(target, parsed.value);
  } catch (err) {
    if (isFaultConfigError(err)) return sendJson(res, 400, { error: err.message });
    throw err;
  }
  if (answer === undefined) {
    res.writeHead(204).end();
    return;
  }
  sendJson(res, 200, answer);
}

function parseJson(body: Buffer): { ok: true; value: unknown } | { ok: false; error: string } {
  if (body.byteLength === 0) return { ok: true, value: undefined };
  try {
    const value: unknown = JSON.parse(body.toString("utf8"));
    return { ok: true, value };
  } catch (err) {
    return { ok: false, error: `request body is not valid JSON: ${err instanceof Error ? err.message : String(err)}` };
  }
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(body) }).end(body);
}

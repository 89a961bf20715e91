import { ApiException } from "@kubernetes/client-node";
import { z } from "zod";

// Errors from @kubernetes/client-node, classified by HTTP status (never by message text) and described
// in words a person reads. The library's own ApiException message is a dump
// ("HTTP-Code: 404 Message: Unknown API Status Code! Body: … Headers: {…}"): never log it as is.

/** HTTP status of a Kubernetes API error, or undefined for anything else (network errors and the like). */
export function kubeStatus(err: unknown): number | undefined {
  return err instanceof ApiException ? err.code : undefined;
}

/**
 * HTTP status of an API call (ApiException) or of a watch request: client-node's Watch fails with a
 * plain Error carrying `statusCode`. Only for errors that come from client-node.
 */
export function httpStatus(err: unknown): number | undefined {
  const api = kubeStatus(err);
  if (api !== undefined) return api;
  if (err instanceof Error && "statusCode" in err && typeof err.statusCode === "number") return err.statusCode;
  return undefined;
}

/** Optimistic-concurrency conflict: someone else changed the object. Requeue silently, never report it. */
export function isConflict(err: unknown): boolean {
  return kubeStatus(err) === 409;
}

export function isNotFound(err: unknown): boolean {
  return kubeStatus(err) === 404;
}

export function isForbidden(err: unknown): boolean {
  return kubeStatus(err) === 403;
}

/** 429: the API server's priority-and-fairness (or a proxy) asks us to slow down. */
export function isTooManyRequests(err: unknown): boolean {
  return httpStatus(err) === 429;
}

/** The server's Retry-After (seconds form) in milliseconds, when the error carries one. */
export function retryAfterMs(err: unknown): number | undefined {
  if (!(err instanceof ApiException)) return undefined;
  const headers: unknown = err.headers;
  if (typeof headers !== "object" || headers === null) return undefined;
  const entry = Object.entries(headers).find(([k]) => k.toLowerCase() === "retry-after");
  const seconds = Number(entry?.[1]);
  return Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : undefined;
}

/** The API server's Status object (`reason`, `message`, `details.kind`), as far as the error carries one. */
const StatusBody = z.looseObject({
  reason: z.string().optional().catch(undefined),
  message: z.string().optional().catch(undefined),
  details: z.looseObject({ kind: z.string().optional().catch(undefined), name: z.string().optional().catch(undefined) }).optional().catch(undefined),
});
export type KubeStatusBody = z.infer<typeof StatusBody>;

export function statusBody(err: unknown): KubeStatusBody | undefined {
  if (!(err instanceof ApiException)) return undefined;
  const body: unknown = typeof err.body === "string" ? safeJson(err.body) : err.body;
  const parsed = StatusBody.safeParse(body);
  return parsed.success ? parsed.data : undefined;
}

/** The API server's own message (its Status body), which is what a person needs to read. */
export function kubeMessage(err: unknown): string {
  if (err instanceof ApiException) return statusBody(err)?.message || `Kubernetes API error ${err.code}`;
  return err instanceof Error ? err.message : String(err);
}

/**
 * One line for logs and CLI output: `404 NotFound: namespaces "terraplane-system" not found`. Any
 * other error gives its message, with the system error code of a failed connection (ECONNREFUSED).
 */
export function describeKubeError(err: unknown): string {
  if (err instanceof ApiException) return describeApiException(err);
  const status = httpStatus(err);
  if (status !== undefined) return `${status} ${err instanceof Error ? err.message : ""}`.trim();
  if (!(err instanceof Error)) return String(err);
  const code = systemCode(err) ?? systemCode(err.cause);
  return code && !err.message.includes(code) ? `${err.message} (${code})` : err.message;
}

function describeApiException(err: ApiException<unknown>): string {
  const body = statusBody(err);
  const reason = body?.reason || STATUS_TEXT[err.code] || "";
  // A plain-text body ("404 page not found") is the server's message too.
  const text = typeof err.body === "string" ? err.body.trim() : "";
  const message = body?.message || (text.startsWith("{") ? "" : text);
  return [`${err.code}${reason ? ` ${reason}` : ""}`, message].filter((s) => s !== "").join(": ");
}

function systemCode(err: unknown): string | undefined {
  return typeof err === "object" && err !== null && "code" in err && typeof err.code === "string" ? err.code : undefined;
}

/** Reasons for statuses whose body may be empty (a proxy's 429, a 503 from an aggregated API). */
const STATUS_TEXT: Readonly<Record<number, string>> = {
  400: "BadRequest",
  401: "Unauthorized",
  403: "Forbidden",
  404: "NotFound",
  405: "MethodNotAllowed",
  409: "Conflict",
  410: "Gone",
  422: "Invalid",
  429: "TooManyRequests",
  500: "InternalError",
  503: "ServiceUnavailable",
  504: "Timeout",
};

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

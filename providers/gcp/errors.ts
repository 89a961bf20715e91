import { errorClassOf, ProviderError } from "../../core/errors.ts";
import type { ErrorClass } from "../../core/errors.ts";
import { takeScopedToken } from "../shared/call-budget.ts";
import { googleErrorReason } from "./google-error.ts";

// Google API errors are classified by the legacy reason (when the API gives one) and then the
// gRPC status code the official clients put on their GoogleError, never by message text.

const BY_REASON: Readonly<Record<string, ErrorClass>> = {
  notFound: "NotFound",
  instanceDoesNotExist: "NotFound",
  alreadyExists: "AlreadyExists",
  invalid: "InvalidParameter",
  invalidParameter: "InvalidParameter",
  badRequest: "InvalidParameter",
  required: "InvalidParameter",
  resourceInUseByAnotherResource: "Conflict",
  conditionNotMet: "Conflict",
  operationInProgress: "Conflict",
  resourceNotReady: "Conflict",
  rateLimitExceeded: "Throttled",
  userRateLimitExceeded: "Throttled",
  quotaExceeded: "Throttled",
  forbidden: "AccessDenied",
  insufficientPermissions: "AccessDenied",
  authError: "AccessDenied",
};

// google.rpc.Code
const BY_CODE: Readonly<Record<number, ErrorClass>> = {
  3: "InvalidParameter", // INVALID_ARGUMENT
  4: "Transient", // DEADLINE_EXCEEDED
  5: "NotFound",
  6: "AlreadyExists",
  7: "AccessDenied", // PERMISSION_DENIED
  8: "Throttled", // RESOURCE_EXHAUSTED
  9: "Conflict", // FAILED_PRECONDITION
  10: "Conflict", // ABORTED
  13: "Transient", // INTERNAL
  14: "Transient", // UNAVAILABLE
  15: "Transient", // DATA_LOSS: an answer that could not be read (answer-check.ts); asked again after backoff
  16: "AccessDenied", // UNAUTHENTICATED
};

function codeOf(err: unknown): number | undefined {
  if (typeof err !== "object" || err === null || !("code" in err)) return undefined;
  return typeof err.code === "number" ? err.code : undefined;
}

export function classifyGoogleError(err: unknown): ErrorClass {
  const reason = googleErrorReason(err);
  const byReason = reason ? BY_REASON[reason] : undefined;
  if (byReason) return byReason;
  const code = codeOf(err);
  if (code !== undefined && BY_CODE[code]) return BY_CODE[code];
  if (err instanceof Error && ["ECONNRESET", "ECONNREFUSED", "ETIMEDOUT", "EPIPE"].some((c) => "code" in err && err.code === c)) return "Transient";
  return "Unknown";
}

export function toProviderError(operation: string, err: unknown): ProviderError {
  const errorClass = classifyGoogleError(err);
  const message = err instanceof Error ? err.message : String(err);
  const reason = googleErrorReason(err);
  const prefix = errorClass === "AccessDenied" ? `permission denied for ${operation}` : operation;
  return new ProviderError(errorClass, `${prefix}: ${message}`, { ...(reason ? { code: reason } : {}), cause: err });
}

/**
 * One client call (the client retries per its retry settings) with its error classified, sent once
 * the session's call budget for its service ("sqladmin:instances.get" → sqladmin) gives a token.
 */
export async function gcpCall<T>(operation: string, call: () => Promise<T>): Promise<T> {
  try {
    await takeScopedToken(operation.split(":")[0] ?? "");
  } catch (err) {
    throw new ProviderError("Transient", `${operation}: stopped while waiting for the call budget: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  try {
    return await call();
  } catch (err) {
    throw toProviderError(operation, err);
  }
}

/** The call's result, or undefined when what it asks for does not exist (an already classified NotFound). */
export async function unlessNotFound<T>(call: () => Promise<T>): Promise<T | undefined> {
  try {
    return await call();
  } catch (err) {
    if (errorClassOf(err) === "NotFound") return undefined;
    throw err;
  }
}

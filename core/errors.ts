// Errors a provider raises, classified once (by the SDK's error name, code or HTTP status, never by
// message text) so the core can decide: retry with backoff, or stop hammering and report.

const BRAND = Symbol.for("terraplane.ProviderError");

export type ErrorClass =
  /** The resource does not exist (observe reports exists=false instead of throwing this). */
  | "NotFound"
  | "AlreadyExists"
  /** The request can never succeed as written: the spec must change. No hot retry loop. */
  | "InvalidParameter"
  /** The cloud is rate-limiting us; the SDK has already retried. */
  | "Throttled"
  | "AccessDenied"
  /** The cloud refused because of state, e.g. in use, still being modified. Retrying later may work. */
  | "Conflict"
  /** Server errors, timeouts, dropped connections. */
  | "Transient"
  /** Resolving the provider config or credentials failed. */
  | "Configuration"
  | "Unknown";

export class ProviderError extends Error {
  readonly [BRAND] = true;
  readonly errorClass: ErrorClass;
  /** The cloud's own error code (e.g. InvalidParameterValue, RESOURCE_EXHAUSTED) for messages and metrics. */
  readonly code: string | undefined;

  constructor(errorClass: ErrorClass, message: string, opts: { code?: string; cause?: unknown } = {}) {
    super(message, { cause: opts.cause });
    this.name = "ProviderError";
    this.errorClass = errorClass;
    this.code = opts.code;
  }
}

export function isProviderError(err: unknown): err is ProviderError {
  return typeof err === "object" && err !== null && BRAND in err;
}

export function errorClassOf(err: unknown): ErrorClass {
  return isProviderError(err) ? err.errorClass : "Unknown";
}

/** Terminal errors are not retried with backoff: the resource is re-checked at its poll interval, or when edited. */
export function isTerminal(err: unknown): boolean {
  const c = errorClassOf(err);
  return c === "InvalidParameter" || c === "AccessDenied" || c === "Configuration";
}

/** A message for status and events: the error's own message, with its cloud code when it adds information. */
export function describeError(err: unknown): string {
  if (isProviderError(err)) return err.code && !err.message.includes(err.code) ? `${err.message} (${err.code})` : err.message;
  return err instanceof Error ? err.message : String(err);
}

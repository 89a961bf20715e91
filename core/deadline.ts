import { ProviderError } from "./errors.ts";

/**
 * Runs one provider call and stops waiting for it when `signal` fires (shutdown, or the reconcile's
 * deadline), so a hung cloud endpoint can never pin a worker. The call itself is told through the
 * same signal, which providers pass to the SDK; a call that ignores it is abandoned, which is safe
 * because every contract call is idempotent.
 */
export async function callWithin<T>(operation: string, signal: AbortSignal, call: () => Promise<T>): Promise<T> {
  if (signal.aborted) throw abandoned(operation, signal);
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(abandoned(operation, signal));
    signal.addEventListener("abort", onAbort, { once: true });
  });
  try {
    return await Promise.race([call(), aborted]);
  } finally {
    if (onAbort) signal.removeEventListener("abort", onAbort);
  }
}

/** The error a call abandoned by its signal is reported with: Transient, so the core backs off and tries again. */
function abandoned(operation: string, signal: AbortSignal): ProviderError {
  const reason: unknown = signal.reason;
  const timedOut = reason instanceof DOMException && reason.name === "TimeoutError";
  const message = timedOut
    ? `${operation}: no answer from the cloud before the reconcile's deadline; will retry`
    : `${operation}: stopped because the controller is shutting down`;
  return new ProviderError("Transient", message, { code: timedOut ? "DeadlineExceeded" : "Cancelled", cause: reason });
}

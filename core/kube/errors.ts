import { ApiException } from "@kubernetes/client-node";

/** HTTP status of a Kubernetes API error, or undefined for anything else (network errors and the like). */
export function kubeStatus(err: unknown): number | undefined {
  return err instanceof ApiException ? err.code : undefined;
}

/** Optimistic-concurrency conflict: someone else changed the object. Requeue silently, never report it. */
export function isConflict(err: unknown): boolean {
  return kubeStatus(err) === 409;
}

export function isNotFound(err: unknown): boolean {
  return kubeStatus(err) === 404;
}

/** The API server's own message (its Status body), which is what a person needs to read. */
export function kubeMessage(err: unknown): string {
  if (err instanceof ApiException) {
    const body: unknown = typeof err.body === "string" ? safeJson(err.body) : err.body;
    if (typeof body === "object" && body !== null && "message" in body && typeof body.message === "string") return body.message;
    return `Kubernetes API error ${err.code}`;
  }
  return err instanceof Error ? err.message : String(err);
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

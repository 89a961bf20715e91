import { KeyedBackoff } from "../backoff.ts";
import { describeKubeError, httpStatus, retryAfterMs } from "./errors.ts";

// How an informer's failed list/watch is retried and reported. A failure lasts an "episode" (until
// the next successful list or watch event); within one, each kind of problem is logged once, in
// words, instead of client-node's raw error text on every retry.

export type FailureKind =
  /** 404: the resource is not served (yet): a CRD that was just Established, or one not installed. */
  | "not-served"
  /** 429: the API server asks us to slow down. */
  | "throttled"
  | "other";

export interface LogLine {
  readonly level: "debug" | "info" | "warn";
  readonly msg: string;
  readonly fields: Readonly<Record<string, string | number>>;
}

export interface RetryPlan {
  readonly kind: FailureKind;
  readonly delayMs: number;
  /** What to log for this failure; undefined: nothing (a quiet retry). */
  readonly log?: LogLine;
}

export interface WatchFailuresOptions {
  /** What is being listed, for the messages (e.g. `databases.aws.terraplane.dev`). */
  readonly resource: string;
  /** How long a 404 may last before it is reported (a new CRD is usually served within a second or two). */
  readonly notServedGraceMs?: number;
  readonly now?: () => number;
  readonly random?: () => number;
}

export function failureKind(err: unknown): FailureKind {
  const status = httpStatus(err);
  if (status === 404) return "not-served";
  if (status === 429) return "throttled";
  return "other";
}

export class WatchFailures {
  readonly #resource: string;
  readonly #graceMs: number;
  readonly #now: () => number;
  // A resource that is not served yet usually is within seconds: retry it briskly.
  readonly #notServed: KeyedBackoff;
  readonly #other: KeyedBackoff;
  #since: number | undefined;
  #failures = 0;
  #reported = new Set<string>();

  constructor(o: WatchFailuresOptions) {
    this.#resource = o.resource;
    this.#graceMs = o.notServedGraceMs ?? 30_000;
    this.#now = o.now ?? Date.now;
    const random = o.random ?? Math.random;
    this.#notServed = new KeyedBackoff({ baseMs: 250, maxMs: 5_000, jitter: 0.2, random });
    this.#other = new KeyedBackoff({ baseMs: 500, maxMs: 30_000, jitter: 0.2, random });
  }

  /** Records a failed list or watch: how long to wait before restarting, and what (if anything) to log. */
  failed(err: unknown): RetryPlan {
    const now = this.#now();
    this.#since ??= now;
    this.#failures++;
    const kind = failureKind(err);
    const error = describeKubeError(err);
    const seconds = Math.round((now - this.#since) / 1000);
    if (kind === "not-served") {
      const delayMs = this.#notServed.next("k");
      if (now - this.#since < this.#graceMs) return { kind, delayMs, ...this.#once("not-served-yet", "debug", `${this.#resource} is not served yet (404); retrying quietly`, { error }) };
      return {
        kind,
        delayMs,
        ...this.#once("not-served", "warn", `${this.#resource} is still not served by the API server after ${seconds}s (404): is its CustomResourceDefinition installed and Established? Retrying`, { error }),
      };
    }
    if (kind === "throttled") {
      const asked = retryAfterMs(err);
      const delayMs = Math.max(asked ?? 0, this.#other.next("k"));
      const msg = `the API server is throttling requests for ${this.#resource} (429 TooManyRequests); retrying after ${(delayMs / 1000).toFixed(1)}s${asked !== undefined ? " as it asks (Retry-After)" : ""}`;
      return { kind, delayMs, ...this.#once("throttled", "warn", msg, { error }) };
    }
    const delayMs = this.#other.next("k");
    return { kind, delayMs, ...this.#once(`other:${error}`, "warn", `list/watch of ${this.#resource} failed: ${error}; retrying in ${(delayMs / 1000).toFixed(1)}s`, { error }) };
  }

  /** A list succeeded or a watch event arrived: the episode is over. Says so if a failure was reported. */
  recovered(): LogLine | undefined {
    if (this.#since === undefined) return undefined;
    const reported = [...this.#reported].some((k) => k !== "not-served-yet");
    const line: LogLine | undefined = reported
      ? { level: "info", msg: `list/watch of ${this.#resource} works again`, fields: { failures: this.#failures, seconds: Math.round((this.#now() - this.#since) / 1000) } }
      : undefined;
    this.#since = undefined;
    this.#failures = 0;
    this.#reported = new Set();
    this.#notServed.forget("k");
    this.#other.forget("k");
    return line;
  }

  #once(key: string, level: LogLine["level"], msg: string, fields: LogLine["fields"]): { log?: LogLine } {
    if (this.#reported.has(key)) return {};
    this.#reported.add(key);
    return { log: { level, msg, fields: { resource: this.#resource, ...fields } } };
  }
}

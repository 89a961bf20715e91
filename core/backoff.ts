// Per-key exponential backoff with jitter, for requeueing keys whose reconcile failed.
//
// One failing resource must not slow down the others, so the failure count lives per key; the
// jitter spreads out retries of many keys that failed together (a cloud outage, a throttling storm)
// so they do not all come back in the same instant.

/** Options for {@link KeyedBackoff}. */
export interface KeyedBackoffOptions {
  /** Delay after the first failure, in ms. */
  readonly baseMs: number;
  /** Ceiling on any delay, in ms, jitter included. */
  readonly maxMs: number;
  /** Spread each delay by ±this fraction (0.2 → 80 %–120 %); 0 turns jitter off. */
  readonly jitter: number;
  /** Source of randomness in [0, 1); injectable so tests are deterministic. Defaults to Math.random. */
  readonly random?: () => number;
}

/**
 * `ms` spread uniformly over ±`fraction` of itself, rounded to whole ms and never negative.
 * Used for retry delays and poll intervals alike, so keys polled on the same interval drift apart.
 */
export function jittered(ms: number, fraction: number, random: () => number = Math.random): number {
  // random() ∈ [0, 1) → factor ∈ [1 - fraction, 1 + fraction).
  const factor = 1 + fraction * (2 * random() - 1);
  return Math.max(0, Math.round(ms * factor));
}

/**
 * Exponential backoff per key: the n-th consecutive failure waits baseMs · 2^(n-1), capped at maxMs,
 * jittered. `forget` on success starts the key over.
 */
export class KeyedBackoff {
  readonly #baseMs: number;
  readonly #maxMs: number;
  readonly #jitter: number;
  readonly #random: () => number;
  readonly #failures = new Map<string, number>();

  constructor(options: KeyedBackoffOptions) {
    const { baseMs, maxMs, jitter } = options;
    if (!(baseMs > 0) || !(maxMs >= baseMs)) throw new RangeError(`backoff needs 0 < baseMs <= maxMs (got ${baseMs}, ${maxMs})`);
    if (!(jitter >= 0 && jitter <= 1)) throw new RangeError(`backoff jitter must be within [0, 1] (got ${jitter})`);
    this.#baseMs = baseMs;
    this.#maxMs = maxMs;
    this.#jitter = jitter;
    this.#random = options.random ?? Math.random;
  }

  /** Records one more failure of `key` and returns how long to wait before retrying it, in ms. */
  next(key: string): number {
    const failures = (this.#failures.get(key) ?? 0) + 1;
    this.#failures.set(key, failures);
    // Past ~1000 doublings the power is Infinity, which Math.min caps just the same.
    const exponential = Math.min(this.#baseMs * 2 ** (failures - 1), this.#maxMs);
    // Cap again after jitter so maxMs is a promise, not an average.
    return Math.min(jittered(exponential, this.#jitter, this.#random), this.#maxMs);
  }

  /** Consecutive failures recorded for `key` since it was last forgotten. */
  failures(key: string): number {
    return this.#failures.get(key) ?? 0;
  }

  /** Resets `key` (call it on success, and when the resource is gone, so the map does not grow). */
  forget(key: string): void {
    this.#failures.delete(key);
  }

  /** How many keys currently carry a failure count. */
  get size(): number {
    return this.#failures.size;
  }
}

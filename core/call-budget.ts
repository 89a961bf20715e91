import type { CallPriority } from "./provider.ts";

// The per-account call budget (docs/adr/0014): one token bucket per (provider, account or project,
// region, service) that every cloud call of that key takes a token from before it is sent, so the
// controller stays under the cloud's own throttling however many resources poll. Generic: the
// providers choose the keys and the limits and call `take` at their SDK call points.
// - Rate and burst: `ratePerSecond` tokens are added per second, up to `burst` held (the bucket
//   starts full), as the clouds' own buckets work.
// - Priority: a call for a user's edit ("event") is handed the next token before any call for a
//   poll, whenever it arrived; within one priority, first come first served.
// - A waiting call honours its AbortSignal: it leaves the line without taking a token.

export interface BucketLimits {
  readonly ratePerSecond: number;
  readonly burst: number;
}

/** One bucket's state, as /metrics shows it. */
export interface BucketState {
  readonly key: string;
  readonly limits: BucketLimits;
  /** Tokens in the bucket now (fractional while refilling). */
  readonly tokens: number;
  /** Calls waiting for a token now, by priority. */
  readonly waiting: Readonly<Record<CallPriority, number>>;
  /** Calls given a token since the bucket was made, by priority. */
  readonly granted: Readonly<Record<CallPriority, number>>;
  /** Of those, the calls that had to wait, and their total wait in seconds, by priority. */
  readonly waited: Readonly<Record<CallPriority, number>>;
  readonly waitSeconds: Readonly<Record<CallPriority, number>>;
}

export interface TokenBucketOptions {
  /** Monotonic clock in ms; defaults to performance.now (which vitest's fake timers also fake). */
  readonly now?: () => number;
}

interface Waiter {
  priority: CallPriority;
  readonly since: number;
  settled: boolean;
  grant(): void;
}

// A waiter's place in a line; a promoted waiter leaves its poll place behind (stale: other priority).
interface Place {
  readonly waiter: Waiter;
  readonly priority: CallPriority;
}

const PRIORITIES: readonly CallPriority[] = ["event", "poll"];

export class TokenBucket {
  readonly key: string;
  readonly #now: () => number;
  #limits: BucketLimits;
  #tokens: number;
  #refilledAt: number;
  // Waiters by priority; aborted and promoted ones leave stale places until popped, `#live` counts the rest.
  readonly #lines: Record<CallPriority, (Place | undefined)[]> = { event: [], poll: [] };
  readonly #heads: Record<CallPriority, number> = { event: 0, poll: 0 };
  readonly #live: Record<CallPriority, number> = { event: 0, poll: 0 };
  readonly #granted: Record<CallPriority, number> = { event: 0, poll: 0 };
  readonly #waited: Record<CallPriority, number> = { event: 0, poll: 0 };
  readonly #waitMs: Record<CallPriority, number> = { event: 0, poll: 0 };
  #timer: NodeJS.Timeout | undefined;

  constructor(key: string, limits: BucketLimits, options: TokenBucketOptions = {}) {
    checkLimits(limits);
    this.key = key;
    this.#limits = limits;
    this.#now = options.now ?? (() => performance.now());
    this.#tokens = limits.burst;
    this.#refilledAt = this.#now();
  }

  get limits(): BucketLimits {
    return this.#limits;
  }

  /** New limits (a ProviderConfig changed): the tokens earned so far stay, capped by the new burst. */
  setLimits(limits: BucketLimits): void {
    if (limits.ratePerSecond === this.#limits.ratePerSecond && limits.burst === this.#limits.burst) return;
    checkLimits(limits);
    this.#refill();
    this.#limits = limits;
    this.#tokens = Math.min(this.#tokens, limits.burst);
    this.#disarm();
    this.#serve();
  }

  /**
   * Resolves once the call may be sent (one token taken). Rejects with the signal's reason, taking
   * no token, when the signal fires first. A poll waiting when `promoted` fires (a user's edit of
   * the resource arrived meanwhile) moves to the events' line, behind the events already there.
   */
  take(asked: CallPriority, signal?: AbortSignal, promoted?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(abortReason(signal));
    const priority = promoted?.aborted ? "event" : asked;
    this.#refill();
    if (this.#ahead(priority) === 0 && this.#tokens >= 1) {
      this.#tokens -= 1;
      this.#granted[priority]++;
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const onAbort = (): void => {
        if (waiter.settled) return;
        waiter.settled = true;
        this.#live[waiter.priority]--;
        promoted?.removeEventListener("abort", onPromote);
        this.#tidy();
        reject(abortReason(signal));
      };
      const onPromote = (): void => {
        if (waiter.settled || waiter.priority === "event") return;
        this.#live.poll--;
        waiter.priority = "event";
        this.#line(waiter);
        this.#tidy();
      };
      const waiter: Waiter = {
        priority,
        since: this.#now(),
        settled: false,
        grant: () => {
          signal?.removeEventListener("abort", onAbort);
          promoted?.removeEventListener("abort", onPromote);
          resolve();
        },
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      if (priority === "poll") promoted?.addEventListener("abort", onPromote, { once: true });
      this.#line(waiter);
      this.#arm();
    });
  }

  /** Tokens in the bucket now. */
  available(): number {
    this.#refill();
    return this.#tokens;
  }

  state(): BucketState {
    const perPriority = (f: (p: CallPriority) => number): Record<CallPriority, number> => ({ event: f("event"), poll: f("poll") });
    return {
      key: this.key,
      limits: this.#limits,
      tokens: this.available(),
      waiting: { ...this.#live },
      granted: { ...this.#granted },
      waited: { ...this.#waited },
      waitSeconds: perPriority((p) => this.#waitMs[p] / 1000),
    };
  }

  #line(waiter: Waiter): void {
    this.#lines[waiter.priority].push({ waiter, priority: waiter.priority });
    this.#live[waiter.priority]++;
  }

  // Waiting calls that go before a new call of this priority.
  #ahead(priority: CallPriority): number {
    return priority === "event" ? this.#live.event : this.#live.event + this.#live.poll;
  }

  #refill(): void {
    const now = this.#now();
    const earned = ((now - this.#refilledAt) / 1000) * this.#limits.ratePerSecond;
    this.#tokens = Math.min(this.#limits.burst, this.#tokens + earned);
    this.#refilledAt = now;
  }

  // Hands out every whole token to the waiters, events first, then waits for the next one.
  #serve(): void {
    this.#timer = undefined;
    this.#refill();
    while (this.#tokens >= 1) {
      const waiter = this.#next();
      if (!waiter) break;
      this.#tokens -= 1;
      waiter.settled = true;
      this.#live[waiter.priority]--;
      this.#granted[waiter.priority]++;
      this.#waited[waiter.priority]++;
      this.#waitMs[waiter.priority] += this.#now() - waiter.since;
      waiter.grant();
    }
    this.#tidy();
    this.#arm();
  }

  #next(): Waiter | undefined {
    for (const priority of PRIORITIES) {
      const line = this.#lines[priority];
      while (this.#heads[priority] < line.length) {
        const place = line[this.#heads[priority]];
        line[this.#heads[priority]++] = undefined;
        if (place && !place.waiter.settled && place.waiter.priority === place.priority) return place.waiter;
      }
    }
    return undefined;
  }

  // Drops what was consumed or aborted, so a line never holds more than its live waiters for long.
  #tidy(): void {
    for (const priority of PRIORITIES) {
      const line = this.#lines[priority];
      if (this.#live[priority] === 0) {
        line.length = 0;
        this.#heads[priority] = 0;
      } else if (this.#heads[priority] >= 1024 && this.#heads[priority] * 2 >= line.length) {
        this.#lines[priority] = line.slice(this.#heads[priority]);
        this.#heads[priority] = 0;
      }
    }
    if (this.#live.event + this.#live.poll === 0) this.#disarm();
  }

  #arm(): void {
    if (this.#timer || this.#live.event + this.#live.poll === 0) return;
    const ms = Math.max(0, ((1 - this.#tokens) / this.#limits.ratePerSecond) * 1000);
    this.#timer = setTimeout(() => this.#serve(), Math.ceil(ms));
    // A waiting call must not keep the process alive by itself: shutdown is decided elsewhere.
    this.#timer.unref();
  }

  #disarm(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}

/** Every bucket of the process, by key: a cloud's limit is per account, whichever resource or ProviderConfig calls. */
export class CallBudgets {
  readonly #buckets = new Map<string, TokenBucket>();
  readonly #options: TokenBucketOptions;

  constructor(options: TokenBucketOptions = {}) {
    this.#options = options;
  }

  /** The key's bucket, made on first use; the latest limits asked for win. */
  bucket(key: string, limits: BucketLimits): TokenBucket {
    const existing = this.#buckets.get(key);
    if (existing) {
      existing.setLimits(limits);
      return existing;
    }
    const bucket = new TokenBucket(key, limits, this.#options);
    this.#buckets.set(key, bucket);
    return bucket;
  }

  states(): BucketState[] {
    return [...this.#buckets.values()].map((b) => b.state());
  }
}

/**
 * The process's budgets. One per process on purpose: two ProviderConfigs of one account share the
 * account's limit, and the metrics server reads the same buckets the providers fill.
 */
export const callBudgets = new CallBudgets();

function checkLimits(limits: BucketLimits): void {
  if (!(limits.ratePerSecond > 0) || !Number.isFinite(limits.ratePerSecond)) throw new RangeError(`ratePerSecond must be a positive number (got ${limits.ratePerSecond})`);
  if (!Number.isInteger(limits.burst) || limits.burst < 1) throw new RangeError(`burst must be a positive integer (got ${limits.burst})`);
}

function abortReason(signal: AbortSignal | undefined): Error {
  const reason: unknown = signal?.reason;
  return reason instanceof Error ? reason : new DOMException(typeof reason === "string" ? reason : "The operation was aborted.", "AbortError");
}

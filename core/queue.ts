// The reconciler's work queue: client-go's workqueue semantics, written for Node.
//
// Informer callbacks and the periodic resync only put keys here; workers take them out and
// reconcile. The queue guarantees what makes reconciling safe and cheap:
//   - one entry per key, however many events arrive for it while it waits (de-duplication);
//   - never two workers on the same key (a key added mid-reconcile is marked dirty and re-queued after);
//   - user-driven work ("event") ahead of periodic resync ("poll"), FIFO within each — but every
//     EVENTS_PER_POLL-th key is a waiting poll, so a long burst of events cannot starve resync
//     (drift detection) altogether;
//   - delayed and rate-limited re-adds driven by a single timer, so 10,000 resources polling on an
//     interval cost one setTimeout, not 10,000.

import { KeyedBackoff } from "./backoff.ts";
import type { KeyedBackoffOptions } from "./backoff.ts";

/** While polls wait, at most this many events are served in a row before one poll. */
export const EVENTS_PER_POLL = 4;

/**
 * 1 s doubling to 60 s, ±20 % jitter. The cap is crossplane-runtime's and no more than the default
 * poll interval: a failing resource is never asked again later than a healthy one is polled. With
 * 5 min, a load balancer whose six describe calls kept meeting faults (a storm that drained the AWS
 * SDK's retry quota) got two attempts in ten minutes and its delete did not finish (docs/reliability.md).
 */
export const DEFAULT_BACKOFF = { baseMs: 1000, maxMs: 60_000, jitter: 0.2 } as const satisfies KeyedBackoffOptions;

/** "event": user edits, creations, deletions, on-demand refresh. "poll": periodic resync. */
export type Priority = "event" | "poll";

/** Options for {@link WorkQueue}. Every hook defaults to a no-op. */
export interface WorkQueueOptions {
  /** Backoff behind `addRateLimited`; defaults to {@link DEFAULT_BACKOFF}. */
  readonly backoff?: KeyedBackoff;
  /** Called when a handler throws or rejects; the key has already been re-added rate-limited. */
  readonly onError?: (key: string, err: unknown) => void;
  /**
   * Called once when an event arrives for a key being processed as a poll: the run in progress may
   * hurry (its calls waiting for budget go ahead), since the edit's own run waits for it.
   */
  readonly onPromote?: (key: string) => void;
  /** Called after every handler run, successful or not, with how long it took. */
  readonly onProcessed?: (key: string, durationMs: number) => void;
  /** Monotonic clock in ms; defaults to performance.now (which vitest's fake timers also fake). */
  readonly now?: () => number;
}

/** Options for {@link WorkQueue.run}. */
export interface RunOptions {
  /** How many keys may be processed at once, across all keys. */
  readonly concurrency: number;
}

/** Options for {@link WorkQueue.shutdown}. */
export interface ShutdownOptions {
  /** Longest to wait for in-flight handlers, in ms; unbounded when omitted. */
  readonly drainMs?: number;
}

/**
 * Reconciles one key; what happens to the key next is up to it (addAfter, addRateLimited, forget).
 * `priority` is the one the key waited at: why it runs (a user's edit, or a poll).
 */
export type Handler = (key: string, priority: Priority) => Promise<void>;

// setTimeout treats anything above 2^31-1 ms as 1 ms; longer waits are taken in steps.
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

export class WorkQueue {
  readonly #backoff: KeyedBackoff;
  readonly #onError: (key: string, err: unknown) => void;
  readonly #onProcessed: (key: string, durationMs: number) => void;
  readonly #onPromote: (key: string) => void;
  readonly #now: () => number;

  // Waiting keys. `#waiting` is the truth (each key's priority and ticket); the FIFOs may also hold
  // stale tickets, left behind by a promotion, which are skipped when popped. (A Set used as a FIFO
  // would be simpler, but V8 makes popping its first element O(n) once deletions pile up at the front.)
  readonly #waiting = new Map<string, { priority: Priority; ticket: number }>();
  readonly #fifo: Record<Priority, Fifo<Ticketed>> = { event: new Fifo(), poll: new Fifo() };
  readonly #depth: Record<Priority, number> = { event: 0, poll: 0 };
  // Events served in a row since the last poll (see EVENTS_PER_POLL).
  #eventStreak = 0;
  #tickets = 0;

  // Keys being processed (at the priority they run as, "event" once promoted), and those added
  // meanwhile (with the most urgent priority asked for).
  readonly #processing = new Map<string, Priority>();
  readonly #dirty = new Map<string, Priority>();

  // Delayed adds: the earliest pending one per key, plus a min-heap of due times behind one timer.
  // Superseded heap entries stay until they surface and are skipped (or until a compaction).
  readonly #delayed = new Map<string, { due: number; priority: Priority; ticket: number }>();
  readonly #heap = new MinHeap();
  #timer: NodeJS.Timeout | undefined;
  #timerDue = Infinity;

  // Workers parked until a key is waiting, and the lifecycle.
  #wakers: (() => void)[] = [];
  #running: Promise<void> | undefined;
  #shuttingDown = false;

  constructor(options: WorkQueueOptions = {}) {
    this.#backoff = options.backoff ?? new KeyedBackoff(DEFAULT_BACKOFF);
    this.#onError = options.onError ?? nop;
    this.#onProcessed = options.onProcessed ?? nop;
    this.#onPromote = options.onPromote ?? nop;
    this.#now = options.now ?? (() => performance.now());
  }

  /**
   * Queues `key` now. A key already waiting keeps its place (promoted if this is an event and it
   * waited as a poll); a key being processed is re-queued once it is done. Cancels the key's
   * pending delayed adds: the processing this leads to decides the key's next schedule.
   */
  add(key: string, priority: Priority = "event"): void {
    if (this.#shuttingDown) return;
    this.#delayed.delete(key);
    this.#enqueue(key, priority);
  }

  /**
   * Queues `key` after `delayMs`. If the key already has a delayed add pending, the earlier of the
   * two wins (and the more urgent priority), so a long delay never postpones a short one.
   */
  addAfter(key: string, delayMs: number, priority: Priority = "event"): void {
    if (this.#shuttingDown) return;
    if (!(delayMs > 0)) return this.add(key, priority);
    const due = this.#now() + delayMs;
    const pending = this.#delayed.get(key);
    if (pending && pending.due <= due) {
      pending.priority = moreUrgent(pending.priority, priority);
      return;
    }
    const ticket = ++this.#tickets;
    this.#delayed.set(key, { due, priority: pending ? moreUrgent(pending.priority, priority) : priority, ticket });
    this.#heap.push({ due, ticket, key });
    this.#compactHeap();
    this.#arm();
  }

  /** Queues `key` after its next backoff delay (one more consecutive failure). */
  addRateLimited(key: string, priority: Priority = "event"): void {
    if (this.#shuttingDown) return;
    this.addAfter(key, this.#backoff.next(key), priority);
  }

  /** Resets `key`'s backoff; call it when the key reconciled successfully or is gone. */
  forget(key: string): void {
    this.#backoff.forget(key);
  }

  /** Consecutive rate-limited re-adds of `key` since it was last forgotten. */
  failures(key: string): number {
    return this.#backoff.failures(key);
  }

  /** Keys waiting to be processed now, by priority. */
  depth(): Readonly<Record<Priority, number>> {
    return { ...this.#depth };
  }

  /** Keys being processed now. */
  inFlight(): number {
    return this.#processing.size;
  }

  /** Keys with a delayed add pending. */
  delayed(): number {
    return this.#delayed.size;
  }

  /**
   * Starts `concurrency` workers and resolves once `shutdown()` was called and every in-flight
   * handler has finished. A handler that throws is reported to `onError` and re-added rate-limited.
   */
  run(handler: Handler, options: RunOptions): Promise<void> {
    const { concurrency } = options;
    if (!Number.isInteger(concurrency) || concurrency < 1) throw new RangeError(`concurrency must be a positive integer (got ${concurrency})`);
    if (this.#running) throw new Error("WorkQueue.run called twice");
    const workers = Array.from({ length: concurrency }, () => this.#work(handler));
    this.#running = Promise.all(workers).then(nop);
    return this.#running;
  }

  /**
   * Stops handing out keys (waiting and delayed keys stay unprocessed, later adds are ignored) and resolves
   * once in-flight handlers have finished, or after `drainMs`, whichever comes first.
   */
  async shutdown(options: ShutdownOptions = {}): Promise<void> {
    this.#shuttingDown = true;
    this.#disarm();
    for (const wake of this.#wakers.splice(0)) wake();
    const running = this.#running ?? Promise.resolve();
    if (options.drainMs === undefined) return running;
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, options.drainMs);
      timer.unref();
    });
    await Promise.race([running, deadline]);
    clearTimeout(timer);
  }

  async #work(handler: Handler): Promise<void> {
    while (!this.#shuttingDown) {
      const next = this.#pop();
      if (next === undefined) {
        await new Promise<void>((resolve) => this.#wakers.push(resolve));
        continue;
      }
      await this.#process(next.key, next.priority, handler);
    }
  }

  async #process(key: string, priority: Priority, handler: Handler): Promise<void> {
    this.#processing.set(key, priority);
    const started = this.#now();
    try {
      await handler(key, priority);
    } catch (err) {
      this.addRateLimited(key);
      safely(() => this.#onError(key, err));
    } finally {
      this.#processing.delete(key);
      safely(() => this.#onProcessed(key, this.#now() - started));
    }
    const dirty = this.#dirty.get(key);
    if (dirty !== undefined) {
      this.#dirty.delete(key);
      if (!this.#shuttingDown) this.#enqueue(key, dirty);
    }
  }

  #enqueue(key: string, priority: Priority): void {
    if (this.#processing.has(key)) {
      // Never two workers on one key: remember it and re-queue when the current run ends.
      this.#dirty.set(key, moreUrgent(this.#dirty.get(key), priority));
      if (priority === "event" && this.#processing.get(key) === "poll") {
        this.#processing.set(key, "event");
        safely(() => this.#onPromote(key));
      }
      return;
    }
    const waiting = this.#waiting.get(key);
    if (waiting && (waiting.priority === "event" || priority === "poll")) return; // de-duplicated
    if (waiting) this.#depth[waiting.priority]--; // a poll promoted to an event; its old ticket goes stale
    const ticket = ++this.#tickets;
    this.#waiting.set(key, { priority, ticket });
    this.#fifo[priority].push({ key, ticket });
    this.#depth[priority]++;
    this.#wakers.shift()?.();
  }

  #pop(): { key: string; priority: Priority } | undefined {
    const pollsFirst = this.#eventStreak >= EVENTS_PER_POLL;
    for (const priority of pollsFirst ? (["poll", "event"] as const) : (["event", "poll"] as const)) {
      const key = this.#shift(priority);
      if (key === undefined) continue;
      this.#eventStreak = priority === "event" ? this.#eventStreak + 1 : 0;
      return { key, priority };
    }
    return undefined;
  }

  #shift(priority: Priority): string | undefined {
    for (let entry = this.#fifo[priority].shift(); entry; entry = this.#fifo[priority].shift()) {
      if (this.#waiting.get(entry.key)?.ticket !== entry.ticket) continue; // stale: promoted away
      this.#waiting.delete(entry.key);
      this.#depth[priority]--;
      return entry.key;
    }
    return undefined;
  }

  // Fires every delayed add that is due, then re-arms for the next one.
  #fire(): void {
    this.#timer = undefined;
    this.#timerDue = Infinity;
    const now = this.#now();
    for (let top = this.#heap.peek(); top && top.due <= now; top = this.#heap.peek()) {
      this.#heap.pop();
      const pending = this.#delayed.get(top.key);
      if (pending?.ticket !== top.ticket) continue; // superseded by an earlier addAfter or by add
      this.#delayed.delete(top.key);
      this.#enqueue(top.key, pending.priority);
    }
    this.#arm();
  }

  // Keeps the one timer pointed at the earliest live due time. Only an earlier due time moves it,
  // so scheduling in (roughly) increasing order, as polling does, rarely touches the timer.
  #arm(): void {
    this.#dropStaleTop();
    const top = this.#heap.peek();
    if (!top || this.#shuttingDown) return this.#disarm();
    if (this.#timer && this.#timerDue <= top.due) return;
    this.#disarm();
    const delay = Math.min(Math.max(0, top.due - this.#now()), MAX_TIMEOUT_MS);
    this.#timerDue = Math.min(top.due, this.#now() + delay);
    // A timer fires up to 1 ms early relative to a fractional clock; #fire re-arms if nothing is due.
    this.#timer = setTimeout(() => this.#fire(), Math.ceil(delay));
    // Waiting keys must not keep the process alive: shutdown is decided elsewhere.
    this.#timer.unref();
  }

  #disarm(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#timerDue = Infinity;
  }

  #dropStaleTop(): void {
    for (let top = this.#heap.peek(); top && this.#delayed.get(top.key)?.ticket !== top.ticket; top = this.#heap.peek()) this.#heap.pop();
  }

  // `add` and earlier `addAfter`s leave superseded entries in the heap; rebuild it when they
  // outnumber the live ones, so churn cannot grow it without bound.
  #compactHeap(): void {
    if (this.#heap.size < 1024 || this.#heap.size < 2 * this.#delayed.size) return;
    // The live minimum does not change, so the armed timer stays right.
    this.#heap.rebuild([...this.#delayed].map(([key, { due, ticket }]) => ({ due, ticket, key })));
  }
}

interface Ticketed {
  readonly key: string;
  readonly ticket: number;
}

interface Due extends Ticketed {
  readonly due: number;
}

function moreUrgent(a: Priority | undefined, b: Priority): Priority {
  return a === "event" || b === "event" ? "event" : "poll";
}

function nop(): void {}

// Hooks are observability; one that throws must not take a worker down with it.
function safely(hook: () => void): void {
  try {
    hook();
  } catch {
    // Deliberately ignored: there is nowhere better to report a failing reporter.
  }
}

/** An array-backed FIFO with amortised O(1) shift. */
class Fifo<T> {
  #items: (T | undefined)[] = [];
  #head = 0;

  push(item: T): void {
    this.#items.push(item);
  }

  shift(): T | undefined {
    if (this.#head >= this.#items.length) return undefined;
    const item = this.#items[this.#head];
    this.#items[this.#head++] = undefined;
    // Reclaim the consumed prefix once it is at least half the array.
    if (this.#head >= 1024 && this.#head * 2 >= this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return item;
  }
}

/** A binary min-heap of due times; ties go to the lower ticket, i.e. the earlier call. */
class MinHeap {
  #items: Due[] = [];

  get size(): number {
    return this.#items.length;
  }

  peek(): Due | undefined {
    return this.#items[0];
  }

  push(item: Due): void {
    this.#items.push(item);
    this.#up(this.#items.length - 1);
  }

  pop(): Due | undefined {
    const top = this.#items[0];
    const last = this.#items.pop();
    if (top && last && this.#items.length > 0) {
      this.#items[0] = last;
      this.#down(0);
    }
    return top;
  }

  rebuild(items: Due[]): void {
    this.#items = items;
    for (let i = (items.length >> 1) - 1; i >= 0; i--) this.#down(i);
  }

  #less(i: number, j: number): boolean {
    const a = this.#items[i];
    const b = this.#items[j];
    if (!a || !b) return false;
    return a.due < b.due || (a.due === b.due && a.ticket < b.ticket);
  }

  #swap(i: number, j: number): void {
    const a = this.#items[i];
    const b = this.#items[j];
    if (!a || !b) return;
    this.#items[i] = b;
    this.#items[j] = a;
  }

  #up(i: number): void {
    for (let parent = (i - 1) >> 1; i > 0 && this.#less(i, parent); i = parent, parent = (i - 1) >> 1) this.#swap(i, parent);
  }

  #down(i: number): void {
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let smallest = i;
      if (left < this.#items.length && this.#less(left, smallest)) smallest = left;
      if (right < this.#items.length && this.#less(right, smallest)) smallest = right;
      if (smallest === i) return;
      this.#swap(i, smallest);
      i = smallest;
    }
  }
}

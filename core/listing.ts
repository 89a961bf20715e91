import { callWithin } from "./deadline.ts";

// Batch observe: one shared, paginated listing per (credentials, account or project, region, kind)
// serves every resource's observe, so the cloud is read once per page per poll interval instead of
// once per resource. The rules that keep it truthful:
// - Fresh: a listing serves an observe only when it started no longer ago than that observe allows
//   (the resource's poll interval, capped by the listing's own maxAgeMs); otherwise a new one is
//   fetched. Concurrent observes share one fetch (coalesced).
// - After a mutation of a resource, that resource is read by itself (a Get) until a listing that
//   started after the mutation arrives: an older one shows the cloud before the change.
// - A resource a listing does not hold is confirmed with a Get before it is reported missing (it may
//   have been created after the listing started, or the list may be eventually consistent).
// - A failed fetch is never cached: its waiters get the error, the next observe fetches again.
// - Each caller's signal stops only its own wait; the shared fetch is aborted once nobody waits.
// - Changes are pushed: a resource read with `onChanged` is told when a later listing shows it
//   changed or gone, so it is reconciled then instead of at its next poll (which might read the
//   listing after next). A listing is also refetched once it is older than REFRESH_FRACTION of the
//   asking poll interval, so an out-of-band change is seen within one poll interval, not two.

/** One page of a listing and the token of the next (undefined: the last page). */
export interface ListPage<T> {
  readonly items: readonly T[];
  readonly next?: string | undefined;
}

/** What a provider supplies for one listing key: how to page through the list, name an item, and read one resource. */
export interface ListingSource<T> {
  page(token: string | undefined, signal: AbortSignal): Promise<ListPage<T>>;
  /** The identifier observe looks an item up by; undefined skips the item. */
  idOf(item: T): string | undefined;
  /** One resource read by itself; undefined when the cloud does not know it. */
  get(id: string, signal: AbortSignal): Promise<T | undefined>;
  /**
   * What a change is judged by between two listings (default: the item's JSON). Leave out fields
   * the cloud changes by itself (e.g. a latest-restorable time), or every listing wakes everyone.
   */
  versionOf?(item: T): string;
}

/** How old a listing may grow, as a share of the poll interval asking for it (see the header). */
export const REFRESH_FRACTION = 0.9;

/** What one observe passes to {@link Listing.read}: the core's CallOptions fit as they are. */
export interface ListingReadOptions {
  readonly signal: AbortSignal;
  /** The asking resource's poll interval. */
  readonly maxAgeMs: number;
  /** Called (once per change seen) when a later listing shows this resource changed or gone. */
  readonly onChanged?: (() => void) | undefined;
}

export interface ListingOptions {
  /** The oldest a listing may be for any observe, whatever the caller allows. */
  readonly maxAgeMs?: number;
  /** A fetch of every page that takes longer is abandoned (its waiters get the error). */
  readonly fetchTimeoutMs?: number;
  readonly now?: () => number;
}

/** How an observe was served: from the shared listing, or by a Get of its own (and why). */
export type ListingSourceKind = "listing" | "get-after-mutation" | "get-missing";

export interface ListingRead<T> {
  readonly item: T | undefined;
  readonly via: ListingSourceKind;
}

interface Snapshot<T> {
  readonly startedAt: number;
  readonly items: ReadonlyMap<string, T>;
}

interface Watcher {
  readonly onChanged: () => void;
  readonly readAt: number;
  readonly maxAgeMs: number;
}

/** A watcher not read again for this many of its poll intervals belongs to a deleted or moved resource. */
const WATCHER_LIFETIME_POLLS = 3;

interface Fetch<T> {
  readonly startedAt: number;
  readonly done: Promise<Snapshot<T>>;
  readonly abort: AbortController;
  waiters: number;
}

const DEFAULT_FETCH_TIMEOUT_MS = 120_000;

/** One key's shared listing. */
export class Listing<T> {
  readonly #source: ListingSource<T>;
  readonly #maxAgeMs: number;
  readonly #fetchTimeoutMs: number;
  readonly #now: () => number;
  /** When each resource was last mutated; dropped once a listing started after it. */
  readonly #mutatedAt = new Map<string, number>();
  /** Who to tell when a listing shows an item changed; refreshed by every read, pruned when stale. */
  readonly #watchers = new Map<string, Watcher>();
  #snapshot: Snapshot<T> | undefined;
  #fetch: Fetch<T> | undefined;
  #fetches = 0;

  constructor(source: ListingSource<T>, options: ListingOptions = {}) {
    this.#source = source;
    this.#maxAgeMs = options.maxAgeMs ?? Number.POSITIVE_INFINITY;
    this.#fetchTimeoutMs = options.fetchTimeoutMs ?? DEFAULT_FETCH_TIMEOUT_MS;
    this.#now = options.now ?? Date.now;
  }

  /** How many full listings were started (every page of one counts once). */
  get fetches(): number {
    return this.#fetches;
  }

  /**
   * The resource `id` as the cloud has it, served from a listing no older than `maxAgeMs` (and the
   * listing's own cap), by a Get after a mutation, or confirmed by a Get when the listing lacks it.
   */
  async read(id: string, opts: ListingReadOptions): Promise<ListingRead<T>> {
    const maxAgeMs = Math.min(opts.maxAgeMs * REFRESH_FRACTION, this.#maxAgeMs);
    if (opts.onChanged) this.#watchers.set(id, { onChanged: opts.onChanged, readAt: this.#now(), maxAgeMs: opts.maxAgeMs });
    if (this.#recentlyMutated(id, maxAgeMs)) return { item: await this.#source.get(id, opts.signal), via: "get-after-mutation" };
    const snapshot = await this.#fresh(maxAgeMs, opts.signal);
    const listed = snapshot.items.get(id);
    if (listed !== undefined) return { item: listed, via: "listing" };
    return { item: await this.#source.get(id, opts.signal), via: "get-missing" };
  }

  /** Call after every create, update or delete of `id` (also a failed one: it may have changed something). */
  mutated(id: string): void {
    this.#mutatedAt.set(id, this.#now());
  }

  /**
   * Mutated since the last listing started, and recently: a listing fresh enough for this observe
   * would start after the mutation anyway once it is more than maxAgeMs ago.
   */
  #recentlyMutated(id: string, maxAgeMs: number): boolean {
    const at = this.#mutatedAt.get(id);
    if (at === undefined || (this.#snapshot && this.#snapshot.startedAt > at)) return false;
    return this.#now() - at <= maxAgeMs;
  }

  async #fresh(maxAgeMs: number, signal: AbortSignal): Promise<Snapshot<T>> {
    const now = this.#now();
    if (this.#snapshot && now - this.#snapshot.startedAt <= maxAgeMs) return this.#snapshot;
    const fetch = this.#fetch && now - this.#fetch.startedAt <= maxAgeMs ? this.#fetch : this.#start();
    fetch.waiters += 1;
    try {
      return await callWithin("listing", signal, () => fetch.done);
    } finally {
      fetch.waiters -= 1;
      // Nobody waits any more (every caller gave up): stop paging for no one.
      if (fetch.waiters === 0 && this.#fetch === fetch && signal.aborted) {
        fetch.abort.abort(signal.reason);
        this.#fetch = undefined;
      }
    }
  }

  #start(): Fetch<T> {
    const abort = new AbortController();
    const startedAt = this.#now();
    this.#fetches += 1;
    const signal = AbortSignal.any([abort.signal, AbortSignal.timeout(this.#fetchTimeoutMs)]);
    const fetch: Fetch<T> = { startedAt, abort, waiters: 0, done: this.#all(startedAt, signal) };
    this.#fetch = fetch;
    fetch.done.then(
      (snapshot) => {
        if (!this.#snapshot || this.#snapshot.startedAt <= snapshot.startedAt) this.#installed(snapshot);
        if (this.#fetch === fetch) this.#fetch = undefined;
      },
      () => {
        if (this.#fetch === fetch) this.#fetch = undefined; // errors are never cached
      },
    );
    return fetch;
  }

  async #all(startedAt: number, signal: AbortSignal): Promise<Snapshot<T>> {
    const items = new Map<string, T>();
    let token: string | undefined;
    do {
      signal.throwIfAborted();
      const page = await this.#source.page(token, signal);
      for (const item of page.items) {
        const id = this.#source.idOf(item);
        if (id !== undefined) items.set(id, item);
      }
      token = page.next;
    } while (token !== undefined && token !== "");
    return { startedAt, items };
  }

  /** How many resources are told of changes (memory held per resource). */
  get watched(): number {
    return this.#watchers.size;
  }

  #installed(snapshot: Snapshot<T>): void {
    const previous = this.#snapshot;
    this.#snapshot = snapshot;
    if (previous) this.#notify(previous, snapshot);
    for (const [id, at] of this.#mutatedAt) if (at < snapshot.startedAt) this.#mutatedAt.delete(id);
  }

  /** Tells each watched resource that `next` shows changed or gone since `previous`; drops stale watchers. */
  #notify(previous: Snapshot<T>, next: Snapshot<T>): void {
    const source = this.#source;
    const versionOf = (item: T): string => source.versionOf?.(item) ?? JSON.stringify(item);
    const now = this.#now();
    for (const [id, watcher] of this.#watchers) {
      if (now - watcher.readAt > WATCHER_LIFETIME_POLLS * watcher.maxAgeMs) {
        this.#watchers.delete(id);
        continue;
      }
      const before = previous.items.get(id);
      if (before === undefined) continue; // new, or not ours to judge: its own poll or Get reads it
      const after = next.items.get(id);
      if (after !== undefined && versionOf(after) === versionOf(before)) continue;
      try {
        watcher.onChanged();
      } catch {
        // A watcher's failure (a stopped queue) must not stop the others or the listing.
      }
    }
  }
}

/**
 * One kind's shared listings, one per key: the provider's session object, which already stands for
 * one (credentials, account or project, region). Held weakly, so a listing lives exactly as long as
 * the session it reads through, and a session dropped by its connector takes its listing with it.
 */
export class Listings<K extends object, T> {
  readonly #listings = new WeakMap<K, Listing<T>>();
  readonly #options: ListingOptions;

  constructor(options: ListingOptions = {}) {
    this.#options = options;
  }

  /** The key's listing, made from `source` the first time the key is seen. */
  for(key: K, source: () => ListingSource<T>, options: ListingOptions = {}): Listing<T> {
    let listing = this.#listings.get(key);
    if (!listing) {
      listing = new Listing(source(), { ...this.#options, ...options });
      this.#listings.set(key, listing);
    }
    return listing;
  }
}

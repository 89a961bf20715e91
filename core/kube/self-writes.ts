/**
 * The versions of objects the controller itself wrote, so the informer can tell its own write
 * coming back over the watch from someone else's change. A reconcile that writes already schedules
 * what comes next; waking the object again for its own write would only run a second reconcile at
 * once, on a cache that may not have caught up yet (a duplicate bookkeeping patch, or a 409 on a
 * precondition): at 10,000 objects that is much of the API server's load.
 *
 * The watch often delivers a write before its response arrives, so while a write to an object is
 * in flight its changes are held, and let through when the write ends unless they are that write.
 * A write counts as ours only when the reconciler carries on from what the API server returned
 * (the writer decides, see KubeManagedWriter), so a user's spec edit that landed between our read
 * and our write is never mistaken for ours. Versions go when seen, when the object is deleted, or
 * when newer writes push them out.
 */
export class SelfWrites {
  /** Versions written per object key (`namespace/name`) and not yet seen, oldest first. */
  readonly #versions = new Map<string, Written[]>();
  /** Per key: writes in flight, and the changes that arrived meanwhile. */
  readonly #inFlight = new Map<string, { writes: number; held: Held[] }>();
  /** Per key: what to run once the watch has delivered every write of ours (see whenSeen). */
  readonly #waiters = new Map<string, () => void>();
  readonly #perKey: number;
  readonly #maxLagMs: number;
  readonly #now: () => number;

  /** A write not seen within `maxLagMs` is given up on (a relist can skip a version). */
  constructor(options: { perKey?: number; maxLagMs?: number; now?: () => number } = {}) {
    this.#perKey = options.perKey ?? 4;
    this.#maxLagMs = options.maxLagMs ?? MAX_CACHE_LAG_MS;
    this.#now = options.now ?? (() => performance.now());
  }

  /** Objects with something remembered (for leak checks). */
  get size(): number {
    return new Set([...this.#versions.keys(), ...this.#inFlight.keys(), ...this.#waiters.keys()]).size;
  }

  /**
   * True while the watch has not yet delivered a write of ours to `key` (made less than maxLagMs
   * ago): the cache is behind what this controller itself wrote, and a reconcile would act on the
   * version before (a duplicate write, or a 409 on a precondition).
   */
  behind(key: string): boolean {
    const list = this.#versions.get(key);
    if (!list) return false;
    const fresh = list.filter((w) => this.#now() - w.at < this.#maxLagMs);
    if (fresh.length === list.length) return true;
    if (fresh.length > 0) this.#versions.set(key, fresh);
    else this.#versions.delete(key);
    return fresh.length > 0;
  }

  /** Runs `then` (once) when the watch has delivered every write of ours to `key`, or the key is forgotten. */
  whenSeen(key: string, then: () => void): void {
    this.#waiters.set(key, then);
  }

  /** Runs one write of the object `key`; `ours` says which version it produced, if the reconciler carries on from it. */
  async write<T>(key: string, run: () => Promise<T>, ours: (written: T) => string | undefined): Promise<T> {
    const entry = this.#inFlight.get(key) ?? { writes: 0, held: [] };
    entry.writes++;
    this.#inFlight.set(key, entry);
    let version: string | undefined;
    try {
      const written = await run();
      version = ours(written);
      return written;
    } finally {
      this.#ended(key, entry, version);
    }
  }

  /**
   * A change of `key` the watch delivered: false when it is ours (drop it), or held until the
   * writes in flight end (then `forward` runs unless it was ours); true when it should go on now.
   * `forward` is undefined for a change that needs no reconcile (only status moved): it is still
   * held, so a write of ours the watch delivered before its response is not looked for again, but
   * never forwarded, so it cannot stand in for a change that does need one.
   */
  arrived(key: string, resourceVersion: string | undefined, forward: (() => void) | undefined): boolean {
    if (this.#consume(key, resourceVersion)) return false;
    const entry = this.#inFlight.get(key);
    if (!entry) return forward !== undefined;
    entry.held.push({ resourceVersion, forward });
    return false;
  }

  forget(key: string): void {
    this.#versions.delete(key);
    this.#inFlight.delete(key);
    this.#wake(key);
  }

  #ended(key: string, entry: { writes: number; held: Held[] }, version: string | undefined): void {
    if (version) {
      const list = this.#versions.get(key) ?? [];
      list.push({ version, at: this.#now() });
      if (list.length > this.#perKey) list.shift();
      this.#versions.set(key, list);
    }
    entry.writes--;
    if (entry.writes > 0) return;
    if (this.#inFlight.get(key) === entry) this.#inFlight.delete(key);
    // Every held change is looked up (so ours are consumed); of someone else's that need a
    // reconcile, one forward is enough (it only enqueues the key).
    const foreign = entry.held.filter((h) => !this.#consume(key, h.resourceVersion));
    foreign.findLast((h) => h.forward !== undefined)?.forward?.();
  }

  /** True when `resourceVersion` is ours; earlier versions of ours are dropped with it (the watch delivers in order). */
  #consume(key: string, resourceVersion: string | undefined): boolean {
    const list = this.#versions.get(key);
    if (!list || !resourceVersion) return false;
    const at = list.findIndex((w) => w.version === resourceVersion);
    if (at < 0) return false;
    list.splice(0, at + 1);
    if (list.length === 0) {
      this.#versions.delete(key);
      this.#wake(key);
    }
    return true;
  }

  #wake(key: string): void {
    const then = this.#waiters.get(key);
    this.#waiters.delete(key);
    then?.();
  }
}

/** How long a write of ours may take to come back over the watch before the cache is trusted anyway. */
export const MAX_CACHE_LAG_MS = 30_000;

interface Written {
  readonly version: string;
  /** When the write's response arrived (the clock of SelfWrites). */
  readonly at: number;
}

interface Held {
  readonly resourceVersion: string | undefined;
  /** Undefined for a change that needs no reconcile. */
  readonly forward: (() => void) | undefined;
}

import type { Managed } from "./provider.ts";

/**
 * What the reconciler remembers about each object's generations between reconciles, by uid, to
 * tell drift (the cloud changed) from a spec edit still on its way (the user changed the spec).
 */
export class Generations {
  // The generation whose status was last written. The informer's copy of our own status write can
  // lag; without this a cloud change right after an update would look like a spec edit.
  readonly #statusWritten = new Map<string, number>();
  // The generation last seen matching the cloud, or applied by an update that left no operation in
  // flight. A provider may roll a spec edit out over several reconciles, each step an operation (a
  // load-balancer chain, level by level); between steps it differs from the cloud.
  readonly #converged = new Map<string, number>();

  statusWritten(mr: Managed): void {
    if (mr.metadata.uid && mr.metadata.generation !== undefined) this.#statusWritten.set(mr.metadata.uid, mr.metadata.generation);
  }

  converged(mr: Managed): void {
    if (mr.metadata.uid && mr.metadata.generation !== undefined) this.#converged.set(mr.metadata.uid, mr.metadata.generation);
  }

  forget(uid: string): void {
    this.#statusWritten.delete(uid);
    this.#converged.delete(uid);
  }

  /** How many objects anything is remembered about. */
  get size(): number {
    return new Set([...this.#statusWritten.keys(), ...this.#converged.keys()]).size;
  }

  /**
   * True when a difference from the cloud seen now is drift: the current generation already
   * converged in this process, or — when this process has not yet seen it converge (just
   * restarted) — the spec is unchanged since the last status write.
   */
  isDrift(mr: Managed): boolean {
    if (!mr.status) return false;
    const uid = mr.metadata.uid ?? "";
    const synced = Math.max(mr.status.observedGeneration ?? 0, this.#statusWritten.get(uid) ?? 0);
    return mr.metadata.generation === (this.#converged.get(uid) ?? synced);
  }
}

// What a busy user does while the controller is being killed: creates objects of every kind, edits
// their specs and deletes some, at random (seeded) moments, keeping `perKind` or one more of each alive.
import { setTimeout as sleep } from "node:timers/promises";
import type { Random } from "../../sandbox/faultproxy/index.ts";
import type { TrialCluster } from "./cluster.ts";
import { objectName, TRIAL_KINDS } from "./kinds.ts";
import type { KindId, TrialKind, TrialScope } from "./kinds.ts";

export interface WorkloadCounts {
  creates: number;
  edits: number;
  deletes: number;
}

export class Workload {
  readonly counts: WorkloadCounts = { creates: 0, edits: 0, deletes: 0 };
  readonly #next = new Map<KindId, number>();
  /** Live objects (created, not deleted) and the revision of their last edit. */
  readonly #live = new Map<KindId, Map<string, number>>();
  readonly #cluster: TrialCluster;
  readonly #scope: TrialScope;
  readonly #random: Random;
  readonly #perKind: number;

  constructor(cluster: TrialCluster, scope: TrialScope, random: Random, perKind: number) {
    this.#cluster = cluster;
    this.#scope = scope;
    this.#random = random;
    this.#perKind = perKind;
    for (const k of TRIAL_KINDS) this.#live.set(k.id, new Map());
  }

  /** The objects that should exist (and be Ready) once the run is over. */
  live(kind: TrialKind): string[] {
    return [...(this.#live.get(kind.id)?.keys() ?? [])].sort();
  }

  /** `perKind` objects of every kind, at once. */
  async populate(): Promise<void> {
    for (const kind of TRIAL_KINDS) for (let i = 0; i < this.#perKind; i++) await this.#create(kind);
  }

  /** One random action every 0.1–1 s until `until` aborts. */
  async run(until: AbortSignal): Promise<void> {
    while (!until.aborted) {
      await sleep(100 + this.#random() * 900);
      if (until.aborted) return;
      await this.step();
    }
  }

  /** Below `perKind`: a create. At it: mostly an edit, sometimes a create. Above it: an edit or a delete. So a kind never runs out. */
  async step(): Promise<void> {
    const kind = TRIAL_KINDS[Math.floor(this.#random() * TRIAL_KINDS.length)];
    if (!kind) return;
    const live = this.#live.get(kind.id) ?? new Map<string, number>();
    const names = [...live.keys()];
    const roll = this.#random();
    if (names.length < this.#perKind || (names.length === this.#perKind && roll < 0.25)) return this.#create(kind);
    const name = names[Math.floor(this.#random() * names.length)] ?? "";
    if (names.length > this.#perKind && roll < 0.5) {
      await this.#cluster.delete(kind, name);
      live.delete(name);
      this.counts.deletes++;
      return;
    }
    const rev = (live.get(name) ?? 0) + 1;
    await this.#cluster.edit(kind, name, rev);
    live.set(name, rev);
    this.counts.edits++;
  }

  async #create(kind: TrialKind): Promise<void> {
    const n = this.#next.get(kind.id) ?? 0;
    this.#next.set(kind.id, n + 1);
    const name = objectName(this.#scope, kind, n);
    await this.#cluster.create(kind, name);
    this.#live.get(kind.id)?.set(name, 0);
    this.counts.creates++;
  }
}

// After the kills: wait for the last controller to converge alone, then compare the cluster with
// the emulators — one cloud resource per live object, nothing of a deleted one, nobody needed.
import { setTimeout as sleep } from "node:timers/promises";
import type { TrialCloud } from "./cloud.ts";
import { converged, whyNot } from "./cluster.ts";
import type { ManagedItem, TrialCluster } from "./cluster.ts";
import { TRIAL_KINDS } from "./kinds.ts";
import type { TrialKind } from "./kinds.ts";

/** The objects that should exist once a run is over (a Workload, or a fixed set). */
export interface LiveObjects {
  live(kind: TrialKind): string[];
}

export interface WaitOptions {
  /** Epoch ms. */
  readonly deadline: number;
  readonly signal: AbortSignal;
  readonly log: (line: string) => void;
}

/** Until every live object is converged and every deleted one is gone; returns the seconds it took, or -1 at the deadline. */
export async function waitConverged(cluster: TrialCluster, workload: LiveObjects, o: WaitOptions): Promise<number> {
  const t0 = Date.now();
  let lastReport = 0;
  for (;;) {
    const pending = (await Promise.all(TRIAL_KINDS.map(async (kind) => notConverged(kind.id, new Set(workload.live(kind)), await cluster.list(kind))))).flat();
    if (pending.length === 0) return Math.round((Date.now() - t0) / 1000);
    if (o.signal.aborted) throw new Error("stopped");
    if (Date.now() > o.deadline) {
      for (const p of pending) o.log(`not converged at the deadline: ${p}`);
      return -1;
    }
    if (Date.now() - lastReport > 15_000) {
      lastReport = Date.now();
      o.log(`converging: ${pending.length} left, e.g. ${pending[0] ?? ""}`);
    }
    await sleep(1_000);
  }
}

function notConverged(kind: string, live: ReadonlySet<string>, items: readonly ManagedItem[]): string[] {
  return items.flatMap((item) => {
    const name = item.metadata.name;
    if (!live.has(name)) return [`${kind} ${name}: deleted, ${whyNot(item)}`];
    return converged(item) ? [] : [`${kind} ${name}: ${whyNot(item)}`];
  });
}

/** Until no object of the run is left in the namespace; false at the deadline. */
export async function waitGone(cluster: TrialCluster, o: WaitOptions): Promise<boolean> {
  for (;;) {
    const left = (await Promise.all(TRIAL_KINDS.map(async (k) => (await cluster.list(k)).map((i) => `${k.id} ${i.metadata.name}: ${whyNot(i)}`)))).flat();
    if (left.length === 0) return true;
    if (o.signal.aborted) throw new Error("stopped");
    if (Date.now() > o.deadline) {
      for (const l of left) o.log(`not deleted at the deadline: ${l}`);
      return false;
    }
    await sleep(1_000);
  }
}

export interface Verdict {
  readonly kinds: Record<string, { managed: number; cloud: number }>;
  /** Cloud resources beyond the first for one object (a second RDS instance, distribution, forwarding rule). */
  readonly duplicates: number;
  /** Cloud resources of objects deleted during the run: leaked before the final delete. */
  readonly strays: number;
  /** Live objects with no cloud resource. */
  readonly missing: number;
  /** Each object a person would have to look at, and why. */
  readonly needingPerson: string[];
  readonly allReady: boolean;
}

export async function judge(cluster: TrialCluster, cloud: TrialCloud, workload: LiveObjects): Promise<Verdict> {
  const inventory = await cloud.inventory();
  const verdict = { kinds: {} as Record<string, { managed: number; cloud: number }>, duplicates: 0, strays: 0, missing: 0, allReady: true, needingPerson: [] as string[] };
  for (const name of await cluster.objectsWithEvent("CreateOutcomeUnknown")) verdict.needingPerson.push(`${name}: CreateOutcomeUnknown`);
  for (const kind of TRIAL_KINDS) {
    const items = await cluster.list(kind);
    const live = new Set(workload.live(kind));
    const mine = inventory.filter((r) => r.kind === kind.id);
    const tops = mine.filter((r) => r.top);
    verdict.kinds[kind.id] = { managed: items.length, cloud: tops.length };
    for (const name of live) {
      const n = tops.filter((r) => r.owner === name).length;
      verdict.missing += n === 0 ? 1 : 0;
      verdict.duplicates += Math.max(0, n - 1);
    }
    const strays = mine.filter((x) => !live.has(x.owner));
    verdict.strays += strays.length;
    verdict.needingPerson.push(...strays.map((r) => `${kind.id} ${r.owner} (deleted): ${r.what} is still there`));
    const unconverged = items.filter((i) => !live.has(i.metadata.name) || !converged(i));
    verdict.needingPerson.push(...unconverged.map((i) => `${kind.id} ${i.metadata.name}: ${whyNot(i)}`));
    if (unconverged.length > 0 || items.length !== live.size) verdict.allReady = false;
    if (kind.connectionPassword) verdict.needingPerson.push(...(await passwordless(cluster, kind.id, [...live])));
  }
  return verdict;
}

/** Databases whose connection Secret lacks the password Terraplane generated: nobody could connect without resetting it. */
async function passwordless(cluster: TrialCluster, kind: string, names: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (const name of names) {
    const keys = await cluster.secretKeys(`${name}-conn`);
    if (!keys?.includes("password")) out.push(`${kind} ${name}: its connection Secret has no password (${keys ? `keys: ${keys.join(", ")}` : "no Secret"})`);
  }
  return out;
}

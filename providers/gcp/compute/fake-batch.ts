import type { CallOptions, ExternalClient, Managed, Observation, OperationRef } from "../../../core/provider.ts";
import { FakeCompute } from "./fake-compute.ts";
import { fakeListings } from "./fake-listings.ts";
import { chainApis } from "./listed-api.ts";
import type { ChainApis } from "./listed-api.ts";

// The scenario harness the chain kinds' batch-observe unit tests share: one object on its own
// in-memory compute fake, observed from the listings (batch) or part by part, and reconciled the
// way the core would (create, update, record the operation) without the core.

export interface BatchMode<F, A> {
  readonly fake: FakeCompute;
  readonly mr: Managed<F, A>;
  /** A poll's observe, with a listing age for batch observe. */
  observe(maxAgeMs?: number): Promise<Observation<A>>;
  reconcile(maxAgeMs?: number): Promise<Observation<A>>;
}

/** `mr` on a fresh fake; `client` builds the kind's client on the chain APIs each reconcile. */
export function batchMode<F, A>(batch: boolean, mr: Managed<F, A>, client: (apis: ChainApis) => ExternalClient<F, A>): BatchMode<F, A> {
  const fake = new FakeCompute();
  const listings = batch ? fakeListings(fake).listingOf : undefined;
  const connect = (): ExternalClient<F, A> => client(chainApis(fake.api(), listings));
  const opts = (maxAgeMs: number): CallOptions => ({ signal: new AbortController().signal, maxAgeMs });
  const mutation = (): CallOptions => ({ signal: new AbortController().signal });
  return {
    fake,
    mr,
    observe: (maxAgeMs = 60_000) => connect().observe(mr, opts(maxAgeMs)),
    async reconcile(maxAgeMs = 60_000) {
      const c = connect();
      const obs = await c.observe(mr, opts(maxAgeMs));
      const record = (ref: OperationRef | undefined): void => {
        const pendingOperation = ref ? { ...ref, startedAt: "2026-01-01T00:00:00Z" } : undefined;
        mr.status = { ...mr.status, pendingOperation, ...(obs.exists && obs.atProvider ? { atProvider: obs.atProvider } : {}), observedGeneration: mr.metadata.generation };
      };
      if (!obs.exists) record((await c.create(mr, mutation())).pendingOperation);
      else if (obs.diff.length > 0 && !obs.pendingOperation) record((await c.update(mr, obs.diff, mutation())).pendingOperation);
      else record(obs.pendingOperation);
      return obs;
    },
  };
}

/** Reconciles every mode, finishing operations in between, until Available with nothing to do; every observation of each. */
export async function converge<F, A>(modes: readonly BatchMode<F, A>[], maxAgeMs?: number): Promise<Observation<A>[][]> {
  const seen: Observation<A>[][] = modes.map(() => []);
  for (let i = 0; i < 20; i++) {
    const obs = await Promise.all(modes.map((m) => m.reconcile(maxAgeMs)));
    obs.forEach((o, j) => seen[j]?.push(o));
    if (obs.every((o) => o.exists && o.ready === "Available" && o.diff.length === 0 && !o.pendingOperation && modes.every((m) => !m.mr.status?.pendingOperation))) return seen;
    for (const m of modes) m.fake.finish();
  }
  throw new Error("did not converge");
}

/** Part reads (Gets) the fake answered, operation polls left out. */
export const partReads = (fake: FakeCompute): number => fake.calls.filter((c) => c.verb === "get" && c.collection !== "operations").length;

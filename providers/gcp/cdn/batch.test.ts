import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import type { CallOptions, Managed, Observation, OperationRef } from "../../../core/provider.ts";
import { FakeCompute } from "../compute/fake-compute.ts";
import { fakeListings } from "../compute/fake-listings.ts";
import { chainApis } from "../compute/listed-api.ts";
import { CdnClient } from "./client.ts";
import { CdnParameters } from "./schema.ts";
import type { CdnObservation } from "./schema.ts";

// Batch observe gives the CDN the verdicts per-resource observe gives: the same scenario on two
// fakes, one observed from the listings on every poll, one part by part.

type Cdn = Managed<CdnParameters, CdnObservation>;

const cdn = (): Cdn => ({
  kind: "CDN",
  metadata: { name: "shop", namespace: "web", uid: "u-1", generation: 1 },
  spec: { forProvider: CdnParameters.parse({ origin: { bucketName: "assets-bucket" } }), managementPolicies: ["*"], providerConfigRef: { kind: "ProviderConfig", name: "default" } },
});

interface Mode {
  readonly fake: FakeCompute;
  readonly mr: Cdn;
  observe(maxAgeMs?: number): Promise<Observation<CdnObservation>>;
  reconcile(maxAgeMs?: number): Promise<Observation<CdnObservation>>;
}

function mode(batch: boolean): Mode {
  const fake = new FakeCompute();
  const listings = batch ? fakeListings(fake).listingOf : undefined;
  const mr = cdn();
  const client = (): CdnClient => new CdnClient({ ...chainApis(fake.api(), listings), project: "p" });
  const opts = (maxAgeMs: number): CallOptions => ({ signal: new AbortController().signal, maxAgeMs });
  return {
    fake,
    mr,
    observe: (maxAgeMs = 60_000) => client().observe(mr, opts(maxAgeMs)),
    async reconcile(maxAgeMs = 60_000) {
      const c = client();
      const obs = await c.observe(mr, opts(maxAgeMs));
      const record = (ref: OperationRef | undefined): void => {
        const pendingOperation = ref ? { ...ref, startedAt: "2026-01-01T00:00:00Z" } : undefined;
        mr.status = { ...mr.status, pendingOperation, ...(obs.exists && obs.atProvider ? { atProvider: obs.atProvider } : {}), observedGeneration: mr.metadata.generation };
      };
      if (!obs.exists) record((await c.create(mr)).pendingOperation);
      else if (obs.diff.length > 0 && !obs.pendingOperation) record((await c.update(mr, obs.diff)).pendingOperation);
      else record(obs.pendingOperation);
      return obs;
    },
  };
}

async function converge(modes: readonly Mode[], maxAgeMs?: number): Promise<Observation<CdnObservation>[][]> {
  const seen: Observation<CdnObservation>[][] = modes.map(() => []);
  for (let i = 0; i < 20; i++) {
    const obs = await Promise.all(modes.map((m) => m.reconcile(maxAgeMs)));
    obs.forEach((o, j) => seen[j]?.push(o));
    if (obs.every((o) => o.exists && o.ready === "Available" && o.diff.length === 0 && !o.pendingOperation)) return seen;
    for (const m of modes) m.fake.finish();
  }
  throw new Error("did not converge");
}

const reads = (fake: FakeCompute): number => fake.calls.filter((c) => c.verb === "get" && c.collection !== "operations").length;
const since = (m: Mode, n: number): string[] => m.fake.mutations().slice(n);

describe("CDN: batch observe gives per-resource observe's verdicts", () => {
  it("create → Available, drift corrected, a part deleted out of band recreated, and no per-part read in steady state", async () => {
    const batched = mode(true);
    const single = mode(false);
    const both = [batched, single];
    const [b, s] = await converge(both);
    expect(b).toEqual(s);
    expect(batched.fake.mutations()).toEqual(single.fake.mutations());

    await sleep(2);
    await Promise.all(both.map((m) => m.observe(0)));
    for (const m of both) m.fake.calls.length = 0;
    const [quietB, quietS] = await Promise.all(both.map((m) => m.observe()));
    expect(quietB).toEqual(quietS);
    expect(reads(batched.fake)).toBe(0);
    expect(reads(single.fake)).toBe(5);

    // Cloud CDN turned off out of band on the backend bucket.
    for (const m of both) {
      const bb = m.fake.backendBuckets.items.get("shop-bb");
      if (bb) bb.enableCdn = false;
    }
    await sleep(2); // a listing started after the change: one of a later millisecond
    const [driftB, driftS] = await Promise.all(both.map((m) => m.observe(0)));
    expect(driftB).toEqual(driftS);
    expect(driftB?.exists && driftB.diff.length).toBeGreaterThan(0);
    const [b0 = 0, s0 = 0] = both.map((m) => m.fake.mutations().length);
    await converge(both, 0);
    expect(since(batched, b0)).toEqual(since(single, s0));
    expect(since(batched, b0)).toEqual(["backendBuckets.update:shop-bb"]);

    for (const m of both) m.fake.targetHttpProxies.items.delete("shop-proxy");
    await sleep(2);
    const [goneB, goneS] = await Promise.all(both.map((m) => m.observe(0)));
    expect(goneB).toEqual(goneS);
    const [b1 = 0, s1 = 0] = both.map((m) => m.fake.mutations().length);
    await converge(both, 0);
    expect(since(batched, b1)).toEqual(["targetHttpProxies.insert:shop-proxy"]);
    expect(since(single, s1)).toEqual(["targetHttpProxies.insert:shop-proxy"]);

    const settled = both.map((m) => m.fake.mutations().length);
    for (let i = 0; i < 3; i++) await Promise.all(both.map((m) => m.reconcile(0)));
    expect(both.map((m) => m.fake.mutations().length)).toEqual(settled);
  });
});

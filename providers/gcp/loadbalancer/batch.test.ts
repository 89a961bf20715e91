import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import type { PendingOperation } from "../../../core/managed.ts";
import type { CallOptions, Managed, Observation, OperationRef } from "../../../core/provider.ts";
import { FakeCompute } from "../compute/fake-compute.ts";
import { fakeListings } from "../compute/fake-listings.ts";
import { chainApis } from "../compute/listed-api.ts";
import { OperationLedger } from "../compute/operations.ts";
import { LoadBalancerClient } from "./client.ts";
import { LoadBalancerParameters } from "./schema.ts";
import type { LoadBalancerObservation } from "./schema.ts";

// Batch observe gives the LoadBalancer the verdicts per-resource observe gives: the same scenario on
// two fakes, one observed from the listings on every poll, one part by part; the same calls, the same
// observations, and no per-part read in steady state.

type Lb = Managed<LoadBalancerParameters, LoadBalancerObservation>;

function lb(): Lb {
  return {
    apiVersion: "gcp.terraplane.dev/v1alpha1",
    kind: "LoadBalancer",
    metadata: { name: "shop", namespace: "team", uid: "0b6f6a3e-1111-2222-3333-444455556666", generation: 1 },
    spec: {
      forProvider: LoadBalancerParameters.parse({
        healthCheck: { type: "HTTP", port: 8080, requestPath: "/healthz" },
        backendServices: [{ name: "web", backends: [{ group: "projects/p/zones/europe-west1-b/instanceGroups/web" }] }],
      }),
      managementPolicies: ["*"],
      providerConfigRef: { kind: "ProviderConfig", name: "default" },
    },
    status: { observedGeneration: 1 },
  };
}

const recorded = (ref: OperationRef | undefined): PendingOperation | undefined => (ref ? { ...ref, startedAt: "2026-01-01T00:00:00Z" } : undefined);

interface Mode {
  readonly fake: FakeCompute;
  readonly mr: Lb;
  /** A poll's call options: with a listing age for batch observe. */
  observe(maxAgeMs?: number): Promise<Observation<LoadBalancerObservation>>;
  reconcile(maxAgeMs?: number): Promise<Observation<LoadBalancerObservation>>;
}

function mode(batch: boolean): Mode {
  const fake = new FakeCompute();
  const ledger = new OperationLedger();
  const listings = batch ? fakeListings(fake).listingOf : undefined;
  const mr = lb();
  const client = (): LoadBalancerClient => new LoadBalancerClient({ ...chainApis(fake.api(), listings), project: "p", ledger });
  const opts = (maxAgeMs: number): CallOptions => ({ signal: new AbortController().signal, maxAgeMs });
  const m: Mode = {
    fake,
    mr,
    observe: (maxAgeMs = 60_000) => client().observe(mr, opts(maxAgeMs)),
    async reconcile(maxAgeMs = 60_000) {
      const c = client();
      const obs = await c.observe(mr, opts(maxAgeMs));
      const status = mr.status ?? {};
      mr.status = status;
      if (!obs.exists) status.pendingOperation = recorded((await c.create(mr)).pendingOperation);
      else {
        if (obs.atProvider) status.atProvider = obs.atProvider;
        status.pendingOperation = recorded(obs.diff.length > 0 && !obs.pendingOperation ? (await c.update(mr, obs.diff)).pendingOperation : obs.pendingOperation);
      }
      return obs;
    },
  };
  return m;
}

/** Reconciles both, finishing operations in between, until Available with nothing to do; every observation of each. */
async function converge(modes: readonly Mode[], maxAgeMs?: number): Promise<Observation<LoadBalancerObservation>[][]> {
  const seen: Observation<LoadBalancerObservation>[][] = modes.map(() => []);
  for (let i = 0; i < 20; i++) {
    const obs = await Promise.all(modes.map((m) => m.reconcile(maxAgeMs)));
    obs.forEach((o, j) => seen[j]?.push(o));
    if (obs.every((o) => o.exists && o.ready === "Available" && o.diff.length === 0 && !o.pendingOperation && modes.every((m) => !m.mr.status?.pendingOperation))) return seen;
    for (const m of modes) m.fake.finish();
  }
  throw new Error("did not converge");
}

const reads = (fake: FakeCompute): number => fake.calls.filter((c) => c.verb === "get" && c.collection !== "operations").length;

describe("LoadBalancer: batch observe gives per-resource observe's verdicts", () => {
  it("create → Available, drift corrected, a part deleted out of band recreated, and no per-part read in steady state", async () => {
    const batched = mode(true);
    const single = mode(false);
    const both = [batched, single];
    const [b, s] = await converge(both);
    expect(b).toEqual(s);
    expect(batched.fake.mutations()).toEqual(single.fake.mutations());

    // Steady state, once a listing started after our last change: the listings serve every part.
    await sleep(2);
    await Promise.all(both.map((m) => m.observe(0)));
    for (const m of both) m.fake.calls.length = 0;
    const [quietB, quietS] = await Promise.all(both.map((m) => m.observe()));
    expect(quietB).toEqual(quietS);
    expect(reads(batched.fake)).toBe(0);
    expect(reads(single.fake)).toBe(6);

    // Drift out of band, seen by the next poll (a listing started after it).
    for (const m of both) {
      const um = m.fake.urlMaps.items.get("shop-um");
      if (um) um.defaultService = "projects/p/global/backendServices/elsewhere";
    }
    await sleep(2); // a listing started after the change: one of a later millisecond
    const [driftB, driftS] = await Promise.all(both.map((m) => m.observe(0)));
    expect(driftB).toEqual(driftS);
    expect(driftB?.exists && driftB.diff.map((d) => d.path)).toEqual(["urlMap.defaultService"]);
    const before = both.map((m) => m.fake.mutations().length);
    await converge(both, 0);
    expect(batched.fake.mutations().slice(before[0])).toEqual(single.fake.mutations().slice(before[1]));
    expect(batched.fake.mutations().slice(before[0])).toEqual(["urlMaps.update:shop-um"]);

    // A part deleted out of band: the listing lacks it, a Get confirms it, and it is made again.
    for (const m of both) m.fake.forwardingRules.items.delete("shop-fr");
    await sleep(2);
    const [goneB, goneS] = await Promise.all(both.map((m) => m.observe(0)));
    expect(goneB).toEqual(goneS);
    const after = both.map((m) => m.fake.mutations().length);
    await converge(both, 0);
    expect(batched.fake.mutations().slice(after[0])).toEqual(["forwardingRules.insert:shop-fr"]);
    expect(single.fake.mutations().slice(after[1])).toEqual(["forwardingRules.insert:shop-fr"]);

    // Quiet again: no mutation over a few polls.
    const settled = both.map((m) => m.fake.mutations().length);
    for (let i = 0; i < 3; i++) await Promise.all(both.map((m) => m.reconcile(0)));
    expect(both.map((m) => m.fake.mutations().length)).toEqual(settled);
  });
});

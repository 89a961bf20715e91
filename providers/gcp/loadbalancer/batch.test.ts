import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import type { Managed } from "../../../core/provider.ts";
import { batchMode, converge, partReads } from "../compute/fake-batch.ts";
import type { BatchMode } from "../compute/fake-batch.ts";
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

function mode(batch: boolean): BatchMode<LoadBalancerParameters, LoadBalancerObservation> {
  const ledger = new OperationLedger();
  return batchMode(batch, lb(), (apis) => new LoadBalancerClient({ ...apis, project: "p", ledger }));
}
const reads = partReads;

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

import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import type { Managed } from "../../../core/provider.ts";
import { batchMode, converge, partReads } from "../compute/fake-batch.ts";
import type { BatchMode } from "../compute/fake-batch.ts";
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

const mode = (batch: boolean): BatchMode<CdnParameters, CdnObservation> => batchMode(batch, cdn(), (apis) => new CdnClient({ ...apis, project: "p" }));
const reads = partReads;
const since = (m: BatchMode<CdnParameters, CdnObservation>, n: number): string[] => m.fake.mutations().slice(n);

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

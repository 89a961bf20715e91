import assert from "node:assert";
import { describe, expect, it } from "vitest";
import type { ExistingObservation, Managed, Observation, OperationRef } from "../../../core/provider.ts";
import { FakeCompute } from "../compute/fake-compute.ts";
import { CdnClient } from "./client.ts";
import { CdnParameters } from "./schema.ts";
import type { CdnObservation } from "./schema.ts";

// The CDN client against the in-memory compute fake, driven the way the core drives it: observe,
// then create / update / delete as the observation says, operations finishing in between.

type Cdn = Managed<CdnParameters, CdnObservation>;

function cdnObject(forProvider: Record<string, unknown> = { origin: { bucketName: "assets-bucket" } }): Cdn {
  return {
    kind: "CDN",
    metadata: { name: "shop", namespace: "web", uid: "u-1", generation: 1 },
    // Parsed as the core hands it over: the provider never re-parses it.
    spec: { forProvider: CdnParameters.parse(forProvider), managementPolicies: ["*"], providerConfigRef: { kind: "ProviderConfig", name: "default" } },
  };
}

/** One reconcile as the core does it; returns the observation and records status as the core would. */
async function reconcile(fake: FakeCompute, mr: Cdn): Promise<Observation<CdnObservation>> {
  const client = new CdnClient({ api: fake.api(), project: "p" });
  const obs = await client.observe(mr);
  // As the core records an operation: the provider names it, the core stamps when it started.
  const record = (ref: OperationRef | undefined): void => {
    const pendingOperation = ref ? { ...ref, startedAt: "2026-01-01T00:00:00Z" } : undefined;
    mr.status = { ...mr.status, pendingOperation, ...(obs.exists && obs.atProvider ? { atProvider: obs.atProvider } : {}), observedGeneration: mr.metadata.generation };
  };
  if (!obs.exists) {
    if (!mr.metadata.deletionTimestamp) record((await client.create(mr)).pendingOperation);
    else record(undefined);
  } else if (mr.metadata.deletionTimestamp) {
    record(obs.pendingOperation ?? (await client.delete(mr)).pendingOperation);
  } else if (obs.diff.length > 0 && !obs.pendingOperation) record((await client.update(mr, obs.diff)).pendingOperation);
  else record(obs.pendingOperation);
  return obs;
}

/** The observation of a resource that exists (fails the test otherwise). */
function existing<A>(obs: Observation<A>): ExistingObservation<A> {
  assert(obs.exists, "expected the resource to exist");
  return obs;
}

/** Reconciles, finishing operations in between, until the chain settles; returns the mutations of each step. */
async function converge(fake: FakeCompute, mr: Cdn): Promise<string[][]> {
  const steps: string[][] = [];
  for (let i = 0; i < 12; i++) {
    const before = fake.mutations().length;
    const obs = await reconcile(fake, mr);
    const made = fake.mutations().slice(before);
    if (made.length > 0) steps.push(made);
    fake.finish();
    if (mr.metadata.deletionTimestamp ? !obs.exists : obs.exists && obs.diff.length === 0 && obs.ready === "Available" && !obs.pendingOperation) return steps;
  }
  throw new Error("did not converge");
}

describe("CdnClient", () => {
  it("builds backend and address, then URL map, proxy and forwarding rule, one level per reconcile; then Ready with nothing to do", async () => {
    const fake = new FakeCompute();
    const mr = cdnObject();
    expect(await converge(fake, mr)).toEqual([
      ["backendBuckets.insert:shop-bb", "addresses.insert:shop-ip"],
      ["urlMaps.insert:shop-um"],
      ["targetHttpProxies.insert:shop-proxy"],
      ["forwardingRules.insert:shop-fr"],
    ]);
    expect(fake.backendBuckets.items.get("shop-bb")).toMatchObject({ bucketName: "assets-bucket", enableCdn: true, description: "Managed by Terraplane: CDN web/shop (uid u-1)" });
    expect(fake.urlMaps.items.get("shop-um")?.defaultService).toBe("projects/p/global/backendBuckets/shop-bb");
    const obs = existing(await reconcile(fake, mr));
    expect(obs).toMatchObject({ exists: true, diff: [], ready: "Available" });
    expect(obs.atProvider).toMatchObject({ backend: { name: "shop-bb", state: "READY" }, forwardingRule: { name: "shop-fr", state: "READY" } });
  });

  it("says which piece it waits for while an operation runs", async () => {
    const fake = new FakeCompute();
    const mr = cdnObject();
    await reconcile(fake, mr); // create: backend and address
    const obs = existing(await reconcile(fake, mr));
    expect(obs).toMatchObject({ exists: true, ready: "Creating" });
    expect(obs.message).toMatch(/^waiting for compute: insert of backendBuckets\/shop-bb is RUNNING; insert of addresses\/shop-ip is RUNNING$/);
    expect(obs.atProvider).toMatchObject({ backend: { state: "PENDING" }, urlMap: { state: "MISSING" } });
  });

  it("corrects a backend switched off behind its back with one update, and recreates a deleted forwarding rule as drift", async () => {
    const fake = new FakeCompute();
    const mr = cdnObject();
    await converge(fake, mr);
    const bb = fake.backendBuckets.items.get("shop-bb");
    if (bb) bb.enableCdn = false;
    const before = fake.mutations().length;
    const drifted = existing(await reconcile(fake, mr));
    expect(drifted.diff.map((d) => d.path)).toEqual(["enableCdn"]);
    expect(fake.mutations().slice(before)).toEqual(["backendBuckets.update:shop-bb"]);
    expect(fake.backendBuckets.items.get("shop-bb")?.enableCdn).toBe(true);
    fake.finish();

    fake.forwardingRules.items.delete("shop-fr");
    const missing = existing(await reconcile(fake, mr));
    expect(missing.diff.map((d) => d.path)).toEqual(["forwardingRule"]);
    expect(fake.mutations().at(-1)).toBe("forwardingRules.insert:shop-fr");
  });

  it("deletes in reverse dependency order, one level per reconcile, the address last with the backend", async () => {
    const fake = new FakeCompute();
    const mr = cdnObject();
    await converge(fake, mr);
    mr.metadata.deletionTimestamp = new Date();
    expect(await converge(fake, mr)).toEqual([
      ["forwardingRules.delete:shop-fr"],
      ["targetHttpProxies.delete:shop-proxy"],
      ["urlMaps.delete:shop-um"],
      ["backendBuckets.delete:shop-bb", "addresses.delete:shop-ip"],
    ]);
  });

  it("refuses parts that exist but belong to nobody it knows, unless adopted by the external-name annotation", async () => {
    const fake = new FakeCompute();
    fake.backendBuckets.seed({ name: "shop-bb", bucketName: "assets-bucket", enableCdn: true, description: "someone else's" });
    await expect(new CdnClient({ api: fake.api(), project: "p" }).observe(cdnObject())).rejects.toThrow(/backend bucket "shop-bb" already exists and was not created by this CDN/);
  });

  it("adopts exactly the parts terraplane.dev/external-names names (zero diff, no write), and refuses an unnamed unmarked one under a derived name", async () => {
    const fake = new FakeCompute();
    const legacy = cdnObject();
    legacy.metadata = { ...legacy.metadata, name: "legacy", uid: "u-legacy" };
    await converge(fake, legacy);
    for (const c of [fake.backendBuckets, fake.urlMaps, fake.targetHttpProxies, fake.addresses, fake.forwardingRules]) for (const r of c.items.values()) r.description = "";
    fake.calls.length = 0;
    const named = { backend: "legacy-bb", urlMap: "legacy-um", targetProxy: "legacy-proxy", address: "legacy-ip", forwardingRule: "legacy-fr" };
    const mr = cdnObject();
    mr.metadata.annotations = { "terraplane.dev/external-name": "shop", "terraplane.dev/external-names": JSON.stringify(named) };
    expect(existing(await reconcile(fake, mr))).toMatchObject({ diff: [], ready: "Available" });
    expect(fake.mutations()).toEqual([]);

    fake.forwardingRules.seed({ name: "shop-fr", description: "" });
    const { forwardingRule: _fr, ...partial } = named;
    mr.metadata.annotations = { ...mr.metadata.annotations, "terraplane.dev/external-names": JSON.stringify(partial) };
    await expect(reconcile(fake, mr)).rejects.toThrow('forwarding rule "shop-fr" already exists and was not created by this CDN, and terraplane.dev/external-names does not name it');
    mr.metadata.annotations = { ...mr.metadata.annotations, "terraplane.dev/external-names": JSON.stringify({ ...named, "backendServices[web]": "x" }) };
    await expect(reconcile(fake, mr)).rejects.toThrow('"backendServices[web]" is not a part of this CDN; its parts are backend, urlMap, targetProxy, address, forwardingRule');
  });

  it("deletes only what it created: a part someone else made under its name is left alone", async () => {
    const fake = new FakeCompute();
    const mr = cdnObject();
    fake.urlMaps.seed({ name: "shop-um", defaultService: "projects/p/global/backendBuckets/other", description: "someone else's" });
    await reconcile(fake, mr).catch(() => undefined); // refused: not ours
    mr.metadata.deletionTimestamp = new Date();
    expect(await converge(fake, mr)).toEqual([]);
    expect(fake.urlMaps.items.has("shop-um")).toBe(true);
  });

  it("reports an update under way as Unavailable, naming it", async () => {
    const fake = new FakeCompute();
    const mr = cdnObject();
    await converge(fake, mr);
    mr.spec.forProvider = CdnParameters.parse({ origin: { bucketName: "assets-bucket" }, defaultTtl: 60 });
    mr.metadata.generation = 2;
    await reconcile(fake, mr);
    const obs = await reconcile(fake, mr);
    expect(obs).toMatchObject({ ready: "Unavailable", message: "waiting for compute: update of backendBuckets/shop-bb is RUNNING" });
  });

  it("late-initialises the policy and the front end's protocol and port once the chain exists", async () => {
    const fake = new FakeCompute();
    const mr = cdnObject();
    await converge(fake, mr);
    const bb = fake.backendBuckets.items.get("shop-bb");
    if (bb) bb.cdnPolicy = { cacheMode: "CACHE_ALL_STATIC", defaultTtl: 3600, maxTtl: 86400, clientTtl: 3600 };
    const fr = fake.forwardingRules.items.get("shop-fr");
    if (fr) fr.portRange = "80-80";
    const obs = existing(await reconcile(fake, mr));
    expect(obs.lateInitialized).toEqual({ cacheMode: "CACHE_ALL_STATIC", defaultTtl: 3600, maxTtl: 86400, clientTtl: 3600, frontend: { protocol: "HTTP", port: 80 } });
  });
});

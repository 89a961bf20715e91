import assert from "node:assert";
import { describe, expect, it } from "vitest";
import { ProviderError } from "../../../core/errors.ts";
import type { PendingOperation } from "../../../core/managed.ts";
import type { ExistingObservation, Managed, Observation, OperationRef } from "../../../core/provider.ts";
import { FakeCompute } from "../compute/fake-compute.ts";
import { OperationLedger } from "../compute/operations.ts";
import { LoadBalancerClient } from "./client.ts";
import { loadBalancerConnectorWith } from "./connector.ts";
import { LoadBalancerParameters } from "./schema.ts";
import type { LoadBalancerObservation } from "./schema.ts";

// The LoadBalancer client against the in-memory fake, driven the way the core drives it: observe,
// then create / update / delete per the observation, operations recorded in status.

const HC = { type: "HTTP", port: 8080, requestPath: "/healthz" };
const UID = "0b6f6a3e-1111-2222-3333-444455556666";

type Lb = Managed<LoadBalancerParameters, LoadBalancerObservation>;

function lb(forProvider: Record<string, unknown> = {}, opts: { annotations?: Record<string, string> } = {}): Lb {
  return {
    apiVersion: "gcp.terraplane.dev/v1alpha1",
    kind: "LoadBalancer",
    metadata: { name: "shop", namespace: "team", uid: UID, generation: 1, ...(opts.annotations ? { annotations: opts.annotations } : {}) },
    spec: {
      // Parsed as the core hands it over: the provider never re-parses it.
      forProvider: LoadBalancerParameters.parse({
        healthCheck: HC,
        backendServices: [{ name: "web", backends: [{ group: "projects/p/zones/europe-west1-b/instanceGroups/web" }] }],
        ...forProvider,
      }),
      managementPolicies: ["*"],
      providerConfigRef: { kind: "ProviderConfig", name: "default" },
    },
    status: { observedGeneration: 1 },
  };
}

const client = (fake: FakeCompute): LoadBalancerClient => new LoadBalancerClient({ api: fake.api(), project: "p", ledger: new OperationLedger() });

/** The observation of a resource that exists (fails the test otherwise). */
function existing<A>(obs: Observation<A>): ExistingObservation<A> {
  assert(obs.exists, "expected the resource to exist");
  return obs;
}

/** As the core records an operation: the provider names it, the core stamps when it started. */
const recorded = (ref: OperationRef | undefined): PendingOperation | undefined => (ref ? { ...ref, startedAt: "2026-01-01T00:00:00Z" } : undefined);

/** One reconcile as the core does it; returns what it called. */
async function reconcile(fake: FakeCompute, mr: Lb): Promise<{ obs: Observation<LoadBalancerObservation>; called?: string }> {
  const c = client(fake);
  const obs = await c.observe(mr);
  const status = mr.status ?? {};
  mr.status = status;
  if (!obs.exists) {
    if (mr.metadata.deletionTimestamp) return { obs, called: "released" };
    status.pendingOperation = recorded((await c.create(mr)).pendingOperation);
    return { obs, called: "create" };
  }
  if (obs.atProvider) status.atProvider = obs.atProvider;
  if (mr.metadata.deletionTimestamp) {
    if (obs.pendingOperation) return { obs };
    status.pendingOperation = recorded((await c.delete(mr)).pendingOperation);
    return { obs, called: "delete" };
  }
  if (obs.diff.length > 0 && !obs.pendingOperation) {
    status.pendingOperation = recorded((await c.update(mr, obs.diff)).pendingOperation);
    return { obs, called: "update" };
  }
  status.pendingOperation = recorded(obs.pendingOperation);
  return { obs };
}

/** Reconciles, finishing operations in between, until Available with nothing to do. */
async function converge(fake: FakeCompute, mr: Lb): Promise<ExistingObservation<LoadBalancerObservation>> {
  for (let i = 0; i < 20; i++) {
    const { obs, called } = await reconcile(fake, mr);
    if (!called && obs.exists && obs.ready === "Available" && obs.diff.length === 0) return obs;
    fake.finish();
  }
  throw new Error("did not converge");
}

describe("LoadBalancerClient", () => {
  it("builds the chain in dependency order, reports each part and the IP, then makes no call", async () => {
    const fake = new FakeCompute();
    const mr = lb();
    const first = await reconcile(fake, mr);
    expect(first.called).toBe("create");
    const pending = await reconcile(fake, mr);
    expect(pending.obs).toMatchObject({ exists: true, ready: "Creating", pendingOperation: { action: "create" } });
    expect(existing(pending.obs).message).toContain("insert of healthChecks/shop-hc is RUNNING");
    const obs = await converge(fake, mr);
    expect(fake.mutations()).toEqual([
      "healthChecks.insert:shop-hc",
      "addresses.insert:shop-ip",
      "backendServices.insert:shop-bs-web",
      "urlMaps.insert:shop-um",
      "targetHttpProxies.insert:shop-proxy",
      "forwardingRules.insert:shop-fr",
    ]);
    expect(obs.atProvider).toMatchObject({
      healthCheck: { name: "shop-hc", exists: true },
      backendServices: [{ key: "web", name: "shop-bs-web", exists: true }],
      urlMap: { name: "shop-um", exists: true },
      targetProxy: { name: "shop-proxy", exists: true },
      address: { name: "shop-ip", exists: true },
      forwardingRule: { name: "shop-fr", exists: true },
    });
    expect(fake.backendServices.items.get("shop-bs-web")).toMatchObject({ loadBalancingScheme: "EXTERNAL_MANAGED", healthChecks: ["projects/p/global/healthChecks/shop-hc"] });
    const before = fake.mutations().length;
    for (let i = 0; i < 3; i++) await reconcile(fake, mr);
    expect(fake.mutations().length).toBe(before);
  });

  it("late-initialises what compute fills in, only for fields the spec leaves unset", async () => {
    const fake = new FakeCompute();
    const mr = lb({ healthCheck: { type: "HTTP" } });
    await converge(fake, mr);
    Object.assign(fake.healthChecks.items.get("shop-hc") ?? {}, { checkIntervalSec: 5, httpHealthCheck: { port: 80, requestPath: "/" } });
    Object.assign(fake.backendServices.items.get("shop-bs-web") ?? {}, { timeoutSec: 30, protocol: "HTTP", portName: "http" });
    const obs = existing(await client(fake).observe(mr));
    expect(obs.diff).toEqual([]);
    expect(obs.lateInitialized).toEqual({
      healthCheck: { port: 80, requestPath: "/", checkIntervalSec: 5 },
      backendServices: [{ name: "web", protocol: "HTTP", portName: "http", timeoutSec: 30, backends: [{ group: "projects/p/zones/europe-west1-b/instanceGroups/web" }] }],
    });
  });

  it("adds a backend service and routes to it, then deletes one the spec drops once unused", async () => {
    const fake = new FakeCompute();
    const mr = lb();
    await converge(fake, mr);
    const start = fake.mutations().length;
    mr.spec.forProvider = LoadBalancerParameters.parse({
      healthCheck: HC,
      backendServices: [
        { name: "web", backends: [] },
        { name: "api", timeoutSec: 60, backends: [] },
      ],
      urlMap: { defaultService: "web", hostRules: [{ hosts: ["api.example.com"], pathMatcher: "api" }], pathMatchers: [{ name: "api", defaultService: "api" }] },
    });
    await converge(fake, mr);
    expect(fake.mutations().slice(start)).toEqual(["backendServices.insert:shop-bs-api", "backendServices.update:shop-bs-web", "urlMaps.update:shop-um"]);
    const mid = fake.mutations().length;
    mr.spec.forProvider = LoadBalancerParameters.parse({ healthCheck: HC, backendServices: [{ name: "web", backends: [] }] });
    const obs = await converge(fake, mr);
    expect(fake.mutations().slice(mid)).toEqual(["urlMaps.update:shop-um", "backendServices.delete:shop-bs-api"]);
    expect(obs.atProvider?.backendServices).toEqual([expect.objectContaining({ key: "web" })]);
  });

  it("replaces a drifted health check whole; retries an update refused for a stale fingerprint on the next reconcile", async () => {
    const fake = new FakeCompute();
    const mr = lb();
    await converge(fake, mr);
    Object.assign(fake.healthChecks.items.get("shop-hc") ?? {}, { type: "TCP", tcpHealthCheck: { port: 9999 } });
    expect((await reconcile(fake, mr)).called).toBe("update");
    expect(fake.healthChecks.items.get("shop-hc")).toMatchObject({ type: "HTTP", httpHealthCheck: { port: 8080, requestPath: "/healthz" } });
    expect(fake.healthChecks.items.get("shop-hc")?.tcpHealthCheck).toBeUndefined();
    fake.finish();

    Object.assign(fake.backendServices.items.get("shop-bs-web") ?? {}, { backends: [], affinityCookieTtlSec: 7 });
    fake.failures.set("backendServices.update", new ProviderError("Conflict", "Invalid fingerprint.", { code: "conditionNotMet" }));
    await expect(reconcile(fake, mr)).rejects.toMatchObject({ errorClass: "Conflict", code: "conditionNotMet" });
    expect((await reconcile(fake, mr)).called).toBe("update");
    // Fields Terraplane does not manage are sent back as they were.
    expect(fake.backendServices.items.get("shop-bs-web")).toMatchObject({ affinityCookieTtlSec: 7, backends: [{ group: "https://www.googleapis.com/compute/v1/projects/p/zones/europe-west1-b/instanceGroups/web" }] });
  });

  it("refuses a chain it does not own, unless imported by external name", async () => {
    const fake = new FakeCompute();
    fake.urlMaps.seed({ name: "shop-um", description: "by hand" });
    await expect(client(fake).observe(lb())).rejects.toMatchObject({ errorClass: "AlreadyExists" });
    await expect(client(fake).observe(lb({}, { annotations: { "terraplane.dev/external-name": "shop" } }))).resolves.toMatchObject({ exists: false });
  });

  describe("parts named by terraplane.dev/external-names", () => {
    const NAMED = {
      healthCheck: "legacy-hc",
      "backendServices[web]": "legacy-bs-web",
      urlMap: "legacy-um",
      targetProxy: "legacy-proxy",
      address: "legacy-ip",
      forwardingRule: "legacy-fr",
    };

    /** A chain under names Terraplane would never derive for "shop", with no Terraplane mark on any part (as Terraform leaves them). */
    async function terraformMade(fake: FakeCompute): Promise<void> {
      const other = lb();
      other.metadata = { ...other.metadata, name: "legacy", uid: "ffffffff-0000-0000-0000-000000000000" };
      await converge(fake, other);
      const collections = [fake.healthChecks, fake.backendServices, fake.urlMaps, fake.targetHttpProxies, fake.addresses, fake.forwardingRules];
      for (const c of collections) for (const r of c.items.values()) r.description = "made by terraform";
      fake.calls.length = 0;
    }
    const adopting = (names: Record<string, string>): Lb => lb({}, { annotations: { "terraplane.dev/external-name": "shop", "terraplane.dev/external-names": JSON.stringify(names) } });

    it("adopts exactly the named parts: zero diff, Available, no write", async () => {
      const fake = new FakeCompute();
      await terraformMade(fake);
      const obs = existing(await client(fake).observe(adopting(NAMED)));
      expect(obs).toMatchObject({ diff: [], ready: "Available" });
      expect(obs.atProvider).toMatchObject({ forwardingRule: { name: "legacy-fr", exists: true }, urlMap: { name: "legacy-um", exists: true } });
      expect(fake.mutations()).toEqual([]);
    });

    it("refuses an unmarked part found under a derived name that the annotation does not name, and says how to name it", async () => {
      const fake = new FakeCompute();
      await terraformMade(fake);
      fake.urlMaps.seed({ name: "shop-um", description: "by hand" });
      const { urlMap: _named, ...withoutUrlMap } = NAMED;
      await expect(client(fake).observe(adopting(withoutUrlMap))).rejects.toThrow(
        'URL map "shop-um" already exists and was not created by this LoadBalancer, and terraplane.dev/external-names does not name it: to adopt exactly that one, add {"urlMap":"shop-um"} to the annotation',
      );
    });

    it("refuses a named part another Terraplane object owns", async () => {
      const fake = new FakeCompute();
      await terraformMade(fake);
      const hc = fake.healthChecks.items.get("legacy-hc");
      if (hc) hc.description = "Managed by Terraplane: LoadBalancer team/legacy (uid ffffffff-0000-0000-0000-000000000000)";
      await expect(client(fake).observe(adopting(NAMED))).rejects.toThrow('health check "legacy-hc" is managed by another Terraplane object');
    });

    it.each([
      ['{"hc": "x"}', '"hc" is not a part of this LoadBalancer; its parts are healthCheck, backendServices[<key>], urlMap, targetProxy, address, forwardingRule'],
      ['{"urlMap": "Not_A_Name"}', '"Not_A_Name" (for urlMap) cannot be its name: compute names are'],
      ['{"urlMap": 7}', 'the name of part "urlMap" must be a non-empty string'],
    ])("refuses the annotation %s terminally", async (raw, message) => {
      const err = await client(new FakeCompute()).observe(lb({}, { annotations: { "terraplane.dev/external-names": raw } })).catch((e: unknown) => e);
      expect(err).toMatchObject({ errorClass: "InvalidParameter" });
      expect(String(err)).toContain(message);
    });

    it("changes and deletes the named parts under their own names", async () => {
      const fake = new FakeCompute();
      await terraformMade(fake);
      const mr = adopting(NAMED);
      mr.spec.forProvider = LoadBalancerParameters.parse({ ...mr.spec.forProvider, healthCheck: { ...HC, requestPath: "/ready" } });
      await converge(fake, mr);
      expect(fake.mutations()).toEqual(["healthChecks.update:legacy-hc"]);
      const start = fake.mutations().length;
      mr.metadata.deletionTimestamp = new Date();
      for (let i = 0; i < 20 && (await reconcile(fake, mr)).called !== "released"; i++) fake.finish();
      expect(fake.mutations().slice(start)).toEqual([
        "forwardingRules.delete:legacy-fr",
        "targetHttpProxies.delete:legacy-proxy",
        "urlMaps.delete:legacy-um",
        "backendServices.delete:legacy-bs-web",
        "healthChecks.delete:legacy-hc",
        "addresses.delete:legacy-ip",
      ]);
    });
  });

  it("deletes in reverse order, one level per reconcile, only what it owns", async () => {
    const fake = new FakeCompute();
    const mr = lb();
    await converge(fake, mr);
    const start = fake.mutations().length;
    mr.metadata.deletionTimestamp = new Date();
    for (let i = 0; i < 20; i++) {
      const { called } = await reconcile(fake, mr);
      if (called === "released") break;
      fake.finish();
    }
    expect(fake.mutations().slice(start)).toEqual([
      "forwardingRules.delete:shop-fr",
      "targetHttpProxies.delete:shop-proxy",
      "urlMaps.delete:shop-um",
      "backendServices.delete:shop-bs-web",
      "healthChecks.delete:shop-hc",
      "addresses.delete:shop-ip",
    ]);
  });

  it("keeps one ledger entry per object with an operation in flight, all freed by the connector's forget when the objects are deleted", { timeout: 30_000 }, async () => {
    const fake = new FakeCompute();
    const ledger = new OperationLedger();
    const uids = Array.from({ length: 1_000 }, (_, i) => `uid-${i}`);
    for (const [i, uid] of uids.entries()) {
      const mr = lb();
      mr.metadata.uid = uid;
      mr.metadata.name = `shop-${i}`;
      const c = new LoadBalancerClient({ api: fake.api(), project: "p", ledger });
      expect((await c.observe(mr)).exists).toBe(false);
      expect((await c.create(mr)).pendingOperation).toMatchObject({ action: "create" });
    }
    expect(ledger.size).toBe(1_000);
    const connector = loadBalancerConnectorWith(ledger);
    for (const uid of uids) connector.forget?.(uid);
    expect(ledger.size).toBe(0);
  });
});

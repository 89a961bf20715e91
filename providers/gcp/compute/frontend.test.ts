import { describe, expect, it } from "vitest";
import { ProviderError } from "../../../core/errors.ts";
import type { Managed } from "../../../core/provider.ts";
import { ownerDescription } from "../ownership.ts";
import type { BackendBucket } from "./api.ts";
import { assertOwned, chainDiff, chainReadiness, deleteNext, ensureNext, part, readChain, topExists } from "./chain.ts";
import { FakeCompute } from "./fake-compute.ts";
import { frontendParts, normalizeUrlMap, portOf } from "./frontend.ts";
import type { FrontendSpec } from "./frontend.ts";
import { chainNames, globalRef, selfLinkOf } from "./names.ts";

// The shared front end (URL map → proxy → forwarding rule, address) driven by the chain engine
// against the in-memory fake: which calls each step makes, in which order.

function owner(annotations: Record<string, string> = {}): Managed {
  return {
    kind: "CDN",
    metadata: { name: "shop", namespace: "ns", uid: "u-1", annotations },
    spec: { forProvider: {}, managementPolicies: ["*"], providerConfigRef: { kind: "ProviderConfig", name: "default" } },
  };
}

const bucket = globalRef("p", "backendBuckets", "shop-bb");
const spec: FrontendSpec = {
  urlMap: { defaultService: bucket },
  proxy: { protocol: "HTTP" },
  address: { mode: "Reserved" },
  forwardingRule: { loadBalancingScheme: "EXTERNAL_MANAGED" },
};

function setup(s: FrontendSpec = spec, mr = owner()) {
  const fake = new FakeCompute();
  const api = fake.api();
  // The backend bucket the URL map routes to, referenced only (each test seeds it): the URL map waits for it.
  const origin = part<BackendBucket>({ key: "backend", type: "backend bucket", collection: "backendBuckets", name: "shop-bb", dependsOn: [], external: true, project: "p", owner: mr, api: api.backendBuckets, desired: {} });
  const parts = [origin, ...frontendParts({ api, project: "p", owner: mr, names: chainNames("shop"), routesTo: [origin.key] }, s)];
  return { fake, parts, read: () => readChain(parts) };
}

/** Runs ensureNext, finishing the operations, until nothing is left to do; returns the mutations in order. */
async function converge(fake: FakeCompute, read: () => ReturnType<typeof readChain>): Promise<string[][]> {
  const steps: string[][] = [];
  for (let i = 0; i < 10; i++) {
    const before = fake.mutations().length;
    const step = await ensureNext(await read());
    if (!step) return steps;
    steps.push(fake.mutations().slice(before));
    fake.finish();
  }
  throw new Error("did not converge");
}

describe("front end", () => {
  it("creates address, URL map, proxy and forwarding rule in dependency order, owned, then does nothing", async () => {
    const { fake, read } = setup();
    fake.backendBuckets.seed({ name: "shop-bb" });
    expect(topExists(await read())).toBe(false);
    expect(await converge(fake, read)).toEqual([
      ["addresses.insert:shop-ip"],
      ["urlMaps.insert:shop-um"],
      ["targetHttpProxies.insert:shop-proxy"],
      ["forwardingRules.insert:shop-fr"],
    ]);
    expect(fake.forwardingRules.items.get("shop-fr")).toMatchObject({
      target: "projects/p/global/targetHttpProxies/shop-proxy",
      IPAddress: "projects/p/global/addresses/shop-ip",
      portRange: "80",
      loadBalancingScheme: "EXTERNAL_MANAGED",
      description: ownerDescription(owner()),
      labels: { "terraplane-managed-by": "terraplane", "terraplane-uid": "u-1" },
    });
    const chain = await read();
    expect(topExists(chain)).toBe(true);
    expect(chainReadiness(chain, [])).toEqual({ ready: "Available" });
  });

  it("sees no difference in what compute fills in or reformats (self-links, 80-80, sorted lists)", async () => {
    const { fake, read } = setup({
      ...spec,
      urlMap: {
        defaultService: bucket,
        hostRules: [{ hosts: ["b.example.com", "a.example.com"], pathMatcher: "m" }],
        pathMatchers: [{ name: "m", defaultService: bucket, pathRules: [{ paths: ["/b/*", "/a/*"], service: bucket }] }],
      },
    });
    fake.backendBuckets.seed({ name: "shop-bb" });
    await converge(fake, read);
    // What compute answers: self-links everywhere, a port range.
    const um = fake.urlMaps.items.get("shop-um");
    if (!um) throw new Error("no URL map");
    const link = selfLinkOf("p", "backendBuckets", "shop-bb");
    Object.assign(um, { defaultService: link, pathMatchers: [{ name: "m", defaultService: link, pathRules: [{ paths: ["/a/*", "/b/*"], service: link }] }] });
    Object.assign(fake.forwardingRules.items.get("shop-fr") ?? {}, { portRange: "80-80", IPAddress: "203.0.113.5", target: selfLinkOf("p", "targetHttpProxies", "shop-proxy") });
    expect(chainDiff(await read())).toEqual([]);
    expect(await ensureNext(await read())).toBeUndefined();
  });

  it("corrects drift with the right verb: update with fingerprint, setUrlMap, setTarget", async () => {
    const { fake, read } = setup();
    fake.backendBuckets.seed({ name: "shop-bb" });
    await converge(fake, read);
    Object.assign(fake.urlMaps.items.get("shop-um") ?? {}, { defaultService: "projects/p/global/backendBuckets/other" });
    Object.assign(fake.targetHttpProxies.items.get("shop-proxy") ?? {}, { urlMap: "projects/p/global/urlMaps/other" });
    expect(chainDiff(await read()).map((d) => d.path)).toEqual(["urlMap.defaultService", "targetProxy.urlMap"]);
    expect(await converge(fake, read)).toEqual([["urlMaps.update:shop-um"], ["targetHttpProxies.setUrlMap:shop-proxy"]]);
    Object.assign(fake.forwardingRules.items.get("shop-fr") ?? {}, { target: "projects/p/global/targetHttpProxies/other" });
    expect(await converge(fake, read)).toEqual([["forwardingRules.setTarget:shop-fr"]]);
  });

  it("refuses a difference that cannot change in place, saying what to do", async () => {
    const { fake, read } = setup();
    fake.backendBuckets.seed({ name: "shop-bb" });
    await converge(fake, read);
    Object.assign(fake.forwardingRules.items.get("shop-fr") ?? {}, { portRange: "8080-8080" });
    await expect(ensureNext(await read())).rejects.toMatchObject({ errorClass: "InvalidParameter", code: "ImmutableFieldMismatch" });
  });

  it("sets SSL certificates on an HTTPS proxy, in order", async () => {
    const https: FrontendSpec = { ...spec, proxy: { protocol: "HTTPS", sslCertificates: ["global/sslCertificates/a", "global/sslCertificates/b"] } };
    const { fake, read } = setup(https);
    fake.backendBuckets.seed({ name: "shop-bb" });
    await converge(fake, read);
    expect(fake.forwardingRules.items.get("shop-fr")).toMatchObject({ portRange: "443", target: "projects/p/global/targetHttpsProxies/shop-proxy" });
    Object.assign(fake.targetHttpsProxies.items.get("shop-proxy") ?? {}, { sslCertificates: [selfLinkOf("p", "sslCertificates", "b"), selfLinkOf("p", "sslCertificates", "a")] });
    expect(await converge(fake, read)).toEqual([["targetHttpsProxies.setSslCertificates:shop-proxy"]]);
  });

  it("adopts its own resource after a lost insert answer, refuses a foreign one unless imported", async () => {
    const { fake, read } = setup();
    fake.backendBuckets.seed({ name: "shop-bb" });
    fake.addresses.seed({ name: "shop-ip", description: ownerDescription(owner()) });
    fake.urlMaps.seed({ name: "shop-um", defaultService: bucket, description: "made by hand" });
    const foreign = await read();
    expect(() => assertOwned(foreign, owner(), "CDN")).toThrow('URL map "shop-um" already exists and was not created by this CDN: to manage it, set the annotation terraplane.dev/external-name: shop');
    // Imported by the external-name annotation: the existing resources are taken as they are.
    const chain = await read();
    expect(() => assertOwned(chain, owner({ "terraplane.dev/external-name": "shop" }), "CDN")).not.toThrow();
    // An insert that meets its own earlier attempt is not an error.
    fake.failures.set("urlMaps.insert", new ProviderError("AlreadyExists", "exists", { code: "alreadyExists" }));
    fake.urlMaps.items.delete("shop-um");
    expect(await ensureNext(await read())).toEqual({ operations: [], action: "create" });
  });

  it("uses an existing address without creating or deleting it; a missing one is reported", async () => {
    const { fake, read } = setup({ ...spec, address: { mode: "Existing", address: "mine" } });
    fake.backendBuckets.seed({ name: "shop-bb" });
    await expect(ensureNext(await read())).rejects.toMatchObject({ errorClass: "InvalidParameter" });
    await expect(ensureNext(await read())).rejects.toThrow('global address "mine", referenced by spec, does not exist');
    fake.addresses.seed({ name: "mine", address: "203.0.113.9" });
    await converge(fake, read);
    expect(fake.forwardingRules.items.get("shop-fr")?.IPAddress).toBe("projects/p/global/addresses/mine");
    while (await deleteNext(await read())) fake.finish();
    expect(fake.addresses.items.has("mine")).toBe(true);
  });

  it("deletes in reverse order, one level per step, waiting on what is still in use", async () => {
    const { fake, read } = setup();
    fake.backendBuckets.seed({ name: "shop-bb" });
    await converge(fake, read);
    const steps: string[][] = [];
    for (;;) {
      const before = fake.mutations().length;
      const step = await deleteNext(await read());
      if (!step) break;
      steps.push(fake.mutations().slice(before));
      fake.finish();
    }
    expect(steps).toEqual([["forwardingRules.delete:shop-fr"], ["targetHttpProxies.delete:shop-proxy"], ["urlMaps.delete:shop-um"], ["addresses.delete:shop-ip"]]);

    const again = setup();
    again.fake.backendBuckets.seed({ name: "shop-bb" });
    await converge(again.fake, again.read);
    again.fake.failures.set("forwardingRules.delete", new ProviderError("Conflict", "in use", { code: "resourceInUseByAnotherResource" }));
    await expect(deleteNext(await again.read())).rejects.toMatchObject({ errorClass: "Conflict", code: "resourceInUseByAnotherResource" });
  });

  it("normalises URL maps: references, sorted hosts and paths, matchers by name", () => {
    const a = normalizeUrlMap(
      { defaultService: selfLinkOf("p", "backendServices", "x"), hostRules: [{ hosts: ["b", "a"], pathMatcher: "m" }], pathMatchers: [{ name: "m", defaultService: "global/backendServices/x" }] },
      "p",
    );
    expect(a).toEqual({
      defaultService: "projects/p/global/backendServices/x",
      hostRules: [{ hosts: ["a", "b"], pathMatcher: "m" }],
      pathMatchers: [{ name: "m", defaultService: "projects/p/global/backendServices/x", pathRules: [] }],
    });
    expect([portOf("80-80"), portOf("8000-8080"), portOf(undefined)]).toEqual([80, "8000-8080", undefined]);
  });
});

import { describe, expect, it } from "vitest";
import { ProviderError } from "../../../core/errors.ts";
import { FakeCompute } from "./fake-compute.ts";
import { fakeListings } from "./fake-listings.ts";
import { chainApis, listedComputeApi, operationTarget } from "./listed-api.ts";

// listedComputeApi over the in-memory fake: a poll's reads come from the listings (one page call per
// part type), everything else is read by itself; every mutation, and every operation seen DONE,
// sends that part's next read to a Get until a listing started after it.

const POLL = { signal: new AbortController().signal, maxAgeMs: 60_000 };

const gets = (fake: FakeCompute): string[] => fake.calls.filter((c) => c.verb === "get" && c.collection !== "operations").map((c) => `${c.collection}:${c.name}`);

describe("listedComputeApi", () => {
  it("serves a poll's reads from one listing per part type, and reads by itself otherwise", async () => {
    const fake = new FakeCompute();
    for (const n of ["a", "b", "c"]) fake.urlMaps.seed({ name: n, defaultService: "x" });
    const { listingOf, pages } = fakeListings(fake);
    const polled = listedComputeApi(fake.api(), listingOf, POLL);
    for (const n of ["a", "b", "c"]) expect((await polled.urlMaps.get("p", n))?.name).toBe(n);
    expect(pages.get("urlMaps")).toBe(1);
    expect(gets(fake)).toEqual([]);
    await listedComputeApi(fake.api(), listingOf).urlMaps.get("p", "a");
    expect(gets(fake)).toEqual(["urlMaps:a"]);
  });

  it("confirms a part the listing lacks with a Get", async () => {
    const fake = new FakeCompute();
    const { listingOf } = fakeListings(fake);
    const polled = listedComputeApi(fake.api(), listingOf, POLL);
    expect(await polled.globalForwardingRules.get("p", "fr")).toBeUndefined();
    expect(gets(fake)).toEqual(["forwardingRules:fr"]);
  });

  it("reads a part by itself after every kind of mutation, failed ones too", async () => {
    const fake = new FakeCompute();
    fake.urlMaps.seed({ name: "um", defaultService: "x" });
    fake.targetHttpProxies.seed({ name: "px", urlMap: "u" });
    fake.forwardingRules.seed({ name: "fr", target: "t" });
    const { listingOf } = fakeListings(fake);
    const { api, pollApi } = chainApis(fake.api(), listingOf);
    const poll = (): ReturnType<NonNullable<typeof pollApi>> => {
      if (!pollApi) throw new Error("batch observe gives a poll api");
      return pollApi(POLL);
    };
    // Warm every listing: from now on the parts are served from it.
    await Promise.all([poll().urlMaps.get("p", "um"), poll().targetHttpProxies.get("p", "px"), poll().globalForwardingRules.get("p", "fr"), poll().healthChecks.get("p", "hc")]);
    fake.calls.length = 0;
    await api.urlMaps.update("p", "um", { ...fake.urlMaps.items.get("um"), defaultService: "y" });
    await api.targetHttpProxies.setUrlMap("p", "px", "v");
    fake.failures.set("forwardingRules.setTarget", new ProviderError("Transient", "boom"));
    await expect(api.globalForwardingRules.setTarget("p", "fr", "w")).rejects.toThrow("boom");
    await api.healthChecks.insert("p", { name: "hc", type: "HTTP" });
    fake.calls.length = 0;
    expect((await poll().urlMaps.get("p", "um"))?.defaultService).toBe("y");
    expect((await poll().targetHttpProxies.get("p", "px"))?.urlMap).toBe("v");
    await poll().globalForwardingRules.get("p", "fr");
    expect((await poll().healthChecks.get("p", "hc"))?.name).toBe("hc");
    expect(gets(fake).sort()).toEqual(["forwardingRules:fr", "healthChecks:hc", "targetHttpProxies:px", "urlMaps:um"]);
  });

  it("reads an operation's target by itself once the operation is seen DONE (the change lands then, not when it was started)", async () => {
    const fake = new FakeCompute();
    fake.backendServices.seed({ name: "bs", timeoutSec: 30 });
    const { listingOf } = fakeListings(fake);
    const polled = (): ReturnType<typeof listedComputeApi> => listedComputeApi(fake.api(), listingOf, POLL);
    await polled().backendServices.get("p", "bs");
    const op = await fake.backendServices.api().patch("p", "bs", { timeoutSec: 60 }, fake.backendServices.items.get("bs")?.fingerprint);
    fake.calls.length = 0;
    // Running: nothing marked, the listing still speaks for it.
    await polled().operation("p", op);
    await polled().backendServices.get("p", "bs");
    expect(gets(fake)).toEqual([]);
    fake.finish();
    await polled().operation("p", op);
    expect((await polled().backendServices.get("p", "bs"))?.timeoutSec).toBe(60);
    expect(gets(fake)).toEqual(["backendServices:bs"]);
  });

  it("names an operation's target in ComputeApi's collections", () => {
    expect(operationTarget({ targetLink: "https://www.googleapis.com/compute/v1/projects/p/global/forwardingRules/fr" })).toEqual({ collection: "globalForwardingRules", name: "fr" });
    expect(operationTarget({ targetLink: "https://www.googleapis.com/compute/v1/projects/p/global/addresses/ip" })).toEqual({ collection: "globalAddresses", name: "ip" });
    expect(operationTarget({ targetLink: "https://www.googleapis.com/compute/v1/projects/p/global/urlMaps/um" })).toEqual({ collection: "urlMaps", name: "um" });
    expect(operationTarget({ targetLink: "https://www.googleapis.com/compute/v1/projects/p/zones/z/instances/i" })).toBeUndefined();
    expect(operationTarget({})).toBeUndefined();
  });

  it("is the plain api with batch observe off", () => {
    const api = new FakeCompute().api();
    expect(chainApis(api, undefined)).toEqual({ api });
  });
});

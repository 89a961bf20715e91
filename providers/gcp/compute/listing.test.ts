import { SslCertificatesClient } from "@google-cloud/compute";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GcpEmulatorClient } from "../../../sandbox/gcp-emulator/control-client.ts";
import { startGcpEmulator } from "../../../sandbox/gcp-emulator/server.ts";
import type { GcpEmulator } from "../../../sandbox/gcp-emulator/server.ts";
import { googleClientOptions } from "../client-options.ts";
import { GcpSession } from "../session.ts";
import { sdkComputeApi } from "./api.ts";
import { ComputeListings, SOURCES } from "./listing.ts";
import type { ListedCollection } from "./listing.ts";
import { selfLinkOf } from "./names.ts";

// The compute listing sources against the emulator in-process, through the official clients: paged
// with maxResults / pageToken until no nextPageToken, items identical to what a Get returns, a part
// not listed confirmed with a Get, one listing per (session, part type).

const POLL = { maxAgeMs: 60_000 };

describe("compute listing sources (emulator in-process)", () => {
  let emulator: GcpEmulator;
  let control: GcpEmulatorClient;
  let session: GcpSession;

  beforeAll(async () => {
    emulator = await startGcpEmulator({ operationDelayMs: 0 });
    control = new GcpEmulatorClient(emulator.url);
    session = new GcpSession("tp-list", undefined, googleClientOptions({ endpoint: emulator.url, retry: false }), { observe: { batch: true } });
    const api = sdkComputeApi(session, new AbortController().signal);
    for (const n of ["a1", "a2", "a3", "a4", "a5"]) await api.globalAddresses.insert("tp-list", { name: n, addressType: "EXTERNAL", ipVersion: "IPV4" });
  });
  afterAll(async () => {
    await emulator.close();
  });

  const listCalls = async (): Promise<{ maxResults: string | null; pageToken: string | null }[]> =>
    (await control.requests())
      .filter((r) => r.method === "GET" && r.path === "/compute/v1/projects/tp-list/global/addresses")
      .map((r) => {
        const q = new URLSearchParams(r.query);
        return { maxResults: q.get("maxResults"), pageToken: q.get("pageToken") };
      });

  it("pages through globalAddresses.list with maxResults and pageToken, and serves what a Get returns", async () => {
    const before = (await listCalls()).length;
    const listing = new ComputeListings({ pageSize: 2 }).of(session)("globalAddresses");
    const signal = new AbortController().signal;
    const read = await listing.read("a3", { signal, ...POLL });
    expect(read.via).toBe("listing");
    const got = await sdkComputeApi(session, signal).globalAddresses.get("tp-list", "a3");
    expect(read.item).toEqual(got);
    const calls = (await listCalls()).slice(before);
    // Five addresses, two a page: three pages, each after the first quoting the token it was given.
    expect(calls.map((c) => c.maxResults)).toEqual(["2", "2", "2"]);
    expect(calls[0]?.pageToken).toBeNull();
    expect(calls[1]?.pageToken).toBeTruthy();
    expect(calls[2]?.pageToken).toBeTruthy();
    expect(calls[2]?.pageToken).not.toBe(calls[1]?.pageToken);
    // Every address came from that one listing.
    for (const n of ["a1", "a2", "a4", "a5"]) expect((await listing.read(n, { signal, ...POLL })).via).toBe("listing");
    expect(listing.fetches).toBe(1);
  });

  it("confirms a part the listing lacks with a Get: missing, or there after all", async () => {
    const listings = new ComputeListings().of(session);
    const signal = new AbortController().signal;
    expect(await listings("urlMaps").read("nowhere", { signal, ...POLL })).toEqual({ item: undefined, via: "get-missing" });
    const addresses = listings("globalAddresses");
    await addresses.read("a1", { signal, ...POLL });
    await sdkComputeApi(session, signal).globalAddresses.insert("tp-list", { name: "late", addressType: "EXTERNAL" });
    const late = await addresses.read("late", { signal, ...POLL });
    expect(late.via).toBe("get-missing");
    expect(late.item?.name).toBe("late");
  });

  it("keeps one listing per (session, part type)", () => {
    const listings = new ComputeListings();
    const other = new GcpSession("tp-list", undefined, session.options, { observe: { batch: true } });
    expect(listings.of(session)("urlMaps")).toBe(listings.of(session)("urlMaps"));
    expect(listings.of(session)("urlMaps")).not.toBe(listings.of(other)("urlMaps"));
    expect(listings.of(session)("backendServices")).not.toBe(listings.of(session)("backendBuckets"));
  });

  it("pages every part type's global list one item a page, each item what its Get returns", async () => {
    const project = "tp-all";
    const all = new GcpSession(project, undefined, session.options, { observe: { batch: true } });
    const api = sdkComputeApi(all, new AbortController().signal);
    const [cert] = await all.client(SslCertificatesClient).insert({ project, sslCertificateResource: { name: "cert", managed: { domains: ["cert.example.com"] } } });
    expect(cert.latestResponse?.name).toBeTruthy();
    for (const i of [1, 2]) {
      await api.healthChecks.insert(project, { name: `hc${i}`, type: "HTTP", httpHealthCheck: { port: 80 } });
      await api.backendServices.insert(project, { name: `bs${i}`, healthChecks: [`global/healthChecks/hc${i}`], loadBalancingScheme: "EXTERNAL_MANAGED", protocol: "HTTP" });
      await api.backendBuckets.insert(project, { name: `bb${i}`, bucketName: "assets" });
      await api.urlMaps.insert(project, { name: `um${i}`, defaultService: `global/backendServices/bs${i}` });
      await api.targetHttpProxies.insert(project, { name: `hp${i}`, urlMap: `global/urlMaps/um${i}` });
      await api.targetHttpsProxies.insert(project, { name: `sp${i}`, urlMap: `global/urlMaps/um${i}`, sslCertificates: [selfLinkOf(project, "sslCertificates", "cert")] });
      await api.globalAddresses.insert(project, { name: `ip${i}`, addressType: "EXTERNAL" });
      await api.globalForwardingRules.insert(project, { name: `fr${i}`, target: `global/targetHttpProxies/hp${i}`, portRange: "80", IPProtocol: "TCP", loadBalancingScheme: "EXTERNAL_MANAGED" });
    }
    const signal = new AbortController().signal;
    const collections: ListedCollection[] = ["healthChecks", "backendServices", "backendBuckets", "urlMaps", "targetHttpProxies", "targetHttpsProxies", "globalAddresses", "globalForwardingRules"];
    for (const collection of collections) {
      const source = SOURCES[collection](all, 1);
      const first = await source.page(undefined, signal);
      expect(first.items, collection).toHaveLength(1);
      expect(first.next, collection).toBeTruthy();
      const second = await source.page(first.next, signal);
      expect(second.items, collection).toHaveLength(1);
      expect(second.next, collection).toBeUndefined();
      const [a, b] = [first.items[0], second.items[0]];
      expect([a, b].map((r) => (r ? source.idOf(r) : undefined)), collection).toEqual([expect.stringMatching(/1$/), expect.stringMatching(/2$/)]);
      expect(await source.get(source.idOf(a ?? {}) ?? "", signal), collection).toEqual(a);
      expect(await source.get("nowhere", signal), collection).toBeUndefined();
    }
  });
});

import type { ListingSource } from "../../../core/listing.ts";
import { googleClientOptions } from "../client-options.ts";
import { GcpSession } from "../session.ts";
import type { ComputeResource } from "./chain.ts";
import type { FakeCollection, FakeCompute } from "./fake-compute.ts";
import { ComputeListings } from "./listing.ts";
import type { ListedCollection, ListingOf, Sources } from "./listing.ts";

// Compute listings over the in-memory fake, for unit tests: each part type's listing is one page of
// what the fake holds (copies, as a list call answers), its Get the fake's own (recorded).

/** Listings over the fake's collections, counting the page calls each makes. */
export function fakeListings(fake: FakeCompute): { listingOf: ListingOf; pages: Map<ListedCollection, number> } {
  const pages = new Map<ListedCollection, number>();
  const over =
    <R extends ComputeResource>(collection: ListedCollection, c: FakeCollection<R>) =>
    (): ListingSource<R> => ({
      page: async () => {
        pages.set(collection, (pages.get(collection) ?? 0) + 1);
        return { items: [...c.items.values()].map((r) => structuredClone(r)) };
      },
      idOf: (r) => r.name ?? undefined,
      get: async (name) => c.api().get(fake.project, name),
    });
  const sources: Sources = {
    healthChecks: over("healthChecks", fake.healthChecks),
    backendServices: over("backendServices", fake.backendServices),
    backendBuckets: over("backendBuckets", fake.backendBuckets),
    urlMaps: over("urlMaps", fake.urlMaps),
    targetHttpProxies: over("targetHttpProxies", fake.targetHttpProxies),
    targetHttpsProxies: over("targetHttpsProxies", fake.targetHttpsProxies),
    globalAddresses: over("globalAddresses", fake.addresses),
    globalForwardingRules: over("globalForwardingRules", fake.forwardingRules),
  };
  const session = new GcpSession(fake.project, undefined, googleClientOptions({ endpoint: "http://127.0.0.1:9" }), { observe: { batch: true } });
  return { listingOf: new ComputeListings({ sources }).of(session), pages };
}


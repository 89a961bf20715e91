import {
  BackendBucketsClient,
  BackendServicesClient,
  GlobalAddressesClient,
  GlobalForwardingRulesClient,
  HealthChecksClient,
  TargetHttpProxiesClient,
  TargetHttpsProxiesClient,
  UrlMapsClient,
} from "@google-cloud/compute";
import { Listings } from "../../../core/listing.ts";
import type { Listing, ListingSource } from "../../../core/listing.ts";
import { listingOptions } from "../../shared/batch-observe.ts";
import { callOptions } from "../call-options.ts";
import { gcpCall, unlessNotFound } from "../errors.ts";
import type { GcpSession } from "../session.ts";
import type { Address, BackendBucket, BackendService, ForwardingRule, HealthCheck, TargetHttpProxy, TargetHttpsProxy, UrlMap } from "./api.ts";

// Batch observe for the compute chains (LoadBalancer, CDN): every part type is served from its own
// global list call (healthChecks.list, backendServices.list, ..., globalForwardingRules.list), 500 a
// page, one listing per (session, part type). Every part the chains manage is global, so no
// aggregatedList is needed. A list item is the whole resource a Get returns (the same fields,
// fingerprint included), so a listed part gets exactly the diff a Get would give it.

/** compute's largest page (more is refused with 400). */
export const COMPUTE_PAGE_SIZE = 500;

/** The resource type of each listed collection, by its ComputeApi field. */
export interface ListedTypes {
  readonly healthChecks: HealthCheck;
  readonly backendServices: BackendService;
  readonly backendBuckets: BackendBucket;
  readonly urlMaps: UrlMap;
  readonly targetHttpProxies: TargetHttpProxy;
  readonly targetHttpsProxies: TargetHttpsProxy;
  readonly globalAddresses: Address;
  readonly globalForwardingRules: ForwardingRule;
}

export type ListedCollection = keyof ListedTypes;

interface ListRequest {
  project: string;
  maxResults: number;
  pageToken?: string;
}

/** What every compute list call answers with autoPaginate off: the page's items, the next request, the raw page. */
type ListAnswer<R> = Promise<[R[], unknown, { nextPageToken?: string | null } | null | undefined]>;

interface CollectionCalls<R> {
  list(request: ListRequest, options: { signal: AbortSignal; autoPaginate: false }): ListAnswer<R>;
  get(project: string, name: string, signal: AbortSignal): Promise<readonly [R, ...unknown[]]>;
}

/** One collection's listing source over its client, `pageSize` a page. */
function source<R extends { name?: string | null }>(collection: ListedCollection, project: string, calls: CollectionCalls<R>, pageSize: number): ListingSource<R> {
  return {
    async page(token, signal) {
      const request: ListRequest = { project, maxResults: pageSize, ...(token ? { pageToken: token } : {}) };
      const [items, , raw] = await gcpCall(`compute:${collection}.list`, () => calls.list(request, { ...callOptions(signal), autoPaginate: false }));
      return { items, next: raw?.nextPageToken ?? undefined };
    },
    idOf: (item) => item.name ?? undefined,
    get: (name, signal) => unlessNotFound(async () => (await gcpCall(`compute:${collection}.get`, () => calls.get(project, name, signal)))[0]),
  };
}

/** How each collection's listing source is made from a session (unit tests give their own). */
export type Sources = { readonly [K in ListedCollection]: (session: GcpSession, pageSize: number) => ListingSource<ListedTypes[K]> };

const o = (signal: AbortSignal): { signal: AbortSignal } => callOptions(signal);

/** Each collection's source, over the session's cached clients. */
export const SOURCES: Sources = {
  healthChecks: (s, size) => {
    const c = s.client(HealthChecksClient);
    return source("healthChecks", s.project, { list: (r, opts) => c.list(r, opts), get: (project, healthCheck, signal) => c.get({ project, healthCheck }, o(signal)) }, size);
  },
  backendServices: (s, size) => {
    const c = s.client(BackendServicesClient);
    return source("backendServices", s.project, { list: (r, opts) => c.list(r, opts), get: (project, backendService, signal) => c.get({ project, backendService }, o(signal)) }, size);
  },
  backendBuckets: (s, size) => {
    const c = s.client(BackendBucketsClient);
    return source("backendBuckets", s.project, { list: (r, opts) => c.list(r, opts), get: (project, backendBucket, signal) => c.get({ project, backendBucket }, o(signal)) }, size);
  },
  urlMaps: (s, size) => {
    const c = s.client(UrlMapsClient);
    return source("urlMaps", s.project, { list: (r, opts) => c.list(r, opts), get: (project, urlMap, signal) => c.get({ project, urlMap }, o(signal)) }, size);
  },
  targetHttpProxies: (s, size) => {
    const c = s.client(TargetHttpProxiesClient);
    return source("targetHttpProxies", s.project, { list: (r, opts) => c.list(r, opts), get: (project, targetHttpProxy, signal) => c.get({ project, targetHttpProxy }, o(signal)) }, size);
  },
  targetHttpsProxies: (s, size) => {
    const c = s.client(TargetHttpsProxiesClient);
    return source("targetHttpsProxies", s.project, { list: (r, opts) => c.list(r, opts), get: (project, targetHttpsProxy, signal) => c.get({ project, targetHttpsProxy }, o(signal)) }, size);
  },
  globalAddresses: (s, size) => {
    const c = s.client(GlobalAddressesClient);
    return source("globalAddresses", s.project, { list: (r, opts) => c.list(r, opts), get: (project, address, signal) => c.get({ project, address }, o(signal)) }, size);
  },
  globalForwardingRules: (s, size) => {
    const c = s.client(GlobalForwardingRulesClient);
    return source("globalForwardingRules", s.project, { list: (r, opts) => c.list(r, opts), get: (project, forwardingRule, signal) => c.get({ project, forwardingRule }, o(signal)) }, size);
  },
};

/** One session's listing of each collection, made the first time that collection is read. */
export type ListingOf = <K extends ListedCollection>(collection: K) => Listing<ListedTypes[K]>;

type ListingsByCollection = { readonly [K in ListedCollection]: Listings<GcpSession, ListedTypes[K]> };

/** One kind's compute listings: one per (session, part type), each held as long as its session. */
export class ComputeListings {
  readonly #by: ListingsByCollection = {
    healthChecks: new Listings(),
    backendServices: new Listings(),
    backendBuckets: new Listings(),
    urlMaps: new Listings(),
    targetHttpProxies: new Listings(),
    targetHttpsProxies: new Listings(),
    globalAddresses: new Listings(),
    globalForwardingRules: new Listings(),
  };
  readonly #sources: Sources;
  readonly #pageSize: number;

  constructor(opts: { sources?: Sources; pageSize?: number } = {}) {
    this.#sources = opts.sources ?? SOURCES;
    this.#pageSize = opts.pageSize ?? COMPUTE_PAGE_SIZE;
  }

  /** The session's listings, by collection. */
  of(session: GcpSession): ListingOf {
    return <K extends ListedCollection>(collection: K): Listing<ListedTypes[K]> => {
      const listings: Listings<GcpSession, ListedTypes[K]> = this.#by[collection];
      const make: (s: GcpSession, size: number) => ListingSource<ListedTypes[K]> = this.#sources[collection];
      return listings.for(session, () => make(session, this.#pageSize), listingOptions(session.observe));
    };
  }
}

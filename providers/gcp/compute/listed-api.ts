import type { Listing, ListingReadOptions } from "../../../core/listing.ts";
import type { ComputeApi, ComputeOperation, Replaceable, ResourceApi, ResourceReader } from "./api.ts";
import type { ListedCollection, ListedTypes, ListingOf } from "./listing.ts";
import { statusName } from "./operations.ts";

// A ComputeApi whose reads a poll serves from the shared listings (listing.ts), and which tells the
// listings about every change, so a listing never speaks for a part older than our last change:
// - every mutation (insert, patch, update, delete, set*) marks its part, whatever its outcome;
// - every operation seen DONE marks its target again. A compute mutation lands when its operation
//   finishes, not when it is started: a listing that started between the two would show the part
//   before the change, and the chain would start the same fix again. checkPending looks at the
//   operations before the chain is read, so that read is a Get of its own.

/** What a poll allows: how old a listing may be, the observe's signal, and who to tell when a listing shows a part changed. */
export type PollRead = ListingReadOptions;

/** A targetLink's collection in ComputeApi's naming: compute's REST path says `addresses` and `forwardingRules` for the global ones. */
const BY_PATH: Readonly<Record<string, ListedCollection>> = {
  healthChecks: "healthChecks",
  backendServices: "backendServices",
  backendBuckets: "backendBuckets",
  urlMaps: "urlMaps",
  targetHttpProxies: "targetHttpProxies",
  targetHttpsProxies: "targetHttpsProxies",
  addresses: "globalAddresses",
  forwardingRules: "globalForwardingRules",
};

/** The global part an operation changed, from its targetLink (`.../global/<collection>/<name>`). */
export function operationTarget(op: ComputeOperation): { collection: ListedCollection; name: string } | undefined {
  const m = /\/global\/([^/]+)\/([^/]+)$/.exec(op.targetLink ?? "");
  const collection = m?.[1] !== undefined ? BY_PATH[m[1]] : undefined;
  return collection !== undefined && m?.[2] !== undefined ? { collection, name: m[2] } : undefined;
}

interface Marks {
  mutated(id: string): void;
}

/** `call` (whose second argument is the part's name) with the part marked changed however it ends. */
function marking<A extends [string, string, ...unknown[]], T>(listing: () => Marks, call: (...args: A) => Promise<T>): (...args: A) => Promise<T> {
  return async (...args) => {
    try {
      return await call(...args);
    } finally {
      listing().mutated(args[1]);
    }
  };
}

/** get (from the listing on a poll), insert and delete of one collection, with its changes marked. */
function readerOf<R extends { name?: string | null }>(base: ResourceReader<R>, listing: () => Listing<R>, read: PollRead | undefined): ResourceReader<R> {
  return {
    get: read ? async (_project, name) => (await listing().read(name, read)).item : (project, name) => base.get(project, name),
    insert: async (project, body) => {
      try {
        return await base.insert(project, body);
      } finally {
        if (body.name) listing().mutated(body.name);
      }
    },
    delete: marking(listing, (project: string, name: string) => base.delete(project, name)),
  };
}

/** ...plus patch and update (PUT), for the collections that have both. */
function replaceableOf<R extends { name?: string | null }>(base: ResourceApi<R> & Replaceable<R>, listing: () => Listing<R>, read: PollRead | undefined): ResourceApi<R> & Replaceable<R> {
  return { ...readerOf(base, listing, read), patch: marking(listing, base.patch.bind(base)), update: marking(listing, base.update.bind(base)) };
}

/**
 * `api` served through `listingOf`: reads from the listings when `read` is given (a poll), by
 * themselves otherwise (a plan, or the create/update/delete of a reconcile); mutations and finished
 * operations always marked.
 */
export function listedComputeApi(api: ComputeApi, listingOf: ListingOf, read?: PollRead): ComputeApi {
  const l = <K extends ListedCollection>(collection: K) => (): Listing<ListedTypes[K]> => listingOf(collection);
  const { targetHttpProxies: http, targetHttpsProxies: https, globalForwardingRules: rules } = api;
  const httpListing = l("targetHttpProxies");
  const httpsListing = l("targetHttpsProxies");
  const rulesListing = l("globalForwardingRules");
  return {
    healthChecks: replaceableOf(api.healthChecks, l("healthChecks"), read),
    backendServices: replaceableOf(api.backendServices, l("backendServices"), read),
    backendBuckets: replaceableOf(api.backendBuckets, l("backendBuckets"), read),
    urlMaps: replaceableOf(api.urlMaps, l("urlMaps"), read),
    targetHttpProxies: { ...readerOf(http, httpListing, read), patch: marking(httpListing, http.patch.bind(http)), setUrlMap: marking(httpListing, http.setUrlMap.bind(http)) },
    targetHttpsProxies: {
      ...readerOf(https, httpsListing, read),
      patch: marking(httpsListing, https.patch.bind(https)),
      setUrlMap: marking(httpsListing, https.setUrlMap.bind(https)),
      setSslCertificates: marking(httpsListing, https.setSslCertificates.bind(https)),
    },
    globalAddresses: readerOf(api.globalAddresses, l("globalAddresses"), read),
    globalForwardingRules: { ...readerOf(rules, rulesListing, read), patch: marking(rulesListing, rules.patch.bind(rules)), setTarget: marking(rulesListing, rules.setTarget.bind(rules)) },
    async operation(project, name) {
      const op = await api.operation(project, name);
      const target = op && statusName(op) === "DONE" ? operationTarget(op) : undefined;
      if (target) listingOf(target.collection).mutated(target.name);
      return op;
    },
  };
}

/** The two ComputeApis a reconcile's client needs: one for everything, and one a poll's observe reads through. */
export interface ChainApis {
  readonly api: ComputeApi;
  /** With batch observe only: the api for an observe the core allows a listing (a poll). */
  readonly pollApi?: (read: PollRead) => ComputeApi;
}

/** Per-resource reads (batch off), or reads served from the session's listings on a poll. */
export function chainApis(api: ComputeApi, listingOf: ListingOf | undefined): ChainApis {
  if (!listingOf) return { api };
  return { api: listedComputeApi(api, listingOf), pollApi: (read) => listedComputeApi(api, listingOf, read) };
}

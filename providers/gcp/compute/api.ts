import {
  BackendBucketsClient,
  BackendServicesClient,
  GlobalAddressesClient,
  GlobalForwardingRulesClient,
  GlobalOperationsClient,
  HealthChecksClient,
  protos,
  TargetHttpProxiesClient,
  TargetHttpsProxiesClient,
  UrlMapsClient,
} from "@google-cloud/compute";
import { errorClassOf } from "../../../core/errors.ts";
import { gcpCall } from "../errors.ts";
import type { GcpSession } from "../session.ts";

// The compute v1 calls the load-balancing kinds (LoadBalancer, CDN) make, over the official
// @google-cloud/compute clients. Every mutation starts a long-running operation and returns its
// name at once: callers record it (operations.ts) and look at it on the next reconcile; nothing
// here ever waits on an operation. Errors are classified by gcpCall; the clients alone retry.

type V1 = typeof protos.google.cloud.compute.v1;
export type HealthCheck = protos.google.cloud.compute.v1.IHealthCheck;
export type BackendService = protos.google.cloud.compute.v1.IBackendService;
export type BackendBucket = protos.google.cloud.compute.v1.IBackendBucket;
export type UrlMap = protos.google.cloud.compute.v1.IUrlMap;
export type TargetHttpProxy = protos.google.cloud.compute.v1.ITargetHttpProxy;
export type TargetHttpsProxy = protos.google.cloud.compute.v1.ITargetHttpsProxy;
export type Address = protos.google.cloud.compute.v1.IAddress;
export type ForwardingRule = protos.google.cloud.compute.v1.IForwardingRule;
export type ComputeOperation = protos.google.cloud.compute.v1.IOperation;
export const OperationStatus: V1["Operation"]["Status"] = protos.google.cloud.compute.v1.Operation.Status;

/** The global collections the chain kinds manage, by their REST collection name. */
export type Collection =
  | "healthChecks"
  | "backendServices"
  | "backendBuckets"
  | "urlMaps"
  | "targetHttpProxies"
  | "targetHttpsProxies"
  | "addresses"
  | "forwardingRules";

/** Read, create and delete of one global collection. */
export interface ResourceReader<R> {
  /** The resource, or undefined when compute does not know it (404). */
  get(project: string, name: string): Promise<R | undefined>;
  /** Starts the insert; returns the operation's name. */
  insert(project: string, body: R): Promise<string>;
  /** Starts the delete and returns the operation's name; undefined when the resource is already gone. */
  delete(project: string, name: string): Promise<string | undefined>;
}

/** ...plus patch, for collections that have one. */
export interface ResourceApi<R> extends ResourceReader<R> {
  /**
   * Starts a patch (JSON merge of `body`); `fingerprint` is the one last observed, required by the
   * resources that have one (a stale one fails with 412 conditionNotMet, classified Conflict).
   */
  patch(project: string, name: string, body: R, fingerprint?: string | null): Promise<string>;
}

/** ...plus update (PUT: the body replaces the resource; quote the fingerprint in it where the resource has one). */
export interface Replaceable<R> {
  update(project: string, name: string, body: R): Promise<string>;
}

export interface ProxyVerbs {
  /** Points the proxy at another URL map (`urlMap`: any reference form compute accepts). */
  setUrlMap(project: string, name: string, urlMap: string): Promise<string>;
}

export interface ComputeApi {
  readonly healthChecks: ResourceApi<HealthCheck> & Replaceable<HealthCheck>;
  readonly backendServices: ResourceApi<BackendService> & Replaceable<BackendService>;
  readonly backendBuckets: ResourceApi<BackendBucket> & Replaceable<BackendBucket>;
  readonly urlMaps: ResourceApi<UrlMap> & Replaceable<UrlMap>;
  readonly targetHttpProxies: ResourceApi<TargetHttpProxy> & ProxyVerbs;
  readonly targetHttpsProxies: ResourceApi<TargetHttpsProxy> & ProxyVerbs & { setSslCertificates(project: string, name: string, certificates: readonly string[]): Promise<string> };
  /** Global addresses have no patch: they are created and deleted, never changed. */
  readonly globalAddresses: ResourceReader<Address>;
  readonly globalForwardingRules: ResourceApi<ForwardingRule> & { setTarget(project: string, name: string, target: string): Promise<string> };
  /** One global operation, or undefined when compute no longer knows it. */
  operation(project: string, name: string): Promise<ComputeOperation | undefined>;
}

/** The name of the operation an LRO call started (the clients put the compute Operation in latestResponse). */
export function operationName(started: readonly [{ readonly latestResponse?: { readonly name?: string | null } | null }, ...unknown[]]): string {
  const name = started[0].latestResponse?.name;
  if (!name) throw new Error("compute answered a mutation without an operation name");
  return name;
}

async function orUndefined<T>(call: () => Promise<T>): Promise<T | undefined> {
  try {
    return await call();
  } catch (err) {
    if (errorClassOf(err) === "NotFound") return undefined;
    throw err;
  }
}

interface Calls<R> {
  readonly get: (project: string, name: string) => Promise<readonly [R, ...unknown[]]>;
  readonly insert: (project: string, body: R) => Promise<Parameters<typeof operationName>[0]>;
  readonly delete: (project: string, name: string) => Promise<Parameters<typeof operationName>[0]>;
}

function reader<R>(collection: Collection, calls: Calls<R>): ResourceReader<R> {
  return {
    get: (project, name) => orUndefined(async () => (await gcpCall(`compute:${collection}.get`, () => calls.get(project, name)))[0]),
    insert: async (project, body) => operationName(await gcpCall(`compute:${collection}.insert`, () => calls.insert(project, body))),
    delete: (project, name) => orUndefined(async () => operationName(await gcpCall(`compute:${collection}.delete`, () => calls.delete(project, name)))),
  };
}

function withPatch<R>(
  collection: Collection,
  calls: Calls<R>,
  patch: (project: string, name: string, body: R) => Promise<Parameters<typeof operationName>[0]>,
): ResourceApi<R> {
  return {
    ...reader(collection, calls),
    patch: async (project, name, body, fingerprint) =>
      operationName(await gcpCall(`compute:${collection}.patch`, () => patch(project, name, fingerprint ? { ...body, fingerprint } : body))),
  };
}

type Started = Parameters<typeof operationName>[0];
const call = (collection: Collection, verb: string, fn: () => Promise<Started>): Promise<string> => gcpCall(`compute:${collection}.${verb}`, fn).then(operationName);

function healthChecksApi(c: HealthChecksClient): ComputeApi["healthChecks"] {
  const base = withPatch<HealthCheck>(
    "healthChecks",
    {
      get: (project, healthCheck) => c.get({ project, healthCheck }),
      insert: (project, healthCheckResource) => c.insert({ project, healthCheckResource }),
      delete: (project, healthCheck) => c.delete({ project, healthCheck }),
    },
    (project, healthCheck, healthCheckResource) => c.patch({ project, healthCheck, healthCheckResource }),
  );
  return { ...base, update: (project, healthCheck, healthCheckResource) => call("healthChecks", "update", () => c.update({ project, healthCheck, healthCheckResource })) };
}

function backendServicesApi(c: BackendServicesClient): ComputeApi["backendServices"] {
  const base = withPatch<BackendService>(
    "backendServices",
    {
      get: (project, backendService) => c.get({ project, backendService }),
      insert: (project, backendServiceResource) => c.insert({ project, backendServiceResource }),
      delete: (project, backendService) => c.delete({ project, backendService }),
    },
    (project, backendService, backendServiceResource) => c.patch({ project, backendService, backendServiceResource }),
  );
  return {
    ...base,
    update: (project, backendService, backendServiceResource) => call("backendServices", "update", () => c.update({ project, backendService, backendServiceResource })),
  };
}

function backendBucketsApi(c: BackendBucketsClient): ComputeApi["backendBuckets"] {
  const base = withPatch<BackendBucket>(
    "backendBuckets",
    {
      get: (project, backendBucket) => c.get({ project, backendBucket }),
      insert: (project, backendBucketResource) => c.insert({ project, backendBucketResource }),
      delete: (project, backendBucket) => c.delete({ project, backendBucket }),
    },
    (project, backendBucket, backendBucketResource) => c.patch({ project, backendBucket, backendBucketResource }),
  );
  return {
    ...base,
    update: (project, backendBucket, backendBucketResource) => call("backendBuckets", "update", () => c.update({ project, backendBucket, backendBucketResource })),
  };
}

function urlMapsApi(c: UrlMapsClient): ComputeApi["urlMaps"] {
  const base = withPatch<UrlMap>(
    "urlMaps",
    {
      get: (project, urlMap) => c.get({ project, urlMap }),
      insert: (project, urlMapResource) => c.insert({ project, urlMapResource }),
      delete: (project, urlMap) => c.delete({ project, urlMap }),
    },
    (project, urlMap, urlMapResource) => c.patch({ project, urlMap, urlMapResource }),
  );
  return { ...base, update: (project, urlMap, urlMapResource) => call("urlMaps", "update", () => c.update({ project, urlMap, urlMapResource })) };
}

function targetHttpProxiesApi(c: TargetHttpProxiesClient): ComputeApi["targetHttpProxies"] {
  const base = withPatch<TargetHttpProxy>(
    "targetHttpProxies",
    {
      get: (project, targetHttpProxy) => c.get({ project, targetHttpProxy }),
      insert: (project, targetHttpProxyResource) => c.insert({ project, targetHttpProxyResource }),
      delete: (project, targetHttpProxy) => c.delete({ project, targetHttpProxy }),
    },
    (project, targetHttpProxy, targetHttpProxyResource) => c.patch({ project, targetHttpProxy, targetHttpProxyResource }),
  );
  return {
    ...base,
    setUrlMap: (project, targetHttpProxy, urlMap) => call("targetHttpProxies", "setUrlMap", () => c.setUrlMap({ project, targetHttpProxy, urlMapReferenceResource: { urlMap } })),
  };
}

function targetHttpsProxiesApi(c: TargetHttpsProxiesClient): ComputeApi["targetHttpsProxies"] {
  const base = withPatch<TargetHttpsProxy>(
    "targetHttpsProxies",
    {
      get: (project, targetHttpsProxy) => c.get({ project, targetHttpsProxy }),
      insert: (project, targetHttpsProxyResource) => c.insert({ project, targetHttpsProxyResource }),
      delete: (project, targetHttpsProxy) => c.delete({ project, targetHttpsProxy }),
    },
    (project, targetHttpsProxy, targetHttpsProxyResource) => c.patch({ project, targetHttpsProxy, targetHttpsProxyResource }),
  );
  return {
    ...base,
    setUrlMap: (project, targetHttpsProxy, urlMap) => call("targetHttpsProxies", "setUrlMap", () => c.setUrlMap({ project, targetHttpsProxy, urlMapReferenceResource: { urlMap } })),
    setSslCertificates: (project, targetHttpsProxy, certificates) =>
      call("targetHttpsProxies", "setSslCertificates", () =>
        c.setSslCertificates({ project, targetHttpsProxy, targetHttpsProxiesSetSslCertificatesRequestResource: { sslCertificates: [...certificates] } }),
      ),
  };
}

function globalAddressesApi(c: GlobalAddressesClient): ResourceReader<Address> {
  return reader<Address>("addresses", {
    get: (project, address) => c.get({ project, address }),
    insert: (project, addressResource) => c.insert({ project, addressResource }),
    delete: (project, address) => c.delete({ project, address }),
  });
}

function globalForwardingRulesApi(c: GlobalForwardingRulesClient): ComputeApi["globalForwardingRules"] {
  const base = withPatch<ForwardingRule>(
    "forwardingRules",
    {
      get: (project, forwardingRule) => c.get({ project, forwardingRule }),
      insert: (project, forwardingRuleResource) => c.insert({ project, forwardingRuleResource }),
      delete: (project, forwardingRule) => c.delete({ project, forwardingRule }),
    },
    (project, forwardingRule, forwardingRuleResource) => c.patch({ project, forwardingRule, forwardingRuleResource }),
  );
  return {
    ...base,
    setTarget: (project, forwardingRule, target) => call("forwardingRules", "setTarget", () => c.setTarget({ project, forwardingRule, targetReferenceResource: { target } })),
  };
}

/** ComputeApi over the official clients, cached by the session (their retry settings come from client-options.ts). */
export function sdkComputeApi(session: GcpSession): ComputeApi {
  const operations = session.client(GlobalOperationsClient);
  return {
    healthChecks: healthChecksApi(session.client(HealthChecksClient)),
    backendServices: backendServicesApi(session.client(BackendServicesClient)),
    backendBuckets: backendBucketsApi(session.client(BackendBucketsClient)),
    urlMaps: urlMapsApi(session.client(UrlMapsClient)),
    targetHttpProxies: targetHttpProxiesApi(session.client(TargetHttpProxiesClient)),
    targetHttpsProxies: targetHttpsProxiesApi(session.client(TargetHttpsProxiesClient)),
    globalAddresses: globalAddressesApi(session.client(GlobalAddressesClient)),
    globalForwardingRules: globalForwardingRulesApi(session.client(GlobalForwardingRulesClient)),
    operation: (project, operation) => orUndefined(async () => (await gcpCall("compute:globalOperations.get", () => operations.get({ project, operation })))[0]),
  };
}

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
import { callOptions } from "../call-options.ts";
import type { GoogleCallOptions } from "../call-options.ts";
import { gcpCall, unlessNotFound } from "../errors.ts";
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

interface Calls<R> {
  readonly get: (project: string, name: string) => Promise<readonly [R, ...unknown[]]>;
  readonly insert: (project: string, body: R) => Promise<Parameters<typeof operationName>[0]>;
  readonly delete: (project: string, name: string) => Promise<Parameters<typeof operationName>[0]>;
}

function reader<R>(collection: Collection, calls: Calls<R>): ResourceReader<R> {
  return {
    get: (project, name) => unlessNotFound(async () => (await gcpCall(`compute:${collection}.get`, () => calls.get(project, name)))[0]),
    insert: async (project, body) => operationName(await gcpCall(`compute:${collection}.insert`, () => calls.insert(project, body))),
    delete: (project, name) => unlessNotFound(async () => operationName(await gcpCall(`compute:${collection}.delete`, () => calls.delete(project, name)))),
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

function healthChecksApi(c: HealthChecksClient, o: GoogleCallOptions): ComputeApi["healthChecks"] {
  const base = withPatch<HealthCheck>(
    "healthChecks",
    {
      get: (project, healthCheck) => c.get({ project, healthCheck }, o),
      insert: (project, healthCheckResource) => c.insert({ project, healthCheckResource }, o),
      delete: (project, healthCheck) => c.delete({ project, healthCheck }, o),
    },
    (project, healthCheck, healthCheckResource) => c.patch({ project, healthCheck, healthCheckResource }, o),
  );
  return { ...base, update: (project, healthCheck, healthCheckResource) => call("healthChecks", "update", () => c.update({ project, healthCheck, healthCheckResource }, o)) };
}

function backendServicesApi(c: BackendServicesClient, o: GoogleCallOptions): ComputeApi["backendServices"] {
  const base = withPatch<BackendService>(
    "backendServices",
    {
      get: (project, backendService) => c.get({ project, backendService }, o),
      insert: (project, backendServiceResource) => c.insert({ project, backendServiceResource }, o),
      delete: (project, backendService) => c.delete({ project, backendService }, o),
    },
    (project, backendService, backendServiceResource) => c.patch({ project, backendService, backendServiceResource }, o),
  );
  return {
    ...base,
    update: (project, backendService, backendServiceResource) => call("backendServices", "update", () => c.update({ project, backendService, backendServiceResource }, o)),
  };
}

function backendBucketsApi(c: BackendBucketsClient, o: GoogleCallOptions): ComputeApi["backendBuckets"] {
  const base = withPatch<BackendBucket>(
    "backendBuckets",
    {
      get: (project, backendBucket) => c.get({ project, backendBucket }, o),
      insert: (project, backendBucketResource) => c.insert({ project, backendBucketResource }, o),
      delete: (project, backendBucket) => c.delete({ project, backendBucket }, o),
    },
    (project, backendBucket, backendBucketResource) => c.patch({ project, backendBucket, backendBucketResource }, o),
  );
  return {
    ...base,
    update: (project, backendBucket, backendBucketResource) => call("backendBuckets", "update", () => c.update({ project, backendBucket, backendBucketResource }, o)),
  };
}

function urlMapsApi(c: UrlMapsClient, o: GoogleCallOptions): ComputeApi["urlMaps"] {
  const base = withPatch<UrlMap>(
    "urlMaps",
    {
      get: (project, urlMap) => c.get({ project, urlMap }, o),
      insert: (project, urlMapResource) => c.insert({ project, urlMapResource }, o),
      delete: (project, urlMap) => c.delete({ project, urlMap }, o),
    },
    (project, urlMap, urlMapResource) => c.patch({ project, urlMap, urlMapResource }, o),
  );
  return { ...base, update: (project, urlMap, urlMapResource) => call("urlMaps", "update", () => c.update({ project, urlMap, urlMapResource }, o)) };
}

function targetHttpProxiesApi(c: TargetHttpProxiesClient, o: GoogleCallOptions): ComputeApi["targetHttpProxies"] {
  const base = withPatch<TargetHttpProxy>(
    "targetHttpProxies",
    {
      get: (project, targetHttpProxy) => c.get({ project, targetHttpProxy }, o),
      insert: (project, targetHttpProxyResource) => c.insert({ project, targetHttpProxyResource }, o),
      delete: (project, targetHttpProxy) => c.delete({ project, targetHttpProxy }, o),
    },
    (project, targetHttpProxy, targetHttpProxyResource) => c.patch({ project, targetHttpProxy, targetHttpProxyResource }, o),
  );
  return {
    ...base,
    setUrlMap: (project, targetHttpProxy, urlMap) => call("targetHttpProxies", "setUrlMap", () => c.setUrlMap({ project, targetHttpProxy, urlMapReferenceResource: { urlMap } }, o)),
  };
}

function targetHttpsProxiesApi(c: TargetHttpsProxiesClient, o: GoogleCallOptions): ComputeApi["targetHttpsProxies"] {
  const base = withPatch<TargetHttpsProxy>(
    "targetHttpsProxies",
    {
      get: (project, targetHttpsProxy) => c.get({ project, targetHttpsProxy }, o),
      insert: (project, targetHttpsProxyResource) => c.insert({ project, targetHttpsProxyResource }, o),
      delete: (project, targetHttpsProxy) => c.delete({ project, targetHttpsProxy }, o),
    },
    (project, targetHttpsProxy, targetHttpsProxyResource) => c.patch({ project, targetHttpsProxy, targetHttpsProxyResource }, o),
  );
  return {
    ...base,
    setUrlMap: (project, targetHttpsProxy, urlMap) => call("targetHttpsProxies", "setUrlMap", () => c.setUrlMap({ project, targetHttpsProxy, urlMapReferenceResource: { urlMap } }, o)),
    setSslCertificates: (project, targetHttpsProxy, certificates) =>
      call("targetHttpsProxies", "setSslCertificates", () =>
        c.setSslCertificates({ project, targetHttpsProxy, targetHttpsProxiesSetSslCertificatesRequestResource: { sslCertificates: [...certificates] } }, o),
      ),
  };
}

function globalAddressesApi(c: GlobalAddressesClient, o: GoogleCallOptions): ResourceReader<Address> {
  return reader<Address>("addresses", {
    get: (project, address) => c.get({ project, address }, o),
    insert: (project, addressResource) => c.insert({ project, addressResource }, o),
    delete: (project, address) => c.delete({ project, address }, o),
  });
}

function globalForwardingRulesApi(c: GlobalForwardingRulesClient, o: GoogleCallOptions): ComputeApi["globalForwardingRules"] {
  const base = withPatch<ForwardingRule>(
    "forwardingRules",
    {
      get: (project, forwardingRule) => c.get({ project, forwardingRule }, o),
      insert: (project, forwardingRuleResource) => c.insert({ project, forwardingRuleResource }, o),
      delete: (project, forwardingRule) => c.delete({ project, forwardingRule }, o),
    },
    (project, forwardingRule, forwardingRuleResource) => c.patch({ project, forwardingRule, forwardingRuleResource }, o),
  );
  return {
    ...base,
    setTarget: (project, forwardingRule, target) => call("forwardingRules", "setTarget", () => c.setTarget({ project, forwardingRule, targetReferenceResource: { target } }, o)),
  };
}

/**
 * ComputeApi over the official clients, cached by the session (their retry settings come from
 * client-options.ts), for one reconcile: every call carries its signal, so a hung endpoint is
 * cancelled when the reconcile's deadline passes (or on shutdown).
 */
export function sdkComputeApi(session: GcpSession, signal: AbortSignal): ComputeApi {
  const operations = session.client(GlobalOperationsClient);
  const o = callOptions(signal);
  return {
    healthChecks: healthChecksApi(session.client(HealthChecksClient), o),
    backendServices: backendServicesApi(session.client(BackendServicesClient), o),
    backendBuckets: backendBucketsApi(session.client(BackendBucketsClient), o),
    urlMaps: urlMapsApi(session.client(UrlMapsClient), o),
    targetHttpProxies: targetHttpProxiesApi(session.client(TargetHttpProxiesClient), o),
    targetHttpsProxies: targetHttpsProxiesApi(session.client(TargetHttpsProxiesClient), o),
    globalAddresses: globalAddressesApi(session.client(GlobalAddressesClient), o),
    globalForwardingRules: globalForwardingRulesApi(session.client(GlobalForwardingRulesClient), o),
    operation: (project, operation) => unlessNotFound(async () => (await gcpCall("compute:globalOperations.get", () => operations.get({ project, operation }, o)))[0]),
  };
}

// The back half of a global external Application Load Balancer: health checks, backend services
// (with Cloud CDN) and backend buckets.
import { invalidField, requiredField } from "../errors.ts";
import { isJsonObject, numberAt, objectAt, stringAt, textAt } from "../json.ts";
import type { JsonObject } from "../json.ts";
import { checkName, checkOneOf, defaultTo, visitList } from "./spec.ts";
import type { CollectionSpec } from "./spec.ts";

const HEALTH_CHECK_KINDS: Readonly<Record<string, { readonly key: string; readonly port: number; readonly http: boolean }>> = {
  HTTP: { key: "httpHealthCheck", port: 80, http: true },
  HTTPS: { key: "httpsHealthCheck", port: 443, http: true },
  HTTP2: { key: "http2HealthCheck", port: 443, http: true },
  TCP: { key: "tcpHealthCheck", port: 80, http: false },
  SSL: { key: "sslHealthCheck", port: 443, http: false },
  GRPC: { key: "grpcHealthCheck", port: 443, http: false },
};

// `type` may be left out when a protocol block (httpHealthCheck...) says it.
function healthCheckKind(hc: JsonObject): { readonly key: string; readonly port: number; readonly http: boolean } {
  const type = stringAt(hc, "type") ?? Object.entries(HEALTH_CHECK_KINDS).find(([, k]) => hc[k.key] !== undefined)?.[0];
  if (type === undefined) throw requiredField("resource.type");
  const kind = HEALTH_CHECK_KINDS[type];
  if (kind === undefined) throw invalidField("resource.type", type, `Must be one of [${Object.keys(HEALTH_CHECK_KINDS).join(", ")}].`);
  hc.type = type;
  return kind;
}

export const healthChecks: CollectionSpec = {
  collection: "healthChecks",
  protoType: "HealthCheck",
  kind: "compute#healthCheck",
  typeName: "health_check",
  fingerprinted: false,
  refs: () => {},
  prepare(hc) {
    checkName(hc);
    const kind = healthCheckKind(hc);
    const block: JsonObject = objectAt(hc, kind.key) ?? {};
    if (block.port === undefined && block.portName === undefined) block.port = kind.port;
    defaultTo(block, "proxyHeader", "NONE");
    if (kind.http) defaultTo(block, "requestPath", "/");
    hc[kind.key] = block;
    for (const [key, value] of [["checkIntervalSec", 5], ["timeoutSec", 5], ["healthyThreshold", 2], ["unhealthyThreshold", 2]] as const) defaultTo(hc, key, value);
    const interval = numberAt(hc, "checkIntervalSec") ?? 5;
    const timeout = numberAt(hc, "timeoutSec") ?? 5;
    if (timeout > interval) throw invalidField("resource.timeoutSec", timeout, "TimeoutSec should be less than checkIntervalSec.");
  },
};

const CACHE_MODES = ["CACHE_ALL_STATIC", "USE_ORIGIN_HEADERS", "FORCE_CACHE_ALL"] as const;
const MAX_TTL_SEC = 31_622_400; // one year, the API's limit
const TTL_DEFAULTS: Readonly<Record<string, Readonly<Record<string, number>>>> = {
  CACHE_ALL_STATIC: { defaultTtl: 3600, maxTtl: 86_400, clientTtl: 3600 },
  FORCE_CACHE_ALL: { defaultTtl: 3600, clientTtl: 3600 },
  USE_ORIGIN_HEADERS: {},
};

/**
 * Checks a cdnPolicy the way the API does and, when CDN is on, fills the defaults it reports:
 * TTLs that do not apply to the cache mode are refused, not ignored.
 */
export function prepareCdnPolicy(resource: JsonObject, enabled: boolean, withCacheKeyDefaults: boolean): void {
  const policy = objectAt(resource, "cdnPolicy");
  if (policy === undefined && !enabled) return;
  const p: JsonObject = policy ?? {};
  checkOneOf(p, "cacheMode", "resource.cdnPolicy.cacheMode", CACHE_MODES);
  const mode = stringAt(p, "cacheMode") ?? (enabled ? "CACHE_ALL_STATIC" : undefined);
  checkTtls(p, mode);
  if (p.negativeCachingPolicy !== undefined && p.negativeCaching !== true) {
    throw invalidField("resource.cdnPolicy.negativeCachingPolicy", p.negativeCachingPolicy, "Negative caching policy requires negativeCaching to be enabled.");
  }
  if (enabled && mode !== undefined) cdnDefaults(p, mode, withCacheKeyDefaults);
  defaultTo(p, "signedUrlCacheMaxAgeSec", "0");
  resource.cdnPolicy = p;
}

// What the API reports for a CDN-enabled policy the caller left partly unset.
function cdnDefaults(p: JsonObject, mode: string, withCacheKeyDefaults: boolean): void {
  p.cacheMode = mode;
  for (const [key, value] of Object.entries(TTL_DEFAULTS[mode] ?? {})) defaultTo(p, key, value);
  defaultTo(p, "negativeCaching", false);
  defaultTo(p, "requestCoalescing", true);
  defaultTo(p, "serveWhileStale", 0);
  if (withCacheKeyDefaults) defaultTo(p, "cacheKeyPolicy", { includeHost: true, includeProtocol: true, includeQueryString: true });
}

// 0 counts as unset for a TTL the mode ignores: the clients cannot send a JSON null, so a PATCH
// that switches to USE_ORIGIN_HEADERS clears the old TTLs by sending 0.
function checkTtls(p: JsonObject, mode: string | undefined): void {
  for (const key of ["defaultTtl", "maxTtl", "clientTtl"]) checkTtl(p, key, mode);
  const max = numberAt(p, "maxTtl");
  for (const key of ["defaultTtl", "clientTtl"]) {
    const ttl = numberAt(p, key);
    if (max !== undefined && ttl !== undefined && ttl > max) throw invalidField(`resource.cdnPolicy.${key}`, ttl, `Must be less than or equal to maxTtl (${max}).`);
  }
}

function checkTtl(p: JsonObject, key: string, mode: string | undefined): void {
  const ttl = p[key];
  if (ttl === undefined) return;
  if (typeof ttl !== "number" || !Number.isInteger(ttl) || ttl < 0 || ttl > MAX_TTL_SEC) {
    throw invalidField(`resource.cdnPolicy.${key}`, ttl, `Must be an integer between 0 and ${MAX_TTL_SEC}.`);
  }
  const ignored = mode === "USE_ORIGIN_HEADERS" || (mode === "FORCE_CACHE_ALL" && key === "maxTtl");
  if (ignored && ttl === 0) delete p[key];
  else if (ignored) throw invalidField(`resource.cdnPolicy.${key}`, ttl, `Cannot be set when cacheMode is ${mode ?? ""}.`);
}

const PROTOCOLS = ["HTTP", "HTTPS", "HTTP2", "TCP", "SSL", "UDP", "GRPC", "H2C", "UNSPECIFIED"];
const SCHEMES = ["EXTERNAL", "EXTERNAL_MANAGED", "INTERNAL", "INTERNAL_MANAGED", "INTERNAL_SELF_MANAGED"];

export const backendServices: CollectionSpec = {
  collection: "backendServices",
  protoType: "BackendService",
  kind: "compute#backendService",
  typeName: "backend_service",
  fingerprinted: true,
  refs(bs, visit) {
    visitList(bs, "healthChecks", { field: "resource.healthChecks", allowed: ["healthChecks"] }, visit);
  },
  prepare(bs) {
    checkName(bs);
    checkOneOf(bs, "protocol", "resource.protocol", PROTOCOLS);
    checkOneOf(bs, "loadBalancingScheme", "resource.loadBalancingScheme", SCHEMES);
    const defaults: JsonObject = {
      protocol: "HTTP",
      port: 80,
      portName: "http",
      timeoutSec: 30,
      loadBalancingScheme: "EXTERNAL",
      sessionAffinity: "NONE",
      affinityCookieTtlSec: 0,
      connectionDraining: { drainingTimeoutSec: 300 },
      enableCDN: false,
    };
    for (const [key, value] of Object.entries(defaults)) defaultTo(bs, key, value);
    const cdn = bs.enableCDN === true;
    if (cdn && !textAt(bs, "loadBalancingScheme").startsWith("EXTERNAL")) {
      throw invalidField("resource.enableCDN", true, "Cloud CDN is only supported for external load balancing.");
    }
    prepareCdnPolicy(bs, cdn, true);
  },
};

export const backendBuckets: CollectionSpec = {
  collection: "backendBuckets",
  protoType: "BackendBucket",
  kind: "compute#backendBucket",
  typeName: "backend_bucket",
  fingerprinted: false,
  refs: () => {},
  prepare(bb) {
    checkName(bb);
    const bucket = bb.bucketName;
    if (bucket === undefined || bucket === "") throw requiredField("resource.bucketName");
    if (typeof bucket !== "string") throw invalidField("resource.bucketName", bucket, "Must be a string.");
    defaultTo(bb, "enableCdn", false);
    prepareCdnPolicy(bb, bb.enableCdn === true, false);
    if (isJsonObject(bb.cdnPolicy) && Object.keys(bb.cdnPolicy).length === 0) delete bb.cdnPolicy;
  },
};

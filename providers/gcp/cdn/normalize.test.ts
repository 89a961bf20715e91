import { describe, expect, it } from "vitest";
import type { FieldDiff } from "../../../core/provider.ts";
import {
  bucketInsertBody,
  bucketUpdateBody,
  canonicalRef,
  cdnPolicyFor,
  composeDescription,
  diffBackend,
  lateInitBackend,
  observedBucket,
  observedService,
  serviceInsertBody,
  serviceUpdateBody,
  userDescription,
} from "./normalize.ts";
import type { BackendBucket, BackendService } from "./normalize.ts";
import { CdnParameters } from "./schema.ts";

const PROJECT = "tp-cdn";
const API = "https://www.googleapis.com/compute/v1";
const OWNER = "Managed by Terraplane: CDN web/assets (uid 5d1c)";

/** The default CACHE_ALL_STATIC policy as the API (and the emulator) reports it through the official client. */
const DEFAULT_POLICY = {
  negativeCachingPolicy: [],
  signedUrlKeyNames: [],
  bypassCacheOnRequestHeaders: [],
  cacheMode: "CACHE_ALL_STATIC",
  clientTtl: 3600,
  defaultTtl: 3600,
  maxTtl: 86400,
  serveWhileStale: 0,
  signedUrlCacheMaxAgeSec: "0",
  negativeCaching: false,
  requestCoalescing: true,
};

function bucket(over: Partial<BackendBucket> = {}, policy: Record<string, unknown> = {}): BackendBucket {
  return {
    id: "5444979761977504637",
    kind: "compute#backendBucket",
    name: "cdn-assets-bb",
    creationTimestamp: "2026-11-21T22:26:23.824+00:00",
    selfLink: `${API}/projects/${PROJECT}/global/backendBuckets/cdn-assets-bb`,
    bucketName: "assets-bucket",
    enableCdn: true,
    usedBy: [],
    customResponseHeaders: [],
    description: `static assets\n${OWNER}`,
    cdnPolicy: { ...DEFAULT_POLICY, ...policy },
    ...over,
  };
}

function service(over: Partial<BackendService> = {}, policy: Record<string, unknown> = {}): BackendService {
  return {
    id: "5154773307400109041",
    kind: "compute#backendService",
    name: "cdn-web-bs",
    selfLink: `${API}/projects/${PROJECT}/global/backendServices/cdn-web-bs`,
    fingerprint: "oFlFPaKXZs0=",
    healthChecks: [`${API}/projects/${PROJECT}/global/healthChecks/hc`],
    backends: [
      { group: `${API}/projects/${PROJECT}/zones/europe-west1-c/instanceGroups/web-c`, balancingMode: "UTILIZATION", capacityScaler: 1, maxUtilization: 0.8 },
      { group: "zones/europe-west1-b/instanceGroups/web-b", balancingMode: "UTILIZATION", capacityScaler: 1, maxUtilization: 0.8 },
    ],
    protocol: "HTTP",
    port: 80,
    portName: "http",
    timeoutSec: 30,
    loadBalancingScheme: "EXTERNAL_MANAGED",
    enableCDN: true,
    description: OWNER,
    cdnPolicy: { ...DEFAULT_POLICY, cacheKeyPolicy: { includeHost: true, includeProtocol: true, includeQueryString: true }, ...policy },
    ...over,
  };
}

const bucketSpec = (over: Record<string, unknown> = {}): CdnParameters => CdnParameters.parse({ origin: { bucketName: "assets-bucket" }, ...over });
const serviceSpec = (over: Record<string, unknown> = {}, origin: Record<string, unknown> = {}): CdnParameters =>
  CdnParameters.parse({
    origin: {
      backendService: {
        backends: [{ group: "zones/europe-west1-b/instanceGroups/web-b" }, { group: `projects/${PROJECT}/zones/europe-west1-c/instanceGroups/web-c` }],
        healthCheck: "global/healthChecks/hc",
        ...origin,
      },
    },
    ...over,
  });
const paths = (diff: readonly FieldDiff[]): string[] => diff.map((d) => d.path);

describe("canonicalRef", () => {
  const cases: Record<string, { ref: string; want: string }> = {
    "a full self-link": { ref: `${API}/projects/p1/global/healthChecks/hc`, want: "projects/p1/global/healthChecks/hc" },
    "another API host and version": { ref: "https://compute.googleapis.com/compute/beta/projects/p1/zones/z/instanceGroups/ig", want: "projects/p1/zones/z/instanceGroups/ig" },
    "projects/...": { ref: "projects/p1/global/sslCertificates/c", want: "projects/p1/global/sslCertificates/c" },
    "relative to the project": { ref: "zones/z/networkEndpointGroups/neg", want: `projects/${PROJECT}/zones/z/networkEndpointGroups/neg` },
  };
  for (const [name, c] of Object.entries(cases)) it(name, () => expect(canonicalRef(c.ref, PROJECT)).toBe(c.want));
});

describe("descriptions", () => {
  it("keeps the user's text apart from Terraplane's ownership line", () => {
    expect(composeDescription("static assets", OWNER)).toBe(`static assets\n${OWNER}`);
    expect(composeDescription(undefined, OWNER)).toBe(OWNER);
    expect(userDescription(`static assets\n${OWNER}`)).toBe("static assets");
    expect(userDescription(OWNER)).toBeUndefined();
    expect(userDescription(undefined)).toBeUndefined();
  });
});

describe("observed backends", () => {
  it("reads a backend bucket: policy with 64-bit strings as numbers, empty lists dropped, user description", () => {
    expect(observedBucket(bucket())).toEqual({
      enabled: true,
      origin: { bucketName: "assets-bucket" },
      description: "static assets",
      policy: { cacheMode: "CACHE_ALL_STATIC", defaultTtl: 3600, maxTtl: 86400, clientTtl: 3600, negativeCaching: false, serveWhileStale: 0, requestCoalescing: true, signedUrlCacheMaxAgeSec: 0 },
    });
  });

  it("reads a backend service: references in one form, backends sorted by group", () => {
    const observed = observedService(service(), PROJECT);
    expect(observed.origin).toEqual({
      backendService: {
        backends: [
          { group: `projects/${PROJECT}/zones/europe-west1-b/instanceGroups/web-b`, balancingMode: "UTILIZATION", capacityScaler: 1, maxUtilization: 0.8 },
          { group: `projects/${PROJECT}/zones/europe-west1-c/instanceGroups/web-c`, balancingMode: "UTILIZATION", capacityScaler: 1, maxUtilization: 0.8 },
        ],
        healthCheck: `projects/${PROJECT}/global/healthChecks/hc`,
        protocol: "HTTP",
        port: 80,
        portName: "http",
        timeoutSec: 30,
      },
    });
    expect(observed.description).toBeUndefined();
  });

  it("sorts a negative caching policy by code", () => {
    const observed = observedBucket(bucket({}, { negativeCaching: true, negativeCachingPolicy: [{ code: 404, ttl: 60 }, { code: 301, ttl: 600 }] }));
    expect(observed.policy.negativeCachingPolicy).toEqual([
      { code: 301, ttl: 600 },
      { code: 404, ttl: 60 },
    ]);
  });
});

describe("diffBackend", () => {
  const cases: Record<string, { spec: CdnParameters; cloud: BackendBucket | BackendService; want: string[] }> = {
    "a bare bucket spec against the API's defaults: nothing": { spec: bucketSpec(), cloud: bucket(), want: [] },
    "late-initialised defaults written back: nothing": {
      spec: bucketSpec({ cacheMode: "CACHE_ALL_STATIC", defaultTtl: 3600, maxTtl: 86400, clientTtl: 3600, negativeCaching: false, serveWhileStale: 0, requestCoalescing: true, signedUrlCacheMaxAgeSec: 0 }),
      cloud: bucket(),
      want: [],
    },
    "CDN switched off behind Terraplane's back": { spec: bucketSpec(), cloud: bucket({ enableCdn: false }), want: ["enableCdn"] },
    "cache mode and TTL changed": {
      spec: bucketSpec({ cacheMode: "CACHE_ALL_STATIC", defaultTtl: 600 }),
      cloud: bucket({}, { cacheMode: "FORCE_CACHE_ALL", maxTtl: undefined }),
      want: ["cacheMode", "defaultTtl"],
    },
    "another bucket": { spec: bucketSpec(), cloud: bucket({ bucketName: "other" }), want: ["origin.bucketName"] },
    "negative caching policy in another order: nothing": {
      spec: bucketSpec({ negativeCaching: true, negativeCachingPolicy: [{ code: 404, ttl: 60 }, { code: 301, ttl: 600 }] }),
      cloud: bucket({}, { negativeCaching: true, negativeCachingPolicy: [{ code: 301, ttl: 600 }, { code: 404, ttl: 60 }] }),
      want: [],
    },
    "negative caching policy changed": {
      spec: bucketSpec({ negativeCaching: true, negativeCachingPolicy: [{ code: 404, ttl: 60 }] }),
      cloud: bucket({}, { negativeCaching: true, negativeCachingPolicy: [{ code: 404, ttl: 120 }] }),
      want: ["negativeCachingPolicy"],
    },
    "description: only the user's part counts": { spec: bucketSpec({ description: "static assets" }), cloud: bucket(), want: [] },
    "description changed": { spec: bucketSpec({ description: "images" }), cloud: bucket(), want: ["description"] },
    "a service spec in other reference forms, defaults filled by the API: nothing": { spec: serviceSpec(), cloud: service(), want: [] },
    "a backend removed behind Terraplane's back": {
      spec: serviceSpec(),
      cloud: service({ backends: [{ group: "zones/europe-west1-b/instanceGroups/web-b", balancingMode: "UTILIZATION" }] }),
      want: ["origin.backendService.backends"],
    },
    "a backend setting the spec names differs (float compared with tolerance)": {
      spec: serviceSpec({}, { backends: [{ group: "zones/europe-west1-b/instanceGroups/web-b", maxUtilization: 0.5 }, { group: "zones/europe-west1-c/instanceGroups/web-c", maxUtilization: 0.8000000001 }] }),
      cloud: service(),
      want: ["origin.backendService.backends"],
    },
    "health check, protocol and timeout": {
      spec: serviceSpec({}, { healthCheck: "global/healthChecks/other", protocol: "HTTPS", timeoutSec: 10 }),
      cloud: service(),
      want: ["origin.backendService.healthCheck", "origin.backendService.protocol", "origin.backendService.timeoutSec"],
    },
  };
  for (const [name, c] of Object.entries(cases)) {
    it(name, () => {
      const observed = "bucketName" in c.cloud ? observedBucket(c.cloud) : observedService(c.cloud, PROJECT);
      expect(paths(diffBackend(c.spec, observed, PROJECT))).toEqual(c.want);
    });
  }

});

describe("lateInitBackend", () => {
  it("fills the policy defaults the API chose, keeping what the spec sets", () => {
    expect(lateInitBackend(bucketSpec({ defaultTtl: 60 }), observedBucket(bucket({}, { defaultTtl: 60 })))).toEqual({
      cacheMode: "CACHE_ALL_STATIC",
      maxTtl: 86400,
      clientTtl: 3600,
      negativeCaching: false,
      serveWhileStale: 0,
      requestCoalescing: true,
      signedUrlCacheMaxAgeSec: 0,
    });
  });

  it("fills only the TTLs the cache mode has", () => {
    const observed = observedBucket(bucket({}, { cacheMode: "USE_ORIGIN_HEADERS", defaultTtl: undefined, maxTtl: undefined, clientTtl: undefined }));
    const filled = lateInitBackend(bucketSpec({ cacheMode: "USE_ORIGIN_HEADERS" }), observed);
    expect(filled).not.toHaveProperty("defaultTtl");
    expect(filled).not.toHaveProperty("maxTtl");
    expect(CdnParameters.safeParse({ ...bucketSpec({ cacheMode: "USE_ORIGIN_HEADERS" }), ...filled }).success).toBe(true);
  });

  it("fills the backend service's protocol, port, portName and timeout", () => {
    const filled = lateInitBackend(serviceSpec({}, { timeoutSec: 10 }), observedService(service({ timeoutSec: 10 }), PROJECT));
    expect(filled.origin?.backendService).toMatchObject({ protocol: "HTTP", port: 80, portName: "http", timeoutSec: 10 });
    expect(filled.origin?.backendService?.backends).toHaveLength(2);
  });

  it("fills nothing while CDN is off (the update turns it on first)", () => {
    expect(lateInitBackend(bucketSpec(), observedBucket(bucket({ enableCdn: false })))).toEqual({});
  });
});

describe("request bodies", () => {
  it("inserts a backend bucket with CDN on and only the policy fields the spec sets", () => {
    expect(bucketInsertBody("cdn-assets-bb", bucketSpec({ cacheMode: "FORCE_CACHE_ALL", defaultTtl: 60 }), OWNER)).toEqual({
      name: "cdn-assets-bb",
      bucketName: "assets-bucket",
      enableCdn: true,
      cdnPolicy: { cacheMode: "FORCE_CACHE_ALL", defaultTtl: 60 },
      description: OWNER,
    });
  });

  it("inserts a backend service with full self-links", () => {
    const body = serviceInsertBody("cdn-web-bs", serviceSpec({}, { protocol: "HTTP2" }), OWNER, PROJECT);
    expect(body).toMatchObject({
      name: "cdn-web-bs",
      enableCDN: true,
      protocol: "HTTP2",
      healthChecks: [`${API}/projects/${PROJECT}/global/healthChecks/hc`],
      backends: [{ group: `${API}/projects/${PROJECT}/zones/europe-west1-b/instanceGroups/web-b` }, { group: `${API}/projects/${PROJECT}/zones/europe-west1-c/instanceGroups/web-c` }],
      loadBalancingScheme: "EXTERNAL_MANAGED",
    });
  });

  it("switching to USE_ORIGIN_HEADERS drops the TTLs the API would refuse, and keeps what Terraplane does not manage", () => {
    const policy = cdnPolicyFor({ cacheMode: "USE_ORIGIN_HEADERS" }, service().cdnPolicy);
    expect(policy).not.toHaveProperty("defaultTtl");
    expect(policy).not.toHaveProperty("maxTtl");
    expect(policy).not.toHaveProperty("clientTtl");
    expect(policy.cacheKeyPolicy).toEqual({ includeHost: true, includeProtocol: true, includeQueryString: true });
    expect(cdnPolicyFor({ cacheMode: "FORCE_CACHE_ALL", defaultTtl: 5 }, service().cdnPolicy)).toMatchObject({ defaultTtl: 5, clientTtl: 3600 });
    expect(cdnPolicyFor({ cacheMode: "FORCE_CACHE_ALL" }, service().cdnPolicy)).not.toHaveProperty("maxTtl");
  });

  it("turning negative caching off drops its policy", () => {
    const observed = bucket({}, { negativeCaching: true, negativeCachingPolicy: [{ code: 404, ttl: 60 }] }).cdnPolicy;
    expect(cdnPolicyFor({ negativeCaching: false }, observed)).not.toHaveProperty("negativeCachingPolicy");
  });

  it("updates a bucket from what was observed, without output-only fields", () => {
    const body = bucketUpdateBody(bucket({ enableCdn: false }), bucketSpec({ defaultTtl: 120 }), OWNER);
    expect(body).toMatchObject({ name: "cdn-assets-bb", bucketName: "assets-bucket", enableCdn: true, description: OWNER, cdnPolicy: { defaultTtl: 120, maxTtl: 86400 } });
    for (const key of ["id", "selfLink", "creationTimestamp", "kind", "usedBy"]) expect(body).not.toHaveProperty(key);
  });

  it("updates a service quoting the fingerprint it observed", () => {
    const body = serviceUpdateBody(service(), serviceSpec({ cacheMode: "USE_ORIGIN_HEADERS" }), OWNER, PROJECT);
    expect(body.fingerprint).toBe("oFlFPaKXZs0=");
    expect(body.enableCDN).toBe(true);
    expect(body.cdnPolicy?.cacheMode).toBe("USE_ORIGIN_HEADERS");
    expect(body).not.toHaveProperty("id");
  });
});

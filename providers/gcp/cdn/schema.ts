import { z } from "zod";
import type { CelRule, ManagedKind } from "../../../core/kind.ts";
import { GCP_GROUP, GCP_VERSION } from "../provider-config.ts";

// The CDN kind: Cloud CDN in front of one origin — a Cloud Storage bucket (a backend bucket) or
// instance groups / NEGs (a backend service) — and the URL map, target HTTP(S) proxy and global
// forwarding rule that serve it. forProvider holds what a user sets about caching and the front
// end; the compute resources and their names are Terraplane's business (atProvider lists them).

export const KIND = "CDN";

export const CACHE_MODES = ["CACHE_ALL_STATIC", "USE_ORIGIN_HEADERS", "FORCE_CACHE_ALL"] as const;
export const CacheMode = z.enum(CACHE_MODES);
export type CacheMode = z.infer<typeof CacheMode>;

/** Cloud CDN's limit for every TTL: one year. */
export const MAX_TTL_SEC = 31_622_400;
const Ttl = (what: string): z.ZodOptional<z.ZodNumber> =>
  z.number().int().min(0).max(MAX_TTL_SEC).optional().describe(`${what} Seconds, at most one year. Filled in from Cloud CDN's default for the cache mode when unset.`);

/** A compute resource reference: a full self-link, projects/P/..., or a path relative to the project (zones/Z/instanceGroups/N). */
const ComputeRef = z.string().min(1).max(1024).regex(/^(https:\/\/[a-z0-9.-]+\/compute\/v1\/)?(projects\/[a-z0-9-]+\/)?(global|zones\/[a-z0-9-]+|regions\/[a-z0-9-]+)\/[A-Za-z]+\/[a-z]([-a-z0-9]*[a-z0-9])?$/);

export const Backend = z.object({
  group: ComputeRef.describe("The instance group or network endpoint group, as a self-link or projects/P/zones/Z/instanceGroups/NAME (also networkEndpointGroups)."),
  balancingMode: z.enum(["UTILIZATION", "RATE", "CONNECTION"]).optional().describe("How load is measured (compute's default: UTILIZATION)."),
  maxUtilization: z.number().min(0).max(1).optional().describe("Target utilization with balancingMode UTILIZATION, 0.0 to 1.0."),
  maxRatePerInstance: z.number().min(0).optional().describe("Requests per second per instance with balancingMode RATE."),
  capacityScaler: z.number().min(0).max(1).optional().describe("Share of the backend's capacity in use, 0.0 to 1.0."),
});
export type Backend = z.infer<typeof Backend>;

export const BackendServiceOrigin = z.object({
  backends: z
    .array(Backend)
    .min(1)
    .max(50)
    .meta({ "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["group"] })
    .describe("The backends (a set keyed by group): Cloud CDN caches what they serve."),
  healthCheck: ComputeRef.describe("The global health check the backend service uses, as a self-link or projects/P/global/healthChecks/NAME."),
  protocol: z.enum(["HTTP", "HTTPS", "HTTP2"]).optional().describe("How the load balancer talks to the backends (default HTTP). Filled in when unset."),
  port: z.number().int().min(1).max(65535).optional().describe("Deprecated by compute in favour of portName; filled in when unset."),
  portName: z.string().regex(/^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/).optional().describe("The named port of the instance groups (default http). Filled in when unset."),
  timeoutSec: z.number().int().min(1).max(86_400).optional().describe("Seconds to wait for a backend's response (default 30). Filled in when unset."),
});
export type BackendServiceOrigin = z.infer<typeof BackendServiceOrigin>;

const BUCKET_NAME = /^[a-z0-9][a-z0-9._-]{1,220}[a-z0-9]$/;

export const Origin = z
  .object({
    bucketName: z.string().regex(BUCKET_NAME).optional().describe("A Cloud Storage bucket to serve (a backend bucket with Cloud CDN)."),
    backendService: BackendServiceOrigin.optional().describe("Instance groups or NEGs to serve (a backend service with Cloud CDN)."),
  })
  .meta({
    "x-kubernetes-validations": [{ rule: "has(self.bucketName) != has(self.backendService)", message: "origin needs exactly one of bucketName or backendService" }],
  })
  .describe("What Cloud CDN caches: exactly one of bucketName or backendService.");
export type Origin = z.infer<typeof Origin>;

/** The status codes Cloud CDN allows in a negative caching policy. */
export const NEGATIVE_CACHING_CODES = [300, 301, 302, 307, 308, 404, 405, 410, 421, 451, 501] as const;

export const NegativeCachingPolicy = z.object({
  code: z
    .number()
    .int()
    .meta({ enum: [...NEGATIVE_CACHING_CODES] })
    .refine((c) => (NEGATIVE_CACHING_CODES as readonly number[]).includes(c), { message: `code must be one of ${NEGATIVE_CACHING_CODES.join(", ")}` })
    .describe(`An HTTP status code: one of ${NEGATIVE_CACHING_CODES.join(", ")}.`),
  ttl: z.number().int().min(0).max(1800).describe("Seconds to cache responses with this code (at most 1800)."),
});
export type NegativeCachingPolicy = z.infer<typeof NegativeCachingPolicy>;

export const Frontend = z
  .object({
    protocol: z.enum(["HTTP", "HTTPS"]).optional().describe("HTTP (a target HTTP proxy) or HTTPS (a target HTTPS proxy, with sslCertificates). Default HTTP; cannot change once set."),
    sslCertificates: z
      .array(ComputeRef)
      .min(1)
      .max(15)
      .optional()
      .meta({ "x-kubernetes-list-type": "set" })
      .describe("With protocol HTTPS: the global SSL certificates, as self-links or projects/P/global/sslCertificates/NAME."),
    port: z.number().int().min(1).max(65535).optional().describe("The port the forwarding rule listens on (default 80 for HTTP, 443 for HTTPS). Cannot change once set."),
    address: z
      .string()
      .min(1)
      .max(1024)
      .regex(/^((https:\/\/[a-z0-9.-]+\/compute\/v1\/)?(projects\/[a-z0-9-]+\/)?global\/addresses\/)?[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/)
      .optional()
      .describe(
        "A global address reserved elsewhere to serve on (its name, self-link or projects/P/global/addresses/NAME); it is used, never changed or deleted. Unset: Terraplane reserves one for this CDN (and deletes it with the CDN). Cannot be added, changed or removed later.",
      ),
  })
  .meta({
    "x-kubernetes-validations": [
      { rule: "!has(self.protocol) || self.protocol != 'HTTPS' || has(self.sslCertificates)", message: "frontend.protocol HTTPS needs frontend.sslCertificates" },
      { rule: "!has(self.sslCertificates) || (has(self.protocol) && self.protocol == 'HTTPS')", message: "frontend.sslCertificates need frontend.protocol: HTTPS" },
    ],
  })
  .describe("How the CDN is served: the URL map, target proxy and forwarding rule in front of the origin.");
export type Frontend = z.infer<typeof Frontend>;

export const CdnParameters = z.object({
  origin: Origin,
  cacheMode: CacheMode.optional().describe(
    "CACHE_ALL_STATIC (static content, the default), USE_ORIGIN_HEADERS (only what the origin's Cache-Control allows) or FORCE_CACHE_ALL (everything; beware of private content). Filled in when unset.",
  ),
  defaultTtl: Ttl("How long a response without its own TTL is cached (not with USE_ORIGIN_HEADERS)."),
  maxTtl: Ttl("The longest an origin's TTL is honoured (CACHE_ALL_STATIC only)."),
  clientTtl: Ttl("The longest TTL sent to clients (not with USE_ORIGIN_HEADERS)."),
  negativeCaching: z.boolean().optional().describe("Cache error responses (404, 301...) too. Filled in when unset."),
  negativeCachingPolicy: z
    .array(NegativeCachingPolicy)
    .max(NEGATIVE_CACHING_CODES.length)
    .optional()
    .meta({ "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["code"] })
    .describe("With negativeCaching: a TTL per status code (a set keyed by code), instead of Cloud CDN's defaults."),
  serveWhileStale: z.number().int().min(0).max(86_400).optional().describe("Seconds a stale response may be served while it is revalidated. Filled in when unset."),
  requestCoalescing: z.boolean().optional().describe("Send one request to the origin for concurrent misses of the same object. Filled in when unset."),
  signedUrlCacheMaxAgeSec: z.number().int().min(0).max(MAX_TTL_SEC).optional().describe("How long responses to signed URL requests are cached. Filled in when unset."),
  description: z.string().max(1024).optional().describe("A description of the backend bucket or service (Terraplane adds a line naming this CDN)."),
  frontend: Frontend.optional(),
});
export type CdnParameters = z.infer<typeof CdnParameters>;

const SubResourceState = z.object({
  name: z.string().optional(),
  selfLink: z.string().optional(),
  state: z.string().optional().describe("READY, PENDING (an operation is under way) or MISSING."),
});

export const CdnObservation = z.object({
  ipAddress: z.string().optional().describe("The IP address the CDN answers on."),
  backend: SubResourceState.optional().describe("The backend bucket or backend service with Cloud CDN enabled."),
  urlMap: SubResourceState.optional(),
  targetProxy: SubResourceState.optional().describe("The target HTTP or HTTPS proxy."),
  address: SubResourceState.optional().describe("The reserved global address (when Terraplane reserved it)."),
  forwardingRule: SubResourceState.optional(),
});
export type CdnObservation = z.infer<typeof CdnObservation>;

/** A rule making `path` (a dotted path under forProvider) immutable once set, with its message. */
function immutableOnceSetPath(path: string, what: string): CelRule {
  const parts = path.split(".");
  const has = (root: string): string => parts.map((_, i) => `has(${root}.${parts.slice(0, i + 1).join(".")})`).join(" && ");
  return {
    rule: `!(${has("oldSelf")}) || (${has("self")} && self.${path} == oldSelf.${path})`,
    message: `${path} cannot be changed once set: ${what}`,
  };
}

const TTL_RULES: readonly CelRule[] = [
  {
    rule: "!has(self.cacheMode) || self.cacheMode != 'USE_ORIGIN_HEADERS' || (!has(self.defaultTtl) && !has(self.maxTtl) && !has(self.clientTtl))",
    message: "cacheMode USE_ORIGIN_HEADERS takes its TTLs from the origin: remove defaultTtl, maxTtl and clientTtl (set them to null in a merge patch)",
  },
  {
    rule: "!has(self.cacheMode) || self.cacheMode != 'FORCE_CACHE_ALL' || !has(self.maxTtl)",
    message: "cacheMode FORCE_CACHE_ALL has no maxTtl: remove maxTtl (set it to null in a merge patch)",
  },
  { rule: "!has(self.maxTtl) || !has(self.defaultTtl) || self.defaultTtl <= self.maxTtl", message: "defaultTtl must not exceed maxTtl" },
  { rule: "!has(self.maxTtl) || !has(self.clientTtl) || self.clientTtl <= self.maxTtl", message: "clientTtl must not exceed maxTtl" },
  {
    rule: "!has(self.negativeCachingPolicy) || (has(self.negativeCaching) && self.negativeCaching)",
    message: "negativeCachingPolicy needs negativeCaching: true",
  },
];

export const forProviderRules: readonly CelRule[] = [
  {
    rule: "has(self.origin.bucketName) == has(oldSelf.origin.bucketName)",
    message: "origin cannot switch between bucketName and backendService: create a new CDN for the other kind of origin (and delete this one) instead",
  },
  immutableOnceSetPath("frontend.protocol", "the proxy type is fixed; create a new CDN (and delete this one) to switch between HTTP and HTTPS"),
  immutableOnceSetPath("frontend.port", "a forwarding rule's port is fixed; create a new CDN (and delete this one) to serve on another port"),
  {
    rule: "(has(self.frontend) && has(self.frontend.address)) == (has(oldSelf.frontend) && has(oldSelf.frontend.address)) && (!(has(self.frontend) && has(self.frontend.address)) || self.frontend.address == oldSelf.frontend.address)",
    message: "frontend.address cannot be added, changed or removed: a forwarding rule's address is fixed; create a new CDN (and delete this one) to serve on another address",
  },
  ...TTL_RULES,
];

export const cdnKind: ManagedKind<typeof CdnParameters, typeof CdnObservation> = {
  group: GCP_GROUP,
  version: GCP_VERSION,
  kind: KIND,
  plural: "cdns",
  shortNames: ["gcpcdn"],
  description: "Cloud CDN in front of a Cloud Storage bucket or a backend service, with the URL map, target proxy and forwarding rule that serve it.",
  forProvider: CdnParameters,
  atProvider: CdnObservation,
  forProviderRules,
  printerColumns: [
    { name: "CACHE-MODE", type: "string", jsonPath: ".spec.forProvider.cacheMode" },
    { name: "IP", type: "string", jsonPath: ".status.atProvider.ipAddress" },
    { name: "BUCKET", type: "string", jsonPath: ".spec.forProvider.origin.bucketName", priority: 1 },
  ],
};

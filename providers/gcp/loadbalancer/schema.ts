import { z } from "zod";
import { immutable } from "../../../core/kind.ts";
import type { CelRule, ManagedKind } from "../../../core/kind.ts";
import { GCP_GROUP, GCP_VERSION } from "../provider-config.ts";

// The LoadBalancer kind: a global external Application Load Balancer as one object: a health
// check, backend services (backends by instance group or NEG), a URL map (host and path rules),
// a target HTTP(S) proxy, a global address and a global forwarding rule. Sub-resources are named
// after the object (<name>-hc, <name>-bs-<key>, <name>-um, <name>-proxy, <name>-ip, <name>-fr).
// Backend services are referred to by their key (`name`) everywhere inside the spec.

export const KIND = "LoadBalancer";

/** A backend service's key inside this LoadBalancer (its compute name is <lb>-bs-<key>). */
const Key = z
  .string()
  .min(1)
  .max(20)
  .regex(/^[a-z]([-a-z0-9]*[a-z0-9])?$/)
  .describe("Lower-case letters, digits and hyphens, starting with a letter, at most 20 characters.");

const Port = z.number().int().min(1).max(65535);

/** A compute reference: a self-link, projects/<p>/..., or global/... / zones/... path. */
const Reference = z
  .string()
  .min(1)
  .max(1024)
  .regex(/^(https:\/\/[a-z.]+\/compute\/(v1|beta)\/)?(projects\/[a-z][-a-z0-9]*\/)?(global|zones\/[a-z0-9-]+|regions\/[a-z0-9-]+)\/[A-Za-z]+\/[a-z]([-a-z0-9]*[a-z0-9])?$/);

export const HealthCheckSpec = z
  .object({
    type: z.enum(["HTTP", "HTTPS", "TCP"]).describe("Protocol the health check probes with."),
    port: Port.optional().describe("Port probed; filled in from compute (80 for HTTP and TCP, 443 for HTTPS) when unset."),
    requestPath: z.string().min(1).max(1024).regex(/^\//).optional().describe("HTTP(S) only: the path requested, e.g. /healthz; filled in (/) when unset."),
    checkIntervalSec: z.number().int().min(1).max(300).optional().describe("Seconds between probes; filled in (5) when unset."),
    timeoutSec: z.number().int().min(1).max(300).optional().describe("Seconds to wait for an answer; at most checkIntervalSec (compute checks it). Filled in (5) when unset."),
    healthyThreshold: z.number().int().min(1).max(10).optional().describe("Consecutive successes before a backend counts as healthy; filled in (2) when unset."),
    unhealthyThreshold: z.number().int().min(1).max(10).optional().describe("Consecutive failures before a backend counts as unhealthy; filled in (2) when unset."),
  })
  .meta({ "x-kubernetes-validations": [{ rule: "self.type != 'TCP' || !has(self.requestPath)", message: "healthCheck.requestPath applies to HTTP and HTTPS health checks only" }] })
  .describe("The health check every backend service of this LoadBalancer uses (<name>-hc).");
export type HealthCheckSpec = z.infer<typeof HealthCheckSpec>;

export const Backend = z.object({
  group: Reference.describe("Self-link (or projects/... path) of an instance group or network endpoint group, e.g. projects/p/zones/europe-west1-b/instanceGroups/web."),
  balancingMode: z.enum(["UTILIZATION", "RATE", "CONNECTION"]).optional().describe("How load is spread over this backend's capacity."),
  capacityScaler: z.number().min(0).max(1).optional().describe("Fraction (0 to 1) of the backend's capacity to use."),
  maxUtilization: z.number().min(0).max(1).optional().describe("UTILIZATION mode: target CPU utilisation (0 to 1)."),
  maxRatePerInstance: z.number().min(0).optional().describe("RATE mode: requests per second per instance."),
});
export type Backend = z.infer<typeof Backend>;

export const BackendServiceSpec = z.object({
  name: Key.describe("This backend service's key, used by urlMap; the compute name is <lb>-bs-<key>."),
  protocol: z.enum(["HTTP", "HTTPS", "HTTP2"]).optional().describe("Protocol to the backends; filled in (HTTP) when unset."),
  portName: z.string().min(1).max(63).regex(/^[a-z]([-a-z0-9]*[a-z0-9])?$/).optional().describe("Named port of the instance groups to send to; filled in (http) when unset."),
  timeoutSec: z.number().int().min(1).max(86400).optional().describe("Backend response timeout; filled in (30) when unset."),
  backends: z
    .array(Backend)
    .max(50)
    .default([])
    .meta({ "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["group"] })
    .describe("Instance groups or NEGs serving this service (a set keyed by group)."),
});
export type BackendServiceSpec = z.infer<typeof BackendServiceSpec>;

export const PathRule = z.object({
  paths: z.array(z.string().min(1).max(1024).regex(/^\//)).min(1).max(50).describe("Paths, e.g. /api/* (a set; the longest match wins)."),
  service: Key.describe("Key of the backend service these paths go to."),
});

export const PathMatcher = z.object({
  name: Key.describe("Name hostRules refer to."),
  defaultService: Key.describe("Key of the backend service for paths no rule matches."),
  pathRules: z.array(PathRule).max(50).optional(),
});

export const HostRule = z.object({
  hosts: z.array(z.string().min(1).max(255)).min(1).max(50).describe("Host names (or *.example.com), a set."),
  pathMatcher: Key.describe("Name of a pathMatcher."),
});

export const UrlMapSpec = z
  .object({
    defaultService: Key.describe("Key of the backend service for requests no host rule matches."),
    hostRules: z.array(HostRule).max(50).optional().describe("Host rules (a set: order does not matter)."),
    pathMatchers: z
      .array(PathMatcher)
      .max(20)
      .optional()
      .meta({ "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["name"] })
      .describe("Path matchers by name."),
  })
  .describe("Routing (<name>-um). Unset: every request goes to the first backend service.");
export type UrlMapSpec = z.infer<typeof UrlMapSpec>;

export const AddressSpec = z
  .object({
    mode: z
      .enum(["Reserved", "Existing", "Ephemeral"])
      .default("Reserved")
      .describe("Reserved: reserve a global address for this LoadBalancer (<name>-ip, deleted with it). Existing: use an address reserved elsewhere. Ephemeral: no reservation."),
    name: z.string().min(1).max(1024).optional().describe("Existing only: the address's name or self-link."),
    ipVersion: z.enum(["IPV4", "IPV6"]).default("IPV4").describe("Reserved and Ephemeral: IP version."),
  })
  .meta({ "x-kubernetes-validations": [{ rule: "(has(self.mode) && self.mode == 'Existing') == has(self.name)", message: "frontend.address.name is required with mode Existing, and only allowed with it" }] });
export type AddressSpec = z.infer<typeof AddressSpec>;

export const FrontendSpec = z
  .object({
    protocol: z.enum(["HTTP", "HTTPS"]).default("HTTP").describe("HTTP (target HTTP proxy) or HTTPS (target HTTPS proxy, with sslCertificates)."),
    sslCertificates: z.array(Reference).min(1).max(15).optional().describe("HTTPS only: SSL certificate references; the first is the primary one."),
    port: Port.optional().describe("Port the forwarding rule listens on; filled in (80 or 443 by protocol) when unset."),
    address: AddressSpec.prefault({}).describe("The IP address the load balancer listens on."),
  })
  .meta({
    "x-kubernetes-validations": [
      { rule: "(has(self.protocol) && self.protocol == 'HTTPS') == has(self.sslCertificates)", message: "frontend.sslCertificates is required with protocol HTTPS, and only allowed with it" },
    ],
  })
  .describe("Target proxy (<name>-proxy), address and forwarding rule (<name>-fr).");
export type FrontendSpec = z.infer<typeof FrontendSpec>;

export const LoadBalancerParameters = z.object({
  loadBalancingScheme: z
    .enum(["EXTERNAL_MANAGED", "EXTERNAL"])
    .default("EXTERNAL_MANAGED")
    .describe("EXTERNAL_MANAGED: global external Application Load Balancer; EXTERNAL: the classic one. Immutable."),
  healthCheck: HealthCheckSpec,
  backendServices: z
    .array(BackendServiceSpec)
    .min(1)
    .max(10)
    .meta({ "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["name"] })
    .describe("Backend services by key (<name>-bs-<key>); removing one deletes it once the URL map no longer uses it."),
  urlMap: UrlMapSpec.optional(),
  frontend: FrontendSpec.prefault({}),
});
export type LoadBalancerParameters = z.infer<typeof LoadBalancerParameters>;

const SubResource = z.object({
  name: z.string(),
  selfLink: z.string().optional(),
  exists: z.boolean(),
});

export const LoadBalancerObservation = z.object({
  ipAddress: z.string().optional().describe("The IP address the forwarding rule listens on."),
  healthCheck: SubResource.optional(),
  backendServices: z
    .array(SubResource.extend({ key: z.string(), stale: z.boolean().optional().describe("No longer in spec: deleted once unused.") }))
    .optional(),
  urlMap: SubResource.optional(),
  targetProxy: SubResource.optional(),
  address: SubResource.optional(),
  forwardingRule: SubResource.extend({ portRange: z.string().optional() }).optional(),
});
export type LoadBalancerObservation = z.infer<typeof LoadBalancerObservation>;

const KEY_EXISTS = (expr: string): string => `self.backendServices.exists(b, b.name == ${expr})`;

export const forProviderRules: readonly CelRule[] = [
  ...immutable(["loadBalancingScheme"], KIND),
  {
    rule: "self.frontend.protocol == oldSelf.frontend.protocol",
    message: "frontend.protocol is immutable: create a new LoadBalancer with the other protocol (and delete this one) instead of changing it",
  },
  {
    rule: "self.frontend.address == oldSelf.frontend.address",
    message: "frontend.address is immutable (the forwarding rule's IP cannot change): create a new LoadBalancer (and delete this one) instead of changing it",
  },
  {
    rule: "!has(oldSelf.frontend.port) || (has(self.frontend.port) && self.frontend.port == oldSelf.frontend.port)",
    message: "frontend.port cannot be changed once set: create a new LoadBalancer with the new port (and delete this one) instead",
  },
  { rule: `!has(self.urlMap) || ${KEY_EXISTS("self.urlMap.defaultService")}`, message: "urlMap.defaultService must be the name of one of backendServices" },
  {
    rule: `!has(self.urlMap) || !has(self.urlMap.pathMatchers) || self.urlMap.pathMatchers.all(m, ${KEY_EXISTS("m.defaultService")} && (!has(m.pathRules) || m.pathRules.all(r, ${KEY_EXISTS("r.service")})))`,
    message: "urlMap.pathMatchers: every defaultService and pathRules[].service must be the name of one of backendServices",
  },
  {
    rule: "!has(self.urlMap) || !has(self.urlMap.hostRules) || self.urlMap.hostRules.all(h, has(self.urlMap.pathMatchers) && self.urlMap.pathMatchers.exists(m, m.name == h.pathMatcher))",
    message: "urlMap.hostRules[].pathMatcher must be the name of one of urlMap.pathMatchers",
  },
];

export const loadBalancerKind: ManagedKind<typeof LoadBalancerParameters, typeof LoadBalancerObservation> = {
  group: GCP_GROUP,
  version: GCP_VERSION,
  kind: KIND,
  plural: "loadbalancers",
  shortNames: ["gcplb"],
  description: "A global external Application Load Balancer: health check, backend services, URL map, target HTTP(S) proxy, address and forwarding rule.",
  forProvider: LoadBalancerParameters,
  atProvider: LoadBalancerObservation,
  forProviderRules,
  printerColumns: [
    { name: "PROTOCOL", type: "string", jsonPath: ".spec.forProvider.frontend.protocol" },
    { name: "IP", type: "string", jsonPath: ".status.atProvider.ipAddress" },
  ],
};

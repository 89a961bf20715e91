import type { protos } from "@google-cloud/compute";
import type { computeClients } from "./gcp.ts";

// A global external Application Load Balancer and a Cloud CDN front end made the way
// terraform-provider-google v5 makes them (the official @google-cloud/compute clients straight at
// the GCP emulator), under Terraform-style names Terraplane would never derive; and the state
// attributes Terraform records for each part (compare migrate/terraform/testdata/google-provider-v6.tfstate).

type Compute = ReturnType<typeof computeClients>;
type Resource = { name?: string | null; selfLink?: string | null };

export const INSTANCE_GROUP = "https://www.googleapis.com/compute/v1/projects/tp-groups/zones/europe-west1-b/instanceGroups/web";

/** Waits for a global operation (a test may wait; controllers never do). */
async function done(compute: Compute, project: string, started: Promise<[{ latestResponse?: { name?: string | null } | null }, ...unknown[]]>): Promise<void> {
  const [lro] = await started;
  const operation = lro.latestResponse?.name ?? "";
  for (let i = 0; i < 300; i++) {
    const [op] = await compute.globalOperations.wait({ project, operation });
    if (op.status === "DONE") {
      if (op.error) throw new Error(`operation ${operation} failed: ${JSON.stringify(op.error)}`);
      return;
    }
  }
  throw new Error(`operation ${operation} not DONE`);
}

const link = (project: string, collection: string, name: string): string => `https://www.googleapis.com/compute/v1/projects/${project}/global/${collection}/${name}`;

export interface GcpLbNames {
  readonly healthCheck: string;
  readonly backendService: string;
  readonly urlMap: string;
  readonly proxy: string;
  readonly address: string;
  readonly forwardingRule: string;
}

export interface GcpLbMade {
  readonly healthCheck: protos.google.cloud.compute.v1.IHealthCheck;
  readonly backendService: protos.google.cloud.compute.v1.IBackendService;
  readonly urlMap: protos.google.cloud.compute.v1.IUrlMap;
  readonly proxy: protos.google.cloud.compute.v1.ITargetHttpProxy;
  readonly address: protos.google.cloud.compute.v1.IAddress;
  readonly forwardingRule: protos.google.cloud.compute.v1.IForwardingRule;
}

/** Proxy, address and forwarding rule in front of `urlMap`: what the load balancer and the CDN share. */
async function frontEnd(compute: Compute, project: string, n: Pick<GcpLbNames, "urlMap" | "proxy" | "address" | "forwardingRule">) {
  await done(compute, project, compute.targetHttpProxies.insert({ project, targetHttpProxyResource: { name: n.proxy, urlMap: link(project, "urlMaps", n.urlMap) } }));
  await done(compute, project, compute.globalAddresses.insert({ project, addressResource: { name: n.address, addressType: "EXTERNAL", ipVersion: "IPV4" } }));
  const [address] = await compute.globalAddresses.get({ project, address: n.address });
  await done(
    compute,
    project,
    compute.globalForwardingRules.insert({
      project,
      forwardingRuleResource: { name: n.forwardingRule, IPAddress: address.address, IPProtocol: "TCP", portRange: "80", loadBalancingScheme: "EXTERNAL_MANAGED", target: link(project, "targetHttpProxies", n.proxy) },
    }),
  );
  const [proxy] = await compute.targetHttpProxies.get({ project, targetHttpProxy: n.proxy });
  const [forwardingRule] = await compute.globalForwardingRules.get({ project, forwardingRule: n.forwardingRule });
  const [urlMap] = await compute.urlMaps.get({ project, urlMap: n.urlMap });
  return { proxy, address, forwardingRule, urlMap };
}

export async function createGcpLoadBalancer(compute: Compute, project: string, n: GcpLbNames): Promise<GcpLbMade> {
  await done(
    compute,
    project,
    compute.healthChecks.insert({
      project,
      healthCheckResource: { name: n.healthCheck, type: "HTTP", checkIntervalSec: 10, timeoutSec: 5, healthyThreshold: 2, unhealthyThreshold: 3, httpHealthCheck: { port: 8080, requestPath: "/healthz", portSpecification: "USE_FIXED_PORT" } },
    }),
  );
  await done(
    compute,
    project,
    compute.backendServices.insert({
      project,
      backendServiceResource: {
        name: n.backendService,
        loadBalancingScheme: "EXTERNAL_MANAGED",
        protocol: "HTTP",
        portName: "http",
        timeoutSec: 30,
        healthChecks: [link(project, "healthChecks", n.healthCheck)],
        backends: [{ group: INSTANCE_GROUP, balancingMode: "UTILIZATION", capacityScaler: 1, maxUtilization: 0.8 }],
      },
    }),
  );
  await done(compute, project, compute.urlMaps.insert({ project, urlMapResource: { name: n.urlMap, defaultService: link(project, "backendServices", n.backendService) } }));
  const [healthCheck] = await compute.healthChecks.get({ project, healthCheck: n.healthCheck });
  const [backendService] = await compute.backendServices.get({ project, backendService: n.backendService });
  return { healthCheck, backendService, ...(await frontEnd(compute, project, n)) };
}

export interface GcpCdnNames {
  readonly backendBucket: string;
  readonly bucket: string;
  readonly urlMap: string;
  readonly proxy: string;
  readonly address: string;
  readonly forwardingRule: string;
}

export interface GcpCdnMade {
  readonly backendBucket: protos.google.cloud.compute.v1.IBackendBucket;
  readonly urlMap: protos.google.cloud.compute.v1.IUrlMap;
  readonly proxy: protos.google.cloud.compute.v1.ITargetHttpProxy;
  readonly address: protos.google.cloud.compute.v1.IAddress;
  readonly forwardingRule: protos.google.cloud.compute.v1.IForwardingRule;
}

export async function createGcpCdn(compute: Compute, project: string, n: GcpCdnNames): Promise<GcpCdnMade> {
  await done(
    compute,
    project,
    compute.backendBuckets.insert({
      project,
      backendBucketResource: { name: n.backendBucket, bucketName: n.bucket, enableCdn: true, cdnPolicy: { cacheMode: "CACHE_ALL_STATIC", defaultTtl: 3600, maxTtl: 86400, clientTtl: 3600 } },
    }),
  );
  await done(compute, project, compute.urlMaps.insert({ project, urlMapResource: { name: n.urlMap, defaultService: link(project, "backendBuckets", n.backendBucket) } }));
  const [backendBucket] = await compute.backendBuckets.get({ project, backendBucket: n.backendBucket });
  return { backendBucket, ...(await frontEnd(compute, project, n)) };
}

// ---- state attributes ----

const common = (r: Resource, project: string): Record<string, unknown> => ({
  creation_timestamp: "2026-11-01T10:00:00.000-07:00",
  id: (r.selfLink ?? "").replace(/^https:\/\/[^/]+\/compute\/v1\//, ""),
  name: r.name,
  project,
  self_link: r.selfLink,
  timeouts: null,
});

export function healthCheckAttributes(hc: GcpLbMade["healthCheck"], project: string): Record<string, unknown> {
  return {
    ...common(hc, project),
    check_interval_sec: hc.checkIntervalSec,
    description: "",
    grpc_health_check: [],
    healthy_threshold: hc.healthyThreshold,
    http2_health_check: [],
    http_health_check: [{ host: "", port: hc.httpHealthCheck?.port, port_name: "", port_specification: "USE_FIXED_PORT", proxy_header: "NONE", request_path: hc.httpHealthCheck?.requestPath, response: "" }],
    https_health_check: [],
    log_config: [{ enable: false }],
    source_regions: [],
    ssl_health_check: [],
    tcp_health_check: [],
    timeout_sec: hc.timeoutSec,
    type: "HTTP",
    unhealthy_threshold: hc.unhealthyThreshold,
  };
}

export function backendServiceAttributes(bs: GcpLbMade["backendService"], project: string): Record<string, unknown> {
  return {
    ...common(bs, project),
    affinity_cookie_ttl_sec: 0,
    backend: (bs.backends ?? []).map((b) => ({
      balancing_mode: b.balancingMode,
      capacity_scaler: b.capacityScaler,
      custom_metrics: [],
      description: "",
      group: b.group,
      max_connections: 0,
      max_connections_per_endpoint: 0,
      max_connections_per_instance: 0,
      max_rate: 0,
      max_rate_per_endpoint: 0,
      max_rate_per_instance: 0,
      max_utilization: b.maxUtilization,
    })),
    cdn_policy: [],
    circuit_breakers: [],
    compression_mode: "",
    connection_draining_timeout_sec: 300,
    consistent_hash: [],
    custom_request_headers: [],
    custom_response_headers: [],
    description: "",
    edge_security_policy: "",
    enable_cdn: false,
    fingerprint: bs.fingerprint,
    generated_id: 1234567890123456,
    health_checks: bs.healthChecks,
    iap: [{ enabled: false, oauth2_client_id: "", oauth2_client_secret: "", oauth2_client_secret_sha256: "" }],
    load_balancing_scheme: bs.loadBalancingScheme,
    locality_lb_policies: [],
    locality_lb_policy: "",
    log_config: [{ enable: false, optional_fields: [], optional_mode: "", sample_rate: 0 }],
    outlier_detection: [],
    port_name: bs.portName,
    protocol: bs.protocol,
    security_policy: "",
    security_settings: [],
    session_affinity: "NONE",
    timeout_sec: bs.timeoutSec,
  };
}

export function backendBucketAttributes(bb: GcpCdnMade["backendBucket"], project: string): Record<string, unknown> {
  const p = bb.cdnPolicy;
  return {
    ...common(bb, project),
    bucket_name: bb.bucketName,
    cdn_policy: [
      {
        bypass_cache_on_request_headers: [],
        cache_key_policy: [],
        cache_mode: p?.cacheMode,
        client_ttl: p?.clientTtl,
        default_ttl: p?.defaultTtl,
        max_ttl: p?.maxTtl,
        negative_caching: p?.negativeCaching ?? false,
        negative_caching_policy: [],
        request_coalescing: p?.requestCoalescing ?? true,
        serve_while_stale: p?.serveWhileStale ?? 0,
        signed_url_cache_max_age_sec: 0,
      },
    ],
    compression_mode: "",
    custom_response_headers: [],
    description: "",
    edge_security_policy: "",
    enable_cdn: true,
  };
}

export function urlMapAttributes(um: GcpLbMade["urlMap"], project: string): Record<string, unknown> {
  return {
    ...common(um, project),
    default_custom_error_response_policy: [],
    default_route_action: [],
    default_service: um.defaultService,
    default_url_redirect: [],
    description: "",
    fingerprint: um.fingerprint,
    header_action: [],
    host_rule: [],
    map_id: 5164200006677138,
    path_matcher: [],
    test: [],
  };
}

export function httpProxyAttributes(proxy: GcpLbMade["proxy"], project: string): Record<string, unknown> {
  return { ...common(proxy, project), description: "", http_keep_alive_timeout_sec: 0, proxy_bind: false, proxy_id: 2300135164097312, url_map: proxy.urlMap };
}

export function globalAddressAttributes(a: GcpLbMade["address"], project: string): Record<string, unknown> {
  return {
    ...common(a, project),
    address: a.address,
    address_type: "EXTERNAL",
    description: "",
    effective_labels: { "goog-terraform-provisioned": "true" },
    ip_version: "",
    label_fingerprint: "z",
    labels: {},
    network: "",
    prefix_length: 0,
    purpose: "",
    terraform_labels: { "goog-terraform-provisioned": "true" },
  };
}

export function forwardingRuleAttributes(fr: GcpLbMade["forwardingRule"], project: string): Record<string, unknown> {
  return {
    ...common(fr, project),
    base_forwarding_rule: "",
    description: "",
    effective_labels: { "goog-terraform-provisioned": "true" },
    forwarding_rule_id: 4444444444444444,
    ip_address: fr.IPAddress,
    ip_protocol: "TCP",
    ip_version: "",
    label_fingerprint: "z",
    labels: {},
    load_balancing_scheme: fr.loadBalancingScheme,
    metadata_filters: [],
    network: "",
    network_tier: "PREMIUM",
    no_automate_dns_zone: null,
    port_range: fr.portRange,
    psc_connection_id: "",
    psc_connection_status: "",
    service_directory_registrations: [],
    source_ip_ranges: [],
    subnetwork: "",
    target: fr.target,
    terraform_labels: { "goog-terraform-provisioned": "true" },
  };
}

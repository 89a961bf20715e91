import type { z } from "zod";
import { loadBalancerKind } from "../../../providers/gcp/loadbalancer/schema.ts";
import type { Backend, BackendServiceSpec, FrontendSpec, HealthCheckSpec, LoadBalancerParameters, UrlMapSpec } from "../../../providers/gcp/loadbalancer/schema.ts";
import { Attrs } from "../attrs.ts";
import { defined, Findings } from "../mapping.ts";
import type { LossTable, MappedResource } from "../mapping.ts";
import { keyName } from "../names.ts";
import type { TfInstance } from "../state.ts";
import type { Chain, Frontend } from "./chain.ts";
import { chainAddresses } from "./chain.ts";
import { frontendFields, frontendPartNames, partNamesNote } from "./frontend-parts.ts";

// A chain ending in backend services without Cloud CDN → one gcp LoadBalancer. The scheme is taken
// from the state: Terraform's classic load balancer is EXTERNAL, Terraplane's default
// EXTERNAL_MANAGED, and leaving it unset would be a different load balancer.

type Params = z.input<typeof LoadBalancerParameters>;
type Service = z.input<typeof BackendServiceSpec>;
const NOT_EXPRESSIBLE = "the gcp LoadBalancer kind cannot express it";

const SERVICE_LOSSES: LossTable = [
  ["session_affinity", "NONE"],
  ["connection_draining_timeout_sec", 300],
  ["affinity_cookie_ttl_sec", 0],
  ["security_policy", ""],
  ["edge_security_policy", ""],
  ["iap.0.enabled", false],
  ["custom_request_headers", []],
  ["custom_response_headers", []],
  ["log_config.0.enable", false],
  ["locality_lb_policy", ""],
  ["circuit_breakers", []],
  ["outlier_detection", []],
  ["consistent_hash", []],
  ["description", ""],
];
const HC_LOSSES: LossTable = [
  ["description", ""],
  ["log_config.0.enable", false],
];
const HC_BLOCK_LOSSES: LossTable = [
  ["host", ""],
  ["proxy_header", "NONE"],
  ["response", ""],
];

const HC_BLOCK = { HTTP: "http_health_check", HTTPS: "https_health_check", TCP: "tcp_health_check" } as const;
const within = (v: number | undefined, min: number, max: number): number | undefined => (v !== undefined && v >= min && v <= max ? v : undefined);

/** The health check as the kind's spec, or why it cannot be one. */
function healthCheck(hc: TfInstance, f: Findings): z.input<typeof HealthCheckSpec> | string {
  const a = new Attrs(hc.attributes);
  const type = a.str("type");
  if (type !== "HTTP" && type !== "HTTPS" && type !== "TCP") return `health check type ${type ?? "(none)"}: ${NOT_EXPRESSIBLE}`;
  const block = a.block(HC_BLOCK[type]) ?? new Attrs({});
  f.dropNonDefault(hc, HC_LOSSES, NOT_EXPRESSIBLE);
  f.dropNonDefault(hc, HC_BLOCK_LOSSES.map(([p, d]) => [`${HC_BLOCK[type]}.0.${p}`, d] as const), NOT_EXPRESSIBLE);
  if (block.str("port_specification") && block.str("port_specification") !== "USE_FIXED_PORT") {
    f.drop(hc.address, `${HC_BLOCK[type]}.0.port_specification`, `${block.str("port_specification")}: ${NOT_EXPRESSIBLE}`);
  }
  const path = block.str("request_path");
  return defined<z.input<typeof HealthCheckSpec>>({
    type,
    port: within(block.int("port"), 1, 65535),
    requestPath: type !== "TCP" && path?.startsWith("/") ? path : undefined,
    checkIntervalSec: within(a.int("check_interval_sec"), 1, 300),
    timeoutSec: within(a.int("timeout_sec"), 1, 300),
    healthyThreshold: within(a.int("healthy_threshold"), 1, 10),
    unhealthyThreshold: within(a.int("unhealthy_threshold"), 1, 10),
  });
}

function backend(b: Attrs): z.input<typeof Backend> {
  const mode = b.str("balancing_mode");
  return defined({
    group: b.str("group") ?? "",
    balancingMode: mode === "UTILIZATION" || mode === "RATE" || mode === "CONNECTION" ? mode : undefined,
    capacityScaler: b.num("capacity_scaler"),
    maxUtilization: mode === "UTILIZATION" ? b.num("max_utilization") : undefined,
    // Newer providers record 0 for "not set"; only RATE mode uses it.
    maxRatePerInstance: mode === "RATE" || (b.num("max_rate_per_instance") ?? 0) > 0 ? b.num("max_rate_per_instance") : undefined,
  });
}

function service(bs: TfInstance, key: string, f: Findings): Service {
  const a = new Attrs(bs.attributes);
  f.dropNonDefault(bs, SERVICE_LOSSES, NOT_EXPRESSIBLE);
  a.blocks("backend").forEach((b, i) => {
    for (const k of ["max_rate", "max_connections", "max_connections_per_instance", "max_connections_per_endpoint", "max_rate_per_endpoint"]) {
      if (b.num(k) !== undefined && b.num(k) !== 0) f.drop(bs.address, `backend.${i}.${k}`, NOT_EXPRESSIBLE);
    }
  });
  const protocol = a.str("protocol");
  const portName = a.str("port_name");
  return defined({
    name: key,
    protocol: protocol === "HTTP" || protocol === "HTTPS" || protocol === "HTTP2" ? protocol : undefined,
    portName: portName && /^[a-z]([-a-z0-9]*[a-z0-9])?$/.test(portName) ? portName : undefined,
    timeoutSec: within(a.int("timeout_sec"), 1, 86400),
    backends: a.blocks("backend").map(backend),
  });
}

/** Keys per backend service (self-link → key), unique, from the services' names. */
function serviceKeys(services: readonly TfInstance[]): Map<string, string> {
  const keys = new Map<string, string>();
  const used = new Set<string>();
  for (const s of services) {
    const base = keyName(new Attrs(s.attributes).str("name") ?? s.name, 20);
    let key = base;
    for (let n = 2; used.has(key); n++) key = keyName(`${base.slice(0, 16)}-${n}`, 20);
    used.add(key);
    for (const id of ["self_link", "id", "name"]) {
      const v = new Attrs(s.attributes).str(id);
      if (v) keys.set(v, key);
    }
  }
  return keys;
}

function keyOf(keys: ReadonlyMap<string, string>, ref: string | undefined): string | undefined {
  if (!ref) return undefined;
  return keys.get(ref) ?? [...keys.entries()].find(([id]) => id.endsWith(ref) || ref.endsWith(id.replace(/^https?:\/\/[^/]+\/compute\/[a-z0-9]+\//, "")))?.[1];
}

function urlMap(urlMapInst: TfInstance, keys: ReadonlyMap<string, string>, f: Findings): z.input<typeof UrlMapSpec> | undefined {
  const a = new Attrs(urlMapInst.attributes);
  const defaultService = keyOf(keys, a.str("default_service"));
  if (!defaultService) return undefined;
  const matchers = a.blocks("path_matcher").map((m) => ({
    name: m.str("name") ?? "",
    defaultService: keyOf(keys, m.str("default_service")) ?? "",
    pathRules: m.blocks("path_rule").map((r) => ({ paths: r.strings("paths"), service: keyOf(keys, r.str("service")) ?? "" })),
    routeRules: m.blocks("route_rules").length + m.blocks("default_url_redirect").length,
  }));
  const expressible = matchers.every((m) => /^[a-z]([-a-z0-9]*[a-z0-9])?$/.test(m.name) && m.name.length <= 20 && m.defaultService && m.pathRules.every((r) => r.service && r.paths.length > 0) && m.routeRules === 0);
  if (!expressible) {
    f.drop(urlMapInst.address, "path_matcher", `route rules, redirects or names beyond the kind's limits: ${NOT_EXPRESSIBLE}`);
    return { defaultService };
  }
  const hostRules = a.blocks("host_rule").map((h) => ({ hosts: h.strings("hosts"), pathMatcher: h.str("path_matcher") ?? "" }));
  return defined({
    defaultService,
    hostRules: hostRules.length > 0 ? hostRules : undefined,
    pathMatchers: matchers.length > 0 ? matchers.map(({ routeRules: _r, pathRules, ...m }) => ({ ...m, ...(pathRules.length > 0 ? { pathRules } : {}) })) : undefined,
  });
}

function scheme(chain: Chain, primary: TfInstance): "EXTERNAL" | "EXTERNAL_MANAGED" | undefined {
  const value = new Attrs(primary.attributes).str("load_balancing_scheme") ?? chain.backends.map((b) => new Attrs(b.attributes).str("load_balancing_scheme")).find((s) => s) ?? "EXTERNAL";
  return value === "EXTERNAL" || value === "EXTERNAL_MANAGED" ? value : undefined;
}

/** The address: an address reserved in the state is used as Existing; a bare IP is dropped (Ephemeral). */
function addressOf(primary: Frontend, f: Findings): NonNullable<z.input<typeof FrontendSpec>["address"]> {
  if (primary.address) {
    const a = new Attrs(primary.address.attributes);
    return { mode: "Existing", name: a.str("self_link") ?? a.str("name") ?? "" };
  }
  const rule = new Attrs(primary.rule.attributes);
  if (rule.str("ip_address")) f.drop(primary.rule.address, "ip_address", "an IP address no google_compute_global_address in this state holds: the manifest says Ephemeral");
  return defined({ mode: "Ephemeral" as const, ipVersion: rule.str("ip_version") === "IPV6" ? ("IPV6" as const) : undefined });
}

/** The chain as a gcp LoadBalancer, or why it cannot be one. */
export function mapLoadBalancer(chain: Chain): MappedResource | string {
  const f = new Findings();
  const hc = chain.healthChecks[0];
  if (!hc) return "its backend services' health check is not in this state: the LoadBalancer kind needs one";
  const check = healthCheck(hc, f);
  if (typeof check === "string") return check;
  for (const other of chain.healthChecks.slice(1)) f.drop(other.address, "*", `a second health check (${hc.address} is the one kept): the kind has one for all backend services`);
  const front = frontendFields(chain, f, "LoadBalancer");
  const lbScheme = scheme(chain, front.primary.rule);
  if (!lbScheme) return `load_balancing_scheme ${new Attrs(front.primary.rule.attributes).str("load_balancing_scheme")}: the LoadBalancer kind is a global external Application Load Balancer`;
  if (lbScheme === "EXTERNAL") f.note(`${front.primary.rule.address}: loadBalancingScheme EXTERNAL (the classic load balancer, as Terraform made it) is set explicitly; Terraplane's default is EXTERNAL_MANAGED`);
  const keys = serviceKeys(chain.backends);
  const backendServices = chain.backends.map((bs) => service(bs, keyOf(keys, new Attrs(bs.attributes).str("self_link")) ?? bs.name, f));
  const params: Params = defined({
    loadBalancingScheme: lbScheme,
    healthCheck: check,
    backendServices,
    urlMap: urlMap(front.primary.urlMap, keys, f),
    frontend: defined({
      protocol: front.protocol,
      sslCertificates: front.sslCertificates,
      port: front.port,
      address: addressOf(front.primary, f),
    }),
  });
  const name = new Attrs(front.primary.rule.attributes).str("name") ?? front.primary.rule.name;
  const partNames = {
    healthCheck: new Attrs(hc.attributes).str("name") ?? hc.name,
    ...Object.fromEntries(chain.backends.map((bs, i) => [`backendServices[${backendServices[i]?.name ?? bs.name}]`, new Attrs(bs.attributes).str("name") ?? bs.name])),
    ...frontendPartNames(front.primary),
  };
  f.note(partNamesNote(front.primary.rule.address, partNames));
  return { kind: loadBalancerKind, primary: front.primary.rule, addresses: chainAddresses(chain, front.primary.rule), externalName: name, partNames, forProvider: params, ...f };
}

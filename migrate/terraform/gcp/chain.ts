import { Attrs } from "../attrs.ts";
import type { ImportContext, Skip } from "../mapping.ts";
import { ofTypes } from "../mapping.ts";
import type { TfInstance } from "../state.ts";

// The Google load-balancing chain as the state records it: global forwarding rule → target
// HTTP(S) proxy → URL map → backend services / buckets → health checks, and the global address
// the rule listens on. Chains are grouped by the backends they end in: two forwarding rules (HTTP
// and HTTPS on one IP) in front of the same backends are one load balancer or CDN with a second
// frontend, which the kinds cannot express and the mappers report.

export const TYPES = {
  forwardingRule: "google_compute_global_forwarding_rule",
  httpProxy: "google_compute_target_http_proxy",
  httpsProxy: "google_compute_target_https_proxy",
  urlMap: "google_compute_url_map",
  backendService: "google_compute_backend_service",
  backendBucket: "google_compute_backend_bucket",
  healthCheck: "google_compute_health_check",
  address: "google_compute_global_address",
  managedCertificate: "google_compute_managed_ssl_certificate",
  certificate: "google_compute_ssl_certificate",
} as const;

/** One forwarding rule with the proxy and URL map behind it. */
export interface Frontend {
  readonly rule: TfInstance;
  readonly proxy: TfInstance;
  readonly urlMap: TfInstance;
  /** The reserved global address the rule's IP belongs to, when it is in the state. */
  readonly address: TfInstance | undefined;
}

/** Frontends that share their backends, with those backends and their health checks. */
export interface Chain {
  readonly frontends: readonly Frontend[];
  readonly backends: readonly TfInstance[];
  readonly healthChecks: readonly TfInstance[];
}

const attrs = (i: TfInstance): Attrs => new Attrs(i.attributes);

/** Every backend reference of a URL map: its default, path matchers' defaults and path rules. */
export function urlMapServices(urlMap: TfInstance): string[] {
  const a = attrs(urlMap);
  const matchers = a.blocks("path_matcher");
  return [
    ...(a.str("default_service") ? [a.str("default_service") ?? ""] : []),
    ...matchers.flatMap((m) => [...(m.str("default_service") ? [m.str("default_service") ?? ""] : []), ...m.blocks("path_rule").flatMap((r) => (r.str("service") ? [r.str("service") ?? ""] : []))]),
  ];
}

function addressOf(ctx: ImportContext, rule: TfInstance): TfInstance | undefined {
  const ip = attrs(rule).str("ip_address");
  if (!ip) return undefined;
  return ctx.refs.resolve(ip, [TYPES.address]) ?? ofTypes(ctx, [TYPES.address]).find((a) => attrs(a).str("address") === ip);
}

type Traced = { frontend: Frontend; backends: TfInstance[] } | { skip: Skip };

function trace(ctx: ImportContext, rule: TfInstance): Traced {
  const miss = (what: string, ref: string | undefined): Traced => ({
    skip: { address: rule.address, type: rule.type, reason: `${what} ${ref ?? "(none)"} is not in this state: the chain forwarding rule → proxy → URL map → backend is incomplete` },
  });
  const target = attrs(rule).str("target");
  const proxy = ctx.refs.resolve(target, [TYPES.httpProxy, TYPES.httpsProxy]);
  if (!proxy) return miss("its target", target);
  const mapRef = attrs(proxy).str("url_map");
  const urlMap = ctx.refs.resolve(mapRef, [TYPES.urlMap]);
  if (!urlMap) return miss(`${proxy.address}'s url_map`, mapRef);
  const refs = urlMapServices(urlMap);
  const backends = refs.map((r) => ctx.refs.resolve(r, [TYPES.backendService, TYPES.backendBucket]));
  const missing = refs.find((_, i) => backends[i] === undefined);
  if (missing !== undefined || refs.length === 0) return miss(`${urlMap.address}'s backend`, missing);
  const unique = [...new Set(backends.filter((b): b is TfInstance => b !== undefined))];
  return { frontend: { rule, proxy, urlMap, address: addressOf(ctx, rule) }, backends: unique };
}

function healthChecksOf(ctx: ImportContext, backends: readonly TfInstance[]): TfInstance[] {
  const found = backends.flatMap((b) => attrs(b).strings("health_checks").map((h) => ctx.refs.resolve(h, [TYPES.healthCheck])));
  return [...new Set(found.filter((h): h is TfInstance => h !== undefined))];
}

/** The chains of the state, and the forwarding rules whose chain is incomplete. */
export function chains(ctx: ImportContext): { chains: Chain[]; skipped: Skip[] } {
  const byBackends = new Map<string, { frontends: Frontend[]; backends: TfInstance[] }>();
  const skipped: Skip[] = [];
  for (const rule of ofTypes(ctx, [TYPES.forwardingRule])) {
    const traced = trace(ctx, rule);
    if ("skip" in traced) {
      skipped.push(traced.skip);
      continue;
    }
    const key = traced.backends
      .map((b) => b.address)
      .sort()
      .join("\n");
    const group = byBackends.get(key) ?? { frontends: [], backends: traced.backends };
    group.frontends.push(traced.frontend);
    byBackends.set(key, group);
  }
  const out = [...byBackends.values()].map((g) => ({ ...g, healthChecks: healthChecksOf(ctx, g.backends) }));
  return { chains: out, skipped };
}

/** All addresses of a chain's parts, `primary` (the object's namesake) first. */
export function chainAddresses(chain: Chain, primary?: TfInstance): string[] {
  const parts = [
    ...chain.frontends.flatMap((f) => [f.rule, f.proxy, f.urlMap, ...(f.address ? [f.address] : [])]),
    ...chain.backends,
    ...chain.healthChecks,
  ];
  return [...new Set([...(primary ? [primary] : []), ...parts].map((p) => p.address))];
}

/** The frontend the kind keeps (HTTPS first, then the lowest port); the rest are a second frontend. */
export function primaryFrontend(chain: Chain): { primary: Frontend; others: Frontend[] } {
  const port = (f: Frontend): number => Number.parseInt(attrs(f.rule).str("port_range") ?? "0", 10) || 0;
  const https = (f: (typeof chain.frontends)[number]): number => Number(f.proxy.type === TYPES.httpsProxy);
  const sorted = [...chain.frontends].sort((x, y) => https(y) - https(x) || port(x) - port(y) || (x.rule.address < y.rule.address ? -1 : 1));
  const [primary, ...others] = sorted;
  if (!primary) throw new Error("a chain without a frontend");
  return { primary, others };
}

import type { z } from "zod";
import { CACHE_MODES, cdnKind, MAX_TTL_SEC, NEGATIVE_CACHING_CODES } from "../../../providers/gcp/cdn/schema.ts";
import type { CdnParameters, Origin } from "../../../providers/gcp/cdn/schema.ts";
import { Attrs } from "../attrs.ts";
import { defined, Findings } from "../mapping.ts";
import type { LossTable, MappedResource } from "../mapping.ts";
import { computePath } from "../refs.ts";
import type { TfInstance } from "../state.ts";
import type { Chain, Frontend } from "./chain.ts";
import { chainAddresses, TYPES } from "./chain.ts";
import { frontendFields, frontendPartNames, partNamesNote } from "./frontend-parts.ts";

// A chain ending in one backend bucket or backend service with Cloud CDN → one gcp CDN. The cache
// settings come from cdn_policy, minus what the kind's rules forbid for the cache mode (Terraform
// records 0 TTLs under USE_ORIGIN_HEADERS, which Cloud CDN does not hold).

type Params = z.input<typeof CdnParameters>;
const NOT_EXPRESSIBLE = "the gcp CDN kind cannot express it";

const BACKEND_LOSSES: LossTable = [
  ["custom_response_headers", []],
  ["custom_request_headers", []],
  ["edge_security_policy", ""],
  ["security_policy", ""],
  ["compression_mode", "DISABLED"],
  ["cdn_policy.0.bypass_cache_on_request_headers", []],
  ["cdn_policy.0.cache_key_policy.0.query_string_whitelist", []],
  ["cdn_policy.0.cache_key_policy.0.include_http_headers", []],
  ["cdn_policy.0.signed_url_keys", []],
  ["session_affinity", "NONE"],
  ["connection_draining_timeout_sec", 300],
  ["log_config.0.enable", false],
];

const ttl = (v: number | undefined): number | undefined => (v !== undefined && v >= 0 && v <= MAX_TTL_SEC ? v : undefined);

function origin(backend: TfInstance, healthCheck: TfInstance | undefined): z.input<typeof Origin> | string {
  const a = new Attrs(backend.attributes);
  if (backend.type === TYPES.backendBucket) return { bucketName: a.str("bucket_name") ?? "" };
  const hc = new Attrs(healthCheck?.attributes ?? {}).str("self_link");
  if (!hc) return "its backend service's health check is not in this state: the CDN kind needs one";
  return { backendService: serviceOrigin(a, hc) };
}

function serviceOrigin(a: Attrs, hc: string): NonNullable<z.input<typeof Origin>["backendService"]> {
  const protocol = a.str("protocol");
  const portName = a.str("port_name");
  const timeout = a.int("timeout_sec");
  return defined<NonNullable<z.input<typeof Origin>["backendService"]>>({
    backends: a.blocks("backend").map((b) => defined({ group: computePath(b.str("group") ?? ""), capacityScaler: b.num("capacity_scaler") })),
    healthCheck: computePath(hc),
    protocol: protocol === "HTTP" || protocol === "HTTPS" || protocol === "HTTP2" ? protocol : undefined,
    portName: portName && /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/.test(portName) ? portName : undefined,
    timeoutSec: timeout !== undefined && timeout >= 1 && timeout <= 86_400 ? timeout : undefined,
  });
}

/** The cache settings, with the kind's per-mode rules applied. */
function cachePolicy(backend: TfInstance, f: Findings): Partial<Params> {
  const p = new Attrs(backend.attributes).block("cdn_policy");
  if (!p) return {};
  const mode = CACHE_MODES.find((m) => m === p.str("cache_mode"));
  const origin = mode === "USE_ORIGIN_HEADERS";
  const maxTtl = origin || mode === "FORCE_CACHE_ALL" ? undefined : ttl(p.int("max_ttl"));
  const within = (v: number | undefined): number | undefined => (v === undefined || maxTtl === undefined || v <= maxTtl ? v : undefined);
  const codes = p.blocks("negative_caching_policy").flatMap((n) => {
    const code = NEGATIVE_CACHING_CODES.find((c) => c === n.int("code"));
    const seconds = n.int("ttl");
    return code !== undefined && seconds !== undefined && seconds <= 1800 ? [{ code, ttl: seconds }] : [];
  });
  const negative = p.bool("negative_caching");
  const coalescing = p.bool("request_coalescing");
  if (p.str("cache_mode") && !mode) f.drop(backend.address, "cdn_policy.0.cache_mode", NOT_EXPRESSIBLE);
  return defined({
    cacheMode: mode,
    defaultTtl: origin ? undefined : within(ttl(p.int("default_ttl"))),
    maxTtl,
    clientTtl: origin ? undefined : within(ttl(p.int("client_ttl"))),
    negativeCaching: negative,
    negativeCachingPolicy: negative === true && codes.length > 0 ? codes : undefined,
    serveWhileStale: p.int("serve_while_stale"),
    requestCoalescing: coalescing,
    signedUrlCacheMaxAgeSec: ttl(p.int("signed_url_cache_max_age_sec")),
  });
}

/** The reserved address the CDN serves on; an IP no address in the state holds is dropped. */
function addressName(primary: Frontend, f: Findings): string | undefined {
  if (primary.address) return new Attrs(primary.address.attributes).str("name");
  if (new Attrs(primary.rule.attributes).str("ip_address")) {
    f.drop(primary.rule.address, "ip_address", "an IP address no google_compute_global_address in this state holds: the CDN kind would reserve its own");
  }
  return undefined;
}

/** The chain as a gcp CDN, or why it cannot be one. */
export function mapCdn(chain: Chain): MappedResource | string {
  const [backend, ...more] = chain.backends;
  if (!backend || more.length > 0) return `${chain.backends.length} backends behind one URL map: the CDN kind serves exactly one origin`;
  const f = new Findings();
  const source = origin(backend, chain.healthChecks[0]);
  if (typeof source === "string") return source;
  f.dropNonDefault(backend, BACKEND_LOSSES, NOT_EXPRESSIBLE);
  const front = frontendFields(chain, f, "CDN");
  const um = new Attrs(front.primary.urlMap.attributes);
  if (um.blocks("host_rule").length > 0 || um.blocks("path_matcher").length > 0) f.drop(front.primary.urlMap.address, "path_matcher", "host and path rules: the CDN kind routes everything to its origin");
  const description = new Attrs(backend.attributes).str("description");
  const params: Params = defined({
    origin: source,
    ...cachePolicy(backend, f),
    description: description && description.length <= 1024 ? description : undefined,
    frontend: defined({
      protocol: front.protocol,
      sslCertificates: front.sslCertificates,
      port: front.port,
      address: addressName(front.primary, f),
    }),
  });
  const name = new Attrs(backend.attributes).str("name") ?? backend.name;
  const partNames = { backend: name, ...frontendPartNames(front.primary) };
  f.note(partNamesNote(front.primary.rule.address, partNames));
  return { kind: cdnKind, primary: backend, addresses: chainAddresses(chain, backend), externalName: name, partNames, forProvider: params, ...f };
}

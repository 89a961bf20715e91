import { diffField } from "../../../core/diff.ts";
import type { FieldDiff, Managed } from "../../../core/provider.ts";
import type { Address, ComputeApi, ForwardingRule, TargetHttpProxy, TargetHttpsProxy, UrlMap } from "./api.ts";
import { part } from "./chain.ts";
import type { Part } from "./chain.ts";
import { globalRef, normalizeRef } from "./names.ts";
import type { ChainNames } from "./names.ts";

// The serving front end shared by the LoadBalancer and CDN kinds: URL map → target HTTP(S) proxy →
// forwarding rule, and the global address the rule listens on. Desired-state builders, normalised
// diffs (references in one form, set-like lists sorted, what compute fills in ignored) and the call
// that corrects each difference (patch with fingerprint, setUrlMap, setSslCertificates, setTarget).

export interface PathRule {
  readonly paths: readonly string[];
  /** A reference to a backend service or bucket (any form compute accepts). */
  readonly service: string;
}

export interface PathMatcher {
  readonly name: string;
  readonly defaultService: string;
  readonly pathRules?: readonly PathRule[];
}

export interface HostRule {
  readonly hosts: readonly string[];
  readonly pathMatcher: string;
}

export interface UrlMapSpec {
  readonly defaultService: string;
  readonly hostRules?: readonly HostRule[];
  readonly pathMatchers?: readonly PathMatcher[];
}

export interface ProxySpec {
  readonly protocol: "HTTP" | "HTTPS";
  /** HTTPS only: SSL certificate references; the first is the primary one. */
  readonly sslCertificates?: readonly string[];
}

export type AddressSpec =
  /** Reserve a global address for this object (kept stable across forwarding-rule changes). */
  | { readonly mode: "Reserved"; readonly ipVersion?: "IPV4" | "IPV6" }
  /** Use an address reserved elsewhere (name or reference); never created or deleted. */
  | { readonly mode: "Existing"; readonly address: string }
  /** An ephemeral IP on the forwarding rule. */
  | { readonly mode: "Ephemeral"; readonly ipVersion?: "IPV4" | "IPV6" };

export interface ForwardingRuleSpec {
  /** Default 80 for HTTP, 443 for HTTPS. */
  readonly port?: number;
  readonly loadBalancingScheme: "EXTERNAL" | "EXTERNAL_MANAGED";
}

export interface FrontendSpec {
  readonly urlMap: UrlMapSpec;
  readonly proxy: ProxySpec;
  readonly address: AddressSpec;
  readonly forwardingRule: ForwardingRuleSpec;
}

/** Where diff paths of each front-end part go under spec.forProvider (defaults: urlMap, targetProxy, address, forwardingRule). */
export interface FrontendPaths {
  readonly urlMap?: string;
  readonly targetProxy?: string;
  readonly address?: string;
  readonly forwardingRule?: string;
}

export interface FrontendContext {
  readonly api: ComputeApi;
  readonly project: string;
  readonly owner: Managed;
  readonly names: ChainNames;
  /** The keys of the chain's parts the URL map routes to (its backends): it is created after them. */
  readonly routesTo: readonly string[];
  readonly paths?: FrontendPaths;
}

// ---- URL map --------------------------------------------------------------------------------

/** A URL map in normalised form: references canonical, host and path sets sorted, matchers by name. */
export interface NormalUrlMap {
  readonly defaultService: string;
  readonly hostRules: readonly { readonly hosts: readonly string[]; readonly pathMatcher: string }[];
  readonly pathMatchers: readonly { readonly name: string; readonly defaultService: string; readonly pathRules: readonly { readonly paths: readonly string[]; readonly service: string }[] }[];
}

const sorted = (xs: readonly string[] | null | undefined): string[] => [...(xs ?? [])].sort();
const byKey = <T>(key: (t: T) => string) => (a: T, b: T): number => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0);

type UrlMapLike = {
  defaultService?: string | null;
  hostRules?: readonly { hosts?: readonly string[] | null; pathMatcher?: string | null }[] | null;
  pathMatchers?: readonly { name?: string | null; defaultService?: string | null; pathRules?: readonly { paths?: readonly string[] | null; service?: string | null }[] | null }[] | null;
};

export function normalizeUrlMap(um: UrlMapLike, project: string): NormalUrlMap {
  const ref = (r: string | null | undefined): string => (r ? normalizeRef(r, project) : "");
  return {
    defaultService: ref(um.defaultService),
    hostRules: (um.hostRules ?? []).map((h) => ({ hosts: sorted(h.hosts), pathMatcher: h.pathMatcher ?? "" })).sort(byKey((h) => h.hosts.join(","))),
    pathMatchers: (um.pathMatchers ?? [])
      .map((pm) => ({
        name: pm.name ?? "",
        defaultService: ref(pm.defaultService),
        // compute matches the longest path first: the order of path rules carries no meaning.
        pathRules: (pm.pathRules ?? []).map((r) => ({ paths: sorted(r.paths), service: ref(r.service) })).sort(byKey((r) => r.paths.join(","))),
      }))
      .sort(byKey((pm) => pm.name)),
  };
}

export function urlMapBody(spec: UrlMapSpec, project: string): UrlMap {
  const n = normalizeUrlMap(spec, project);
  return {
    defaultService: n.defaultService,
    hostRules: n.hostRules.map((h) => ({ hosts: [...h.hosts], pathMatcher: h.pathMatcher })),
    pathMatchers: n.pathMatchers.map((pm) => ({ name: pm.name, defaultService: pm.defaultService, pathRules: pm.pathRules.map((r) => ({ paths: [...r.paths], service: r.service })) })),
  };
}

export function urlMapDiff(spec: UrlMapSpec, observed: UrlMap, project: string, path = "urlMap"): FieldDiff[] {
  const want = normalizeUrlMap(spec, project);
  const have = normalizeUrlMap(observed, project);
  return [
    ...diffField(`${path}.defaultService`, want.defaultService, have.defaultService),
    ...diffField(`${path}.hostRules`, want.hostRules, have.hostRules),
    ...diffField(`${path}.pathMatchers`, want.pathMatchers, have.pathMatchers),
  ];
}

export function urlMapPart(ctx: FrontendContext, spec: UrlMapSpec): Part {
  const desired = urlMapBody(spec, ctx.project);
  return part<UrlMap>({
    key: "urlMap",
    type: "URL map",
    collection: "urlMaps",
    name: ctx.names.urlMap,
    dependsOn: ctx.routesTo,
    project: ctx.project,
    owner: ctx.owner,
    api: ctx.api.urlMaps,
    desired,
    diff: (observed) => urlMapDiff(spec, observed, ctx.project, ctx.paths?.urlMap),
    // An update (PUT) of what was observed with the managed fields replaced: the clients drop empty
    // lists from a request, so a patch could never clear the last host rule; fields Terraplane does
    // not manage are sent back as they were.
    fix: (observed) => ctx.api.urlMaps.update(ctx.project, ctx.names.urlMap, { ...observed, ...desired, fingerprint: observed.fingerprint ?? null }),
  });
}

// ---- target proxy ---------------------------------------------------------------------------

export function proxyCollection(spec: ProxySpec): "targetHttpProxies" | "targetHttpsProxies" {
  return spec.protocol === "HTTPS" ? "targetHttpsProxies" : "targetHttpProxies";
}

export function proxyRef(ctx: Pick<FrontendContext, "project" | "names">, spec: ProxySpec): string {
  return globalRef(ctx.project, proxyCollection(spec), ctx.names.targetProxy);
}

export function proxyDiff(ctx: Pick<FrontendContext, "project" | "names" | "paths">, spec: ProxySpec, observed: TargetHttpsProxy): FieldDiff[] {
  const path = ctx.paths?.targetProxy ?? "targetProxy";
  const urlMap = globalRef(ctx.project, "urlMaps", ctx.names.urlMap);
  const observedUrlMap = observed.urlMap ? normalizeRef(observed.urlMap, ctx.project) : null;
  const diff = diffField(`${path}.urlMap`, urlMap, observedUrlMap);
  if (spec.protocol !== "HTTPS") return diff;
  // Order matters: the first certificate is the primary one.
  const certs = (spec.sslCertificates ?? []).map((c) => normalizeRef(c, ctx.project));
  const observedCerts = (observed.sslCertificates ?? []).map((c) => normalizeRef(c, ctx.project));
  return [...diff, ...diffField(`${path}.sslCertificates`, certs, observedCerts)];
}

export function proxyPart(ctx: FrontendContext, spec: ProxySpec): Part {
  const urlMap = globalRef(ctx.project, "urlMaps", ctx.names.urlMap);
  const common = { key: "targetProxy", name: ctx.names.targetProxy, dependsOn: ["urlMap"], project: ctx.project, owner: ctx.owner };
  const urlMapChanged = (diff: readonly FieldDiff[]): boolean => diff.some((d) => d.path.endsWith(".urlMap"));
  if (spec.protocol === "HTTPS") {
    const api = ctx.api.targetHttpsProxies;
    const certs = (spec.sslCertificates ?? []).map((c) => normalizeRef(c, ctx.project));
    return part<TargetHttpsProxy>({
      ...common,
      type: "target HTTPS proxy",
      collection: "targetHttpsProxies",
      api,
      desired: { urlMap, sslCertificates: certs },
      diff: (observed) => proxyDiff(ctx, spec, observed),
      fix: (_observed, diff) => (urlMapChanged(diff) ? api.setUrlMap(ctx.project, ctx.names.targetProxy, urlMap) : api.setSslCertificates(ctx.project, ctx.names.targetProxy, certs)),
    });
  }
  const api = ctx.api.targetHttpProxies;
  return part<TargetHttpProxy>({
    ...common,
    type: "target HTTP proxy",
    collection: "targetHttpProxies",
    api,
    desired: { urlMap },
    diff: (observed) => proxyDiff(ctx, spec, observed),
    fix: () => api.setUrlMap(ctx.project, ctx.names.targetProxy, urlMap),
  });
}

// ---- address and forwarding rule --------------------------------------------------------------

/** The address reference the forwarding rule uses, or undefined for an ephemeral IP. */
export function addressRef(ctx: Pick<FrontendContext, "project" | "names">, spec: AddressSpec): string | undefined {
  if (spec.mode === "Ephemeral") return undefined;
  if (spec.mode === "Reserved") return globalRef(ctx.project, "addresses", ctx.names.address);
  return spec.address.includes("/") ? normalizeRef(spec.address, ctx.project) : globalRef(ctx.project, "addresses", spec.address);
}

/** The reserved (or referenced) address part; undefined for an ephemeral IP. */
export function addressPart(ctx: FrontendContext, spec: AddressSpec): Part | undefined {
  const ref = addressRef(ctx, spec);
  if (ref === undefined) return undefined;
  const name = ref.split("/").pop() ?? ref;
  return part<Address>({
    key: "address",
    type: "global address",
    collection: "addresses",
    name,
    dependsOn: [],
    ...(spec.mode === "Existing" ? { external: true } : {}),
    project: ctx.project,
    owner: ctx.owner,
    api: ctx.api.globalAddresses,
    desired: { addressType: "EXTERNAL", ipVersion: spec.mode === "Reserved" ? (spec.ipVersion ?? "IPV4") : "IPV4" },
    labels: true,
    details: (observed): Record<string, string> => (observed.address ? { ipAddress: observed.address } : {}),
  });
}

export function defaultPort(proxy: ProxySpec): number {
  return proxy.protocol === "HTTPS" ? 443 : 80;
}

/** `80-80` (how compute reports a single port) → 80; a real range stays a string. */
export function portOf(portRange: string | null | undefined): number | string | undefined {
  if (!portRange) return undefined;
  const m = /^(\d+)(?:-(\d+))?$/.exec(portRange);
  if (!m) return portRange;
  return m[2] === undefined || m[2] === m[1] ? Number(m[1]) : portRange;
}

export function forwardingRuleBody(ctx: Pick<FrontendContext, "project" | "names">, spec: FrontendSpec): ForwardingRule {
  const ip = addressRef(ctx, spec.address);
  const ipVersion = spec.address.mode === "Ephemeral" ? spec.address.ipVersion : undefined;
  return {
    target: proxyRef(ctx, spec.proxy),
    portRange: String(spec.forwardingRule.port ?? defaultPort(spec.proxy)),
    IPProtocol: "TCP",
    loadBalancingScheme: spec.forwardingRule.loadBalancingScheme,
    ...(ip !== undefined ? { IPAddress: ip } : {}),
    ...(ipVersion !== undefined ? { ipVersion } : {}),
  };
}

/** Only the target can change in place (setTarget); port and scheme differences are reported as such. */
export function forwardingRuleDiff(ctx: Pick<FrontendContext, "project" | "names" | "paths">, spec: FrontendSpec, observed: ForwardingRule): FieldDiff[] {
  const path = ctx.paths?.forwardingRule ?? "forwardingRule";
  return [
    ...diffField(`${path}.target`, proxyRef(ctx, spec.proxy), observed.target ? normalizeRef(observed.target, ctx.project) : null),
    ...diffField(`${path}.port`, spec.forwardingRule.port ?? defaultPort(spec.proxy), portOf(observed.portRange) ?? null),
    ...diffField(`${path}.loadBalancingScheme`, spec.forwardingRule.loadBalancingScheme, observed.loadBalancingScheme ?? null),
  ];
}

export function forwardingRulePart(ctx: FrontendContext, spec: FrontendSpec): Part {
  const api = ctx.api.globalForwardingRules;
  const target = proxyRef(ctx, spec.proxy);
  return part<ForwardingRule>({
    key: "forwardingRule",
    type: "global forwarding rule",
    collection: "forwardingRules",
    name: ctx.names.forwardingRule,
    // The proxy it targets, and the address it listens on (none for an ephemeral IP).
    dependsOn: ["targetProxy", ...(addressRef(ctx, spec.address) !== undefined ? ["address"] : [])],
    project: ctx.project,
    owner: ctx.owner,
    api,
    desired: forwardingRuleBody(ctx, spec),
    labels: true,
    diff: (observed) => forwardingRuleDiff(ctx, spec, observed),
    // Only a wrong target can be corrected in place; otherwise the chain reports the difference.
    canFix: (diff) => diff.every((d) => d.path.endsWith(".target")),
    fix: () => api.setTarget(ctx.project, ctx.names.forwardingRule, target),
    details: (observed) => ({ ...(observed.IPAddress ? { ipAddress: observed.IPAddress } : {}), ...(observed.portRange ? { portRange: observed.portRange } : {}) }),
  });
}

/** The front end's parts: [address?], URL map (after what it routes to), proxy (after the URL map), forwarding rule (after proxy and address). */
export function frontendParts(ctx: FrontendContext, spec: FrontendSpec): Part[] {
  const address = addressPart(ctx, spec.address);
  return [...(address ? [address] : []), urlMapPart(ctx, spec.urlMap), proxyPart(ctx, spec.proxy), forwardingRulePart(ctx, spec)];
}

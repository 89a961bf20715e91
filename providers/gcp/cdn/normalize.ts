import { isDeepStrictEqual } from "node:util";
import type { protos } from "@google-cloud/compute";
import { diffField, diffFields } from "../../../core/diff.ts";
import type { Equality } from "../../../core/diff.ts";
import type { FieldDiff } from "../../../core/provider.ts";
import { CacheMode } from "./schema.ts";
import type { Backend, BackendServiceOrigin, CdnParameters, NegativeCachingPolicy } from "./schema.ts";

// Pure functions between compute's view of the CDN's backend (a backend bucket or a backend
// service with Cloud CDN) and forProvider: what the cloud holds, as forProvider fields
// (normalised: self-links in one form, 64-bit strings as numbers, sets sorted); the diff that
// needs an update; what to late-initialise; and the insert and update bodies.

export type BackendBucket = protos.google.cloud.compute.v1.IBackendBucket;
export type BackendService = protos.google.cloud.compute.v1.IBackendService;
type BucketPolicy = protos.google.cloud.compute.v1.IBackendBucketCdnPolicy;
type ServicePolicy = protos.google.cloud.compute.v1.IBackendServiceCdnPolicy;

/** The cdnPolicy fields forProvider holds, at the top level of forProvider. */
export const POLICY_FIELDS = [
  "cacheMode",
  "defaultTtl",
  "maxTtl",
  "clientTtl",
  "negativeCaching",
  "negativeCachingPolicy",
  "serveWhileStale",
  "requestCoalescing",
  "signedUrlCacheMaxAgeSec",
] as const satisfies readonly (keyof CdnParameters)[];
export type PolicyField = (typeof POLICY_FIELDS)[number];
export type PolicyParameters = Pick<CdnParameters, PolicyField>;

/** The backend as forProvider fields (undefined: the cloud says nothing about it). */
export interface ObservedBackend {
  /** Cloud CDN is on (enableCdn / enableCDN). */
  readonly enabled: boolean;
  readonly policy: PolicyParameters;
  readonly origin: CdnParameters["origin"];
  /** The user's part of the description (Terraplane's ownership line dropped). */
  readonly description: string | undefined;
}

type Int64 = number | string | { toString(): string } | null | undefined;

/** A 64-bit integer as the clients give it (string, number or Long). */
export function int(v: Int64): number | undefined {
  if (v === null || v === undefined) return undefined;
  const n = typeof v === "number" ? v : Number(v.toString());
  return Number.isFinite(n) ? n : undefined;
}

const text = (s: string | null | undefined): string | undefined => (s === null || s === undefined || s === "" ? undefined : s);
const num = (n: number | null | undefined): number | undefined => (n === null || n === undefined ? undefined : n);
const bool = (b: boolean | null | undefined): boolean | undefined => (b === null || b === undefined ? undefined : b);

/** Drops undefined values, so spreading a partial never overwrites with undefined. */
export function defined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>; // same keys, fewer of them
}

// ---------------------------------------------------------------------------------------------
// References and descriptions

const API_PREFIX = /^https:\/\/[a-z0-9.-]+\/compute\/(v1|beta|alpha)\//;

/**
 * A compute reference in one form, `projects/P/<scope>/<collection>/<name>`, whether it was given
 * as a full self-link (any API host or version), `projects/P/...` or relative to the project.
 */
export function canonicalRef(ref: string, project: string): string {
  const path = ref.replace(API_PREFIX, "");
  return path.startsWith("projects/") ? path : `projects/${project}/${path}`;
}

/** The full self-link compute stores for a reference. */
export function selfLinkOf(ref: string, project: string): string {
  return `https://www.googleapis.com/compute/v1/${canonicalRef(ref, project)}`;
}

/** The line Terraplane appends to the description of what it creates (see ownership.ts). */
export const OWNER_LINE_PREFIX = "Managed by Terraplane:";

/** The description sent: the user's, then Terraplane's ownership line. */
export function composeDescription(user: string | undefined, owner: string): string {
  return user ? `${user}\n${owner}` : owner;
}

/** The user's part of an observed description. */
export function userDescription(observed: string | null | undefined): string | undefined {
  const lines = (observed ?? "").split("\n").filter((l) => !l.startsWith(OWNER_LINE_PREFIX));
  return text(lines.join("\n"));
}

// ---------------------------------------------------------------------------------------------
// Observed

const byCode = (a: NegativeCachingPolicy, b: NegativeCachingPolicy): number => a.code - b.code;

export function sortNegativePolicy(list: readonly NegativeCachingPolicy[]): NegativeCachingPolicy[] {
  return list.map((p) => ({ code: p.code, ttl: p.ttl })).sort(byCode);
}

function policyOf(p: BucketPolicy | ServicePolicy | null | undefined): PolicyParameters {
  if (!p) return {};
  const negative = (p.negativeCachingPolicy ?? []).flatMap((n) => (n.code === null || n.code === undefined ? [] : [{ code: n.code, ttl: n.ttl ?? 0 }]));
  return defined({
    cacheMode: CacheMode.safeParse(p.cacheMode).data,
    defaultTtl: num(p.defaultTtl),
    maxTtl: num(p.maxTtl),
    clientTtl: num(p.clientTtl),
    negativeCaching: bool(p.negativeCaching),
    negativeCachingPolicy: negative.length > 0 ? sortNegativePolicy(negative) : undefined,
    serveWhileStale: num(p.serveWhileStale),
    requestCoalescing: bool(p.requestCoalescing),
    signedUrlCacheMaxAgeSec: int(p.signedUrlCacheMaxAgeSec),
  });
}

export function observedBucket(bb: BackendBucket): ObservedBackend {
  return {
    enabled: bb.enableCdn === true,
    policy: policyOf(bb.cdnPolicy),
    origin: defined({ bucketName: text(bb.bucketName) }),
    description: userDescription(bb.description),
  };
}

const BALANCING_MODES = ["UTILIZATION", "RATE", "CONNECTION"] as const;
const isBalancingMode = (m: string | null | undefined): m is Backend["balancingMode"] & string => (BALANCING_MODES as readonly (string | null | undefined)[]).includes(m);
const SERVICE_PROTOCOLS = ["HTTP", "HTTPS", "HTTP2"] as const;
const isServiceProtocol = (p: string | null | undefined): p is NonNullable<BackendServiceOrigin["protocol"]> => (SERVICE_PROTOCOLS as readonly (string | null | undefined)[]).includes(p);

const byGroup = (a: Backend, b: Backend): number => (a.group < b.group ? -1 : a.group > b.group ? 1 : 0);

function backendsOf(bs: BackendService, project: string): Backend[] {
  return (bs.backends ?? [])
    .flatMap((b) => {
      const group = text(b.group);
      if (group === undefined) return [];
      const backend: Backend = {
        group: canonicalRef(group, project),
        ...defined({ maxUtilization: num(b.maxUtilization), maxRatePerInstance: num(b.maxRatePerInstance), capacityScaler: num(b.capacityScaler) }),
      };
      return [isBalancingMode(b.balancingMode) ? { ...backend, balancingMode: b.balancingMode } : backend];
    })
    .sort(byGroup);
}

export function observedService(bs: BackendService, project: string): ObservedBackend {
  const healthCheck = text(bs.healthChecks?.[0]);
  const service = {
    backends: backendsOf(bs, project),
    healthCheck: healthCheck === undefined ? "" : canonicalRef(healthCheck, project),
    ...defined({
      protocol: isServiceProtocol(bs.protocol) ? bs.protocol : undefined,
      port: num(bs.port),
      portName: text(bs.portName),
      timeoutSec: num(bs.timeoutSec),
    }),
  };
  return { enabled: bs.enableCDN === true, policy: policyOf(bs.cdnPolicy), origin: { backendService: service }, description: userDescription(bs.description) };
}

// ---------------------------------------------------------------------------------------------
// Diff

const SCALAR_POLICY_FIELDS = POLICY_FIELDS.filter((f) => f !== "negativeCachingPolicy");

function policyDiff(desired: CdnParameters, observed: PolicyParameters): FieldDiff[] {
  return [
    ...diffFields("", SCALAR_POLICY_FIELDS, desired, observed),
    ...diffField("negativeCachingPolicy", desired.negativeCachingPolicy && sortNegativePolicy(desired.negativeCachingPolicy), observed.negativeCachingPolicy ?? []),
  ];
}

const close = (a: number | undefined, b: number | undefined): boolean => a === b || (a !== undefined && b !== undefined && Math.abs(a - b) < 1e-6);

/** One desired backend against the observed one: only the fields the spec sets count. */
function backendMatches(want: Backend, have: Backend | undefined): boolean {
  if (!have) return false;
  if (want.balancingMode !== undefined && want.balancingMode !== have.balancingMode) return false;
  return (["maxUtilization", "maxRatePerInstance", "capacityScaler"] as const).every((f) => want[f] === undefined || close(want[f], have[f]));
}

/** Backends are a set by group; within one, only the fields the spec sets count. */
const sameBackends: Equality<Backend[]> = (wanted, observed = []) => wanted.length === observed.length && wanted.every((b) => backendMatches(b, observed.find((h) => h.group === b.group)));

const SERVICE_SCALARS = ["protocol", "port", "portName", "timeoutSec"] as const;

function serviceDiff(want: BackendServiceOrigin, have: BackendServiceOrigin | undefined, project: string): FieldDiff[] {
  const path = "origin.backendService";
  if (!have) return diffField(path, want, have);
  const wanted = want.backends.map((b) => ({ ...b, group: canonicalRef(b.group, project) })).sort(byGroup);
  return [
    ...diffField(`${path}.backends`, wanted, have.backends, sameBackends),
    ...diffField(`${path}.healthCheck`, canonicalRef(want.healthCheck, project), have.healthCheck),
    ...diffFields(path, SERVICE_SCALARS, want, have),
  ];
}

/** The fields where the backend differs from spec, by forProvider path. Unset fields are never fought. */
export function diffBackend(desired: CdnParameters, observed: ObservedBackend, project: string): FieldDiff[] {
  return [
    ...diffField("enableCdn", true, observed.enabled),
    ...diffField("origin.bucketName", desired.origin.bucketName, observed.origin.bucketName),
    ...(desired.origin.backendService ? serviceDiff(desired.origin.backendService, observed.origin.backendService, project) : []),
    ...policyDiff(desired, observed.policy),
    ...diffField("description", desired.description, observed.description),
  ];
}

// ---------------------------------------------------------------------------------------------
// Late initialisation

const LATE_INIT_POLICY = ["cacheMode", "defaultTtl", "maxTtl", "clientTtl", "negativeCaching", "serveWhileStale", "requestCoalescing", "signedUrlCacheMaxAgeSec"] as const;

/** Unset forProvider fields, filled from what the backend holds (Cloud CDN's defaults become the spec's). */
export function lateInitBackend(desired: CdnParameters, observed: ObservedBackend): Partial<CdnParameters> {
  if (!observed.enabled) return {};
  const out: Partial<Record<PolicyField, unknown>> = {};
  for (const f of LATE_INIT_POLICY) if (desired[f] === undefined && observed.policy[f] !== undefined) out[f] = observed.policy[f];
  const result = out as Partial<CdnParameters>; // keys and values come from PolicyParameters
  const want = desired.origin.backendService;
  const have = observed.origin.backendService;
  if (!want || !have) return result;
  const filled = { ...defined({ protocol: have.protocol, port: have.port, portName: have.portName, timeoutSec: have.timeoutSec }), ...defined(want) };
  return isDeepStrictEqual(filled, want) ? result : { ...result, origin: { backendService: { ...want, ...filled } } };
}

// ---------------------------------------------------------------------------------------------
// Request bodies

/** TTLs a cache mode does not use, which the API refuses to hold. */
export function ignoredTtls(mode: string | null | undefined): ("defaultTtl" | "maxTtl" | "clientTtl")[] {
  if (mode === "USE_ORIGIN_HEADERS") return ["defaultTtl", "maxTtl", "clientTtl"];
  if (mode === "FORCE_CACHE_ALL") return ["maxTtl"];
  return [];
}

/** The spec's cdnPolicy fields as the API names them. */
function policyBody(d: PolicyParameters): ServicePolicy & BucketPolicy {
  return defined({
    cacheMode: d.cacheMode,
    defaultTtl: d.defaultTtl,
    maxTtl: d.maxTtl,
    clientTtl: d.clientTtl,
    negativeCaching: d.negativeCaching,
    negativeCachingPolicy: d.negativeCachingPolicy ? sortNegativePolicy(d.negativeCachingPolicy) : undefined,
    serveWhileStale: d.serveWhileStale,
    requestCoalescing: d.requestCoalescing,
    signedUrlCacheMaxAgeSec: d.signedUrlCacheMaxAgeSec,
  });
}

/**
 * The cdnPolicy to send: what the cloud holds (fields Terraplane does not manage, such as the cache
 * key policy, are kept), overridden by the spec, without what the resulting cache mode forbids.
 */
export function cdnPolicyFor<P extends BucketPolicy | ServicePolicy>(desired: PolicyParameters, observed: P | null | undefined): P {
  const policy: P = { ...(observed ?? {}), ...policyBody(desired) } as P; // the spec's fields are common to both policy types
  for (const ttl of ignoredTtls(policy.cacheMode)) delete policy[ttl];
  if (policy.negativeCaching !== true) delete policy.negativeCachingPolicy;
  return policy;
}

function pick(params: CdnParameters): PolicyParameters {
  return Object.fromEntries(POLICY_FIELDS.map((f) => [f, params[f]]));
}

export function bucketInsertBody(name: string, params: CdnParameters, description: string): BackendBucket {
  return { name, bucketName: params.origin.bucketName ?? "", enableCdn: true, cdnPolicy: cdnPolicyFor(pick(params), undefined), description };
}

function serviceFields(origin: BackendServiceOrigin, project: string): BackendService {
  return defined({
    backends: origin.backends.map((b) => ({ ...b, group: selfLinkOf(b.group, project) })),
    healthChecks: [selfLinkOf(origin.healthCheck, project)],
    protocol: origin.protocol,
    port: origin.port,
    portName: origin.portName,
    timeoutSec: origin.timeoutSec,
  });
}

export function serviceInsertBody(name: string, params: CdnParameters, description: string, project: string): BackendService {
  const origin = params.origin.backendService;
  return {
    name,
    ...(origin ? serviceFields(origin, project) : {}),
    loadBalancingScheme: "EXTERNAL_MANAGED",
    enableCDN: true,
    cdnPolicy: cdnPolicyFor(pick(params), undefined),
    description,
  };
}

/** Output-only fields of compute resources, dropped from a read-modify-write body. */
const OUTPUT_ONLY = ["id", "creationTimestamp", "selfLink", "kind", "usedBy", "region"] as const;

function writable<T extends object>(resource: T): T {
  const out = { ...resource };
  for (const key of OUTPUT_ONLY) Reflect.deleteProperty(out, key);
  return out;
}

/** backendBuckets.update body: the bucket as observed, with the spec's fields over it. */
export function bucketUpdateBody(observed: BackendBucket, params: CdnParameters, description: string): BackendBucket {
  return {
    ...writable(observed),
    bucketName: params.origin.bucketName ?? observed.bucketName ?? "",
    enableCdn: true,
    cdnPolicy: cdnPolicyFor(pick(params), observed.cdnPolicy),
    description,
  };
}

/** backendServices.update body: the service as observed (its fingerprint included), with the spec's fields over it. */
export function serviceUpdateBody(observed: BackendService, params: CdnParameters, description: string, project: string): BackendService {
  const origin = params.origin.backendService;
  return {
    ...writable(observed),
    ...(origin ? serviceFields(origin, project) : {}),
    enableCDN: true,
    cdnPolicy: cdnPolicyFor(pick(params), observed.cdnPolicy),
    description,
  };
}

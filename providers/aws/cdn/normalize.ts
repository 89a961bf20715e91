import { isDeepStrictEqual } from "node:util";
import type {
  CustomOriginConfig,
  DefaultCacheBehavior,
  DistributionConfig,
  LoggingConfig,
  Method,
  Origin,
  ViewerCertificate,
} from "@aws-sdk/client-cloudfront";
import type { z } from "zod";
import { diffField, diffFields, sameSet } from "../../../core/diff.ts";
import type { Equality } from "../../../core/diff.ts";
import type { FieldDiff } from "../../../core/provider.ts";
import { userTags } from "../tags.ts";
import { CdnParameters } from "./schema.ts";
import type { CacheBehaviorSpec, LoggingSpec, OriginSpec, ViewerCertificateSpec } from "./schema.ts";

// DistributionConfig (CloudFront's wire shape) ↔ forProvider. Three directions:
// - fromDistributionConfig: the cloud as forProvider would say it (Quantity/Items lists flattened,
//   sets sorted, "" read as unset, knobs the user cannot set dropped);
// - diffCdn / lateInit: compare only what the user set; fill in what they left unset;
// - applyDesired: the desired fields laid over a config just read (or a skeleton for create), so
//   every field Terraplane does not manage (OriginShield, CustomHeaders, timeouts, CacheBehaviors,
//   CustomErrorResponses, Restrictions, WebACLId, ...) is sent back exactly as CloudFront returned it.

/** The distribution as forProvider would describe it: every field the user can set, normalised. */
export type ObservedCdn = Omit<CdnParameters, "region" | "tags" | "origins" | "defaultCacheBehavior" | "enabled" | "comment" | "priceClass"> & {
  /** As CloudFront says it (it may name a class this schema does not know yet). */
  readonly priceClass?: string;
  readonly origins: OriginSpec[];
  readonly defaultCacheBehavior: CacheBehaviorSpec;
  readonly enabled: boolean;
  readonly comment: string;
};

/** CloudFront's own defaults for the legacy cache settings (seconds). */
export const DEFAULT_TTL = 86_400;
export const MAX_TTL = 31_536_000;
const DEFAULT_METHODS: readonly ("GET" | "HEAD")[] = ["GET", "HEAD"];
const DEFAULT_ORIGIN_SSL: readonly "TLSv1.2"[] = ["TLSv1.2"];

function sorted<T extends string>(items: readonly T[] | undefined): T[] {
  return [...(items ?? [])].sort();
}

function nonEmpty(s: string | undefined): string | undefined {
  return s === undefined || s === "" ? undefined : s;
}

function quantity<T>(items: readonly T[]): { Quantity: number; Items: T[] } {
  return { Quantity: items.length, Items: [...items] };
}

// ---------------------------------------------------------------------------------------------
// wire → forProvider

function customFromWire(c: CustomOriginConfig): NonNullable<OriginSpec["custom"]> {
  return {
    ...(c.HTTPPort !== undefined ? { httpPort: c.HTTPPort } : {}),
    ...(c.HTTPSPort !== undefined ? { httpsPort: c.HTTPSPort } : {}),
    originProtocolPolicy: c.OriginProtocolPolicy ?? "http-only",
    ...(c.OriginSslProtocols?.Items?.length ? { originSslProtocols: sorted(c.OriginSslProtocols.Items) } : {}),
  };
}

/** One origin as forProvider says it. An origin with no custom config is an S3 origin (moto omits S3OriginConfig). */
export function originFromWire(o: Origin): OriginSpec {
  const path = nonEmpty(o.OriginPath);
  const oai = nonEmpty(o.S3OriginConfig?.OriginAccessIdentity);
  return {
    id: o.Id ?? "",
    domainName: o.DomainName ?? "",
    ...(path ? { originPath: path } : {}),
    ...(o.CustomOriginConfig ? { custom: customFromWire(o.CustomOriginConfig) } : { s3: oai ? { originAccessIdentity: oai } : {} }),
  };
}

function ttlFromWire(b: DefaultCacheBehavior): CacheBehaviorSpec["ttl"] {
  return {
    ...(b.MinTTL !== undefined ? { minTtl: b.MinTTL } : {}),
    ...(b.DefaultTTL !== undefined ? { defaultTtl: b.DefaultTTL } : {}),
    ...(b.MaxTTL !== undefined ? { maxTtl: b.MaxTTL } : {}),
  };
}

export function behaviorFromWire(b: DefaultCacheBehavior): CacheBehaviorSpec {
  const policy = nonEmpty(b.CachePolicyId);
  const allowed = sorted(b.AllowedMethods?.Items);
  const cached = sorted(b.AllowedMethods?.CachedMethods?.Items);
  return {
    targetOriginId: b.TargetOriginId ?? "",
    viewerProtocolPolicy: b.ViewerProtocolPolicy ?? "allow-all",
    allowedMethods: allowed.length > 0 ? allowed : sorted(DEFAULT_METHODS),
    cachedMethods: cached.length > 0 ? cached : sorted(DEFAULT_METHODS),
    compress: b.Compress ?? false,
    // A cache policy replaces the legacy TTLs; CloudFront ignores (moto still reports) them.
    ...(policy ? { cachePolicyId: policy } : { ttl: ttlFromWire(b) }),
  };
}

export function certificateFromWire(c: ViewerCertificate | undefined): ViewerCertificateSpec {
  const arn = nonEmpty(c?.ACMCertificateArn);
  if (arn) {
    return {
      acmCertificateArn: arn,
      ...(c?.SSLSupportMethod ? { sslSupportMethod: c.SSLSupportMethod } : {}),
      ...(c?.MinimumProtocolVersion ? { minimumProtocolVersion: c.MinimumProtocolVersion } : {}),
    };
  }
  // The default certificate: SSLSupportMethod and MinimumProtocolVersion are CloudFront's, not ours.
  return c?.CloudFrontDefaultCertificate === false ? {} : { cloudFrontDefaultCertificate: true };
}

export function loggingFromWire(l: LoggingConfig | undefined): LoggingSpec {
  if (!l?.Enabled) return { enabled: false };
  const prefix = nonEmpty(l.Prefix);
  return { enabled: true, ...(l.Bucket ? { bucket: l.Bucket } : {}), ...(prefix ? { prefix } : {}), includeCookies: l.IncludeCookies ?? false };
}

/** The distribution's config as forProvider would say it. */
export function fromDistributionConfig(c: DistributionConfig): ObservedCdn {
  const aliases = sorted(c.Aliases?.Items?.map((a) => a.toLowerCase()));
  return {
    origins: (c.Origins?.Items ?? []).map(originFromWire),
    defaultCacheBehavior: behaviorFromWire(c.DefaultCacheBehavior ?? { TargetOriginId: undefined, ViewerProtocolPolicy: undefined }),
    aliases,
    viewerCertificate: certificateFromWire(c.ViewerCertificate),
    ...(c.PriceClass ? { priceClass: c.PriceClass } : {}),
    enabled: c.Enabled ?? false,
    comment: c.Comment ?? "",
    logging: loggingFromWire(c.Logging),
  };
}

// ---------------------------------------------------------------------------------------------
// diff: only what the user set

const sameHost: Equality<string> = (a, b) => a.toLowerCase() === b?.toLowerCase();

/** A list compared as a set: both sides reported sorted. */
function diffSet(path: string, desired: readonly string[] | undefined, observed: readonly string[] | undefined): FieldDiff[] {
  return diffField(path, desired === undefined ? undefined : sorted(desired), sorted(observed), sameSet);
}

function diffCustom(path: string, desired: NonNullable<OriginSpec["custom"]>, observed: OriginSpec["custom"]): FieldDiff[] {
  if (!observed) return diffField(`${path}.custom`, desired, undefined);
  return [
    ...diffFields(`${path}.custom`, ["httpPort", "httpsPort", "originProtocolPolicy"], desired, observed),
    ...diffSet(`${path}.custom.originSslProtocols`, desired.originSslProtocols, observed.originSslProtocols),
  ];
}

function diffS3(path: string, desired: NonNullable<OriginSpec["s3"]>, observed: OriginSpec["s3"]): FieldDiff[] {
  if (!observed) return diffField(`${path}.s3`, desired, undefined);
  // "" and unset both mean "no origin access identity".
  return diffField(`${path}.s3.originAccessIdentity`, desired.originAccessIdentity === undefined ? undefined : (nonEmpty(desired.originAccessIdentity) ?? null), nonEmpty(observed.originAccessIdentity) ?? null);
}

function diffOrigin(desired: OriginSpec, observed: OriginSpec): FieldDiff[] {
  const path = `origins[${desired.id}]`;
  return [
    ...diffField(`${path}.domainName`, desired.domainName, observed.domainName, sameHost),
    ...diffField(`${path}.originPath`, desired.originPath, observed.originPath),
    ...(desired.custom ? diffCustom(path, desired.custom, observed.custom) : []),
    ...(desired.s3 ? diffS3(path, desired.s3, observed.s3) : []),
  ];
}

/** Origins by id: each desired one compared with the cloud's of that id; one missing on either side is one diff at its id. */
function diffOrigins(desired: readonly OriginSpec[], observed: readonly OriginSpec[]): FieldDiff[] {
  const byId = new Map(observed.map((o) => [o.id, o]));
  const wanted = new Set(desired.map((o) => o.id));
  return [
    ...desired.flatMap((o) => {
      const seen = byId.get(o.id);
      return seen ? diffOrigin(o, seen) : [{ path: `origins[${o.id}]`, desired: o, observed: null }];
    }),
    ...observed.filter((o) => !wanted.has(o.id)).map((o) => ({ path: `origins[${o.id}]`, desired: null, observed: o })),
  ];
}

function diffBehavior(desired: CacheBehaviorSpec, observed: CacheBehaviorSpec): FieldDiff[] {
  const p = "defaultCacheBehavior";
  return [
    ...diffFields(p, ["targetOriginId", "viewerProtocolPolicy"], desired, observed),
    ...diffSet(`${p}.allowedMethods`, desired.allowedMethods, observed.allowedMethods),
    ...diffSet(`${p}.cachedMethods`, desired.cachedMethods, observed.cachedMethods),
    ...diffField(`${p}.compress`, desired.compress, observed.compress),
    // A cache policy and the legacy TTLs exclude each other: asking for TTLs means "no cache policy".
    ...diffField(`${p}.cachePolicyId`, desired.cachePolicyId ?? (desired.ttl ? null : undefined), observed.cachePolicyId ?? null),
    ...diffFields(`${p}.ttl`, ["minTtl", "defaultTtl", "maxTtl"], desired.ttl, observed.ttl),
  ];
}

const certificateMatches: Equality<ViewerCertificateSpec> = (desired, observed) => {
  if (desired.cloudFrontDefaultCertificate) return observed?.cloudFrontDefaultCertificate === true;
  if (!observed) return false;
  return (
    desired.acmCertificateArn === observed.acmCertificateArn &&
    (desired.sslSupportMethod === undefined || desired.sslSupportMethod === observed.sslSupportMethod) &&
    (desired.minimumProtocolVersion === undefined || desired.minimumProtocolVersion === observed.minimumProtocolVersion)
  );
};

const loggingMatches: Equality<LoggingSpec> = (desired, observed) => {
  if (desired.enabled === false) return observed?.enabled === false;
  return (
    observed?.enabled === true &&
    desired.bucket === observed.bucket &&
    (desired.prefix === undefined || (nonEmpty(desired.prefix) ?? "") === (observed.prefix ?? "")) &&
    (desired.includeCookies === undefined || desired.includeCookies === observed.includeCookies)
  );
};

/**
 * The fields where the cloud differs from forProvider, after normalisation. Unset optional fields
 * are never compared (they are late-initialised instead); `observedTags` is every tag on the
 * distribution (Terraplane's own are ignored), or undefined when tags are not managed.
 */
export function diffCdn(desired: CdnParameters, observed: ObservedCdn, observedTags?: Readonly<Record<string, string>>): FieldDiff[] {
  const diff = [
    ...diffOrigins(desired.origins, observed.origins),
    ...diffBehavior(desired.defaultCacheBehavior, observed.defaultCacheBehavior),
    ...diffField("aliases", desired.aliases === undefined ? undefined : sorted(desired.aliases.map((a) => a.toLowerCase())), observed.aliases ?? []),
    ...diffField("viewerCertificate", desired.viewerCertificate, observed.viewerCertificate, certificateMatches),
    ...diffField<string>("priceClass", desired.priceClass, observed.priceClass),
    ...diffField("enabled", desired.enabled, observed.enabled),
    ...diffField("comment", desired.comment, observed.comment),
    ...diffField("logging", desired.logging, observed.logging, loggingMatches),
    ...(observedTags !== undefined ? diffField("tags", desired.tags, userTags(observedTags)) : []),
  ];
  // What the distribution lacks is reported as null, as it always was.
  return diff.map((d) => ({ ...d, observed: d.observed ?? null }));
}

// ---------------------------------------------------------------------------------------------
// late initialisation: unset fields filled from the cloud, as whole top-level values

function lateOrigin(desired: OriginSpec, observed: OriginSpec | undefined): OriginSpec {
  if (!observed) return desired;
  const out: OriginSpec = { ...desired };
  if (desired.originPath === undefined && observed.originPath !== undefined) out.originPath = observed.originPath;
  if (desired.custom && observed.custom) {
    const c = observed.custom;
    out.custom = {
      ...desired.custom,
      ...(desired.custom.httpPort === undefined && c.httpPort !== undefined ? { httpPort: c.httpPort } : {}),
      ...(desired.custom.httpsPort === undefined && c.httpsPort !== undefined ? { httpsPort: c.httpsPort } : {}),
      ...(desired.custom.originSslProtocols === undefined && c.originSslProtocols ? { originSslProtocols: c.originSslProtocols } : {}),
    };
  }
  return out;
}

function ttlOrdered(t: NonNullable<CacheBehaviorSpec["ttl"]>): boolean {
  const { minTtl = 0, defaultTtl = minTtl, maxTtl = Math.max(defaultTtl, minTtl) } = t;
  return minTtl <= defaultTtl && defaultTtl <= maxTtl;
}

function lateCaching(desired: CacheBehaviorSpec, observed: CacheBehaviorSpec): Partial<CacheBehaviorSpec> {
  if (desired.cachePolicyId !== undefined) return {};
  if (desired.ttl === undefined) return observed.cachePolicyId ? { cachePolicyId: observed.cachePolicyId } : observed.ttl ? { ttl: observed.ttl } : {};
  const ttl = { ...observed.ttl, ...desired.ttl };
  return ttlOrdered(ttl) ? { ttl } : {};
}

function lateBehavior(desired: CacheBehaviorSpec, observed: CacheBehaviorSpec): CacheBehaviorSpec {
  return {
    ...desired,
    ...(desired.allowedMethods === undefined ? { allowedMethods: observed.allowedMethods } : {}),
    ...(desired.cachedMethods === undefined ? { cachedMethods: observed.cachedMethods } : {}),
    ...(desired.compress === undefined ? { compress: observed.compress } : {}),
    ...lateCaching(desired, observed),
  };
}

function lateCertificate(desired: ViewerCertificateSpec | undefined, observed: ViewerCertificateSpec | undefined): ViewerCertificateSpec | undefined {
  if (desired === undefined) return observed;
  if (!observed || !desired.acmCertificateArn || desired.acmCertificateArn !== observed.acmCertificateArn) return desired;
  return {
    ...desired,
    ...(desired.sslSupportMethod === undefined && observed.sslSupportMethod ? { sslSupportMethod: observed.sslSupportMethod } : {}),
    ...(desired.minimumProtocolVersion === undefined && observed.minimumProtocolVersion ? { minimumProtocolVersion: observed.minimumProtocolVersion } : {}),
  };
}

function lateLogging(desired: LoggingSpec | undefined, observed: LoggingSpec | undefined): LoggingSpec | undefined {
  if (!observed?.enabled) return desired;
  if (desired === undefined) return observed;
  if (desired.enabled === false || desired.bucket !== observed.bucket) return desired;
  return {
    ...desired,
    ...(desired.prefix === undefined && observed.prefix !== undefined ? { prefix: observed.prefix } : {}),
    ...(desired.includeCookies === undefined ? { includeCookies: observed.includeCookies ?? false } : {}),
  };
}

function lateCandidates(desired: CdnParameters, observed: ObservedCdn): Record<string, unknown> {
  const byId = new Map(observed.origins.map((o) => [o.id, o]));
  return {
    origins: desired.origins.map((o) => lateOrigin(o, byId.get(o.id))),
    defaultCacheBehavior: lateBehavior(desired.defaultCacheBehavior, observed.defaultCacheBehavior),
    aliases: desired.aliases ?? (observed.aliases?.length ? observed.aliases : undefined),
    viewerCertificate: lateCertificate(desired.viewerCertificate, observed.viewerCertificate),
    priceClass: desired.priceClass ?? observed.priceClass,
    enabled: desired.enabled ?? observed.enabled,
    comment: desired.comment ?? nonEmpty(observed.comment),
    logging: lateLogging(desired.logging, observed.logging),
  };
}

/**
 * forProvider fields the user left unset (wholly or in part), filled from the cloud. Each is a whole
 * top-level value (the merge patch replaces lists such as origins), and only values the schema
 * accepts are returned, so a late-initialisation can never make the spec invalid.
 */
export function lateInit(desired: CdnParameters, observed: ObservedCdn): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const schemas: Readonly<Record<string, z.ZodType>> = CdnParameters.shape;
  const current: Readonly<Record<string, unknown>> = desired;
  for (const [key, value] of Object.entries(lateCandidates(desired, observed))) {
    if (value === undefined || isDeepStrictEqual(value, current[key])) continue;
    if (schemas[key]?.safeParse(value).success) out[key] = value;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// forProvider → wire

function customToWire(desired: NonNullable<OriginSpec["custom"]>, base: CustomOriginConfig | undefined): CustomOriginConfig {
  return {
    ...base,
    HTTPPort: desired.httpPort ?? base?.HTTPPort ?? 80,
    HTTPSPort: desired.httpsPort ?? base?.HTTPSPort ?? 443,
    OriginProtocolPolicy: desired.originProtocolPolicy,
    OriginSslProtocols: desired.originSslProtocols ? quantity(sorted(desired.originSslProtocols)) : (base?.OriginSslProtocols ?? quantity(DEFAULT_ORIGIN_SSL)),
  };
}

/** One desired origin laid over the same origin as CloudFront returned it (or nothing, for a new one). */
export function originToWire(desired: OriginSpec, base: Origin | undefined): Origin {
  const { CustomOriginConfig: baseCustom, S3OriginConfig: baseS3, ...rest } = base ?? {};
  const out: Origin = { ...rest, Id: desired.id, DomainName: desired.domainName, OriginPath: desired.originPath ?? base?.OriginPath ?? "" };
  if (desired.custom) out.CustomOriginConfig = customToWire(desired.custom, baseCustom);
  if (desired.s3) out.S3OriginConfig = { ...baseS3, OriginAccessIdentity: desired.s3.originAccessIdentity ?? baseS3?.OriginAccessIdentity ?? "" };
  return out;
}

function ttlToWire(ttl: NonNullable<CacheBehaviorSpec["ttl"]>, base: DefaultCacheBehavior): Pick<DefaultCacheBehavior, "MinTTL" | "DefaultTTL" | "MaxTTL"> {
  const min = ttl.minTtl ?? base.MinTTL ?? 0;
  const max = ttl.maxTtl ?? Math.max(base.MaxTTL ?? MAX_TTL, ttl.defaultTtl ?? 0, min);
  const def = ttl.defaultTtl ?? Math.min(Math.max(base.DefaultTTL ?? DEFAULT_TTL, min), max);
  return { MinTTL: min, DefaultTTL: def, MaxTTL: max };
}

/** The cache settings: a cache policy (and no legacy fields), or the legacy TTLs with ForwardedValues (and no policies). */
function cachingToWire(desired: CacheBehaviorSpec, base: DefaultCacheBehavior): DefaultCacheBehavior {
  const out: DefaultCacheBehavior = { ...base };
  if (desired.cachePolicyId) {
    delete out.ForwardedValues;
    delete out.MinTTL;
    delete out.DefaultTTL;
    delete out.MaxTTL;
    return { ...out, CachePolicyId: desired.cachePolicyId };
  }
  if (!desired.ttl) return out;
  // An origin request policy needs a cache policy: both go when the legacy settings come back.
  delete out.CachePolicyId;
  delete out.OriginRequestPolicyId;
  return { ...out, ForwardedValues: base.ForwardedValues ?? { QueryString: false, Cookies: { Forward: "none" } }, ...ttlToWire(desired.ttl, base) };
}

export function behaviorToWire(desired: CacheBehaviorSpec, base: DefaultCacheBehavior): DefaultCacheBehavior {
  const out: DefaultCacheBehavior = {
    ...cachingToWire(desired, base),
    TargetOriginId: desired.targetOriginId,
    ViewerProtocolPolicy: desired.viewerProtocolPolicy,
  };
  if (desired.compress !== undefined) out.Compress = desired.compress;
  if (desired.allowedMethods || desired.cachedMethods) {
    const allowed: readonly Method[] = desired.allowedMethods ?? base.AllowedMethods?.Items ?? DEFAULT_METHODS;
    const cached: readonly Method[] = desired.cachedMethods ?? base.AllowedMethods?.CachedMethods?.Items ?? DEFAULT_METHODS;
    out.AllowedMethods = { ...quantity(sorted(allowed)), CachedMethods: quantity(sorted(cached)) };
  }
  return out;
}

export function certificateToWire(desired: ViewerCertificateSpec, base: ViewerCertificate | undefined): ViewerCertificate {
  if (!desired.acmCertificateArn) return { CloudFrontDefaultCertificate: true };
  const sameCert = base?.ACMCertificateArn === desired.acmCertificateArn;
  return {
    CloudFrontDefaultCertificate: false,
    ACMCertificateArn: desired.acmCertificateArn,
    SSLSupportMethod: desired.sslSupportMethod ?? (sameCert ? base.SSLSupportMethod : undefined) ?? "sni-only",
    MinimumProtocolVersion: desired.minimumProtocolVersion ?? (sameCert ? base.MinimumProtocolVersion : undefined) ?? "TLSv1.2_2021",
  };
}

export function loggingToWire(desired: LoggingSpec, base: LoggingConfig | undefined): LoggingConfig {
  if (desired.enabled === false) return { Enabled: false, IncludeCookies: false, Bucket: "", Prefix: "" };
  const was = base?.Enabled ? base : undefined;
  return { Enabled: true, Bucket: desired.bucket ?? "", Prefix: desired.prefix ?? was?.Prefix ?? "", IncludeCookies: desired.includeCookies ?? was?.IncludeCookies ?? false };
}

/** What a create starts from: CloudFront's required fields with its documented defaults. */
export function skeletonConfig(callerReference: string): DistributionConfig {
  const legacy: DefaultCacheBehavior = {
    TargetOriginId: undefined,
    ViewerProtocolPolicy: undefined,
    ForwardedValues: { QueryString: false, Cookies: { Forward: "none" } },
    MinTTL: 0,
    DefaultTTL: DEFAULT_TTL,
    MaxTTL: MAX_TTL,
  };
  return { CallerReference: callerReference, Comment: "", Enabled: true, Origins: quantity([]), DefaultCacheBehavior: legacy };
}

/**
 * The desired forProvider laid over `base` (the config just read with GetDistributionConfig, or the
 * skeleton for a create): fields the user set replace CloudFront's; everything else is kept as is.
 */
export function applyDesired(base: DistributionConfig, desired: CdnParameters): DistributionConfig {
  const baseOrigins = new Map((base.Origins?.Items ?? []).map((o) => [o.Id, o]));
  const out: DistributionConfig = {
    ...base,
    Origins: quantity(desired.origins.map((o) => originToWire(o, baseOrigins.get(o.id)))),
    DefaultCacheBehavior: behaviorToWire(desired.defaultCacheBehavior, base.DefaultCacheBehavior ?? skeletonBehavior()),
    Enabled: desired.enabled ?? base.Enabled ?? true,
    Comment: desired.comment ?? base.Comment ?? "",
  };
  if (desired.aliases) out.Aliases = quantity(sorted(desired.aliases));
  if (desired.viewerCertificate) out.ViewerCertificate = certificateToWire(desired.viewerCertificate, base.ViewerCertificate);
  if (desired.priceClass) out.PriceClass = desired.priceClass;
  if (desired.logging) out.Logging = loggingToWire(desired.logging, base.Logging);
  return out;
}

function skeletonBehavior(): DefaultCacheBehavior {
  return skeletonConfig("").DefaultCacheBehavior ?? { TargetOriginId: undefined, ViewerProtocolPolicy: undefined };
}

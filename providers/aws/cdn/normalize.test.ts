import type { DistributionConfig } from "@aws-sdk/client-cloudfront";
import { describe, expect, it } from "vitest";
import { applyDesired, behaviorToWire, diffCdn, fromDistributionConfig, lateInit, skeletonConfig } from "./normalize.ts";
import { CdnParameters } from "./schema.ts";

// Normalisation of CloudFront's wire shape, table style: what the cloud returns must never produce a
// diff for what the user asked, unset fields are late-initialised, and updates keep what we do not manage.

const spec = (extra: Record<string, unknown> = {}): CdnParameters =>
  CdnParameters.parse({
    origins: [{ id: "web", domainName: "origin.example.com", custom: { originProtocolPolicy: "https-only" } }],
    defaultCacheBehavior: { targetOriginId: "web", viewerProtocolPolicy: "redirect-to-https" },
    ...extra,
  });

/** What moto 5.2.5 returns for a minimal create (captured from GetDistributionConfig). */
function motoConfig(over: Partial<DistributionConfig> = {}): DistributionConfig {
  return {
    CallerReference: "terraplane-uid",
    Origins: {
      Quantity: 1,
      Items: [
        {
          Id: "web",
          DomainName: "origin.example.com",
          OriginPath: "",
          CustomHeaders: { Quantity: 0, Items: [] },
          CustomOriginConfig: {
            HTTPPort: 80,
            HTTPSPort: 443,
            OriginProtocolPolicy: "https-only",
            OriginSslProtocols: { Quantity: 1, Items: ["TLSv1.2"] },
            OriginReadTimeout: 30,
            OriginKeepaliveTimeout: 5,
          },
          ConnectionAttempts: 3,
          ConnectionTimeout: 10,
          OriginShield: { Enabled: false },
        },
      ],
    },
    DefaultCacheBehavior: {
      TargetOriginId: "web",
      ViewerProtocolPolicy: "redirect-to-https",
      TrustedSigners: { Enabled: false, Quantity: 0, Items: [] },
      TrustedKeyGroups: { Enabled: false, Quantity: 0, Items: [] },
      AllowedMethods: { Quantity: 2, Items: ["HEAD", "GET"], CachedMethods: { Quantity: 2, Items: ["GET", "HEAD"] } },
      SmoothStreaming: false,
      Compress: true,
      LambdaFunctionAssociations: { Quantity: 0 },
      FunctionAssociations: { Quantity: 0 },
      FieldLevelEncryptionId: "",
      RealtimeLogConfigArn: "",
      CachePolicyId: "",
      ForwardedValues: { QueryString: false, Cookies: { Forward: "none" } },
      MinTTL: 0,
      DefaultTTL: 86400,
      MaxTTL: 31536000,
    },
    Comment: "",
    Enabled: true,
    Aliases: { Quantity: 0 },
    DefaultRootObject: "",
    OriginGroups: { Quantity: 0 },
    CacheBehaviors: { Quantity: 0 },
    CustomErrorResponses: { Quantity: 0 },
    Logging: { Enabled: false, IncludeCookies: false, Bucket: "", Prefix: "" },
    PriceClass: "PriceClass_All",
    ViewerCertificate: {
      CloudFrontDefaultCertificate: true,
      IAMCertificateId: "",
      ACMCertificateArn: "",
      SSLSupportMethod: "sni-only",
      MinimumProtocolVersion: "TLSv1",
      Certificate: "",
      CertificateSource: "cloudfront",
    },
    Restrictions: { GeoRestriction: { RestrictionType: "none", Quantity: 0 } },
    WebACLId: "",
    HttpVersion: "http2",
    IsIPV6Enabled: true,
    ...over,
  };
}

const ACM = "arn:aws:acm:us-east-1:123456789012:certificate/abcd-1234";
const withBehavior = (b: Partial<NonNullable<DistributionConfig["DefaultCacheBehavior"]>>): DistributionConfig => {
  const base = motoConfig();
  return { ...base, DefaultCacheBehavior: { ...base.DefaultCacheBehavior, TargetOriginId: "web", ViewerProtocolPolicy: "redirect-to-https", ...b } };
};

describe("diffCdn", () => {
  const cases: Record<string, { reason: string; desired: CdnParameters; observed: DistributionConfig; tags?: Record<string, string>; want: string[] }> = {
    "minimal spec vs moto's filled-in config": {
      reason: "defaults the cloud fills in (Compress, TTLs, SmoothStreaming, OriginShield, timeouts, certificate) are not diffs",
      desired: spec(),
      observed: motoConfig(),
      want: [],
    },
    "methods are sets": {
      reason: "CloudFront returns HEAD, GET; the user wrote GET, HEAD",
      desired: spec({ defaultCacheBehavior: { targetOriginId: "web", viewerProtocolPolicy: "redirect-to-https", allowedMethods: ["GET", "HEAD"], cachedMethods: ["HEAD", "GET"] } }),
      observed: motoConfig(),
      want: [],
    },
    "methods differ": {
      reason: "a real change of a set is reported once, at its path",
      desired: spec({ defaultCacheBehavior: { targetOriginId: "web", viewerProtocolPolicy: "redirect-to-https", allowedMethods: ["GET", "HEAD", "OPTIONS"] } }),
      observed: motoConfig(),
      want: ["defaultCacheBehavior.allowedMethods"],
    },
    "aliases are sets, case-insensitive": {
      reason: "order and case of CNAMEs do not matter",
      desired: spec({ aliases: ["b.example.com", "a.example.com"], viewerCertificate: { acmCertificateArn: ACM } }),
      observed: motoConfig({
        Aliases: { Quantity: 2, Items: ["A.example.com", "b.example.com"] },
        ViewerCertificate: { CloudFrontDefaultCertificate: false, ACMCertificateArn: ACM, SSLSupportMethod: "sni-only", MinimumProtocolVersion: "TLSv1.2_2021" },
      }),
      want: [],
    },
    "origin domain differs only in case": {
      reason: "host names are case-insensitive",
      desired: spec({ origins: [{ id: "web", domainName: "Origin.Example.com", custom: { originProtocolPolicy: "https-only" } }] }),
      observed: motoConfig(),
      want: [],
    },
    "origin fields, origins added and removed": {
      reason: "origins are keyed by id: paths name the id",
      desired: spec({
        origins: [
          { id: "web", domainName: "new.example.com", custom: { originProtocolPolicy: "https-only", httpsPort: 8443 } },
          { id: "assets", domainName: "assets.s3.amazonaws.com", s3: {} },
        ],
      }),
      observed: motoConfig(),
      want: ["origins[web].domainName", "origins[web].custom.httpsPort", "origins[assets]"],
    },
    "an origin nobody asked for": {
      reason: "origins are wholly owned by the spec",
      desired: spec(),
      observed: motoConfig({ Origins: { Quantity: 2, Items: [...(motoConfig().Origins?.Items ?? []), { Id: "extra", DomainName: "x.example.com", CustomOriginConfig: { HTTPPort: 80, HTTPSPort: 443, OriginProtocolPolicy: "http-only" } }] } }),
      want: ["origins[extra]"],
    },
    "s3 origin without S3OriginConfig (moto)": {
      reason: "moto omits S3OriginConfig; an unset or empty origin access identity is not a diff",
      desired: spec({ origins: [{ id: "web", domainName: "b.s3.amazonaws.com", s3: { originAccessIdentity: "" } }] }),
      observed: motoConfig({ Origins: { Quantity: 1, Items: [{ Id: "web", DomainName: "b.s3.amazonaws.com", OriginPath: "" }] } }),
      want: [],
    },
    "custom origin became s3": {
      reason: "the origin type is compared",
      desired: spec({ origins: [{ id: "web", domainName: "origin.example.com", s3: {} }] }),
      observed: motoConfig(),
      want: ["origins[web].s3"],
    },
    "cache policy replaces TTLs": {
      reason: "moto still reports MinTTL etc. with a cache policy; they are ignored",
      desired: spec({ defaultCacheBehavior: { targetOriginId: "web", viewerProtocolPolicy: "redirect-to-https", cachePolicyId: "658327ea-f89d-4fab-a63d-7e88639e58f6" } }),
      observed: withBehavior({ CachePolicyId: "658327ea-f89d-4fab-a63d-7e88639e58f6" }),
      want: [],
    },
    "ttl wanted, cache policy found": {
      reason: "legacy TTLs mean no cache policy",
      desired: spec({ defaultCacheBehavior: { targetOriginId: "web", viewerProtocolPolicy: "redirect-to-https", ttl: { defaultTtl: 86400 } } }),
      observed: withBehavior({ CachePolicyId: "658327ea-f89d-4fab-a63d-7e88639e58f6" }),
      want: ["defaultCacheBehavior.cachePolicyId", "defaultCacheBehavior.ttl.defaultTtl"],
    },
    "ttl differs": {
      reason: "only the TTLs the user set are compared",
      desired: spec({ defaultCacheBehavior: { targetOriginId: "web", viewerProtocolPolicy: "redirect-to-https", ttl: { maxTtl: 600 } } }),
      observed: motoConfig(),
      want: ["defaultCacheBehavior.ttl.maxTtl"],
    },
    "default certificate: CloudFront's SSL settings ignored": {
      reason: "with the default certificate SSLSupportMethod/MinimumProtocolVersion are CloudFront's",
      desired: spec({ viewerCertificate: { cloudFrontDefaultCertificate: true } }),
      observed: motoConfig(),
      want: [],
    },
    "ACM certificate wanted": {
      reason: "certificate compared as a whole",
      desired: spec({ viewerCertificate: { acmCertificateArn: ACM } }),
      observed: motoConfig(),
      want: ["viewerCertificate"],
    },
    "logging off both ways": {
      reason: "disabled logging with empty bucket/prefix is 'off'",
      desired: spec({ logging: { enabled: false } }),
      observed: motoConfig(),
      want: [],
    },
    "logging on": {
      reason: "logging compared as a whole, prefix '' ≡ unset",
      desired: spec({ logging: { bucket: "logs.s3.amazonaws.com" } }),
      observed: motoConfig({ Logging: { Enabled: true, Bucket: "logs.s3.amazonaws.com", Prefix: "", IncludeCookies: false } }),
      want: [],
    },
    "scalars": {
      reason: "priceClass, enabled and comment when set",
      desired: spec({ priceClass: "PriceClass_100", enabled: false, comment: "hello" }),
      observed: motoConfig(),
      want: ["priceClass", "enabled", "comment"],
    },
    "tags: ownership tags ignored": {
      reason: "terraplane.dev/ tags are Terraplane's, not the user's",
      desired: spec({ tags: { team: "edge" } }),
      observed: motoConfig(),
      tags: { team: "edge", "terraplane.dev/uid": "u", "terraplane.dev/managed-by": "terraplane" },
      want: [],
    },
    "tags differ": {
      reason: "tags compare as maps",
      desired: spec({ tags: { team: "edge" } }),
      observed: motoConfig(),
      tags: { team: "core", extra: "1", "terraplane.dev/uid": "u" },
      want: ["tags"],
    },
    "tags unset": {
      reason: "unset tags are not managed",
      desired: spec(),
      observed: motoConfig(),
      tags: { whatever: "x" },
      want: [],
    },
  };
  for (const [name, c] of Object.entries(cases)) {
    it(`${name}: ${c.reason}`, () => {
      const diff = diffCdn(c.desired, fromDistributionConfig(c.observed), c.tags);
      expect(diff.map((d) => d.path)).toEqual(c.want);
    });
  }

  it("reports desired and observed values", () => {
    const diff = diffCdn(spec({ priceClass: "PriceClass_100" }), fromDistributionConfig(motoConfig()));
    expect(diff).toEqual([{ path: "priceClass", desired: "PriceClass_100", observed: "PriceClass_All" }]);
  });
});

describe("lateInit", () => {
  const cases: Record<string, { reason: string; desired: CdnParameters; observed: DistributionConfig; want: Record<string, unknown>; exact?: boolean }> = {
    "minimal spec": {
      reason: "every unset field the cloud reports a value for is filled, as whole top-level values",
      desired: spec(),
      observed: motoConfig(),
      want: {
        origins: [{ id: "web", domainName: "origin.example.com", custom: { originProtocolPolicy: "https-only", httpPort: 80, httpsPort: 443, originSslProtocols: ["TLSv1.2"] } }],
        defaultCacheBehavior: {
          targetOriginId: "web",
          viewerProtocolPolicy: "redirect-to-https",
          allowedMethods: ["GET", "HEAD"],
          cachedMethods: ["GET", "HEAD"],
          compress: true,
          ttl: { minTtl: 0, defaultTtl: 86400, maxTtl: 31536000 },
        },
        viewerCertificate: { cloudFrontDefaultCertificate: true },
        priceClass: "PriceClass_All",
        enabled: true,
        logging: undefined,
        aliases: undefined,
        comment: undefined,
      },
    },
    "fully specified": {
      reason: "nothing to fill",
      desired: spec({
        origins: [{ id: "web", domainName: "origin.example.com", custom: { originProtocolPolicy: "https-only", httpPort: 80, httpsPort: 443, originSslProtocols: ["TLSv1.2"] } }],
        defaultCacheBehavior: {
          targetOriginId: "web",
          viewerProtocolPolicy: "redirect-to-https",
          allowedMethods: ["GET", "HEAD"],
          cachedMethods: ["GET", "HEAD"],
          compress: true,
          ttl: { minTtl: 0, defaultTtl: 86400, maxTtl: 31536000 },
        },
        viewerCertificate: { cloudFrontDefaultCertificate: true },
        priceClass: "PriceClass_All",
        enabled: true,
        logging: { enabled: false },
      }),
      observed: motoConfig(),
      want: {},
      exact: true,
    },
    "cache policy found": {
      reason: "a cache policy is late-initialised instead of TTLs (never both)",
      desired: spec({
        defaultCacheBehavior: { targetOriginId: "web", viewerProtocolPolicy: "redirect-to-https", allowedMethods: ["GET", "HEAD"], cachedMethods: ["GET", "HEAD"], compress: true },
        viewerCertificate: { cloudFrontDefaultCertificate: true },
        priceClass: "PriceClass_All",
        enabled: true,
        logging: { enabled: false },
        origins: [{ id: "web", domainName: "origin.example.com", custom: { originProtocolPolicy: "https-only", httpPort: 80, httpsPort: 443, originSslProtocols: ["TLSv1.2"] } }],
      }),
      observed: withBehavior({ CachePolicyId: "pol" }),
      want: {
        defaultCacheBehavior: {
          targetOriginId: "web",
          viewerProtocolPolicy: "redirect-to-https",
          allowedMethods: ["GET", "HEAD"],
          cachedMethods: ["GET", "HEAD"],
          compress: true,
          cachePolicyId: "pol",
        },
      },
    },
    "partial ttl out of order": {
      reason: "a fill that would break ttl ordering is skipped, never written",
      desired: spec({ defaultCacheBehavior: { targetOriginId: "web", viewerProtocolPolicy: "redirect-to-https", allowedMethods: ["GET", "HEAD"], cachedMethods: ["GET", "HEAD"], compress: true, ttl: { defaultTtl: 999 } } }),
      observed: withBehavior({ MinTTL: 0, DefaultTTL: 5, MaxTTL: 10 }),
      want: { defaultCacheBehavior: undefined },
    },
    "values the schema rejects are skipped": {
      reason: "a price class unknown to the schema is not written into the spec",
      desired: spec({ priceClass: undefined, enabled: true, logging: { enabled: false }, viewerCertificate: { cloudFrontDefaultCertificate: true } }),
      observed: motoConfig({ PriceClass: "None" }),
      want: { priceClass: undefined },
    },
    "aliases, comment and logging when the cloud has them": {
      reason: "non-empty values are filled; empty ones are not written",
      desired: spec({ enabled: true, priceClass: "PriceClass_All" }),
      observed: motoConfig({
        Aliases: { Quantity: 1, Items: ["cdn.example.com"] },
        Comment: "legacy",
        Logging: { Enabled: true, Bucket: "logs.s3.amazonaws.com", Prefix: "p/", IncludeCookies: false },
        ViewerCertificate: { ACMCertificateArn: ACM, SSLSupportMethod: "sni-only", MinimumProtocolVersion: "TLSv1.2_2021" },
      }),
      want: {
        aliases: ["cdn.example.com"],
        comment: "legacy",
        logging: { enabled: true, bucket: "logs.s3.amazonaws.com", prefix: "p/", includeCookies: false },
        viewerCertificate: { acmCertificateArn: ACM, sslSupportMethod: "sni-only", minimumProtocolVersion: "TLSv1.2_2021" },
      },
    },
  };
  for (const [name, c] of Object.entries(cases)) {
    it(`${name}: ${c.reason}`, () => {
      const late = lateInit(c.desired, fromDistributionConfig(c.observed));
      // Only the keys a case names are checked; undefined means "not late-initialised".
      for (const [k, v] of Object.entries(c.want)) expect(late[k]).toEqual(v);
      if (c.exact) expect(Object.keys(late).sort()).toEqual(Object.keys(c.want).sort());
    });
  }

  it("late-initialised values make the spec equal to the cloud: no diff afterwards", () => {
    const desired = spec();
    const observed = fromDistributionConfig(motoConfig());
    const filled = CdnParameters.parse({ ...desired, ...lateInit(desired, observed) });
    expect(diffCdn(filled, observed)).toEqual([]);
    expect(lateInit(filled, observed)).toEqual({});
  });
});

describe("applyDesired", () => {
  const roundTrips: Record<string, Record<string, unknown>> = {
    minimal: {},
    "cache policy": { defaultCacheBehavior: { targetOriginId: "web", viewerProtocolPolicy: "https-only", cachePolicyId: "658327ea-f89d-4fab-a63d-7e88639e58f6", compress: true } },
    "legacy ttl and methods": {
      defaultCacheBehavior: { targetOriginId: "web", viewerProtocolPolicy: "allow-all", ttl: { minTtl: 10, defaultTtl: 20, maxTtl: 30 }, allowedMethods: ["GET", "HEAD", "OPTIONS"], cachedMethods: ["GET", "HEAD"] },
    },
    "everything": {
      origins: [
        { id: "web", domainName: "origin.example.com", originPath: "/prod", custom: { originProtocolPolicy: "match-viewer", httpPort: 8080, httpsPort: 8443, originSslProtocols: ["TLSv1.2", "TLSv1.1"] } },
        { id: "assets", domainName: "assets.s3.amazonaws.com", s3: { originAccessIdentity: "origin-access-identity/cloudfront/E123" } },
      ],
      aliases: ["cdn.example.com", "www.example.com"],
      viewerCertificate: { acmCertificateArn: ACM, sslSupportMethod: "sni-only", minimumProtocolVersion: "TLSv1.2_2021" },
      priceClass: "PriceClass_100",
      enabled: false,
      comment: "the site",
      logging: { bucket: "logs.s3.amazonaws.com", prefix: "cdn/", includeCookies: true },
    },
  };
  for (const [name, extra] of Object.entries(roundTrips)) {
    it(`round-trips without a diff: ${name}`, () => {
      const desired = spec(extra);
      const wire = applyDesired(skeletonConfig("ref"), desired);
      expect(diffCdn(desired, fromDistributionConfig(wire))).toEqual([]);
    });
  }

  it("keeps what Terraplane does not manage, and the CallerReference", () => {
    const base = motoConfig({ CustomErrorResponses: { Quantity: 1, Items: [{ ErrorCode: 404, ResponsePagePath: "/404.html", ResponseCode: "404" }] }, WebACLId: "acl" });
    const out = applyDesired(base, spec({ comment: "changed" }));
    expect(out.CallerReference).toBe("terraplane-uid");
    expect(out.CustomErrorResponses).toEqual(base.CustomErrorResponses);
    expect(out.WebACLId).toBe("acl");
    expect(out.Origins?.Items?.[0]).toMatchObject({ ConnectionAttempts: 3, ConnectionTimeout: 10, OriginShield: { Enabled: false }, CustomOriginConfig: { OriginReadTimeout: 30 } });
    expect(out.DefaultCacheBehavior).toMatchObject({ SmoothStreaming: false, FieldLevelEncryptionId: "", Compress: true });
    expect(out.Comment).toBe("changed");
  });

  it("a cache policy drops the legacy fields, and the legacy fields drop the policies", () => {
    const policy = behaviorToWire({ targetOriginId: "web", viewerProtocolPolicy: "allow-all", cachePolicyId: "p" }, motoConfig().DefaultCacheBehavior ?? { TargetOriginId: "", ViewerProtocolPolicy: "allow-all" });
    expect(policy).toMatchObject({ CachePolicyId: "p" });
    expect(policy).not.toHaveProperty("ForwardedValues");
    expect(policy).not.toHaveProperty("MinTTL");
    const legacy = behaviorToWire({ targetOriginId: "web", viewerProtocolPolicy: "allow-all", ttl: { maxTtl: 100 } }, { ...policy, OriginRequestPolicyId: "o" });
    expect(legacy).not.toHaveProperty("CachePolicyId");
    expect(legacy).not.toHaveProperty("OriginRequestPolicyId");
    expect(legacy).toMatchObject({ ForwardedValues: { QueryString: false, Cookies: { Forward: "none" } }, MinTTL: 0, DefaultTTL: 100, MaxTTL: 100 });
  });

  it("switching an origin's type removes the other config", () => {
    const out = applyDesired(motoConfig(), spec({ origins: [{ id: "web", domainName: "b.s3.amazonaws.com", s3: {} }] }));
    expect(out.Origins?.Items?.[0]).toMatchObject({ S3OriginConfig: { OriginAccessIdentity: "" } });
    expect(out.Origins?.Items?.[0]).not.toHaveProperty("CustomOriginConfig");
  });

  it("Quantity always matches Items", () => {
    const out = applyDesired(skeletonConfig("r"), spec({ aliases: ["a.example.com", "b.example.com"], viewerCertificate: { acmCertificateArn: ACM } }));
    expect(out.Aliases).toEqual({ Quantity: 2, Items: ["a.example.com", "b.example.com"] });
    expect(out.Origins?.Quantity).toBe(out.Origins?.Items?.length);
  });
});

import { z } from "zod";
import { immutable } from "../../../core/kind.ts";
import type { CelRule, ManagedKind } from "../../../core/kind.ts";
import { AWS_GROUP, AWS_VERSION } from "../provider-config.ts";

// The CDN kind: one CloudFront distribution. forProvider holds only what a user sets; CloudFront's
// wire shape (Quantity/Items lists, its many defaulted knobs) stays inside normalize.ts.

export const HTTP_METHODS = ["GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"] as const;
export const HttpMethod = z.enum(HTTP_METHODS);
export const SSL_PROTOCOLS = ["SSLv3", "TLSv1", "TLSv1.1", "TLSv1.2"] as const;
export const PRICE_CLASSES = ["PriceClass_100", "PriceClass_200", "PriceClass_All"] as const;
export const MIN_PROTOCOL_VERSIONS = ["SSLv3", "TLSv1", "TLSv1_2016", "TLSv1.1_2016", "TLSv1.2_2018", "TLSv1.2_2019", "TLSv1.2_2021", "TLSv1.2_2025", "TLSv1.3_2025"] as const;

const set = { "x-kubernetes-list-type": "set" } as const;

const CustomOrigin = z
  .object({
    httpPort: z.number().int().min(1).max(65535).optional().describe("HTTP port of the origin (CloudFront's default: 80). Late-initialised."),
    httpsPort: z.number().int().min(1).max(65535).optional().describe("HTTPS port of the origin (CloudFront's default: 443). Late-initialised."),
    originProtocolPolicy: z.enum(["http-only", "match-viewer", "https-only"]).describe("How CloudFront connects to the origin."),
    originSslProtocols: z
      .array(z.enum(SSL_PROTOCOLS))
      .min(1)
      .max(SSL_PROTOCOLS.length)
      .optional()
      .meta(set)
      .describe("TLS protocols CloudFront may use with the origin over HTTPS (a set). Late-initialised."),
  })
  .describe("An origin that is any HTTP(S) server (a load balancer, a website endpoint, another CDN).");

const S3Origin = z
  .object({
    originAccessIdentity: z
      .string()
      .max(256)
      .regex(/^(origin-access-identity\/cloudfront\/[A-Z0-9]+)?$/)
      .optional()
      .describe('The origin access identity, "origin-access-identity/cloudfront/ID", or empty for a public bucket.'),
  })
  .describe("An origin that is an S3 bucket's REST endpoint (BUCKET.s3.REGION.amazonaws.com).");

export const OriginSpec = z
  .object({
    id: z.string().min(1).max(128).describe("Unique id of the origin within the distribution; cache behaviors name it in targetOriginId."),
    domainName: z.string().min(1).max(253).describe("DNS name of the origin."),
    originPath: z
      .string()
      .max(255)
      .regex(/^\/.*[^/]$/)
      .optional()
      .describe('A directory path CloudFront prefixes to requests, starting with "/" and not ending with one, e.g. /production.'),
    custom: CustomOrigin.optional(),
    s3: S3Origin.optional(),
  })
  .meta({ "x-kubernetes-validations": [{ rule: "has(self.custom) != has(self.s3)", message: "each origin needs exactly one of custom or s3" }] });
export type OriginSpec = z.infer<typeof OriginSpec>;

const Ttl = z
  .object({
    minTtl: z.number().int().min(0).max(3153600000).optional().describe("Minimum seconds an object stays cached."),
    defaultTtl: z.number().int().min(0).max(3153600000).optional().describe("Seconds an object stays cached when the origin sends no Cache-Control."),
    maxTtl: z.number().int().min(0).max(3153600000).optional().describe("Maximum seconds an object stays cached."),
  })
  .meta({
    "x-kubernetes-validations": [
      { rule: "!has(self.minTtl) || !has(self.defaultTtl) || self.minTtl <= self.defaultTtl", message: "ttl.minTtl must not exceed ttl.defaultTtl" },
      { rule: "!has(self.defaultTtl) || !has(self.maxTtl) || self.defaultTtl <= self.maxTtl", message: "ttl.defaultTtl must not exceed ttl.maxTtl" },
      { rule: "!has(self.minTtl) || !has(self.maxTtl) || self.minTtl <= self.maxTtl", message: "ttl.minTtl must not exceed ttl.maxTtl" },
    ],
  })
  .describe("Legacy cache settings: TTLs, forwarding no query strings, cookies or headers. Use either ttl or cachePolicyId.");

const ALLOWED_SETS = "(size(self) == 2 && 'GET' in self && 'HEAD' in self) || (size(self) == 3 && 'GET' in self && 'HEAD' in self && 'OPTIONS' in self)";

export const CacheBehaviorSpec = z
  .object({
    targetOriginId: z.string().min(1).max(128).describe("The id of the origin requests are routed to; must name one of origins."),
    viewerProtocolPolicy: z.enum(["allow-all", "redirect-to-https", "https-only"]).describe("Which protocols viewers may use."),
    allowedMethods: z
      .array(HttpMethod)
      .min(2)
      .max(HTTP_METHODS.length)
      .optional()
      .meta({
        ...set,
        "x-kubernetes-validations": [
          { rule: `${ALLOWED_SETS} || size(self) == 7`, message: "allowedMethods must be [GET, HEAD], [GET, HEAD, OPTIONS] or all seven methods" },
        ],
      })
      .describe("HTTP methods CloudFront forwards to the origin (a set). Late-initialised."),
    cachedMethods: z
      .array(HttpMethod)
      .min(2)
      .max(3)
      .optional()
      .meta({ ...set, "x-kubernetes-validations": [{ rule: ALLOWED_SETS, message: "cachedMethods must be [GET, HEAD] or [GET, HEAD, OPTIONS]" }] })
      .describe("HTTP methods whose responses are cached (a set). Late-initialised."),
    cachePolicyId: z.string().min(1).max(64).optional().describe("Id of a cache policy (e.g. the managed CachingOptimized, 658327ea-f89d-4fab-a63d-7e88639e58f6). Use either this or ttl."),
    ttl: Ttl.optional(),
    compress: z.boolean().optional().describe("Compress eligible files automatically. Late-initialised."),
  })
  .meta({
    "x-kubernetes-validations": [
      { rule: "!(has(self.cachePolicyId) && has(self.ttl))", message: "set either cachePolicyId or ttl, not both: a cache policy holds its own TTLs" },
      {
        rule: "!has(self.cachedMethods) || !has(self.allowedMethods) || self.cachedMethods.all(m, m in self.allowedMethods)",
        message: "cachedMethods must be a subset of allowedMethods",
      },
    ],
  })
  .describe("How CloudFront handles requests that match no other cache behavior.");
export type CacheBehaviorSpec = z.infer<typeof CacheBehaviorSpec>;

export const ViewerCertificateSpec = z
  .object({
    cloudFrontDefaultCertificate: z.boolean().optional().describe("Use the *.cloudfront.net certificate (no aliases possible)."),
    acmCertificateArn: z
      .string()
      .regex(/^arn:aws[a-z-]*:acm:us-east-1:\d{12}:certificate\/[A-Za-z0-9-]+$/)
      .optional()
      .describe("An ACM certificate in us-east-1 covering the aliases."),
    sslSupportMethod: z.enum(["sni-only", "vip", "static-ip"]).optional().describe("How viewers are served HTTPS with the ACM certificate (default sni-only). Late-initialised."),
    minimumProtocolVersion: z.enum(MIN_PROTOCOL_VERSIONS).optional().describe("Minimum TLS version for viewers with the ACM certificate (default TLSv1.2_2021). Late-initialised."),
  })
  .meta({
    "x-kubernetes-validations": [
      {
        rule: "(has(self.cloudFrontDefaultCertificate) && self.cloudFrontDefaultCertificate) != has(self.acmCertificateArn)",
        message: "viewerCertificate needs exactly one of cloudFrontDefaultCertificate: true or acmCertificateArn",
      },
      {
        rule: "has(self.acmCertificateArn) || (!has(self.sslSupportMethod) && !has(self.minimumProtocolVersion))",
        message: "sslSupportMethod and minimumProtocolVersion apply only with acmCertificateArn",
      },
    ],
  })
  .describe("The certificate viewers see over HTTPS.");
export type ViewerCertificateSpec = z.infer<typeof ViewerCertificateSpec>;

export const LoggingSpec = z
  .object({
    enabled: z.boolean().optional().describe("False turns standard logging off; otherwise it is on."),
    bucket: z
      .string()
      .max(253)
      .regex(/^[a-z0-9][a-z0-9.-]*\.s3(\.[a-z0-9-]+)?\.amazonaws\.com$/)
      .optional()
      .describe("The S3 bucket for access logs, as BUCKET.s3.amazonaws.com."),
    prefix: z.string().max(256).optional().describe("Prefix of the log file names, e.g. cdn/."),
    includeCookies: z.boolean().optional().describe("Include cookies in the logs."),
  })
  .meta({
    "x-kubernetes-validations": [{ rule: "(has(self.enabled) && !self.enabled) || has(self.bucket)", message: "logging.bucket is required unless logging.enabled is false" }],
  })
  .describe("Standard (legacy) access logging to S3.");
export type LoggingSpec = z.infer<typeof LoggingSpec>;

const Alias = z
  .string()
  .max(253)
  .regex(/^(\*\.)?([a-z0-9]([a-z0-9-]*[a-z0-9])?\.)+[a-z0-9-]+$/)
  .describe("A lower-case host name, optionally with a leading wildcard (*.example.com).");

export const CdnParameters = z.object({
  region: z
    .string()
    .min(1)
    .default("us-east-1")
    .describe("CloudFront is global: its API lives in us-east-1 (cn-northwest-1 in China). Only picks the partition and signing region. Immutable."),
  origins: z
    .array(OriginSpec)
    .min(1)
    .max(25)
    .meta({ "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["id"] })
    .describe("Where CloudFront fetches content from, keyed by id."),
  defaultCacheBehavior: CacheBehaviorSpec,
  aliases: z.array(Alias).max(100).optional().meta(set).describe("Alternate domain names (CNAMEs) served by the distribution (a set); needs acmCertificateArn. Late-initialised."),
  viewerCertificate: ViewerCertificateSpec.optional(),
  priceClass: z.enum(PRICE_CLASSES).optional().describe("Which edge locations serve content (cheapest: PriceClass_100). Late-initialised."),
  enabled: z.boolean().optional().describe("Whether the distribution serves requests (default true). Late-initialised."),
  comment: z.string().max(128).optional().describe("A free-form comment."),
  logging: LoggingSpec.optional(),
  tags: z
    .record(z.string().min(1).max(128), z.string().max(256))
    .optional()
    .meta({ "x-kubernetes-validations": [{ rule: "self.all(k, !k.startsWith('terraplane.dev/'))", message: "tags must not use the terraplane.dev/ prefix: Terraplane owns those" }] })
    .describe("Tags on the distribution (Terraplane adds its own ownership tags). Unset: tags are not managed."),
});
export type CdnParameters = z.infer<typeof CdnParameters>;

export const CdnObservation = z.object({
  id: z.string().optional().describe("The distribution id (also the external name)."),
  arn: z.string().optional(),
  domainName: z.string().optional().describe("The distribution's *.cloudfront.net domain name."),
  status: z.string().optional().describe("InProgress while changes deploy to the edge, then Deployed."),
  enabled: z.boolean().optional(),
  lastModifiedTime: z.string().optional(),
  inProgressInvalidationBatches: z.number().int().optional(),
});
export type CdnObservation = z.infer<typeof CdnObservation>;

const rules: CelRule[] = [
  ...immutable(["region"], "CDN"),
  {
    rule: "self.origins.exists(o, o.id == self.defaultCacheBehavior.targetOriginId)",
    message: "defaultCacheBehavior.targetOriginId must name one of the origins by its id",
  },
  {
    rule: "!has(self.aliases) || size(self.aliases) == 0 || (has(self.viewerCertificate) && has(self.viewerCertificate.acmCertificateArn))",
    message: "aliases need a certificate that covers them: set viewerCertificate.acmCertificateArn",
  },
];

export const cdnKind: ManagedKind<typeof CdnParameters, typeof CdnObservation> = {
  group: AWS_GROUP,
  version: AWS_VERSION,
  kind: "CDN",
  plural: "cdns",
  shortNames: ["cdn"],
  description: "A CloudFront distribution: origins, a default cache behavior, aliases and certificate, managed as one resource.",
  forProvider: CdnParameters,
  atProvider: CdnObservation,
  forProviderRules: rules,
  printerColumns: [
    { name: "DOMAIN", type: "string", jsonPath: ".status.atProvider.domainName" },
    { name: "STATUS", type: "string", jsonPath: ".status.atProvider.status" },
  ],
};

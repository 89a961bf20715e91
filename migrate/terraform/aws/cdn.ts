import type { z } from "zod";
import { cdnKind, HTTP_METHODS, MIN_PROTOCOL_VERSIONS, PRICE_CLASSES, SSL_PROTOCOLS } from "../../../providers/aws/cdn/schema.ts";
import type { CacheBehaviorSpec, CdnParameters, LoggingSpec, OriginSpec, ViewerCertificateSpec } from "../../../providers/aws/cdn/schema.ts";
import { Attrs } from "../attrs.ts";
import { defined, Findings, ofTypes } from "../mapping.ts";
import type { ImportContext, LossTable, MappedResource, MapperResult } from "../mapping.ts";
import type { TfInstance } from "../state.ts";
import { awsTags } from "./tags.ts";

// aws_cloudfront_distribution → aws CDN, the external name being the distribution id. What the
// kind has no field for (ordered cache behaviours, default_root_object, error pages, geo
// restrictions, forwarded query strings / headers / cookies, ...) is reported per address.

type Params = z.input<typeof CdnParameters>;
type Origin = z.input<typeof OriginSpec>;
type Behavior = z.input<typeof CacheBehaviorSpec>;

const NOT_EXPRESSIBLE = "the aws CDN kind cannot express it";

const LOSSES: LossTable = [
  ["ordered_cache_behavior", []],
  ["default_root_object", ""],
  ["custom_error_response", []],
  ["restrictions.0.geo_restriction.0.restriction_type", "none"],
  ["web_acl_id", ""],
  ["http_version", "http2"],
  ["is_ipv6_enabled", false],
  ["origin_group", []],
  ["continuous_deployment_policy_id", ""],
  ["staging", false],
];

const ORIGIN_LOSSES: LossTable = [
  ["origin_access_control_id", ""],
  ["custom_header", []],
  ["origin_shield.0.enabled", false],
  ["connection_attempts", 3],
  ["connection_timeout", 10],
  ["vpc_origin_config", []],
  ["custom_origin_config.0.origin_keepalive_timeout", 5],
  ["custom_origin_config.0.origin_read_timeout", 30],
];

const BEHAVIOR_LOSSES: LossTable = [
  ["origin_request_policy_id", ""],
  ["response_headers_policy_id", ""],
  ["function_association", []],
  ["lambda_function_association", []],
  ["field_level_encryption_id", ""],
  ["realtime_log_config_arn", ""],
  ["trusted_signers", []],
  ["trusted_key_groups", []],
  ["smooth_streaming", false],
  ["grpc_config.0.enabled", false],
];

/** Loss tables of the nth block of a list attribute, as paths on the instance. */
function nested(prefix: string, table: LossTable): LossTable {
  return table.map(([p, d]) => [`${prefix}.${p}`, d] as const);
}

function pick<T extends string>(values: readonly T[], v: string | undefined): T | undefined {
  return values.find((x) => x === v);
}

function customOrigin(custom: Attrs): Origin["custom"] {
  const policy = pick(["http-only", "match-viewer", "https-only"] as const, custom.str("origin_protocol_policy"));
  if (!policy) return undefined;
  const sslProtocols = custom.strings("origin_ssl_protocols").flatMap((p) => pick(SSL_PROTOCOLS, p) ?? []).sort();
  return defined({ httpPort: custom.int("http_port"), httpsPort: custom.int("https_port"), originProtocolPolicy: policy, originSslProtocols: sslProtocols.length > 0 ? sslProtocols : undefined });
}

function origin(o: Attrs): Origin {
  const custom = o.block("custom_origin_config");
  const oai = o.block("s3_origin_config")?.str("origin_access_identity");
  const path = o.str("origin_path");
  return defined({
    id: o.str("origin_id") ?? "",
    domainName: o.str("domain_name") ?? "",
    originPath: path && /^\/.*[^/]$/.test(path) ? path : undefined,
    custom: custom ? customOrigin(custom) : undefined,
    s3: custom ? undefined : { ...(oai ? { originAccessIdentity: oai } : {}) },
  });
}

function methods(b: Attrs, key: string): Behavior["allowedMethods"] {
  const list = b.strings(key).flatMap((m) => pick(HTTP_METHODS, m) ?? []);
  return list.length > 0 ? list.sort() : undefined;
}

/** Forwarded values beyond "nothing" are part of the legacy cache key the kind cannot say. */
function forwardedValuesLost(b: Attrs): boolean {
  const fv = b.block("forwarded_values");
  if (!fv) return false;
  const cookies = fv.block("cookies")?.str("forward") ?? "none";
  return fv.bool("query_string") === true || fv.strings("headers").length > 0 || cookies !== "none" || fv.strings("query_string_cache_keys").length > 0;
}

function behavior(inst: TfInstance, b: Attrs, f: Findings): Behavior {
  const policyId = b.str("cache_policy_id");
  if (!policyId && forwardedValuesLost(b)) f.drop(inst.address, "default_cache_behavior.0.forwarded_values", "forwarded query strings, headers or cookies: " + NOT_EXPRESSIBLE);
  const viewer = pick(["allow-all", "redirect-to-https", "https-only"] as const, b.str("viewer_protocol_policy")) ?? "allow-all";
  return defined({
    targetOriginId: b.str("target_origin_id") ?? "",
    viewerProtocolPolicy: viewer,
    allowedMethods: methods(b, "allowed_methods"),
    cachedMethods: methods(b, "cached_methods"),
    compress: b.bool("compress"),
    cachePolicyId: policyId,
    ttl: policyId ? undefined : defined({ minTtl: b.int("min_ttl"), defaultTtl: b.int("default_ttl"), maxTtl: b.int("max_ttl") }),
  });
}

function certificate(inst: TfInstance, a: Attrs, f: Findings): z.input<typeof ViewerCertificateSpec> | undefined {
  const c = a.block("viewer_certificate");
  const arn = c?.str("acm_certificate_arn");
  if (arn) {
    return defined({
      acmCertificateArn: arn,
      sslSupportMethod: pick(["sni-only", "vip", "static-ip"] as const, c?.str("ssl_support_method")),
      minimumProtocolVersion: pick(MIN_PROTOCOL_VERSIONS, c?.str("minimum_protocol_version")),
    });
  }
  if (c?.str("iam_certificate_id")) {
    f.drop(inst.address, "viewer_certificate.0.iam_certificate_id", "an IAM server certificate: the kind takes ACM certificates only");
    return undefined;
  }
  if (c?.str("minimum_protocol_version")) {
    f.note(`${inst.address}: viewer_certificate.minimum_protocol_version ${c.str("minimum_protocol_version")} is what Terraform records for the default certificate; CloudFront decides it there, so the manifest does not set it`);
  }
  return { cloudFrontDefaultCertificate: true };
}

function logging(a: Attrs): z.input<typeof LoggingSpec> | undefined {
  const l = a.block("logging_config");
  if (!l?.str("bucket")) return undefined;
  return defined({ enabled: true, bucket: l.str("bucket"), prefix: l.str("prefix"), includeCookies: l.bool("include_cookies") ?? false });
}

function lossesOf(inst: TfInstance, a: Attrs, f: Findings): void {
  f.dropNonDefault(inst, LOSSES, NOT_EXPRESSIBLE);
  a.blocks("origin").forEach((_, i) => f.dropNonDefault(inst, nested(`origin.${i}`, ORIGIN_LOSSES), NOT_EXPRESSIBLE));
  f.dropNonDefault(inst, nested("default_cache_behavior.0", BEHAVIOR_LOSSES), NOT_EXPRESSIBLE);
}

/** Aliases need an ACM certificate in the kind (the CRD's rule): without one they are dropped. */
function aliasesOf(inst: TfInstance, a: Attrs, cert: z.input<typeof ViewerCertificateSpec> | undefined, f: Findings): string[] | undefined {
  const aliases = a.strings("aliases").map((s) => s.toLowerCase()).sort();
  if (aliases.length === 0) return undefined;
  if (cert?.acmCertificateArn !== undefined) return aliases;
  f.drop(inst.address, "aliases", "aliases without an ACM certificate: the kind needs acmCertificateArn for them");
  return undefined;
}

function commentOf(inst: TfInstance, a: Attrs, f: Findings): string | undefined {
  const comment = a.str("comment");
  if (comment === undefined || comment.length <= 128) return comment;
  f.drop(inst.address, "comment", "longer than the kind's 128 characters");
  return undefined;
}

function mapOne(inst: TfInstance): MappedResource {
  const a = new Attrs(inst.attributes);
  const f = new Findings();
  lossesOf(inst, a, f);
  const viewerCertificate = certificate(inst, a, f);
  const comment = commentOf(inst, a, f);
  const params: Params = defined({
    region: (a.str("arn") ?? "").startsWith("arn:aws-cn:") ? "cn-northwest-1" : "us-east-1",
    origins: a.blocks("origin").map(origin),
    defaultCacheBehavior: behavior(inst, a.block("default_cache_behavior") ?? new Attrs({}), f),
    aliases: aliasesOf(inst, a, viewerCertificate, f),
    viewerCertificate,
    priceClass: pick(PRICE_CLASSES, a.str("price_class")),
    enabled: a.bool("enabled"),
    comment,
    logging: logging(a),
    tags: awsTags(inst, a, f, []),
  });
  return { kind: cdnKind, primary: inst, addresses: [inst.address], externalName: a.str("id") ?? inst.name, forProvider: params, ...f };
}

export function mapAwsCdns(ctx: ImportContext): MapperResult {
  const instances = ofTypes(ctx, ["aws_cloudfront_distribution"]);
  const mapped = instances.filter((i) => new Attrs(i.attributes).blocks("origin").length > 0).map(mapOne);
  const skipped = instances
    .filter((i) => new Attrs(i.attributes).blocks("origin").length === 0)
    .map((i) => ({ address: i.address, type: i.type, reason: "no origin recorded (a trimmed or partial state?): the CDN kind needs at least one" }));
  return { mapped, skipped, claimed: new Set(instances.map((i) => i.address)) };
}

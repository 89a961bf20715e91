import { ProviderError, isProviderError } from "../../../core/errors.ts";
import type { ErrorClass } from "../../../core/errors.ts";
import { awsCall } from "../errors.ts";

// CloudFront error names that providers/aws/errors.ts does not classify (yet). Without them a
// distribution that can never be created (a missing cache policy, TTLs out of order) would be
// retried with backoff forever, and the NoSuch* names for *referenced* resources, which CloudFront
// sends with HTTP 404, would read as "the distribution does not exist". Classified by name only.
export const CLOUDFRONT_ERRORS: Readonly<Record<string, ErrorClass>> = {
  // The request can never succeed as written: the spec must change.
  InconsistentQuantities: "InvalidParameter",
  InvalidDefaultRootObject: "InvalidParameter",
  InvalidDomainNameForOriginAccessControl: "InvalidParameter",
  InvalidErrorCode: "InvalidParameter",
  InvalidForwardCookies: "InvalidParameter",
  InvalidFunctionAssociation: "InvalidParameter",
  InvalidGeoRestrictionParameter: "InvalidParameter",
  InvalidLambdaFunctionAssociation: "InvalidParameter",
  InvalidLocationCode: "InvalidParameter",
  InvalidMinimumProtocolVersion: "InvalidParameter",
  InvalidOriginAccessControl: "InvalidParameter",
  InvalidOriginAccessIdentity: "InvalidParameter",
  InvalidOriginKeepaliveTimeout: "InvalidParameter",
  InvalidOriginReadTimeout: "InvalidParameter",
  InvalidProtocolSettings: "InvalidParameter",
  InvalidQueryStringParameters: "InvalidParameter",
  InvalidRelativePath: "InvalidParameter",
  InvalidRequiredProtocol: "InvalidParameter",
  InvalidResponseCode: "InvalidParameter",
  InvalidTagging: "InvalidParameter",
  InvalidTTLOrder: "InvalidParameter",
  InvalidWebACLId: "InvalidParameter",
  IllegalOriginAccessConfiguration: "InvalidParameter",
  IllegalFieldLevelEncryptionConfigAssociationWithCacheBehavior: "InvalidParameter",
  MissingBody: "InvalidParameter",
  NoSuchOrigin: "InvalidParameter",
  NoSuchCachePolicy: "InvalidParameter",
  NoSuchOriginRequestPolicy: "InvalidParameter",
  NoSuchResponseHeadersPolicy: "InvalidParameter",
  NoSuchFieldLevelEncryptionConfig: "InvalidParameter",
  NoSuchRealtimeLogConfig: "InvalidParameter",
  RealtimeLogConfigOwnerMismatch: "InvalidParameter",
  TrustedKeyGroupDoesNotExist: "InvalidParameter",
  TrustedSignerDoesNotExist: "InvalidParameter",
  // Quotas: retrying does not help until the quota or the spec changes.
  TooManyCertificates: "InvalidParameter",
  TooManyDistributionCNAMEs: "InvalidParameter",
  TooManyDistributions: "InvalidParameter",
  TooManyOrigins: "InvalidParameter",
  TooManyOriginCustomHeaders: "InvalidParameter",
  TooManyTrustedSigners: "InvalidParameter",
  TooManyDistributionsAssociatedToCachePolicy: "InvalidParameter",
  TooManyDistributionsAssociatedToOriginRequestPolicy: "InvalidParameter",
  TooManyDistributionsAssociatedToResponseHeadersPolicy: "InvalidParameter",
  TooManyDistributionsAssociatedToOriginAccessControl: "InvalidParameter",
  // State: retry later.
  ResourceNotDisabled: "Conflict",
  CannotUpdateEntityWhileInUse: "Conflict",
  // AlreadyExists (DistributionAlreadyExists is resolved by the client; EntityAlreadyExists is generic).
  EntityAlreadyExists: "AlreadyExists",
};

/** Re-classifies a ProviderError whose CloudFront error name the shared table does not know. */
export function reclassify(err: ProviderError): ProviderError {
  const errorClass = err.code === undefined ? undefined : CLOUDFRONT_ERRORS[err.code];
  if (errorClass === undefined || errorClass === err.errorClass) return err;
  return new ProviderError(errorClass, err.message, { code: err.code, cause: err.cause });
}

/** `awsCall` for CloudFront: one SDK call (the SDK retries), errors classified by name. */
export async function cloudFrontCall<T>(operation: string, call: () => Promise<T>): Promise<T> {
  try {
    return await awsCall(operation, call);
  } catch (err) {
    if (isProviderError(err)) throw reclassify(err);
    throw err;
  }
}

/** The CloudFront error name of a classified error, e.g. DistributionAlreadyExists. */
export function errorCode(err: unknown): string | undefined {
  return isProviderError(err) ? err.code : undefined;
}

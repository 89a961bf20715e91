import { isThrottlingError, isTransientError } from "@smithy/core/retry";
import { ProviderError } from "../../core/errors.ts";
import type { ErrorClass } from "../../core/errors.ts";

// AWS errors are classified by the SDK's error name (the service's error code) and HTTP status,
// never by message text.

const BY_NAME: Readonly<Record<string, ErrorClass>> = {
  // not found
  DBInstanceNotFound: "NotFound",
  DBInstanceNotFoundFault: "NotFound",
  LoadBalancerNotFound: "NotFound",
  LoadBalancerNotFoundException: "NotFound",
  TargetGroupNotFound: "NotFound",
  TargetGroupNotFoundException: "NotFound",
  ListenerNotFound: "NotFound",
  ListenerNotFoundException: "NotFound",
  NoSuchDistribution: "NotFound",
  NoSuchResource: "NotFound",
  // already exists
  DBInstanceAlreadyExists: "AlreadyExists",
  DBInstanceAlreadyExistsFault: "AlreadyExists",
  DuplicateLoadBalancerName: "AlreadyExists",
  DuplicateLoadBalancerNameException: "AlreadyExists",
  DuplicateTargetGroupName: "AlreadyExists",
  DuplicateTargetGroupNameException: "AlreadyExists",
  DuplicateListener: "AlreadyExists",
  DuplicateListenerException: "AlreadyExists",
  DistributionAlreadyExists: "AlreadyExists",
  CNAMEAlreadyExists: "AlreadyExists",
  // the request can never succeed as written
  InvalidParameterValue: "InvalidParameter",
  InvalidParameterValueException: "InvalidParameter",
  InvalidParameterCombination: "InvalidParameter",
  InvalidParameterCombinationException: "InvalidParameter",
  ValidationError: "InvalidParameter",
  ValidationException: "InvalidParameter",
  InvalidArgument: "InvalidParameter",
  InvalidConfigurationRequest: "InvalidParameter",
  InvalidConfigurationRequestException: "InvalidParameter",
  InvalidSubnet: "InvalidParameter",
  InvalidSubnetException: "InvalidParameter",
  InvalidVPCNetworkStateFault: "InvalidParameter",
  StorageTypeNotSupported: "InvalidParameter",
  StorageTypeNotSupportedFault: "InvalidParameter",
  InvalidOrigin: "InvalidParameter",
  InvalidViewerCertificate: "InvalidParameter",
  IllegalUpdate: "InvalidParameter",
  // a referenced resource is missing: the spec (or another resource) must change; re-checked at the poll interval
  DBParameterGroupNotFound: "InvalidParameter",
  DBParameterGroupNotFoundFault: "InvalidParameter",
  DBSubnetGroupNotFound: "InvalidParameter",
  DBSubnetGroupNotFoundFault: "InvalidParameter",
  OptionGroupNotFoundFault: "InvalidParameter",
  DBSnapshotAlreadyExists: "InvalidParameter",
  DBSnapshotAlreadyExistsFault: "InvalidParameter",
  InstanceQuotaExceeded: "InvalidParameter",
  InstanceQuotaExceededFault: "InvalidParameter",
  StorageQuotaExceeded: "InvalidParameter",
  StorageQuotaExceededFault: "InvalidParameter",
  InsufficientDBInstanceCapacity: "Transient",
  InsufficientDBInstanceCapacityFault: "Transient",
  KMSKeyNotAccessibleFault: "AccessDenied",
  // ELBv2: the spec references something that does not exist or cannot work together
  CertificateNotFound: "InvalidParameter",
  CertificateNotFoundException: "InvalidParameter",
  InvalidSecurityGroup: "InvalidParameter",
  InvalidSecurityGroupException: "InvalidParameter",
  InvalidTarget: "InvalidParameter",
  InvalidTargetException: "InvalidParameter",
  UnsupportedProtocol: "InvalidParameter",
  UnsupportedProtocolException: "InvalidParameter",
  SSLPolicyNotFound: "InvalidParameter",
  SSLPolicyNotFoundException: "InvalidParameter",
  SubnetNotFound: "InvalidParameter",
  SubnetNotFoundException: "InvalidParameter",
  "InvalidSubnetID.NotFound": "InvalidParameter",
  InvalidScheme: "InvalidParameter",
  InvalidSchemeException: "InvalidParameter",
  InvalidLoadBalancerAction: "InvalidParameter",
  InvalidLoadBalancerActionException: "InvalidParameter",
  IncompatibleProtocols: "InvalidParameter",
  IncompatibleProtocolsException: "InvalidParameter",
  AvailabilityZoneNotSupportedException: "InvalidParameter",
  AllocationIdNotFoundException: "InvalidParameter",
  ALPNPolicyNotSupportedException: "InvalidParameter",
  DuplicateTagKeysException: "InvalidParameter",
  TooManyTagsException: "InvalidParameter",
  TooManyTargetsException: "InvalidParameter",
  TooManyListenersException: "InvalidParameter",
  TooManyTargetGroupsException: "InvalidParameter",
  TooManyLoadBalancersException: "InvalidParameter",
  TooManyCertificatesException: "InvalidParameter",
  TooManyRegistrationsForTargetIdException: "InvalidParameter",
  TargetGroupAssociationLimitException: "InvalidParameter",
  // state: retry later
  InvalidDBInstanceState: "Conflict",
  InvalidDBInstanceStateFault: "Conflict",
  ResourceInUse: "Conflict",
  ResourceInUseException: "Conflict",
  DistributionNotDisabled: "Conflict",
  PreconditionFailed: "Conflict",
  InvalidIfMatchVersion: "Conflict",
  OperationNotPermitted: "Conflict",
  OperationNotPermittedException: "Conflict",
  // permissions
  AccessDenied: "AccessDenied",
  AccessDeniedException: "AccessDenied",
  UnauthorizedOperation: "AccessDenied",
  InvalidClientTokenId: "AccessDenied",
  SignatureDoesNotMatch: "AccessDenied",
  ExpiredToken: "AccessDenied",
  // The SDK's name for a request stopped by its abortSignal (the reconcile's deadline or shutdown): try again later.
  AbortError: "Transient",
};

interface SdkErrorLike {
  readonly name: string;
  readonly message: string;
  readonly $metadata?: { readonly httpStatusCode?: number };
  readonly $retryable?: { readonly throttling?: boolean };
}

function isSdkError(err: unknown): err is Error & SdkErrorLike {
  return err instanceof Error && "$metadata" in err;
}

/** The error class of an AWS SDK error, from its name, then its throttling/transient classification, then its HTTP status. */
export function classifyAwsError(err: unknown): ErrorClass {
  if (!(err instanceof Error)) return "Unknown";
  const byName = BY_NAME[err.name];
  if (byName) return byName;
  const sdk = isSdkError(err) ? err : undefined;
  if (sdk && isThrottlingError({ name: sdk.name, message: sdk.message, $metadata: sdk.$metadata ?? {}, ...(sdk.$retryable ? { $retryable: sdk.$retryable } : {}) })) return "Throttled";
  if (sdk && isTransientError({ name: sdk.name, message: sdk.message, $metadata: sdk.$metadata ?? {} })) return "Transient";
  const status = sdk?.$metadata?.httpStatusCode;
  if (status === 403) return "AccessDenied";
  if (status === 404) return "NotFound";
  if (status !== undefined && status >= 500) return "Transient";
  // Socket errors and timeouts from the HTTP handler carry no metadata.
  if (!sdk && ["ECONNRESET", "ECONNREFUSED", "ETIMEDOUT", "EPIPE", "TimeoutError"].some((code) => err.name === code || ("code" in err && err.code === code))) return "Transient";
  return "Unknown";
}

/**
 * An answer the SDK could not read (truncated or garbled XML/JSON): not a service error (no `$fault`),
 * but a response was received, and the SDK's deserializer put its status on the error and the raw
 * response in the hidden `$response`.
 */
function unreadableAnswerStatus(err: unknown): number | undefined {
  if (!isSdkError(err) || "$fault" in err || !("$response" in err)) return undefined;
  const status = err.$metadata?.httpStatusCode;
  return status !== undefined && status < 300 ? status : undefined;
}

/** Wraps an SDK error as a ProviderError naming the AWS operation (so access-denied messages say which action). */
export function toProviderError(operation: string, err: unknown): ProviderError {
  const unreadable = unreadableAnswerStatus(err);
  if (unreadable !== undefined && err instanceof Error) {
    // The parser's own words, without the hint the SDK appends for programmers ("inspect the hidden field ...").
    const detail = err.message.split("\n")[0]?.trim() ?? "";
    const status = unreadable;
    // Transient: a cut or garbled answer may read whole next time; the core backs off meanwhile.
    return new ProviderError("Transient", `${operation}: the cloud's answer (HTTP ${status}) could not be read: ${detail}`, { cause: err });
  }
  const errorClass = classifyAwsError(err);
  const message = err instanceof Error ? err.message : String(err);
  const code = err instanceof Error ? err.name : undefined;
  const prefix = errorClass === "AccessDenied" ? `access denied for ${operation}` : operation;
  return new ProviderError(errorClass, `${prefix}: ${message}`, { ...(code ? { code } : {}), cause: err });
}

/** Runs one SDK call (the SDK retries throttling and transient errors itself) and classifies what it throws. */
export async function awsCall<T>(operation: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    throw toProviderError(operation, err);
  }
}

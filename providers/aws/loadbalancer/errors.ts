import { ProviderError, isProviderError } from "../../../core/errors.ts";
import type { ErrorClass } from "../../../core/errors.ts";
import { awsCall } from "../errors.ts";

// ELBv2 error names that providers/aws/errors.ts does not classify yet (it leaves them "Unknown",
// which the core retries with backoff forever). Each is a request that cannot succeed as written:
// the spec (or an account quota) has to change. Classified by the SDK's error name only, like the
// shared table; these belong in its BY_NAME and this file goes away once they are there.
const ELB_BY_NAME: Readonly<Record<string, ErrorClass>> = {
  CertificateNotFoundException: "InvalidParameter",
  InvalidSecurityGroupException: "InvalidParameter",
  InvalidTargetException: "InvalidParameter",
  InvalidSchemeException: "InvalidParameter",
  InvalidLoadBalancerActionException: "InvalidParameter",
  UnsupportedProtocolException: "InvalidParameter",
  IncompatibleProtocolsException: "InvalidParameter",
  SSLPolicyNotFoundException: "InvalidParameter",
  SubnetNotFoundException: "InvalidParameter",
  /** What moto answers for an unknown subnet (AWS itself says SubnetNotFoundException). */
  "InvalidSubnetID.NotFound": "InvalidParameter",
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
};

/** The IAM action of an ELBv2 API operation, so an access-denied message names what to allow. */
export function action(operation: string): string {
  return `elasticloadbalancing:${operation}`;
}

/** One ELBv2 SDK call through the shared `awsCall` (one retry layer: the SDK's), with the names above classified too. */
export async function elbCall<T>(operation: string, call: () => Promise<T>): Promise<T> {
  try {
    return await awsCall(action(operation), call);
  } catch (err) {
    throw reclassify(err);
  }
}

export function reclassify(err: unknown): unknown {
  if (!isProviderError(err) || err.errorClass !== "Unknown" || err.code === undefined) return err;
  const errorClass = ELB_BY_NAME[err.code];
  return errorClass ? new ProviderError(errorClass, err.message, { code: err.code, cause: err.cause }) : err;
}

import { awsCall } from "../errors.ts";

// One ELBv2 request, named by the IAM action it needs, so an access-denied message says what to allow.

/** The IAM action of an ELBv2 API operation. */
function action(operation: string): string {
  return `elasticloadbalancing:${operation}`;
}

/** One ELBv2 SDK call through the shared `awsCall` (one retry layer: the SDK's), named by its IAM action. */
export function elbCall<T>(operation: string, call: () => Promise<T>): Promise<T> {
  return awsCall(action(operation), call);
}

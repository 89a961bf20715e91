import { awsCall } from "../errors.ts";

/** The IAM action of an ELBv2 API operation, so an access-denied message names what to allow. */
export function action(operation: string): string {
  return `elasticloadbalancing:${operation}`;
}

/** One ELBv2 SDK call through the shared `awsCall` (one retry layer: the SDK's), named by its IAM action. */
export function elbCall<T>(operation: string, call: () => Promise<T>): Promise<T> {
  return awsCall(action(operation), call);
}

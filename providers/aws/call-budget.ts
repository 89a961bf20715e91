import type { FinalizeHandler, FinalizeHandlerArguments, FinalizeHandlerOutput, HandlerExecutionContext, RelativeMiddlewareOptions } from "@smithy/types";
import type { BucketLimits } from "../../core/call-budget.ts";
import { callBudgetField, serviceBudget, takeToken, withinCurrentCall } from "../shared/call-budget.ts";
import type { BudgetLimits } from "../shared/call-budget.ts";

// The AWS call budget (docs/adr/0014): one bucket per account, region and service, taken from by an
// SDK middleware placed after the retry middleware, so every attempt the SDK sends (retries
// included) takes a token, and the SDK's own retries stay the only retry layer.

export type AwsService = "rds" | "elbv2" | "cloudfront";

/**
 * Defaults under each service's published throttling, leaving headroom for the console, the CLI
 * and other tools that share the account's buckets:
 * - rds: RDS throttles per account per region, "up to 300 requests in a burst and a sustained 12
 *   requests per second" (Amazon RDS User Guide, "Request throttling for the Amazon RDS API").
 * - elbv2: the ELB API's non-mutating (Describe*) bucket holds 40 tokens refilled at 10 per second,
 *   per account per region (Elastic Load Balancing User Guide, "Request throttling for the ELB API");
 *   mutating actions have smaller buckets of their own, so one bucket for every ELBv2 call sits
 *   well under the Describe* rate.
 * - cloudfront: AWS publishes no control-plane call rate for CloudFront (its Quotas page lists
 *   resource quotas only); a conservative guess, global per account (CloudFront has no regions).
 */
export const AWS_CALL_BUDGET_DEFAULTS: Readonly<Record<AwsService, BucketLimits>> = {
  rds: { ratePerSecond: 10, burst: 100 },
  elbv2: { ratePerSecond: 8, burst: 20 },
  cloudfront: { ratePerSecond: 5, burst: 10 },
};

export const awsCallBudgetField = callBudgetField({
  rds: serviceBudget("RDS", AWS_CALL_BUDGET_DEFAULTS.rds),
  elbv2: serviceBudget("Elastic Load Balancing v2", AWS_CALL_BUDGET_DEFAULTS.elbv2),
  cloudfront: serviceBudget("CloudFront", AWS_CALL_BUDGET_DEFAULTS.cloudfront),
});

/** The budget's service for an SDK client, by the client's name; undefined: a client the budget does not cover. */
export function awsServiceOf(clientName: string | undefined): AwsService | undefined {
  switch (clientName) {
    case "RDSClient":
      return "rds";
    case "ElasticLoadBalancingV2Client":
      return "elbv2";
    case "CloudFrontClient":
      return "cloudfront";
    default:
      return undefined;
  }
}

/** Where one session's calls take their tokens. */
export interface AwsBudgetScope {
  /** The account, resolved once per session (the first call waits for it). */
  account(): Promise<string>;
  readonly region: string;
  readonly limits: BudgetLimits<AwsService>;
}

export function awsBudgetKey(account: string, region: string, service: AwsService): string {
  return `aws/${account}/${service === "cloudfront" ? "global" : region}/${service}`;
}

export const CALL_BUDGET_MIDDLEWARE: RelativeMiddlewareOptions = { name: "terraplaneCallBudget", relation: "after", toMiddleware: "retryMiddleware", override: true };

/** The finalize-step middleware: waits for a token of the call's bucket before each attempt is signed and sent. */
export function callBudgetMiddleware(scope: AwsBudgetScope) {
  return <Output extends object>(next: FinalizeHandler<object, Output>, context: HandlerExecutionContext): FinalizeHandler<object, Output> =>
    async (args: FinalizeHandlerArguments<object>): Promise<FinalizeHandlerOutput<Output>> => {
      const service = awsServiceOf(context.clientName);
      if (service) {
        let key = `aws/(account)/${scope.region}/${service}`;
        try {
          key = awsBudgetKey(await withinCurrentCall(scope.account()), scope.region, service);
          await takeToken(key, scope.limits(service));
        } catch (err) {
          // Named AbortError, and without the signal's reason as cause, so the SDK's retry strategy
          // does not mistake a deadline (a TimeoutError) for a transient failure to retry.
          throw Object.assign(new Error(`${context.commandName ?? "call"}: stopped while waiting for the ${key} call budget: ${err instanceof Error ? err.message : String(err)}`), { name: "AbortError" });
        }
      }
      return next(args);
    };
}

import { AsyncLocalStorage } from "node:async_hooks";
import { z } from "zod";
import { callBudgets } from "../../core/call-budget.ts";
import type { BucketLimits, CallBudgets } from "../../core/call-budget.ts";
import type { CallOptions, CallPriority, ExternalClient } from "../../core/provider.ts";

// How a provider wires the core's call budget (docs/adr/0014) at its SDK call points:
// - The ProviderConfig's `callBudget` overrides the provider's defaults per service.
// - Each contract call (observe, create, update, delete) runs in a call context carrying its
//   priority and signal, so the SDK call points deep inside a kind's client (an SDK middleware for
//   AWS, `gcpCall` for GCP) take their token at the right priority without every function passing
//   them along.

const Limits = z.object({
  ratePerSecond: z.number().positive().max(10_000).describe("Tokens added per second: the sustained rate of calls."),
  burst: z.int().min(1).max(100_000).describe("Tokens the bucket holds at most: calls that may go at once after a quiet spell."),
});

/** One service's optional override in the ProviderConfig, its default named in the description. */
export function serviceBudget(service: string, defaults: BucketLimits) {
  return Limits.optional().describe(`The ${service} API's budget (default ${defaults.ratePerSecond} calls/s, burst ${defaults.burst}).`);
}

/** The ProviderConfig field `callBudget`, one optional entry per service the provider calls. */
export function callBudgetField<T extends z.ZodRawShape>(services: T) {
  return {
    callBudget: z
      .strictObject(services)
      .optional()
      .describe("Calls per second per account (or project), region and service that the controller allows itself, below the cloud's own throttling; calls for a user's edit go before calls for a poll. Unset services keep their defaults."),
  };
}

/** The limits of each service: the ProviderConfig's override, or the provider's default. */
export type BudgetLimits<S extends string> = (service: S) => BucketLimits;

export function budgetLimits<S extends string>(defaults: Readonly<Record<S, BucketLimits>>, overrides: Partial<Record<S, BucketLimits | undefined>> | undefined): BudgetLimits<S> {
  return (service) => overrides?.[service] ?? defaults[service];
}

/** A session's bucket for one service: its key and limits; undefined for a service it does not budget. */
export type BudgetScope = (service: string) => { readonly key: string; readonly limits: BucketLimits } | undefined;

/** Why the current contract call runs, its signal, and the session's buckets; undefined outside any (a plan, a test double). */
interface CallContext {
  readonly priority: CallPriority;
  readonly signal: AbortSignal;
  readonly promoted?: AbortSignal | undefined;
  readonly budget?: BudgetScope | undefined;
}

const current = new AsyncLocalStorage<CallContext>();

/**
 * Runs each of the client's contract calls in a call context (its priority and signal, and the
 * session's buckets when the SDK call points cannot reach the session themselves) that the budget reads.
 */
export function withCallContext<F, A>(client: ExternalClient<F, A>, budget?: BudgetScope): ExternalClient<F, A> {
  const run = <T>(opts: CallOptions, call: () => Promise<T>): Promise<T> => current.run({ priority: opts.priority ?? "event", signal: opts.signal, promoted: opts.promoted, budget }, call);
  return {
    observe: (mr, opts) => run(opts, () => client.observe(mr, opts)),
    create: (mr, opts) => run(opts, () => client.create(mr, opts)),
    update: (mr, diff, opts) => run(opts, () => client.update(mr, diff, opts)),
    delete: (mr, opts) => run(opts, () => client.delete(mr, opts)),
  };
}

/**
 * Waits for a token of `key` (`<provider>/<account>/<region>/<service>`) at the current call's
 * priority; a waiting call gives up when the call's signal fires. Outside a call context (a plan
 * run by a person), the call counts as an event.
 */
export async function takeToken(key: string, limits: BucketLimits, budgets: CallBudgets = callBudgets): Promise<void> {
  const context = current.getStore();
  await budgets.bucket(key, limits).take(context?.priority ?? "event", context?.signal, context?.promoted);
}

/** Waits for a token of `service` in the current call context's session, if it budgets that service. */
export async function takeScopedToken(service: string, budgets: CallBudgets = callBudgets): Promise<void> {
  const bucket = current.getStore()?.budget?.(service);
  if (bucket) await takeToken(bucket.key, bucket.limits, budgets);
}

/**
 * `promise`, or the current call's abort reason should its signal fire first: a lookup the budget
 * needs before a call (AWS's account) must not outlast the call's deadline.
 */
export async function withinCurrentCall<T>(promise: Promise<T>): Promise<T> {
  const signal = current.getStore()?.signal;
  if (!signal) return promise;
  signal.throwIfAborted();
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(signal.reason instanceof Error ? signal.reason : new DOMException("aborted", "AbortError"));
    signal.addEventListener("abort", onAbort, { once: true });
  });
  try {
    return await Promise.race([promise, aborted]);
  } finally {
    if (onAbort) signal.removeEventListener("abort", onAbort);
  }
}

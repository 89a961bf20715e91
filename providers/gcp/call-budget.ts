import type { BucketLimits } from "../../core/call-budget.ts";
import { budgetLimits, callBudgetField, serviceBudget } from "../shared/call-budget.ts";
import type { BudgetScope } from "../shared/call-budget.ts";

// The GCP call budget (docs/adr/0014): one bucket per project and service ("global": both APIs'
// rate quotas are per project, not per region), taken from in `gcpCall` before each client call.
// google-gax retries inside the client call, out of reach of a per-attempt hook, so a call's
// retries share its one token; the clients' retry settings stay the only retry layer.

export type GcpService = "sqladmin" | "compute";

/**
 * Defaults under each API's published per-project quota:
 * - compute: Compute Engine rate quotas are per project per minute, 1,500 requests a minute in
 *   each group (reads, lists, mutations, operation reads) (Compute Engine docs, "Rate quotas").
 *   One bucket for every compute call: 20/s with a burst of 50 stays under 1,500 in any minute.
 * - sqladmin: the Cloud SQL Admin API's default is 180 queries per minute per user ("Queries per
 *   minute per user" in its 429 answers, cited in GoogleCloudPlatform/cloud-sql-go-connector#413
 *   and cloudquery/cloudquery#1351; enforcement was seen per second there). 2/s with a burst of 5
 *   stays under 180 in any minute.
 */
export const GCP_CALL_BUDGET_DEFAULTS: Readonly<Record<GcpService, BucketLimits>> = {
  sqladmin: { ratePerSecond: 2, burst: 5 },
  compute: { ratePerSecond: 20, burst: 50 },
};

export const gcpCallBudgetField = callBudgetField({
  sqladmin: serviceBudget("Cloud SQL Admin", GCP_CALL_BUDGET_DEFAULTS.sqladmin),
  compute: serviceBudget("Compute Engine", GCP_CALL_BUDGET_DEFAULTS.compute),
});

/** A project's buckets, with the ProviderConfig's overrides. */
export function gcpBudgetScope(project: string, overrides: Partial<Record<GcpService, BucketLimits | undefined>> | undefined): BudgetScope {
  const limits = budgetLimits(GCP_CALL_BUDGET_DEFAULTS, overrides);
  return (service) => (isGcpService(service) ? { key: `gcp/${project}/global/${service}`, limits: limits(service) } : undefined);
}

function isGcpService(service: string): service is GcpService {
  return service === "sqladmin" || service === "compute";
}

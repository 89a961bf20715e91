import { callWithin } from "./deadline.ts";
import { decide, planOf, planWithoutObserving } from "./plan.ts";
import type { ObservedFacts, Plan } from "./plan.ts";
import type { ConnectContext, Managed, Readiness, RegisteredKind } from "./provider.ts";
import { conditionOf } from "./conditions.ts";

// Two ways to know what the controller would do with one object: observe the cloud now, through the
// kind's own connector (observe only: never create, update or delete), or read the observation the
// controller itself recorded in status, when that is fresh. Both end in core/plan.ts's decision.

/** Where a plan's facts came from. */
export type PlanSource = "observed" | "controller";

export interface SourcedPlan {
  readonly plan: Plan;
  readonly source: PlanSource;
  /** When the cloud was looked at (now, or the controller's lastSyncTime). */
  readonly observedAt: string;
}

/** Plans from a fresh observe: connect with `ctx` (the operator's kubeconfig reads the ProviderConfig and Secrets), observe, decide. */
export async function planByObserving<F, A>(kind: RegisteredKind<F, A>, mr: Managed<F, A>, ctx: ConnectContext, now: () => Date = () => new Date()): Promise<SourcedPlan> {
  const early = planWithoutObserving(mr);
  if (early) return { plan: early, source: "observed", observedAt: now().toISOString() };
  const client = await callWithin("connect", ctx.signal, () => kind.connector.connect(mr, ctx));
  const observation = await callWithin("observe", ctx.signal, () => client.observe(mr, { signal: ctx.signal }));
  return { plan: planOf(mr, observation, kind.externalName), source: "observed", observedAt: now().toISOString() };
}

/** Why the controller's recorded observation cannot answer for the object as it is now. */
export type Staleness = { readonly fresh: false; readonly why: string };

/**
 * The controller's last observation, when it is of the current spec (observedGeneration ==
 * generation, Synced=True for it) and no older than `maxAgeMs`: then `status.diff` is what the
 * controller found different, and the decision is the same one it makes.
 */
export function planFromStatus<F, A>(kind: Pick<RegisteredKind<F, A>, "externalName">, mr: Managed<F, A>, maxAgeMs: number, now: Date = new Date()): SourcedPlan | Staleness {
  const status = mr.status ?? {};
  const early = planWithoutObserving(mr);
  if (early) return { plan: early, source: "controller", observedAt: status.lastSyncTime ?? now.toISOString() };
  const why = staleness(mr, maxAgeMs, now);
  if (why !== undefined || !status.lastSyncTime) return { fresh: false, why: why ?? "the controller has not observed it yet" };
  const ready = conditionOf(status.conditions, "Ready")?.reason;
  const facts: ObservedFacts = {
    // lastSyncTime is stamped only when observe found the resource.
    exists: true,
    fields: status.diff ?? [],
    ...(status.pendingOperation ? { pendingOperation: { id: status.pendingOperation.id, action: status.pendingOperation.action } } : {}),
    ...(isReadiness(ready) ? { ready } : {}),
  };
  return { plan: decide(mr, facts, kind.externalName), source: "controller", observedAt: status.lastSyncTime };
}

/** Why status does not describe the current spec's latest observation, or undefined when it does. */
function staleness(mr: Managed, maxAgeMs: number, now: Date): string | undefined {
  const status = mr.status ?? {};
  const generation = mr.metadata.generation;
  if (generation === undefined || status.observedGeneration !== generation) return `the controller has not yet processed generation ${generation ?? "?"} (observed ${status.observedGeneration ?? "none"})`;
  const synced = conditionOf(status.conditions, "Synced");
  if (synced?.status !== "True" || synced.observedGeneration !== generation) return `Synced is not True for this generation${messageOf(synced)}`;
  if (!status.lastSyncTime) return "the controller has not observed it yet";
  const ageMs = now.getTime() - new Date(status.lastSyncTime).getTime();
  if (!(ageMs <= maxAgeMs)) return `the controller's last observation is ${Math.round(ageMs / 1000)}s old`;
  return undefined;
}

function messageOf(c: { readonly message?: string | undefined } | undefined): string {
  return c?.message ? ` (${c.message})` : "";
}

function isReadiness(reason: string | undefined): reason is Readiness {
  return reason === "Available" || reason === "Creating" || reason === "Deleting" || reason === "Unavailable";
}

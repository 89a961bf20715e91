import type { Condition } from "./managed.ts";
import type { Readiness } from "./provider.ts";

// The condition catalogue. The provider's observation owns Ready; the core owns Synced. Messages are
// stable (no timestamps, no request IDs) so a condition changes only when the situation does.

export type SyncedReason = "ReconcileSuccess" | "ReconcileError" | "ReconcilePaused";

export interface ConditionInput {
  readonly type: "Ready" | "Synced";
  readonly status: "True" | "False" | "Unknown";
  readonly reason: string;
  readonly message?: string;
}

export function ready(readiness: Readiness, message?: string): ConditionInput {
  return { type: "Ready", status: readiness === "Available" ? "True" : "False", reason: readiness, ...(message ? { message } : {}) };
}

export function synced(reason: SyncedReason, message?: string): ConditionInput {
  return { type: "Synced", status: reason === "ReconcileSuccess" ? "True" : "False", reason, ...(message ? { message } : {}) };
}

/**
 * Merges conditions into the existing list: lastTransitionTime moves only when status changes, and
 * every condition carries the generation it was computed for.
 */
export function setConditions(existing: readonly Condition[] | undefined, updates: readonly ConditionInput[], generation: number | undefined, now: string): Condition[] {
  const result = [...(existing ?? [])];
  for (const update of updates) {
    const index = result.findIndex((c) => c.type === update.type);
    const previous = index >= 0 ? result[index] : undefined;
    const next: Condition = {
      type: update.type,
      status: update.status,
      reason: update.reason,
      ...(update.message ? { message: update.message } : {}),
      lastTransitionTime: previous && previous.status === update.status ? previous.lastTransitionTime : now,
      ...(generation !== undefined ? { observedGeneration: generation } : {}),
    };
    if (index >= 0) result[index] = next;
    else result.push(next);
  }
  return result.sort((a, b) => a.type.localeCompare(b.type));
}

/** The condition of one type, from any list of conditions (as written, or as read back by a tool). */
export function conditionOf<C extends { readonly type: string }>(conditions: readonly C[] | undefined, type: string): C | undefined {
  return conditions?.find((c) => c.type === type);
}

import { Annotations, FINALIZER } from "./managed.ts";
import type { FieldDrift } from "./managed.ts";
import { allowed, createOutcomeUnknown, externalName, isPaused, orphanOnDelete } from "./policies.ts";
import type { ExternalNamePolicy, FieldDiff, Managed, Observation, OperationRef, Readiness } from "./provider.ts";

// What the controller would do to the cloud for one object, decided from the object and what
// observe found. The reconciler chooses its branch with these functions and `terraplane plan`
// reports them, so the plan and the controller cannot drift apart. Pure: no I/O, no clock.

/** What a reconcile would do to the cloud now. */
export type PlanAction = "create" | "update" | "none" | "delete" | "blocked";

/** Why: one stable code per branch of the reconciler's state machine. */
export type PlanReason =
  /** The terraplane.dev/paused annotation stops every reconcile. */
  | "paused"
  /** Being deleted, but our finalizer is gone (or never was): nothing left to do. */
  | "released"
  /** Being deleted with deletionPolicy Orphan (or Delete not allowed): left in the cloud. */
  | "orphan"
  /** Being deleted and the cloud resource is already gone. */
  | "gone"
  /** Being deleted, and the cloud's delete is already under way: only watched. */
  | "deleting"
  /** Being deleted: a delete call. */
  | "delete"
  /** Missing, and an earlier create's outcome is unknown with a cloud-assigned name: the controller stops and asks. */
  | "create-outcome-unknown"
  /** Missing, and managementPolicies do not allow Create. */
  | "create-not-allowed"
  /** Missing: a create call. */
  | "create"
  /** Exists and matches spec. */
  | "up-to-date"
  /** Exists, differs, and a cloud operation is still under way: the controller waits for it. */
  | "in-flight"
  /** Exists, differs, and managementPolicies do not allow Update: reported, not fought. */
  | "update-not-allowed"
  /** Exists and differs: an update call. */
  | "update";

export interface Plan {
  readonly action: PlanAction;
  readonly reason: PlanReason;
  /** One sentence for people. */
  readonly message: string;
  /** The differences (desired vs observed, as JSON; sensitive values omitted). */
  readonly fields: readonly FieldDrift[];
  /** The cloud operation in flight, when one is. */
  readonly pendingOperation?: OperationRef;
}

/** What is known about the cloud resource, from a fresh observe or from the controller's last one. */
export interface ObservedFacts {
  readonly exists: boolean;
  readonly fields: readonly FieldDrift[];
  readonly pendingOperation?: OperationRef;
  readonly ready?: Readiness;
}

/** A diff as status, events and plans show it: values as JSON, none at all for sensitive fields. */
export function redact(d: FieldDiff): FieldDrift {
  if (d.sensitive) return { path: d.path };
  return { path: d.path, desired: JSON.stringify(d.desired ?? null), observed: JSON.stringify(d.observed ?? null) };
}

export function factsOf(obs: Observation): ObservedFacts {
  if (!obs.exists) return { exists: false, fields: [] };
  return {
    exists: true,
    fields: obs.diff.map(redact),
    ...(obs.pendingOperation ? { pendingOperation: obs.pendingOperation } : {}),
    ...(obs.ready ? { ready: obs.ready } : {}),
  };
}

/**
 * The decisions made before the cloud is looked at: a paused object, or a deletion that needs no
 * observe (released, orphaned). undefined: observe decides (see planOf).
 */
export function planWithoutObserving(mr: Managed): Plan | undefined {
  if (isPaused(mr)) return plan("blocked", "paused", `reconciliation is paused by the ${Annotations.paused} annotation`);
  if (!mr.metadata.deletionTimestamp) return undefined;
  if (!(mr.metadata.finalizers ?? []).includes(FINALIZER)) return plan("none", "released", "being deleted; Terraplane no longer holds it");
  if (orphanOnDelete(mr)) return plan("none", "orphan", "being deleted; the cloud resource is left in place (deletionPolicy Orphan)");
  return undefined;
}

/** What a reconcile of `mr` would do, given what observe found. */
export function planOf(mr: Managed, obs: Observation, names: ExternalNamePolicy): Plan {
  return decide(mr, factsOf(obs), names);
}

/** The same decision from facts (a fresh observe's, or those the controller recorded in status). */
export function decide(mr: Managed, facts: ObservedFacts, names: ExternalNamePolicy): Plan {
  const early = planWithoutObserving(mr);
  if (early) return early;
  if (mr.metadata.deletionTimestamp) return deletion(facts);
  if (!facts.exists) return missing(mr, names);
  return existing(mr, facts);
}

function deletion(facts: ObservedFacts): Plan {
  if (!facts.exists) return plan("none", "gone", "being deleted; the cloud resource is already gone");
  if (facts.ready === "Deleting" && facts.pendingOperation) return plan("none", "deleting", "being deleted; the cloud's delete is under way", { pendingOperation: facts.pendingOperation });
  return plan("delete", "delete", "the cloud resource would be deleted");
}

function missing(mr: Managed, names: ExternalNamePolicy): Plan {
  const cannotRetry = names.assignedByCloud && !names.idempotentCreate;
  if (createOutcomeUnknown(mr) && cannotRetry && !externalName(mr)) {
    return plan("blocked", "create-outcome-unknown", `an earlier create's outcome is unknown and the cloud assigns the identifier: set ${Annotations.externalName} to adopt it, or ${Annotations.createFailed} to create a new one`);
  }
  const name = externalName(mr) ?? mr.metadata.name;
  if (!allowed(mr, "Create")) return plan("blocked", "create-not-allowed", `the cloud resource "${name}" does not exist, and managementPolicies do not allow Terraplane to create it`);
  return plan("create", "create", names.assignedByCloud && !externalName(mr) ? "a new cloud resource would be created" : `the cloud resource "${name}" would be created`);
}

function existing(mr: Managed, facts: ObservedFacts): Plan {
  const { fields, pendingOperation } = facts;
  if (fields.length === 0) return plan("none", "up-to-date", "the cloud resource matches spec", { pendingOperation });
  if (pendingOperation) return plan("blocked", "in-flight", `differs from spec; waiting for the cloud operation ${pendingOperation.action} ${pendingOperation.id} first`, { fields, pendingOperation });
  const list = fields.map((f) => f.path).join(", ");
  if (!allowed(mr, "Update")) return plan("blocked", "update-not-allowed", `differs from spec (${list}); managementPolicies do not allow updates`, { fields });
  return plan("update", "update", `${list} would be updated`, { fields });
}

function plan(action: PlanAction, reason: PlanReason, message: string, seen: { fields?: readonly FieldDrift[]; pendingOperation?: OperationRef | undefined } = {}): Plan {
  return { action, reason, message, fields: seen.fields ?? [], ...(seen.pendingOperation ? { pendingOperation: seen.pendingOperation } : {}) };
}

/** Terraform's -detailed-exitcode: 0 when no plan changes anything or differs, 2 otherwise. */
export function exitCodeOf(plans: readonly Plan[]): 0 | 2 {
  return plans.every((p) => p.action === "none") ? 0 : 2;
}

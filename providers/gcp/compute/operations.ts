import { errorClassOf, ProviderError } from "../../../core/errors.ts";
import type { ErrorClass } from "../../../core/errors.ts";
import type { Managed, OperationRef } from "../../../core/provider.ts";
import { OperationStatus } from "./api.ts";
import type { ComputeApi, ComputeOperation } from "./api.ts";

// Pending-operation bookkeeping for a chain of compute resources. The operations a reconcile
// started (several, when independent resources are created or deleted together) are recorded in
// status.pendingOperation as one id: their names joined by spaces. The next reconcile looks at
// them (never waits on them): any still running → the chain is in flight; all done → carry on;
// one failed → its error, classified by compute's error code, is surfaced.

/** How long a failure that retrying may cure (throttling, server errors, in use...) is reported before the step is tried again. */
export const RETRY_FAILED_AFTER_MS = 5_000;

export function pendingOperation(names: readonly string[], action: string): OperationRef {
  return { id: names.join(" "), action };
}

/** The operation names a pendingOperation holds. */
export function operationNames(pending: OperationRef | undefined): string[] {
  return (pending?.id ?? "").split(" ").filter((n) => n !== "");
}

/** An operation's status as a name (compute's REST client answers names; numbers are mapped). */
export function statusName(op: ComputeOperation): string | undefined {
  const s = op.status;
  if (s === null || s === undefined) return undefined;
  return typeof s === "number" ? OperationStatus[s] : s;
}

// compute operation error codes (error.errors[].code) by class.
const OPERATION_ERROR_CLASS: Readonly<Record<string, ErrorClass>> = {
  RESOURCE_NOT_FOUND: "NotFound",
  RESOURCE_ALREADY_EXISTS: "AlreadyExists",
  ALREADY_EXISTS: "AlreadyExists",
  RESOURCE_IN_USE_BY_ANOTHER_RESOURCE: "Conflict",
  RESOURCE_NOT_READY: "Conflict",
  CONDITION_NOT_MET: "Conflict",
  INVALID_FIELD_VALUE: "InvalidParameter",
  INVALID_USAGE: "InvalidParameter",
  BAD_REQUEST: "InvalidParameter",
  REQUIRED_FIELD_MISSING: "InvalidParameter",
  QUOTA_EXCEEDED: "Throttled",
  RATE_LIMIT_EXCEEDED: "Throttled",
  INTERNAL_ERROR: "Transient",
  SERVICE_UNAVAILABLE: "Transient",
  FORBIDDEN: "AccessDenied",
  PERMISSION_DENIED: "AccessDenied",
};

function classByStatus(status: number | null | undefined): ErrorClass {
  if (status === undefined || status === null) return "Unknown";
  if (status === 429) return "Throttled";
  if (status >= 500) return "Transient";
  if (status === 404) return "NotFound";
  if (status === 409 || status === 412) return "Conflict";
  if (status === 403 || status === 401) return "AccessDenied";
  if (status === 400) return "InvalidParameter";
  return "Unknown";
}

/** What an operation was doing to what, for messages: `insert of urlMaps/shop-um`. */
export function describeOperation(op: ComputeOperation): string {
  const target = (op.targetLink ?? "").split("/").slice(-2).join("/");
  return `${op.operationType ?? "operation"} of ${target || "a compute resource"}`;
}

/** A finished operation's error as a classified ProviderError, or undefined when it succeeded. */
export function operationError(op: ComputeOperation): ProviderError | undefined {
  const first = op.error?.errors?.[0];
  if (!first) return undefined;
  const code = first.code ?? "UNKNOWN";
  const errorClass = OPERATION_ERROR_CLASS[code] ?? classByStatus(op.httpErrorStatusCode);
  return new ProviderError(errorClass, `compute ${describeOperation(op)} failed: ${first.message ?? code}`, { code });
}

/** Failures retrying may cure; the rest need the spec (or the cloud) to change. */
export function isRetryable(err: ProviderError): boolean {
  return ["Throttled", "Transient", "Conflict", "NotFound", "AlreadyExists", "Unknown"].includes(err.errorClass);
}

/** The spec was edited after the last status write: a failure recorded before is no longer the user's latest word. */
export function specChangedSince(mr: Managed): boolean {
  return (mr.metadata.generation ?? 0) > (mr.status?.observedGeneration ?? 0);
}

/**
 * The operations this process started last, per object (uid), until seen finished. The informer's
 * copy of an object can lag behind the status write that recorded an operation; without this, a
 * reconcile on the stale copy would start the same step again.
 */
export class OperationLedger {
  readonly #byUid = new Map<string, OperationRef>();
  readonly #max: number;

  constructor(max = 4096) {
    this.#max = max;
  }

  record(uid: string | undefined, pending: OperationRef | undefined): void {
    if (!uid || !pending) return;
    if (this.#byUid.size >= this.#max) this.#byUid.clear();
    this.#byUid.set(uid, pending);
  }

  get(uid: string | undefined): OperationRef | undefined {
    return uid ? this.#byUid.get(uid) : undefined;
  }

  /** The operation was seen finished. */
  finished(uid: string | undefined, id: string): void {
    if (uid && this.#byUid.get(uid)?.id === id) this.#byUid.delete(uid);
  }

  /** The object is gone: nothing of it is kept. */
  forget(uid: string): void {
    this.#byUid.delete(uid);
  }

  get size(): number {
    return this.#byUid.size;
  }
}

/** One ledger for the process: every chain kind's clients share it. */
export const sharedOperationLedger = new OperationLedger();

export interface PendingCheck {
  /** The recorded operation, while any of its operations still runs. */
  readonly running?: OperationRef;
  /** The operations still running (for messages). */
  readonly runningOps: readonly ComputeOperation[];
}

async function fetchOperation(api: ComputeApi, project: string, name: string): Promise<ComputeOperation | undefined> {
  try {
    return await api.operation(project, name);
  } catch (err) {
    if (errorClassOf(err) === "NotFound") return undefined;
    throw err;
  }
}

function endedMsAgo(op: ComputeOperation, now: number): number {
  const end = Date.parse(op.endTime ?? "");
  return Number.isNaN(end) ? Number.POSITIVE_INFINITY : now - end;
}

/**
 * Looks at the operations recorded in status. A failed one is thrown: a failure only the spec can
 * cure until the spec changes (or the object is deleted); one retrying may cure for
 * RETRY_FAILED_AFTER_MS after it ended, after which the step is tried again. Operations compute has
 * forgotten count as finished.
 */
/** The operation set to look at: the one this process started last, when the object handed in predates it. */
function recordedOf(mr: Managed, ledger: OperationLedger | undefined): OperationRef | undefined {
  const remembered = ledger?.get(mr.metadata.uid);
  const inStatus = mr.status?.pendingOperation;
  return remembered && remembered.id !== inStatus?.id ? remembered : inStatus;
}

/** Whether a finished operation's failure still stands (see checkPending). */
function stands(failed: ProviderError, op: ComputeOperation, mr: Managed, now: number): boolean {
  if (isRetryable(failed)) return endedMsAgo(op, now) < RETRY_FAILED_AFTER_MS;
  return !specChangedSince(mr) && !mr.metadata.deletionTimestamp;
}

export async function checkPending(api: ComputeApi, project: string, mr: Managed, opts: { now?: number; ledger?: OperationLedger } = {}): Promise<PendingCheck> {
  const recorded = recordedOf(mr, opts.ledger);
  const names = operationNames(recorded);
  if (!recorded || names.length === 0) return { runningOps: [] };
  const ops = (await Promise.all(names.map((n) => fetchOperation(api, project, n)))).filter((op) => op !== undefined);
  const runningOps = ops.filter((op) => statusName(op) !== "DONE");
  if (runningOps.length > 0) return { running: recorded, runningOps };
  opts.ledger?.finished(mr.metadata.uid, recorded.id);
  const now = opts.now ?? Date.now();
  for (const op of ops) {
    const failed = operationError(op);
    if (failed && stands(failed, op, mr, now)) throw failed;
  }
  return { runningOps: [] };
}

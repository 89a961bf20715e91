// Long-running operations that advance by wall time: PENDING for the first quarter of the delay,
// RUNNING until it has passed, then DONE. The change an operation makes is committed exactly once,
// when the first request after its end time settles it (no timers: every request settles what is
// due first, in end-time order), so what clients observe is the same as if it ran in the
// background. A scheduled fault makes the next matching operation end DONE with an error instead.
import { setTimeout as sleep } from "node:timers/promises";

export type OperationStatus = "PENDING" | "RUNNING" | "DONE";
export type Service = "sqladmin" | "compute";

/** Why an operation failed: the HTTP status and the service's error code and message. */
export interface OperationFailure {
  readonly httpStatus: number;
  /** Cloud SQL: e.g. `ERROR_RDBMS`; compute: e.g. `RESOURCE_NOT_FOUND`. */
  readonly code: string;
  readonly message: string;
}

export interface OperationSpec {
  readonly service: Service;
  readonly project: string;
  /** `CREATE`, `UPDATE`, `CREATE_USER` (Cloud SQL) or `insert`, `setUrlMap` (compute). */
  readonly operationType: string;
  readonly targetLink: string;
  /** Cloud SQL: the instance name; compute: the target's numeric id. */
  readonly targetId: string;
  readonly delayMs: number;
  /** Applies the change; a returned failure ends the operation with that error. */
  readonly commit: () => OperationFailure | undefined;
  /** Undoes what the request already did when the operation fails without committing. */
  readonly abort?: () => void;
}

export interface Operation {
  readonly spec: OperationSpec;
  readonly id: string;
  readonly name: string;
  readonly insertTime: number;
  readonly startTime: number;
  readonly endTime: number;
  /** Set once settled. */
  readonly outcome?: { readonly error?: OperationFailure };
}

/** Which operations a scheduled fault applies to; absent fields match all. */
export interface OperationFaultMatch {
  readonly service?: Service;
  readonly operationType?: string;
  /** A regular expression tested against the target link. */
  readonly targetPattern?: string;
}

interface MutableOperation extends Operation {
  outcome?: { readonly error?: OperationFailure };
  fault?: OperationFailure;
}

interface ScheduledFault {
  readonly match: OperationFaultMatch;
  readonly failure: OperationFailure;
  remaining: number;
}

export interface Naming {
  readonly id: () => string;
  readonly name: (nowMs: number) => string;
}

export class OperationEngine {
  readonly #now: () => number;
  readonly #naming: Readonly<Record<Service, Naming>>;
  readonly #ops: MutableOperation[] = [];
  #faults: ScheduledFault[] = [];

  constructor(now: () => number, naming: Readonly<Record<Service, Naming>>) {
    this.#now = now;
    this.#naming = naming;
  }

  /** Starts an operation; with a zero delay it is settled (and DONE) before this returns. */
  start(spec: OperationSpec): Operation {
    const now = this.#now();
    const delay = Math.max(0, spec.delayMs);
    const naming = this.#naming[spec.service];
    const op: MutableOperation = {
      spec,
      id: naming.id(),
      name: naming.name(now),
      insertTime: now,
      startTime: now + Math.floor(delay / 4),
      endTime: now + delay,
      fault: this.#takeFault(spec),
    };
    this.#ops.push(op);
    this.settle();
    return op;
  }

  status(op: Operation): OperationStatus {
    if (op.outcome !== undefined) return "DONE";
    return this.#now() < op.startTime ? "PENDING" : "RUNNING";
  }

  /** Commits every operation whose end time has passed, oldest end first. */
  settle(): void {
    const now = this.#now();
    const due = this.#ops.filter((op) => op.outcome === undefined && op.endTime <= now).sort((a, b) => a.endTime - b.endTime);
    for (const op of due) op.outcome = finish(op);
  }

  /** True while an operation on this target is not DONE. */
  busy(service: Service, targetLink: string): boolean {
    this.settle();
    return this.#ops.some((op) => op.outcome === undefined && op.spec.service === service && op.spec.targetLink === targetLink);
  }

  /** By name or numeric id, as compute's operations.get accepts either. */
  find(service: Service, project: string, nameOrId: string): Operation | undefined {
    return this.#ops.find((op) => op.spec.service === service && op.spec.project === project && (op.name === nameOrId || op.id === nameOrId));
  }

  /** A project's operations of a service, newest first. */
  list(service: Service, project: string, targetLink?: string): Operation[] {
    return this.#ops
      .filter((op) => op.spec.service === service && op.spec.project === project && (targetLink === undefined || op.spec.targetLink === targetLink))
      .sort((a, b) => b.insertTime - a.insertTime);
  }

  remove(op: Operation): void {
    const i = this.#ops.indexOf(op);
    if (i >= 0) this.#ops.splice(i, 1);
  }

  /** Resolves when `op` is due (then settles it), after `maxMs`, or when `signal` aborts. */
  async waitFor(op: Operation, maxMs: number, signal: AbortSignal): Promise<void> {
    const deadline = this.#now() + maxMs;
    // A timer may fire a millisecond before the wall clock reaches endTime, so sleep until it truly has.
    for (;;) {
      const remaining = Math.min(op.endTime, deadline) - this.#now();
      if (remaining <= 0 || signal.aborted) break;
      await sleep(remaining + 1, undefined, { signal }).catch(() => undefined);
    }
    this.settle();
  }

  /** The next `count` operations matching `match` end DONE with `failure` instead of committing. */
  scheduleFault(match: OperationFaultMatch, failure: OperationFailure, count = 1): void {
    this.#faults.push({ match, failure, remaining: count });
  }

  /** Forgets operations (of one project, or all) and, for a full reset, scheduled faults. */
  reset(project?: string): void {
    const keep = project === undefined ? [] : this.#ops.filter((op) => op.spec.project !== project);
    this.#ops.splice(0, this.#ops.length, ...keep);
    if (project === undefined) this.#faults = [];
  }

  #takeFault(spec: OperationSpec): OperationFailure | undefined {
    const fault = this.#faults.find((f) => faultMatches(f.match, spec));
    if (fault === undefined) return undefined;
    fault.remaining -= 1;
    if (fault.remaining <= 0) this.#faults = this.#faults.filter((f) => f !== fault);
    return fault.failure;
  }
}

function finish(op: MutableOperation): { readonly error?: OperationFailure } {
  if (op.fault !== undefined) {
    op.spec.abort?.();
    return { error: op.fault };
  }
  const error = op.spec.commit();
  return error === undefined ? {} : { error };
}

function faultMatches(match: OperationFaultMatch, spec: OperationSpec): boolean {
  if (match.service !== undefined && match.service !== spec.service) return false;
  if (match.operationType !== undefined && match.operationType !== spec.operationType) return false;
  return match.targetPattern === undefined || new RegExp(match.targetPattern).test(spec.targetLink);
}

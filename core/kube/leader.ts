import { setTimeout as sleep } from "node:timers/promises";
import { CoordinationV1Api, CoreV1Api, V1MicroTime } from "@kubernetes/client-node";
import type { KubeConfig, V1Lease } from "@kubernetes/client-node";
import type { Logger } from "pino";
import { describeKubeError, isConflict, isForbidden, isNotFound, kubeStatus, statusBody } from "./errors.ts";

export interface LeaderElectionOptions {
  readonly kc: KubeConfig;
  readonly namespace: string;
  readonly name: string;
  /** This replica's identity (pod name + random suffix). */
  readonly identity: string;
  readonly leaseDurationSeconds?: number;
  readonly renewDeadlineMs?: number;
  readonly retryPeriodMs?: number;
  /** Create the Lease's namespace when it does not exist (default true; needs RBAC to create namespaces). */
  readonly createNamespace?: boolean;
  readonly log: Logger;
}

const BRAND = Symbol.for("terraplane.LeaderElectionError");

/**
 * Leader election cannot work as configured, and retrying will not change that: the Lease's namespace
 * does not exist (and may not be created), or this identity may not read or write Leases there.
 */
export class LeaderElectionError extends Error {
  readonly [BRAND] = true;
  readonly namespace: string;
  readonly problem: "namespace-missing" | "forbidden";

  constructor(problem: LeaderElectionError["problem"], namespace: string, message: string, cause: unknown) {
    super(message, { cause });
    this.name = "LeaderElectionError";
    this.namespace = namespace;
    this.problem = problem;
  }
}

export function isLeaderElectionError(err: unknown): err is LeaderElectionError {
  return typeof err === "object" && err !== null && BRAND in err;
}

/**
 * Leader election on a coordination.k8s.io/v1 Lease, as client-go does it: acquire when the lease is
 * free or expired, renew every retry period, and give up leadership when a renewal has not
 * succeeded within the renew deadline. Writes are conditional on resourceVersion, so two replicas
 * can never both believe they hold it.
 */
export class LeaderElector {
  readonly #o: Required<LeaderElectionOptions>;
  readonly #api: CoordinationV1Api;
  readonly #core: CoreV1Api;
  #lastWarning: string | undefined;

  constructor(options: LeaderElectionOptions) {
    this.#o = { leaseDurationSeconds: 15, renewDeadlineMs: 10_000, retryPeriodMs: 2_000, createNamespace: true, ...options };
    this.#api = options.kc.makeApiClient(CoordinationV1Api);
    this.#core = options.kc.makeApiClient(CoreV1Api);
  }

  /**
   * Resolves once this replica holds the lease (or the signal aborts). Rejects at once with a
   * LeaderElectionError when it never can: a missing namespace it may not create, or no access to Leases.
   */
  async acquire(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      if (await this.#tryAcquireOrRenew({ fatal: true })) {
        this.#o.log.info({ lease: this.#o.name, identity: this.#o.identity }, "became leader");
        return;
      }
      await sleep(this.#o.retryPeriodMs, undefined, { signal }).catch(() => undefined);
    }
  }

  /** Keeps renewing; resolves when leadership is lost (renewals failed past the deadline) or the signal aborts. */
  async hold(signal: AbortSignal): Promise<"lost" | "stopped"> {
    let lastRenew = Date.now();
    while (!signal.aborted) {
      await sleep(this.#o.retryPeriodMs, undefined, { signal }).catch(() => undefined);
      if (signal.aborted) break;
      if (await this.#tryAcquireOrRenew({ fatal: false })) lastRenew = Date.now();
      else if (Date.now() - lastRenew > this.#o.renewDeadlineMs) {
        this.#o.log.error({ lease: this.#o.name }, "lost leadership");
        return "lost";
      }
    }
    return "stopped";
  }

  /** Hands the lease over at shutdown so a standby takes over at once instead of after expiry. */
  async release(): Promise<void> {
    try {
      const lease = await this.#api.readNamespacedLease({ name: this.#o.name, namespace: this.#o.namespace });
      if (lease.spec?.holderIdentity !== this.#o.identity) return;
      lease.spec.holderIdentity = undefined;
      lease.spec.leaseDurationSeconds = 1;
      await this.#api.replaceNamespacedLease({ name: this.#o.name, namespace: this.#o.namespace, body: lease });
    } catch (err) {
      this.#o.log.warn({ lease: this.#o.name, namespace: this.#o.namespace, error: describeKubeError(err) }, "could not release the lease");
    }
  }

  /** `fatal`: while acquiring, a problem retrying cannot fix is thrown; while holding, every failure is one more missed renewal. */
  async #tryAcquireOrRenew(o: { fatal: boolean }): Promise<boolean> {
    try {
      const ok = await this.#acquireOrRenew();
      this.#lastWarning = undefined;
      return ok;
    } catch (err) {
      const fatal = this.#fatal(err);
      if (fatal && o.fatal) throw fatal;
      if (!isConflict(err)) this.#warnOnce(err);
      return false;
    }
  }

  async #acquireOrRenew(): Promise<boolean> {
    const now = new V1MicroTime();
    let lease: V1Lease;
    try {
      lease = await this.#api.readNamespacedLease({ name: this.#o.name, namespace: this.#o.namespace });
    } catch (err) {
      if (!isNotFound(err)) throw err;
      await this.#createLease(now);
      return true;
    }
    const spec = lease.spec ?? {};
    const held = spec.holderIdentity && spec.holderIdentity !== this.#o.identity;
    const expires = timeOf(spec.renewTime) + (spec.leaseDurationSeconds ?? this.#o.leaseDurationSeconds) * 1000;
    if (held && expires > Date.now()) return false;
    const takingOver = spec.holderIdentity !== this.#o.identity;
    lease.spec = {
      ...spec,
      holderIdentity: this.#o.identity,
      leaseDurationSeconds: this.#o.leaseDurationSeconds,
      renewTime: now,
      ...(takingOver ? { acquireTime: now, leaseTransitions: (spec.leaseTransitions ?? 0) + 1 } : {}),
    };
    await this.#api.replaceNamespacedLease({ name: this.#o.name, namespace: this.#o.namespace, body: lease });
    return true;
  }

  /** Creates the Lease; when its namespace is missing, creates that first (if allowed) and tries once more. */
  async #createLease(now: V1MicroTime): Promise<void> {
    try {
      await this.#api.createNamespacedLease({ namespace: this.#o.namespace, body: this.#fresh(now) });
      return;
    } catch (err) {
      if (!namespaceMissing(err)) throw err;
      if (!this.#o.createNamespace) {
        throw new LeaderElectionError("namespace-missing", this.#o.namespace, `the leader-election namespace "${this.#o.namespace}" does not exist`, err);
      }
    }
    await this.#createNamespace();
    await this.#api.createNamespacedLease({ namespace: this.#o.namespace, body: this.#fresh(now) });
  }

  async #createNamespace(): Promise<void> {
    try {
      await this.#core.createNamespace({ body: { metadata: { name: this.#o.namespace, labels: { "app.kubernetes.io/managed-by": "terraplane" } } } });
      this.#o.log.info({ namespace: this.#o.namespace }, "created the leader-election namespace (it did not exist)");
    } catch (err) {
      if (kubeStatus(err) === 409) return; // created meanwhile (another replica)
      const why = isForbidden(err) ? "and this identity may not create it" : `and creating it failed: ${describeKubeError(err)}`;
      throw new LeaderElectionError("namespace-missing", this.#o.namespace, `the leader-election namespace "${this.#o.namespace}" does not exist ${why}`, err);
    }
  }

  /** A problem no retry fixes, as the error to stop with; undefined for anything that may pass. */
  #fatal(err: unknown): LeaderElectionError | undefined {
    if (isLeaderElectionError(err)) return err;
    if (isForbidden(err)) {
      return new LeaderElectionError("forbidden", this.#o.namespace, `not allowed to use Leases in namespace "${this.#o.namespace}": ${describeKubeError(err)}`, err);
    }
    return undefined;
  }

  /** One line per distinct problem, not one every retry period. */
  #warnOnce(err: unknown): void {
    const error = describeKubeError(err);
    if (error === this.#lastWarning) return;
    this.#lastWarning = error;
    this.#o.log.warn({ lease: this.#o.name, namespace: this.#o.namespace, error }, "lease update failed");
  }

  #fresh(now: V1MicroTime): V1Lease {
    return {
      metadata: { name: this.#o.name, namespace: this.#o.namespace },
      spec: { holderIdentity: this.#o.identity, leaseDurationSeconds: this.#o.leaseDurationSeconds, acquireTime: now, renewTime: now, leaseTransitions: 0 },
    };
  }
}

/** A 404 whose Status names the namespace: the Lease's namespace itself is missing. */
function namespaceMissing(err: unknown): boolean {
  return isNotFound(err) && statusBody(err)?.details?.kind === "namespaces";
}

/** Lease times arrive as RFC 3339 strings at run time, whatever the generated type says. */
function timeOf(value: Date | string | undefined): number {
  if (value === undefined) return 0;
  const ms = new Date(value).getTime();
  return Number.isNaN(ms) ? 0 : ms;
}

import { CoordinationV1Api, V1MicroTime } from "@kubernetes/client-node";
import type { KubeConfig, V1Lease } from "@kubernetes/client-node";
import type { Logger } from "pino";
import { setTimeout as sleep } from "node:timers/promises";
import { isConflict, isNotFound } from "./errors.ts";

export interface LeaderElectionOptions {
  readonly kc: KubeConfig;
  readonly namespace: string;
  readonly name: string;
  /** This replica's identity (pod name + random suffix). */
  readonly identity: string;
  readonly leaseDurationSeconds?: number;
  readonly renewDeadlineMs?: number;
  readonly retryPeriodMs?: number;
  readonly log: Logger;
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

  constructor(options: LeaderElectionOptions) {
    this.#o = { leaseDurationSeconds: 15, renewDeadlineMs: 10_000, retryPeriodMs: 2_000, ...options };
    this.#api = options.kc.makeApiClient(CoordinationV1Api);
  }

  /** Resolves once this replica holds the lease (or the signal aborts). */
  async acquire(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      if (await this.#tryAcquireOrRenew()) {
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
      if (await this.#tryAcquireOrRenew()) lastRenew = Date.now();
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
      this.#o.log.warn({ err: String(err) }, "could not release the lease");
    }
  }

  async #tryAcquireOrRenew(): Promise<boolean> {
    const now = new V1MicroTime();
    try {
      let lease: V1Lease;
      try {
        lease = await this.#api.readNamespacedLease({ name: this.#o.name, namespace: this.#o.namespace });
      } catch (err) {
        if (!isNotFound(err)) throw err;
        await this.#api.createNamespacedLease({ namespace: this.#o.namespace, body: this.#fresh(now) });
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
    } catch (err) {
      if (!isConflict(err)) this.#o.log.warn({ err: String(err) }, "lease update failed");
      return false;
    }
  }

  #fresh(now: V1MicroTime): V1Lease {
    return {
      metadata: { name: this.#o.name, namespace: this.#o.namespace },
      spec: { holderIdentity: this.#o.identity, leaseDurationSeconds: this.#o.leaseDurationSeconds, acquireTime: now, renewTime: now, leaseTransitions: 0 },
    };
  }
}

/** Lease times arrive as RFC 3339 strings at run time, whatever the generated type says. */
function timeOf(value: Date | string | undefined): number {
  if (value === undefined) return 0;
  const ms = new Date(value).getTime();
  return Number.isNaN(ms) ? 0 : ms;
}

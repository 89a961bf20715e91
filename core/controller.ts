import type { KubeConfig, KubernetesObject } from "@kubernetes/client-node";
import type { Logger } from "pino";
import { jittered } from "./backoff.ts";
import { setConditions, synced } from "./conditions.ts";
import { EventReason } from "./event-reasons.ts";
import type { ConnectionPublisher } from "./kube/connection-secret.ts";
import { KubeConnectResolver } from "./kube/connect-context.ts";
import { isConflict, isNotFound } from "./kube/errors.ts";
import type { EventRecorder } from "./kube/events.ts";
import { SupervisedInformer } from "./kube/informer.ts";
import { KubeManagedWriter } from "./kube/managed-client.ts";
import { MAX_CACHE_LAG_MS, SelfWrites } from "./kube/self-writes.ts";
import type { ManagedWriter } from "./kube/managed-client.ts";
import type { Metrics } from "./metrics.ts";
import { invalidSpecMessage, managedParser } from "./parse.ts";
import type { ManagedParser } from "./parse.ts";
import type { Managed, RegisteredKind } from "./provider.ts";
import { ManagedReconciler } from "./reconciler.ts";
import type { Outcome } from "./reconciler.ts";
import type { Priority, WorkQueue } from "./queue.ts";

/** How long one reconcile may take, every cloud call included, unless the kind says otherwise. */
export const DEFAULT_RECONCILE_TIMEOUT_MS = 60_000;

export interface KindControllerOptions<F, A> {
  readonly kc: KubeConfig;
  readonly registered: RegisteredKind<F, A>;
  readonly queue: WorkQueue;
  readonly events: EventRecorder;
  readonly connection: ConnectionPublisher;
  readonly metrics: Metrics;
  readonly log: Logger;
  readonly namespace?: string;
  readonly pollIntervalMs: number;
  readonly progressIntervalMs: number;
  /** Fraction of the poll interval to jitter by, so thousands of resources do not poll in lockstep. */
  readonly pollJitter?: number;
}

/**
 * Runs one managed kind: an informer that only enqueues keys, and a handler the shared work queue
 * calls with at most one reconcile per key at a time. Keys are `<group>/<Kind>/<namespace>/<name>`.
 */
export class KindController<F = unknown, A = unknown> {
  readonly prefix: string;
  readonly #o: KindControllerOptions<F, A>;
  readonly #informer: SupervisedInformer;
  readonly #reconciler: ManagedReconciler<F, A>;
  readonly #parser: ManagedParser<F, A>;
  readonly #writer: ManagedWriter<F, A>;
  readonly #selfWrites: SelfWrites;
  readonly #abort = new AbortController();
  readonly #timeoutMs: number;
  // Per running reconcile, what promote() fires (see WorkQueueOptions.onPromote).
  readonly #promotions = new Map<string, AbortController>();

  constructor(options: KindControllerOptions<F, A>) {
    this.#o = options;
    const { managed, connector, externalName, provider } = options.registered;
    this.prefix = `${managed.group}/${managed.kind}/`;
    this.#timeoutMs = options.registered.reconcileTimeoutMs ?? DEFAULT_RECONCILE_TIMEOUT_MS;
    this.#parser = managedParser(managed);
    const type = { group: managed.group, version: managed.version, kind: managed.kind, plural: managed.plural };
    const log = options.log.child({ kind: managed.kind, group: managed.group });
    // The writer tells the informer which versions are its own, so they do not wake the object again,
    // and handle() which objects the cache has not caught up with.
    this.#selfWrites = new SelfWrites();
    this.#writer = new KubeManagedWriter<F, A>(options.kc, type, (obj) => this.#parser.parse(obj), this.#selfWrites);
    const resolver = new KubeConnectResolver(options.kc, managed.group, managed.version);
    this.#reconciler = new ManagedReconciler<F, A>({
      connector,
      externalName,
      writer: this.#writer,
      events: options.events,
      connection: options.connection,
      connectContext: (signal) => resolver.context(signal),
      log,
      pollIntervalMs: options.pollIntervalMs,
      progressIntervalMs: options.progressIntervalMs,
      onExternalCall: (operation, result, seconds) => {
        options.metrics.externalCalls.inc({ provider, kind: managed.kind, operation, result });
        options.metrics.externalCallDuration.observe({ provider, kind: managed.kind, operation }, seconds);
      },
      onDrift: () => options.metrics.driftDetections.inc({ kind: managed.kind }),
      onCloudChange: (mr) => options.queue.add(this.#key(mr), "poll"),
    });
    this.#informer = new SupervisedInformer({
      kc: options.kc,
      type,
      ...(options.namespace ? { namespace: options.namespace } : {}),
      log,
      selfWrites: this.#selfWrites,
      onChange: (obj, change) => {
        if (change === "deleted") this.#forget(obj);
        else options.queue.add(this.#key(obj), "event");
      },
    });
  }

  async start(): Promise<void> {
    await this.#informer.start();
  }

  async stop(): Promise<void> {
    this.#abort.abort();
    await this.#informer.stop();
  }

  get synced(): boolean {
    return this.#informer.synced;
  }

  /**
   * The queue's handler for this kind's keys, and the one place a reconcile's result is handled:
   * its duration and result are recorded even when it throws, and a thrown error backs off like any
   * other failure, at poll priority (it is not a user's edit).
   */
  async handle(key: string, priority: Priority = "event"): Promise<void> {
    const [namespace = "", name = ""] = key.slice(this.prefix.length).split("/");
    const obj = this.#informer.get(namespace, name);
    if (!obj) {
      this.#o.queue.forget(key);
      return;
    }
    if (this.#waitForCache(key, obj, priority)) return;
    const kindLabel = this.#o.registered.managed.kind;
    const end = this.#o.metrics.reconcileDuration.startTimer({ kind: kindLabel });
    let outcome: Outcome = { type: "error", terminal: false };
    const promotion = new AbortController();
    this.#promotions.set(key, promotion);
    try {
      outcome = await this.#reconcileWithin(obj, priority, promotion.signal);
    } catch (err) {
      this.#o.log.error({ key, err: err instanceof Error ? err.message : String(err) }, "reconcile failed unexpectedly");
    } finally {
      this.#promotions.delete(key);
      end();
      this.#o.metrics.reconciles.inc({ kind: kindLabel, result: outcome.type });
      this.#schedule(key, outcome);
    }
  }

  /**
   * True when the cache has not yet seen this controller's own last write of the object: the
   * reconcile waits for it (the watch delivering it queues the key again), rather than act on the
   * version before. If it never comes, the key runs after MAX_CACHE_LAG_MS all the same.
   */
  #waitForCache(key: string, obj: KubernetesObject, priority: Priority): boolean {
    const cacheKey = `${obj.metadata?.namespace ?? ""}/${obj.metadata?.name ?? ""}`;
    if (!this.#selfWrites.behind(cacheKey)) return false;
    this.#o.metrics.cacheWaits.inc({ kind: this.#o.registered.managed.kind });
    this.#selfWrites.whenSeen(cacheKey, () => this.#o.queue.add(key, priority));
    this.#o.queue.addAfter(key, MAX_CACHE_LAG_MS, priority);
    return true;
  }

  /** A user's edit of `key` arrived while it reconciles as a poll: its calls still waiting for budget go ahead. */
  promote(key: string): void {
    this.#promotions.get(key)?.abort();
  }

  /** One reconcile under a signal that fires on shutdown or once the kind's deadline passes. */
  async #reconcileWithin(obj: KubernetesObject, priority: Priority, promoted: AbortSignal): Promise<Outcome> {
    const signal = AbortSignal.any([this.#abort.signal, AbortSignal.timeout(this.#timeoutMs)]);
    const parsed = this.#parser.parse(obj);
    if (parsed.ok) return this.#reconciler.reconcile(parsed.managed, signal, priority, promoted);
    // An invalid spec is reported, never acted on, except that deletion still proceeds as far as it
    // can without one (an object must never become undeletable).
    if (obj.metadata?.deletionTimestamp) return this.#reconciler.reconcileInvalidDeletion(parsed.managed, parsed.problems, signal);
    return this.#invalid(parsed.managed, parsed.problems);
  }

  #schedule(key: string, outcome: Outcome): void {
    const queue = this.#o.queue;
    switch (outcome.type) {
      case "requeue":
        queue.forget(key);
        queue.addAfter(key, this.#jittered(outcome.afterMs), "poll");
        return;
      case "error":
        // Terminal errors wait for an edit or the next poll; the rest back off per key.
        if (outcome.terminal) queue.addAfter(key, this.#jittered(outcome.afterMs), "poll");
        else queue.addRateLimited(key, "poll");
        return;
      case "conflict":
        // Someone else's write the cache has not shown yet: its watch event queues the key again;
        // backing off meanwhile keeps a stale cache from turning into a loop of 409s.
        queue.addRateLimited(key, "event");
        return;
      case "done":
        queue.forget(key);
    }
  }

  #jittered(ms: number): number {
    return jittered(ms, this.#o.pollJitter ?? 0.1, Math.random);
  }

  /** A spec the kind's schema rejects: say so in Synced, never act on it. An edit brings it back. */
  async #invalid(raw: Managed, problems: string): Promise<Outcome> {
    const message = invalidSpecMessage(problems);
    const conditions = setConditions(raw.status?.conditions, [synced("ReconcileError", message)], raw.metadata.generation, new Date().toISOString());
    const current = raw.status?.conditions?.find((c) => c.type === "Synced");
    try {
      if (current?.message !== message) {
        await this.#o.events.record(raw, "Warning", EventReason.InvalidSpec, message);
        await this.#writer.patchStatus(raw, { conditions, observedGeneration: raw.metadata.generation });
      }
    } catch (err) {
      if (isConflict(err) || isNotFound(err)) return { type: "done" };
      throw err;
    }
    return { type: "done" };
  }

  /** The object is gone from the cluster: nothing kept about it may outlive it (finalizer or not). */
  #forget(obj: KubernetesObject): void {
    this.#o.queue.forget(this.#key(obj));
    const uid = obj.metadata?.uid;
    if (!uid) return;
    this.#reconciler.forget(uid);
    this.#o.connection.forget(uid);
    this.#o.registered.connector.forget?.(uid);
  }

  #key(obj: KubernetesObject): string {
    return `${this.prefix}${obj.metadata?.namespace ?? ""}/${obj.metadata?.name ?? ""}`;
  }

  /** Re-enqueues every cached object (used after gaining leadership). */
  enqueueAll(): void {
    for (const obj of this.#informer.list()) this.#o.queue.add(this.#key(obj), "event");
  }
}

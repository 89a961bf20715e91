import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import type { KubeConfig } from "@kubernetes/client-node";
import type { Logger } from "pino";
import { KindController } from "./controller.ts";
import type { RegisteredKind } from "./provider.ts";
import { startHealthServer } from "./health-server.ts";
import { KubeConnectionPublisher } from "./kube/connection-secret.ts";
import { KubeEventRecorder } from "./kube/events.ts";
import { describeKubeError } from "./kube/errors.ts";
import { LeaderElector } from "./kube/leader.ts";
import { Metrics } from "./metrics.ts";
import type { ControllerFactory, QueueController } from "./queue-controller.ts";
import { WorkQueue } from "./queue.ts";
import type { Priority } from "./queue.ts";

export interface ManagerOptions {
  readonly kc: KubeConfig;
  readonly kinds: readonly RegisteredKind[];
  /** Controllers beside the managed kinds' (the composition layer), on the same queue. */
  readonly controllers?: readonly ControllerFactory[];
  readonly log: Logger;
  readonly namespace?: string;
  readonly concurrency: number;
  readonly pollIntervalMs: number;
  readonly progressIntervalMs?: number;
  /** host:port for /healthz, /readyz and /metrics; undefined disables the server. */
  readonly metricsAddr?: { host: string; port: number };
  /** Lease-based leader election; the Lease's namespace is created when missing unless `createNamespace` is false. */
  readonly leaderElection?: {
    namespace: string;
    name: string;
    createNamespace?: boolean;
    /** Defaults as client-go's: 15 s lease, 10 s renew deadline, 2 s retry period. */
    leaseDurationSeconds?: number;
    renewDeadlineMs?: number;
    retryPeriodMs?: number;
  };
  readonly metrics?: Metrics;
  /** How often a published connection Secret is read back to restore it if deleted (default 60 s). */
  readonly connectionSecretVerifyMs?: number;
}

/** Why a manager stopped: asked to (stop()), or on its own because another replica took the lease. */
export type ManagerExit = "stopped" | "leadership-lost";

/**
 * The controller manager: one shared work queue (global concurrency, per-key exclusivity), one
 * KindController per registered kind, the health/metrics server, and optional leader election.
 * Reconciling starts only once this replica leads; losing the lease stops it, and `done` says so: the
 * process that embeds the manager decides what happens next (the CLI exits non-zero).
 */
export class Manager {
  readonly metrics: Metrics;
  readonly #o: ManagerOptions;
  readonly #queue: WorkQueue;
  readonly #controllers: QueueController[];
  readonly #stop = new AbortController();
  #health: { url: string; close: () => Promise<void> } | undefined;
  #elector: LeaderElector | undefined;
  #exit: ManagerExit = "stopped";
  #resolveDone: (exit: ManagerExit) => void = () => {};
  /** Settles once the manager has stopped, with the reason; it never rejects. */
  readonly done: Promise<ManagerExit> = new Promise((resolveDone) => {
    this.#resolveDone = resolveDone;
  });

  constructor(options: ManagerOptions) {
    this.#o = options;
    this.metrics = options.metrics ?? new Metrics();
    this.#queue = new WorkQueue({
      onPromote: (key) => this.#controllers.find((c) => key.startsWith(c.prefix))?.promote?.(key),
      onError: (key, err) => options.log.error({ key, error: describeKubeError(err) }, "reconcile failed unexpectedly"),
    });
    const events = new KubeEventRecorder(options.kc);
    const connection = new KubeConnectionPublisher(options.kc, options.connectionSecretVerifyMs ? { verifyEveryMs: options.connectionSecretVerifyMs } : {});
    this.#controllers = options.kinds.map(
      (registered) =>
        new KindController({
          kc: options.kc,
          registered,
          queue: this.#queue,
          events,
          connection,
          metrics: this.metrics,
          log: options.log,
          ...(options.namespace ? { namespace: options.namespace } : {}),
          pollIntervalMs: options.pollIntervalMs,
          progressIntervalMs: options.progressIntervalMs ?? 5_000,
        }),
    );
    const deps = { queue: this.#queue, events, metrics: this.metrics, log: options.log, pollIntervalMs: options.pollIntervalMs, ...(options.namespace ? { namespace: options.namespace } : {}) };
    this.#controllers.push(...(options.controllers ?? []).map((make) => make(deps)));
    this.metrics.queueDepths = () => ({ ...this.#queue.depth(), delayed: this.#queue.delayed() });
  }

  /** True once every informer has completed its first list. */
  get ready(): boolean {
    return this.#controllers.every((c) => c.synced);
  }

  get healthUrl(): string | undefined {
    return this.#health?.url;
  }

  /**
   * Starts serving health, waits for leadership (if enabled), starts informers and workers. Resolves
   * once running; rejects (having released what it started) when it cannot run, e.g. a
   * LeaderElectionError for a Lease namespace that is missing and may not be created.
   */
  async start(): Promise<void> {
    try {
      await this.#start();
    } catch (err) {
      await this.stop(0);
      throw err;
    }
  }

  async #start(): Promise<void> {
    if (this.#o.metricsAddr) {
      this.#health = await startHealthServer({ ...this.#o.metricsAddr, registry: this.metrics.registry, ready: () => this.ready });
      this.#o.log.info({ url: this.#health.url }, "serving /healthz, /readyz and /metrics");
    }
    if (this.#o.leaderElection) {
      const identity = `${hostname()}-${randomBytes(3).toString("hex")}`;
      const elector = new LeaderElector({ kc: this.#o.kc, ...this.#o.leaderElection, identity, log: this.#o.log });
      // Named before it leads, so whoever watches the Lease can tell the replicas apart.
      this.#o.log.info({ lease: this.#o.leaderElection.name, namespace: this.#o.leaderElection.namespace, identity }, "waiting for leadership");
      await elector.acquire(this.#stop.signal);
      if (this.#stop.signal.aborted) return;
      this.#elector = elector; // only a lease we hold is released at stop
      void elector.hold(this.#stop.signal).then((result) => this.#onLeadership(result));
    }
    await Promise.all(this.#controllers.map((c) => c.start()));
    this.#queue.run((key, priority) => this.#route(key, priority), { concurrency: this.#o.concurrency }).catch((err: unknown) => {
      this.#o.log.error({ error: describeKubeError(err) }, "work queue stopped unexpectedly");
    });
    this.#o.log.info({ kinds: this.#o.kinds.map((k) => `${k.managed.kind}.${k.managed.group}`), concurrency: this.#o.concurrency }, "controller manager running");
  }

  #onLeadership(result: "lost" | "stopped"): void {
    if (result !== "lost" || this.#stop.signal.aborted) return;
    this.#o.log.error("leadership lost: stopping so a new leader can take over");
    this.#exit = "leadership-lost";
    this.stop().catch((err: unknown) => this.#o.log.error({ error: describeKubeError(err) }, "stopping after lost leadership failed"));
  }

  /** Graceful stop: no new work, in-flight reconciles finish (bounded), informers and lease released. */
  async stop(drainMs = 20_000): Promise<void> {
    if (this.#stop.signal.aborted) return;
    this.#stop.abort();
    // shutdown() waits at most drainMs for in-flight reconciles; a reconcile stuck on the cloud beyond
    // that is abandoned (its key is retried by the next leader), so #running is not awaited.
    try {
      await this.#queue.shutdown({ drainMs });
      await Promise.all(this.#controllers.map((c) => c.stop()));
      await this.#elector?.release();
      await this.#health?.close();
      this.#o.log.info({ reason: this.#exit }, "controller manager stopped");
    } finally {
      this.#resolveDone(this.#exit);
    }
  }

  async #route(key: string, priority: Priority): Promise<void> {
    const controller = this.#controllers.find((c) => key.startsWith(c.prefix));
    if (controller) await controller.handle(key, priority);
  }
}

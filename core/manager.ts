import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import type { KubeConfig } from "@kubernetes/client-node";
import type { Logger } from "pino";
import { KindController } from "./controller.ts";
import type { RegisteredKind } from "./provider.ts";
import { startHealthServer } from "./health-server.ts";
import { KubeConnectionPublisher } from "./kube/connection-secret.ts";
import { KubeEventRecorder } from "./kube/events.ts";
import { LeaderElector } from "./kube/leader.ts";
import { Metrics } from "./metrics.ts";
import type { ControllerFactory, QueueController } from "./queue-controller.ts";
import { WorkQueue } from "./queue.ts";

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
  readonly leaderElection?: { namespace: string; name: string };
  readonly metrics?: Metrics;
  /** How often a published connection Secret is read back to restore it if deleted (default 60 s). */
  readonly connectionSecretVerifyMs?: number;
}

/**
 * The controller manager: one shared work queue (global concurrency, per-key exclusivity), one
 * KindController per registered kind, the health/metrics server, and optional leader election.
 * Reconciling starts only once this replica leads; losing the lease stops it.
 */
export class Manager {
  readonly metrics: Metrics;
  readonly #o: ManagerOptions;
  readonly #queue: WorkQueue;
  readonly #controllers: QueueController[];
  readonly #stop = new AbortController();
  #health: { url: string; close: () => Promise<void> } | undefined;
  #elector: LeaderElector | undefined;

  constructor(options: ManagerOptions) {
    this.#o = options;
    this.metrics = options.metrics ?? new Metrics();
    this.#queue = new WorkQueue({
      onError: (key, err) => options.log.error({ key, err: err instanceof Error ? err.message : String(err) }, "reconcile failed unexpectedly"),
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

  /** Starts serving health, waits for leadership (if enabled), starts informers and workers. Resolves once running. */
  async start(): Promise<void> {
    if (this.#o.metricsAddr) {
      this.#health = await startHealthServer({ ...this.#o.metricsAddr, registry: this.metrics.registry, ready: () => this.ready });
      this.#o.log.info({ url: this.#health.url }, "serving /healthz, /readyz and /metrics");
    }
    if (this.#o.leaderElection) {
      const identity = `${hostname()}-${randomBytes(3).toString("hex")}`;
      this.#elector = new LeaderElector({ kc: this.#o.kc, ...this.#o.leaderElection, identity, log: this.#o.log });
      await this.#elector.acquire(this.#stop.signal);
      if (this.#stop.signal.aborted) return;
      void this.#elector.hold(this.#stop.signal).then((result) => {
        if (result === "lost") {
          this.#o.log.error("leadership lost: stopping so a new leader can take over");
          void this.stop().finally(() => process.exit(1));
        }
      });
    }
    await Promise.all(this.#controllers.map((c) => c.start()));
    this.#queue.run((key) => this.#route(key), { concurrency: this.#o.concurrency }).catch((err: unknown) => {
      this.#o.log.error({ err: String(err) }, "work queue stopped unexpectedly");
    });
    this.#o.log.info({ kinds: this.#o.kinds.map((k) => `${k.managed.kind}.${k.managed.group}`), concurrency: this.#o.concurrency }, "controller manager running");
  }

  /** Graceful stop: no new work, in-flight reconciles finish (bounded), informers and lease released. */
  async stop(drainMs = 20_000): Promise<void> {
    if (this.#stop.signal.aborted) return;
    this.#stop.abort();
    // shutdown() waits at most drainMs for in-flight reconciles; a reconcile stuck on the cloud beyond
    // that is abandoned (its key is retried by the next leader), so #running is not awaited.
    await this.#queue.shutdown({ drainMs });
    await Promise.all(this.#controllers.map((c) => c.stop()));
    await this.#elector?.release();
    await this.#health?.close();
    this.#o.log.info("controller manager stopped");
  }

  async #route(key: string): Promise<void> {
    const controller = this.#controllers.find((c) => key.startsWith(c.prefix));
    if (controller) await controller.handle(key);
  }
}

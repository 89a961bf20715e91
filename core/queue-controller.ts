import type { Logger } from "pino";
import type { EventRecorder } from "./kube/events.ts";
import type { Metrics } from "./metrics.ts";
import type { Priority, WorkQueue } from "./queue.ts";

/**
 * What the manager runs on its one work queue: the keys starting with `prefix`, a handler for them,
 * and the informers that feed them. A managed kind's KindController is one; the composition layer
 * registers its own.
 */
export interface QueueController {
  readonly prefix: string;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** True once every informer behind it has listed once. */
  readonly synced: boolean;
  /** Reconciles one key; `priority` says why it runs (a user's edit or a poll). */
  handle(key: string, priority: Priority): Promise<void>;
  /** An edit of `key` arrived while it is handled as a poll: hurry the run in progress (optional). */
  promote?(key: string): void;
  /** Re-enqueues every cached object (after gaining leadership). */
  enqueueAll(): void;
}

/** What the manager shares with every controller it runs. */
export interface ControllerDeps {
  readonly queue: WorkQueue;
  readonly events: EventRecorder;
  readonly metrics: Metrics;
  readonly log: Logger;
  readonly namespace?: string;
  readonly pollIntervalMs: number;
}

/** Builds a controller on the manager's shared parts. */
export type ControllerFactory = (deps: ControllerDeps) => QueueController;

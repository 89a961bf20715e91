import { CoreV1Api, PatchStrategy, setHeaderOptions } from "@kubernetes/client-node";
import type { CoreV1Event, KubeConfig } from "@kubernetes/client-node";
import type { Managed } from "../provider.ts";

export type EventType = "Normal" | "Warning";

export interface EventRecorder {
  /** Records an event on the object. Repeats of the same reason and message bump a count instead of adding events. */
  record(mr: Managed, type: EventType, reason: string, message: string): Promise<void>;
}

interface Seen {
  readonly name: string;
  count: number;
  lastAt: number;
}

/** How long a repeated event is folded into the existing one (client-go's correlator uses 10 minutes). */
const FOLD_WINDOW_MS = 10 * 60_000;
const MAX_REMEMBERED = 20_000;

/**
 * core/v1 Events, de-duplicated like client-go's correlator: the same (object, type, reason, message)
 * within the fold window patches `count` and `lastTimestamp` on the existing Event.
 */
export class KubeEventRecorder implements EventRecorder {
  readonly #core: CoreV1Api;
  readonly #component: string;
  readonly #seen = new Map<string, Seen>();

  constructor(kc: KubeConfig, component = "terraplane") {
    this.#core = kc.makeApiClient(CoreV1Api);
    this.#component = component;
  }

  async record(mr: Managed, type: EventType, reason: string, message: string): Promise<void> {
    const namespace = mr.metadata.namespace;
    const key = `${mr.metadata.uid ?? ""}\u0000${type}\u0000${reason}\u0000${message}`;
    const now = new Date();
    const seen = this.#seen.get(key);
    if (seen && now.getTime() - seen.lastAt < FOLD_WINDOW_MS) {
      seen.count++;
      seen.lastAt = now.getTime();
      await this.#core.patchNamespacedEvent(
        { name: seen.name, namespace, body: { count: seen.count, lastTimestamp: now } },
        setHeaderOptions("Content-Type", PatchStrategy.MergePatch),
      ).catch(() => this.#seen.delete(key)); // the Event expired: the next repeat creates a new one
      return;
    }
    const event: CoreV1Event = {
      metadata: { generateName: `${mr.metadata.name}.`, namespace },
      involvedObject: {
        apiVersion: mr.apiVersion,
        kind: mr.kind,
        name: mr.metadata.name,
        namespace,
        uid: mr.metadata.uid,
        resourceVersion: mr.metadata.resourceVersion,
      },
      type,
      reason,
      message,
      count: 1,
      firstTimestamp: now,
      lastTimestamp: now,
      source: { component: this.#component },
      reportingComponent: this.#component,
      reportingInstance: this.#component,
    };
    const created = await this.#core.createNamespacedEvent({ namespace, body: event });
    if (this.#seen.size >= MAX_REMEMBERED) this.#seen.clear();
    this.#seen.set(key, { name: created.metadata?.name ?? "", count: 1, lastAt: now.getTime() });
  }
}

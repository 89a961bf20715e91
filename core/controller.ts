import type { KubeConfig, KubernetesObject } from "@kubernetes/client-node";
import type { Logger } from "pino";
import { jittered } from "./backoff.ts";
import { setConditions, synced } from "./conditions.ts";
import { EventReason } from "./event-reasons.ts";
import type { ManagedKind } from "./kind.ts";
import type { ConnectionPublisher } from "./kube/connection-secret.ts";
import { KubeConnectResolver } from "./kube/connect-context.ts";
import { isConflict, isNotFound } from "./kube/errors.ts";
import type { EventRecorder } from "./kube/events.ts";
import { SupervisedInformer } from "./kube/informer.ts";
import { KubeManagedWriter } from "./kube/managed-client.ts";
import type { ManagedWriter } from "./kube/managed-client.ts";
import type { Metrics } from "./metrics.ts";
import { managedParser } from "./parse.ts";
import type { ManagedParser } from "./parse.ts";
import type { Connector, ExternalNamePolicy } from "./provider.ts";
import { ManagedReconciler } from "./reconciler.ts";
import type { Outcome } from "./reconciler.ts";
import type { WorkQueue } from "./queue.ts";

/** A managed kind as a provider registers it: its schemas, its connector and how its names behave. */
export interface RegisteredKind {
  readonly provider: string;
  readonly managed: ManagedKind;
  readonly connector: Connector;
  readonly externalName: ExternalNamePolicy;
}

export interface KindControllerOptions {
  readonly kc: KubeConfig;
  readonly registered: RegisteredKind;
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
export class KindController {
  readonly prefix: string;
  readonly #o: KindControllerOptions;
  readonly #informer: SupervisedInformer;
  readonly #reconciler: ManagedReconciler;
  readonly #parser: ManagedParser;
  readonly #writer: ManagedWriter;
  readonly #abort = new AbortController();

  constructor(options: KindControllerOptions) {
    this.#o = options;
    const { managed, connector, externalName, provider } = options.registered;
    this.prefix = `${managed.group}/${managed.kind}/`;
    this.#parser = managedParser(managed);
    const type = { group: managed.group, version: managed.version, kind: managed.kind, plural: managed.plural };
    const log = options.log.child({ kind: managed.kind, group: managed.group });
    this.#writer = new KubeManagedWriter(options.kc, type, (obj) => {
      const parsed = this.#parser.parse(obj as KubernetesObject);
      return parsed.ok ? parsed.value : parsed.raw;
    });
    const resolver = new KubeConnectResolver(options.kc, managed.group, managed.version);
    this.#reconciler = new ManagedReconciler({
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
    });
    this.#informer = new SupervisedInformer({
      kc: options.kc,
      type,
      ...(options.namespace ? { namespace: options.namespace } : {}),
      log,
      onChange: (obj, change) => {
        if (change !== "deleted") options.queue.add(this.#key(obj), "event");
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

  /** The queue's handler for this kind's keys. */
  async handle(key: string): Promise<void> {
    const [namespace = "", name = ""] = key.slice(this.prefix.length).split("/");
    const obj = this.#informer.get(namespace, name);
    const kindLabel = this.#o.registered.managed.kind;
    if (!obj) {
      this.#o.queue.forget(key);
      return;
    }
    const end = this.#o.metrics.reconcileDuration.startTimer({ kind: kindLabel });
    const parsed = this.#parser.parse(obj);
    let outcome: Outcome;
    // An invalid spec is reported, never acted on, except that deletion still proceeds (an object
    // must never become undeletable; the provider reports what it cannot do without a valid spec).
    if (parsed.ok) outcome = await this.#reconciler.reconcile(parsed.value, this.#abort.signal);
    else if (obj.metadata?.deletionTimestamp) outcome = await this.#reconciler.reconcile(parsed.raw, this.#abort.signal);
    else outcome = await this.#invalid(parsed.raw, parsed.problems);
    end();
    this.#o.metrics.reconciles.inc({ kind: kindLabel, result: outcome.type });
    this.#schedule(key, outcome);
  }

  #schedule(key: string, outcome: Outcome): void {
    const queue = this.#o.queue;
    switch (outcome.type) {
      case "requeue":
        queue.forget(key);
        queue.addAfter(key, jittered(outcome.afterMs, this.#o.pollJitter ?? 0.1, Math.random), "poll");
        return;
      case "error":
        // Terminal errors wait for an edit or the next poll; the rest back off per key.
        if (outcome.terminal) queue.addAfter(key, jittered(outcome.afterMs, this.#o.pollJitter ?? 0.1, Math.random), "poll");
        else queue.addRateLimited(key, "poll");
        return;
      case "conflict":
        queue.add(key, "event");
        return;
      case "done":
        queue.forget(key);
    }
  }

  /** A spec the kind's schema rejects: say so in Synced, never act on it. An edit brings it back. */
  async #invalid(raw: Parameters<ManagedWriter["patchStatus"]>[0], problems: string): Promise<Outcome> {
    const message = `spec is invalid: ${problems}`;
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

  #key(obj: KubernetesObject): string {
    return `${this.prefix}${obj.metadata?.namespace ?? ""}/${obj.metadata?.name ?? ""}`;
  }

  /** Re-enqueues every cached object (used after gaining leadership). */
  enqueueAll(): void {
    for (const obj of this.#informer.list()) this.#o.queue.add(this.#key(obj), "event");
  }
}

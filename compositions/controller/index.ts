import type { KubeConfig, KubernetesObject } from "@kubernetes/client-node";
import type { Logger } from "pino";
import { Counter } from "prom-client";
import type { ManagedKind } from "../../core/kind.ts";
import { isConflict } from "../../core/kube/errors.ts";
import { SupervisedInformer } from "../../core/kube/informer.ts";
import type { ControllerDeps, ControllerFactory, QueueController } from "../../core/queue-controller.ts";
import type { WorkQueue } from "../../core/queue.ts";
import { compileComposition, compositionRevision } from "../compile.ts";
import type { CompositionResult } from "../compile.ts";
import type { CompiledDefinition } from "../definition.ts";
import { Composition, compositeDefinitionKind, compositionKind } from "../kinds.ts";
import { reconcileComposition } from "./compositions.ts";
import { ComposedResources } from "./composed.ts";
import type { Owner } from "./composed.ts";
import { reconcileDefinition } from "./definitions.ts";
import { reconcileInstance } from "./instances.ts";
import { PREFIX, keyOf, parseKey } from "./keys.ts";
import type { ComposeKey } from "./keys.ts";
import { ComposeClient } from "./kube.ts";
import type { Outcome, Runtime } from "./runtime.ts";

// The composite controller: definitions, compositions and instances on the manager's one work
// queue (keys under compose.terraplane.dev/). Informers only enqueue; the three reconcilers do the
// work; this module keeps the caches they share and handles every outcome in one place.

export interface CompositionControllerOptions {
  readonly kc: KubeConfig;
  /** The managed kinds compositions may compose (their schemas type-check templates; their objects are watched). */
  readonly kinds: readonly ManagedKind[];
  /**
   * Which definitions and compositions this controller owns: those labelled
   * `compose.terraplane.dev/class: <class>`; without a class, only unlabelled ones. Two controllers
   * that compose different kinds (a benchmark's test double beside the real providers) never write
   * each other's statuses or CRDs.
   */
  readonly compositionClass?: string;
}

/** The label that gives a CompositeDefinition or Composition to the controller of that class. */
export const COMPOSITION_CLASS_LABEL = "compose.terraplane.dev/class";

/** The label selector of a class's definitions and compositions (unlabelled ones when no class is given). */
export function classSelector(compositionClass: string | undefined): string {
  return compositionClass ? `${COMPOSITION_CLASS_LABEL}=${compositionClass}` : `!${COMPOSITION_CLASS_LABEL}`;
}

/** The composition layer for Manager's `controllers`. */
export function compositionControllerFactory(options: CompositionControllerOptions): ControllerFactory {
  return (deps) => new CompositionController(options, deps);
}

interface ServedKind {
  readonly compiled: CompiledDefinition;
  readonly informer: SupervisedInformer;
}

export class CompositionController implements QueueController, Runtime {
  readonly prefix = PREFIX;
  readonly client: ComposeClient;
  readonly log: Logger;
  readonly kinds: readonly ManagedKind[];
  readonly pollIntervalMs: number;
  readonly composed: ComposedResources;
  readonly #o: CompositionControllerOptions;
  readonly #deps: ControllerDeps;
  readonly #queue: WorkQueue;
  readonly #definitions: SupervisedInformer;
  readonly #compositions: SupervisedInformer;
  readonly #served = new Map<string, ServedKind>();
  readonly #parsed = new Map<string, { resourceVersion: string; composition: Composition }>();
  readonly #compiled = new Map<string, { definition: CompiledDefinition; result: CompositionResult }>();
  readonly #archive = new Map<string, Composition>();
  #stopped = false;

  constructor(options: CompositionControllerOptions, deps: ControllerDeps) {
    this.#o = options;
    this.#deps = deps;
    this.#queue = deps.queue;
    const writes = new Counter({
      name: "terraplane_composition_writes_total",
      help: "Writes the composition controller made, by kind written and verb (apply, patch, status, delete).",
      labelNames: ["kind", "verb"],
      registers: [deps.metrics.registry],
    });
    this.client = new ComposeClient(options.kc, (kind, verb) => writes.inc({ kind, verb }));
    this.log = deps.log.child({ controller: "compositions" });
    this.kinds = options.kinds;
    this.pollIntervalMs = deps.pollIntervalMs;
    this.#definitions = new SupervisedInformer({
      kc: options.kc,
      type: compositeDefinitionKind,
      labelSelector: classSelector(options.compositionClass),
      log: this.log,
      onChange: (obj) => this.enqueue({ type: "definition", name: obj.metadata?.name ?? "" }),
    });
    this.#compositions = new SupervisedInformer({
      kc: options.kc,
      type: compositionKind,
      labelSelector: classSelector(options.compositionClass),
      log: this.log,
      onChange: (obj, change) => this.#compositionChanged(obj, change === "deleted"),
    });
    this.composed = new ComposedResources({
      kc: options.kc,
      kinds: options.kinds,
      ...(deps.namespace ? { namespace: deps.namespace } : {}),
      log: this.log,
      onChange: (owner) => this.#ownerChanged(owner),
    });
  }

  async start(): Promise<void> {
    this.#stopped = false;
    await Promise.all([this.#definitions.start(), this.#compositions.start(), this.composed.start()]);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await Promise.all([this.#definitions.stop(), this.#compositions.stop(), this.composed.stop(), ...[...this.#served.values()].map((s) => s.informer.stop())]);
  }

  get synced(): boolean {
    return this.#definitions.synced && this.#compositions.synced && this.composed.synced && [...this.#served.values()].every((s) => s.informer.synced);
  }

  enqueueAll(): void {
    for (const d of this.#definitions.list()) this.enqueue({ type: "definition", name: d.metadata?.name ?? "" });
    for (const c of this.#compositions.list()) this.enqueue({ type: "composition", name: c.metadata?.name ?? "" });
    for (const [definition, s] of this.#served) for (const i of s.informer.list()) this.enqueue({ type: "instance", definition, namespace: i.metadata?.namespace ?? "", name: i.metadata?.name ?? "" });
  }

  /** The one place a reconcile's outcome is scheduled; anything thrown backs off per key. */
  async handle(key: string): Promise<void> {
    const parsed = parseKey(key);
    if (!parsed) return;
    let outcome: Outcome | undefined;
    try {
      outcome = await this.#reconcile(parsed);
    } catch (err) {
      if (isConflict(err)) outcome = { type: "conflict" };
      else this.log.warn({ key, err: err instanceof Error ? err.message : String(err) }, "composition reconcile failed; retrying with backoff");
    }
    if (this.#stopped) return;
    if (!outcome) {
      this.#queue.addRateLimited(key, "poll");
      return;
    }
    this.#queue.forget(key);
    if (outcome.type === "requeue") this.#queue.addAfter(key, outcome.afterMs, "poll");
    else if (outcome.type === "conflict") this.#queue.add(key, "event");
  }

  #reconcile(k: ComposeKey): Promise<Outcome> {
    switch (k.type) {
      case "definition":
        return reconcileDefinition(this, k.name);
      case "composition":
        return reconcileComposition(this, k.name);
      case "instance":
        return reconcileInstance(this, k);
    }
  }

  // Runtime

  now(): string {
    return new Date().toISOString();
  }

  enqueue(key: ComposeKey): void {
    this.#queue.add(keyOf(key), "event");
  }

  definitionObject(name: string): KubernetesObject | undefined {
    return this.#definitions.get("", name);
  }

  compositionObject(name: string): KubernetesObject | undefined {
    return this.#compositions.get("", name);
  }

  instanceObject(definition: string, namespace: string, name: string): KubernetesObject | undefined {
    return this.#served.get(definition)?.informer.get(namespace, name);
  }

  served(definition: string): CompiledDefinition | undefined {
    return this.#served.get(definition)?.compiled;
  }

  servedByType(apiVersion: string, kind: string): CompiledDefinition | undefined {
    for (const s of this.#served.values()) if (s.compiled.apiVersion === apiVersion && s.compiled.kind === kind) return s.compiled;
    return undefined;
  }

  async serve(compiled: CompiledDefinition): Promise<void> {
    const current = this.#served.get(compiled.name);
    if (current && current.compiled.apiVersion === compiled.apiVersion) {
      this.#served.set(compiled.name, { compiled, informer: current.informer });
      return;
    }
    await current?.informer.stop();
    const spec = compiled.definition.spec;
    const informer = new SupervisedInformer({
      kc: this.#o.kc,
      type: { group: spec.group, version: spec.version, kind: spec.names.kind, plural: spec.names.plural },
      ...(this.#deps.namespace ? { namespace: this.#deps.namespace } : {}),
      log: this.log,
      onChange: (obj, change) => {
        const key = { type: "instance", definition: compiled.name, namespace: obj.metadata?.namespace ?? "", name: obj.metadata?.name ?? "" } as const;
        if (change === "deleted") this.#queue.forget(keyOf(key));
        else this.enqueue(key);
      },
    });
    this.#served.set(compiled.name, { compiled, informer });
    await informer.start();
  }

  async unserve(definition: string): Promise<void> {
    const s = this.#served.get(definition);
    this.#served.delete(definition);
    await s?.informer.stop();
  }

  compositions(): Composition[] {
    const out: Composition[] = [];
    for (const obj of this.#compositions.list()) {
      const name = obj.metadata?.name ?? "";
      const version = obj.metadata?.resourceVersion ?? "";
      const cached = this.#parsed.get(name);
      if (cached?.resourceVersion === version) {
        out.push(cached.composition);
        continue;
      }
      const parsed = Composition.safeParse(obj);
      if (!parsed.success) continue;
      this.#parsed.set(name, { resourceVersion: version, composition: parsed.data });
      out.push(parsed.data);
    }
    return out;
  }

  compile(composition: Composition, definition: CompiledDefinition): CompositionResult {
    const key = `${composition.metadata.name}@${compositionRevision(composition)}`;
    const cached = this.#compiled.get(key);
    if (cached?.definition === definition) return cached.result;
    const result = compileComposition(composition, definition, this.kinds);
    this.#compiled.set(key, { definition, result });
    return result;
  }

  get archive(): ReadonlyMap<string, Composition> {
    return this.#archive;
  }

  instancesOf(definition: string): { namespace: string; name: string }[] {
    return (this.#served.get(definition)?.informer.list() ?? []).map((o) => ({ namespace: o.metadata?.namespace ?? "", name: o.metadata?.name ?? "" }));
  }

  /** Keeps the revision an instance may be pinned to (Manual), then reconciles the composition. */
  #compositionChanged(obj: KubernetesObject, deleted: boolean): void {
    const name = obj.metadata?.name ?? "";
    const previous = this.#parsed.get(name)?.composition;
    if (previous) this.#archive.set(`${name}@${compositionRevision(previous)}`, previous);
    if (deleted) {
      this.#parsed.delete(name);
      for (const key of [...this.#archive.keys()]) if (key.startsWith(`${name}@`)) this.#archive.delete(key);
      for (const key of [...this.#compiled.keys()]) if (key.startsWith(`${name}@`)) this.#compiled.delete(key);
      const definition = previous && this.servedByType(previous.spec.compositeTypeRef.apiVersion, previous.spec.compositeTypeRef.kind);
      if (definition) for (const i of this.instancesOf(definition.name)) this.enqueue({ type: "instance", definition: definition.name, ...i });
      return;
    }
    this.compositions();
    this.enqueue({ type: "composition", name });
  }

  #ownerChanged(owner: Owner): void {
    const definition = this.servedByType(owner.apiVersion, owner.kind);
    if (definition) this.enqueue({ type: "instance", definition: definition.name, namespace: owner.namespace, name: owner.name });
  }
}

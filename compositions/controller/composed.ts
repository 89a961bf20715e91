import type { KubeConfig, KubernetesObject } from "@kubernetes/client-node";
import type { Logger } from "pino";
import type { ManagedKind } from "../../core/kind.ts";
import { SupervisedInformer } from "../../core/kube/informer.ts";
import { isRecord } from "../cel-types.ts";
import { ComposeLabels } from "../kinds.ts";

// The composed resources, watched: one informer per composed managed kind, limited by label to the
// objects a composition made, and an index from each owning instance to its objects. A change that
// matters to the instance (its Ready, Synced, atProvider; not lastSyncTime) enqueues the owner.

export interface Owner {
  readonly apiVersion: string;
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
}

export function ownerKey(o: Owner): string {
  return `${o.apiVersion}/${o.kind}/${o.namespace}/${o.name}`;
}

export interface ComposedResourcesOptions {
  readonly kc: KubeConfig;
  readonly kinds: readonly ManagedKind[];
  readonly namespace?: string;
  readonly log: Logger;
  /** Called when an instance's composed resource changed in a way the instance cares about. */
  readonly onChange: (owner: Owner) => void;
}

export class ComposedResources {
  readonly #informers: SupervisedInformer[];
  /** owner key → "<informer index>/<namespace>/<name>" of its objects. */
  readonly #index = new Map<string, Set<string>>();

  constructor(o: ComposedResourcesOptions) {
    this.#informers = o.kinds.map(
      (kind, i) =>
        new SupervisedInformer({
          kc: o.kc,
          type: { group: kind.group, version: kind.version, kind: kind.kind, plural: kind.plural },
          ...(o.namespace ? { namespace: o.namespace } : {}),
          log: o.log,
          labelSelector: ComposeLabels.composite,
          fingerprint: composedFingerprint,
          onChange: (obj, change) => {
            const owner = ownerOf(obj);
            if (!owner) return;
            const ref = `${i}/${obj.metadata?.namespace ?? ""}/${obj.metadata?.name ?? ""}`;
            const key = ownerKey(owner);
            const refs = this.#index.get(key) ?? new Set<string>();
            if (change === "deleted") refs.delete(ref);
            else refs.add(ref);
            if (refs.size > 0) this.#index.set(key, refs);
            else this.#index.delete(key);
            o.onChange(owner);
          },
        }),
    );
  }

  async start(): Promise<void> {
    await Promise.all(this.#informers.map((i) => i.start()));
  }

  async stop(): Promise<void> {
    await Promise.all(this.#informers.map((i) => i.stop()));
  }

  get synced(): boolean {
    return this.#informers.every((i) => i.synced);
  }

  /** The composed resources an instance owns, as the informers have them. */
  of(owner: Owner): KubernetesObject[] {
    const refs = this.#index.get(ownerKey(owner));
    if (!refs) return [];
    return [...refs].flatMap((ref) => {
      const [i = "", namespace = "", name = ""] = ref.split("/");
      const obj = this.#informers[Number(i)]?.get(namespace, name);
      return obj ? [obj] : [];
    });
  }
}

/** The instance that controls a composed resource (its controller owner reference). */
function ownerOf(obj: KubernetesObject): Owner | undefined {
  const ref = obj.metadata?.ownerReferences?.find((r) => r.controller === true);
  if (!ref) return undefined;
  return { apiVersion: ref.apiVersion, kind: ref.kind, namespace: obj.metadata?.namespace ?? "", name: ref.name };
}

/**
 * What of a composed resource the instance reads: spec, labels, annotations, deletion and status,
 * except the managed reconciler's per-poll lastSyncTime and condition transition times, so a quiet
 * resource never wakes its instance.
 */
export function composedFingerprint(obj: KubernetesObject): string {
  const m = obj.metadata ?? {};
  const raw: unknown = obj;
  const status: Record<string, unknown> = isRecord(raw) && isRecord(raw.status) ? { ...raw.status } : {};
  delete status.lastSyncTime;
  if (Array.isArray(status.conditions)) {
    const conditions: unknown[] = status.conditions;
    status.conditions = conditions.map((c) => (isRecord(c) ? { ...c, lastTransitionTime: undefined } : c));
  }
  return JSON.stringify([m.generation, m.deletionTimestamp, m.labels, m.annotations, status]);
}

// The trial's side of the API server: it writes the objects a user would (create, spec edit,
// delete) with the admin credential, and reads back what the controller made of them.
import { CoreV1Api, CustomObjectsApi, PatchStrategy, setHeaderOptions } from "@kubernetes/client-node";
import type { KubeConfig } from "@kubernetes/client-node";
import { z } from "zod";
import { manifest } from "./kinds.ts";
import type { TrialKind, TrialScope } from "./kinds.ts";

const Condition = z.looseObject({ type: z.string(), status: z.string(), reason: z.string().optional(), message: z.string().optional() });
const Item = z.looseObject({
  metadata: z.looseObject({ name: z.string(), generation: z.number().optional(), deletionTimestamp: z.string().optional(), finalizers: z.array(z.string()).optional() }),
  status: z.looseObject({ observedGeneration: z.number().optional(), conditions: z.array(Condition).optional() }).optional(),
});
const List = z.looseObject({ items: z.array(Item) });
export type ManagedItem = z.infer<typeof Item>;

const MERGE = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);

export class TrialCluster {
  readonly #custom: CustomObjectsApi;
  readonly #core: CoreV1Api;
  readonly #scope: TrialScope;

  constructor(kc: KubeConfig, scope: TrialScope) {
    this.#custom = kc.makeApiClient(CustomObjectsApi);
    this.#core = kc.makeApiClient(CoreV1Api);
    this.#scope = scope;
  }

  #where(kind: TrialKind): { group: string; version: string; namespace: string; plural: string } {
    return { group: kind.group, version: kind.version, namespace: this.#scope.namespace, plural: kind.plural };
  }

  async create(kind: TrialKind, name: string): Promise<void> {
    await this.#custom.createNamespacedCustomObject({ ...this.#where(kind), body: manifest(this.#scope, kind, name) });
  }

  async edit(kind: TrialKind, name: string, rev: number): Promise<void> {
    await this.#custom.patchNamespacedCustomObject({ ...this.#where(kind), name, body: { spec: { forProvider: kind.edit(this.#scope, rev) } } }, MERGE);
  }

  async delete(kind: TrialKind, name: string): Promise<void> {
    await this.#custom.deleteNamespacedCustomObject({ ...this.#where(kind), name });
  }

  async list(kind: TrialKind): Promise<ManagedItem[]> {
    return List.parse(await this.#custom.listNamespacedCustomObject(this.#where(kind))).items;
  }

  /** Without a controller nobody would remove the finalizers; the namespace would stay Terminating. */
  async dropFinalizers(kind: TrialKind): Promise<number> {
    const held = (await this.list(kind)).filter((i) => (i.metadata.finalizers ?? []).length > 0);
    for (const i of held) await this.#custom.patchNamespacedCustomObject({ ...this.#where(kind), name: i.metadata.name, body: { metadata: { finalizers: null } } }, MERGE);
    return held.length;
  }

  /** Names of the objects that had a `reason` Event (e.g. CreateOutcomeUnknown: a person would have to look). */
  async objectsWithEvent(reason: string): Promise<string[]> {
    const events = await this.#core.listNamespacedEvent({ namespace: this.#scope.namespace, fieldSelector: `reason=${reason}` });
    return [...new Set(events.items.map((e) => e.involvedObject.name ?? ""))].filter(Boolean).sort();
  }

  /** The keys the connection Secret holds, or undefined when there is none. */
  async secretKeys(name: string): Promise<string[] | undefined> {
    try {
      const s = await this.#core.readNamespacedSecret({ name, namespace: this.#scope.namespace });
      return Object.keys(s.data ?? {});
    } catch (err) {
      if (typeof err === "object" && err !== null && "code" in err && err.code === 404) return undefined;
      throw err;
    }
  }
}

/** Ready and Synced for the current generation: the controller has nothing left to do. */
export function converged(item: ManagedItem): boolean {
  const c = (type: string): string | undefined => item.status?.conditions?.find((x) => x.type === type)?.status;
  return item.metadata.deletionTimestamp === undefined && c("Ready") === "True" && c("Synced") === "True" && item.status?.observedGeneration === item.metadata.generation;
}

/** Why an object is not converged: still deleting, `Synced` or `Ready` not True (reason and message), or status behind the spec. */
export function whyNot(item: ManagedItem): string {
  const synced = conditionText(item, "Synced");
  const ready = conditionText(item, "Ready");
  if (item.metadata.deletionTimestamp) return `still deleting (${ready}; ${synced})`;
  if (!synced.startsWith("Synced=True")) return synced;
  if (!ready.startsWith("Ready=True")) return ready;
  return `observedGeneration ${String(item.status?.observedGeneration)} of generation ${String(item.metadata.generation)}`;
}

function conditionText(item: ManagedItem, type: string): string {
  const c = item.status?.conditions?.find((x) => x.type === type);
  return c ? `${type}=${c.status} ${c.reason ?? ""}: ${c.message ?? ""}` : `${type} unset`;
}

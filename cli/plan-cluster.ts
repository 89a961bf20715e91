import { setTimeout as sleep } from "node:timers/promises";
import { CustomObjectsApi, KubernetesObjectApi, PatchStrategy } from "@kubernetes/client-node";
import type { KubeConfig } from "@kubernetes/client-node";
import { z } from "zod";
import { resolveKind } from "../core/inspect/explain.ts";
import { isNotFound } from "../core/kube/errors.ts";
import { Annotations } from "../core/managed.ts";
import type { RawObject } from "../core/parse.ts";
import type { RegisteredKind } from "../core/provider.ts";

// Managed objects in the cluster for `terraplane plan` and `adopt`: by <kind>/<name>, by kind, by
// label selector, in one namespace or all; and asking the controller for a new observation.

export interface ClusterObject {
  readonly kind: RegisteredKind;
  readonly raw: RawObject;
}

export interface Selection {
  readonly namespace: string | undefined;
  readonly selector?: string | undefined;
}

const RawList = z.object({ items: z.array(z.looseObject({ apiVersion: z.string(), kind: z.string(), metadata: z.looseObject({}) })) });
const RawItem = RawList.shape.items.element;

function refOf(kind: RegisteredKind): { group: string; version: string; plural: string } {
  return { group: kind.managed.group, version: kind.managed.version, plural: kind.managed.plural };
}

async function registeredKindOf(kc: KubeConfig, kinds: readonly RegisteredKind[], typed: string): Promise<RegisteredKind> {
  const served = await resolveKind(kc, typed);
  const kind = kinds.find((k) => k.managed.group === served.group && k.managed.kind === served.kind);
  if (!kind) throw new Error(`${served.kind}.${served.group} is served by the cluster but not known to this terraplane binary`);
  return kind;
}

async function getOne(kc: KubeConfig, kind: RegisteredKind, namespace: string, name: string): Promise<ClusterObject> {
  try {
    const raw: unknown = await kc.makeApiClient(CustomObjectsApi).getNamespacedCustomObject({ ...refOf(kind), namespace, name });
    return { kind, raw: RawItem.parse(raw) };
  } catch (err) {
    if (isNotFound(err)) throw new Error(`${kind.managed.kind} "${name}" not found in namespace "${namespace}"`, { cause: err });
    throw err;
  }
}

async function listKind(kc: KubeConfig, kind: RegisteredKind, sel: Selection): Promise<ClusterObject[]> {
  const api = kc.makeApiClient(CustomObjectsApi);
  const labelSelector = sel.selector ? { labelSelector: sel.selector } : {};
  try {
    const list: unknown = sel.namespace
      ? await api.listNamespacedCustomObject({ ...refOf(kind), namespace: sel.namespace, ...labelSelector })
      : await api.listClusterCustomObject({ ...refOf(kind), ...labelSelector });
    return RawList.parse(list).items.map((raw) => ({ kind, raw }));
  } catch (err) {
    // A kind whose CRD is not installed has no objects.
    if (isNotFound(err)) return [];
    throw err;
  }
}

/** `<kind>/<name>` and `<kind>` arguments (none: every managed kind), narrowed by namespace and label selector. */
export async function clusterObjects(kc: KubeConfig, kinds: readonly RegisteredKind[], args: readonly string[], sel: Selection): Promise<ClusterObject[]> {
  if (args.length === 0) return (await Promise.all(kinds.map((k) => listKind(kc, k, sel)))).flat();
  const out: ClusterObject[] = [];
  for (const arg of args) {
    const slash = arg.indexOf("/");
    if (slash === arg.length - 1 || slash === 0) throw new Error(`expected <kind>/<name> or <kind>, got "${arg}"`);
    const kind = await registeredKindOf(kc, kinds, slash < 0 ? arg : arg.slice(0, slash));
    if (slash < 0) out.push(...(await listKind(kc, kind, sel)));
    else {
      if (!sel.namespace) throw new Error(`${arg}: a single object needs a namespace (-n), not --all-namespaces`);
      if (sel.selector) throw new Error(`${arg}: give either <kind>/<name> or -l <selector>, not both`);
      out.push(await getOne(kc, kind, sel.namespace, arg.slice(slash + 1)));
    }
  }
  return out;
}

const Observed = z.looseObject({
  metadata: z.looseObject({ generation: z.number().optional() }),
  status: z.looseObject({ lastSyncTime: z.string().optional(), observedGeneration: z.number().optional() }).optional(),
});

/**
 * Asks the controller for a new observation (the reconcile-requested-at annotation enqueues the
 * object at event priority) and waits until status shows one newer than the request for the current
 * generation. Returns the object then; throws after `timeoutMs` saying what was last seen.
 */
export async function refreshed(kc: KubeConfig, obj: ClusterObject, timeoutMs: number): Promise<ClusterObject> {
  const { name = "", namespace = "" } = obj.raw.metadata ?? {};
  const requestedAt = new Date().toISOString();
  await KubernetesObjectApi.makeApiClient(kc).patch(
    { apiVersion: obj.raw.apiVersion, kind: obj.raw.kind, metadata: { name, namespace, annotations: { [Annotations.reconcileRequestedAt]: requestedAt } } },
    undefined,
    undefined,
    "terraplane-plan",
    undefined,
    PatchStrategy.MergePatch,
  );
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const last = await getOne(kc, obj.kind, namespace, name);
    const seen = Observed.parse(last.raw);
    const sync = seen.status?.lastSyncTime;
    if (sync !== undefined && sync > requestedAt && seen.status?.observedGeneration === seen.metadata.generation) return last;
    await sleep(250);
  }
  throw new Error(`the controller reported no new observation within ${Math.round(timeoutMs / 1000)}s of the refresh request (is it running, and can it reach the cloud? see terraplane explain)`);
}

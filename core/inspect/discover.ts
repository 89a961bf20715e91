import { ApiextensionsV1Api, CustomObjectsApi } from "@kubernetes/client-node";
import type { KubeConfig, V1CustomResourceDefinition } from "@kubernetes/client-node";
import { z } from "zod";
import { Condition, DriftStatus, PendingOperation } from "../managed.ts";

/** A managed kind as the cluster serves it (found by the `managed` category every Terraplane managed CRD carries, or `composite` for the composition layer's abstract kinds). */
export interface ServedKind {
  readonly group: string;
  readonly version: string;
  readonly kind: string;
  readonly plural: string;
  readonly names: readonly string[];
  /** An abstract kind of the composition layer (a WebStack): its status lists the managed resources it composed. */
  readonly composite?: boolean;
}

export async function managedKinds(kc: KubeConfig): Promise<ServedKind[]> {
  const crds = await kc.makeApiClient(ApiextensionsV1Api).listCustomResourceDefinition();
  const served = (crd: V1CustomResourceDefinition): boolean => ["managed", "composite"].some((c) => crd.spec.names.categories?.includes(c));
  return crds.items.filter(served).map(servedKind).sort((a, b) => a.kind.localeCompare(b.kind) || a.group.localeCompare(b.group));
}

/** Any kind of a group as the cluster serves it (a ProviderConfig's version and plural are the API server's, not guessed). */
export async function servedKindOf(kc: KubeConfig, group: string, kind: string): Promise<ServedKind | undefined> {
  const crds = await kc.makeApiClient(ApiextensionsV1Api).listCustomResourceDefinition();
  const crd = crds.items.find((c) => c.spec.group === group && c.spec.names.kind === kind);
  return crd ? servedKind(crd) : undefined;
}

function servedKind(crd: V1CustomResourceDefinition): ServedKind {
  const version = crd.spec.versions.find((v) => v.storage)?.name ?? crd.spec.versions[0]?.name ?? "v1alpha1";
  const n = crd.spec.names;
  const names = [n.kind, n.plural, n.singular ?? "", ...(n.shortNames ?? [])].filter(Boolean).map((s) => s.toLowerCase());
  const composite = n.categories?.includes("composite") ?? false;
  return { group: crd.spec.group, version, kind: n.kind, plural: n.plural, names: [...names, ...names.map((s) => `${s}.${crd.spec.group}`)], composite };
}

// The shapes the controller writes (core/managed.ts), read leniently: a tool shows what is there.
const ConditionView = Condition.partial().required({ type: true, status: true });
export const ManagedObject = z.object({
  apiVersion: z.string(),
  kind: z.string(),
  metadata: z.object({
    name: z.string(),
    namespace: z.string().optional(),
    uid: z.string().optional(),
    creationTimestamp: z.string().optional(),
    deletionTimestamp: z.string().optional(),
    generation: z.number().optional(),
    annotations: z.record(z.string(), z.string()).optional(),
  }),
  spec: z
    .looseObject({
      providerConfigRef: z.object({ kind: z.string(), name: z.string() }).optional(),
      writeConnectionSecretToRef: z.object({ name: z.string() }).optional(),
      managementPolicies: z.array(z.string()).optional(),
    })
    .optional(),
  status: z
    .looseObject({
      conditions: z.array(ConditionView).optional(),
      observedGeneration: z.number().optional(),
      lastSyncTime: z.string().optional(),
      drift: DriftStatus.optional(),
      pendingOperation: PendingOperation.optional(),
    })
    .optional(),
});
export type ManagedObject = z.infer<typeof ManagedObject>;

export async function listManaged(kc: KubeConfig, kind: ServedKind, namespace?: string): Promise<ManagedObject[]> {
  const api = kc.makeApiClient(CustomObjectsApi);
  const ref = { group: kind.group, version: kind.version, plural: kind.plural };
  const list: unknown = namespace ? await api.listNamespacedCustomObject({ ...ref, namespace }) : await api.listClusterCustomObject(ref);
  return z.object({ items: z.array(ManagedObject) }).parse(list).items;
}

/** "aws" for aws.terraplane.dev: the cloud a managed kind belongs to. */
export function cloudOf(group: string): string {
  return group.split(".")[0] ?? group;
}

/** "5m", "3h", "2d" — kubectl's age style. */
export function age(since: string | undefined, now = Date.now()): string {
  if (!since) return "<unknown>";
  const s = Math.max(0, Math.floor((now - new Date(since).getTime()) / 1000));
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.floor(s / 60)}m`;
  if (s < 172_800) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86_400)}d`;
}

import type { KubeConfig } from "@kubernetes/client-node";
import { isNotFound } from "../kube/errors.ts";
import { conditionOf } from "../conditions.ts";
import { age, cloudOf, listManaged, managedKinds } from "./discover.ts";
import type { ManagedObject, ServedKind } from "./discover.ts";

export interface StatusRow {
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  readonly cloud: string;
  readonly ready: string;
  readonly synced: string;
  readonly age: string;
  /** Why it is not Ready or not Synced (the Synced message first: it is the actionable one). */
  readonly message: string;
}

/** Every managed resource in the namespace (or all namespaces), one row each. */
export async function statusRows(kc: KubeConfig, namespace?: string): Promise<StatusRow[]> {
  const kinds = await managedKinds(kc);
  const rows = await Promise.all(
    kinds.map(async (kind) => {
      try {
        return (await listManaged(kc, kind, namespace)).map((obj) => rowOf(kind, obj));
      } catch (err) {
        // A CRD removed between discovery and listing has nothing left to show.
        if (isNotFound(err)) return [];
        throw err;
      }
    }),
  );
  return rows.flat().sort((a, b) => a.namespace.localeCompare(b.namespace) || a.kind.localeCompare(b.kind) || a.name.localeCompare(b.name));
}

export function rowOf(kind: ServedKind, obj: ManagedObject): StatusRow {
  const ready = conditionOf(obj.status?.conditions, "Ready");
  const synced = conditionOf(obj.status?.conditions, "Synced");
  let message = "";
  if (synced && synced.status !== "True") message = synced.message ?? synced.reason ?? "";
  else if (ready && ready.status !== "True") message = ready.message ?? ready.reason ?? "";
  return {
    kind: kind.kind,
    namespace: obj.metadata.namespace ?? "",
    name: obj.metadata.name,
    cloud: cloudOf(kind.group),
    ready: ready?.status ?? "Unknown",
    synced: synced?.status ?? "Unknown",
    age: age(obj.metadata.creationTimestamp),
    message: obj.metadata.deletionTimestamp && !message ? "deleting" : message,
  };
}

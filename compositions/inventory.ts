import type { ComposedResourceStatus } from "./definition.ts";
import { waves } from "./dag.ts";

// The inventory is what the instance records of its composed resources (status.resources: id,
// apiVersion, kind, name, namespace, wave, dependsOn). Deletion follows it, never the current
// composition (which may have changed): reverse dependency order, so the CDN goes before the load
// balancer it points at. Pruning deletes what the composition no longer has.

export type InventoryEntry = Pick<ComposedResourceStatus, "id" | "apiVersion" | "kind" | "name" | "namespace" | "wave" | "dependsOn">;

/** The inventory of a render result or an instance's status.resources. */
export function inventoryOf(resources: readonly InventoryEntry[]): InventoryEntry[] {
  return resources.map((r) => ({
    id: r.id,
    apiVersion: r.apiVersion,
    kind: r.kind,
    name: r.name,
    ...(r.namespace ? { namespace: r.namespace } : {}),
    wave: r.wave,
    ...(r.dependsOn?.length ? { dependsOn: [...r.dependsOn] } : {}),
  }));
}

/** Deletion waves: the dependents first. Delete a wave, wait until it is gone, then the next. */
export function deletionWaves(inventory: readonly InventoryEntry[]): InventoryEntry[][] {
  const byId = new Map(inventory.map((e) => [e.id, e]));
  const order = waves(inventory.map((e) => ({ id: e.id, dependsOn: e.dependsOn ?? [] })));
  return order.reverse().map((ids) => ids.flatMap((id) => byId.get(id) ?? []));
}

/** Recorded entries the new render no longer has (another id, kind or name): delete them, in deletion order. */
export function pruneWaves(recorded: readonly InventoryEntry[], current: readonly InventoryEntry[]): InventoryEntry[][] {
  const key = (e: InventoryEntry): string => `${e.id}/${e.apiVersion}/${e.kind}/${e.namespace ?? ""}/${e.name}`;
  const keep = new Set(current.map(key));
  return deletionWaves(recorded.filter((e) => !keep.has(key(e)))).filter((w) => w.length > 0);
}

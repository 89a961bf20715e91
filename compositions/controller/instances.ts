import { createHash } from "node:crypto";
import type { KubernetesObject } from "@kubernetes/client-node";
import { isConflict, kubeMessage } from "../../core/kube/errors.ts";
import { isRecord } from "../cel-types.ts";
import { compose } from "../compose.ts";
import type { CompiledDefinition } from "../definition.ts";
import { ComposedResourceStatus } from "../definition.ts";
import { deletionWaves, inventoryOf, pruneWaves } from "../inventory.ts";
import type { InventoryEntry } from "../inventory.ts";
import { ComposeLabels } from "../kinds.ts";
import type { Instance, ObservedResource, RenderCondition, RenderedResource } from "../render.ts";
import { conditionsOf, mergeConditions, sameJson, stable, statusOf, statusPatch } from "./conditions.ts";
import type { ConditionUpdate } from "./conditions.ts";
import type { ObjectRef } from "./kube.ts";
import type { Outcome, Runtime } from "./runtime.ts";
import { publishConnection } from "./secret.ts";

// One instance (a WebStack) reconciled: compose() renders it from what is observed of its composed
// resources; each rendered manifest is server-side applied only when it differs from what the
// composed resource holds (no write per poll); resources the composition no longer has are deleted;
// status (the definition's fields, the inventory, Ready naming each blocker) and the connection
// Secret are written when they change. Deletion follows the recorded inventory in reverse waves.

export const COMPOSITE_FINALIZER = "compose.terraplane.dev/composite";
/** On a composed resource: the hash of the manifest last applied, so a removed field is noticed too. */
export const APPLIED_HASH = "compose.terraplane.dev/applied-hash";

const DELETION_RECHECK_MS = 1_000;

export interface InstanceRef {
  readonly definition: string;
  readonly namespace: string;
  readonly name: string;
}

export async function reconcileInstance(rt: Runtime, ref: InstanceRef): Promise<Outcome> {
  const definition = rt.served(ref.definition);
  const obj = rt.instanceObject(ref.definition, ref.namespace, ref.name);
  if (!definition || !obj) return { type: "done" };
  const instance = instanceOf(obj, definition);
  const owned = rt.composed.of({ apiVersion: definition.apiVersion, kind: definition.kind, namespace: ref.namespace, name: ref.name });
  if (obj.metadata?.deletionTimestamp) return deleteInstance(rt, definition, obj, instance, owned);
  const finalizers = obj.metadata?.finalizers ?? [];
  if (!finalizers.includes(COMPOSITE_FINALIZER)) {
    try {
      await rt.client.mergePatch(refOf(obj), { metadata: { resourceVersion: obj.metadata?.resourceVersion, finalizers: [...finalizers, COMPOSITE_FINALIZER] } });
    } catch (err) {
      if (isConflict(err)) return { type: "conflict" };
      throw err;
    }
  }
  const byId = new Map(owned.flatMap((o) => { const id = o.metadata?.labels?.[ComposeLabels.resourceId]; return id ? [[id, o] as const] : []; }));
  const observed = await observe(rt, instance, byId);
  const result = compose({ instance, definition, compositions: rt.compositions(), kinds: rt.kinds, observed, archive: rt.archive, compile: (c) => rt.compile(c, definition) });
  if (!result.ok) {
    // Nothing is applied or deleted: the composed resources stay as they are until this is fixed.
    const conditions: ConditionUpdate[] = [result.condition];
    const hasReady = conditionsOf(statusOf(obj)).some((c) => c.type === "Ready");
    if (!hasReady) conditions.push({ type: "Ready", status: "False", reason: result.condition.reason, message: "nothing composed yet: see Synced" });
    await writeStatus(rt, definition, obj, conditions, {});
    return { type: "requeue", afterMs: rt.pollIntervalMs };
  }
  const failures = await applyRendered(rt, result.resources, byId);
  const recorded = recordedInventory(obj);
  const pruning = await prune(rt, recorded, inventoryOf(result.resources.map(entryOf)));
  const rendered: unknown[] = Array.isArray(result.status.resources) ? result.status.resources : [];
  const resources = [...rendered, ...pruning.map((e) => ({ ...e, ready: "Unknown", synced: "Unknown", message: "no longer in the composition: being deleted" }))];
  const held = result.selection.held;
  const heldNote = held ? `compositionUpdatePolicy is Manual: staying on ${result.selection.composition.metadata.name} revision ${result.selection.revision}; ${held.name} revision ${held.revision} is available: set spec.compositionRevision: ${held.revision} to move to it` : undefined;
  await writeStatus(rt, definition, obj, withApplyFailures(withNote(result.conditions, heldNote), failures), { ...result.status, resources });
  await publishConnection(rt, instance, definition, result.connection.data);
  return { type: "requeue", afterMs: pruning.length > 0 ? DELETION_RECHECK_MS : rt.pollIntervalMs };
}

function instanceOf(obj: KubernetesObject, definition: CompiledDefinition): Instance {
  const raw: unknown = obj;
  const spec = isRecord(raw) && isRecord(raw.spec) ? raw.spec : {};
  const status = statusOf(obj);
  const m = obj.metadata ?? {};
  return {
    apiVersion: definition.apiVersion,
    kind: definition.kind,
    metadata: {
      name: m.name ?? "",
      ...(m.namespace ? { namespace: m.namespace } : {}),
      ...(m.uid ? { uid: m.uid } : {}),
      ...(m.labels ? { labels: m.labels } : {}),
      ...(m.annotations ? { annotations: m.annotations } : {}),
      ...(m.generation !== undefined ? { generation: m.generation } : {}),
    },
    spec,
    ...(isRecord(status) ? { status } : {}),
  };
}

/** The composed resources by id, with their connection Secrets where the composition reads them. */
async function observe(rt: Runtime, instance: Instance, byId: ReadonlyMap<string, KubernetesObject>): Promise<Map<string, ObservedResource>> {
  const out = new Map<string, ObservedResource>();
  const wantsSecret = isRecord(instance.spec.writeConnectionSecretToRef);
  for (const [id, o] of byId) {
    const raw: unknown = o;
    const object = isRecord(raw) ? raw : {};
    const secretName = isRecord(object.spec) && isRecord(object.spec.writeConnectionSecretToRef) ? object.spec.writeConnectionSecretToRef.name : undefined;
    const details = wantsSecret && typeof secretName === "string" && o.metadata?.namespace ? await rt.client.readSecret(o.metadata.namespace, secretName) : undefined;
    out.set(id, { object, ...(details ? { connectionDetails: details } : {}) });
  }
  return out;
}

interface ApplyFailure {
  readonly id: string;
  readonly kind: string;
  readonly name: string;
  readonly message: string;
}

/** Applies each rendered manifest whose content differs from the composed resource's, in wave order. */
async function applyRendered(rt: Runtime, resources: readonly RenderedResource[], byId: ReadonlyMap<string, KubernetesObject>): Promise<ApplyFailure[]> {
  const failures: ApplyFailure[] = [];
  for (const r of resources) {
    if (r.state !== "rendered" || !r.manifest) continue;
    const desired = withAppliedHash(r.manifest);
    if (!needsWrite(desired, byId.get(r.id))) continue;
    try {
      await rt.client.apply(desired);
    } catch (err) {
      // The API server refused it (admission, a CEL rule): the instance says which and why.
      failures.push({ id: r.id, kind: r.kind, name: r.name, message: kubeMessage(err) });
    }
  }
  return failures;
}

function withAppliedHash(manifest: Record<string, unknown>): Record<string, unknown> {
  const hash = createHash("sha256").update(stable(manifest)).digest("hex").slice(0, 16);
  const meta = isRecord(manifest.metadata) ? manifest.metadata : {};
  const annotations = isRecord(meta.annotations) ? meta.annotations : {};
  return { ...manifest, metadata: { ...meta, annotations: { ...annotations, [APPLIED_HASH]: hash } } };
}

/**
 * A write is needed when the resource is missing, was last applied from other content, or no longer
 * holds what is desired (edited by hand). Fields others added (late initialisation, defaults) are
 * not a difference.
 */
export function needsWrite(desired: Readonly<Record<string, unknown>>, observed: KubernetesObject | undefined): boolean {
  if (!observed) return true;
  const raw: unknown = observed;
  if (!isRecord(raw)) return true;
  const meta = isRecord(desired.metadata) ? desired.metadata : {};
  const hash = isRecord(meta.annotations) ? meta.annotations[APPLIED_HASH] : undefined;
  if (observed.metadata?.annotations?.[APPLIED_HASH] !== hash) return true;
  return !contains(raw.spec, desired.spec) || !contains(observed.metadata?.labels, meta.labels);
}

/** Whether `have` holds everything in `want` (objects by key, arrays item by item). */
export function contains(have: unknown, want: unknown): boolean {
  if (isRecord(want)) return isRecord(have) && Object.entries(want).every(([k, v]) => contains(have[k], v));
  if (Array.isArray(want)) {
    const items: unknown[] = want;
    return Array.isArray(have) && have.length === items.length && items.every((v, i) => contains(have[i], v));
  }
  return sameJson(have, want);
}

/** A Synced=True condition carries the note (a held update) as its message. */
function withNote(conditions: readonly RenderCondition[], note: string | undefined): RenderCondition[] {
  if (!note) return [...conditions];
  return conditions.map((c) => (c.type === "Synced" && c.status === "True" ? { ...c, reason: "UpdateHeld", message: note } : c));
}

function withApplyFailures(conditions: readonly RenderCondition[], failures: readonly ApplyFailure[]): ConditionUpdate[] {
  if (failures.length === 0) return [...conditions];
  const message = failures.map((f) => `${f.id} (${f.kind} ${f.name}): the API server refused it: ${f.message}`).join("; ");
  return [...conditions.filter((c) => c.type !== "Synced"), { type: "Synced", status: "False", reason: "ApplyError", message }];
}

function entryOf(r: RenderedResource): InventoryEntry {
  return { id: r.id, apiVersion: r.apiVersion, kind: r.kind, name: r.name, ...(r.namespace ? { namespace: r.namespace } : {}), wave: r.wave, dependsOn: [...r.dependsOn] };
}

/** status.resources as recorded: the inventory deletion and pruning follow. */
function recordedInventory(obj: KubernetesObject): InventoryEntry[] {
  const status = statusOf(obj);
  if (!isRecord(status) || !Array.isArray(status.resources)) return [];
  const list: unknown[] = status.resources;
  return inventoryOf(list.flatMap((r) => {
    const parsed = ComposedResourceStatus.safeParse(r);
    return parsed.success ? [parsed.data] : [];
  }));
}

/** Deletes the first wave of recorded resources the composition no longer has; returns those still there. */
async function prune(rt: Runtime, recorded: readonly InventoryEntry[], current: readonly InventoryEntry[]): Promise<InventoryEntry[]> {
  const left: InventoryEntry[] = [];
  let deleting = false;
  for (const wave of pruneWaves(recorded, current)) {
    for (const e of wave) {
      const existing = await rt.client.read(objectRef(e));
      if (!existing) continue;
      left.push(e);
      if (!deleting && !existing.metadata?.deletionTimestamp) await rt.client.delete(objectRef(e));
    }
    if (left.length > 0) deleting = true;
  }
  return left;
}

function objectRef(e: InventoryEntry): ObjectRef {
  return { apiVersion: e.apiVersion, kind: e.kind, name: e.name, ...(e.namespace ? { namespace: e.namespace } : {}) };
}

function refOf(obj: KubernetesObject): ObjectRef {
  return { apiVersion: obj.apiVersion ?? "", kind: obj.kind ?? "", name: obj.metadata?.name ?? "", ...(obj.metadata?.namespace ? { namespace: obj.metadata.namespace } : {}) };
}

async function writeStatus(rt: Runtime, definition: CompiledDefinition, obj: KubernetesObject, conditions: readonly ConditionUpdate[], fields: Readonly<Record<string, unknown>>): Promise<void> {
  const current = statusOf(obj);
  const generation = obj.metadata?.generation;
  const kept = isRecord(current) && Object.keys(fields).length === 0 ? current : {};
  const next = { ...kept, ...fields, conditions: mergeConditions(conditionsOf(current), conditions, generation, rt.now()), ...(generation !== undefined ? { observedGeneration: generation } : {}) };
  const patch = statusPatch(current, next);
  if (!patch) return;
  const type = { group: definition.definition.spec.group, version: definition.definition.spec.version, kind: definition.kind, plural: definition.definition.spec.names.plural };
  await rt.client.patchStatus(type, { name: obj.metadata?.name ?? "", ...(obj.metadata?.namespace ? { namespace: obj.metadata.namespace } : {}) }, patch);
}

/**
 * Deletion from the recorded inventory (and anything labelled as this instance's), dependents
 * first: a wave is deleted, and the next starts only once it is gone. With deletionPolicy Orphan
 * each composed resource is switched to Orphan first, so its cloud resource stays.
 */
async function deleteInstance(rt: Runtime, definition: CompiledDefinition, obj: KubernetesObject, instance: Instance, owned: readonly KubernetesObject[]): Promise<Outcome> {
  const finalizers = obj.metadata?.finalizers ?? [];
  if (!finalizers.includes(COMPOSITE_FINALIZER)) return { type: "done" };
  const orphan = instance.spec.deletionPolicy === "Orphan";
  for (const wave of deletionWaves(deletionInventory(obj, owned))) {
    const present = await deleteWave(rt, wave, orphan);
    if (present.length === 0) continue;
    const names = present.map((e) => `${e.id} (${e.kind} ${e.name})`).join(", ");
    const message = `${orphan ? "orphaning" : "deleting"} ${names}; then the resources they depend on`;
    await writeStatus(rt, definition, obj, [{ type: "Ready", status: "False", reason: "Deleting", message }], {});
    return { type: "requeue", afterMs: DELETION_RECHECK_MS };
  }
  try {
    await rt.client.mergePatch(refOf(obj), { metadata: { resourceVersion: obj.metadata?.resourceVersion, finalizers: finalizers.filter((f) => f !== COMPOSITE_FINALIZER) } });
  } catch (err) {
    if (isConflict(err)) return { type: "conflict" };
    throw err;
  }
  return { type: "done" };
}

/** The recorded inventory, plus composed resources the informers see that it lacks (a status write lost). */
function deletionInventory(obj: KubernetesObject, owned: readonly KubernetesObject[]): InventoryEntry[] {
  const entries = recordedInventory(obj);
  for (const o of owned) {
    const name = o.metadata?.name ?? "";
    const known = entries.some((e) => e.kind === o.kind && e.name === name && e.apiVersion === o.apiVersion);
    if (!known) entries.push({ id: `${o.kind ?? ""}/${name}`, apiVersion: o.apiVersion ?? "", kind: o.kind ?? "", name, ...(o.metadata?.namespace ? { namespace: o.metadata.namespace } : {}), wave: 0 });
  }
  return entries;
}

/** Deletes the wave's resources that still exist (switched to Orphan first if asked); returns those. */
async function deleteWave(rt: Runtime, wave: readonly InventoryEntry[], orphan: boolean): Promise<InventoryEntry[]> {
  const present: InventoryEntry[] = [];
  for (const entry of wave) {
    const object = await rt.client.read(objectRef(entry));
    if (!object) continue;
    present.push(entry);
    const raw: unknown = object;
    const policy = isRecord(raw) && isRecord(raw.spec) ? raw.spec.deletionPolicy : undefined;
    if (orphan && policy !== "Orphan") await rt.client.mergePatch(objectRef(entry), { spec: { deletionPolicy: "Orphan" } });
    if (!object.metadata?.deletionTimestamp) await rt.client.delete(objectRef(entry));
  }
  return present;
}

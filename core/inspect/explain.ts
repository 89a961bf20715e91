import { CoreV1Api, CustomObjectsApi } from "@kubernetes/client-node";
import type { KubeConfig } from "@kubernetes/client-node";
import { z } from "zod";
import { isNotFound } from "../kube/errors.ts";
import { Annotations } from "../managed.ts";
import { conditionOf } from "../conditions.ts";
import { age, cloudOf, managedKinds, ManagedObject, servedKindOf } from "./discover.ts";
import type { ServedKind } from "./discover.ts";

export interface SecretFact {
  readonly namespace: string;
  readonly name: string;
  readonly found: boolean;
  /** Key names only: values are never read into an explanation. */
  readonly keys: readonly string[];
}

export interface EventFact {
  readonly type: string;
  readonly reason: string;
  readonly message: string;
  readonly count: number;
  readonly last: string;
}

export interface Explanation {
  readonly kind: ServedKind;
  readonly object: ManagedObject;
  readonly rootCause: string | undefined;
  readonly events: readonly EventFact[];
  readonly providerConfig: { readonly kind: string; readonly name: string; readonly namespace?: string; readonly found: boolean; readonly secrets: readonly SecretFact[] };
  readonly connectionSecret: SecretFact | undefined;
}

/** Finds the managed kind a user typed: kind, plural, singular or short name, optionally with the group. */
export async function resolveKind(kc: KubeConfig, typed: string): Promise<ServedKind> {
  const kinds = await managedKinds(kc);
  const matches = kinds.filter((k) => k.names.includes(typed.toLowerCase()));
  if (matches.length === 1 && matches[0]) return matches[0];
  if (matches.length > 1) throw new Error(`"${typed}" is ambiguous: ${matches.map((k) => `${k.plural}.${k.group}`).join(", ")}; add the group`);
  throw new Error(`no managed kind "${typed}" is installed; known: ${[...new Set(kinds.map((k) => k.kind.toLowerCase()))].join(", ") || "none (are the CRDs installed?)"}`);
}

export async function explain(kc: KubeConfig, kind: ServedKind, namespace: string, name: string): Promise<Explanation> {
  const custom = kc.makeApiClient(CustomObjectsApi);
  let raw: unknown;
  try {
    raw = await custom.getNamespacedCustomObject({ group: kind.group, version: kind.version, plural: kind.plural, namespace, name });
  } catch (err) {
    if (isNotFound(err)) throw new Error(`${kind.kind} "${name}" not found in namespace "${namespace}"`, { cause: err });
    throw err;
  }
  const object = ManagedObject.parse(raw);
  const [events, providerConfig, connectionSecret] = await Promise.all([
    eventsOf(kc, namespace, object),
    providerConfigOf(kc, kind.group, namespace, object),
    object.spec?.writeConnectionSecretToRef ? secretFact(kc, namespace, object.spec.writeConnectionSecretToRef.name) : Promise.resolve(undefined),
  ]);
  return { kind, object, events, providerConfig, connectionSecret, rootCause: rootCause(object, providerConfig) };
}

/** The one sentence that answers "why isn't this Ready?", most fundamental cause first. */
export function rootCause(obj: ManagedObject, pc: Explanation["providerConfig"]): string | undefined {
  const ready = conditionOf(obj.status?.conditions, "Ready");
  const synced = conditionOf(obj.status?.conditions, "Synced");
  if (obj.metadata.annotations?.[Annotations.paused] === "true") return `paused: remove the ${Annotations.paused} annotation to resume reconciling`;
  if (!pc.found) return `${pc.kind} "${pc.name}"${pc.namespace ? ` in namespace "${pc.namespace}"` : ""} does not exist: create it or fix spec.providerConfigRef`;
  const missing = pc.secrets.find((s) => !s.found);
  if (missing) return `Secret "${missing.name}" in namespace "${missing.namespace}", used by ${pc.kind} "${pc.name}", does not exist`;
  if (!ready && !synced) return "no status yet: is the Terraplane controller running and watching this namespace?";
  if (synced && synced.status !== "True") return synced.message ?? synced.reason;
  if (obj.metadata.generation !== undefined && obj.status?.observedGeneration !== undefined && obj.status.observedGeneration < obj.metadata.generation) {
    return `the latest spec (generation ${obj.metadata.generation}) is not processed yet (observed ${obj.status.observedGeneration})`;
  }
  if (ready && ready.status !== "True") {
    const op = obj.status?.pendingOperation;
    return `${ready.reason ?? "not ready"}${ready.message ? `: ${ready.message}` : ""}${op ? ` (cloud operation ${op.action} ${op.id} since ${op.startedAt})` : ""}`;
  }
  return undefined;
}

const EventList = z.object({
  items: z.array(
    z.object({
      type: z.string().optional(),
      reason: z.string().optional(),
      message: z.string().optional(),
      count: z.number().optional(),
      lastTimestamp: z.string().nullish(),
      eventTime: z.string().nullish(),
      involvedObject: z.object({ uid: z.string().optional() }),
    }),
  ),
});

async function eventsOf(kc: KubeConfig, namespace: string, obj: ManagedObject): Promise<EventFact[]> {
  const list: unknown = await kc.makeApiClient(CoreV1Api).listNamespacedEvent({ namespace, fieldSelector: `involvedObject.name=${obj.metadata.name}` });
  // client-node turns timestamps into Date objects; a JSON round trip gives back the wire form.
  return EventList.parse(JSON.parse(JSON.stringify(list)))
    .items.filter((e) => !obj.metadata.uid || e.involvedObject.uid === obj.metadata.uid)
    .map((e) => ({ type: e.type ?? "", reason: e.reason ?? "", message: e.message ?? "", count: e.count ?? 1, last: e.lastTimestamp ?? e.eventTime ?? "" }))
    .sort((a, b) => b.last.localeCompare(a.last))
    .slice(0, 10);
}

async function providerConfigOf(kc: KubeConfig, group: string, namespace: string, obj: ManagedObject): Promise<Explanation["providerConfig"]> {
  const ref = obj.spec?.providerConfigRef ?? { kind: "ClusterProviderConfig", name: "default" };
  const namespaced = ref.kind === "ProviderConfig";
  const custom = kc.makeApiClient(CustomObjectsApi);
  const served = await servedKindOf(kc, group, ref.kind);
  if (!served) return { ...ref, ...(namespaced ? { namespace } : {}), found: false, secrets: [] };
  const where = { group, version: served.version, plural: served.plural, name: ref.name };
  let pc: unknown;
  try {
    pc = namespaced ? await custom.getNamespacedCustomObject({ ...where, namespace }) : await custom.getClusterCustomObject(where);
  } catch (err) {
    if (isNotFound(err)) return { ...ref, ...(namespaced ? { namespace } : {}), found: false, secrets: [] };
    throw err;
  }
  const refs = secretRefs(pc, namespaced ? namespace : undefined);
  const secrets = await Promise.all(refs.map((r) => secretFact(kc, r.namespace, r.name)));
  return { ...ref, ...(namespaced ? { namespace } : {}), found: true, secrets };
}

const SecretRef = z.object({ name: z.string(), namespace: z.string().optional() });

/** Every `…secretRef` object in a ProviderConfig's spec, whatever the provider calls its fields. */
function secretRefs(value: unknown, defaultNamespace: string | undefined, key = ""): { namespace: string; name: string }[] {
  if (typeof value !== "object" || value === null) return [];
  if (/secretref$/i.test(key)) {
    const ref = SecretRef.safeParse(value);
    const namespace = ref.success ? (ref.data.namespace ?? defaultNamespace) : undefined;
    return ref.success && namespace ? [{ namespace, name: ref.data.name }] : [];
  }
  return Object.entries(value).flatMap(([k, v]) => secretRefs(v, defaultNamespace, k));
}

async function secretFact(kc: KubeConfig, namespace: string, name: string): Promise<SecretFact> {
  try {
    const secret = await kc.makeApiClient(CoreV1Api).readNamespacedSecret({ namespace, name });
    return { namespace, name, found: true, keys: Object.keys(secret.data ?? {}).sort() };
  } catch (err) {
    if (isNotFound(err)) return { namespace, name, found: false, keys: [] };
    throw err;
  }
}

type ConditionView = NonNullable<NonNullable<ManagedObject["status"]>["conditions"]>[number] | undefined;

/** The first line: why it is not Ready, or that it is — and whether it also matches the spec. */
function headline(rootCause: string | undefined, ready: ConditionView, synced: ConditionView): string {
  if (rootCause) return `Not ready because: ${rootCause}`;
  if (ready?.status !== "True") return "Status: unknown";
  // Synced carries a message when the cloud differs and may not be changed (an Observe-only import).
  if (synced?.status === "True" && synced.message) return `Ready, but not in step with the spec: ${synced.message}`;
  if (synced?.status !== "True") return `Ready, but not synced: ${synced?.message ?? synced?.reason ?? "no Synced condition yet"}`;
  return "Ready: the cloud resource exists and matches the spec.";
}

function driftOutcome(drift: { corrected?: boolean | undefined; resolvedAt?: string | undefined }): string {
  const corrected = drift.corrected ? "corrected" : "";
  const resolved = drift.resolvedAt ? `matches spec again since ${drift.resolvedAt}` : "";
  const parts = [corrected, resolved].filter(Boolean);
  return parts.length > 0 ? ` (${parts.join("; ")})` : " (not corrected yet)";
}

/** The explanation as text, root cause first. */
export function renderExplanation(e: Explanation): string {
  const o = e.object;
  const lines: string[] = [];
  const ready = conditionOf(o.status?.conditions, "Ready");
  lines.push(`${e.kind.kind}/${o.metadata.name} in namespace ${o.metadata.namespace ?? ""} (${cloudOf(e.kind.group)}, age ${age(o.metadata.creationTimestamp)})`);
  lines.push(headline(e.rootCause, ready, conditionOf(o.status?.conditions, "Synced")));
  lines.push("", "Conditions:");
  for (const c of o.status?.conditions ?? []) lines.push(`  ${c.type.padEnd(7)} ${c.status.padEnd(7)} ${(c.reason ?? "").padEnd(18)} ${c.message ?? ""}`.trimEnd());
  if ((o.status?.conditions ?? []).length === 0) lines.push("  (none)");
  lines.push(`  external name: ${o.metadata.annotations?.[Annotations.externalName] ?? "(not set)"}; last sync: ${o.status?.lastSyncTime ?? "never"}`);
  const drift = o.status?.drift;
  lines.push("", "Last drift:", drift ? `  ${drift.detectedAt}${driftOutcome(drift)}: ${drift.fields.map((f) => `${f.path} ${f.observed ?? "?"} → ${f.desired ?? "?"}`).join(", ")}` : "  none");
  const op = o.status?.pendingOperation;
  lines.push("", "Pending cloud operation:", op ? `  ${op.action} ${op.id} since ${op.startedAt}` : "  none");
  const pc = e.providerConfig;
  lines.push("", "Depends on:", `  ${pc.kind} ${pc.namespace ? `${pc.namespace}/` : ""}${pc.name}: ${pc.found ? "found" : "MISSING"}`);
  for (const s of pc.secrets) lines.push(`  Secret ${s.namespace}/${s.name}: ${s.found ? `found (keys: ${s.keys.join(", ") || "none"})` : "MISSING"}`);
  if (e.connectionSecret) lines.push(`  connection Secret ${e.connectionSecret.namespace}/${e.connectionSecret.name}: ${e.connectionSecret.found ? `written (keys: ${e.connectionSecret.keys.join(", ")})` : "not written yet"}`);
  lines.push("", "Recent events:");
  for (const ev of e.events) lines.push(`  ${ev.type.padEnd(7)} ${ev.reason.padEnd(30)} ${ev.count > 1 ? `(x${ev.count}) ` : ""}${ev.message}`);
  if (e.events.length === 0) lines.push("  none");
  return lines.join("\n");
}

import type { KubernetesObject } from "@kubernetes/client-node";
import { z } from "zod";
import { breakingChanges } from "../compatibility.ts";
import { abstractCrd, compileDefinition } from "../definition.ts";
import type { CompiledDefinition } from "../definition.ts";
import { COMPOSE_API_VERSION, CompositeDefinition, CompositeDefinitionSpec, compositeDefinitionKind } from "../kinds.ts";
import { formatProblem } from "../problems.ts";
import { conditionsOf, mergeConditions, stable, statusOf, statusPatch } from "./conditions.ts";
import type { ConditionUpdate } from "./conditions.ts";
import type { Outcome, Runtime } from "./runtime.ts";

// A CompositeDefinition applied: compiled, checked against the definition the abstract CRD serves
// now (a change that would break existing instances is refused unless the definition carries the
// allow-breaking-changes annotation), then its CRD applied and, once Established, its instances
// watched. A refused or broken definition leaves the served one (and its instances) as they were.

/** Set to "true" on a definition to apply a change that breaks existing instances. */
export const ALLOW_BREAKING_CHANGES = "compose.terraplane.dev/allow-breaking-changes";
/** On the abstract CRD: the definition spec it was generated from (what compatibility compares with). */
export const SERVED_DEFINITION = "compose.terraplane.dev/definition-spec";

const ESTABLISHING_RETRY_MS = 300;

export async function reconcileDefinition(rt: Runtime, name: string): Promise<Outcome> {
  const obj = rt.definitionObject(name);
  if (!obj) {
    // The abstract CRD stays (deleting it would delete every instance); its instances stop being reconciled.
    await rt.unserve(name);
    return { type: "done" };
  }
  const generation = obj.metadata?.generation;
  const compiled = compile(obj);
  if (!compiled.ok) return setEstablished(rt, name, obj, { status: "False", reason: "InvalidDefinition", message: compiled.message }, generation);
  const refused = await applyCrd(rt, name, obj, compiled.compiled);
  if (refused) return setEstablished(rt, name, obj, refused, generation);
  if ((await rt.client.readCrd(compiled.compiled.name))?.established !== true) {
    await setEstablished(rt, name, obj, { status: "False", reason: "Establishing", message: `waiting for the API server to establish CRD ${compiled.compiled.name}` }, generation);
    return { type: "requeue", afterMs: ESTABLISHING_RETRY_MS };
  }
  await serve(rt, compiled.compiled);
  return setEstablished(rt, name, obj, { status: "True", reason: "Served", message: `the API server serves ${compiled.compiled.kind} ${compiled.compiled.apiVersion}` }, generation);
}

function compile(obj: object): { ok: true; compiled: CompiledDefinition } | { ok: false; message: string } {
  const parsed = CompositeDefinition.safeParse(obj);
  if (!parsed.success) return { ok: false, message: z.prettifyError(parsed.error).replaceAll("\n", "; ") };
  const result = compileDefinition(parsed.data);
  return result.ok ? { ok: true, compiled: result.compiled } : { ok: false, message: result.problems.map(formatProblem).join("; ") };
}

/**
 * Applies the abstract CRD when the definition differs from the one it serves, unless the change
 * would break existing instances (and is not allowed): then the condition that says so.
 */
async function applyCrd(rt: Runtime, name: string, obj: KubernetesObject, compiled: CompiledDefinition): Promise<Omit<ConditionUpdate, "type"> | undefined> {
  const specJson = stable(compiled.definition.spec);
  const crd = await rt.client.readCrd(compiled.name);
  const servedSpec = crd?.annotations[SERVED_DEFINITION];
  if (servedSpec === specJson) return undefined;
  const previous = rt.served(name) ?? definitionFrom(name, servedSpec);
  const allowed = obj.metadata?.annotations?.[ALLOW_BREAKING_CHANGES] === "true";
  const changes = previous && !allowed ? breakingChanges(previous, compiled) : [];
  if (changes.length === 0) {
    await rt.client.applyCrd(abstractCrd(compiled), { [SERVED_DEFINITION]: specJson });
    return undefined;
  }
  if (previous && crd?.established) await rt.serve(previous);
  const message =
    `refused: this change would break existing ${compiled.kind} instances: ${changes.map((c) => `${c.path}: ${c.message}`).join("; ")}. ` +
    `The served definition is unchanged; set the annotation ${ALLOW_BREAKING_CHANGES}: "true" to apply it anyway`;
  return { status: crd?.established ? "True" : "False", reason: "BreakingChangeRefused", message };
}

/** Starts (or keeps) watching the kind's instances, and has its compositions and instances looked at again. */
async function serve(rt: Runtime, compiled: CompiledDefinition): Promise<void> {
  await rt.serve(compiled);
  for (const c of rt.compositions()) {
    if (c.spec.compositeTypeRef.apiVersion === compiled.apiVersion && c.spec.compositeTypeRef.kind === compiled.kind) rt.enqueue({ type: "composition", name: c.metadata.name });
  }
  for (const i of rt.instancesOf(compiled.name)) rt.enqueue({ type: "instance", definition: compiled.name, ...i });
}

/** The definition a served CRD was generated from, compiled (undefined when unknown or no longer valid). */
function definitionFrom(name: string, specJson: string | undefined): CompiledDefinition | undefined {
  if (specJson === undefined) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(specJson);
  } catch {
    return undefined;
  }
  const spec = CompositeDefinitionSpec.safeParse(json);
  if (!spec.success) return undefined;
  const result = compileDefinition({ apiVersion: COMPOSE_API_VERSION, kind: "CompositeDefinition", metadata: { name }, spec: spec.data });
  return result.ok ? result.compiled : undefined;
}

async function setEstablished(
  rt: Runtime,
  name: string,
  obj: object,
  update: Omit<ConditionUpdate, "type">,
  generation: number | undefined,
): Promise<Outcome> {
  const current = statusOf(obj);
  const conditions = mergeConditions(conditionsOf(current), [{ type: "Established", ...update }], generation, rt.now());
  const patch = statusPatch(current, { conditions, ...(generation !== undefined ? { observedGeneration: generation } : {}) });
  if (patch) await rt.client.patchStatus(compositeDefinitionKind, { name }, patch);
  return { type: "done" };
}

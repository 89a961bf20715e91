import { z } from "zod";
import { compositionRevision } from "../compile.ts";
import { Composition, compositionKind } from "../kinds.ts";
import { formatProblem } from "../problems.ts";
import { conditionsOf, mergeConditions, statusOf, statusPatch } from "./conditions.ts";
import type { ConditionUpdate } from "./conditions.ts";
import type { Outcome, Runtime } from "./runtime.ts";

// A Composition applied: compiled against its served definition and the composed kinds (every
// expression type-checked, every template validated, the waves ordered) and given Accepted with the
// checker's problems (resource id, field path, expression, message). Its instances are enqueued, so
// a change rolls out to those on updatePolicy Automatic at once.

export async function reconcileComposition(rt: Runtime, name: string): Promise<Outcome> {
  const obj = rt.compositionObject(name);
  if (!obj) return { type: "done" };
  const generation = obj.metadata?.generation;
  const parsed = Composition.safeParse(obj);
  if (!parsed.success) {
    return setAccepted(rt, name, obj, generation, { status: "False", reason: "InvalidComposition", message: z.prettifyError(parsed.error).replaceAll("\n", "; ") }, {});
  }
  const composition = parsed.data;
  const revision = compositionRevision(composition);
  const { apiVersion, kind } = composition.spec.compositeTypeRef;
  const definition = rt.servedByType(apiVersion, kind);
  if (!definition) {
    return setAccepted(rt, name, obj, generation, { status: "False", reason: "DefinitionNotServed", message: `no CompositeDefinition serves ${kind} ${apiVersion} (yet)` }, { revision });
  }
  const result = rt.compile(composition, definition);
  for (const i of rt.instancesOf(definition.name)) rt.enqueue({ type: "instance", definition: definition.name, ...i });
  if (result.ok) {
    const waves = result.compiled.waves.map((w) => w.join(", ")).join(" → ");
    return setAccepted(rt, name, obj, generation, { status: "True", reason: "Compiled", message: `every expression type-checks; apply order: ${waves}` }, { revision });
  }
  const problems = result.problems.map((p) => ({
    ...(p.resource ? { resource: p.resource } : {}),
    path: p.path,
    ...(p.expression !== undefined ? { expression: p.expression } : {}),
    message: p.message,
  }));
  const message = `${problems.length} problem${problems.length === 1 ? "" : "s"}: ${result.problems.map(formatProblem).join("; ")}`;
  return setAccepted(rt, name, obj, generation, { status: "False", reason: "CompileError", message }, { revision, problems });
}

async function setAccepted(rt: Runtime, name: string, obj: object, generation: number | undefined, update: Omit<ConditionUpdate, "type">, extra: Record<string, unknown>): Promise<Outcome> {
  const current = statusOf(obj);
  const conditions = mergeConditions(conditionsOf(current), [{ type: "Accepted", ...update }], generation, rt.now());
  const patch = statusPatch(current, { conditions, ...extra, ...(generation !== undefined ? { observedGeneration: generation } : {}) });
  if (patch) await rt.client.patchStatus(compositionKind, { name }, patch);
  return { type: "done" };
}

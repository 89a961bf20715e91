import { managedCrd } from "../crd/generate.ts";
import type { StructuralSchema } from "../crd/structural.ts";
import type { RawObject } from "../parse.ts";
import type { RegisteredKind } from "../provider.ts";
import { formatPath } from "./spec-arbitrary.ts";
import type { Path } from "./spec-arbitrary.ts";

// Shared by the garbage-in tests (unit: providers/garbage-in.test.ts; against the API server:
// test/garbage-in.test.ts), so both judge the same generated specs the same way.

/** One seed for every garbage-in run: a failure is reproduced by running the test again. */
export const GARBAGE_SEED = 20_261_203;
export const CASES_PER_KIND = 1_000;

/** The kind's spec schema as its CRD states it: what the API server admits by. */
export function specSchemaOf(kind: RegisteredKind): StructuralSchema {
  return managedCrd(kind.managed).spec.versions[0]?.schema.openAPIV3Schema.properties?.spec ?? {};
}

export function objectOf(kind: RegisteredKind, spec: unknown, name = "garbage", namespace = "ns"): RawObject {
  const m = kind.managed;
  return { apiVersion: `${m.group}/${m.version}`, kind: m.kind, metadata: { name, namespace, uid: "u-1", generation: 1 }, spec };
}

/** The message names the broken field or one of its parents (a cross-field rule may speak of the parent). */
export function namesField(message: string, path: Path): boolean {
  return Array.from({ length: path.length }, (_, i) => `spec.${formatPath(path.slice(0, i + 1))}`).some((p) => message.includes(p));
}

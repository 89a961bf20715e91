import { crdFor } from "../core/crd/generate.ts";
import type { CustomResourceDefinition } from "../core/crd/generate.ts";
import { compositionKinds } from "./kinds.ts";

/** The composition layer's CRDs (CompositeDefinition, Composition), for `terraplane crds` and crds/. */
export function compositionCrds(): CustomResourceDefinition[] {
  return compositionKinds.map(crdFor);
}

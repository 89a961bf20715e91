import { crdFor, managedCrd } from "../core/crd/generate.ts";
import type { CustomResourceDefinition } from "../core/crd/generate.ts";
import type { Provider, RegisteredKind } from "../core/provider.ts";
import { compositionCrds } from "../compositions/crds.ts";
import { awsProvider } from "./aws/index.ts";
import { gcpProvider } from "./gcp/index.ts";

/** Every provider built into this binary. */
export const providers: readonly Provider[] = [awsProvider, gcpProvider];

export function managedKinds(): RegisteredKind[] {
  return providers.flatMap((p) => p.kinds);
}

/** Every CRD Terraplane serves: what `terraplane crds` prints and `crds/` holds. */
export function allCrds(): CustomResourceDefinition[] {
  return [...providers.flatMap((p) => [...p.kinds.map((k) => managedCrd(k.managed)), ...p.configKinds.map(crdFor)]), ...compositionCrds()];
}

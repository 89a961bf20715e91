import type { RegisteredKind } from "../core/controller.ts";
import { crdFor, managedCrd } from "../core/crd/generate.ts";
import type { CustomResourceDefinition } from "../core/crd/generate.ts";
import type { CrdKind } from "../core/kind.ts";
import { awsProvider } from "./aws/index.ts";
import { gcpProvider } from "./gcp/index.ts";

/** A cloud provider plugin: its managed kinds and its own (non-managed) kinds such as ProviderConfig. */
export interface Provider {
  readonly name: string;
  readonly kinds: readonly RegisteredKind[];
  readonly configKinds: readonly CrdKind[];
}

/** Every provider built into this binary. */
export const providers: readonly Provider[] = [awsProvider, gcpProvider];

export function managedKinds(): RegisteredKind[] {
  return providers.flatMap((p) => p.kinds);
}

/** Every CRD Terraplane serves: what `terraplane crds` prints and `crds/` holds. */
export function allCrds(): CustomResourceDefinition[] {
  return providers.flatMap((p) => [...p.kinds.map((k) => managedCrd(k.managed)), ...p.configKinds.map(crdFor)]);
}

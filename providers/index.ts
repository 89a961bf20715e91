import type { RegisteredKind } from "../core/controller.ts";
import type { CrdKind, ManagedKind } from "../core/kind.ts";

/** A cloud provider plugin: its managed kinds and its own (non-managed) kinds such as ProviderConfig. */
export interface Provider {
  readonly name: string;
  readonly kinds: readonly RegisteredKind[];
  readonly configKinds: readonly CrdKind[];
}

/** Every provider built into this binary. The AWS and GCP providers register here. */
export const providers: readonly Provider[] = [];

export function managedKinds(): RegisteredKind[] {
  return providers.flatMap((p) => p.kinds);
}

export function allCrdKinds(): { managed: ManagedKind[]; other: CrdKind[] } {
  return { managed: providers.flatMap((p) => p.kinds.map((k) => k.managed)), other: providers.flatMap((p) => p.configKinds) };
}

import type { KubernetesObject } from "@kubernetes/client-node";
import type { Logger } from "pino";
import type { ManagedKind } from "../../core/kind.ts";
import type { CompositionResult } from "../compile.ts";
import type { CompiledDefinition } from "../definition.ts";
import type { Composition } from "../kinds.ts";
import type { ComposedResources } from "./composed.ts";
import type { ComposeKey } from "./keys.ts";
import type { ComposeClient } from "./kube.ts";

// What the three reconcilers (definitions, compositions, instances) share: the caches the
// controller keeps and the calls they make. The controller (index.ts) implements it.

export type Outcome =
  | { readonly type: "done" }
  /** Look again after this long (poll priority). */
  | { readonly type: "requeue"; readonly afterMs: number }
  /** Someone else changed the object: again at once. */
  | { readonly type: "conflict" };

export interface Runtime {
  readonly client: ComposeClient;
  readonly log: Logger;
  readonly kinds: readonly ManagedKind[];
  readonly pollIntervalMs: number;
  now(): string;
  enqueue(key: ComposeKey): void;

  definitionObject(name: string): KubernetesObject | undefined;
  compositionObject(name: string): KubernetesObject | undefined;
  instanceObject(definition: string, namespace: string, name: string): KubernetesObject | undefined;

  /** The definition the abstract CRD serves now, by the definition's name. */
  served(definition: string): CompiledDefinition | undefined;
  /** The served definition of an abstract kind. */
  servedByType(apiVersion: string, kind: string): CompiledDefinition | undefined;
  /** Serves a compiled definition: its instances' informer runs from now on. */
  serve(compiled: CompiledDefinition): Promise<void>;
  unserve(definition: string): Promise<void>;

  /** Every composition that parses, for selection. */
  compositions(): Composition[];
  /** Compiles a composition against a definition, cached by revision. */
  compile(composition: Composition, definition: CompiledDefinition): CompositionResult;
  /** Older revisions of compositions, by "name@revision" (for Manual instances). */
  readonly archive: ReadonlyMap<string, Composition>;
  /** Every instance of a definition, by name (to roll a composition change out). */
  instancesOf(definition: string): { namespace: string; name: string }[];
  readonly composed: ComposedResources;
}

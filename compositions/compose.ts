import type { ManagedKind } from "../core/kind.ts";
import { compileComposition, compositionRevision } from "./compile.ts";
import type { CompositionResult } from "./compile.ts";
import type { CompiledDefinition } from "./definition.ts";
import type { Composition } from "./kinds.ts";
import type { Problem } from "./problems.ts";
import { formatProblem } from "./problems.ts";
import { render } from "./render.ts";
import type { Instance, ObservedResource, RenderCondition, RenderResult } from "./render.ts";
import { selectComposition } from "./select.ts";
import type { Selection } from "./select.ts";

// One reconcile's worth of composing, as a pure function: choose the composition, compile it (the
// caller may cache compiled compositions by name and revision), render. The composite reconciler
// calls this on every reconcile; `terraplane render` calls it offline.

export interface ComposeInput {
  readonly instance: Instance;
  readonly definition: CompiledDefinition;
  readonly compositions: readonly Composition[];
  readonly kinds: readonly ManagedKind[];
  readonly observed?: ReadonlyMap<string, ObservedResource>;
  /** Archived revisions for Manual instances, by "name@revision". */
  readonly archive?: ReadonlyMap<string, Composition>;
  /** Compiles a composition; pass a caching one in the controller. */
  readonly compile?: (c: Composition) => CompositionResult;
}

export type ComposeResult =
  | ({ readonly ok: true; readonly selection: Extract<Selection, { ok: true }> } & RenderResult)
  | {
      readonly ok: false;
      /** Synced=False with this reason and message; composed resources are left as they are. */
      readonly condition: RenderCondition;
      readonly selection?: Selection;
      readonly problems?: readonly Problem[];
    };

export function compose(input: ComposeInput): ComposeResult {
  const selection = selectComposition({
    instance: input.instance,
    definition: input.definition,
    compositions: input.compositions,
    revisionOf: compositionRevision,
    ...(input.archive ? { archive: input.archive } : {}),
  });
  if (!selection.ok) return { ok: false, selection, condition: { type: "Synced", status: "False", reason: selection.reason, message: selection.message } };
  const compiled = (input.compile ?? ((c: Composition) => compileComposition(c, input.definition, input.kinds)))(selection.composition);
  if (!compiled.ok) {
    const message = `composition ${selection.composition.metadata.name} is not accepted: ${compiled.problems.map(formatProblem).join("; ")}`;
    return { ok: false, selection, problems: compiled.problems, condition: { type: "Synced", status: "False", reason: "CompositionNotAccepted", message } };
  }
  const result = render({ instance: input.instance, composition: compiled.compiled, ...(input.observed ? { observed: input.observed } : {}) });
  return { ok: true, selection, ...result };
}

import type { CompiledDefinition } from "./definition.ts";
import type { Composition, UpdatePolicy } from "./kinds.ts";
import { isRecord } from "./cel-types.ts";

// Which composition an instance uses. In order: spec.compositionRef (by name), then labels
// (spec.compositionSelector.matchLabels plus the definition's labelsFromFields, e.g. cloud: aws →
// terraplane.dev/cloud: aws), then the definition's default. None or several: an error naming the
// candidates. The choice is recorded on the instance (status.composition: name and revision) and
// never changes silently: with updatePolicy Automatic a different choice is reported as a change;
// with Manual the recorded revision stays until the user sets spec.compositionRevision.

/** The parts of an instance selection reads. */
export interface SelectableInstance {
  readonly metadata: { readonly name: string };
  readonly spec?: Readonly<Record<string, unknown>>;
  readonly status?: Readonly<Record<string, unknown>>;
}

export interface CompositionChoice {
  readonly name: string;
  readonly revision: string;
}

export type Selection =
  | {
      readonly ok: true;
      readonly composition: Composition;
      readonly revision: string;
      /** How it was chosen: ref, labels, default, or pinned (Manual, an archived revision). */
      readonly by: "ref" | "labels" | "default" | "pinned";
      readonly policy: UpdatePolicy;
      /** Set when this differs from the recorded choice (Automatic moved the instance): the reconciler records it and says so. */
      readonly changedFrom?: CompositionChoice;
      /** A newer choice Manual is holding back, for the status message. */
      readonly held?: CompositionChoice;
    }
  | {
      readonly ok: false;
      readonly reason: "CompositionNotFound" | "NoMatchingComposition" | "AmbiguousComposition" | "UpdateHeld";
      readonly message: string;
      /** The compositions considered, by name. */
      readonly candidates: readonly string[];
    };

export interface SelectionInput {
  readonly instance: SelectableInstance;
  readonly definition: CompiledDefinition;
  /** Every composition known; those of other kinds are ignored. */
  readonly compositions: readonly Composition[];
  /** Content hash of a composition (compositionRevision). */
  readonly revisionOf: (c: Composition) => string;
  /** Older revisions kept by the controller, by "name@revision", for Manual instances pinned to them. */
  readonly archive?: ReadonlyMap<string, Composition>;
}

/** Chooses the composition of an instance (pure). */
export function selectComposition(input: SelectionInput): Selection {
  const { definition, instance } = input;
  const spec = instance.spec ?? {};
  const candidates = input.compositions.filter(
    (c) => c.spec.compositeTypeRef.apiVersion === definition.apiVersion && c.spec.compositeTypeRef.kind === definition.kind,
  );
  const names = candidates.map((c) => c.metadata.name).sort();
  const chosen = choose(spec, definition, candidates, names);
  if (!chosen.ok) return chosen;
  const policy = policyOf(spec, definition);
  const revision = input.revisionOf(chosen.composition);
  const recorded = recordedChoice(instance.status);
  const now: CompositionChoice = { name: chosen.composition.metadata.name, revision };
  if (policy === "Automatic" || !recorded) {
    const changed = recorded && (recorded.name !== now.name || recorded.revision !== now.revision) ? { changedFrom: recorded } : {};
    return { ok: true, composition: chosen.composition, revision, by: chosen.by, policy, ...changed };
  }
  const pinnedRevision = typeof spec.compositionRevision === "string" ? spec.compositionRevision : recorded.revision;
  const pinned: CompositionChoice = { name: typeof spec.compositionRevision === "string" ? now.name : recorded.name, revision: pinnedRevision };
  if (pinned.name === now.name && pinned.revision === now.revision) return { ok: true, composition: chosen.composition, revision, by: chosen.by, policy };
  const archived = input.archive?.get(`${pinned.name}@${pinned.revision}`);
  if (archived) return { ok: true, composition: archived, revision: pinned.revision, by: "pinned", policy, held: now };
  return {
    ok: false,
    reason: "UpdateHeld",
    message:
      `compositionUpdatePolicy is Manual: the instance stays on ${pinned.name} revision ${pinned.revision}, but that revision is no longer available; ` +
      `${now.name} revision ${now.revision} is: set spec.compositionRevision: ${now.revision} to move to it (the composed resources are left as they are)`,
    candidates: names,
  };
}

type Choice =
  | { readonly ok: true; readonly composition: Composition; readonly by: "ref" | "labels" | "default" }
  | Extract<Selection, { ok: false }>;

function choose(spec: Readonly<Record<string, unknown>>, definition: CompiledDefinition, candidates: readonly Composition[], names: readonly string[]): Choice {
  const ref = isRecord(spec.compositionRef) && typeof spec.compositionRef.name === "string" ? spec.compositionRef.name : undefined;
  if (ref !== undefined) return byName(ref, "ref", candidates, names);
  const labels = wantedLabels(spec, definition);
  if (Object.keys(labels).length > 0) {
    const matches = candidates.filter((c) => Object.entries(labels).every(([k, v]) => c.metadata.labels?.[k] === v));
    const wanted = Object.entries(labels).map(([k, v]) => `${k}=${v}`).join(", ");
    const [only] = matches;
    if (matches.length === 1 && only) return { ok: true, composition: only, by: "labels" };
    if (matches.length === 0) {
      return { ok: false, reason: "NoMatchingComposition", message: `no ${definition.kind} composition has the labels ${wanted}; candidates: ${describe(candidates)}`, candidates: names };
    }
    const matched = matches.map((c) => c.metadata.name).sort();
    return { ok: false, reason: "AmbiguousComposition", message: `${matched.length} compositions have the labels ${wanted}: ${matched.join(", ")}; add a label to tell them apart, or set spec.compositionRef`, candidates: matched };
  }
  const fallback = definition.definition.spec.compositionSelection.defaultCompositionRef?.name;
  if (fallback !== undefined) return byName(fallback, "default", candidates, names);
  return {
    ok: false,
    reason: "NoMatchingComposition",
    message: `no compositionRef or compositionSelector, and the definition names no default; candidates: ${describe(candidates)}`,
    candidates: names,
  };
}

function byName(name: string, by: "ref" | "default", candidates: readonly Composition[], names: readonly string[]): Choice {
  const found = candidates.find((c) => c.metadata.name === name);
  if (found) return { ok: true, composition: found, by };
  const what = by === "ref" ? "spec.compositionRef" : "the definition's defaultCompositionRef";
  return { ok: false, reason: "CompositionNotFound", message: `${what} names ${name}, which is not a composition of this kind; candidates: ${names.join(", ") || "none"}`, candidates: names };
}

function wantedLabels(spec: Readonly<Record<string, unknown>>, definition: CompiledDefinition): Record<string, string> {
  const labels: Record<string, string> = {};
  const selector = spec.compositionSelector;
  if (isRecord(selector) && isRecord(selector.matchLabels)) {
    for (const [k, v] of Object.entries(selector.matchLabels)) if (typeof v === "string") labels[k] = v;
  }
  for (const { field, label } of definition.definition.spec.compositionSelection.labelsFromFields ?? []) {
    const value = spec[field];
    if (typeof value === "string" && labels[label] === undefined) labels[label] = value;
  }
  return labels;
}

function policyOf(spec: Readonly<Record<string, unknown>>, definition: CompiledDefinition): UpdatePolicy {
  const p = spec.compositionUpdatePolicy;
  return p === "Manual" || p === "Automatic" ? p : definition.definition.spec.compositionSelection.defaultUpdatePolicy;
}

function recordedChoice(status: Readonly<Record<string, unknown>> | undefined): CompositionChoice | undefined {
  const c = status?.composition;
  return isRecord(c) && typeof c.name === "string" && typeof c.revision === "string" ? { name: c.name, revision: c.revision } : undefined;
}

function describe(candidates: readonly Composition[]): string {
  if (candidates.length === 0) return "none";
  return candidates
    .map((c) => `${c.metadata.name} (${Object.entries(c.metadata.labels ?? {}).map(([k, v]) => `${k}=${v}`).join(", ") || "no labels"})`)
    .sort()
    .join(", ");
}

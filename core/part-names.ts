import { ProviderError } from "./errors.ts";
import { Annotations } from "./managed.ts";
import type { Managed } from "./provider.ts";

// Per-part external names of a composite kind (ADR 0012): the terraplane.dev/external-names
// annotation, a JSON object from a part's key (`urlMap`, `backendServices[web]`,
// `targetGroups[app]`) to the cloud name of an existing part. A part named here is looked up by
// that name instead of the derived one, and adopted even without Terraplane's ownership mark:
// the user named exactly that resource. Nothing else is ever adopted because of it.

/** Part key → cloud name; empty when the annotation is absent. */
export type PartNames = ReadonlyMap<string, string>;

function invalid(message: string): ProviderError {
  return new ProviderError("InvalidParameter", `annotation ${Annotations.externalNames}: ${message}`, { code: "InvalidExternalNames" });
}

/** The annotation parsed; a terminal InvalidParameter error naming the problem when it is not a JSON object of strings. */
export function partNames(mr: Managed): PartNames {
  const raw = mr.metadata.annotations?.[Annotations.externalNames];
  if (raw === undefined || raw.trim() === "") return new Map();
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (err) {
    throw invalid(`not JSON (${err instanceof Error ? err.message : String(err)}); expected an object such as {"urlMap": "my-url-map"}`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw invalid('expected a JSON object from part key to cloud name, such as {"urlMap": "my-url-map"}');
  const out = new Map<string, string>();
  for (const [key, value] of Object.entries(parsed)) {
    if (typeof value !== "string" || value === "") throw invalid(`the name of part "${key}" must be a non-empty string`);
    out.set(key, value);
  }
  return out;
}

export interface PartNameRules {
  /** The kind, for messages. */
  readonly kind: string;
  /** Whether `key` is a part key of this object, and the keys to list when it is not. */
  readonly isKey: (key: string) => boolean;
  readonly keys: readonly string[];
  /** Why `name` cannot be a cloud name of this part type, or undefined when it can. */
  readonly nameProblem: (name: string) => string | undefined;
}

/** partNames, with every key a part of this object and every name valid: the mistakes an edit can make are terminal errors, never a guess. */
export function checkedPartNames(mr: Managed, rules: PartNameRules): PartNames {
  const names = partNames(mr);
  for (const [key, name] of names) {
    if (!rules.isKey(key)) throw invalid(`"${key}" is not a part of this ${rules.kind}; its parts are ${rules.keys.join(", ")}`);
    const problem = rules.nameProblem(name);
    if (problem !== undefined) throw invalid(`"${name}" (for ${key}) cannot be its name: ${problem}`);
  }
  return names;
}

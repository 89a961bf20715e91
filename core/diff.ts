import { isDeepStrictEqual } from "node:util";
import type { FieldDiff } from "./provider.ts";

// The one way providers build the diff observe reports. Two rules hold for every kind: a field the
// user left unset is not managed (it may be late-initialised, never fought), and values are
// compared after normalisation, by deep equality unless the field says how it compares.

/** How one field compares: true when the observed value satisfies the desired one. */
export type Equality<T = unknown> = (desired: T, observed: T | undefined) => boolean;

export const deepEqual: Equality = (desired, observed) => isDeepStrictEqual(desired, observed);

/** Lists whose order carries no meaning (security groups, aliases). */
export const sameSet: Equality<readonly string[]> = (desired, observed) => isDeepStrictEqual([...desired].sort(), [...(observed ?? [])].sort());

/** One field: a difference when the desired value is set and the observed one does not satisfy it. */
export function diffField<T>(path: string, desired: T | undefined, observed: T | undefined, equal: Equality<T> = deepEqual): FieldDiff[] {
  if (desired === undefined || equal(desired, observed)) return [];
  return [{ path, desired, observed }];
}

/** Per-field equalities for diffFields; fields not named compare deeply. */
export type Equalities<T> = { readonly [K in keyof T]?: Equality<T[K]> };

/**
 * The named fields of an object, each under `prefix.` (no prefix when empty), each compared by its
 * own equality where one is given.
 */
export function diffFields<T extends object>(prefix: string, fields: readonly (keyof T & string)[], desired: T | undefined, observed: Partial<T> | undefined, equal: Equalities<T> = {}): FieldDiff[] {
  if (desired === undefined) return [];
  return fields.flatMap((field) => {
    const compare: Equality<T[typeof field]> = equal[field] ?? deepEqual;
    return diffField(prefix ? `${prefix}.${field}` : field, desired[field], observed?.[field], compare);
  });
}

import type { Condition } from "../../core/managed.ts";
import { isRecord } from "../cel-types.ts";

// Conditions of the composition layer's objects (Established, Accepted, Ready, Synced): the same
// rules as the core's (lastTransitionTime moves only when status does, observedGeneration stamped,
// stable messages), for condition types the core does not know.

export interface ConditionUpdate {
  readonly type: string;
  readonly status: "True" | "False" | "Unknown";
  readonly reason: string;
  readonly message?: string;
}

export function mergeConditions(existing: readonly Condition[], updates: readonly ConditionUpdate[], generation: number | undefined, now: string): Condition[] {
  const out = [...existing];
  for (const u of updates) {
    const i = out.findIndex((c) => c.type === u.type);
    const previous = i >= 0 ? out[i] : undefined;
    const next: Condition = {
      type: u.type,
      status: u.status,
      reason: u.reason,
      ...(u.message ? { message: u.message } : {}),
      lastTransitionTime: previous && previous.status === u.status ? previous.lastTransitionTime : now,
      ...(generation !== undefined ? { observedGeneration: generation } : {}),
    };
    if (i >= 0) out[i] = next;
    else out.push(next);
  }
  return out.sort((a, b) => a.type.localeCompare(b.type));
}

/** The conditions in an object's status, as far as they are well-formed. */
export function conditionsOf(status: unknown): Condition[] {
  if (!isRecord(status) || !Array.isArray(status.conditions)) return [];
  const list: unknown[] = status.conditions;
  return list.flatMap((c): Condition[] => {
    if (!isRecord(c) || typeof c.type !== "string" || typeof c.reason !== "string" || typeof c.lastTransitionTime !== "string") return [];
    const status = c.status === "True" || c.status === "False" ? c.status : "Unknown";
    return [{
      type: c.type,
      status,
      reason: c.reason,
      lastTransitionTime: c.lastTransitionTime,
      ...(typeof c.message === "string" ? { message: c.message } : {}),
      ...(typeof c.observedGeneration === "number" ? { observedGeneration: c.observedGeneration } : {}),
    }];
  });
}

/**
 * The merge patch that turns `current` into `next` at the top level of status: keys that are gone
 * become null. Undefined when nothing changes, so an unchanged status is never written.
 */
export function statusPatch(current: unknown, next: Readonly<Record<string, unknown>>): Record<string, unknown> | undefined {
  const before = isRecord(current) ? current : {};
  const patch: Record<string, unknown> = {};
  for (const key of Object.keys(before)) if (!(key in next)) patch[key] = null;
  for (const [key, value] of Object.entries(next)) if (!sameJson(before[key], value)) patch[key] = value;
  return Object.keys(patch).length > 0 ? patch : undefined;
}

export function sameJson(a: unknown, b: unknown): boolean {
  return stable(a) === stable(b);
}

/** JSON with object keys sorted: equal values give equal strings. */
export function stable(value: unknown): string {
  if (Array.isArray(value)) {
    const items: unknown[] = value;
    return `[${items.map(stable).join(",")}]`;
  }
  if (isRecord(value)) return `{${Object.keys(value).filter((k) => value[k] !== undefined).sort().map((k) => `${JSON.stringify(k)}:${stable(value[k])}`).join(",")}}`;
  return JSON.stringify(value) ?? "null";
}

/** An object's status as read from the API (typed objects do not declare it). */
export function statusOf(obj: object): unknown {
  return "status" in obj ? obj.status : undefined;
}

import { Annotations } from "./managed.ts";
import type { ManagementPolicy } from "./managed.ts";
import type { Managed } from "./provider.ts";

export type Action = Exclude<ManagementPolicy, "*">;

/** What the core may do for this resource, from spec.managementPolicies ("*" means everything). */
export function allowed(mr: Managed, action: Action): boolean {
  const policies = mr.spec.managementPolicies;
  return policies.includes("*") || policies.includes(action);
}

/** Orphan when asked to, or when Delete is not an allowed action (then deletionPolicy defaults to Orphan). */
export function orphanOnDelete(mr: Managed): boolean {
  return mr.spec.deletionPolicy === "Orphan" || !allowed(mr, "Delete");
}

export function isPaused(mr: Managed): boolean {
  return mr.metadata.annotations?.[Annotations.paused] === "true";
}

export function externalName(mr: Managed): string | undefined {
  return mr.metadata.annotations?.[Annotations.externalName];
}

/**
 * A create was started but its outcome was never recorded: create-pending is newer than both
 * create-succeeded and create-failed (ISO timestamps compare as strings).
 */
export function createOutcomeUnknown(mr: Managed): boolean {
  const a = mr.metadata.annotations ?? {};
  const pending = a[Annotations.createPending];
  if (!pending) return false;
  const resolved = [a[Annotations.createSucceeded], a[Annotations.createFailed]].filter((t): t is string => !!t);
  return !resolved.some((t) => t >= pending);
}

const UNITS: Readonly<Record<string, number>> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };

/** Parses durations like "30s", "5m", "1h30m", "250ms"; undefined when malformed. */
export function parseDuration(text: string): number | undefined {
  const parts = [...text.trim().matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join("") !== text.trim()) return undefined;
  return parts.reduce((sum, p) => sum + Number(p[1]) * (UNITS[p[2] ?? ""] ?? 0), 0);
}

/** The per-resource poll interval annotation, or the default; never below one second. */
export function pollIntervalMs(mr: Managed, defaultMs: number): number {
  const text = mr.metadata.annotations?.[Annotations.pollInterval];
  const parsed = text ? parseDuration(text) : undefined;
  return parsed !== undefined && parsed >= 1_000 ? parsed : defaultMs;
}

// JSON values as the emulator stores and sends them.

export type Json = string | number | boolean | null | Json[] | JsonObject;
export interface JsonObject {
  [key: string]: Json;
}

/** A JSON object (not an array, not null). Shallow: JSON.parse output is JSON all the way down. */
export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A deep copy, so stored state never aliases a request or a response. */
export function cloneJson<T extends Json>(value: T): T {
  return structuredClone(value);
}

/** The object at `key`, or undefined when absent or not an object. */
export function objectAt(obj: JsonObject, key: string): JsonObject | undefined {
  const value = obj[key];
  return isJsonObject(value) ? value : undefined;
}

/** The string at `key`, or undefined. */
export function stringAt(obj: JsonObject, key: string): string | undefined {
  const value = obj[key];
  return typeof value === "string" ? value : undefined;
}

/** A scalar at `key` as text (numbers and booleans too), or "" when absent or not a scalar. */
export function textAt(obj: JsonObject, key: string): string {
  const value = obj[key];
  return typeof value === "string" || typeof value === "number" || typeof value === "boolean" ? String(value) : "";
}

/** The number at `key` (int64 fields arrive as strings and are accepted too), or undefined. */
export function numberAt(obj: JsonObject, key: string): number | undefined {
  const value = obj[key];
  if (typeof value === "number") return value;
  if (typeof value === "string" && /^-?\d+$/.test(value)) return Number(value);
  return undefined;
}

/** The boolean at `key`, or undefined. */
export function booleanAt(obj: JsonObject, key: string): boolean | undefined {
  const value = obj[key];
  return typeof value === "boolean" ? value : undefined;
}

/** The strings in the array at `key` (others skipped), or [] when absent. */
export function stringsAt(obj: JsonObject, key: string): string[] {
  const value = obj[key];
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];
}

/** The objects in the array at `key` (others skipped), or [] when absent. */
export function objectsAt(obj: JsonObject, key: string): JsonObject[] {
  const value = obj[key];
  return Array.isArray(value) ? value.filter(isJsonObject) : [];
}

/**
 * JSON merge of `patch` into `base` with PATCH semantics of Google's REST APIs: objects merge
 * field by field, arrays and scalars replace, and absent fields are kept.
 */
export function mergeJson(base: JsonObject, patch: JsonObject): JsonObject {
  const out: JsonObject = { ...base };
  for (const [key, value] of Object.entries(patch)) {
    const current = out[key];
    out[key] = isJsonObject(current) && isJsonObject(value) ? mergeJson(current, value) : cloneJson(value);
  }
  return out;
}

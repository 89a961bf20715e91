// Narrowing helpers for JSON Schema documents, which arrive as untyped data.

export type JsonObject = Record<string, unknown>;

export function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The value as an array of unknowns, or undefined when it is not an array. */
export function arrayOf(value: unknown): readonly unknown[] | undefined {
  if (!Array.isArray(value)) return undefined;
  const items: unknown[] = value;
  return items;
}

export function stringsOf(value: unknown): string[] {
  return (arrayOf(value) ?? []).filter((item): item is string => typeof item === "string");
}

/** A field path for messages: `spec.forProvider.tags`, with `[*]` for array items and `.*` for map values. */
export function childPath(path: string, key: string): string {
  const safe = /^[A-Za-z_$][\w$-]*$/.test(key) ? key : JSON.stringify(key);
  return path === "" ? safe : `${path}.${safe}`;
}

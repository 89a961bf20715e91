import { isDeepStrictEqual } from "node:util";

// Typed reads of a resource's recorded attributes. Terraform writes unset strings as "" or null and
// nested blocks as one-element lists; these readers turn both into `undefined` / one object, so the
// mappers say what they mean (`a.str("engine")`, `a.block("health_check")`).

/** The attributes of one instance (or of one nested block), read by name. */
export class Attrs {
  readonly #raw: Readonly<Record<string, unknown>>;

  constructor(raw: Readonly<Record<string, unknown>>) {
    this.#raw = raw;
  }

  /** The raw value, as recorded. */
  get(key: string): unknown {
    return this.#raw[key];
  }

  /** A string; "" and null read as unset. */
  str(key: string): string | undefined {
    const v = this.#raw[key];
    return typeof v === "string" && v !== "" ? v : undefined;
  }

  /** A number (a bigint when it fits a double exactly is not needed here: ids are read with str()). */
  num(key: string): number | undefined {
    const v = this.#raw[key];
    if (typeof v === "number") return v;
    // Older providers record some numbers as strings (deregistration_delay, ports in flatmap states).
    if (typeof v === "string" && /^-?[0-9]+(\.[0-9]+)?$/.test(v)) return Number(v);
    return undefined;
  }

  /** An integer, or unset. */
  int(key: string): number | undefined {
    const v = this.num(key);
    return v !== undefined && Number.isInteger(v) ? v : undefined;
  }

  bool(key: string): boolean | undefined {
    const v = this.#raw[key];
    return typeof v === "boolean" ? v : undefined;
  }

  /** A list of strings (non-strings and "" left out); [] when unset. */
  strings(key: string): string[] {
    const v = this.#raw[key];
    return Array.isArray(v) ? v.filter((s): s is string => typeof s === "string" && s !== "") : [];
  }

  /** A map of strings, or unset. */
  map(key: string): Record<string, string> | undefined {
    const v = this.#raw[key];
    if (!isRecord(v)) return undefined;
    return Object.fromEntries(Object.entries(v).filter((e): e is [string, string] => typeof e[1] === "string"));
  }

  /** The nested blocks of a list/set block attribute; [] when unset. */
  blocks(key: string): Attrs[] {
    const v = this.#raw[key];
    if (isRecord(v)) return [new Attrs(v)];
    return Array.isArray(v) ? v.filter(isRecord).map((b) => new Attrs(b)) : [];
  }

  /** The first (usually only) nested block, or unset. */
  block(key: string): Attrs | undefined {
    return this.blocks(key)[0];
  }
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Unset in Terraform's eyes: null, "", an empty list or map, or a list of blocks that are all unset. */
export function isEmpty(v: unknown): boolean {
  if (v === null || v === undefined || v === "") return true;
  if (Array.isArray(v)) return v.every(isEmpty);
  if (isRecord(v)) return Object.values(v).every(isEmpty);
  return false;
}

/** The value at a dotted path ("health_check.0.path"); numeric steps index lists. */
export function valueAt(raw: Readonly<Record<string, unknown>>, path: string): unknown {
  let cur: unknown = raw;
  for (const step of path.split(".")) {
    if (Array.isArray(cur)) cur = cur[Number(step)];
    else if (isRecord(cur)) cur = cur[step];
    else return undefined;
  }
  return cur;
}

/** True when a recorded value says nothing beyond the default: unset, or equal to it (empty ≡ empty). */
export function isDefault(value: unknown, dflt: unknown): boolean {
  if (isEmpty(value)) return true;
  if (isEmpty(dflt) && isEmpty(value)) return true;
  return isDeepStrictEqual(value, dflt);
}

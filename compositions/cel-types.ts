import { Environment, Optional } from "@marcbachmann/cel-js";
import type { StructuralSchema } from "../core/crd/structural.ts";

// From structural schemas to CEL: the type declarations the checker type-checks expressions
// against (every object with properties becomes a named CEL type, so `lb.status.atProvider.dnsNam`
// is "No such key" before anything runs), and the value conversion the evaluator needs (CEL
// integers are BigInt; JSON numbers are doubles unless the schema says integer).

/** A CEL type as cel-js spells it: int, string, list<string>, map<string, dyn>, or a registered type name. */
export type CelType = string;

/** Options of every environment: optional chaining (`a.?b.orValue(x)`) on, mixed literals allowed. */
export const ENV_OPTIONS = { enableOptionalTypes: true, homogeneousAggregateLiterals: false } as const;

/** The schema of `metadata` as expressions see it (the CRD's own `metadata` is just `type: object`). */
export const METADATA_SCHEMA: StructuralSchema = {
  type: "object",
  properties: {
    name: { type: "string" },
    namespace: { type: "string" },
    uid: { type: "string" },
    generation: { type: "integer" },
    labels: { type: "object", additionalProperties: { type: "string" } },
    annotations: { type: "object", additionalProperties: { type: "string" } },
  },
};

/**
 * Declares typed variables on a cel-js Environment: `declare("lb", schema)` registers one CEL type
 * per object node (named by its path, e.g. `lb.status.atProvider`) and the variable `lb`.
 */
export class TypedEnvironment {
  readonly env = new Environment(ENV_OPTIONS);
  /** Registered type name → the schema it came from, to compare result types with target schemas. */
  readonly types = new Map<string, StructuralSchema>();

  declare(name: string, schema: StructuralSchema): this {
    this.env.registerVariable(name, this.typeOf(schema, name));
    return this;
  }

  private typeOf(schema: StructuralSchema, path: string): CelType {
    if (schema["x-kubernetes-int-or-string"] === true) return "dyn";
    switch (schema.type) {
      case "string":
        return "string";
      case "integer":
        return "int";
      case "number":
        return "double";
      case "boolean":
        return "bool";
      case "array":
        return `list<${schema.items ? this.typeOf(schema.items, `${path}[]`) : "dyn"}>`;
      case "object":
        return this.objectType(schema, path);
      default:
        return "dyn";
    }
  }

  private objectType(schema: StructuralSchema, path: string): CelType {
    const props = schema.properties;
    if (props && Object.keys(props).length > 0 && schema["x-kubernetes-preserve-unknown-fields"] !== true) {
      const fields: Record<string, string> = {};
      for (const [key, child] of Object.entries(props)) fields[key] = this.typeOf(child, `${path}.${key}`);
      const name = celTypeName(path);
      this.env.registerType(name, { fields });
      this.types.set(name, schema);
      return name;
    }
    if (schema.additionalProperties) return `map<string, ${this.typeOf(schema.additionalProperties, `${path}.*`)}>`;
    return "map<string, dyn>";
  }
}

/**
 * The CEL type name of an object node: its path, except that cel-js refuses one-letter type names, so
 * the object of a resource with a one-letter id (`a`) is the type `a.object`.
 */
function celTypeName(path: string): string {
  return path.length < 2 ? `${path}.object` : path;
}

/** Words CEL reserves: no variable (so no resource id) may be one of them. */
export const CEL_RESERVED_WORDS: ReadonlySet<string> = new Set(["as", "break", "const", "continue", "else", "for", "function", "if", "import", "let", "loop", "package", "namespace", "return", "var", "void", "while"]);

/** A schema for a JSON value as it is (environment values): objects keep their keys, numbers their kind. */
export function schemaOfValue(value: unknown): StructuralSchema {
  if (typeof value === "string") return { type: "string" };
  if (typeof value === "boolean") return { type: "boolean" };
  if (typeof value === "number") return { type: Number.isInteger(value) ? "integer" : "number" };
  if (Array.isArray(value)) {
    const items: unknown[] = value;
    const kinds = new Set(items.map((i) => JSON.stringify(schemaOfValue(i))));
    const [first] = items;
    return kinds.size === 1 ? { type: "array", items: schemaOfValue(first) } : { type: "array", items: { "x-kubernetes-preserve-unknown-fields": true } };
  }
  if (isRecord(value)) {
    const properties: Record<string, StructuralSchema> = {};
    for (const [k, v] of Object.entries(value)) properties[k] = schemaOfValue(v);
    return { type: "object", properties };
  }
  return { "x-kubernetes-preserve-unknown-fields": true };
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A JSON value as CEL sees it: integers (by the schema, or any whole number where the schema is silent) as BigInt. */
export function toCel(value: unknown, schema: StructuralSchema | undefined): unknown {
  if (typeof value === "number") {
    const integer = schema?.type === "integer" || (schema?.type !== "number" && Number.isInteger(value));
    return integer && Number.isInteger(value) ? BigInt(value) : value;
  }
  if (Array.isArray(value)) {
    const items: unknown[] = value;
    return items.map((item) => toCel(item, schema?.items));
  }
  if (isRecord(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = toCel(v, schema?.properties?.[k] ?? schema?.additionalProperties);
    return out;
  }
  return value;
}

/** A CEL result as JSON: BigInt → number, Map → object, optional → its value (or undefined). */
export function fromCel(value: unknown): unknown {
  if (typeof value === "bigint") return Number(value);
  if (Array.isArray(value)) {
    const items: unknown[] = value;
    return items.map(fromCel);
  }
  if (value instanceof Optional) return value.hasValue() ? fromCel(value.value()) : undefined;
  if (value instanceof Map) {
    const out: Record<string, unknown> = {};
    const entries: Iterable<[unknown, unknown]> = value.entries();
    for (const [k, v] of entries) out[String(k)] = fromCel(v);
    return out;
  }
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Uint8Array) return Buffer.from(value).toString("base64");
  if (isRecord(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = fromCel(v);
    return out;
  }
  return value;
}

import type { StructuralSchema } from "../core/crd/structural.ts";
import type { CelType } from "./cel-types.ts";

// Whether an expression's CEL type (as cel-js's checker reports it) fits the schema of the field it
// fills: `${spec.storageGB}` (int) fits an integer field, `${lb.status.atProvider.dnsName}` (string)
// does not fit an integer, `${db.status.atProvider.endpoint}` fits an object field with the same
// fields. `dyn` fits anything: it is checked when the rendered manifest is validated.

/** Why `type` does not fit `schema`, or undefined when it does. `types` maps registered CEL type names to their schemas. */
export function mismatch(type: CelType, schema: StructuralSchema, types: ReadonlyMap<string, StructuralSchema>): string | undefined {
  return fits(type, schema, types) ? undefined : `has type ${type}, but the field takes ${describeSchema(schema)}`;
}

function fits(type: CelType, schema: StructuralSchema, types: ReadonlyMap<string, StructuralSchema>): boolean {
  if (type === "dyn") return true;
  if (schema["x-kubernetes-int-or-string"] === true) return ["int", "uint", "string"].includes(type);
  if (type === "null" || type === "null_type") return schema.nullable === true;
  const generic = splitGeneric(type);
  switch (schema.type) {
    case undefined:
      return true;
    case "string":
      return type === "string";
    case "integer":
      return type === "int" || type === "uint";
    case "number":
      return ["double", "int", "uint"].includes(type);
    case "boolean":
      return type === "bool";
    case "array":
      return generic?.name === "list" && (!schema.items || fits(generic.args[0] ?? "dyn", schema.items, types));
    case "object":
      return objectFits(type, generic, schema, types);
    default:
      return false;
  }
}

function objectFits(type: CelType, generic: Generic | undefined, schema: StructuralSchema, types: ReadonlyMap<string, StructuralSchema>): boolean {
  if (schema["x-kubernetes-preserve-unknown-fields"] === true) return true;
  if (generic?.name === "map") {
    const value = generic.args[1] ?? "dyn";
    if (schema.additionalProperties) return fits(value, schema.additionalProperties, types);
    // A map literal's keys are not typed: it fits when its values fit some field (the rendered manifest is validated).
    return value === "dyn" || Object.values(schema.properties ?? {}).some((p) => fits(value, p, types));
  }
  const source = types.get(type);
  return source !== undefined && schemaFits(source, schema);
}

/** A value of schema `source` always passes `target`'s types: every field it may have is one `target` takes, with a fitting type. */
function schemaFits(source: StructuralSchema, target: StructuralSchema): boolean {
  if (target.type === undefined || target["x-kubernetes-preserve-unknown-fields"] === true) return true;
  if (source.type !== target.type) return source.type === "integer" && target.type === "number";
  if (source.type === "array") return !target.items || !source.items || schemaFits(source.items, target.items);
  if (source.type !== "object") return true;
  return Object.entries(source.properties ?? {}).every(([k, s]) => {
    const t = target.properties?.[k] ?? target.additionalProperties;
    return t !== undefined && schemaFits(s, t);
  });
}

interface Generic {
  readonly name: string;
  readonly args: readonly string[];
}

/** `map<string, list<int>>` → { name: map, args: [string, list<int>] }. */
function splitGeneric(type: string): Generic | undefined {
  const open = type.indexOf("<");
  if (open < 0 || !type.endsWith(">")) return undefined;
  const inner = type.slice(open + 1, -1);
  const args: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < inner.length; i++) {
    if (inner[i] === "<") depth++;
    else if (inner[i] === ">") depth--;
    else if (inner[i] === "," && depth === 0) {
      args.push(inner.slice(start, i).trim());
      start = i + 1;
    }
  }
  args.push(inner.slice(start).trim());
  return { name: type.slice(0, open), args };
}

/** A schema in words, for messages: "a string", "an integer", "a list of strings", "an object". */
export function describeSchema(schema: StructuralSchema): string {
  if (schema["x-kubernetes-int-or-string"] === true) return "an integer or a string";
  switch (schema.type) {
    case "string":
      return schema.enum ? `a string (one of ${schema.enum.map((e) => JSON.stringify(e)).join(", ")})` : "a string";
    case "integer":
      return "an integer";
    case "number":
      return "a number";
    case "boolean":
      return "a bool";
    case "array":
      return schema.items ? `a list of ${describeSchema(schema.items)}` : "a list";
    case "object":
      return schema.properties ? `an object (${Object.keys(schema.properties).join(", ")})` : "a map";
    default:
      return "any value";
  }
}

import { z } from "zod";
import { arrayOf, childPath, isObject, stringsOf } from "./_json.ts";
import type { JsonObject } from "./_json.ts";
import { re2Problem } from "./_re2.ts";

// zod 4's `z.toJSONSchema(..., { target: "openapi-3.0", io: "input" })` gets close to a Kubernetes
// *structural* schema; this module does the rest. Structural means: every node typed, no `$ref`,
// no union except the int-or-string one, no `additionalProperties: false`, only keywords the API
// server knows, and patterns Go's RE2 can compile. What cannot be expressed is an error naming the
// field, never a silent loss; what is useless to the API server (e.g. zod's ±2^53 bounds on
// `.int()`, `$schema`, `examples`) is dropped.

export type SchemaType = "object" | "array" | "string" | "integer" | "number" | "boolean";

/** A CEL rule in `x-kubernetes-validations`. */
export interface ValidationRule {
  readonly rule: string;
  readonly message?: string;
  readonly messageExpression?: string;
  readonly reason?: string;
  readonly fieldPath?: string;
  readonly optionalOldSelf?: boolean;
}

/** A Kubernetes structural OpenAPI v3 schema node (the subset of JSONSchemaProps we emit). */
export interface StructuralSchema {
  type?: SchemaType;
  format?: string;
  title?: string;
  description?: string;
  nullable?: boolean;
  default?: unknown;
  example?: unknown;
  enum?: unknown[];
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  exclusiveMinimum?: boolean;
  maximum?: number;
  exclusiveMaximum?: boolean;
  multipleOf?: number;
  minItems?: number;
  maxItems?: number;
  minProperties?: number;
  maxProperties?: number;
  properties?: Record<string, StructuralSchema>;
  required?: string[];
  additionalProperties?: StructuralSchema;
  items?: StructuralSchema;
  /** Only value checks (e.g. a second `pattern`), never types: see `assertStructural`. */
  allOf?: StructuralSchema[];
  anyOf?: StructuralSchema[];
  "x-kubernetes-preserve-unknown-fields"?: boolean;
  "x-kubernetes-int-or-string"?: boolean;
  "x-kubernetes-embedded-resource"?: boolean;
  "x-kubernetes-list-type"?: string;
  "x-kubernetes-list-map-keys"?: string[];
  "x-kubernetes-map-type"?: string;
  "x-kubernetes-validations"?: ValidationRule[];
  [extension: `x-kubernetes-${string}`]: unknown;
}

/** One thing that keeps a schema from being structural, at a field path such as `spec.forProvider.tags`. */
export interface Violation {
  readonly path: string;
  readonly message: string;
}

const BRAND = Symbol.for("terraplane.StructuralSchemaError");

/** A schema that cannot become (or is not) a Kubernetes structural schema; `violations` lists every reason. */
export class StructuralSchemaError extends Error {
  readonly [BRAND] = true;
  readonly violations: readonly Violation[];

  constructor(subject: string, violations: readonly Violation[], opts: { cause?: unknown } = {}) {
    const lines = violations.map((v) => `  - ${v.path === "" ? "(root)" : v.path}: ${v.message}`);
    const count = violations.length === 1 ? "1 problem" : `${violations.length} problems`;
    super(`${subject}: ${count} making a Kubernetes structural schema:\n${lines.join("\n")}`, { cause: opts.cause });
    this.name = "StructuralSchemaError";
    this.violations = violations;
  }
}

export function isStructuralSchemaError(err: unknown): err is StructuralSchemaError {
  return typeof err === "object" && err !== null && BRAND in err;
}

export interface StructuralOptions {
  /** Field path of the schema's root in messages, e.g. `spec`. */
  readonly path?: string;
  /** What the schema is, for the error message, e.g. `disks.aws.terraplane.dev`. */
  readonly subject?: string;
}

/** The Kubernetes structural schema for a zod schema's input (what users write), or a StructuralSchemaError. */
export function zodToStructural(schema: z.ZodType, opts: StructuralOptions = {}): StructuralSchema {
  let json: JsonObject;
  try {
    json = z.toJSONSchema(schema, { target: "openapi-3.0", io: "input", reused: "inline", unrepresentable: "throw" });
  } catch (err) {
    const message = `zod cannot express it as JSON Schema: ${err instanceof Error ? err.message : String(err)}`;
    throw new StructuralSchemaError(opts.subject ?? "schema", [{ path: opts.path ?? "", message }], { cause: err });
  }
  return toStructural(json, opts);
}

/** Converts a JSON Schema (zod 4 output, OpenAPI 3.0 or draft 2020-12 flavour) into a structural schema. */
export function toStructural(jsonSchema: unknown, opts: StructuralOptions = {}): StructuralSchema {
  const converter = new Converter(jsonSchema);
  const out = converter.convert(jsonSchema, opts.path ?? "");
  if (converter.violations.length > 0) throw new StructuralSchemaError(opts.subject ?? "schema", converter.violations);
  assertStructural(out, opts);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Conversion

const SCHEMA_TYPES: ReadonlySet<string> = new Set(["object", "array", "string", "integer", "number", "boolean"]);

/** Formats the API server knows (apiextensions-apiserver validation/formats.go). Others are dropped: the
 *  pattern zod emits beside them still checks the value. `duration` is dropped on purpose: Kubernetes
 *  means Go's `1h30m`, zod means ISO 8601's `PT1H30M`. */
const KNOWN_FORMATS: ReadonlySet<string> = new Set([
  "bsonobjectid", "uri", "email", "hostname", "ipv4", "ipv6", "cidr", "mac", "uuid", "uuid3", "uuid4", "uuid5",
  "isbn", "isbn10", "isbn13", "creditcard", "ssn", "hexcolor", "rgbcolor", "byte", "password", "date", "date-time",
  "datetime", "int32", "int64", "float", "double",
]);

/** Keywords that carry no meaning for the API server; dropped without comment. */
const DROPPED: ReadonlySet<string> = new Set([
  "$schema", "$id", "id", "$comment", "$defs", "definitions", "examples", "deprecated", "readOnly", "writeOnly",
  "contentEncoding", "contentMediaType", "propertyNames",
]);

/** Keywords handled by the converter's own logic. */
const STRUCTURE: ReadonlySet<string> = new Set([
  "type", "properties", "additionalProperties", "items", "required", "allOf", "anyOf", "oneOf", "not", "$ref",
  "prefixItems", "uniqueItems",
]);

const NUMBER_KEYS = [
  "minLength", "maxLength", "minimum", "maximum", "multipleOf", "minItems", "maxItems", "minProperties", "maxProperties",
] as const;

/** Value checks copied as they are (after `copyValues` narrows them). */
const VALUE_KEYS: ReadonlySet<string> = new Set([
  ...NUMBER_KEYS, "format", "enum", "pattern", "exclusiveMinimum", "exclusiveMaximum", "const",
]);

const ANNOTATION_KEYS: ReadonlySet<string> = new Set(["title", "description", "default", "example", "nullable"]);

function isExtension(key: string): key is `x-kubernetes-${string}` {
  return key.startsWith("x-kubernetes-");
}

/** A node that says nothing about the value's shape: zod's `z.unknown()` / `z.any()`. */
function isAnything(node: JsonObject): boolean {
  return Object.keys(node).every((k) => ANNOTATION_KEYS.has(k) || DROPPED.has(k) || k.startsWith("x-"));
}

function isNullBranch(node: unknown): boolean {
  if (!isObject(node)) return false;
  const values = arrayOf(node.enum);
  return node.type === "null" || (values !== undefined && values.length === 1 && values[0] === null);
}

/** Rewrites draft 2020-12 spellings into their OpenAPI 3.0 equivalents. */
function normalize(node: JsonObject): JsonObject {
  const out: JsonObject = { ...node };
  const types = arrayOf(node.type);
  if (types) {
    const nonNull = types.filter((t) => t !== "null");
    if (nonNull.length !== types.length) out.nullable = true;
    if (nonNull.length === 1) out.type = nonNull[0];
    else {
      delete out.type;
      out.anyOf = nonNull.map((t) => ({ type: t }));
    }
  }
  if ("const" in node) {
    out.enum = [node.const];
    delete out.const;
  }
  for (const [exclusive, bound] of [["exclusiveMinimum", "minimum"], ["exclusiveMaximum", "maximum"]] as const) {
    const value = node[exclusive];
    if (typeof value === "number") {
      out[bound] = value;
      out[exclusive] = true;
    }
  }
  return out;
}

class Converter {
  readonly violations: Violation[] = [];
  private readonly root: unknown;
  /** `$ref`s being expanded on the current path, to catch recursive schemas. */
  private readonly expanding: string[] = ["#"];

  constructor(root: unknown) {
    this.root = root;
  }

  convert(input: unknown, path: string): StructuralSchema {
    const node = input === true ? {} : input;
    if (!isObject(node)) {
      this.fail(path, `expected a schema object, got ${JSON.stringify(input)}`);
      return {};
    }
    if (typeof node.$ref === "string") return this.expand(node, node.$ref, path);
    const normal = normalize(node);
    const allOf = arrayOf(normal.allOf);
    const [single] = allOf ?? [];
    if (allOf?.length === 1 && normal.type === undefined && isObject(single)) {
      // zod's spelling of "a reused schema, plus a description or default": { allOf: [{ $ref }], ... }.
      const { allOf: _allOf, ...siblings } = normal;
      return this.convert({ ...single, ...siblings }, path);
    }
    if (arrayOf(normal.anyOf) || arrayOf(normal.oneOf)) return this.union(normal, path);
    return this.typed(normal, path);
  }

  private fail(path: string, message: string): void {
    this.violations.push({ path, message });
  }

  private expand(node: JsonObject, ref: string, path: string): StructuralSchema {
    if (this.expanding.includes(ref)) {
      this.fail(path, `recursive schema (${ref}): a CRD cannot express recursion; cut the cycle, e.g. with z.unknown() at some depth`);
      return {};
    }
    const target = this.resolve(ref);
    if (target === undefined) {
      this.fail(path, `cannot resolve $ref ${ref}`);
      return {};
    }
    const { $ref: _ref, ...siblings } = node;
    this.expanding.push(ref);
    try {
      return this.convert({ ...target, ...siblings }, path);
    } finally {
      this.expanding.pop();
    }
  }

  private resolve(ref: string): JsonObject | undefined {
    if (ref === "#") return isObject(this.root) ? this.root : undefined;
    const match = /^#\/(\$defs|definitions)\/(.+)$/.exec(ref);
    if (!match || !isObject(this.root)) return undefined;
    const defs = this.root[match[1] ?? ""];
    const name = (match[2] ?? "").replaceAll("~1", "/").replaceAll("~0", "~");
    const target = isObject(defs) ? defs[name] : undefined;
    return isObject(target) ? target : undefined;
  }

  /** anyOf / oneOf: nullable, int-or-string or a union of enums of one type; anything else is an error. */
  private union(node: JsonObject, path: string): StructuralSchema {
    const { anyOf, oneOf, ...base } = node;
    const branches = [...(arrayOf(anyOf) ?? []), ...(arrayOf(oneOf) ?? [])];
    // Branches are classified through their $refs but converted as written, so recursion is still caught.
    const nonNull = branches.filter((b) => !isNullBranch(this.deref(b)));
    const nullable = base.nullable === true || nonNull.length < branches.length;
    const only = nonNull[0];
    if (nonNull.length === 1 && isObject(only)) {
      const out = this.convert({ ...only, ...base }, path);
      if (nullable) out.nullable = true;
      return out;
    }
    const converted = nonNull.map((b) => this.convert(b, path));
    const types = [...new Set(converted.map((c) => c.type ?? "any"))].sort();
    let out: StructuralSchema | undefined;
    if (types.join("|") === "integer|string") out = this.intOrString(converted, path);
    else out = mergeEnums(converted);
    if (out === undefined) {
      const names = converted.map((c) => c.type ?? "any").join(" | ");
      this.fail(path, `a union (${names}) cannot be expressed in a structural schema: ` +
        "use one object with optional fields (and a CEL rule for which to set), or an int-or-string");
      return {};
    }
    return this.annotate(out, base, nullable, path);
  }

  /** The node with its `$ref` chain resolved (siblings win), for looking at; `convert` expands refs itself. */
  private deref(node: unknown, seen: readonly string[] = this.expanding): unknown {
    if (!isObject(node) || typeof node.$ref !== "string" || seen.includes(node.$ref)) return node;
    const { $ref, ...siblings } = node;
    const target = this.resolve($ref);
    return target === undefined ? node : this.deref({ ...target, ...siblings }, [...seen, $ref]);
  }

  private intOrString(branches: readonly StructuralSchema[], path: string): StructuralSchema {
    const extras = [...new Set(branches.flatMap((b) => Object.keys(b).filter((k) => k !== "type")))];
    if (extras.length > 0) {
      this.fail(path, `an int-or-string cannot check ${extras.join(", ")} on its branches in a CRD: ` +
        "drop those checks, or move them into a CEL rule (x-kubernetes-validations)");
    }
    return { "x-kubernetes-int-or-string": true };
  }

  /** Adds the union node's own title/description/default and extensions to its converted form. */
  private annotate(out: StructuralSchema, base: JsonObject, nullable: boolean, path: string): StructuralSchema {
    const result: StructuralSchema = out.type ? { type: out.type } : {};
    this.copyAnnotations(base, result);
    if (nullable) result.nullable = true;
    Object.assign(result, out);
    this.copyExtensions(base, result);
    const leftovers = Object.keys(base).filter(
      (k) => k !== "type" && !ANNOTATION_KEYS.has(k) && !DROPPED.has(k) && !k.startsWith("x-"),
    );
    if (leftovers.length > 0) this.fail(path, `keywords beside a union are not supported: ${leftovers.join(", ")}`);
    return result;
  }

  private typed(node: JsonObject, path: string): StructuralSchema {
    if ("not" in node) {
      this.fail(path, "`not` (e.g. z.never()) cannot be expressed in a CRD");
      return {};
    }
    if (isNullBranch(node)) {
      this.fail(path, "a field that can only be null (z.null()) is not supported");
      return {};
    }
    const type = this.typeOf(node, path);
    if (type === false) return {};
    const out: StructuralSchema = {};
    if (type === undefined) {
      if (!isAnything(node)) {
        this.fail(path, "the value has no type: give it one, or use z.unknown() for free-form data");
        return {};
      }
      this.copyAnnotations(node, out);
      out["x-kubernetes-preserve-unknown-fields"] = true;
      this.copyExtensions(node, out);
      return out;
    }
    out.type = type;
    this.copyAnnotations(node, out);
    this.copyValues(node, out, path);
    this.allOf(node, out, path);
    if (type === "object") this.object(node, out, path);
    if (type === "array") this.array(node, out, path);
    this.checkKeywords(node, type, path);
    this.copyExtensions(node, out);
    return out;
  }

  /** The node's type; undefined for "anything"; false when it has none a CRD allows (reported). */
  private typeOf(node: JsonObject, path: string): SchemaType | undefined | false {
    const t = node.type;
    if (typeof t === "string") {
      if (isSchemaType(t)) return t;
      this.fail(path, t === "null" ? "a field that can only be null is not supported" : `type ${JSON.stringify(t)} is not supported`);
      return false;
    }
    if (t !== undefined) {
      this.fail(path, `type ${JSON.stringify(t)} is not supported`);
      return false;
    }
    if ("properties" in node || "additionalProperties" in node) return "object";
    if ("items" in node) return "array";
    const values = arrayOf(node.enum);
    if (values === undefined) return undefined;
    const kinds = new Set(values.map((v) => (typeof v === "number" && Number.isInteger(v) ? "integer" : typeof v)));
    const [kind] = kinds;
    if (kinds.size === 1 && kind !== undefined && isSchemaType(kind)) return kind;
    this.fail(path, "an enum of values of different types cannot be expressed in a structural schema");
    return false;
  }

  private copyValues(node: JsonObject, out: StructuralSchema, path: string): void {
    if (typeof node.format === "string" && KNOWN_FORMATS.has(node.format)) out.format = node.format;
    const values = arrayOf(node.enum);
    if (values) out.enum = [...values];
    if (typeof node.pattern === "string") {
      const problem = re2Problem(node.pattern);
      if (problem === undefined) out.pattern = node.pattern;
      else this.fail(path, `pattern ${JSON.stringify(node.pattern)} is not RE2-safe (Kubernetes checks patterns with Go's RE2): ${problem}`);
    }
    copyNumbers(node, out);
  }

  private copyAnnotations(node: JsonObject, out: StructuralSchema): void {
    if (typeof node.title === "string") out.title = node.title;
    if (typeof node.description === "string") out.description = node.description;
    if (node.nullable === true) out.nullable = true;
    if ("default" in node) out.default = node.default;
    if ("example" in node) out.example = node.example;
  }

  private copyExtensions(node: JsonObject, out: StructuralSchema): void {
    for (const key of Object.keys(node).filter(isExtension).sort()) out[key] = node[key];
  }

  private checkKeywords(node: JsonObject, type: SchemaType, path: string): void {
    if (node.uniqueItems === true) {
      this.fail(path, "uniqueItems is not allowed in a CRD (quadratic cost): use .meta({ \"x-kubernetes-list-type\": \"set\" })");
    }
    if ("prefixItems" in node || arrayOf(node.items)) this.fail(path, "tuples cannot be expressed in a CRD: use an object");
    else if (type === "array" && node.items === undefined) this.fail(path, "an array needs an item schema");
    const unknown = Object.keys(node).filter(
      (k) => !STRUCTURE.has(k) && !VALUE_KEYS.has(k) && !ANNOTATION_KEYS.has(k) && !DROPPED.has(k) && !k.startsWith("x-"),
    );
    for (const key of unknown) this.fail(path, `keyword ${JSON.stringify(key)} is not supported in a CRD`);
  }

  /** allOf (several patterns, or an intersection of checks): value checks only, hoisted where they do not clash. */
  private allOf(node: JsonObject, out: StructuralSchema, path: string): void {
    const branches = arrayOf(node.allOf);
    if (!branches) return;
    const rest: StructuralSchema[] = [];
    for (const raw of branches) {
      const branch = this.deref(raw);
      if (!isObject(branch)) continue;
      const bad = Object.keys(branch).filter(
        (k) => !(k === "type" && branch.type === out.type) && !VALUE_KEYS.has(k) && !DROPPED.has(k) && k !== "description",
      );
      if (bad.length > 0) {
        this.fail(path, `an intersection (allOf) can only add value checks here, not ${bad.join(", ")}: combine objects with .extend() instead`);
        continue;
      }
      const checks: StructuralSchema = {};
      this.copyValues(normalize(branch), checks, path);
      if (Object.keys(checks).some((k) => k in out)) rest.push(checks);
      else Object.assign(out, checks);
    }
    if (rest.length > 0) out.allOf = rest;
  }

  private object(node: JsonObject, out: StructuralSchema, path: string): void {
    const props = node.properties;
    if (isObject(props)) {
      const properties: Record<string, StructuralSchema> = {};
      for (const [key, value] of Object.entries(props)) properties[key] = this.convert(value, childPath(path, key));
      out.properties = properties;
    }
    const required = stringsOf(node.required);
    if (required.length > 0) out.required = required;
    const extra = node.additionalProperties;
    if (extra === undefined || extra === false) return;
    if (extra === true || (isObject(extra) && isAnything(extra))) {
      out["x-kubernetes-preserve-unknown-fields"] = true;
      return;
    }
    if (out.properties && Object.keys(out.properties).length > 0) {
      this.fail(path, "an object cannot have both declared fields and a typed catchall in a CRD: put the map in a field of its own");
      return;
    }
    out.additionalProperties = this.convert(extra, `${path}.*`);
  }

  private array(node: JsonObject, out: StructuralSchema, path: string): void {
    const items = node.items;
    if (isObject(items) || items === true) out.items = this.convert(items, `${path}[*]`);
  }
}

function copyNumbers(node: JsonObject, out: StructuralSchema): void {
  for (const key of NUMBER_KEYS) {
    const value = node[key];
    if (typeof value === "number" && !isSafeIntegerBound(key, value)) out[key] = value;
  }
  if (node.exclusiveMinimum === true && out.minimum !== undefined) out.exclusiveMinimum = true;
  if (node.exclusiveMaximum === true && out.maximum !== undefined) out.exclusiveMaximum = true;
}

function isSchemaType(t: string): t is SchemaType {
  return SCHEMA_TYPES.has(t);
}

/** zod adds ±(2^53-1) bounds to every `.int()`; they only restate JSON's safe-integer range. */
function isSafeIntegerBound(key: string, value: number): boolean {
  return (key === "minimum" && value === Number.MIN_SAFE_INTEGER) || (key === "maximum" && value === Number.MAX_SAFE_INTEGER);
}

/** z.union([z.literal("a"), z.literal("b")]) and friends: one type, enums only, merged into one enum. */
function mergeEnums(branches: readonly StructuralSchema[]): StructuralSchema | undefined {
  const [first] = branches;
  if (first?.type === undefined || first.type === "object" || first.type === "array") return undefined;
  const values: unknown[] = [];
  for (const b of branches) {
    const onlyEnum = Object.keys(b).every((k) => k === "type" || k === "enum");
    if (b.type !== first.type || !onlyEnum || !b.enum) return undefined;
    for (const v of b.enum) if (!values.includes(v)) values.push(v);
  }
  return { type: first.type, enum: values };
}

// ---------------------------------------------------------------------------------------------
// Checking

const ALLOWED_KEYS: ReadonlySet<string> = new Set([
  "type", "format", "title", "description", "nullable", "default", "example", "externalDocs", "enum", "pattern",
  ...NUMBER_KEYS, "exclusiveMinimum", "exclusiveMaximum", "uniqueItems", "required", "properties",
  "additionalProperties", "items", "allOf", "anyOf", "oneOf", "not",
  "x-kubernetes-preserve-unknown-fields", "x-kubernetes-int-or-string", "x-kubernetes-embedded-resource",
  "x-kubernetes-list-type", "x-kubernetes-list-map-keys", "x-kubernetes-map-type", "x-kubernetes-validations",
]);

/** Inside allOf/anyOf/oneOf/not, the API server forbids everything but value checks. */
const FORBIDDEN_IN_JUNCTORS: ReadonlySet<string> = new Set([
  "type", "title", "description", "default", "nullable", "additionalProperties",
  "x-kubernetes-preserve-unknown-fields", "x-kubernetes-int-or-string", "x-kubernetes-embedded-resource",
  "x-kubernetes-list-type", "x-kubernetes-list-map-keys", "x-kubernetes-map-type", "x-kubernetes-validations",
]);

/**
 * Walks a schema and throws a StructuralSchemaError listing every way it is not a Kubernetes
 * structural schema (the checks the API server makes, plus RE2-safe patterns and known formats,
 * whose failures it only warns about).
 */
export function assertStructural(schema: unknown, opts: StructuralOptions = {}): void {
  const violations: Violation[] = [];
  checkNode(schema, opts.path ?? "", violations);
  violations.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  if (violations.length > 0) throw new StructuralSchemaError(opts.subject ?? "schema", violations);
}

function checkNode(node: unknown, path: string, out: Violation[]): void {
  const fail = (message: string): void => void out.push({ path, message });
  if (!isObject(node)) {
    fail("must be a schema object");
    return;
  }
  checkType(node, fail);
  checkListAndMapTypes(node, fail);
  checkKeys(node, fail);
  checkValues(node, fail);
  checkObject(node, path, out);
  checkJunctors(node, path, out);
  if (node.type === "array") {
    if (isObject(node.items)) checkNode(node.items, `${path}[*]`, out);
    else fail("an array must have a single item schema in `items`");
  }
}

function checkType(node: JsonObject, fail: (message: string) => void): void {
  const intOrString = node["x-kubernetes-int-or-string"] === true;
  const preserve = node["x-kubernetes-preserve-unknown-fields"] === true;
  if (node.type === undefined && !intOrString && !preserve) fail("must have a type");
  if (node.type !== undefined && !(typeof node.type === "string" && isSchemaType(node.type))) {
    fail(`type ${JSON.stringify(node.type)} is not a Kubernetes type`);
  }
  if (intOrString && preserve) fail("x-kubernetes-int-or-string and x-kubernetes-preserve-unknown-fields exclude each other");
  if ("x-kubernetes-preserve-unknown-fields" in node && !preserve) fail("x-kubernetes-preserve-unknown-fields must be true or absent");
}

function checkListAndMapTypes(node: JsonObject, fail: (message: string) => void): void {
  if ("x-kubernetes-list-type" in node) {
    if (node.type !== "array") fail("x-kubernetes-list-type needs type: array");
    if (!["atomic", "set", "map"].includes(String(node["x-kubernetes-list-type"]))) fail("x-kubernetes-list-type must be atomic, set or map");
  }
  if ("x-kubernetes-list-map-keys" in node && node["x-kubernetes-list-type"] !== "map") fail("x-kubernetes-list-map-keys needs x-kubernetes-list-type: map");
  if ("x-kubernetes-map-type" in node && node.type !== "object") fail("x-kubernetes-map-type needs type: object");
}

function checkKeys(node: JsonObject, fail: (message: string) => void): void {
  for (const key of Object.keys(node)) {
    if (key === "$ref" || key === "$defs" || key === "definitions") fail(`${key} is not allowed: inline the schema`);
    else if (!ALLOWED_KEYS.has(key)) fail(`keyword ${JSON.stringify(key)} is not allowed in a CRD schema`);
  }
  if (node.uniqueItems === true) fail("uniqueItems: true is not allowed (use x-kubernetes-list-type: set)");
  if ("oneOf" in node || "not" in node) fail("oneOf / not are not allowed in a structural schema");
  const rules = node["x-kubernetes-validations"];
  if (rules !== undefined && !(arrayOf(rules) ?? [undefined]).every((r) => isObject(r) && typeof r.rule === "string")) {
    fail("x-kubernetes-validations must be a list of { rule, message }");
  }
}

function checkValues(node: JsonObject, fail: (message: string) => void): void {
  if (typeof node.pattern === "string") {
    const problem = re2Problem(node.pattern);
    if (problem) fail(`pattern ${JSON.stringify(node.pattern)} is not RE2-safe: ${problem}`);
  }
  if (typeof node.format === "string" && !KNOWN_FORMATS.has(node.format)) fail(`format ${JSON.stringify(node.format)} is unknown to Kubernetes`);
  for (const key of ["exclusiveMinimum", "exclusiveMaximum"]) {
    if (key in node && typeof node[key] !== "boolean") fail(`${key} must be a boolean in OpenAPI v3.0`);
  }
}

function checkObject(node: JsonObject, path: string, out: Violation[]): void {
  const fail = (message: string): void => void out.push({ path, message });
  const props = node.properties;
  if (props !== undefined && !isObject(props)) fail("properties must be an object");
  if (isObject(props)) for (const [key, value] of Object.entries(props)) checkNode(value, childPath(path, key), out);
  const extra = node.additionalProperties;
  if (extra === undefined) return;
  if (!isObject(extra)) {
    fail("additionalProperties must be a schema (drop `false`; use x-kubernetes-preserve-unknown-fields for anything)");
    return;
  }
  if (isObject(props) && Object.keys(props).length > 0) fail("properties and additionalProperties exclude each other");
  checkNode(extra, `${path}.*`, out);
}

function checkJunctors(node: JsonObject, path: string, out: Violation[]): void {
  const anyOf = arrayOf(node.anyOf);
  if (anyOf && !isIntOrStringAnyOf(node, anyOf)) {
    out.push({ path, message: "anyOf is only allowed as the int-or-string pattern [{type: integer}, {type: string}]" });
  }
  for (const [i, branch] of (arrayOf(node.allOf) ?? []).entries()) {
    if (!isObject(branch)) continue;
    const at = `${path === "" ? "" : `${path}.`}allOf[${i}]`;
    const bad = Object.keys(branch).filter((k) => FORBIDDEN_IN_JUNCTORS.has(k) || k === "properties" || k === "items");
    if (bad.length > 0) out.push({ path: at, message: `must hold only value checks, not ${bad.join(", ")}` });
    if (typeof branch.pattern === "string" && re2Problem(branch.pattern)) {
      out.push({ path: at, message: `pattern ${JSON.stringify(branch.pattern)} is not RE2-safe` });
    }
  }
}

function isIntOrStringAnyOf(node: JsonObject, anyOf: readonly unknown[]): boolean {
  if (node["x-kubernetes-int-or-string"] !== true || anyOf.length !== 2) return false;
  const types = anyOf.map((b) => (isObject(b) && Object.keys(b).length === 1 ? b.type : undefined));
  return types[0] === "integer" && types[1] === "string";
}

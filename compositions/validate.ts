import { Environment } from "@marcbachmann/cel-js";
import type { ParseResult } from "@marcbachmann/cel-js";
import type { StructuralSchema } from "../core/crd/structural.ts";
import { ENV_OPTIONS, isRecord, toCel } from "./cel-types.ts";
import { joinPath, parseReferences } from "./template.ts";

// Validates a JSON value against a structural schema the way the API server would: types, unknown
// fields, required fields, enums, patterns, bounds, and the schema's CEL rules (x-kubernetes-
// validations) evaluated with cel-js after defaulting. Transition rules (oldSelf) need an old
// object and are skipped; a rule that cannot be evaluated here is skipped, never guessed.
// The checker passes `onTemplate` so strings holding ${...} are type-checked instead.

export interface SchemaProblem {
  readonly path: string;
  readonly message: string;
  readonly expression?: string;
}

export interface ValidateOptions {
  /** Called for strings holding `${`; returns their problems. Without it they are validated as plain strings. */
  readonly onTemplate?: (value: string, schema: StructuralSchema, path: string) => SchemaProblem[];
}

/** Every problem of `value` against `schema`, with field paths under `path`. */
export function validateValue(value: unknown, schema: StructuralSchema, path: string, opts: ValidateOptions = {}): SchemaProblem[] {
  if (opts.onTemplate && typeof value === "string" && value.includes("${")) return opts.onTemplate(value, schema, path);
  if (value === null && schema.nullable === true) return [];
  if (schema["x-kubernetes-int-or-string"] === true) {
    return typeof value === "string" || Number.isInteger(value) ? [] : [{ path, message: `must be an integer or a string, got ${describe(value)}` }];
  }
  const problems = typeProblems(value, schema, path, opts);
  if (problems.length === 0) problems.push(...ruleProblems(value, schema, path, opts.onTemplate !== undefined && hasTemplate(value)));
  return problems;
}

function typeProblems(value: unknown, schema: StructuralSchema, path: string, opts: ValidateOptions): SchemaProblem[] {
  switch (schema.type) {
    case "object":
      return isRecord(value) ? objectProblems(value, schema, path, opts) : [{ path, message: `must be an object, got ${describe(value)}` }];
    case "array":
      return Array.isArray(value) ? arrayProblems(value, schema, path, opts) : [{ path, message: `must be a list, got ${describe(value)}` }];
    case "string":
      return typeof value === "string" ? stringProblems(value, schema, path) : [{ path, message: `must be a string, got ${describe(value)}` }];
    case "integer":
      return Number.isInteger(value) ? numberProblems(Number(value), schema, path) : [{ path, message: `must be an integer, got ${describe(value)}` }];
    case "number":
      return typeof value === "number" ? numberProblems(value, schema, path) : [{ path, message: `must be a number, got ${describe(value)}` }];
    case "boolean":
      return typeof value === "boolean" ? [] : [{ path, message: `must be true or false, got ${describe(value)}` }];
    default:
      return [];
  }
}

function objectProblems(value: Record<string, unknown>, schema: StructuralSchema, path: string, opts: ValidateOptions): SchemaProblem[] {
  const problems: SchemaProblem[] = [];
  const props = schema.properties;
  for (const key of schema.required ?? []) {
    if (!(key in value)) problems.push({ path: joinPath(path, key), message: "is required" });
  }
  for (const [key, child] of Object.entries(value)) {
    const at = joinPath(path, key);
    const childSchema = props?.[key] ?? schema.additionalProperties;
    if (childSchema) problems.push(...validateValue(child, childSchema, at, opts));
    else if (schema["x-kubernetes-preserve-unknown-fields"] !== true) {
      const known = Object.keys(props ?? {});
      problems.push({ path: at, message: `unknown field${known.length ? ` (known: ${known.join(", ")})` : ""}` });
    }
  }
  const count = Object.keys(value).length;
  if (schema.maxProperties !== undefined && count > schema.maxProperties) problems.push({ path, message: `must have at most ${schema.maxProperties} entries` });
  if (schema.minProperties !== undefined && count < schema.minProperties) problems.push({ path, message: `must have at least ${schema.minProperties} entries` });
  return problems;
}

function arrayProblems(value: readonly unknown[], schema: StructuralSchema, path: string, opts: ValidateOptions): SchemaProblem[] {
  const problems: SchemaProblem[] = [];
  if (schema.minItems !== undefined && value.length < schema.minItems) problems.push({ path, message: `must have at least ${schema.minItems} items` });
  if (schema.maxItems !== undefined && value.length > schema.maxItems) problems.push({ path, message: `must have at most ${schema.maxItems} items` });
  const items = schema.items;
  if (items) value.forEach((item, i) => problems.push(...validateValue(item, items, `${path}[${i}]`, opts)));
  return problems;
}

function stringProblems(value: string, schema: StructuralSchema, path: string): SchemaProblem[] {
  const problems: SchemaProblem[] = [];
  if (schema.enum && !schema.enum.includes(value)) problems.push({ path, message: `must be one of ${schema.enum.map((e) => JSON.stringify(e)).join(", ")}, got ${JSON.stringify(value)}` });
  if (schema.minLength !== undefined && value.length < schema.minLength) problems.push({ path, message: `must be at least ${schema.minLength} characters` });
  if (schema.maxLength !== undefined && value.length > schema.maxLength) problems.push({ path, message: `must be at most ${schema.maxLength} characters, got ${value.length}` });
  if (schema.pattern !== undefined && !new RegExp(schema.pattern).test(value)) problems.push({ path, message: `${JSON.stringify(value)} does not match ${schema.pattern}` });
  for (const extra of schema.allOf ?? []) if (extra.pattern !== undefined && !new RegExp(extra.pattern).test(value)) problems.push({ path, message: `${JSON.stringify(value)} does not match ${extra.pattern}` });
  return problems;
}

function numberProblems(value: number, schema: StructuralSchema, path: string): SchemaProblem[] {
  const problems: SchemaProblem[] = [];
  if (schema.enum && !schema.enum.includes(value)) problems.push({ path, message: `must be one of ${schema.enum.join(", ")}, got ${value}` });
  if (schema.minimum !== undefined && (schema.exclusiveMinimum ? value <= schema.minimum : value < schema.minimum)) problems.push({ path, message: `must be ${schema.exclusiveMinimum ? "greater than" : "at least"} ${schema.minimum}, got ${value}` });
  if (schema.maximum !== undefined && (schema.exclusiveMaximum ? value >= schema.maximum : value > schema.maximum)) problems.push({ path, message: `must be ${schema.exclusiveMaximum ? "less than" : "at most"} ${schema.maximum}, got ${value}` });
  return problems;
}

// ---------------------------------------------------------------------------------------------
// CEL rules

const ruleEnv = new Environment({ ...ENV_OPTIONS, unlistedVariablesAreDyn: false }).registerVariable("self", "dyn");
const compiled = new Map<string, ParseResult | undefined>();

function compile(rule: string): ParseResult | undefined {
  if (!compiled.has(rule)) {
    let parsed: ParseResult | undefined;
    try {
      parsed = ruleEnv.parse(rule);
    } catch {
      parsed = undefined; // a Kubernetes-only extension this library does not parse: the API server checks it
    }
    compiled.set(rule, parsed);
  }
  return compiled.get(rule);
}

/** With `partial` (the value holds templates), only rules that read literal fields are evaluated. */
function ruleProblems(value: unknown, schema: StructuralSchema, path: string, partial: boolean): SchemaProblem[] {
  const rules = (schema["x-kubernetes-validations"] ?? []).filter((r) => !/\boldSelf\b/.test(r.rule) && (!partial || readsOnlyLiterals(r.rule, value)));
  if (rules.length === 0) return [];
  const self = toCel(withDefaults(value, schema), schema);
  const problems: SchemaProblem[] = [];
  for (const r of rules) {
    const program = compile(r.rule);
    let result: unknown;
    try {
      result = program?.({ self });
    } catch {
      continue; // cannot be evaluated here (e.g. a field the API server would default); the API server decides
    }
    if (result === false) problems.push({ path, message: r.message ?? `failed rule: ${r.rule}` });
  }
  return problems;
}

/** The value with the schema's defaults filled in, as the API server does before it runs the rules. */
export function withDefaults(value: unknown, schema: StructuralSchema | undefined): unknown {
  if (!schema) return value;
  if (value === undefined) return schema.default === undefined ? undefined : withDefaults(structuredClone(schema.default), schema);
  if (Array.isArray(value)) {
    const items: unknown[] = value;
    return items.map((item) => withDefaults(item, schema.items));
  }
  if (!isRecord(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = withDefaults(v, schema.properties?.[k] ?? schema.additionalProperties);
  for (const [k, child] of Object.entries(schema.properties ?? {})) {
    if (!(k in out) && child.default !== undefined) out[k] = withDefaults(structuredClone(child.default), child);
  }
  return out;
}

function readsOnlyLiterals(rule: string, value: unknown): boolean {
  let refs;
  try {
    refs = parseReferences(rule, SELF);
  } catch {
    return false;
  }
  return refs.every((ref) => {
    let current: unknown = value;
    for (const key of ref.path) {
      if (!isRecord(current)) return !hasTemplate(current);
      current = current[key];
    }
    return !hasTemplate(current);
  });
}

const SELF: ReadonlySet<string> = new Set(["self"]);

function hasTemplate(value: unknown): boolean {
  if (typeof value === "string") return value.includes("${");
  if (Array.isArray(value)) {
    const items: unknown[] = value;
    return items.some(hasTemplate);
  }
  return isRecord(value) && Object.values(value).some(hasTemplate);
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "an object";
  return `${typeof value} ${JSON.stringify(value)}`;
}

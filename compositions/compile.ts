import { createHash } from "node:crypto";
import { managedCrd } from "../core/crd/generate.ts";
import type { StructuralSchema } from "../core/crd/structural.ts";
import type { ManagedKind } from "../core/kind.ts";
import { describeSchema, mismatch } from "./assignable.ts";
import { CEL_RESERVED_WORDS, METADATA_SCHEMA, TypedEnvironment, isRecord, schemaOfValue } from "./cel-types.ts";
import { isCycleError, waves } from "./dag.ts";
import type { CompiledDefinition } from "./definition.ts";
import type { Composition, ResourceTemplate } from "./kinds.ts";
import type { Problem } from "./problems.ts";
import { isTemplateSyntaxError, parseReferences, parseTemplateString, templateLeaves } from "./template.ts";
import { validateValue } from "./validate.ts";
import type { SchemaProblem } from "./validate.ts";

// The composition compiler: everything about a Composition that can be known before an instance
// exists is checked here, once, when it is applied (and by `terraplane composition check`):
// every ${...} type-checked against the definition's schema, the environment and the composed
// kinds' schemas (unknown fields and ids, wrong types), every template validated against its
// kind's schema (required fields, enums, patterns, CEL rules where the values are literal), the
// reference graph ordered into waves (a cycle is an error naming it), and the status fields and
// connection keys the definition promises filled with the right types. The result is what the
// renderer runs.

/** Variable names an expression may read besides the resource ids. */
export const RESERVED_ROOTS = ["spec", "metadata", "env", "status", "self"] as const;

export interface CompiledResource {
  readonly id: string;
  readonly apiVersion: string;
  readonly kind: string;
  readonly template: Readonly<Record<string, unknown>>;
  /** The whole object's schema (apiVersion, kind, metadata, spec, status): what other templates read as this id. */
  readonly schema: StructuralSchema;
  /** Resource ids this template reads, in first-use order. */
  readonly dependsOn: readonly string[];
  readonly readyWhen: readonly string[];
}

export interface CompiledComposition {
  readonly name: string;
  /** Content hash of the composition's spec, recorded on instances. */
  readonly revision: string;
  readonly composition: Composition;
  readonly definition: CompiledDefinition;
  readonly resources: readonly CompiledResource[];
  /** Apply order: wave 0 first; delete in reverse. */
  readonly waves: readonly (readonly string[])[];
  readonly environment: Readonly<Record<string, unknown>>;
  readonly environmentSchema: StructuralSchema;
}

export type CompositionResult =
  | { readonly ok: true; readonly compiled: CompiledComposition }
  | { readonly ok: false; readonly problems: readonly Problem[] };

/** Compiles a composition against its definition and the registered managed kinds, or lists every problem. */
export function compileComposition(composition: Composition, definition: CompiledDefinition, kinds: readonly ManagedKind[]): CompositionResult {
  return new Compiler(composition, definition, kinds).run();
}

/** The revision of a composition: a stable hash of its spec. */
export function compositionRevision(composition: Composition): string {
  return createHash("sha256").update(stableJson(composition.spec)).digest("hex").slice(0, 12);
}

function stableJson(value: unknown): string {
  if (Array.isArray(value)) {
    const items: unknown[] = value;
    return `[${items.map(stableJson).join(",")}]`;
  }
  if (isRecord(value)) return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${stableJson(value[k])}`).join(",")}}`;
  return JSON.stringify(value) ?? "null";
}

/** The schema of a whole managed object, with metadata typed. */
export function objectSchemaOf(kind: ManagedKind): StructuralSchema {
  const [version] = managedCrd(kind).spec.versions;
  const root = version?.schema.openAPIV3Schema ?? { type: "object" };
  return { ...root, properties: { ...root.properties, metadata: METADATA_SCHEMA } };
}

const TEMPLATE_METADATA: StructuralSchema = {
  type: "object",
  properties: {
    name: { type: "string", maxLength: 253, pattern: "^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$" },
    namespace: { type: "string" },
    labels: { type: "object", additionalProperties: { type: "string" } },
    annotations: { type: "object", additionalProperties: { type: "string" } },
  },
};

class Compiler {
  private readonly problems: Problem[] = [];
  private readonly typed = new TypedEnvironment();
  private readonly kindsByType = new Map<string, ManagedKind>();
  private readonly resourceIds: ReadonlySet<string>;
  private readonly environment: Record<string, unknown>;
  private readonly composition: Composition;
  private readonly definition: CompiledDefinition;

  constructor(composition: Composition, definition: CompiledDefinition, kinds: readonly ManagedKind[]) {
    this.composition = composition;
    this.definition = definition;
    for (const k of kinds) this.kindsByType.set(`${k.group}/${k.version}/${k.kind}`, k);
    this.resourceIds = new Set(composition.spec.resources.map((r) => r.id));
    this.environment = composition.spec.environment ?? {};
  }

  run(): CompositionResult {
    const spec = this.composition.spec;
    const ref = spec.compositeTypeRef;
    if (ref.apiVersion !== this.definition.apiVersion || ref.kind !== this.definition.kind) {
      this.add({ path: "spec.compositeTypeRef", message: `is ${ref.apiVersion} ${ref.kind}, but the definition is ${this.definition.apiVersion} ${this.definition.kind}` });
    }
    const environmentSchema = schemaOfValue(this.environment);
    this.typed.declare("spec", this.definition.spec).declare("metadata", METADATA_SCHEMA).declare("env", environmentSchema);
    const kinds = this.resolveKinds(spec.resources);
    const resources: CompiledResource[] = [];
    for (const r of spec.resources) {
      const kind = kinds.get(r.id);
      if (kind) resources.push(this.resource(r, kind));
    }
    const order = this.order(resources);
    this.statusMapping();
    this.connectionDetails();
    if (this.problems.length > 0) return { ok: false, problems: this.problems };
    return {
      ok: true,
      compiled: {
        name: this.composition.metadata.name,
        revision: compositionRevision(this.composition),
        composition: this.composition,
        definition: this.definition,
        resources,
        waves: order,
        environment: this.environment,
        environmentSchema,
      },
    };
  }

  private add(p: Problem): void {
    this.problems.push(p);
  }

  /** Each template's kind, and every id declared as a typed variable (before any expression is checked). */
  private resolveKinds(resources: readonly ResourceTemplate[]): Map<string, ManagedKind> {
    const out = new Map<string, ManagedKind>();
    const seen = new Set<string>();
    for (const r of resources) {
      const at = { resource: r.id };
      if (seen.has(r.id)) this.add({ ...at, path: "id", message: "duplicate resource id" });
      seen.add(r.id);
      if ((RESERVED_ROOTS as readonly string[]).includes(r.id)) {
        this.add({ ...at, path: "id", message: `${r.id} is reserved (${RESERVED_ROOTS.join(", ")} are variables of every expression)` });
        continue;
      }
      if (CEL_RESERVED_WORDS.has(r.id)) {
        this.add({ ...at, path: "id", message: `${r.id} is a word CEL reserves, so expressions could not name the resource: choose another id` });
        continue;
      }
      const { apiVersion, kind } = r.template;
      if (typeof apiVersion !== "string" || typeof kind !== "string" || apiVersion.includes("${") || kind.includes("${")) {
        this.add({ ...at, path: "template", message: "apiVersion and kind must be literal strings" });
        continue;
      }
      const managed = this.kindsByType.get(`${apiVersion}/${kind}`);
      if (!managed) {
        const known = [...this.kindsByType.keys()].map((k) => k.replace(/\/([^/]+)$/, " $1")).join(", ");
        this.add({ ...at, path: "template", message: `${apiVersion} ${kind} is not a Terraplane managed kind (known: ${known})` });
        continue;
      }
      out.set(r.id, managed);
      this.typed.declare(r.id, objectSchemaOf(managed));
    }
    return out;
  }

  private resource(r: ResourceTemplate, kind: ManagedKind): CompiledResource {
    const schema = objectSchemaOf(kind);
    const dependsOn = new Set<string>();
    const onTemplate = (value: string, target: StructuralSchema, path: string): SchemaProblem[] => this.checkTemplate(value, target, path, dependsOn);
    const { apiVersion: _a, kind: _k, metadata, spec, ...rest } = r.template;
    for (const key of Object.keys(rest)) this.add({ resource: r.id, path: `template.${key}`, message: key === "status" ? "a template has no status: the cloud fills it" : "unknown field (a template has apiVersion, kind, metadata and spec)" });
    const specSchema = schema.properties?.spec ?? { type: "object" };
    const found = [
      ...validateValue(metadata ?? {}, TEMPLATE_METADATA, "metadata", { onTemplate }),
      ...validateValue(spec ?? {}, specSchema, "spec", { onTemplate }),
    ];
    if (this.definition.definition.spec.scope === "Cluster" && !(isRecord(metadata) && typeof metadata.namespace === "string")) {
      found.push({ path: "metadata.namespace", message: "is required: a cluster-scoped instance's resources need a namespace" });
    }
    const readyWhen: string[] = [];
    (r.readyWhen ?? []).forEach((condition, i) => {
      const t = safeParse(condition);
      if (t?.kind !== "expression") found.push({ path: `readyWhen[${i}]`, message: "must be one whole ${...} expression" });
      else {
        found.push(...this.checkExpression(t.expression, { type: "boolean" }, `readyWhen[${i}]`, new Set()));
        readyWhen.push(t.expression);
      }
    });
    for (const p of found) this.add({ resource: r.id, ...p });
    return { id: r.id, apiVersion: kind.group + "/" + kind.version, kind: kind.kind, template: r.template, schema, dependsOn: [...dependsOn], readyWhen };
  }

  /** Problems of one template string at a field of the given schema; adds the ids it reads to `dependsOn`. */
  private checkTemplate(value: string, target: StructuralSchema, path: string, dependsOn: Set<string>): SchemaProblem[] {
    let t;
    try {
      t = parseTemplateString(value);
    } catch (err) {
      if (isTemplateSyntaxError(err)) return [{ path, message: err.message }];
      throw err;
    }
    if (t.kind === "literal") return validateValue(t.value, target, path);
    if (t.kind === "expression") return this.checkExpression(t.expression, target, path, dependsOn);
    const problems: SchemaProblem[] = [];
    const takesString = target.type === "string" || target.type === undefined || target["x-kubernetes-int-or-string"] === true;
    if (!takesString) problems.push({ path, message: `an interpolated string is a string, but the field takes ${describeSchema(target)}: use one whole \${...}` });
    for (const part of t.parts) {
      if ("expression" in part) problems.push(...this.checkExpression(part.expression, SCALAR, path, dependsOn));
    }
    return problems;
  }

  private checkExpression(expression: string, target: StructuralSchema, path: string, dependsOn: Set<string>): SchemaProblem[] {
    const result = this.typed.env.check(expression);
    if (!result.valid) return [{ path, expression, message: firstLine(result.error?.message ?? "invalid expression") }];
    for (const ref of parseReferences(expression, this.resourceIds)) dependsOn.add(ref.root);
    const type = result.type ?? "dyn";
    if (target === SCALAR) {
      return ["string", "int", "uint", "double", "bool", "dyn"].includes(type) ? [] : [{ path, expression, message: `has type ${type}: only strings, numbers and bools can be interpolated into a string` }];
    }
    const why = mismatch(type, target, this.typed.types);
    return why ? [{ path, expression, message: why }] : [];
  }

  private order(resources: readonly CompiledResource[]): string[][] {
    try {
      return waves(resources.map((r) => ({ id: r.id, dependsOn: r.dependsOn })));
    } catch (err) {
      if (!isCycleError(err)) throw err;
      this.add({ resource: err.cycle[0], path: "template", message: `${err.message}: a resource cannot wait for itself; read the value from the instance or the environment instead` });
      return [];
    }
  }

  /** Every status field of the definition filled, with its type; nothing else. */
  private statusMapping(): void {
    const mapping = this.composition.spec.status ?? {};
    const fields = this.definition.ownStatus.properties ?? {};
    for (const [field, schema] of Object.entries(fields)) {
      const path = `spec.status.${field}`;
      if (!(field in mapping)) {
        this.add({ path, message: `the definition's status field ${field} (${describeSchema(schema)}) is not filled: every composition must fill it` });
        continue;
      }
      const onTemplate = (value: string, target: StructuralSchema, at: string): SchemaProblem[] => this.checkTemplate(value, target, at, new Set());
      for (const p of validateValue(mapping[field], schema, path, { onTemplate })) this.add(p);
    }
    for (const field of Object.keys(mapping)) {
      if (!(field in fields)) this.add({ path: `spec.status.${field}`, message: `is not a status field of the definition (fields: ${Object.keys(fields).join(", ") || "none"})` });
    }
  }

  /** Exactly the connection keys the definition promises, each from a composed resource or a string value. */
  private connectionDetails(): void {
    const details = this.composition.spec.connectionDetails ?? {};
    const promised = this.definition.connectionSecretKeys;
    for (const key of promised) if (!(key in details)) this.add({ path: `spec.connectionDetails.${key}`, message: `the definition promises connection key ${key}: every composition must provide it` });
    for (const [key, detail] of Object.entries(details)) {
      const path = `spec.connectionDetails.${key}`;
      if (!promised.includes(key)) this.add({ path, message: `is not a connection key of the definition (keys: ${promised.join(", ") || "none"})` });
      if (detail.fromResource !== undefined && !this.resourceIds.has(detail.fromResource)) {
        this.add({ path: `${path}.fromResource`, message: `${detail.fromResource} is not a resource id (ids: ${[...this.resourceIds].join(", ")})` });
      }
      if (detail.value !== undefined) for (const p of this.checkTemplate(detail.value, { type: "string" }, `${path}.value`, new Set())) this.add(p);
    }
  }
}

/** A marker target: a part of an interpolated string. */
const SCALAR: StructuralSchema = {};

function safeParse(value: string): ReturnType<typeof parseTemplateString> | undefined {
  try {
    return parseTemplateString(value);
  } catch (err) {
    if (isTemplateSyntaxError(err)) return undefined;
    throw err;
  }
}

export function firstLine(message: string): string {
  return message.split("\n")[0] ?? message;
}

/** Every template string of a resource, for tools that list expressions. */
export function expressionLeaves(r: ResourceTemplate): ReturnType<typeof templateLeaves> {
  return templateLeaves(r.template);
}

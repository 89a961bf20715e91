import { z } from "zod";
import type { CrdPrinterColumn, CustomResourceDefinition } from "../core/crd/generate.ts";
import { isStructuralSchemaError, toStructural, zodToStructural } from "../core/crd/structural.ts";
import type { StructuralSchema, ValidationRule } from "../core/crd/structural.ts";
import { immutable } from "../core/kind.ts";
import { Condition, SecretReference } from "../core/managed.ts";
import { UpdatePolicy } from "./kinds.ts";
import type { CompositeDefinition } from "./kinds.ts";
import type { Problem } from "./problems.ts";

// A CompositeDefinition compiled: its spec and status schemas made structural (the definition's
// own fields beside the ones every instance has), and the abstract CRD the controller serves.

/** Spec fields every instance has besides the definition's own; a definition may not declare them. */
export const InstanceSpecFields = {
  compositionRef: z.object({ name: z.string().min(1) }).optional().describe("The composition to use, by name (wins over compositionSelector). Recorded by Terraplane once chosen."),
  compositionSelector: z
    .object({ matchLabels: z.record(z.string(), z.string()) })
    .optional()
    .describe("Choose the composition by its labels."),
  compositionRevision: z.string().optional().describe("The composition revision in use (recorded by Terraplane); with compositionUpdatePolicy Manual it changes only when you change it."),
  compositionUpdatePolicy: UpdatePolicy.optional(),
  writeConnectionSecretToRef: SecretReference.optional(),
  deletionPolicy: z
    .enum(["Delete", "Orphan"])
    .optional()
    .describe("Delete (the default): deleting the instance deletes its composed resources and their cloud resources, dependents first. Orphan: the cloud resources stay."),
};

export const ComposedResourceStatus = z.object({
  id: z.string(),
  apiVersion: z.string(),
  kind: z.string(),
  name: z.string(),
  namespace: z.string().optional(),
  wave: z.number().int().describe("Apply wave: deleted in reverse wave order."),
  dependsOn: z.array(z.string()).optional(),
  ready: z.enum(["True", "False", "Unknown"]),
  synced: z.enum(["True", "False", "Unknown"]),
  message: z.string().optional(),
});
export type ComposedResourceStatus = z.infer<typeof ComposedResourceStatus>;

/** Status fields every instance has besides the definition's own. */
export const InstanceStatusFields = {
  conditions: z.array(Condition).optional().meta({ "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["type"] }),
  observedGeneration: z.number().int().optional(),
  composition: z.object({ name: z.string(), revision: z.string() }).optional().describe("The composition and revision the resources were rendered from."),
  resources: z.array(ComposedResourceStatus).optional().describe("Every composed resource: the inventory deletion follows, and each one's Ready, Synced and message."),
};

const instanceSpecStructural = zodToStructural(z.object(InstanceSpecFields), { path: "spec", subject: "instance spec" });
const instanceStatusStructural = zodToStructural(z.object(InstanceStatusFields), { path: "status", subject: "instance status" });

export interface CompiledDefinition {
  readonly name: string;
  readonly apiVersion: string;
  readonly kind: string;
  readonly definition: CompositeDefinition;
  /** The definition's own spec schema (what expressions read as `spec`). */
  readonly ownSpec: StructuralSchema;
  /** The definition's own status schema (what compositions must fill). */
  readonly ownStatus: StructuralSchema;
  /** The instance's whole spec schema: own fields and the common ones, with the definition's immutability rules. */
  readonly spec: StructuralSchema;
  readonly status: StructuralSchema;
  readonly connectionSecretKeys: readonly string[];
}

export type DefinitionResult =
  | { readonly ok: true; readonly compiled: CompiledDefinition }
  | { readonly ok: false; readonly problems: readonly Problem[] };

/** Compiles a definition, or lists every problem (non-structural schema, reserved or unknown field names). */
export function compileDefinition(definition: CompositeDefinition): DefinitionResult {
  const d = definition.spec;
  const problems: Problem[] = [];
  const expectedName = `${d.names.plural}.${d.group}`;
  if (definition.metadata.name !== expectedName) problems.push({ path: "metadata.name", message: `must be ${expectedName} (<plural>.<group>)` });
  const ownSpec = structural(d.schema.spec, "spec.schema.spec", problems);
  const ownStatus = structural(d.schema.status ?? { type: "object", properties: {} }, "spec.schema.status", problems);
  for (const [schema, reserved, where] of [
    [ownSpec, Object.keys(InstanceSpecFields), "spec.schema.spec"],
    [ownStatus, Object.keys(InstanceStatusFields), "spec.schema.status"],
  ] as const) {
    for (const key of Object.keys(schema?.properties ?? {})) {
      if (reserved.includes(key)) problems.push({ path: `${where}.properties.${key}`, message: `${key} is reserved: every instance has it` });
    }
  }
  for (const field of d.immutableFields ?? []) {
    if (ownSpec && !ownSpec.properties?.[field]) problems.push({ path: "spec.immutableFields", message: `${field} is not a field of spec.schema.spec` });
  }
  for (const [i, l] of (d.compositionSelection.labelsFromFields ?? []).entries()) {
    const field = ownSpec?.properties?.[l.field];
    if (ownSpec && field?.type !== "string") problems.push({ path: `spec.compositionSelection.labelsFromFields[${i}].field`, message: `${l.field} must be a string field of spec.schema.spec` });
  }
  if (!ownSpec || !ownStatus || problems.length > 0) return { ok: false, problems };
  const rules = immutable(d.immutableFields ?? [], d.names.kind).map((r): ValidationRule => ({ rule: r.rule, message: r.message }));
  const spec: StructuralSchema = {
    ...ownSpec,
    properties: { ...ownSpec.properties, ...instanceSpecStructural.properties },
    ...(rules.length > 0 || ownSpec["x-kubernetes-validations"] ? { "x-kubernetes-validations": [...(ownSpec["x-kubernetes-validations"] ?? []), ...rules] } : {}),
  };
  const status: StructuralSchema = { ...ownStatus, type: "object", properties: { ...ownStatus.properties, ...instanceStatusStructural.properties } };
  return {
    ok: true,
    compiled: {
      name: definition.metadata.name,
      apiVersion: `${d.group}/${d.version}`,
      kind: d.names.kind,
      definition,
      ownSpec,
      ownStatus,
      spec,
      status,
      connectionSecretKeys: d.connectionSecretKeys ?? [],
    },
  };
}

function structural(json: unknown, path: string, problems: Problem[]): StructuralSchema | undefined {
  try {
    const out = toStructural(json, { path, subject: path });
    if (out.type !== "object") {
      problems.push({ path, message: "must be an object schema (type: object)" });
      return undefined;
    }
    return out;
  } catch (err) {
    if (!isStructuralSchemaError(err)) throw err;
    for (const v of err.violations) problems.push({ path: v.path || path, message: v.message });
    return undefined;
  }
}

const COLUMNS: readonly CrdPrinterColumn[] = [
  { name: "READY", type: "string", jsonPath: ".status.conditions[?(@.type=='Ready')].status" },
  { name: "SYNCED", type: "string", jsonPath: ".status.conditions[?(@.type=='Synced')].status" },
  { name: "COMPOSITION", type: "string", jsonPath: ".status.composition.name" },
  { name: "AGE", type: "date", jsonPath: ".metadata.creationTimestamp" },
];

/** The abstract CRD a compiled definition is served by: structural, in the terraplane category, with READY/SYNCED/COMPOSITION/AGE. */
export function abstractCrd(compiled: CompiledDefinition): CustomResourceDefinition {
  const d = compiled.definition.spec;
  return {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: { name: compiled.name },
    spec: {
      group: d.group,
      scope: d.scope,
      names: {
        plural: d.names.plural,
        singular: d.names.singular ?? d.names.kind.toLowerCase(),
        kind: d.names.kind,
        listKind: `${d.names.kind}List`,
        ...(d.names.shortNames?.length ? { shortNames: [...d.names.shortNames] } : {}),
        categories: ["terraplane", "composite"],
      },
      versions: [
        {
          name: d.version,
          served: true,
          storage: true,
          schema: {
            openAPIV3Schema: {
              type: "object",
              description: `A ${d.names.kind}, composed by Terraplane from the composition its labels or compositionRef choose.`,
              properties: {
                apiVersion: { type: "string" },
                kind: { type: "string" },
                metadata: { type: "object" },
                spec: compiled.spec,
                status: compiled.status,
              },
              required: ["spec"],
            },
          },
          subresources: { status: {} },
          additionalPrinterColumns: COLUMNS,
        },
      ],
    },
  };
}

import { z } from "zod";
import type { CrdKind } from "../core/kind.ts";
import { Condition } from "../core/managed.ts";

// The two kinds of the composition layer, cluster-scoped in compose.terraplane.dev: a
// CompositeDefinition declares an abstract API (WebStack) and a Composition implements it with
// templates of existing Terraplane kinds. Both are data: the compiler (checker.ts) and the renderer
// (render.ts) give them meaning, so the same files work in the cluster and offline.

export const COMPOSE_GROUP = "compose.terraplane.dev";
export const COMPOSE_VERSION = "v1alpha1";
export const COMPOSE_API_VERSION = `${COMPOSE_GROUP}/${COMPOSE_VERSION}`;

/** Labels Terraplane puts on every composed resource. */
export const ComposeLabels = {
  composite: "compose.terraplane.dev/composite",
  compositeKind: "compose.terraplane.dev/composite-kind",
  composition: "compose.terraplane.dev/composition",
  resourceId: "compose.terraplane.dev/resource-id",
} as const;

/** An OpenAPI v3 structural schema, kept as data; the compiler checks it is structural. */
const OpenApiSchema = z
  .record(z.string(), z.unknown())
  .describe("An OpenAPI v3 structural schema (as in a CRD's openAPIV3Schema), with type: object at its root.");

const DnsSubdomain = z.string().min(1).max(253).regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/);
const LabelKey = z.string().min(1).max(316).regex(/^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/);
const SecretKey = z.string().min(1).max(253).regex(/^[-._a-zA-Z0-9]+$/);
/** A CEL identifier: resource ids and environment keys are variables in expressions. */
const Identifier = z.string().min(1).max(63).regex(/^[a-z][a-zA-Z0-9_]*$/);

export const UpdatePolicy = z
  .enum(["Automatic", "Manual"])
  .describe("Automatic: an instance follows its composition's newest revision (and a changed selector). Manual: it stays on the recorded one until you change compositionRef.");
export type UpdatePolicy = z.infer<typeof UpdatePolicy>;

export const CompositeDefinitionSpec = z
  .object({
    group: DnsSubdomain.describe("API group of the abstract kind, e.g. platform.example.org."),
    names: z.object({
      kind: z.string().min(1).max(63).regex(/^[A-Z][A-Za-z0-9]*$/).describe("The abstract kind, e.g. WebStack."),
      plural: z.string().min(1).max(63).regex(/^[a-z][a-z0-9]*$/).describe("Lower-case plural, e.g. webstacks."),
      singular: z.string().min(1).max(63).regex(/^[a-z][a-z0-9]*$/).optional(),
      shortNames: z.array(z.string().regex(/^[a-z][a-z0-9]*$/)).max(10).optional(),
    }),
    version: z.string().regex(/^v[1-9][0-9]*((alpha|beta)[1-9][0-9]*)?$/).describe("API version, e.g. v1alpha1."),
    scope: z.enum(["Namespaced", "Cluster"]).default("Namespaced").describe("Namespaced (the default: app teams own instances in their namespace) or Cluster."),
    schema: z
      .object({
        spec: OpenApiSchema.describe("The schema of the instance's spec: what an app team may write."),
        status: OpenApiSchema.optional().describe("The status fields every composition must fill, with their types."),
      })
      .describe("The abstract API's schemas (OpenAPI v3, structural)."),
    immutableFields: z.array(Identifier).max(32).optional().describe("Top-level spec fields that cannot change once the instance exists (e.g. cloud)."),
    connectionSecretKeys: z
      .array(SecretKey)
      .max(64)
      .optional()
      .meta({ "x-kubernetes-list-type": "set" })
      .describe("The keys every composition must write to the instance's connection Secret."),
    compositionSelection: z
      .object({
        labelsFromFields: z
          .array(z.object({ field: Identifier.describe("A top-level spec field, e.g. cloud."), label: LabelKey.describe("The composition label it selects on, e.g. terraplane.dev/cloud.") }))
          .max(8)
          .optional()
          .describe("Spec fields that select compositions by label: cloud: aws selects compositions labelled terraplane.dev/cloud: aws."),
        defaultCompositionRef: z.object({ name: DnsSubdomain }).optional().describe("The composition for instances that select none."),
        defaultUpdatePolicy: UpdatePolicy.default("Automatic"),
      })
      .prefault({})
      .describe("How an instance's composition is chosen."),
  })
  .describe("An abstract kind, its schemas, the connection keys it promises and how its compositions are chosen.");
export type CompositeDefinitionSpec = z.infer<typeof CompositeDefinitionSpec>;

export const CompositeDefinitionStatus = z.object({
  conditions: z.array(Condition).optional().meta({ "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["type"] }),
  observedGeneration: z.number().int().optional(),
});

export const ResourceTemplate = z
  .object({
    id: Identifier.describe("The resource's id: other templates read it as a variable, e.g. ${lb.status.atProvider.dnsName}."),
    template: z
      .record(z.string(), z.unknown())
      .describe("A manifest of a Terraplane managed kind (apiVersion, kind, metadata, spec) whose values may hold ${...} CEL expressions."),
    readyWhen: z
      .array(z.string().min(4))
      .max(16)
      .optional()
      .describe("CEL conditions, each ${...}, that make this resource Ready instead of its own Ready condition."),
  })
  .describe("One composed resource.");
export type ResourceTemplate = z.infer<typeof ResourceTemplate>;

export const ConnectionDetail = z
  .object({
    fromResource: Identifier.optional().describe("Copy a key of this composed resource's connection Secret..."),
    key: SecretKey.optional().describe("...this key."),
    value: z.string().optional().describe("Or a value (a template string, e.g. https://${cdn.status.atProvider.domainName})."),
  })
  .meta({
    "x-kubernetes-validations": [
      { rule: "has(self.fromResource) == has(self.key) && has(self.fromResource) != has(self.value)", message: "a connection detail needs fromResource and key, or value" },
    ],
  });
export type ConnectionDetail = z.infer<typeof ConnectionDetail>;

export const CompositionSpec = z
  .object({
    compositeTypeRef: z
      .object({ apiVersion: z.string().min(3), kind: z.string().min(1) })
      .describe("The abstract kind this composition implements, e.g. platform.example.org/v1alpha1 WebStack."),
    environment: z
      .record(Identifier, z.unknown())
      .optional()
      .describe("Values expressions read as env.<name>, e.g. env.region; their types are those of the values."),
    resources: z.array(ResourceTemplate).min(1).max(64).meta({ "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["id"] }),
    status: z
      .record(z.string(), z.unknown())
      .optional()
      .describe("The instance's status fields (those of the definition), as template values, e.g. url: https://${cdn.status.atProvider.domainName}."),
    connectionDetails: z
      .record(SecretKey, ConnectionDetail)
      .optional()
      .describe("The instance's connection Secret, by key: from composed resources' connection Secrets or from template values."),
  })
  .describe("One implementation of a CompositeDefinition.");
export type CompositionSpec = z.infer<typeof CompositionSpec>;

export const CompositionProblem = z.object({
  resource: z.string().optional().describe("The resource id (absent for status and connection mappings)."),
  path: z.string().describe("Field path in the composition, e.g. resources[cdn].template.spec.forProvider.origins[0].domainName."),
  expression: z.string().optional(),
  message: z.string(),
});

export const CompositionStatus = z.object({
  conditions: z.array(Condition).optional().meta({ "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["type"] }),
  observedGeneration: z.number().int().optional(),
  revision: z.string().optional().describe("Content hash of the spec: instances record it with the composition's name."),
  problems: z.array(CompositionProblem).optional().describe("Why the composition is not Accepted."),
});

const AGE = { name: "AGE", type: "date", jsonPath: ".metadata.creationTimestamp" } as const;

export const compositeDefinitionKind: CrdKind = {
  group: COMPOSE_GROUP,
  version: COMPOSE_VERSION,
  kind: "CompositeDefinition",
  plural: "compositedefinitions",
  shortNames: ["xdef"],
  scope: "Cluster",
  categories: ["terraplane", "compose"],
  description: "An abstract kind (e.g. WebStack): its spec and status schemas, connection keys and composition selection. Named <plural>.<group>.",
  spec: CompositeDefinitionSpec,
  status: CompositeDefinitionStatus,
  printerColumns: [
    { name: "KIND", type: "string", jsonPath: ".spec.names.kind" },
    { name: "GROUP", type: "string", jsonPath: ".spec.group" },
    { name: "ESTABLISHED", type: "string", jsonPath: ".status.conditions[?(@.type=='Established')].status" },
    AGE,
  ],
};

export const compositionKind: CrdKind = {
  group: COMPOSE_GROUP,
  version: COMPOSE_VERSION,
  kind: "Composition",
  plural: "compositions",
  shortNames: ["comp"],
  scope: "Cluster",
  categories: ["terraplane", "compose"],
  description: "One implementation of a CompositeDefinition: templates of Terraplane managed kinds with ${...} CEL expressions, checked when applied.",
  spec: CompositionSpec,
  status: CompositionStatus,
  printerColumns: [
    { name: "KIND", type: "string", jsonPath: ".spec.compositeTypeRef.kind" },
    { name: "ACCEPTED", type: "string", jsonPath: ".status.conditions[?(@.type=='Accepted')].status" },
    { name: "REVISION", type: "string", jsonPath: ".status.revision" },
    AGE,
  ],
};

/** The kinds of the composition layer, for the CRD list. */
export const compositionKinds: readonly CrdKind[] = [compositeDefinitionKind, compositionKind];

const Metadata = z.looseObject({
  name: z.string().min(1),
  namespace: z.string().optional(),
  labels: z.record(z.string(), z.string()).optional(),
  annotations: z.record(z.string(), z.string()).optional(),
  uid: z.string().optional(),
  generation: z.number().int().optional(),
});

/** A CompositeDefinition object as read from a file or the API. */
export const CompositeDefinition = z.object({
  apiVersion: z.literal(COMPOSE_API_VERSION),
  kind: z.literal("CompositeDefinition"),
  metadata: Metadata,
  spec: CompositeDefinitionSpec,
});
export type CompositeDefinition = z.infer<typeof CompositeDefinition>;

/** A Composition object as read from a file or the API. */
export const Composition = z.object({
  apiVersion: z.literal(COMPOSE_API_VERSION),
  kind: z.literal("Composition"),
  metadata: Metadata,
  spec: CompositionSpec,
});
export type Composition = z.infer<typeof Composition>;

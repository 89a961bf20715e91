import { z } from "zod";

// The shape every managed resource shares, whatever its cloud and kind: the common spec fields
// (management and deletion policies, provider config, connection secret) and the common status
// (conditions, drift, last sync). A kind adds only its `forProvider` and `atProvider` schemas.

export const ANNOTATION_PREFIX = "terraplane.dev";
export const Annotations = {
  externalName: `${ANNOTATION_PREFIX}/external-name`,
  /** A composite's per-part cloud names, JSON `{"<part key>": "<name>"}` (ADR 0012). */
  externalNames: `${ANNOTATION_PREFIX}/external-names`,
  paused: `${ANNOTATION_PREFIX}/paused`,
  reconcileRequestedAt: `${ANNOTATION_PREFIX}/reconcile-requested-at`,
  pollInterval: `${ANNOTATION_PREFIX}/poll-interval`,
  createPending: `${ANNOTATION_PREFIX}/create-pending`,
  createSucceeded: `${ANNOTATION_PREFIX}/create-succeeded`,
  createFailed: `${ANNOTATION_PREFIX}/create-failed`,
} as const;

export const FINALIZER = `${ANNOTATION_PREFIX}/managed-resource`;

export const ManagementPolicy = z.enum(["*", "Observe", "Create", "Update", "Delete", "LateInitialize"]);
export type ManagementPolicy = z.infer<typeof ManagementPolicy>;

export const ManagementPolicies = z
  .array(ManagementPolicy)
  .default(["*"])
  .describe(
    'What Terraplane may do to the cloud resource: "*" (everything, the default) or a subset of Observe, Create, Update, Delete, LateInitialize. ["Observe"] imports a resource read-only.',
  )
  .meta({
    "x-kubernetes-list-type": "set",
    "x-kubernetes-validations": [
      { rule: "!self.exists(p, p == '*') || size(self) == 1", message: 'managementPolicies: "*" must stand alone; list the policies you want instead' },
      { rule: "size(self) > 0", message: 'managementPolicies must not be empty: use ["*"] or list at least "Observe"' },
      {
        rule: "self.exists(p, p == '*' || p == 'Observe')",
        message: 'managementPolicies must include "Observe": Terraplane cannot create, update or delete what it cannot see',
      },
    ],
  });

export const DeletionPolicy = z
  .enum(["Delete", "Orphan"])
  .describe("Delete the cloud resource when this object is deleted (Delete), or leave it in the cloud (Orphan). Defaults to Delete when managementPolicies allow it, otherwise Orphan.");

export const ProviderConfigRef = z
  .object({
    kind: z.enum(["ProviderConfig", "ClusterProviderConfig"]).default("ClusterProviderConfig"),
    name: z.string().min(1).default("default"),
  })
  .describe("The ProviderConfig (same namespace) or ClusterProviderConfig that holds the cloud credentials.");

export const SecretReference = z
  .object({ name: z.string().min(1).describe("Name of a Secret in the resource's namespace.") })
  .describe("Where to write the connection details (endpoint, credentials) as a Secret owned by this resource.");

/** The spec fields every kind shares; a kind's own spec is `{ forProvider, ...commonSpecShape }`. */
export const commonSpecShape = {
  managementPolicies: ManagementPolicies,
  deletionPolicy: DeletionPolicy.optional(),
  providerConfigRef: ProviderConfigRef.prefault({}),
  writeConnectionSecretToRef: SecretReference.optional(),
};

/** CEL rules across the common spec fields, attached to `spec`. */
export const commonSpecRules = [
  {
    rule: "!has(self.deletionPolicy) || self.deletionPolicy == 'Orphan' || !has(self.managementPolicies) || self.managementPolicies.exists(p, p == '*' || p == 'Delete')",
    message: 'deletionPolicy "Delete" needs "Delete" in managementPolicies: add it, or set deletionPolicy: Orphan',
  },
] as const;

export const Condition = z.object({
  type: z.string(),
  status: z.enum(["True", "False", "Unknown"]),
  reason: z.string(),
  message: z.string().optional(),
  lastTransitionTime: z.string(),
  observedGeneration: z.number().int().optional(),
});
export type Condition = z.infer<typeof Condition>;

export const FieldDrift = z.object({
  path: z.string().describe("Field path under spec.forProvider, e.g. tags.team or listeners[0].port."),
  desired: z.string().optional().describe("Desired value as JSON (omitted for sensitive fields)."),
  observed: z.string().optional().describe("Observed value as JSON (omitted for sensitive fields)."),
});
export type FieldDrift = z.infer<typeof FieldDrift>;

export const DriftStatus = z.object({
  fields: z.array(FieldDrift),
  detectedAt: z.string(),
  corrected: z.boolean().optional().describe("True once an update was sent for this drift."),
  resolvedAt: z.string().optional().describe("When the cloud was next seen matching spec; the record stays as the last drift."),
});

export const PendingOperation = z.object({
  id: z.string().describe("The cloud's identifier of a long-running operation, checked again on the next reconcile."),
  action: z.string().describe("What it does: create, update, delete."),
  startedAt: z.string(),
});
export type PendingOperation = z.infer<typeof PendingOperation>;

/** The status fields every kind shares; a kind's own status is `{ atProvider, ...commonStatusShape }`. */
export const commonStatusShape = {
  conditions: z
    .array(Condition)
    .optional()
    .meta({ "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["type"] }),
  observedGeneration: z.number().int().optional(),
  lastSyncTime: z
    .string()
    .optional()
    .describe("When Terraplane last recorded a successful observation of the cloud resource. It observes every poll interval; one that finds nothing new is recorded at least every fourth poll, and at once after a reconcile-requested-at request."),
  drift: DriftStatus.optional().describe("The last drift detected between spec and cloud."),
  diff: z
    .array(FieldDrift)
    .optional()
    .describe("What the last observation (status.lastSyncTime, for spec generation status.observedGeneration) found different from spec; absent when up to date. terraplane plan reads it."),
  pendingOperation: PendingOperation.optional(),
};

import type { KubernetesObject } from "@kubernetes/client-node";
import type { Condition, FieldDrift, ManagementPolicy, PendingOperation } from "./managed.ts";

// The provider contract. A provider implements, per kind, a Connector and the ExternalClient it
// returns. The rules every implementation follows:
// - Every call is idempotent: the core may repeat any of them after a crash, timeout or conflict.
// - No call blocks on the cloud: a long-running operation is started, returned as `pendingOperation`,
//   and checked again by `observe` on a later reconcile.
// - `observe` never changes the cloud.
// - Results are objects, so fields can be added later without breaking providers.
// - Errors are thrown as ProviderError (see errors.ts) classified by the SDK's code/status, never by message.

/** A managed resource as the core hands it to a provider: spec already validated and typed. */
export interface Managed<F = unknown, A = unknown> extends KubernetesObject {
  metadata: NonNullable<KubernetesObject["metadata"]> & { name: string; namespace: string };
  spec: ManagedSpec<F>;
  status?: ManagedStatus<A>;
}

export interface ManagedSpec<F = unknown> {
  forProvider: F;
  managementPolicies: ManagementPolicy[];
  deletionPolicy?: "Delete" | "Orphan";
  providerConfigRef: { kind: "ProviderConfig" | "ClusterProviderConfig"; name: string };
  writeConnectionSecretToRef?: { name: string };
}

export interface ManagedStatus<A = unknown> {
  atProvider?: A;
  conditions?: Condition[];
  observedGeneration?: number;
  lastSyncTime?: string;
  drift?: { fields: FieldDrift[]; detectedAt: string; corrected?: boolean; resolvedAt?: string };
  pendingOperation?: PendingOperation;
}

/** Readiness as the cloud reports it; becomes the Ready condition's reason. */
export type Readiness = "Available" | "Creating" | "Deleting" | "Unavailable";

/** One field whose observed value differs from the desired one (values are redacted by the core when sensitive). */
export interface FieldDiff {
  readonly path: string;
  readonly desired: unknown;
  readonly observed: unknown;
  /** Never show the values (passwords and the like). */
  readonly sensitive?: boolean;
}

export type ConnectionDetails = Readonly<Record<string, string>>;

export interface Observation<A = unknown> {
  readonly exists: boolean;
  /** True when the cloud matches spec.forProvider (after normalisation): no update needed. */
  readonly upToDate: boolean;
  readonly diff?: readonly FieldDiff[];
  readonly atProvider?: A;
  readonly connectionDetails?: ConnectionDetails;
  /** forProvider fields the user left unset, filled from the cloud; written back when LateInitialize is allowed. */
  readonly lateInitialized?: Readonly<Record<string, unknown>>;
  readonly ready?: Readiness;
  /** Why it is not ready, in the cloud's words (stable: no timestamps). */
  readonly message?: string;
  /** A long-running operation still under way (undefined: none, or it finished). */
  readonly pendingOperation?: PendingOperation;
  /**
   * The identifier under which the provider found the resource when it differs from the recorded
   * external name, e.g. found by ownership tags after a create that timed out. The core records it.
   */
  readonly externalName?: string;
}

export interface CreateResult {
  /** The cloud-assigned identifier, when the cloud chooses it (ARNs, generated IDs). */
  readonly externalName?: string;
  readonly connectionDetails?: ConnectionDetails;
  readonly pendingOperation?: PendingOperation;
}

export interface UpdateResult {
  readonly connectionDetails?: ConnectionDetails;
  readonly pendingOperation?: PendingOperation;
}

export interface DeleteResult {
  readonly pendingOperation?: PendingOperation;
}

export interface ExternalClient<F = unknown, A = unknown> {
  observe(mr: Managed<F, A>): Promise<Observation<A>>;
  create(mr: Managed<F, A>): Promise<CreateResult>;
  update(mr: Managed<F, A>, diff: readonly FieldDiff[]): Promise<UpdateResult>;
  delete(mr: Managed<F, A>): Promise<DeleteResult>;
}

/** What the core gives a connector to resolve credentials: reads only, scoped to what the resource references. */
export interface ConnectContext {
  /** The ProviderConfig or ClusterProviderConfig the resource references; ProviderConfigNotFound if missing. */
  providerConfig(mr: Managed): Promise<KubernetesObject & { spec?: unknown }>;
  /** One key of a Secret; SecretNotFound / SecretKeyNotFound (naming the secret and key, never the value) if missing. */
  secretValue(ref: { namespace: string; name: string; key: string }): Promise<string>;
  readonly signal: AbortSignal;
}

export interface Connector<F = unknown, A = unknown> {
  /** Resolves the provider config and credentials; SDK clients are cached by the connector, never one per call. */
  connect(mr: Managed<F, A>, ctx: ConnectContext): Promise<ExternalClient<F, A>>;
}

/** How a kind's external name behaves; decides what the core may do after a crash during create. */
export interface ExternalNamePolicy {
  /**
   * True when the cloud assigns the identifier (an ARN, a generated ID), so a create whose outcome is
   * unknown cannot be found again by name: the core stops and reports instead of creating a duplicate.
   * False when the name is chosen up front (metadata.name or the annotation).
   */
  readonly assignedByCloud: boolean;
}

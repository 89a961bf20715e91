import type { KubernetesObject } from "@kubernetes/client-node";
import type { z } from "zod";
import type { CrdKind, ManagedKind } from "./kind.ts";
import type { Condition, FieldDrift, ManagementPolicy, PendingOperation } from "./managed.ts";

// The provider contract: everything a provider plugin implements and registers, in one module that
// imports nothing above it. A provider implements, per kind, a Connector and the ExternalClient it
// returns. The rules every implementation follows:
// - Every call is idempotent: the core may repeat any of them after a crash, timeout or conflict.
// - No call blocks on the cloud: a long-running operation is started, returned as `pendingOperation`
//   (its id and action; the core keeps when it started), and checked again by a later `observe`.
// - `observe` never changes the cloud. It reports differences as a diff; the core decides from the
//   diff whether the resource is up to date.
// - Every call honours `signal`: it fires on shutdown or when the reconcile's deadline passes, and
//   the core stops waiting for the call then, whatever the call does.
// - Results are objects, so fields can be added later without breaking providers.
// - Errors are thrown as ProviderError (see errors.ts) classified by the SDK's code/status, never by message.

/** A managed resource as the core hands it to a provider: spec already validated and typed by the kind's schema. */
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
  /** What the last observation found different from spec (absent when up to date). */
  diff?: FieldDrift[];
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

/** A long-running cloud operation a call started or observe found under way: the core records when it started. */
export interface OperationRef {
  /** The cloud's identifier of the operation (several, space-separated, when one step started many). */
  readonly id: string;
  /** What it does: create, update, delete. */
  readonly action: string;
}

/** What observe found: nothing, or the resource with its differences from spec. */
export type Observation<A = unknown> = { readonly exists: false } | ExistingObservation<A>;

export interface ExistingObservation<A = unknown> {
  readonly exists: true;
  /** Fields that differ from spec.forProvider after normalisation; empty when the cloud matches (up to date). */
  readonly diff: readonly FieldDiff[];
  readonly atProvider?: A;
  readonly connectionDetails?: ConnectionDetails;
  /** forProvider fields the user left unset, filled from the cloud; written back when LateInitialize is allowed. */
  readonly lateInitialized?: Readonly<Record<string, unknown>>;
  readonly ready?: Readiness;
  /** Why it is not ready, in the cloud's words (stable: no timestamps). */
  readonly message?: string;
  /** A long-running operation still under way (undefined: none, or it finished). */
  readonly pendingOperation?: OperationRef;
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
  readonly pendingOperation?: OperationRef;
}

export interface UpdateResult {
  readonly connectionDetails?: ConnectionDetails;
  readonly pendingOperation?: OperationRef;
}

export interface DeleteResult {
  readonly pendingOperation?: OperationRef;
}

/**
 * Why a reconcile runs: "event" for a user's edit (a generation change, a new object, a deletion,
 * an on-demand refresh), "poll" for periodic resync. A provider's call budget serves events first.
 */
export type CallPriority = "event" | "poll";

/** What every contract call receives besides the resource. */
export interface CallOptions {
  /** Fires on shutdown or when the reconcile's deadline passes; pass it to the SDK. */
  readonly signal: AbortSignal;
  /**
   * Why the reconcile runs: calls for an event take the account's call budget before calls for a
   * poll. Undefined (a plan, an on-demand read outside the reconciler) counts as an event.
   */
  readonly priority?: CallPriority;
  /**
   * Fires when a user's edit of the resource arrives while this poll's calls run: a call still
   * waiting for budget then goes ahead as an event, so the edit's own reconcile starts sooner.
   */
  readonly promoted?: AbortSignal;
  /**
   * observe only: how old a shared listing may be to serve this observe (the resource's poll
   * interval). Undefined (a plan, an on-demand read): read the resource itself.
   */
  readonly maxAgeMs?: number;
  /**
   * observe with maxAgeMs only: a client serving it from a shared listing calls this when a later
   * listing shows the resource changed or gone, and the core reconciles it before its next poll.
   */
  readonly onChanged?: () => void;
}

export interface ExternalClient<F = unknown, A = unknown> {
  observe(mr: Managed<F, A>, opts: CallOptions): Promise<Observation<A>>;
  create(mr: Managed<F, A>, opts: CallOptions): Promise<CreateResult>;
  update(mr: Managed<F, A>, diff: readonly FieldDiff[], opts: CallOptions): Promise<UpdateResult>;
  delete(mr: Managed<F, A>, opts: CallOptions): Promise<DeleteResult>;
}

/** What the core gives a connector to resolve credentials: reads only, scoped to what the resource references. */
export interface ConnectContext {
  /** The ProviderConfig or ClusterProviderConfig the resource references; ProviderConfigNotFound if missing. */
  providerConfig(mr: Managed): Promise<KubernetesObject & { spec?: unknown }>;
  /** One key of a Secret; SecretNotFound / SecretKeyNotFound (naming the secret and key, never the value) if missing. */
  secretValue(ref: { namespace: string; name: string; key: string }): Promise<string>;
  /** The reconcile's signal (shutdown or deadline): clients built on connect pass it to every SDK call. */
  readonly signal: AbortSignal;
}

export interface Connector<F = unknown, A = unknown> {
  /** Resolves the provider config and credentials; SDK clients are cached by the connector, never one per call. */
  connect(mr: Managed<F, A>, ctx: ConnectContext): Promise<ExternalClient<F, A>>;
  /**
   * Frees whatever the connector keeps about one object (operation ledgers, password caches), called
   * by the core when the object is deleted from the cluster, with or without a finalizer.
   */
  forget?(uid: string): void;
}

/** How a kind's external name behaves; decides what the core may do after a crash during create. */
export interface ExternalNamePolicy {
  /**
   * True when the cloud assigns the identifier (an ARN, a generated ID), so a create whose outcome is
   * unknown cannot be found again by name: the core stops and reports instead of creating a duplicate.
   * False when the name is chosen up front (metadata.name or the annotation).
   */
  readonly assignedByCloud: boolean;
  /**
   * True when create carries a client token derived from the object (CloudFront's CallerReference, a
   * request id), so a repeated create finds or makes exactly one resource: a create whose outcome is
   * unknown is simply tried again, and no person is asked to step in.
   */
  readonly idempotentCreate?: boolean;
}

/**
 * A managed kind as a provider registers it: its schemas, its connector and how its names behave.
 * The type parameters tie the connector to the kind's own schemas, so a provider's client receives
 * the spec its schema produced and never re-parses it.
 */
export interface RegisteredKind<F = unknown, A = unknown> {
  readonly provider: string;
  readonly managed: ManagedKind<z.ZodType<F>, z.ZodType<A>>;
  readonly connector: Connector<F, A>;
  readonly externalName: ExternalNamePolicy;
  /** The longest one reconcile may take (every cloud call included) before it is abandoned; default 60 s. */
  readonly reconcileTimeoutMs?: number;
}

/** A cloud provider plugin: its managed kinds and its own (non-managed) kinds such as ProviderConfig. */
export interface Provider {
  readonly name: string;
  readonly kinds: readonly RegisteredKind[];
  readonly configKinds: readonly CrdKind[];
}

import { isDeepStrictEqual } from "node:util";
import type { Logger } from "pino";
import { conditionOf, ready, setConditions, synced } from "./conditions.ts";
import type { ConditionInput } from "./conditions.ts";
import { describeError, errorClassOf, isTerminal } from "./errors.ts";
import { EventReason } from "./event-reasons.ts";
import type { ConnectionPublisher } from "./kube/connection-secret.ts";
import { isConflict } from "./kube/errors.ts";
import type { EventRecorder } from "./kube/events.ts";
import type { ManagedWriter } from "./kube/managed-client.ts";
import { Annotations, FINALIZER } from "./managed.ts";
import type { FieldDrift, PendingOperation } from "./managed.ts";
import { allowed, createOutcomeUnknown, externalName, orphanOnDelete, pollIntervalMs } from "./policies.ts";
import { planOf, planWithoutObserving, redact } from "./plan.ts";
import type { Plan } from "./plan.ts";
import { Generations } from "./generations.ts";
import { callWithin, isAbandoned } from "./deadline.ts";
import type { CallOptions, CallPriority, ConnectContext, Connector, ExistingObservation, ExternalClient, ExternalNamePolicy, FieldDiff, Managed, ManagedStatus, Observation, OperationRef } from "./provider.ts";

/** What the controller should do with the key after a reconcile. */
export type Outcome =
  /** Healthy or progressing: look again after this delay (the poll interval, or sooner while something is in flight). */
  | { readonly type: "requeue"; readonly afterMs: number }
  /** Failed in a way retrying cannot cure: look again at the poll interval (or when the object is edited). */
  | { readonly type: "error"; readonly terminal: true; readonly afterMs: number }
  /** Failed, and trying again may cure it: retry with per-key backoff. */
  | { readonly type: "error"; readonly terminal: false }
  /** Someone else changed the object: requeue at once, say nothing. */
  | { readonly type: "conflict" }
  /** Nothing more to do until the object changes (deleted, paused). */
  | { readonly type: "done" };

export type ContractCall = "observe" | "create" | "update" | "delete";

export interface ReconcilerOptions<F = unknown, A = unknown> {
  readonly connector: Connector<F, A>;
  readonly externalName: ExternalNamePolicy;
  readonly writer: ManagedWriter<F, A>;
  readonly events: EventRecorder;
  readonly connection: ConnectionPublisher;
  readonly connectContext: (signal: AbortSignal) => ConnectContext;
  readonly log: Logger;
  /** Default poll interval; the terraplane.dev/poll-interval annotation overrides it per resource. */
  readonly pollIntervalMs: number;
  /** How soon to look again while the cloud is creating, updating or deleting. */
  readonly progressIntervalMs: number;
  readonly now?: () => Date;
  readonly onExternalCall?: (operation: ContractCall, result: string, seconds: number) => void;
  readonly onDrift?: () => void;
  /** A shared listing saw this resource change or vanish in the cloud: reconcile it before its next poll. */
  readonly onCloudChange?: (mr: Managed<F, A>) => void;
}

/**
 * A poll that finds nothing new writes status only every this many poll intervals, to bring
 * lastSyncTime forward. Four keeps it within `terraplane plan`'s default --max-age (5m) at the
 * default 60 s poll.
 */
export const SYNC_STAMP_POLLS = 4;

/**
 * The managed-resource reconciler: one pass of observe → (create | late-initialise → update) or
 * observe → delete, writing conditions, drift and events. One instance per kind; between calls it
 * keeps only what Generations remembers per object, freed by `forget` when the object is deleted.
 * See docs/ARCHITECTURE.md for the state machine.
 */
export class ManagedReconciler<F = unknown, A = unknown> {
  readonly #o: ReconcilerOptions<F, A>;
  readonly #generations = new Generations();
  // Objects whose lastSyncTime this process has written (see #syncDue).
  readonly #stamped = new Set<string>();
  // Why each running reconcile runs, by its signal (one per reconcile), so every contract call it
  // makes carries the priority without threading it through each step; weak, so nothing outlives it.
  readonly #priorities = new WeakMap<AbortSignal, { priority: CallPriority; promoted?: AbortSignal | undefined }>();

  constructor(options: ReconcilerOptions<F, A>) {
    this.#o = options;
  }

  /** How many objects' generations are remembered (for tests and leak checks). */
  get remembered(): number {
    return Math.max(this.#generations.size, this.#stamped.size);
  }

  /** The object is gone from the cluster: drop what is remembered about it. */
  forget(uid: string): void {
    this.#generations.forget(uid);
    this.#stamped.delete(uid);
  }

  /**
   * One reconcile. `queued` is the priority the key waited at; a reconcile that applies a user's
   * edit (a new object, a spec not yet observed, a deletion) is an event whatever it waited as.
   */
  async reconcile(mr: Managed<F, A>, signal: AbortSignal, queued: CallPriority = "poll", promoted?: AbortSignal): Promise<Outcome> {
    this.#priorities.set(signal, { priority: queued === "event" || appliesAnEdit(mr) ? "event" : "poll", promoted });
    try {
      // The branch is chosen by core/plan.ts, the same decision `terraplane plan` reports.
      if (planWithoutObserving(mr)?.reason === "paused") return await this.#paused(mr);
      if (mr.metadata.deletionTimestamp) return await this.#delete(mr, signal);
      return await this.#sync(mr, signal);
    } catch (err) {
      if (isConflict(err)) return { type: "conflict" };
      throw err;
    }
  }

  /**
   * Deletion of an object whose spec the kind's schema rejects: the provider cannot be called
   * without a valid spec, so only what needs none is done — release when orphaning, otherwise say
   * what stands in the way. The object never becomes silently undeletable.
   */
  async reconcileInvalidDeletion(mr: Managed, problems: string, _signal: AbortSignal): Promise<Outcome> {
    try {
      if (!(mr.metadata.finalizers ?? []).includes(FINALIZER)) return { type: "done" };
      if (orphanOnDelete(mr)) return await this.#orphan(mr);
      const message = `cannot delete the cloud resource while spec is invalid (${problems}): correct the spec, or set deletionPolicy: Orphan to leave the cloud resource in place`;
      await this.#o.events.record(mr, "Warning", EventReason.CannotDeleteExternalResource, message);
      await this.#writeStatus(mr, [ready("Deleting", "waiting for a valid spec"), synced("ReconcileError", message)]);
      return { type: "error", terminal: true, afterMs: this.#poll(mr) };
    } catch (err) {
      if (isConflict(err)) return { type: "conflict" };
      throw err;
    }
  }

  async #paused(mr: Managed<F, A>): Promise<Outcome> {
    await this.#writeStatus(mr, [synced("ReconcilePaused", `reconciliation is paused by the ${Annotations.paused} annotation`)]);
    return { type: "done" };
  }

  async #sync(mr: Managed<F, A>, signal: AbortSignal): Promise<Outcome> {
    const client = await this.#connect(mr, signal);
    if ("outcome" in client) return client.outcome;

    let observation: Observation<A>;
    try {
      observation = await this.#call("observe", signal, (opts) => client.external.observe(mr, this.#observeOptions(mr, opts)));
    } catch (err) {
      return this.#fail(mr, EventReason.CannotObserveExternalResource, "cannot observe the cloud resource", err);
    }
    if (!observation.exists) return this.#missing(mr, client.external, planOf(mr, observation, this.#o.externalName), signal);
    return this.#existing(mr, client.external, observation, signal);
  }

  async #connect(mr: Managed<F, A>, signal: AbortSignal): Promise<{ external: ExternalClient<F, A> } | { outcome: Outcome }> {
    try {
      return { external: await callWithin("connect", signal, () => this.#o.connector.connect(mr, this.#o.connectContext(signal))) };
    } catch (err) {
      return { outcome: await this.#fail(mr, EventReason.CannotConnectToProvider, "cannot connect to the provider", err) };
    }
  }

  /** The cloud resource does not exist: create it, unless policies or an unknown earlier create forbid it. */
  async #missing(mr: Managed<F, A>, external: ExternalClient<F, A>, plan: Plan, signal: AbortSignal): Promise<Outcome> {
    if (plan.reason === "create-outcome-unknown") {
      const message =
        `a create was started (${Annotations.createPending}) but its outcome was never recorded, and the cloud assigns this resource's identifier, ` +
        `so Terraplane cannot tell whether it exists. Find it in the cloud and set the ${Annotations.externalName} annotation to adopt it, ` +
        `or set ${Annotations.createFailed} to the current time to create a new one`;
      await this.#o.events.record(mr, "Warning", EventReason.CreateOutcomeUnknown, message);
      await this.#writeStatus(mr, [ready("Unavailable", "the outcome of an earlier create is unknown"), synced("ReconcileError", message)]);
      return { type: "error", terminal: true, afterMs: this.#poll(mr) };
    }
    if (plan.reason === "create-not-allowed") {
      const message = `the cloud resource ${this.#describeName(mr)} does not exist, and managementPolicies do not allow Terraplane to create it`;
      await this.#o.events.record(mr, "Warning", EventReason.ExternalResourceMissing, message);
      await this.#writeStatus(mr, [ready("Unavailable", "the cloud resource does not exist"), synced("ReconcileError", message)], { atProvider: null });
      return { type: "error", terminal: true, afterMs: this.#poll(mr) };
    }
    return this.#create(mr, external, signal);
  }

  async #create(mr: Managed<F, A>, external: ExternalClient<F, A>, signal: AbortSignal): Promise<Outcome> {
    const finalizers = mr.metadata.finalizers ?? [];
    // The finalizer and the create-pending marker are persisted in one write, conditional on the
    // version we read, before the cloud is touched: a crash after this point can never leak or
    // duplicate silently.
    let current: Managed<F, A> = await this.#withMetadata(mr, this.#o.writer.patchMetadata(
      mr,
      { annotations: { [Annotations.createPending]: this.#now() }, ...(finalizers.includes(FINALIZER) ? {} : { finalizers: [...finalizers, FINALIZER] }) },
      { precondition: true },
    ));

    let result;
    try {
      result = await this.#call("create", signal, (opts) => external.create(current, opts));
    } catch (err) {
      // A create abandoned at the deadline or on shutdown may have happened: create-pending stays
      // unresolved, so the next reconcile treats its outcome as unknown (and never duplicates it).
      if (!isAbandoned(err)) await this.#o.writer.patchMetadata(current, { annotations: { [Annotations.createFailed]: this.#now() } }, { precondition: false });
      return this.#fail(current, EventReason.CannotCreateExternalResource, "cannot create the cloud resource", err);
    }
    const annotations: Record<string, string> = { [Annotations.createSucceeded]: this.#now() };
    if (result.externalName) annotations[Annotations.externalName] = result.externalName;
    // A create that left no operation to follow is observed at once, by itself: status then says
    // what the cloud has right away, and the create's outcome goes in one write with the fields the
    // cloud filled in (at 10,000 resources every write counts: docs/adr/0022).
    const seen = result.pendingOperation ? undefined : await this.#observeCreated(current, external, annotations, signal);
    const recorded = await this.#recordCreated(current, annotations, seen);
    current = recorded.current;
    // What the create returned (a generated password) and what the observation shows (the endpoint), in one write.
    const details = result.connectionDetails || seen?.connectionDetails ? { ...result.connectionDetails, ...seen?.connectionDetails } : undefined;
    if (details) await this.#o.connection.publish(current, details);
    // Fields filled in by the same write are told in the same event (one API write fewer per create).
    const filled = recorded.filled.length > 0 ? `; ${filledMessage(recorded.filled)}` : "";
    await this.#o.events.record(current, "Normal", EventReason.CreatedExternalResource, `created ${this.#describeName(current)}${filled}`);
    // Observed in step with the spec: carry on as any observation would (status as observed). A
    // difference seen this early is not acted on: the next look, a progress interval on, decides.
    if (seen && seen.diff.length === 0) return this.#settle(current, external, { ...seen, lateInitialized: undefined }, signal);
    await this.#writeStatus(current, [ready("Creating"), synced("ReconcileSuccess")], {
      pendingOperation: this.#operation(current, result.pendingOperation),
      ...(seen ? { atProvider: seen.atProvider ?? null } : {}),
    });
    return { type: "requeue", afterMs: this.#o.progressIntervalMs };
  }

  /**
   * The observation right after a create, or undefined when it cannot be had (an error, or a cloud
   * that does not show the resource yet): the caller then records the create and looks later.
   */
  async #observeCreated(
    mr: Managed<F, A>,
    external: ExternalClient<F, A>,
    annotations: Readonly<Record<string, string>>,
    signal: AbortSignal,
  ): Promise<ExistingObservation<A> | undefined> {
    // Observed under the name the create returned, as the next reconcile would see it.
    const named: Managed<F, A> = { ...mr, metadata: { ...mr.metadata, annotations: { ...mr.metadata.annotations, ...annotations } } };
    try {
      const obs = await this.#call("observe", signal, (opts) => external.observe(named, opts));
      return obs.exists ? obs : undefined;
    } catch (err) {
      // Even at the deadline: the create happened, and its outcome must be recorded below.
      this.#o.log.debug({ err: describeError(err), resource: keyOf(mr) }, "could not observe right after the create; looking again later");
      return undefined;
    }
  }

  /**
   * The create's outcome, with the fields an observation right after it late-initialises in the
   * same write, conditional on the version our own last write returned (the fields must not
   * overwrite an edit made meanwhile). Without them, or on a conflict, the outcome alone is
   * recorded, unconditionally, and late initialisation waits for the next reconcile.
   */
  async #recordCreated(
    mr: Managed<F, A>,
    annotations: Readonly<Record<string, string>>,
    obs: ExistingObservation<A> | undefined,
  ): Promise<{ current: Managed<F, A>; filled: readonly string[] }> {
    const fields = obs?.lateInitialized ?? {};
    const outcomeOnly = async (): Promise<{ current: Managed<F, A>; filled: readonly string[] }> => ({
      current: await this.#withMetadata(mr, this.#o.writer.patchMetadata(mr, { annotations }, { precondition: false })),
      filled: [],
    });
    if (Object.keys(fields).length === 0 || !allowed(mr, "LateInitialize")) return outcomeOnly();
    try {
      return { current: await this.#o.writer.patchForProvider(mr, fields, annotations), filled: Object.keys(fields) };
    } catch (err) {
      if (!isConflict(err)) throw err;
      return outcomeOnly();
    }
  }

  /** The cloud resource exists: record what the provider found, late-initialise, correct drift. */
  async #existing(mr: Managed<F, A>, external: ExternalClient<F, A>, obs: ExistingObservation<A>, signal: AbortSignal): Promise<Outcome> {
    const current = await this.#lateInitialize(await this.#recordDiscovery(mr, obs), obs);
    if (obs.connectionDetails) {
      try {
        await this.#o.connection.publish(current, obs.connectionDetails);
      } catch (err) {
        return this.#fail(current, EventReason.CannotPublishConnectionDetails, "cannot write the connection secret", err);
      }
    }
    return this.#settle(current, external, obs, signal);
  }

  /** An observation recorded, the rest of it: update when it differs from spec, else status as observed. */
  async #settle(current: Managed<F, A>, external: ExternalClient<F, A>, obs: ExistingObservation<A>, signal: AbortSignal): Promise<Outcome> {
    const plan = planOf(current, obs, this.#o.externalName);
    if (differsFromSpec(plan)) return this.#update(current, external, { obs, plan }, signal);
    const upToDate = plan.reason === "up-to-date";

    const readiness = obs.ready ?? "Available";
    if (upToDate) this.#generations.converged(current);
    await this.#writeStatus(
      current,
      [ready(readiness, obs.message), synced("ReconcileSuccess")],
      {
        atProvider: obs.atProvider ?? null,
        pendingOperation: this.#operation(current, obs.pendingOperation),
        ...observedDiff(plan),
        ...(upToDate ? resolvedDrift(current.status?.drift, this.#now()) : {}),
      },
      { observed: true },
    );
    // Creating and deleting are looked at again soon; a resource that is merely Unavailable (a long
    // maintenance state) is polled at its normal interval, not hammered.
    const inFlight = obs.pendingOperation !== undefined || readiness === "Creating" || readiness === "Deleting";
    return { type: "requeue", afterMs: inFlight ? this.#o.progressIntervalMs : this.#poll(current) };
  }

  /** Writes back the unset fields the cloud filled in, when LateInitialize is allowed. */
  async #lateInitialize(mr: Managed<F, A>, obs: ExistingObservation<A>): Promise<Managed<F, A>> {
    const fields = obs.lateInitialized ?? {};
    if (Object.keys(fields).length === 0 || !allowed(mr, "LateInitialize")) return mr;
    const current = await this.#o.writer.patchForProvider(mr, fields);
    await this.#o.events.record(current, "Normal", EventReason.LateInitialized, filledMessage(Object.keys(fields)));
    return current;
  }


  /**
   * The provider found the resource by something other than its recorded name (an ownership tag after
   * a timed-out create), or a create-pending marker is still open: record what is now known.
   */
  async #recordDiscovery(mr: Managed<F, A>, obs: ExistingObservation<A>): Promise<Managed<F, A>> {
    const annotations: Record<string, string> = {};
    if (obs.externalName && obs.externalName !== externalName(mr)) annotations[Annotations.externalName] = obs.externalName;
    if (createOutcomeUnknown(mr)) annotations[Annotations.createSucceeded] = this.#now();
    const finalizers = mr.metadata.finalizers ?? [];
    const needsFinalizer = !finalizers.includes(FINALIZER) && !orphanOnDelete(mr);
    if (Object.keys(annotations).length === 0 && !needsFinalizer) return mr;
    return this.#withMetadata(
      mr,
      this.#o.writer.patchMetadata(mr, { annotations, ...(needsFinalizer ? { finalizers: [...finalizers, FINALIZER] } : {}) }, { precondition: needsFinalizer }),
    );
  }

  async #update(mr: Managed<F, A>, external: ExternalClient<F, A>, seen: { obs: ExistingObservation<A>; plan: Plan }, signal: AbortSignal): Promise<Outcome> {
    const { obs, plan } = seen;
    const diff = obs.diff;
    const drift = await this.#recordDrift(mr, diff);
    // What was observed, diff included, so `terraplane plan` can answer from status without cloud credentials.
    const observed = { atProvider: obs.atProvider ?? null, lastSyncTime: this.#now(), diff: plan.fields };
    const readyNow = ready(obs.ready ?? "Available", obs.message);

    if (plan.reason === "update-not-allowed") {
      const message = `differs from spec (${fieldList(diff)}); managementPolicies do not allow updates`;
      await this.#writeStatus(mr, [readyNow, synced("ReconcileSuccess", message)], { ...observed, ...(drift ? { drift } : {}) });
      return { type: "requeue", afterMs: this.#poll(mr) };
    }
    let result;
    try {
      result = await this.#call("update", signal, (opts) => external.update(mr, diff, opts));
    } catch (err) {
      return this.#fail(mr, EventReason.CannotUpdateExternalResource, "cannot update the cloud resource", err);
    }
    // An update that left nothing in flight applied this generation whole; one that started an
    // operation (a step of a longer rollout) has not, until observe finds the cloud in step.
    if (!result.pendingOperation) this.#generations.converged(mr);
    if (result.connectionDetails) await this.#o.connection.publish(mr, result.connectionDetails);
    await this.#o.events.record(mr, "Normal", EventReason.UpdatedExternalResource, `updated ${fieldList(diff)}`);
    await this.#writeStatus(mr, [readyNow, synced("ReconcileSuccess")], {
      ...observed,
      pendingOperation: this.#operation(mr, result.pendingOperation),
      ...(drift ? { drift: { ...drift, corrected: true } } : {}),
    });
    return { type: "requeue", afterMs: this.#o.progressIntervalMs };
  }

  /**
   * A difference is drift only when the spec has not changed since the last sync (otherwise it is
   * the user's edit on its way). New drift is announced once, with the fields it touches; the same
   * drift seen again keeps its first detection time.
   */
  async #recordDrift(mr: Managed<F, A>, diff: readonly FieldDiff[]): Promise<ManagedStatus["drift"]> {
    const status = mr.status;
    if (!status || !this.#generations.isDrift(mr)) return undefined;
    const fields = diff.map(redact);
    // The same fields differing again after the cloud matched spec is a new drift, announced again.
    if (status.drift?.resolvedAt === undefined && sameDrift(status.drift?.fields, fields)) return status.drift;
    this.#o.onDrift?.();
    await this.#o.events.record(mr, "Warning", EventReason.DriftDetected, `the cloud resource drifted from spec: ${fieldList(diff)}`);
    return { fields, detectedAt: this.#now() };
  }

  async #delete(mr: Managed<F, A>, signal: AbortSignal): Promise<Outcome> {
    const early = planWithoutObserving(mr);
    if (early?.reason === "released") return { type: "done" };
    if (early?.reason === "orphan") return this.#orphan(mr);
    const client = await this.#connect(mr, signal);
    if ("outcome" in client) return client.outcome;
    let obs: Observation<A>;
    try {
      obs = await this.#call("observe", signal, (opts) => client.external.observe(mr, this.#observeOptions(mr, opts)));
    } catch (err) {
      return this.#fail(mr, EventReason.CannotObserveExternalResource, "cannot observe the cloud resource", err);
    }
    // What observe found by other means than the recorded name (a create whose outcome was lost,
    // found by its ownership tag) is recorded first: the delete call must name what it deletes.
    const current = obs.exists ? await this.#recordDiscoveredName(mr, obs) : mr;
    return this.#deleteObserved(current, client.external, obs, signal);
  }

  /** While deleting: the external name observe discovered, and the open create-pending marker resolved. No finalizer is added to an object being deleted. */
  async #recordDiscoveredName(mr: Managed<F, A>, obs: ExistingObservation<A>): Promise<Managed<F, A>> {
    if (!obs.externalName || obs.externalName === externalName(mr)) return mr;
    const annotations: Record<string, string> = { [Annotations.externalName]: obs.externalName };
    if (createOutcomeUnknown(mr)) annotations[Annotations.createSucceeded] = this.#now();
    return this.#withMetadata(mr, this.#o.writer.patchMetadata(mr, { annotations }, { precondition: false }));
  }

  async #deleteObserved(mr: Managed<F, A>, external: ExternalClient<F, A>, obs: Observation<A>, signal: AbortSignal): Promise<Outcome> {
    const plan = planOf(mr, obs, this.#o.externalName);
    if (plan.reason === "gone" || !obs.exists) {
      await this.#o.events.record(mr, "Normal", EventReason.DeletedExternalResource, `deleted ${this.#describeName(mr)}`);
      return this.#release(mr);
    }
    // A delete already under way in the cloud is only watched; anything else gets a (repeated, idempotent) delete call.
    if (plan.reason === "deleting") return this.#deleting(mr, obs.message, obs.pendingOperation);
    let result;
    try {
      result = await this.#call("delete", signal, (opts) => external.delete(mr, opts));
    } catch (err) {
      return this.#fail(mr, EventReason.CannotDeleteExternalResource, "cannot delete the cloud resource", err);
    }
    if (obs.ready !== "Deleting") await this.#o.events.record(mr, "Normal", EventReason.DeletingExternalResource, `deleting ${this.#describeName(mr)}`);
    return this.#deleting(mr, obs.message, result.pendingOperation ?? obs.pendingOperation);
  }

  async #deleting(mr: Managed<F, A>, message: string | undefined, pendingOperation: OperationRef | undefined): Promise<Outcome> {
    await this.#writeStatus(mr, [ready("Deleting", message), synced("ReconcileSuccess")], { pendingOperation: this.#operation(mr, pendingOperation) });
    return { type: "requeue", afterMs: this.#o.progressIntervalMs };
  }

  async #orphan(mr: Managed): Promise<Outcome> {
    await this.#o.events.record(mr, "Normal", EventReason.OrphanedExternalResource, `left ${this.#describeName(mr)} in the cloud (deletionPolicy Orphan)`);
    return this.#release(mr);
  }

  /** Removes our finalizer once the cloud resource is confirmed gone or orphaned. */
  async #release(mr: Managed): Promise<Outcome> {
    this.#generations.forget(mr.metadata.uid ?? "");
    const finalizers = (mr.metadata.finalizers ?? []).filter((f) => f !== FINALIZER);
    await this.#o.writer.patchMetadata(mr, { finalizers }, { precondition: true });
    return { type: "done" };
  }

  /** Reports a failure: a Warning event, Synced=False with the reason, and backoff (or the poll interval when retrying cannot help). */
  async #fail(mr: Managed, reason: EventReason, what: string, err: unknown): Promise<Outcome> {
    if (isConflict(err)) throw err;
    const message = `${what}: ${describeError(err)}`;
    this.#o.log.warn({ resource: keyOf(mr), reason, errorClass: errorClassOf(err) }, message);
    await this.#o.events.record(mr, "Warning", reason, message);
    await this.#writeStatus(mr, [synced("ReconcileError", message)]);
    return isTerminal(err) ? { type: "error", terminal: true, afterMs: this.#poll(mr) } : { type: "error", terminal: false };
  }

  /** The object after a metadata write: the same spec and status, the metadata as written. */
  async #withMetadata(mr: Managed<F, A>, written: Promise<Managed["metadata"]>): Promise<Managed<F, A>> {
    return { ...mr, metadata: await written };
  }

  /**
   * The operation to record in status: the provider names it (id and action); the core keeps when it
   * started for as long as the id stays the same. null clears it.
   */
  #operation(mr: Managed, ref: OperationRef | undefined): PendingOperation | null {
    if (!ref) return null;
    const previous = mr.status?.pendingOperation;
    const startedAt = previous?.id === ref.id ? previous.startedAt : this.#now();
    return { id: ref.id, action: ref.action, startedAt };
  }

  /**
   * Writes status through the status subresource only when something changed; fields in `extra` set
   * to null are removed. observedGeneration is always stamped.
   */
  async #writeStatus(
    mr: Managed,
    conditions: readonly ConditionInput[],
    extra: Readonly<Record<string, unknown>> = {},
    opts: { readonly observed?: boolean } = {},
  ): Promise<void> {
    const status: ManagedStatus = mr.status ?? {};
    const next: Record<string, unknown> = {
      conditions: setConditions(status.conditions, conditions, mr.metadata.generation, this.#now()),
      observedGeneration: mr.metadata.generation,
      ...extra,
    };
    const changed = Object.entries(next).some(([key, value]) => !isDeepStrictEqual(value ?? undefined, (status as Record<string, unknown>)[key]));
    // An observation that changed nothing else is recorded only when its lastSyncTime is due.
    const stamp = opts.observed === true && (changed || this.#syncDue(mr));
    if (changed || stamp) await this.#o.writer.patchStatus(mr, stamp ? { ...next, lastSyncTime: this.#now() } : next);
    if (stamp && mr.metadata.uid) this.#stamped.add(mr.metadata.uid);
    this.#generations.statusWritten(mr);
  }

  /**
   * Whether an observation that found nothing new is still written, for its lastSyncTime alone:
   * not on every poll (at 10,000 resources that was one API write per resource per poll interval,
   * a third of what the API server could take), but at least every SYNC_STAMP_POLLS polls, on this
   * process's first observation of the object, and when someone asked for a new observation since
   * the last one (terraplane plan --refresh). See docs/adr/0021.
   */
  #syncDue(mr: Managed): boolean {
    const last = mr.status?.lastSyncTime;
    if (last === undefined || !this.#stamped.has(mr.metadata.uid ?? "")) return true;
    const requested = mr.metadata.annotations?.[Annotations.reconcileRequestedAt];
    if (requested !== undefined && requested >= last) return true;
    return Date.parse(this.#now()) - Date.parse(last) >= SYNC_STAMP_POLLS * this.#poll(mr);
  }

  /** One contract call, timed and counted, abandoned when the reconcile's signal fires. */
  async #call<T>(operation: ContractCall, signal: AbortSignal, fn: (opts: CallOptions) => Promise<T>): Promise<T> {
    const start = performance.now();
    const why = this.#priorities.get(signal);
    const priority = why === undefined || why.promoted?.aborted ? "event" : why.priority;
    const opts: CallOptions = { signal, priority, ...(why?.promoted && priority === "poll" ? { promoted: why.promoted } : {}) };
    try {
      const value = await callWithin(operation, signal, () => fn(opts));
      this.#o.onExternalCall?.(operation, "success", (performance.now() - start) / 1000);
      return value;
    } catch (err) {
      this.#o.onExternalCall?.(operation, errorClassOf(err), (performance.now() - start) / 1000);
      throw err;
    }
  }

  #poll(mr: Managed): number {
    return pollIntervalMs(mr, this.#o.pollIntervalMs);
  }

  /**
   * A poll may be served from a shared listing no older than the poll interval, which tells the core
   * when it sees this resource change. A resource in flight (creating, deleting, an operation
   * running) is read by itself, as often as the progress interval asks: a listing as old as a poll
   * would show it Ready (or gone) up to a poll late, and one refetched that often for every waiter
   * (ten pages for 1,000 instances) holds every worker while it pages.
   */
  #observeOptions(mr: Managed<F, A>, opts: CallOptions): CallOptions {
    if (inFlight(mr)) return opts;
    const onCloudChange = this.#o.onCloudChange;
    return { ...opts, maxAgeMs: this.#poll(mr), ...(onCloudChange ? { onChanged: () => onCloudChange(mr) } : {}) };
  }

  #now(): string {
    return (this.#o.now?.() ?? new Date()).toISOString();
  }

  #describeName(mr: Managed): string {
    return `"${externalName(mr) ?? mr.metadata.name}"`;
  }
}

/** A reconcile that applies what the user asked for: a new object, a spec not yet observed, a deletion. */
function appliesAnEdit(mr: Managed): boolean {
  return Boolean(mr.metadata.deletionTimestamp) || mr.status?.observedGeneration === undefined || mr.status.observedGeneration !== mr.metadata.generation;
}

export function keyOf(mr: Managed): string {
  return `${mr.metadata.namespace}/${mr.metadata.name}`;
}

/** An update, or one the policies forbid: both record the difference (and drift) the same way. */
function differsFromSpec(plan: Plan): boolean {
  return plan.reason === "update" || plan.reason === "update-not-allowed";
}

/** What observe found different, kept in status for `terraplane plan`; removed when up to date. */
function observedDiff(plan: Plan): Pick<ManagedStatus, "diff"> | { diff: null } {
  return { diff: plan.fields.length > 0 ? [...plan.fields] : null };
}

/** The last drift stays in status as history, stamped once when the cloud is seen matching spec again. */
function resolvedDrift(drift: ManagedStatus["drift"], now: string): Pick<ManagedStatus, "drift"> {
  return drift && drift.resolvedAt === undefined ? { drift: { ...drift, resolvedAt: now } } : {};
}

function sameDrift(a: readonly FieldDrift[] | undefined, b: readonly FieldDrift[]): boolean {
  return a !== undefined && isDeepStrictEqual([...a], [...b]);
}

function fieldList(diff: readonly FieldDiff[]): string {
  return diff.length === 0 ? "(no field list)" : diff.map((d) => d.path).join(", ");
}

/** Creating, deleting or running an operation, as the last status says: looked at every progress interval. */
function inFlight(mr: Managed): boolean {
  const readiness = conditionOf(mr.status?.conditions, "Ready")?.reason;
  return mr.metadata.deletionTimestamp !== undefined || mr.status?.pendingOperation !== undefined || readiness === "Creating" || readiness === "Deleting";
}

function filledMessage(fields: readonly string[]): string {
  return `filled unset fields from the cloud: ${[...fields].sort().join(", ")}`;
}

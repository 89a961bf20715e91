import { protos, v1 as sql } from "@google-cloud/sql";
import { generatedPasswordLost, generatePassword, PasswordLedger, passwordForCreate, passwordForUpdate, passwordState } from "../../shared/database-passwords.ts";
import type { DatabaseSecrets, PasswordSource } from "../../shared/database-passwords.ts";
import { errorClassOf, ProviderError } from "../../../core/errors.ts";
import type { ErrorClass } from "../../../core/errors.ts";
import { externalName } from "../../../core/policies.ts";
import type { Listing } from "../../../core/listing.ts";
import type { CallOptions, CreateResult, DeleteResult, ExternalClient, FieldDiff, Managed, Observation, OperationRef, UpdateResult } from "../../../core/provider.ts";
import { callOptions } from "../call-options.ts";
import { gcpCall, unlessNotFound } from "../errors.ts";
import { ownerLabels } from "../ownership.ts";
import type { GcpSession } from "../session.ts";
import {
  adminUser,
  atProviderOf,
  connectionDetails,
  diffParameters,
  engineOf,
  enumName,
  hostOf,
  immutableMismatches,
  insertBody,
  int,
  lateInitialize,
  observedParameters,
  patchBody,
  readiness,
} from "./normalize.ts";
import type { Instance } from "./normalize.ts";
import type { DatabaseObservation, DatabaseParameters } from "./schema.ts";

// The Database's ExternalClient: one Cloud SQL instance, named by the external name (metadata.name
// by default). Every mutation is a long-running operation: it is started, recorded as
// pendingOperation, and checked by observe on later reconciles; nothing here ever waits for one.

export type Operation = protos.google.cloud.sql.v1.IOperation;

/** The Cloud SQL calls the client makes; the SDK implementation classifies errors, tests substitute a fake. */
export interface SqlApi {
  /** The instance, or undefined when Cloud SQL does not know it. */
  get(project: string, instance: string): Promise<Instance | undefined>;
  insert(project: string, body: Instance): Promise<Operation>;
  patch(project: string, instance: string, body: Instance): Promise<Operation>;
  /** Starts the delete; undefined when the instance is already gone. */
  delete(project: string, instance: string): Promise<Operation | undefined>;
  operation(project: string, name: string): Promise<Operation>;
  setPassword(project: string, instance: string, user: { name: string; host?: string }, password: string): Promise<Operation>;
}

/**
 * SqlApi over the official clients, cached by the session (the clients alone retry), for one
 * reconcile: every call carries its signal, so a hung endpoint is cancelled at the deadline.
 */
export function sdkSqlApi(session: GcpSession, signal: AbortSignal): SqlApi {
  const o = callOptions(signal);
  const instances = session.client(sql.SqlInstancesServiceClient);
  const operations = session.client(sql.SqlOperationsServiceClient);
  const users = session.client(sql.SqlUsersServiceClient);
  return {
    async get(project, instance) {
      return unlessNotFound(async () => (await gcpCall("sqladmin:instances.get", () => instances.get({ project, instance }, o)))[0]);
    },
    async insert(project, body) {
      return (await gcpCall("sqladmin:instances.insert", () => instances.insert({ project, body }, o)))[0];
    },
    async patch(project, instance, body) {
      return (await gcpCall("sqladmin:instances.patch", () => instances.patch({ project, instance, body }, o)))[0];
    },
    async delete(project, instance) {
      return unlessNotFound(async () => (await gcpCall("sqladmin:instances.delete", () => instances.delete({ project, instance }, o)))[0]);
    },
    async operation(project, name) {
      return (await gcpCall("sqladmin:operations.get", () => operations.get({ project, operation: name }, o)))[0];
    },
    async setPassword(project, instance, user, password) {
      const body = { name: user.name, password, ...(user.host ? { host: user.host } : {}) };
      return (await gcpCall("sqladmin:users.update", () => users.update({ project, instance, name: user.name, ...(user.host ? { host: user.host } : {}), body }, o)))[0];
    },
  };
}

const PASSWORD_SOURCE: PasswordSource = { role: "admin", secretRefField: "adminPasswordSecretRef", unsetCode: "AdminPasswordUnset" };

type Mr = Managed<DatabaseParameters, DatabaseObservation>;

/** The instance name: the external name, else metadata.name. */
export function instanceName(mr: Mr): string {
  return externalName(mr) ?? mr.metadata.name;
}

function notOwned(name: string): ProviderError {
  return new ProviderError(
    "AlreadyExists",
    `a Cloud SQL instance named "${name}" already exists and was not created by this Database: to manage it, set the annotation terraplane.dev/external-name: ${name} ` +
      `(it is then changed to match spec, and deleted with this Database unless deletionPolicy is Orphan); otherwise choose another name`,
    { code: "instanceAlreadyExists" },
  );
}

function ownedBy(mr: Mr, inst: Instance): boolean {
  const uid = inst.settings?.userLabels?.["terraplane-uid"];
  return uid !== undefined && uid === ownerLabels(mr)["terraplane-uid"];
}

// Cloud SQL operation error codes (OperationError.code) by class: a request that is itself wrong
// (terminal), quota (throttled), Google-side failure (transient); anything else is Unknown.
const OPERATION_ERROR_CLASS: Readonly<Record<string, ErrorClass>> = {
  INVALID_REQUEST: "InvalidParameter",
  BAD_REQUEST: "InvalidParameter",
  INVALID_ARGUMENT: "InvalidParameter",
  ERROR_RDBMS: "InvalidParameter",
  QUOTA_EXCEEDED: "Throttled",
  INTERNAL_ERROR: "Transient",
};

/** A finished operation's error as a classified ProviderError, or undefined when it succeeded. */
export function operationError(op: Operation, action: string): ProviderError | undefined {
  const first = op.error?.errors?.[0];
  if (!first) return undefined;
  const code = first.code ?? "UNKNOWN";
  return new ProviderError(OPERATION_ERROR_CLASS[code] ?? "Unknown", `Cloud SQL ${action} operation ${op.name ?? ""} failed: ${first.message ?? code}`, { code });
}

const STATE_NAMES = protos.google.cloud.sql.v1.DatabaseInstance.SqlInstanceState;
const statusOf = (op: Operation): string | undefined => enumName(op.status, protos.google.cloud.sql.v1.Operation.SqlOperationStatus);

function pending(op: Operation, action: string): OperationRef {
  return { id: op.name ?? "", action };
}

/** A state-derived stand-in for an operation whose name Terraplane never learned (started elsewhere). */
const STATE_PREFIX = "state:";

const IN_FLIGHT: Readonly<Record<string, { ready: "Creating" | "Deleting" | "Unavailable"; message: string }>> = {
  create: { ready: "Creating", message: "Cloud SQL is creating the instance" },
  delete: { ready: "Deleting", message: "Cloud SQL is deleting the instance" },
  update: { ready: "Unavailable", message: "Cloud SQL is applying an update" },
};

/** The spec says deletionProtectionEnabled: false (explicitly; unset never counts). */
function specAllowsDelete(mr: Mr): boolean {
  return mr.spec.forProvider.deletionProtectionEnabled === false;
}

/** The spec was edited after the last status write: a failure recorded before is no longer the user's latest word. */
function specChangedSince(mr: Mr): boolean {
  return (mr.metadata.generation ?? 0) > (mr.status?.observedGeneration ?? 0);
}

function checkImmutable(params: DatabaseParameters, observed: ReturnType<typeof observedParameters>, name: string): void {
  const wrong = immutableMismatches(params, observed);
  if (wrong.length === 0) return;
  throw new ProviderError("InvalidParameter", `spec.forProvider does not match Cloud SQL instance "${name}": ${wrong.join("; ")}; these cannot change, so correct the spec`, {
    code: "ImmutableFieldMismatch",
  });
}

/** While an operation of ours runs: report it (and the diff, for the record), and never send anything on top of it. */
function inFlightObservation(params: DatabaseParameters, inst: Instance | undefined, op: OperationRef): Observation<DatabaseObservation> {
  const view = IN_FLIGHT[op.action] ?? { ready: "Unavailable", message: `Cloud SQL is running an operation (${op.action})` };
  const diff = inst ? diffParameters(params, observedParameters(inst)) : [];
  return { exists: true, diff, ...(inst ? { atProvider: atProviderOf(inst) } : {}), ready: view.ready, message: view.message, pendingOperation: op };
}

/** An instance Cloud SQL itself reports busy (PENDING_CREATE, MAINTENANCE...) with no operation of ours recorded. */
function statePending(state: string | undefined, ready: string): OperationRef {
  const action = ready === "Deleting" ? "delete" : ready === "Creating" ? "create" : "update";
  return { id: `${STATE_PREFIX}${state ?? ""}`, action };
}

export interface DatabaseClientOptions {
  readonly api: SqlApi;
  readonly project: string;
  /** The ProviderConfig's region: where an instance without forProvider.region goes. */
  readonly defaultRegion: string | undefined;
  readonly secrets?: DatabaseSecrets;
  /** The passwords this process set, per object: owned by the connector, which frees an entry when its object is deleted. */
  readonly ledger: PasswordLedger;
  /** The project's shared listing (batch observe); without it every observe gets its instance. */
  readonly listing?: Listing<Instance> | undefined;
}

/** The diff entry for a password rotation: sensitive, so no value is ever shown. */
const PASSWORD_DIFF: FieldDiff = { path: "adminPassword", desired: undefined, observed: undefined, sensitive: true };

/** One reconcile's client: observe remembers the instance it saw, so update and delete need no second read. */
export class DatabaseClient implements ExternalClient<DatabaseParameters, DatabaseObservation> {
  readonly #o: DatabaseClientOptions;
  readonly #ledger: PasswordLedger;
  #seen: Instance | undefined;

  constructor(options: DatabaseClientOptions) {
    this.#o = options;
    this.#ledger = options.ledger;
  }

  get #secrets(): DatabaseSecrets {
    return this.#o.secrets ?? {};
  }

  async observe(mr: Mr, opts?: CallOptions): Promise<Observation<DatabaseObservation>> {
    const params = mr.spec.forProvider;
    const name = instanceName(mr);
    const op = await this.#inFlight(mr);
    const inst = await this.#read(name, opts);
    if (op) return inFlightObservation(params, inst, op);
    if (!inst) return { exists: false };
    this.#seen = inst;
    if (!ownedBy(mr, inst) && externalName(mr) === undefined) throw notOwned(name);
    const observed = observedParameters(inst);
    checkImmutable(params, observed, name);
    const password = passwordState(this.#secrets, this.#ledger, mr.metadata.uid ?? instanceName(mr));
    const lost = generatedPasswordLost(mr, this.#secrets, ownedBy(mr, inst), this.#ledger);
    const diff = [...diffParameters(params, observed), ...(password.rotate || lost ? [PASSWORD_DIFF] : [])];
    const lateInitialized = lateInitialize(params, observed, this.#o.defaultRegion);
    const stateName = enumName(inst.state, STATE_NAMES);
    const state = readiness(stateName);
    const busy = state.busy ? statePending(stateName, state.ready) : undefined;
    return {
      exists: true,
      diff,
      atProvider: atProviderOf(inst),
      connectionDetails: this.#details(params, inst, password.current),
      ...(Object.keys(lateInitialized).length > 0 ? { lateInitialized } : {}),
      ready: state.ready,
      ...(state.message ? { message: state.message } : {}),
      ...(busy ? { pendingOperation: busy } : {}),
    };
  }

  /**
   * The recorded operation if it is still running; undefined once it finished. A finished one that
   * failed is reported (thrown) until the spec changes or the resource is being deleted, so a
   * failure is neither hidden nor retried in a loop.
   */
  async #inFlight(mr: Mr): Promise<OperationRef | undefined> {
    const recorded = mr.status?.pendingOperation;
    if (!recorded || recorded.id.startsWith(STATE_PREFIX) || recorded.id === "") return undefined;
    const op = await unlessNotFound(() => this.#o.api.operation(this.#o.project, recorded.id));
    if (!op) return undefined; // forgotten by Cloud SQL: look at the instance instead
    if (statusOf(op) !== "DONE") return { id: recorded.id, action: recorded.action };
    // The change took effect only now: a listing started while it ran shows the instance before it.
    this.#o.listing?.mutated(instanceName(mr));
    const failed = operationError(op, recorded.action);
    if (failed && !specChangedSince(mr) && !mr.metadata.deletionTimestamp) throw failed;
    return undefined;
  }

  /** From the shared listing when there is one and the core allows it (a poll), else by itself (a plan, batch off). */
  async #read(name: string, opts: CallOptions | undefined): Promise<Instance | undefined> {
    const listing = this.#o.listing;
    if (!listing || opts?.maxAgeMs === undefined) return this.#o.api.get(this.#o.project, name);
    return (await listing.read(name, { signal: opts.signal, maxAgeMs: opts.maxAgeMs, onChanged: opts.onChanged })).item;
  }

  /** Whatever the outcome, the listing no longer speaks for this instance until it is fetched again. */
  async #mutating<T>(name: string, mutate: () => Promise<T>): Promise<T> {
    try {
      return await mutate();
    } finally {
      this.#o.listing?.mutated(name);
    }
  }

  async create(mr: Mr): Promise<CreateResult> {
    return this.#mutating(instanceName(mr), () => this.#create(mr));
  }

  async update(mr: Mr, diff: readonly FieldDiff[]): Promise<UpdateResult> {
    return this.#mutating(instanceName(mr), () => this.#update(mr, diff));
  }

  async delete(mr: Mr): Promise<DeleteResult> {
    return this.#mutating(instanceName(mr), () => this.#delete(mr));
  }

  async #create(mr: Mr): Promise<CreateResult> {
    const params = mr.spec.forProvider;
    const name = instanceName(mr);
    const password = passwordForCreate(mr, this.#secrets, PASSWORD_SOURCE);
    const region = params.region ?? this.#o.defaultRegion;
    let op: Operation;
    try {
      op = await this.#o.api.insert(this.#o.project, insertBody(name, params, { region, rootPassword: password, ownerLabels: ownerLabels(mr) }));
    } catch (err) {
      if (errorClassOf(err) !== "AlreadyExists") throw err;
      return this.#adoptOwn(mr, name, params, password);
    }
    this.#ledger.set(mr.metadata.uid ?? name, password);
    return {
      externalName: name,
      connectionDetails: this.#details(params, undefined, password),
      pendingOperation: pending(op, "create"),
    };
  }

  async #update(mr: Mr, diff: readonly FieldDiff[]): Promise<UpdateResult> {
    const params = mr.spec.forProvider;
    const name = instanceName(mr);
    const inst = this.#seen ?? (await this.#o.api.get(this.#o.project, name));
    if (!inst) throw new ProviderError("NotFound", `Cloud SQL instance "${name}" disappeared before it could be updated`);
    const paths = diff.map((d) => d.path);
    const body = patchBody(paths, params, observedParameters(inst), { settingsVersion: int(inst.settings?.settingsVersion?.value), ownerLabels: ownerLabels(mr) });
    // One operation at a time per instance: settings first, a password rotation on a later reconcile.
    if (body) return { pendingOperation: pending(await this.#o.api.patch(this.#o.project, name, body), "update") };
    const password = paths.includes(PASSWORD_DIFF.path) ? passwordForUpdate(this.#secrets) : undefined;
    if (password === undefined) return {};
    const op = await this.#o.api.setPassword(this.#o.project, name, adminUser(engineOf(params.databaseVersion)), password);
    this.#ledger.set(mr.metadata.uid ?? name, password);
    return { pendingOperation: pending(op, "update"), connectionDetails: this.#details(params, inst, password) };
  }

  async #delete(mr: Mr): Promise<DeleteResult> {
    const name = instanceName(mr);
    const inst = this.#seen ?? (await this.#o.api.get(this.#o.project, name));
    if (!inst) return {};
    if (inst.settings?.deletionProtectionEnabled?.value === true) {
      // Only the spec may turn protection off: Terraplane never exposes the user's data by its own choice.
      if (specAllowsDelete(mr)) return { pendingOperation: pending(await this.#unprotect(name, inst), "delete") };
      throw new ProviderError(
        "InvalidParameter",
        `Cloud SQL instance "${name}" has deletion protection: set spec.forProvider.deletionProtectionEnabled to false (and let it sync) to let Terraplane delete it, or set spec.deletionPolicy: Orphan to keep it`,
        { code: "DeletionProtectionEnabled" },
      );
    }
    const op = await this.#o.api.delete(this.#o.project, name);
    return op ? { pendingOperation: pending(op, "delete") } : {};
  }

  /** The first step of deleting a protected instance whose spec says deletionProtectionEnabled: false (the delete follows once it is done). */
  async #unprotect(name: string, inst: Instance): Promise<Operation> {
    const version = int(inst.settings?.settingsVersion?.value);
    return this.#o.api.patch(this.#o.project, name, { settings: { deletionProtectionEnabled: { value: false }, ...(version !== undefined ? { settingsVersion: { value: version } } : {}) } });
  }

  /** An insert that found the instance already there: ours (an earlier attempt whose answer was lost) is fine; its password is set again. */
  async #adoptOwn(mr: Mr, name: string, params: DatabaseParameters, password: string): Promise<CreateResult> {
    const inst = await this.#o.api.get(this.#o.project, name);
    if (!inst || !ownedBy(mr, inst)) throw notOwned(name);
    if (enumName(inst.state, STATE_NAMES) !== "RUNNABLE") {
      // Still being created by the earlier insert: the password is set once it is up (connection details say so).
      throw new ProviderError("Conflict", `Cloud SQL instance "${name}" from an earlier create is still ${enumName(inst.state, STATE_NAMES) ?? "starting"}`, { code: "operationInProgress" });
    }
    const op = await this.#o.api.setPassword(this.#o.project, name, adminUser(engineOf(params.databaseVersion)), password);
    this.#ledger.set(mr.metadata.uid ?? name, password);
    return { externalName: name, connectionDetails: this.#details(params, inst, password), pendingOperation: pending(op, "update") };
  }

  #details(params: DatabaseParameters, inst: Instance | undefined, password: string | undefined): Record<string, string> {
    return connectionDetails({ databaseVersion: params.databaseVersion, host: hostOf(inst), connectionName: inst?.connectionName ?? undefined, password });
  }
}

export { generatePassword, PasswordLedger };
export type { DatabaseSecrets };

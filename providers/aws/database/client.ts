import {
  AddTagsToResourceCommand,
  CreateDBInstanceCommand,
  DeleteDBInstanceCommand,
  DescribeDBInstancesCommand,
  ModifyDBInstanceCommand,
  RemoveTagsFromResourceCommand,
} from "@aws-sdk/client-rds";
import type { CreateDBInstanceMessage, DBInstance, DeleteDBInstanceMessage, ModifyDBInstanceMessage, RDSClient } from "@aws-sdk/client-rds";
import { generatedPasswordLost, passwordForCreate, passwordForUpdate, passwordState } from "../../shared/database-passwords.ts";
import type { DatabaseSecrets, PasswordLedger, PasswordSource } from "../../shared/database-passwords.ts";
import { errorClassOf, ProviderError } from "../../../core/errors.ts";
import type { Listing } from "../../../core/listing.ts";
import { externalName } from "../../../core/policies.ts";
import type { CallOptions, CreateResult, DeleteResult, ExternalClient, FieldDiff, Managed, Observation, OperationRef, UpdateResult } from "../../../core/provider.ts";
import { awsCall } from "../errors.ts";
import { mapToTags, ownedBy, ownerTags, tagChanges, tagsToMap } from "../tags.ts";
import { atProviderOf, connectionDetails, currentParameters, diffParameters, effectiveParameters, lateInitialize, modifyFields, readiness } from "./normalize.ts";
import type { ObservedParameters } from "./normalize.ts";
import { listingKey } from "./listing.ts";
import type { DatabaseObservation, DatabaseParameters } from "./schema.ts";

// The Database's ExternalClient: one RDS DB instance, found by its identifier (the external name,
// metadata.name by default). observe only reads; create, update and delete each make the fewest
// calls that get the cloud to the spec, and none of them waits for RDS to finish.

/** The RDS calls the client makes; the SDK implementation classifies errors, tests substitute a fake. */
export interface RdsApi {
  /** The instance, or undefined when RDS does not know it. */
  describe(id: string): Promise<DBInstance | undefined>;
  create(input: CreateDBInstanceMessage): Promise<DBInstance | undefined>;
  modify(input: ModifyDBInstanceMessage): Promise<DBInstance | undefined>;
  addTags(arn: string, tags: Readonly<Record<string, string>>): Promise<void>;
  removeTags(arn: string, keys: readonly string[]): Promise<void>;
  /** Deletes; an instance already gone is not an error. */
  delete(input: DeleteDBInstanceMessage): Promise<void>;
}

const isNotFound = (err: unknown): boolean => errorClassOf(err) === "NotFound";

/**
 * RdsApi over the SDK client (cached per account/region by the session; the SDK alone retries),
 * built per reconcile: every request carries that reconcile's signal.
 */
export function sdkRdsApi(rds: RDSClient, signal: AbortSignal): RdsApi {
  const opts = { abortSignal: signal };
  return {
    async describe(id) {
      try {
        const out = await awsCall("rds:DescribeDBInstances", () => rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: id }), opts));
        return out.DBInstances?.[0];
      } catch (err) {
        if (isNotFound(err)) return undefined;
        throw err;
      }
    },
    async create(input) {
      return (await awsCall("rds:CreateDBInstance", () => rds.send(new CreateDBInstanceCommand(input), opts))).DBInstance;
    },
    async modify(input) {
      return (await awsCall("rds:ModifyDBInstance", () => rds.send(new ModifyDBInstanceCommand(input), opts))).DBInstance;
    },
    async addTags(arn, tags) {
      await awsCall("rds:AddTagsToResource", () => rds.send(new AddTagsToResourceCommand({ ResourceName: arn, Tags: mapToTags(tags) }), opts));
    },
    async removeTags(arn, keys) {
      await awsCall("rds:RemoveTagsFromResource", () => rds.send(new RemoveTagsFromResourceCommand({ ResourceName: arn, TagKeys: [...keys] }), opts));
    },
    async delete(input) {
      try {
        await awsCall("rds:DeleteDBInstance", () => rds.send(new DeleteDBInstanceCommand(input), opts));
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    },
  };
}

type Mr = Managed<DatabaseParameters, DatabaseObservation>;

/** The DB instance identifier: the external name, else metadata.name. */
export function identifier(mr: Mr): string {
  return externalName(mr) ?? mr.metadata.name;
}

function checkIdentifier(id: string): void {
  if (id.length <= 63 && /^[A-Za-z](-?[A-Za-z0-9])*$/.test(id)) return;
  throw new ProviderError(
    "InvalidParameter",
    `"${id}" cannot be an RDS DB instance identifier (1-63 letters, digits and single hyphens, starting with a letter, not ending with a hyphen): rename the Database or set the terraplane.dev/external-name annotation`,
    { code: "InvalidDBInstanceIdentifier" },
  );
}

function notOwned(id: string): ProviderError {
  return new ProviderError(
    "AlreadyExists",
    `a DB instance named "${id}" already exists and was not created by this Database: to manage it, set the annotation terraplane.dev/external-name: ${id} ` +
      `(it is then changed to match spec, and deleted with this Database unless deletionPolicy is Orphan); otherwise choose another name`,
    { code: "DBInstanceAlreadyExists" },
  );
}

/** Immutable fields RDS cannot change: a spec that disagrees is an error to fix in the spec, never an update. */
function checkImmutable(params: DatabaseParameters, observed: ObservedParameters, db: DBInstance, id: string): void {
  const wrong: string[] = [];
  if (db.Engine !== undefined && db.Engine !== params.engine) wrong.push(`engine is "${params.engine}" but the instance runs "${db.Engine}"`);
  if (observed.masterUsername !== undefined && observed.masterUsername !== params.masterUsername) {
    wrong.push(`masterUsername is "${params.masterUsername}" but the instance's is "${observed.masterUsername}"`);
  }
  if (wrong.length === 0) return;
  throw new ProviderError("InvalidParameter", `spec.forProvider does not match DB instance "${id}": ${wrong.join("; ")}; these cannot change, so correct the spec`, { code: "ImmutableFieldMismatch" });
}

function createInput(mr: Mr, p: DatabaseParameters, id: string, password: string): CreateDBInstanceMessage {
  return {
    DBInstanceIdentifier: id,
    Engine: p.engine,
    EngineVersion: p.engineVersion,
    DBInstanceClass: p.instanceClass,
    AllocatedStorage: p.allocatedStorage,
    MaxAllocatedStorage: p.maxAllocatedStorage ? p.maxAllocatedStorage : undefined,
    StorageType: p.storageType,
    Iops: p.iops,
    StorageEncrypted: p.storageEncrypted,
    KmsKeyId: p.kmsKeyId,
    MultiAZ: p.multiAZ,
    PubliclyAccessible: p.publiclyAccessible,
    DBSubnetGroupName: p.dbSubnetGroupName,
    VpcSecurityGroupIds: p.vpcSecurityGroupIds,
    BackupRetentionPeriod: p.backupRetentionPeriod,
    PreferredBackupWindow: p.preferredBackupWindow,
    PreferredMaintenanceWindow: p.preferredMaintenanceWindow,
    DeletionProtection: p.deletionProtection,
    MasterUsername: p.masterUsername,
    MasterUserPassword: password,
    DBParameterGroupName: p.parameterGroupName,
    DBName: p.dbName,
    Port: p.port,
    Tags: mapToTags({ ...p.tags, ...ownerTags(mr) }),
  };
}

function deleteInput(p: DatabaseParameters, id: string): DeleteDBInstanceMessage {
  if (p.skipFinalSnapshot) return { DBInstanceIdentifier: id, SkipFinalSnapshot: true };
  return { DBInstanceIdentifier: id, SkipFinalSnapshot: false, FinalDBSnapshotIdentifier: p.finalSnapshotIdentifier };
}

/** The operation RDS has under way, named by the instance's status (the core keeps when it started). */
function operation(action: string, status: string | undefined): OperationRef {
  return { id: `rds:${status ?? "unknown"}`, action };
}

export interface DatabaseClientOptions {
  readonly api: RdsApi;
  /** The session's region: where the instance is, and what an unset forProvider.region is filled with. */
  readonly region: string;
  readonly secrets?: DatabaseSecrets;
  /** The connector's: it outlives this reconcile's client and is freed per object by Connector.forget. */
  readonly ledger: PasswordLedger;
  /** The account and region's shared listing (batch observe); without it every observe describes its instance. */
  readonly listing?: Listing<DBInstance> | undefined;
}

const PASSWORD_SOURCE: PasswordSource = { role: "master", secretRefField: "masterPasswordSecretRef", unsetCode: "MasterPasswordUnset" };

/** The diff entry for a password rotation: sensitive, so no value is ever shown. */
const PASSWORD_DIFF: FieldDiff = { path: "masterPassword", desired: undefined, observed: undefined, sensitive: true };

/** One reconcile's client: observe remembers the instance it saw, so update and delete need no second read. */
export class DatabaseClient implements ExternalClient<DatabaseParameters, DatabaseObservation> {
  readonly #o: DatabaseClientOptions;
  readonly #ledger: PasswordLedger;
  #seen: DBInstance | undefined;

  constructor(options: DatabaseClientOptions) {
    this.#o = options;
    this.#ledger = options.ledger;
  }

  get #secrets(): DatabaseSecrets {
    return this.#o.secrets ?? {};
  }

  async observe(mr: Mr, opts?: CallOptions): Promise<Observation<DatabaseObservation>> {
    const params = mr.spec.forProvider;
    const id = identifier(mr);
    const db = await this.#read(id, opts);
    if (!db) return { exists: false };
    this.#seen = db;
    if (!ownedBy(mr, tagsToMap(db.TagList)) && externalName(mr) === undefined) throw notOwned(id);
    checkImmutable(params, currentParameters(db), db, id);

    const observed = effectiveParameters(db);
    const password = passwordState(this.#secrets, this.#ledger, mr.metadata.uid ?? identifier(mr));
    const lost = generatedPasswordLost(mr, this.#secrets, ownedBy(mr, tagsToMap(db.TagList)), this.#ledger);
    const diff = [...diffParameters(params, observed), ...(password.rotate || lost ? [PASSWORD_DIFF] : [])];
    const lateInitialized = lateInitialize(params, observed, this.#o.region);
    const state = readiness(db.DBInstanceStatus);
    return {
      exists: true,
      diff,
      atProvider: atProviderOf(db),
      connectionDetails: this.#details(params, db, password.current),
      ...(Object.keys(lateInitialized).length > 0 ? { lateInitialized } : {}),
      ready: state.ready,
      ...(state.message ? { message: state.message } : {}),
      ...(state.busy && state.action ? { pendingOperation: operation(state.action, db.DBInstanceStatus) } : {}),
    };
  }

  async create(mr: Mr): Promise<CreateResult> {
    const id = identifier(mr);
    checkIdentifier(id);
    return this.#mutating(id, () => this.#create(mr, id));
  }

  async #create(mr: Mr, id: string): Promise<CreateResult> {
    const params = mr.spec.forProvider;
    const password = passwordForCreate(mr, this.#secrets, PASSWORD_SOURCE);
    let db: DBInstance | undefined;
    try {
      db = await this.#o.api.create(createInput(mr, params, id, password));
    } catch (err) {
      if (errorClassOf(err) !== "AlreadyExists") throw err;
      db = await this.#adoptOwn(mr, id, password);
    }
    this.#ledger.set(mr.metadata.uid ?? id, password);
    return { externalName: id, connectionDetails: this.#details(params, db, password) };
  }

  async update(mr: Mr, diff: readonly FieldDiff[]): Promise<UpdateResult> {
    const id = identifier(mr);
    return this.#mutating(id, () => this.#update(mr, id, diff));
  }

  async #update(mr: Mr, id: string, diff: readonly FieldDiff[]): Promise<UpdateResult> {
    const params = mr.spec.forProvider;
    const db = this.#seen ?? (await this.#o.api.describe(id));
    if (!db) throw new ProviderError("NotFound", `DB instance "${id}" disappeared before it could be updated`);
    const observed = effectiveParameters(db);
    const paths = diff.map((d) => d.path);
    const password = paths.includes("masterPassword") ? passwordForUpdate(this.#secrets) : undefined;
    const fields = modifyFields(paths, params, observed);
    if (fields || password !== undefined) {
      await this.#o.api.modify({ DBInstanceIdentifier: id, ...fields, ...(password !== undefined ? { MasterUserPassword: password } : {}) });
    }
    if (paths.includes("tags")) await this.#updateTags(db, params.tags ?? {}, observed.tags);
    if (password === undefined) return {};
    this.#ledger.set(mr.metadata.uid ?? id, password);
    return { connectionDetails: this.#details(params, db, password) };
  }

  async delete(mr: Mr): Promise<DeleteResult> {
    const id = identifier(mr);
    return this.#mutating(id, () => this.#delete(mr, id));
  }

  async #delete(mr: Mr, id: string): Promise<DeleteResult> {
    const params = mr.spec.forProvider;
    const db = this.#seen ?? (await this.#o.api.describe(id));
    if (!db) return {};
    if (db.DeletionProtection) {
      // Only the spec may turn protection off: the user's data is never exposed by Terraplane's own choice.
      if (params.deletionProtection !== false) {
        throw new ProviderError(
          "InvalidParameter",
          `DB instance "${id}" has deletion protection: set spec.forProvider.deletionProtection to false to let Terraplane delete it, or set spec.deletionPolicy: Orphan to keep it`,
          { code: "DeletionProtectionEnabled" },
        );
      }
      await this.#o.api.modify({ DBInstanceIdentifier: id, DeletionProtection: false, ApplyImmediately: true });
    }
    await this.#o.api.delete(deleteInput(params, id));
    return {};
  }

  /** From the shared listing when there is one and the core allows it (a poll), else by itself (a plan, batch off). */
  async #read(id: string, opts: CallOptions | undefined): Promise<DBInstance | undefined> {
    const listing = this.#o.listing;
    if (!listing || opts?.maxAgeMs === undefined) return this.#o.api.describe(id);
    return (await listing.read(listingKey(id), { signal: opts.signal, maxAgeMs: opts.maxAgeMs, onChanged: opts.onChanged })).item;
  }

  /** Whatever the outcome, the listing no longer speaks for this instance until it is fetched again. */
  async #mutating<T>(id: string, mutate: () => Promise<T>): Promise<T> {
    try {
      return await mutate();
    } finally {
      this.#o.listing?.mutated(listingKey(id));
    }
  }

  /** A create that found the instance already there: ours (an earlier attempt whose answer was lost) is fine; its password is set again, since the earlier one may differ. */
  async #adoptOwn(mr: Mr, id: string, password: string): Promise<DBInstance | undefined> {
    const db = await this.#o.api.describe(id);
    if (!db || !ownedBy(mr, tagsToMap(db.TagList))) throw notOwned(id);
    await this.#o.api.modify({ DBInstanceIdentifier: id, MasterUserPassword: password, ApplyImmediately: true });
    return db;
  }

  async #updateTags(db: DBInstance, desired: Readonly<Record<string, string>>, observed: Readonly<Record<string, string>>): Promise<void> {
    const arn = db.DBInstanceArn;
    if (!arn) throw new ProviderError("Transient", `RDS reported no ARN for DB instance "${db.DBInstanceIdentifier ?? ""}"`);
    const { set, remove } = tagChanges(desired, observed);
    if (remove.length > 0) await this.#o.api.removeTags(arn, remove);
    if (Object.keys(set).length > 0) await this.#o.api.addTags(arn, set);
  }

  #details(params: DatabaseParameters, db: DBInstance | undefined, password: string | undefined): Record<string, string> {
    return connectionDetails({
      engine: params.engine,
      username: db?.MasterUsername ?? params.masterUsername,
      password,
      host: db?.Endpoint?.Address,
      port: db?.Endpoint?.Port,
      dbName: db?.DBName ?? params.dbName,
    });
  }
}

import type { DBInstance, ModifyDBInstanceMessage } from "@aws-sdk/client-rds";
import { diffField, diffFields, sameSet } from "../../../core/diff.ts";
import type { Equalities } from "../../../core/diff.ts";
import type { FieldDiff, Readiness } from "../../../core/provider.ts";
import { tagsToMap, userTags } from "../tags.ts";
import { StorageType } from "./schema.ts";
import type { DatabaseObservation, DatabaseParameters, Engine } from "./schema.ts";

// Pure functions between RDS's view of a DB instance and forProvider: what the cloud holds, as
// forProvider fields (normalised: enum case, sets, tag maps, defaults RDS fills in); the diff that
// needs an update; what to late-initialise; readiness; and the ModifyDBInstance input for a diff.

/** forProvider fields as RDS reports them (undefined: RDS says nothing about it). */
export type ObservedParameters = Partial<Omit<DatabaseParameters, "tags">> & { tags: Record<string, string> };

/** The fields compared for drift and sent by ModifyDBInstance, in diff order. Immutable ones are never diffed. */
export const MUTABLE_FIELDS = [
  "engineVersion",
  "instanceClass",
  "allocatedStorage",
  "maxAllocatedStorage",
  "storageType",
  "iops",
  "multiAZ",
  "publiclyAccessible",
  "dbSubnetGroupName",
  "vpcSecurityGroupIds",
  "backupRetentionPeriod",
  "preferredBackupWindow",
  "preferredMaintenanceWindow",
  "deletionProtection",
  "parameterGroupName",
  "port",
] as const satisfies readonly (keyof DatabaseParameters)[];
type MutableField = (typeof MUTABLE_FIELDS)[number];

/** The fields filled in from the cloud when the user left them unset. */
const LATE_INIT_FIELDS = [
  "storageType",
  "iops",
  "storageEncrypted",
  "kmsKeyId",
  "multiAZ",
  "publiclyAccessible",
  "dbSubnetGroupName",
  "vpcSecurityGroupIds",
  "backupRetentionPeriod",
  "preferredBackupWindow",
  "preferredMaintenanceWindow",
  "deletionProtection",
  "parameterGroupName",
  "port",
  "dbName",
  "maxAllocatedStorage",
] as const satisfies readonly (keyof DatabaseParameters)[];

const lower = (s: string | undefined): string | undefined => s?.toLowerCase();

/** A tag map with its keys in order, so diffs and drift records read (and compare as JSON) the same every time. */
function sortedMap(map: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(map).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

function storageTypeOf(value: string | undefined): DatabaseParameters["storageType"] {
  const parsed = StorageType.safeParse(lower(value));
  return parsed.success ? parsed.data : undefined;
}

/** Drops undefined values, so spreading a partial never overwrites with undefined. */
function defined<T extends object>(o: T): Partial<T> {
  const out: Partial<T> = { ...o };
  for (const key of Object.keys(out) as (keyof T)[]) if (out[key] === undefined) delete out[key]; // keys of o itself
  return out;
}

/** What RDS runs now, as forProvider fields. */
export function currentParameters(db: DBInstance): ObservedParameters {
  const params: Partial<DatabaseParameters> = {
    engineVersion: db.EngineVersion,
    instanceClass: lower(db.DBInstanceClass),
    allocatedStorage: db.AllocatedStorage,
    // RDS omits MaxAllocatedStorage when storage autoscaling is off; the spec says that with 0.
    maxAllocatedStorage: db.MaxAllocatedStorage,
    storageType: storageTypeOf(db.StorageType),
    iops: db.Iops,
    storageEncrypted: db.StorageEncrypted,
    kmsKeyId: db.KmsKeyId,
    multiAZ: db.MultiAZ,
    publiclyAccessible: db.PubliclyAccessible,
    dbSubnetGroupName: lower(db.DBSubnetGroup?.DBSubnetGroupName),
    vpcSecurityGroupIds: db.VpcSecurityGroups?.filter((g) => g.Status !== "removing").flatMap((g) => (g.VpcSecurityGroupId ? [g.VpcSecurityGroupId] : [])).sort(),
    backupRetentionPeriod: db.BackupRetentionPeriod,
    preferredBackupWindow: db.PreferredBackupWindow,
    preferredMaintenanceWindow: lower(db.PreferredMaintenanceWindow),
    deletionProtection: db.DeletionProtection,
    parameterGroupName: lower(db.DBParameterGroups?.[0]?.DBParameterGroupName),
    // DbInstancePort is 0 for instances outside a cluster: the endpoint's port is the one that counts.
    port: db.Endpoint?.Port,
    dbName: db.DBName,
    masterUsername: db.MasterUsername,
  };
  return { ...defined(params), tags: sortedMap(userTags(tagsToMap(db.TagList))) };
}

/** Changes RDS accepted but has not applied yet (PendingModifiedValues), as forProvider fields. */
export function pendingParameters(db: DBInstance): Partial<DatabaseParameters> {
  const p = db.PendingModifiedValues;
  if (!p) return {};
  return defined({
    engineVersion: p.EngineVersion,
    instanceClass: lower(p.DBInstanceClass),
    allocatedStorage: p.AllocatedStorage,
    storageType: storageTypeOf(p.StorageType),
    iops: p.Iops,
    multiAZ: p.MultiAZ,
    dbSubnetGroupName: lower(p.DBSubnetGroupName),
    backupRetentionPeriod: p.BackupRetentionPeriod,
    port: p.Port,
  });
}

/** Where the instance is heading: a value already pending counts as converging, never as a diff to re-send. */
export function effectiveParameters(db: DBInstance): ObservedParameters {
  return { ...currentParameters(db), ...pendingParameters(db) };
}

/** The pending changes for atProvider, keyed by forProvider field (the password is never shown). */
export function pendingModifications(db: DBInstance): Record<string, string> | undefined {
  const pending: Record<string, string> = Object.fromEntries(Object.entries(pendingParameters(db)).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]));
  if (db.PendingModifiedValues?.MasterUserPassword !== undefined) pending.masterPassword = "(pending)";
  if (db.PendingModifiedValues?.CACertificateIdentifier) pending.caCertificateIdentifier = db.PendingModifiedValues.CACertificateIdentifier;
  return Object.keys(pending).length > 0 ? pending : undefined;
}

// ---------------------------------------------------------------------------------------------
// Engine versions

function versionParts(v: string): number[] {
  return v.split(".").map((p) => Number.parseInt(p, 10));
}

/** The major version: "16" for PostgreSQL 10+, otherwise the first two parts ("9.6", "8.0", "10.11"). */
export function majorVersion(engine: Engine, version: string): string {
  const parts = version.split(".");
  const first = Number.parseInt(parts[0] ?? "", 10);
  const length = engine === "postgres" && first >= 10 ? 1 : 2;
  return parts.slice(0, length).join(".");
}

function compareVersions(a: string, b: string): number {
  const [pa, pb] = [versionParts(a), versionParts(b)];
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (Number.isNaN(d)) return 0;
    if (d !== 0) return Math.sign(d);
  }
  return 0;
}

/**
 * True when the observed version satisfies the desired one: equal, a prefix ("16" ⊂ "16.3"), or a
 * newer minor of the same major (RDS upgraded it; RDS cannot downgrade, so fighting it would fail).
 */
export function versionSatisfies(engine: Engine, desired: string, observed: string | undefined): boolean {
  if (observed === undefined) return false;
  if (observed === desired || observed.startsWith(`${desired}.`)) return true;
  return majorVersion(engine, observed) === majorVersion(engine, desired) && compareVersions(observed, desired) > 0;
}

// ---------------------------------------------------------------------------------------------
// Diff

/** Per-field equality after normalisation, for fields whose plain equality is wrong (the engine decides what a version satisfies). */
function equalities(engine: Engine): Equalities<DatabaseParameters> {
  return {
    engineVersion: (d, o) => d === undefined || versionSatisfies(engine, d, o),
    instanceClass: (d, o) => d.toLowerCase() === o,
    // Storage only grows: more than asked for (autoscaling, or grown by hand) is not a difference.
    allocatedStorage: (d, o) => o !== undefined && o >= d,
    maxAllocatedStorage: (d, o) => (d ?? 0) === (o ?? 0),
    dbSubnetGroupName: (d, o) => lower(d) === o,
    vpcSecurityGroupIds: (d, o) => sameSet(d ?? [], o),
    preferredMaintenanceWindow: (d, o) => lower(d) === o,
    parameterGroupName: (d, o) => lower(d) === o,
    // No endpoint yet (creating, failed): the port is unknown, not different.
    port: (d, o) => o === undefined || d === o,
  };
}

/** The fields where the cloud (including changes already pending) differs from spec, by forProvider path. */
export function diffParameters(desired: DatabaseParameters, observed: ObservedParameters): FieldDiff[] {
  return [
    ...diffFields("", MUTABLE_FIELDS, desired, observed, equalities(desired.engine)),
    ...diffField("tags", desired.tags === undefined ? undefined : sortedMap(desired.tags), observed.tags),
  ];
}

// ---------------------------------------------------------------------------------------------
// Late initialisation

/** Unset forProvider fields, filled from what the cloud holds (or where it is heading). */
export function lateInitialize(desired: DatabaseParameters, observed: ObservedParameters, region: string): Partial<DatabaseParameters> {
  const out: Record<string, unknown> = {};
  if (desired.region === undefined) out.region = region;
  if (desired.engineVersion === undefined && observed.engineVersion) out.engineVersion = majorVersion(desired.engine, observed.engineVersion);
  for (const field of LATE_INIT_FIELDS) {
    if (desired[field] === undefined && observed[field] !== undefined) out[field] = observed[field];
  }
  // RDS's default parameter group follows the engine version: pinning it would block major upgrades.
  if (typeof out.parameterGroupName === "string" && out.parameterGroupName.startsWith("default.")) delete out.parameterGroupName;
  return out;
}

// ---------------------------------------------------------------------------------------------
// Readiness

/** Statuses in which RDS is itself changing the instance: no modify is sent until it settles. */
const BUSY = new Set([
  "creating",
  "deleting",
  "modifying",
  "upgrading",
  "rebooting",
  "renaming",
  "resetting-master-credentials",
  "configuring-enhanced-monitoring",
  "configuring-iam-database-auth",
  "configuring-log-exports",
  "converting-to-vpc",
  "moving-to-vpc",
  "maintenance",
  "starting",
  "stopping",
  "storage-config-upgrade",
]);

export interface ReadinessView {
  readonly ready: Readiness;
  /** Why it is not ready, stable across polls. */
  readonly message?: string;
  /** RDS is working on the instance: report, poll soon, send nothing. */
  readonly busy: boolean;
  /** What RDS is doing, as a pendingOperation action. */
  readonly action?: "create" | "update" | "delete";
}

export function readiness(status: string | undefined): ReadinessView {
  const s = status ?? "unknown";
  if (s === "available") return { ready: "Available", busy: false };
  if (s === "creating") return { ready: "Creating", message: "RDS is creating the DB instance", busy: true, action: "create" };
  if (s === "deleting") return { ready: "Deleting", message: "RDS is deleting the DB instance", busy: true, action: "delete" };
  const busy = BUSY.has(s);
  return { ready: "Unavailable", message: `the DB instance is ${s}`, busy, ...(busy ? { action: "update" as const } : {}) };
}

// ---------------------------------------------------------------------------------------------
// Updates

type ModifyFields = Omit<ModifyDBInstanceMessage, "DBInstanceIdentifier">;

/** The ModifyDBInstance fields for one diff path, from the desired spec. */
const MODIFY: Record<MutableField, (d: DatabaseParameters, o: ObservedParameters) => ModifyFields> = {
  engineVersion: (d, o) => ({
    EngineVersion: d.engineVersion,
    // A new major version is an explicit request in the spec; RDS wants it confirmed.
    ...(d.engineVersion && o.engineVersion && majorVersion(d.engine, d.engineVersion) !== majorVersion(d.engine, o.engineVersion) ? { AllowMajorVersionUpgrade: true } : {}),
  }),
  instanceClass: (d) => ({ DBInstanceClass: d.instanceClass }),
  allocatedStorage: (d) => ({ AllocatedStorage: d.allocatedStorage }),
  // RDS turns autoscaling off when the maximum equals the allocated storage.
  maxAllocatedStorage: (d) => ({ MaxAllocatedStorage: d.maxAllocatedStorage === 0 ? d.allocatedStorage : d.maxAllocatedStorage }),
  storageType: (d) => ({ StorageType: d.storageType, ...(d.iops !== undefined ? { Iops: d.iops } : {}) }),
  iops: (d) => ({ Iops: d.iops, ...(d.storageType ? { StorageType: d.storageType } : {}) }),
  multiAZ: (d) => ({ MultiAZ: d.multiAZ }),
  publiclyAccessible: (d) => ({ PubliclyAccessible: d.publiclyAccessible }),
  dbSubnetGroupName: (d) => ({ DBSubnetGroupName: d.dbSubnetGroupName }),
  vpcSecurityGroupIds: (d) => ({ VpcSecurityGroupIds: d.vpcSecurityGroupIds }),
  backupRetentionPeriod: (d) => ({ BackupRetentionPeriod: d.backupRetentionPeriod }),
  preferredBackupWindow: (d) => ({ PreferredBackupWindow: d.preferredBackupWindow }),
  preferredMaintenanceWindow: (d) => ({ PreferredMaintenanceWindow: d.preferredMaintenanceWindow }),
  deletionProtection: (d) => ({ DeletionProtection: d.deletionProtection }),
  parameterGroupName: (d) => ({ DBParameterGroupName: d.parameterGroupName }),
  port: (d) => ({ DBPortNumber: d.port }),
};

function isMutableField(path: string): path is MutableField {
  return (MUTABLE_FIELDS as readonly string[]).includes(path);
}

/**
 * ModifyDBInstance fields for the diffed paths only (undefined when none need ModifyDBInstance):
 * unchanged fields are never re-sent. Tags and the password are handled by the caller.
 */
export function modifyFields(paths: readonly string[], desired: DatabaseParameters, observed: ObservedParameters): ModifyFields | undefined {
  const fields = paths.filter(isMutableField).map((p) => MODIFY[p](desired, observed));
  if (fields.length === 0) return undefined;
  return fields.reduce<ModifyFields>((all, f) => ({ ...all, ...f }), { ApplyImmediately: desired.applyImmediately ?? false });
}

// ---------------------------------------------------------------------------------------------
// atProvider and connection details

export function atProviderOf(db: DBInstance): DatabaseObservation {
  const pending = pendingModifications(db);
  const endpoint = db.Endpoint ? defined({ address: db.Endpoint.Address, port: db.Endpoint.Port }) : undefined;
  return defined({
    arn: db.DBInstanceArn,
    status: db.DBInstanceStatus,
    endpoint,
    resourceId: db.DbiResourceId,
    engineVersion: db.EngineVersion,
    pendingModifications: pending,
  });
}

const SCHEME: Readonly<Record<Engine, string>> = { postgres: "postgres", mysql: "mysql", mariadb: "mysql" };

export interface ConnectionInput {
  readonly engine: Engine;
  readonly username: string;
  readonly password: string | undefined;
  readonly host: string | undefined;
  readonly port: number | undefined;
  readonly dbName: string | undefined;
}

/** host, port, username, engine, and — when the password is known — password and a connection URI. */
export function connectionDetails(c: ConnectionInput): Record<string, string> {
  const details: Record<string, string> = { username: c.username, engine: c.engine };
  if (c.host) details.host = c.host;
  if (c.port !== undefined) details.port = String(c.port);
  if (c.password === undefined) return details;
  details.password = c.password;
  if (c.host && c.port !== undefined) {
    const db = c.dbName ?? (c.engine === "postgres" ? "postgres" : "");
    details.uri = `${SCHEME[c.engine]}://${encodeURIComponent(c.username)}:${encodeURIComponent(c.password)}@${c.host}:${c.port}/${db}`;
  }
  return details;
}

import { isDeepStrictEqual } from "node:util";
import { protos } from "@google-cloud/sql";
import { ProviderError } from "../../../core/errors.ts";
import { diffField, diffFields } from "../../../core/diff.ts";
import type { Equality } from "../../../core/diff.ts";
import type { FieldDiff, Readiness } from "../../../core/provider.ts";
import { userLabels } from "../ownership.ts";
import { AvailabilityType, BackupConfiguration, DiskType, Edition, IpConfiguration } from "./schema.ts";
import type { AuthorizedNetwork, DatabaseFlag, DatabaseObservation, DatabaseParameters } from "./schema.ts";

// Pure functions between Cloud SQL's view of an instance and forProvider: what the cloud holds, as
// forProvider fields (normalised: enum names, wrapper values, sets sorted, ownership labels
// dropped); the diff that needs a patch; what to late-initialise; readiness; the insert and patch
// bodies; atProvider and connection details.

const v1 = protos.google.cloud.sql.v1;
export type Instance = protos.google.cloud.sql.v1.IDatabaseInstance;
export type Settings = protos.google.cloud.sql.v1.ISettings;

/** forProvider fields as Cloud SQL reports them (undefined: it says nothing about it). */
export type ObservedParameters = Partial<Omit<DatabaseParameters, "userLabels">> & { userLabels: Record<string, string> };

type Int64 = number | string | { toString(): string } | null | undefined;

/** A 64-bit (or wrapped) integer as the clients give it (string, number or Long). */
export function int(v: Int64): number | undefined {
  if (v === null || v === undefined) return undefined;
  const n = typeof v === "number" ? v : Number(v.toString());
  return Number.isFinite(n) ? n : undefined;
}

/** An enum value as the clients give it (name, or number under numeric encoding) → its name. */
export function enumName(v: string | number | null | undefined, names: Readonly<Record<number, string>>): string | undefined {
  if (v === null || v === undefined) return undefined;
  return typeof v === "string" ? v : names[v];
}

const bool = (w: { value?: boolean | null } | null | undefined): boolean | undefined => w?.value ?? undefined;
const text = (s: string | null | undefined): string | undefined => (s === null || s === undefined || s === "" ? undefined : s);

/** Drops undefined values, so spreading a partial never overwrites with undefined. */
function defined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>; // same keys, fewer of them
}

function sortedMap(map: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(map).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

const byKey =
  <T>(key: (t: T) => string) =>
  (a: T, b: T): number =>
    key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0;

export function sortNetworks(list: readonly AuthorizedNetwork[]): AuthorizedNetwork[] {
  return list.map((n) => defined({ name: text(n.name), value: n.value }) as AuthorizedNetwork).sort(byKey((n) => `${n.value}\0${n.name ?? ""}`)); // value is always set
}

export function sortFlags(list: readonly DatabaseFlag[]): DatabaseFlag[] {
  return list.map((f) => ({ name: f.name, value: f.value })).sort(byKey((f) => f.name));
}

function backupOf(b: protos.google.cloud.sql.v1.IBackupConfiguration | null | undefined): BackupConfiguration | undefined {
  if (!b) return undefined;
  return defined({
    enabled: bool(b.enabled),
    startTime: text(b.startTime),
    pointInTimeRecoveryEnabled: bool(b.pointInTimeRecoveryEnabled),
    binaryLogEnabled: bool(b.binaryLogEnabled),
    transactionLogRetentionDays: int(b.transactionLogRetentionDays?.value),
    retainedBackups: int(b.backupRetentionSettings?.retainedBackups?.value),
  });
}

function ipConfigOf(ip: protos.google.cloud.sql.v1.IIpConfiguration | null | undefined): IpConfiguration | undefined {
  if (!ip) return undefined;
  const networks = (ip.authorizedNetworks ?? []).flatMap((n) => (n.value ? [{ value: n.value, ...(n.name ? { name: n.name } : {}) }] : []));
  return defined({ ipv4Enabled: bool(ip.ipv4Enabled), privateNetwork: text(ip.privateNetwork), authorizedNetworks: sortNetworks(networks) });
}

/** What Cloud SQL runs now, as forProvider fields. */
export function observedParameters(inst: Instance): ObservedParameters {
  const s: Settings = inst.settings ?? {};
  const mw = s.maintenanceWindow;
  const params: Partial<DatabaseParameters> = {
    region: text(inst.region),
    databaseVersion: enumName(inst.databaseVersion, v1.SqlDatabaseVersion),
    tier: text(s.tier),
    edition: Edition.safeParse(enumName(s.edition, v1.Settings.Edition)).data,
    diskSizeGb: int(s.dataDiskSizeGb?.value),
    diskType: DiskType.safeParse(enumName(s.dataDiskType, v1.SqlDataDiskType)).data,
    diskAutoresize: bool(s.storageAutoResize),
    availabilityType: AvailabilityType.safeParse(enumName(s.availabilityType, v1.SqlAvailabilityType)).data,
    backupConfiguration: backupOf(s.backupConfiguration),
    ipConfiguration: ipConfigOf(s.ipConfiguration),
    databaseFlags: sortFlags((s.databaseFlags ?? []).flatMap((f) => (f.name ? [{ name: f.name, value: f.value ?? "" }] : []))),
    maintenanceWindow: mw ? { day: int(mw.day?.value) ?? 0, hour: int(mw.hour?.value) ?? 0 } : undefined,
    deletionProtectionEnabled: bool(s.deletionProtectionEnabled),
  };
  return { ...defined(params), userLabels: sortedMap(userLabels(s.userLabels)) };
}

// ---------------------------------------------------------------------------------------------
// Diff

/** Top-level fields compared for drift and sent by instances.patch, in diff order. */
export const MUTABLE_FIELDS = [
  "databaseVersion",
  "tier",
  "edition",
  "diskSizeGb",
  "diskAutoresize",
  "availabilityType",
  "backupConfiguration",
  "ipConfiguration",
  "databaseFlags",
  "maintenanceWindow",
  "deletionProtectionEnabled",
  "userLabels",
] as const satisfies readonly (keyof DatabaseParameters)[];
export type MutableField = (typeof MUTABLE_FIELDS)[number];

const SCALARS = ["databaseVersion", "tier", "edition", "diskAutoresize", "availabilityType", "deletionProtectionEnabled"] as const;

/** Disks only grow: more than asked for (autoresize, or grown by hand) is not a difference. */
const atLeast: Equality<number> = (desired, observed) => (observed ?? 0) >= desired;

/** Authorised networks are a set: compared in one order. */
const sameNetworks: Equality<AuthorizedNetwork[] | undefined> = (desired, observed) => isDeepStrictEqual(sortNetworks(desired ?? []), sortNetworks(observed ?? []));

/** Labels the spec lists are enforced; labels others add are left alone. */
const includesLabels: Equality<Record<string, string>> = (desired, observed) => Object.entries(desired).every(([k, v]) => observed?.[k] === v);

// Nested objects compare sub-field by sub-field, in the schema's order.
const BACKUP_FIELDS = BackupConfiguration.keyof().options;
const IP_FIELDS = IpConfiguration.keyof().options;

/** The fields where the cloud differs from spec, by forProvider path. Unset fields are never fought. */
export function diffParameters(desired: DatabaseParameters, observed: ObservedParameters): FieldDiff[] {
  return [
    ...diffFields("", SCALARS, desired, observed),
    ...diffField("diskSizeGb", desired.diskSizeGb, observed.diskSizeGb, atLeast),
    ...diffFields("backupConfiguration", BACKUP_FIELDS, desired.backupConfiguration, observed.backupConfiguration),
    ...diffFields("ipConfiguration", IP_FIELDS, desired.ipConfiguration, observed.ipConfiguration, { authorizedNetworks: sameNetworks }),
    ...diffField("databaseFlags", desired.databaseFlags && sortFlags(desired.databaseFlags), observed.databaseFlags ?? []),
    ...diffField("maintenanceWindow", desired.maintenanceWindow, observed.maintenanceWindow),
    ...diffField("userLabels", desired.userLabels && sortedMap(desired.userLabels), observed.userLabels, includesLabels),
  ];
}

/** Fields Cloud SQL cannot change: a spec that disagrees must be corrected, never patched. */
export function immutableMismatches(desired: DatabaseParameters, observed: ObservedParameters): string[] {
  const wrong: string[] = [];
  if (desired.region !== undefined && observed.region !== undefined && desired.region !== observed.region) {
    wrong.push(`region is "${desired.region}" but the instance is in "${observed.region}"`);
  }
  if (desired.diskType !== undefined && observed.diskType !== undefined && desired.diskType !== observed.diskType) {
    wrong.push(`diskType is "${desired.diskType}" but the instance has "${observed.diskType}"`);
  }
  const engine = (v: string | undefined): string | undefined => v?.split("_")[0];
  if (observed.databaseVersion !== undefined && engine(desired.databaseVersion) !== engine(observed.databaseVersion)) {
    wrong.push(`databaseVersion is "${desired.databaseVersion}" but the instance runs "${observed.databaseVersion}" (another engine)`);
  }
  return wrong;
}

// ---------------------------------------------------------------------------------------------
// Late initialisation

const LATE_INIT_SCALARS = ["edition", "diskSizeGb", "diskType", "diskAutoresize", "availabilityType", "maintenanceWindow", "deletionProtectionEnabled"] as const;

function fillNested<T extends object>(desired: T | undefined, observed: T | undefined): T | undefined {
  if (observed === undefined) return undefined;
  const merged = { ...observed, ...defined(desired ?? {}) };
  return isDeepStrictEqual(merged, desired) ? undefined : merged;
}

/** Unset forProvider fields, filled from what the cloud holds (Cloud SQL's defaults become the spec's). */
export function lateInitialize(desired: DatabaseParameters, observed: ObservedParameters, region: string | undefined): Partial<DatabaseParameters> {
  const out: Record<string, unknown> = {};
  const r = observed.region ?? region;
  if (desired.region === undefined && r !== undefined) out.region = r;
  for (const f of LATE_INIT_SCALARS) if (desired[f] === undefined && observed[f] !== undefined) out[f] = observed[f];
  const backup = fillNested(desired.backupConfiguration, observed.backupConfiguration);
  if (backup) out.backupConfiguration = backup;
  const ip = fillNested(desired.ipConfiguration, withoutEmptyNetworks(observed.ipConfiguration));
  if (ip) out.ipConfiguration = ip;
  return out;
}

/** An empty authorizedNetworks list is no information worth pinning in the spec. */
function withoutEmptyNetworks(ip: IpConfiguration | undefined): IpConfiguration | undefined {
  if (!ip) return undefined;
  const { authorizedNetworks, ...rest } = ip;
  return authorizedNetworks?.length ? ip : rest;
}

// ---------------------------------------------------------------------------------------------
// Readiness

export interface ReadinessView {
  readonly ready: Readiness;
  readonly message?: string;
  /** Cloud SQL is working on the instance: send nothing until it settles. */
  readonly busy: boolean;
}

export function readiness(state: string | undefined): ReadinessView {
  switch (state) {
    case "RUNNABLE":
      return { ready: "Available", busy: false };
    case "PENDING_CREATE":
      return { ready: "Creating", message: "Cloud SQL is creating the instance", busy: true };
    case "PENDING_DELETE":
      return { ready: "Deleting", message: "Cloud SQL is deleting the instance", busy: true };
    case "MAINTENANCE":
      return { ready: "Unavailable", message: "the instance is in maintenance", busy: true };
    default:
      return { ready: "Unavailable", message: `the instance is ${state ?? "in an unknown state"}`, busy: false };
  }
}

// ---------------------------------------------------------------------------------------------
// Request bodies

type VersionName = keyof typeof protos.google.cloud.sql.v1.SqlDatabaseVersion;

function isVersionName(v: string): v is VersionName {
  return Object.hasOwn(v1.SqlDatabaseVersion, v) && v !== "SQL_DATABASE_VERSION_UNSPECIFIED";
}

/** A databaseVersion the installed client knows, or an error to fix in the spec. */
export function versionName(v: string): VersionName {
  if (isVersionName(v)) return v;
  throw new ProviderError("InvalidParameter", `databaseVersion "${v}" is not a Cloud SQL database version (e.g. POSTGRES_16, MYSQL_8_0)`, { code: "InvalidDatabaseVersion" });
}

function backupBody(b: BackupConfiguration): protos.google.cloud.sql.v1.IBackupConfiguration {
  return defined({
    enabled: b.enabled !== undefined ? { value: b.enabled } : undefined,
    startTime: b.startTime,
    pointInTimeRecoveryEnabled: b.pointInTimeRecoveryEnabled !== undefined ? { value: b.pointInTimeRecoveryEnabled } : undefined,
    binaryLogEnabled: b.binaryLogEnabled !== undefined ? { value: b.binaryLogEnabled } : undefined,
    transactionLogRetentionDays: b.transactionLogRetentionDays !== undefined ? { value: b.transactionLogRetentionDays } : undefined,
    backupRetentionSettings: b.retainedBackups !== undefined ? { retentionUnit: "COUNT", retainedBackups: { value: b.retainedBackups } } : undefined,
  });
}

function ipBody(ip: IpConfiguration): protos.google.cloud.sql.v1.IIpConfiguration {
  return defined({
    ipv4Enabled: ip.ipv4Enabled !== undefined ? { value: ip.ipv4Enabled } : undefined,
    privateNetwork: ip.privateNetwork,
    authorizedNetworks: ip.authorizedNetworks?.map((n) => ({ value: n.value, ...(n.name ? { name: n.name } : {}) })),
  });
}

const SETTINGS: Record<MutableField, (d: DatabaseParameters, o: ObservedParameters) => Settings> = {
  databaseVersion: () => ({}),
  tier: (d) => ({ tier: d.tier }),
  edition: (d) => defined({ edition: d.edition }),
  diskSizeGb: (d) => (d.diskSizeGb !== undefined ? { dataDiskSizeGb: { value: d.diskSizeGb } } : {}),
  diskAutoresize: (d) => (d.diskAutoresize !== undefined ? { storageAutoResize: { value: d.diskAutoresize } } : {}),
  availabilityType: (d) => defined({ availabilityType: d.availabilityType }),
  // Nested settings are sent whole (what the cloud has, overridden by the spec), so a patch never half-applies them.
  backupConfiguration: (d, o) => ({ backupConfiguration: backupBody({ ...o.backupConfiguration, ...defined(d.backupConfiguration ?? {}) }) }),
  ipConfiguration: (d, o) => ({ ipConfiguration: ipBody({ ...o.ipConfiguration, ...defined(d.ipConfiguration ?? {}) }) }),
  databaseFlags: (d) => ({ databaseFlags: sortFlags(d.databaseFlags ?? []) }),
  maintenanceWindow: (d) => (d.maintenanceWindow ? { maintenanceWindow: { day: { value: d.maintenanceWindow.day }, hour: { value: d.maintenanceWindow.hour } } } : {}),
  deletionProtectionEnabled: (d) => (d.deletionProtectionEnabled !== undefined ? { deletionProtectionEnabled: { value: d.deletionProtectionEnabled } } : {}),
  userLabels: () => ({}), // sent with the owner labels by patchBody
};

function isMutableField(path: string): path is MutableField {
  return (MUTABLE_FIELDS as readonly string[]).includes(path);
}

/**
 * The instances.patch body for the diffed paths only (undefined when none need a patch): unchanged
 * settings are never re-sent, and the settingsVersion observed is quoted so a concurrent change is
 * refused (412) instead of overwritten.
 */
export function patchBody(
  paths: readonly string[],
  desired: DatabaseParameters,
  observed: ObservedParameters,
  { settingsVersion, ownerLabels }: { readonly settingsVersion: number | undefined; readonly ownerLabels: Readonly<Record<string, string>> },
): Instance | undefined {
  const fields = [...new Set(paths.map((p) => p.split(".")[0] ?? p))].filter(isMutableField);
  if (fields.length === 0) return undefined;
  const settings = fields.reduce<Settings>((all, f) => ({ ...all, ...SETTINGS[f](desired, observed) }), {});
  if (fields.includes("userLabels")) settings.userLabels = { ...observed.userLabels, ...desired.userLabels, ...ownerLabels };
  if (settingsVersion !== undefined) settings.settingsVersion = { value: settingsVersion };
  return { ...(fields.includes("databaseVersion") ? { databaseVersion: versionName(desired.databaseVersion) } : {}), settings };
}

/** The instances.insert body: everything the spec sets, plus Terraplane's ownership labels. */
export function insertBody(
  name: string,
  d: DatabaseParameters,
  { region, rootPassword, ownerLabels }: { readonly region: string | undefined; readonly rootPassword: string; readonly ownerLabels: Readonly<Record<string, string>> },
): Instance {
  const settings: Settings = defined({
    tier: d.tier,
    edition: d.edition,
    dataDiskSizeGb: d.diskSizeGb !== undefined ? { value: d.diskSizeGb } : undefined,
    dataDiskType: d.diskType,
    storageAutoResize: d.diskAutoresize !== undefined ? { value: d.diskAutoresize } : undefined,
    availabilityType: d.availabilityType,
    backupConfiguration: d.backupConfiguration ? backupBody(d.backupConfiguration) : undefined,
    ipConfiguration: d.ipConfiguration ? ipBody(d.ipConfiguration) : undefined,
    databaseFlags: d.databaseFlags ? sortFlags(d.databaseFlags) : undefined,
    maintenanceWindow: d.maintenanceWindow ? { day: { value: d.maintenanceWindow.day }, hour: { value: d.maintenanceWindow.hour } } : undefined,
    deletionProtectionEnabled: d.deletionProtectionEnabled !== undefined ? { value: d.deletionProtectionEnabled } : undefined,
    userLabels: { ...d.userLabels, ...ownerLabels },
  });
  return defined({ name, region, databaseVersion: versionName(d.databaseVersion), rootPassword, settings });
}

// ---------------------------------------------------------------------------------------------
// atProvider and connection details

export function atProviderOf(inst: Instance): DatabaseObservation {
  const ips = (inst.ipAddresses ?? []).map((ip) => defined({ type: enumName(ip.type, v1.SqlIpAddressType), ipAddress: text(ip.ipAddress) }));
  return defined({
    state: enumName(inst.state, v1.DatabaseInstance.SqlInstanceState),
    connectionName: text(inst.connectionName),
    ipAddresses: ips.length > 0 ? ips : undefined,
    selfLink: text(inst.selfLink),
    settingsVersion: int(inst.settings?.settingsVersion?.value),
    databaseInstalledVersion: text(inst.databaseInstalledVersion),
    gceZone: text(inst.gceZone),
  });
}

export type Engine = "postgres" | "mysql" | "sqlserver";

export function engineOf(databaseVersion: string): Engine {
  if (databaseVersion.startsWith("POSTGRES")) return "postgres";
  if (databaseVersion.startsWith("SQLSERVER")) return "sqlserver";
  return "mysql";
}

const ENGINE: Readonly<Record<Engine, { port: number; user: string; scheme: string; db: string }>> = {
  postgres: { port: 5432, user: "postgres", scheme: "postgres", db: "postgres" },
  mysql: { port: 3306, user: "root", scheme: "mysql", db: "" },
  sqlserver: { port: 1433, user: "sqlserver", scheme: "sqlserver", db: "" },
};

/** The built-in admin user Cloud SQL creates with an instance of this engine. */
export function adminUser(engine: Engine): { name: string; host?: string } {
  return engine === "mysql" ? { name: "root", host: "%" } : { name: ENGINE[engine].user };
}

/** The address clients connect to: the public (PRIMARY) one, else the private one. */
export function hostOf(inst: Instance | undefined): string | undefined {
  const ips = inst?.ipAddresses ?? [];
  const pick = (t: string): string | undefined => text(ips.find((ip) => enumName(ip.type, v1.SqlIpAddressType) === t)?.ipAddress);
  return pick("PRIMARY") ?? pick("PRIVATE");
}

/** host, port, username, engine, connectionName, and — when the password is known — password and uri. */
export function connectionDetails(c: { databaseVersion: string; host: string | undefined; connectionName: string | undefined; password: string | undefined }): Record<string, string> {
  const engine = engineOf(c.databaseVersion);
  const e = ENGINE[engine];
  const details: Record<string, string> = { username: e.user, engine, port: String(e.port) };
  if (c.host) details.host = c.host;
  if (c.connectionName) details.connectionName = c.connectionName;
  if (c.password === undefined) return details;
  details.password = c.password;
  if (c.host) details.uri = `${e.scheme}://${encodeURIComponent(e.user)}:${encodeURIComponent(c.password)}@${c.host}:${e.port}/${e.db}`;
  return details;
}

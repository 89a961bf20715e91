// What Cloud SQL fills in on a new instance, and the checks it makes on settings before it accepts
// a request. Values are the API's documented defaults; enum values are by name (canonical form).
import { ApiError } from "../errors.ts";
import { cloneJson, isJsonObject, mergeJson, objectAt, stringAt, textAt } from "../json.ts";
import type { JsonObject } from "../json.ts";

export const DEFAULT_REGION = "us-central1";
export const DEFAULT_DATABASE_VERSION = "MYSQL_8_0";

// The minor version a new instance of each major version gets (databaseInstalledVersion).
const INSTALLED_VERSION: Readonly<Record<string, string>> = {
  MYSQL_5_7: "MYSQL_5_7_44",
  MYSQL_8_0: "MYSQL_8_0_41",
  MYSQL_8_4: "MYSQL_8_4_4",
  POSTGRES_13: "POSTGRES_13_20",
  POSTGRES_14: "POSTGRES_14_17",
  POSTGRES_15: "POSTGRES_15_12",
  POSTGRES_16: "POSTGRES_16_8",
  POSTGRES_17: "POSTGRES_17_4",
};

/** `POSTGRES_15` → `POSTGRES_15_12`; a version that already names its minor is kept. */
export function installedVersion(databaseVersion: string): string {
  return INSTALLED_VERSION[databaseVersion] ?? databaseVersion;
}

export function isPostgres(databaseVersion: string): boolean {
  return databaseVersion.startsWith("POSTGRES");
}

export function isMySql(databaseVersion: string): boolean {
  return databaseVersion.startsWith("MYSQL");
}

const SHARED_CORE = /^db-(f1-micro|g1-small)$/;
const ENTERPRISE_TIER = /^db-(f1-micro|g1-small|custom-\d+-\d+|n1-(standard|highmem)-\d+)$/;
const ENTERPRISE_PLUS_TIER = /^db-perf-optimized-N-\d+$/;

function invalidRequest(message: string): ApiError {
  return new ApiError(400, "invalid", `Invalid request: ${message}`);
}

/** Refuses a tier that does not exist for the edition or engine, as Cloud SQL does. */
export function checkTier(tier: string | undefined, edition: string, databaseVersion: string): void {
  const pattern = edition === "ENTERPRISE_PLUS" ? ENTERPRISE_PLUS_TIER : ENTERPRISE_TIER;
  if (tier === undefined || !pattern.test(tier)) throw invalidRequest(`Invalid Tier (${tier ?? ""}) for (${edition}) Edition.`);
  if (databaseVersion.startsWith("SQLSERVER") && SHARED_CORE.test(tier)) throw invalidRequest(`Invalid Tier (${tier}) for (${databaseVersion}).`);
}

/** Settings with every default Cloud SQL fills in; what the caller gave wins. */
export function settingsWithDefaults(given: JsonObject, databaseVersion: string, zone: string): JsonObject {
  const edition = stringAt(given, "edition") ?? "ENTERPRISE";
  const defaults: JsonObject = {
    kind: "sql#settings",
    settingsVersion: "1",
    pricingPlan: "PER_USE",
    replicationType: "SYNCHRONOUS",
    activationPolicy: "ALWAYS",
    availabilityType: "ZONAL",
    dataDiskType: "PD_SSD",
    dataDiskSizeGb: "10",
    storageAutoResize: true,
    storageAutoResizeLimit: "0",
    edition,
    connectorEnforcement: "NOT_REQUIRED",
    deletionProtectionEnabled: false,
    ipConfiguration: { ipv4Enabled: true, requireSsl: false, sslMode: "ALLOW_UNENCRYPTED_AND_ENCRYPTED", serverCaMode: "GOOGLE_MANAGED_INTERNAL_CA" },
    locationPreference: { kind: "sql#locationPreference", zone },
    backupConfiguration: backupDefaults(databaseVersion),
    maintenanceWindow: { kind: "sql#maintenanceWindow", hour: 0, day: 0 },
    userLabels: {},
  };
  if (edition === "ENTERPRISE_PLUS") defaults.dataCacheConfig = { dataCacheEnabled: true };
  const settings = mergeJson(defaults, given);
  settings.kind = "sql#settings";
  const backup = objectAt(settings, "backupConfiguration");
  if (backup) backup.kind = "sql#backupConfiguration";
  return settings;
}

function backupDefaults(databaseVersion: string): JsonObject {
  const backup: JsonObject = {
    kind: "sql#backupConfiguration",
    enabled: false,
    startTime: "09:00",
    backupRetentionSettings: { retentionUnit: "COUNT", retainedBackups: 7 },
    transactionLogRetentionDays: 7,
  };
  if (isMySql(databaseVersion)) backup.binaryLogEnabled = false;
  if (isPostgres(databaseVersion)) backup.pointInTimeRecoveryEnabled = false;
  return backup;
}

/** Checks the settings a request would leave an instance with (beyond the tier). */
export function checkSettings(settings: JsonObject, current: JsonObject | undefined): void {
  const size = Number(settings.dataDiskSizeGb ?? "10");
  if (!Number.isInteger(size) || size < 10 || size > 65_536) throw invalidRequest(`Invalid disk size ${textAt(settings, "dataDiskSizeGb")}: must be between 10 and 65536 GB.`);
  const before = current === undefined ? undefined : Number(current.dataDiskSizeGb ?? "10");
  if (before !== undefined && size < before) throw invalidRequest("Disk size cannot be decreased.");
  const ip = objectAt(settings, "ipConfiguration");
  if (ip && ip.ipv4Enabled === false && stringAt(ip, "privateNetwork") === undefined) {
    throw invalidRequest("At least one of public IP or private IP must be enabled.");
  }
}

/** A request's `settings`, or {} when absent; 400 if it is not an object. */
export function requestSettings(body: JsonObject): JsonObject {
  const settings = body.settings;
  if (settings === undefined) return {};
  if (!isJsonObject(settings)) throw invalidRequest("settings must be an object.");
  return cloneJson(settings);
}

import { z } from "zod";
import { immutableOnceSet } from "../../../core/kind.ts";
import type { CelRule, ManagedKind } from "../../../core/kind.ts";
import { GCP_GROUP, GCP_VERSION } from "../provider-config.ts";

// The Database kind: one Cloud SQL instance (PostgreSQL, MySQL or SQL Server), named by
// metadata.name. forProvider holds what the user wants, atProvider what Cloud SQL reports. Field
// names follow the Cloud SQL Admin v1 API in camelCase, flattened where the API nests for no
// reason a user cares about (settings.dataDiskSizeGb → diskSizeGb).

export const KIND = "Database";

const HHMM = /^([01][0-9]|2[0-3]):[0-5][0-9]$/;

export const DatabaseVersion = z
  .string()
  .regex(/^(POSTGRES|MYSQL|SQLSERVER)_[0-9A-Z_]+$/)
  .describe(
    "Engine and major version, e.g. POSTGRES_16, MYSQL_8_0. Cloud SQL upgrades a major version in place (to a newer one of the same engine); the engine itself cannot change.",
  );
export const Edition = z.enum(["ENTERPRISE", "ENTERPRISE_PLUS"]);
export const DiskType = z.enum(["PD_SSD", "PD_HDD"]);
export const AvailabilityType = z.enum(["ZONAL", "REGIONAL"]);

const SecretKeyRef = z.object({
  name: z.string().min(1).describe("Name of a Secret in the Database's namespace."),
  key: z.string().min(1).describe("Key in the Secret whose value is the password."),
});

export const BackupConfiguration = z.object({
  enabled: z.boolean().optional().describe("Take a daily automated backup."),
  startTime: z.string().regex(HHMM).optional().describe('Start of the daily backup window, UTC "HH:MM".'),
  pointInTimeRecoveryEnabled: z.boolean().optional().describe("PostgreSQL: keep write-ahead logs for point-in-time recovery."),
  binaryLogEnabled: z.boolean().optional().describe("MySQL: keep binary logs (point-in-time recovery, replicas)."),
  transactionLogRetentionDays: z.number().int().min(1).max(35).optional().describe("Days of transaction logs kept for point-in-time recovery."),
  retainedBackups: z.number().int().min(1).max(365).optional().describe("How many automated backups to keep."),
});
export type BackupConfiguration = z.infer<typeof BackupConfiguration>;

export const AuthorizedNetwork = z.object({
  name: z.string().optional().describe("A label for the network."),
  value: z.string().min(1).describe("A CIDR range (or address) allowed to connect over the public IP."),
});
export type AuthorizedNetwork = z.infer<typeof AuthorizedNetwork>;

export const IpConfiguration = z.object({
  ipv4Enabled: z.boolean().optional().describe("Give the instance a public IPv4 address."),
  privateNetwork: z.string().min(1).optional().describe("VPC network for a private IP, as projects/{project}/global/networks/{network}."),
  authorizedNetworks: z
    .array(AuthorizedNetwork)
    .max(100)
    .optional()
    .meta({ "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["value"] })
    .describe("Networks allowed to reach the public IP (a set: order does not matter)."),
});
export type IpConfiguration = z.infer<typeof IpConfiguration>;

export const DatabaseFlag = z.object({
  name: z.string().regex(/^[a-z][a-z0-9_.]*$/).describe("Flag name, e.g. max_connections."),
  value: z.string().describe("Flag value as a string (\"on\", \"200\")."),
});
export type DatabaseFlag = z.infer<typeof DatabaseFlag>;

export const MaintenanceWindow = z.object({
  day: z.number().int().min(0).max(7).describe("Day of week, 1 (Monday) to 7 (Sunday); 0 means any day."),
  hour: z.number().int().min(0).max(23).describe("Hour of day, UTC."),
});

export const DatabaseParameters = z.object({
  region: z.string().min(1).optional().describe("Region of the instance; defaults to the ProviderConfig's region and is then filled in. Immutable once set."),
  databaseVersion: DatabaseVersion,
  tier: z.string().regex(/^db-[A-Za-z0-9-]+$/).describe("Machine type, e.g. db-custom-1-3840, db-f1-micro, db-perf-optimized-N-2 (ENTERPRISE_PLUS)."),
  edition: Edition.optional().describe("Cloud SQL edition; filled in from Cloud SQL (ENTERPRISE) when unset."),
  diskSizeGb: z
    .number()
    .int()
    .min(10)
    .max(65536)
    .optional()
    .describe("Disk size in GB. It can only grow; with diskAutoresize Cloud SQL may grow it past the spec. Filled in when unset."),
  diskType: DiskType.optional().describe("Disk type; cannot change after creation. Filled in (PD_SSD) when unset."),
  diskAutoresize: z.boolean().optional().describe("Let Cloud SQL grow the disk when it fills up."),
  availabilityType: AvailabilityType.optional().describe("ZONAL, or REGIONAL for a standby in another zone (high availability)."),
  backupConfiguration: BackupConfiguration.optional().describe("Automated backups; unset sub-fields are filled in from Cloud SQL."),
  ipConfiguration: IpConfiguration.optional().describe("Connectivity; unset sub-fields are filled in from Cloud SQL."),
  databaseFlags: z
    .array(DatabaseFlag)
    .max(200)
    .optional()
    .meta({ "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["name"] })
    .describe("Engine flags (a set keyed by name). Unset: flags set elsewhere are left alone; set: exactly these."),
  maintenanceWindow: MaintenanceWindow.optional().describe("When Cloud SQL may restart the instance for maintenance."),
  deletionProtectionEnabled: z.boolean().optional().describe("While true, Cloud SQL refuses to delete the instance; set it to false before deleting the Database."),
  userLabels: z
    .record(z.string().regex(/^[a-z][a-z0-9_-]{0,62}$/), z.string().regex(/^[a-z0-9_-]{0,63}$/))
    .optional()
    .meta({
      maxProperties: 60,
      "x-kubernetes-validations": [{ rule: "self.all(k, !k.startsWith('terraplane-'))", message: "label keys starting with terraplane- (Terraplane's ownership labels) are reserved" }],
    })
    .describe("Labels on the instance. Terraplane adds its own (terraplane-*) and never removes them; labels others add are left alone."),
  adminPasswordSecretRef: SecretKeyRef.optional().describe(
    "Password of the built-in admin user (postgres, root, sqlserver), from a Secret in this namespace. When unset, Terraplane generates one at creation and writes it to the connection Secret (writeConnectionSecretToRef is then required).",
  ),
});
export type DatabaseParameters = z.infer<typeof DatabaseParameters>;

export const DatabaseObservation = z.object({
  state: z.string().optional().describe("The instance's state as Cloud SQL reports it, e.g. RUNNABLE, PENDING_CREATE."),
  connectionName: z.string().optional().describe("project:region:instance, as the Cloud SQL connectors want it."),
  ipAddresses: z
    .array(z.object({ type: z.string().optional(), ipAddress: z.string().optional() }))
    .optional()
    .describe("The instance's addresses (PRIMARY: public, PRIVATE, OUTGOING)."),
  selfLink: z.string().optional(),
  settingsVersion: z.number().int().optional().describe("Cloud SQL's counter of settings changes; every update quotes it."),
  databaseInstalledVersion: z.string().optional().describe("The exact version running, e.g. POSTGRES_16_8."),
  gceZone: z.string().optional().describe("The zone the primary runs in."),
});
export type DatabaseObservation = z.infer<typeof DatabaseObservation>;

const ENGINES = ["POSTGRES", "MYSQL", "SQLSERVER"];

export const forProviderRules: readonly CelRule[] = [
  ...immutableOnceSet(["region", "diskType"], KIND),
  {
    rule: ENGINES.map((e) => `self.databaseVersion.startsWith('${e}_') == oldSelf.databaseVersion.startsWith('${e}_')`).join(" && "),
    message: "the engine of databaseVersion cannot change (only its major version, upwards): create a new Database for another engine",
  },
  {
    rule: "!has(oldSelf.diskSizeGb) || (has(self.diskSizeGb) && self.diskSizeGb >= oldSelf.diskSizeGb)",
    message: "diskSizeGb cannot be reduced or removed: Cloud SQL can only grow a disk (create a new Database and migrate to shrink it)",
  },
  {
    rule: "!has(self.edition) || self.edition != 'ENTERPRISE_PLUS' || self.tier.startsWith('db-perf-optimized-')",
    message: "edition ENTERPRISE_PLUS needs a db-perf-optimized-N-* tier",
  },
  {
    rule: "!has(self.ipConfiguration) || !has(self.ipConfiguration.ipv4Enabled) || self.ipConfiguration.ipv4Enabled || has(self.ipConfiguration.privateNetwork)",
    message: "ipConfiguration: with ipv4Enabled false, set privateNetwork (an instance needs a public or a private IP)",
  },
];

export const databaseKind: ManagedKind<typeof DatabaseParameters, typeof DatabaseObservation> = {
  group: GCP_GROUP,
  version: GCP_VERSION,
  kind: KIND,
  plural: "databases",
  shortNames: ["gcpdb"],
  description: "A Cloud SQL instance (PostgreSQL, MySQL or SQL Server).",
  forProvider: DatabaseParameters,
  atProvider: DatabaseObservation,
  forProviderRules,
  printerColumns: [
    { name: "VERSION", type: "string", jsonPath: ".spec.forProvider.databaseVersion" },
    { name: "TIER", type: "string", jsonPath: ".spec.forProvider.tier" },
    { name: "STATE", type: "string", jsonPath: ".status.atProvider.state" },
    { name: "CONNECTION", type: "string", jsonPath: ".status.atProvider.connectionName", priority: 1 },
  ],
};

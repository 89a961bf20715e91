import { z } from "zod";
import { immutable } from "../../../core/kind.ts";
import type { CelRule, ManagedKind } from "../../../core/kind.ts";
import { AWS_GROUP, AWS_VERSION } from "../provider-config.ts";

// The Database kind: one Amazon RDS DB instance (PostgreSQL, MySQL or MariaDB). forProvider holds
// what the user wants, atProvider what RDS reports. Field names follow the RDS API in camelCase.

export const KIND = "Database";

/** "mon".."sun" in either case, as RDS accepts them (RE2-safe, no flags). */
const DAY = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
  .map((d) => [...d].map((c) => `[${c.toUpperCase()}${c}]`).join(""))
  .join("|");
const HHMM = "([01][0-9]|2[0-3]):[0-5][0-9]";

export const Engine = z.enum(["postgres", "mysql", "mariadb"]);
export type Engine = z.infer<typeof Engine>;

export const StorageType = z.enum(["standard", "gp2", "gp3", "io1", "io2"]);

const SecretKeyRef = z.object({
  name: z.string().min(1).describe("Name of a Secret in the Database's namespace."),
  key: z.string().min(1).describe("Key in the Secret whose value is the password."),
});

export const DatabaseParameters = z.object({
  region: z.string().min(1).optional().describe("AWS region of the DB instance; defaults to the ProviderConfig's region and is then filled in. Immutable once set."),
  engine: Engine.describe("Database engine. Immutable."),
  engineVersion: z
    .string()
    .regex(/^[0-9]+(\.[0-9A-Za-z_-]+)*$/)
    .optional()
    .describe('Engine version; a prefix such as "16" accepts any 16.x (RDS picks the minor version and may upgrade it). Filled in with the major version when unset.'),
  instanceClass: z.string().regex(/^db\.[a-z0-9-]+\.[a-z0-9]+$/).describe("Instance class, e.g. db.t3.micro."),
  allocatedStorage: z.number().int().min(5).max(65536).describe("Storage in GiB. RDS can only grow storage: it cannot be reduced."),
  maxAllocatedStorage: z
    .number()
    .int()
    .min(0)
    .max(65536)
    .optional()
    .describe("Upper limit in GiB for storage autoscaling; 0 turns autoscaling off. While autoscaling is on, RDS may grow allocatedStorage past the spec."),
  storageType: StorageType.optional().describe("Storage type; filled in from RDS when unset."),
  iops: z.number().int().min(0).optional().describe("Provisioned IOPS (io1, io2, gp3)."),
  storageEncrypted: z.boolean().optional().describe("Encrypt storage at rest. Immutable once set."),
  kmsKeyId: z.string().min(1).optional().describe("KMS key for storage encryption (needs storageEncrypted). Immutable once set."),
  multiAZ: z.boolean().optional().describe("Run a standby in another availability zone."),
  publiclyAccessible: z.boolean().optional().describe("Give the instance a publicly resolvable address."),
  dbSubnetGroupName: z.string().min(1).optional().describe("DB subnet group (which VPC and subnets); changing it moves the instance to another VPC."),
  vpcSecurityGroupIds: z
    .array(z.string().regex(/^sg-[0-9a-f]+$/))
    .max(10)
    .optional()
    .meta({ "x-kubernetes-list-type": "set" })
    .describe("VPC security groups (a set: order does not matter); filled in from RDS when unset."),
  backupRetentionPeriod: z.number().int().min(0).max(35).optional().describe("Days to keep automated backups (0 turns them off)."),
  preferredBackupWindow: z
    .string()
    .regex(new RegExp(`^${HHMM}-${HHMM}$`))
    .optional()
    .describe('Daily backup window in UTC, hh24:mi-hh24:mi, e.g. "03:00-03:30"; must not overlap the maintenance window.'),
  preferredMaintenanceWindow: z
    .string()
    .regex(new RegExp(`^(${DAY}):${HHMM}-(${DAY}):${HHMM}$`))
    .optional()
    .describe('Weekly maintenance window in UTC, ddd:hh24:mi-ddd:hh24:mi, e.g. "sun:05:00-sun:05:30".'),
  deletionProtection: z.boolean().optional().describe("While true, RDS refuses to delete the instance; set it to false before deleting the Database."),
  skipFinalSnapshot: z.boolean().optional().describe("Delete without a final snapshot. Either this (true) or finalSnapshotIdentifier is required."),
  finalSnapshotIdentifier: z
    .string()
    .regex(/^[A-Za-z]([A-Za-z0-9]|-[A-Za-z0-9]){0,254}$/)
    .optional()
    .describe("Name of the snapshot RDS takes when the Database is deleted."),
  applyImmediately: z.boolean().optional().describe("Apply changes now instead of in the next maintenance window (default false)."),
  masterUsername: z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,62}$/).describe("Master user name. Immutable."),
  masterPasswordSecretRef: SecretKeyRef.optional().describe(
    "The master password, from a Secret in this namespace. When unset, Terraplane generates one at creation and writes it to the connection Secret (writeConnectionSecretToRef is then required).",
  ),
  parameterGroupName: z.string().min(1).optional().describe("DB parameter group; RDS's default group is used when unset."),
  dbName: z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,62}$/).optional().describe("Name of a database to create with the instance. Immutable once set."),
  port: z.number().int().min(1150).max(65535).optional().describe("Port the engine listens on; filled in from RDS (5432 or 3306) when unset."),
  tags: z
    .record(z.string().min(1).max(128), z.string().max(256))
    .optional()
    .meta({
      maxProperties: 40,
      "x-kubernetes-validations": [
        { rule: "self.all(k, size(k) <= 128)", message: "tag keys are at most 128 characters" },
        { rule: "self.all(k, !k.startsWith('terraplane.dev/') && !k.startsWith('aws:'))", message: "tag keys starting with terraplane.dev/ (Terraplane's ownership tags) or aws: are reserved" },
      ],
    })
    .describe("Tags of the DB instance. Terraplane adds its own ownership tags (terraplane.dev/*) and never removes them; unset: other tags are left alone."),
});
export type DatabaseParameters = z.infer<typeof DatabaseParameters>;

export const DatabaseObservation = z.object({
  arn: z.string().optional().describe("The DB instance's ARN."),
  status: z.string().optional().describe("DBInstanceStatus as RDS reports it, e.g. available, modifying."),
  endpoint: z.object({ address: z.string().optional(), port: z.number().int().optional() }).optional().describe("Where clients connect."),
  resourceId: z.string().optional().describe("The region-unique, immutable DbiResourceId."),
  engineVersion: z.string().optional().describe("The engine version running now."),
  pendingModifications: z
    .record(z.string(), z.string())
    .optional()
    .describe("Changes RDS has accepted but not applied yet (until the maintenance window unless applyImmediately), by forProvider field."),
});
export type DatabaseObservation = z.infer<typeof DatabaseObservation>;

/**
 * Fields that can be set once (by the user, or filled in from the cloud) and never changed after:
 * unlike `immutable()`, going from unset to set is allowed, so late initialisation can fill them.
 */
function setOnce(fields: readonly string[]): CelRule[] {
  return fields.map((f) => ({
    rule: `!has(oldSelf.${f}) || (has(self.${f}) && self.${f} == oldSelf.${f})`,
    message: `${f} is immutable once set: create a new ${KIND} with the new ${f} (and delete this one) instead of changing it`,
  }));
}

export const forProviderRules: readonly CelRule[] = [
  ...immutable(["engine", "masterUsername"], KIND),
  ...setOnce(["region", "storageEncrypted", "kmsKeyId", "dbName"]),
  {
    rule: "self.allocatedStorage >= oldSelf.allocatedStorage",
    message: "allocatedStorage cannot be reduced: RDS can only grow storage (create a new Database and migrate to shrink it)",
  },
  {
    rule: "has(self.skipFinalSnapshot) && self.skipFinalSnapshot ? !has(self.finalSnapshotIdentifier) : has(self.finalSnapshotIdentifier)",
    message: "set finalSnapshotIdentifier (RDS takes that snapshot when the Database is deleted) or skipFinalSnapshot: true to delete without one, but not both",
  },
  {
    rule: "!has(self.maxAllocatedStorage) || self.maxAllocatedStorage == 0 || self.maxAllocatedStorage > self.allocatedStorage",
    message: "maxAllocatedStorage must be greater than allocatedStorage (or 0 to turn storage autoscaling off)",
  },
  {
    rule: "!has(self.kmsKeyId) || (has(self.storageEncrypted) && self.storageEncrypted)",
    message: "kmsKeyId needs storageEncrypted: true",
  },
  {
    rule: "!has(self.storageType) || !(self.storageType == 'io1' || self.storageType == 'io2') || has(self.iops)",
    message: "storageType io1 and io2 need iops",
  },
];

export const databaseKind: ManagedKind<typeof DatabaseParameters, typeof DatabaseObservation> = {
  group: AWS_GROUP,
  version: AWS_VERSION,
  kind: KIND,
  plural: "databases",
  shortNames: ["awsdb"],
  description: "An Amazon RDS DB instance (PostgreSQL, MySQL or MariaDB).",
  forProvider: DatabaseParameters,
  atProvider: DatabaseObservation,
  forProviderRules,
  printerColumns: [
    { name: "ENGINE", type: "string", jsonPath: ".spec.forProvider.engine" },
    { name: "VERSION", type: "string", jsonPath: ".status.atProvider.engineVersion" },
    { name: "CLASS", type: "string", jsonPath: ".spec.forProvider.instanceClass" },
    { name: "STATUS", type: "string", jsonPath: ".status.atProvider.status" },
    { name: "ENDPOINT", type: "string", jsonPath: ".status.atProvider.endpoint.address", priority: 1 },
  ],
};

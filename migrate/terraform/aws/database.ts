import type { z } from "zod";
import { databaseKind, Engine, StorageType } from "../../../providers/aws/database/schema.ts";
import type { DatabaseParameters } from "../../../providers/aws/database/schema.ts";
import { Attrs } from "../attrs.ts";
import { awsRegionOf, defined, Findings, ofTypes } from "../mapping.ts";
import type { ImportContext, LossTable, MappedResource, MapperResult, Skip } from "../mapping.ts";
import type { TfInstance } from "../state.ts";
import { awsTags } from "./tags.ts";

// aws_db_instance → aws Database. The external name is `identifier` — not `id`, which is the
// DbiResourceId since provider v5. forProvider takes what Terraform recorded, in the form
// Terraplane's RDS normalisation compares (lower-case enums, the engine version the user asked
// for, iops only when provisioned), so the first plan shows no difference.

type Params = z.input<typeof DatabaseParameters>;
const TYPE = "aws_db_instance";
const NOT_EXPRESSIBLE = "the aws Database kind cannot express it";

/** Settings RDS keeps that the Database kind has no field for, with the value that means "not used". */
const LOSSES: LossTable = [
  ["iam_database_authentication_enabled", false],
  ["monitoring_interval", 0],
  ["performance_insights_enabled", false],
  ["enabled_cloudwatch_logs_exports", []],
  ["auto_minor_version_upgrade", true],
  ["copy_tags_to_snapshot", false],
  ["character_set_name", ""],
  ["nchar_character_set_name", ""],
  ["timezone", ""],
  ["domain", ""],
  ["customer_owned_ip_enabled", false],
  ["network_type", "IPV4"],
  ["ca_cert_identifier", undefined],
  ["manage_master_user_password", false],
  ["dedicated_log_volume", false],
  ["replicate_source_db", ""],
  ["multi_tenant", false],
  ["delete_automated_backups", true],
  ["storage_throughput", 0],
  ["license_model", undefined],
  ["engine_lifecycle_support", undefined],
];

/** Recorded values that are RDS's defaults when not set (the loss table then ignores them). */
function expectedDefaults(a: Attrs): Record<string, unknown> {
  const engine = a.str("engine");
  return {
    ca_cert_identifier: a.str("ca_cert_identifier")?.startsWith("rds-ca-") ? a.get("ca_cert_identifier") : "",
    license_model: engine === "postgres" ? "postgresql-license" : "general-public-license",
    engine_lifecycle_support: "open-source-rds-extended-support",
    // gp3's baseline throughput is recorded though nobody set it.
    storage_throughput: a.str("storage_type") === "gp3" ? a.get("storage_throughput") : 0,
  };
}

function missingRequired(a: Attrs): string[] {
  return [
    ["engine", a.str("engine")],
    ["instance_class", a.str("instance_class")],
    ["allocated_storage", a.int("allocated_storage")],
    ["username", a.str("username")],
  ]
    .filter(([, v]) => v === undefined)
    .map(([k]) => String(k));
}

function skipReason(a: Attrs): string | undefined {
  if (a.str("replicate_source_db")) return "a read replica: the aws Database kind manages primary instances only";
  const missing = missingRequired(a);
  if (missing.length > 0) return `missing ${missing.join(", ")} (a trimmed or partial state?): the Database kind requires them`;
  if (!Engine.safeParse(a.str("engine")).success) return `engine "${a.str("engine")}" is not supported by the aws Database kind (postgres, mysql, mariadb)`;
  return undefined;
}

/** skipFinalSnapshot or finalSnapshotIdentifier, as the kind's rule wants exactly one. */
function snapshotOnDelete(inst: TfInstance, a: Attrs, identifier: string, f: Findings): Pick<Params, "skipFinalSnapshot" | "finalSnapshotIdentifier"> {
  const finalId = a.str("final_snapshot_identifier");
  if (a.bool("skip_final_snapshot") === true) {
    f.note(`${inst.address}: skip_final_snapshot (a Terraform delete-time setting) is carried over as skipFinalSnapshot: true; with deletionPolicy Orphan nothing is deleted either way`);
    return { skipFinalSnapshot: true };
  }
  if (finalId) return { finalSnapshotIdentifier: finalId };
  const chosen = `${identifier}-final`.replace(/-{2,}/g, "-");
  f.note(`${inst.address}: no final_snapshot_identifier in the state; finalSnapshotIdentifier set to "${chosen}" (the kind needs one unless skipFinalSnapshot is true)`);
  return { finalSnapshotIdentifier: chosen };
}

function storage(a: Attrs): Pick<Params, "allocatedStorage" | "maxAllocatedStorage" | "storageType" | "iops" | "storageEncrypted" | "kmsKeyId"> {
  const storageType = StorageType.safeParse(a.str("storage_type")?.toLowerCase());
  const iops = a.int("iops");
  const encrypted = a.bool("storage_encrypted");
  return defined({
    allocatedStorage: a.int("allocated_storage") ?? 0,
    maxAllocatedStorage: a.int("max_allocated_storage"),
    storageType: storageType.success ? storageType.data : undefined,
    // 0 means "not provisioned": RDS reports no Iops then, and a 0 in spec would differ.
    iops: iops !== undefined && iops > 0 ? iops : undefined,
    storageEncrypted: encrypted,
    kmsKeyId: encrypted ? a.str("kms_key_id") : undefined,
  });
}

function network(a: Attrs): Pick<Params, "multiAZ" | "publiclyAccessible" | "dbSubnetGroupName" | "vpcSecurityGroupIds" | "port"> {
  const groups = a.strings("vpc_security_group_ids").sort();
  return defined({
    multiAZ: a.bool("multi_az"),
    publiclyAccessible: a.bool("publicly_accessible"),
    dbSubnetGroupName: a.str("db_subnet_group_name")?.toLowerCase(),
    vpcSecurityGroupIds: groups.length > 0 ? groups : undefined,
    port: a.int("port"),
  });
}

function maintenance(a: Attrs): Pick<Params, "backupRetentionPeriod" | "preferredBackupWindow" | "preferredMaintenanceWindow" | "deletionProtection" | "parameterGroupName" | "applyImmediately"> {
  const group = a.str("parameter_group_name");
  return defined({
    backupRetentionPeriod: a.int("backup_retention_period"),
    preferredBackupWindow: a.str("backup_window"),
    preferredMaintenanceWindow: a.str("maintenance_window")?.toLowerCase(),
    deletionProtection: a.bool("deletion_protection"),
    // RDS's default group follows the engine version; Terraplane never pins it (it would block upgrades).
    parameterGroupName: group && !group.startsWith("default.") ? group.toLowerCase() : undefined,
    applyImmediately: a.bool("apply_immediately") === true ? true : undefined,
  });
}

function password(inst: TfInstance, a: Attrs, f: Findings): void {
  if (a.bool("manage_master_user_password") === true) {
    f.drop(inst.address, "manage_master_user_password", "RDS-managed master password (Secrets Manager): the aws Database kind takes the password from a Kubernetes Secret");
    return;
  }
  const attribute = a.get("password") !== null && a.get("password") !== undefined ? "password" : a.get("password_wo_version") ? "password_wo" : undefined;
  if (attribute) f.secret({ address: inst.address, attribute, field: "masterPasswordSecretRef", key: "password" });
}

/** The database created with the instance: `db_name` (provider v4+) or `name` (v3 and older). */
function dbNameOf(inst: TfInstance, a: Attrs, f: Findings): string | undefined {
  const dbName = a.str("db_name") ?? a.str("name");
  if (dbName === undefined || /^[A-Za-z][A-Za-z0-9_]{0,62}$/.test(dbName)) return dbName;
  f.drop(inst.address, "db_name", "it does not fit the kind's dbName pattern");
  return undefined;
}

function otherLosses(inst: TfInstance, a: Attrs, f: Findings): void {
  const defaults = expectedDefaults(a);
  f.dropNonDefault(inst, LOSSES.map(([p, d]) => [p, p in defaults ? defaults[p] : d] as const), NOT_EXPRESSIBLE);
  const optionGroup = a.str("option_group_name");
  if (optionGroup && !optionGroup.startsWith("default:")) f.drop(inst.address, "option_group_name", NOT_EXPRESSIBLE);
  if (a.str("availability_zone") && a.bool("multi_az") !== true) f.note(`${inst.address}: availability_zone ${a.str("availability_zone")} is where RDS placed the instance; the kind does not pin it`);
}

function mapOne(inst: TfInstance): MappedResource {
  const a = new Attrs(inst.attributes);
  const f = new Findings();
  // Provider v3 and older: id is the identifier; v5+: id is the DbiResourceId and the name is `identifier`.
  const identifier = a.str("identifier") ?? a.str("id") ?? inst.name;
  const engine = Engine.parse(a.str("engine"));
  const params: Params = defined({
    region: awsRegionOf(a),
    engine,
    engineVersion: a.str("engine_version"),
    instanceClass: (a.str("instance_class") ?? "").toLowerCase(),
    masterUsername: a.str("username") ?? "",
    dbName: dbNameOf(inst, a, f),
    ...storage(a),
    ...network(a),
    ...maintenance(a),
    ...snapshotOnDelete(inst, a, identifier, f),
    tags: awsTags(inst, a, f, ["aws:"]),
  });
  otherLosses(inst, a, f);
  password(inst, a, f);
  return { kind: databaseKind, primary: inst, addresses: [inst.address], externalName: identifier, forProvider: params, ...f };
}

export function mapAwsDatabases(ctx: ImportContext): MapperResult {
  const mapped: MappedResource[] = [];
  const skipped: Skip[] = [];
  const claimed = new Set<string>();
  for (const inst of ofTypes(ctx, [TYPE])) {
    claimed.add(inst.address);
    const reason = skipReason(new Attrs(inst.attributes));
    if (reason) skipped.push({ address: inst.address, type: inst.type, reason });
    else mapped.push(mapOne(inst));
  }
  return { mapped, skipped, claimed };
}

import type { z } from "zod";
import { AvailabilityType, databaseKind, DatabaseVersion, DiskType, Edition } from "../../../providers/gcp/database/schema.ts";
import type { BackupConfiguration, DatabaseParameters, IpConfiguration } from "../../../providers/gcp/database/schema.ts";
import { Attrs } from "../attrs.ts";
import { defined, Findings, ofTypes } from "../mapping.ts";
import type { ImportContext, LossTable, MappedResource, MapperResult, Skip } from "../mapping.ts";
import type { TfInstance } from "../state.ts";

// google_sql_database_instance → gcp Database, named by the instance's name. The top-level
// deletion_protection is Terraform's own guard (it refuses `terraform destroy`), not a Cloud SQL
// setting: the cloud's is settings.deletion_protection_enabled, which is what is carried over.

type Params = z.input<typeof DatabaseParameters>;
const NOT_EXPRESSIBLE = "the gcp Database kind cannot express it";

const SETTINGS_LOSSES: LossTable = [
  ["activation_policy", "ALWAYS"],
  ["pricing_plan", "PER_USE"],
  ["insights_config.0.query_insights_enabled", false],
  ["data_cache_config.0.data_cache_enabled", false],
  ["active_directory_config", []],
  ["collation", ""],
  ["time_zone", ""],
  ["connector_enforcement", "NOT_REQUIRED"],
  ["deny_maintenance_period", []],
  ["password_validation_policy", []],
  ["sql_server_audit_config", []],
  ["advanced_machine_features", []],
  ["disk_autoresize_limit", 0],
  ["backup_configuration.0.location", ""],
  ["ip_configuration.0.require_ssl", false],
  ["ip_configuration.0.allocated_ip_range", ""],
  ["ip_configuration.0.psc_config", []],
  ["ip_configuration.0.enable_private_path_for_google_cloud_services", false],
  ["maintenance_window.0.update_track", ""],
  ["location_preference.0.secondary_zone", ""],
];

const INSTANCE_LOSSES: LossTable = [
  ["encryption_key_name", ""],
  ["master_instance_name", ""],
  ["replica_configuration", []],
  ["clone", []],
  ["restore_backup_context", []],
];

function pick<T>(schema: z.ZodType<T>, v: unknown): T | undefined {
  const parsed = schema.safeParse(v);
  return parsed.success ? parsed.data : undefined;
}

/**
 * A flag of another engine (PITR is PostgreSQL's, binary logs MySQL's): Terraform records false
 * where Cloud SQL says nothing, so only true is carried over.
 */
function otherEngines(value: boolean | undefined, relevant: boolean): boolean | undefined {
  return relevant || value === true ? value : undefined;
}

function backups(s: Attrs, databaseVersion: string): z.input<typeof BackupConfiguration> | undefined {
  const b = s.block("backup_configuration");
  if (!b) return undefined;
  const retention = b.block("backup_retention_settings");
  const start = b.str("start_time");
  const logDays = b.int("transaction_log_retention_days");
  return defined({
    enabled: b.bool("enabled"),
    startTime: start && /^([01][0-9]|2[0-3]):[0-5][0-9]$/.test(start) ? start : undefined,
    pointInTimeRecoveryEnabled: otherEngines(b.bool("point_in_time_recovery_enabled"), !databaseVersion.startsWith("MYSQL_")),
    binaryLogEnabled: otherEngines(b.bool("binary_log_enabled"), databaseVersion.startsWith("MYSQL_")),
    transactionLogRetentionDays: logDays !== undefined && logDays >= 1 && logDays <= 35 ? logDays : undefined,
    retainedBackups: retention?.str("retention_unit") === "COUNT" ? retention.int("retained_backups") : undefined,
  });
}

function ipConfiguration(inst: TfInstance, s: Attrs, f: Findings): z.input<typeof IpConfiguration> | undefined {
  const ip = s.block("ip_configuration");
  if (!ip) return undefined;
  const networks = ip.blocks("authorized_networks").flatMap((n) => {
    if (n.str("expiration_time")) f.drop(inst.address, "settings.0.ip_configuration.0.authorized_networks.expiration_time", NOT_EXPRESSIBLE);
    const value = n.str("value");
    return value ? [defined({ value, name: n.str("name") })] : [];
  });
  const sslMode = ip.str("ssl_mode");
  if (sslMode && sslMode !== "ALLOW_UNENCRYPTED_AND_ENCRYPTED") f.drop(inst.address, "settings.0.ip_configuration.0.ssl_mode", NOT_EXPRESSIBLE);
  return defined({
    ipv4Enabled: ip.bool("ipv4_enabled"),
    privateNetwork: ip.str("private_network"),
    authorizedNetworks: networks.length > 0 ? networks.sort((x, y) => (x.value < y.value ? -1 : x.value > y.value ? 1 : 0)) : undefined,
  });
}

function labels(inst: TfInstance, s: Attrs, f: Findings): Record<string, string> | undefined {
  const all = s.map("user_labels") ?? {};
  const kept = Object.fromEntries(Object.entries(all).filter(([k]) => !k.startsWith("terraplane-")));
  for (const k of Object.keys(all)) if (!(k in kept)) f.drop(inst.address, `settings.0.user_labels.${k}`, "a label key Terraplane reserves");
  return Object.keys(kept).length > 0 ? kept : undefined;
}

function settingsParams(inst: TfInstance, s: Attrs, f: Findings, databaseVersion: string): Omit<Params, "databaseVersion" | "region" | "adminPasswordSecretRef"> {
  const window = s.block("maintenance_window");
  const flags = s.blocks("database_flags").flatMap((fl) => (fl.str("name") ? [{ name: fl.str("name") ?? "", value: fl.str("value") ?? "" }] : []));
  const size = s.int("disk_size");
  return defined({
    tier: s.str("tier") ?? "",
    edition: pick(Edition, s.str("edition")),
    diskSizeGb: size !== undefined && size >= 10 ? size : undefined,
    diskType: pick(DiskType, s.str("disk_type")),
    diskAutoresize: s.bool("disk_autoresize"),
    availabilityType: pick(AvailabilityType, s.str("availability_type")),
    backupConfiguration: backups(s, databaseVersion),
    ipConfiguration: ipConfiguration(inst, s, f),
    databaseFlags: flags.length > 0 ? flags : undefined,
    maintenanceWindow: window && window.int("day") !== undefined && window.int("hour") !== undefined ? { day: window.int("day") ?? 0, hour: window.int("hour") ?? 0 } : undefined,
    deletionProtectionEnabled: s.bool("deletion_protection_enabled"),
    userLabels: labels(inst, s, f),
  });
}

function skipReason(a: Attrs): string | undefined {
  if (a.str("master_instance_name")) return "a read replica: the gcp Database kind manages primary instances only";
  if (!pick(DatabaseVersion, a.str("database_version"))) return `database_version ${a.str("database_version") ?? "(none)"} is not one the gcp Database kind accepts`;
  if (!a.block("settings")?.str("tier")) return "no settings.tier recorded (a trimmed or partial state?): the Database kind requires it";
  return undefined;
}

function mapOne(inst: TfInstance): MappedResource {
  const a = new Attrs(inst.attributes);
  const s = a.block("settings") ?? new Attrs({});
  const f = new Findings();
  f.dropNonDefault(inst, INSTANCE_LOSSES, NOT_EXPRESSIBLE);
  f.dropNonDefault(inst, SETTINGS_LOSSES.map(([p, d]) => [`settings.0.${p}`, d] as const), NOT_EXPRESSIBLE);
  if (a.bool("deletion_protection") !== undefined) {
    f.note(`${inst.address}: deletion_protection = ${String(a.bool("deletion_protection"))} is Terraform's own guard, not a Cloud SQL setting; not carried over (the Cloud SQL one is settings.deletion_protection_enabled)`);
  }
  if (a.get("root_password") !== null && a.get("root_password") !== undefined) f.secret({ address: inst.address, attribute: "root_password", field: "adminPasswordSecretRef", key: "password" });
  const params: Params = defined({ region: a.str("region"), databaseVersion: a.str("database_version") ?? "", ...settingsParams(inst, s, f, a.str("database_version") ?? "") });
  return { kind: databaseKind, primary: inst, addresses: [inst.address], externalName: a.str("name") ?? inst.name, forProvider: params, ...f };
}

export function mapGcpDatabases(ctx: ImportContext): MapperResult {
  const mapped: MappedResource[] = [];
  const skipped: Skip[] = [];
  const instances = ofTypes(ctx, ["google_sql_database_instance"]);
  for (const inst of instances) {
    const reason = skipReason(new Attrs(inst.attributes));
    if (reason) skipped.push({ address: inst.address, type: inst.type, reason });
    else mapped.push(mapOne(inst));
  }
  return { mapped, skipped, claimed: new Set(instances.map((i) => i.address)) };
}

import type { DBInstance } from "@aws-sdk/client-rds";
import type { DistributionConfig } from "@aws-sdk/client-cloudfront";
import { protos } from "@google-cloud/sql";
import { describe, expect, it } from "vitest";
import { diffCdn, fromDistributionConfig } from "../../providers/aws/cdn/normalize.ts";
import { CdnParameters, PRICE_CLASSES } from "../../providers/aws/cdn/schema.ts";
import { currentParameters, diffParameters as diffRds } from "../../providers/aws/database/normalize.ts";
import { DatabaseParameters as RdsParameters } from "../../providers/aws/database/schema.ts";
import { diffParameters as diffSql, observedParameters } from "../../providers/gcp/database/normalize.ts";
import type { Instance } from "../../providers/gcp/database/normalize.ts";
import { DatabaseParameters as SqlParameters } from "../../providers/gcp/database/schema.ts";
import { fixture } from "./_fixtures.ts";
import { Attrs, isRecord } from "./attrs.ts";
import { importTerraform } from "./import.ts";
import type { Manifest } from "./manifest.ts";
import { readState } from "./state.ts";

// The point of the import: the first plan shows no difference. Each manifest's forProvider is put
// through the provider's own comparison (the normalize.ts Terraplane reconciles with) against the
// cloud's answer for the same resource — rebuilt from the recorded attributes the way the cloud API
// reports them (Terraform's state is a flattened copy of that answer: e.g. RDS's EngineVersion is
// engine_version_actual, not the engine_version the user typed).

const OPTS = { namespace: undefined, providerConfig: { kind: "ClusterProviderConfig", name: "default" } } as const;

function pairs(file: string, type: string, kind: string): { manifest: Manifest; attrs: Attrs }[] {
  const state = readState(fixture(file), file);
  const result = importTerraform(fixture(file), file, OPTS);
  return result.manifests
    .filter((m) => m.kind === kind && m.apiVersion.startsWith(type.startsWith("aws_") ? "aws." : "gcp."))
    .map((manifest) => {
      const address = (JSON.parse(manifest.metadata.annotations["terraplane.dev/terraform-addresses"] ?? "[]") as string[])[0];
      const inst = state.instances.find((i) => i.address === address && i.type === type);
      if (!inst) throw new Error(`${file}: no ${type} at ${address}`);
      return { manifest, attrs: new Attrs(inst.attributes) };
    });
}

/** DescribeDBInstances' answer for the instance Terraform recorded. */
function rdsView(a: Attrs): DBInstance {
  return {
    DBInstanceIdentifier: a.str("identifier"),
    Engine: a.str("engine"),
    EngineVersion: a.str("engine_version_actual") ?? a.str("engine_version"),
    DBInstanceClass: a.str("instance_class"),
    AllocatedStorage: a.int("allocated_storage"),
    MaxAllocatedStorage: a.int("max_allocated_storage") || undefined,
    StorageType: a.str("storage_type"),
    Iops: a.int("iops") || undefined,
    StorageEncrypted: a.bool("storage_encrypted"),
    KmsKeyId: a.str("kms_key_id"),
    MultiAZ: a.bool("multi_az"),
    PubliclyAccessible: a.bool("publicly_accessible"),
    DBSubnetGroup: { DBSubnetGroupName: a.str("db_subnet_group_name") },
    VpcSecurityGroups: a.strings("vpc_security_group_ids").map((id) => ({ VpcSecurityGroupId: id, Status: "active" })),
    BackupRetentionPeriod: a.int("backup_retention_period"),
    PreferredBackupWindow: a.str("backup_window"),
    PreferredMaintenanceWindow: a.str("maintenance_window")?.toLowerCase(),
    DeletionProtection: a.bool("deletion_protection"),
    DBParameterGroups: [{ DBParameterGroupName: a.str("parameter_group_name") }],
    Endpoint: { Address: a.str("address"), Port: a.int("port") },
    DBName: a.str("db_name") ?? a.str("name"),
    MasterUsername: a.str("username"),
    TagList: Object.entries(a.map("tags_all") ?? a.map("tags") ?? {}).map(([Key, Value]) => ({ Key, Value })),
  };
}

const v1 = protos.google.cloud.sql.v1;

/** A proto enum's number for a name (the clients accept either; normalize reads both). */
function enumOf(values: Readonly<Record<string, string | number>>, name: string | undefined): number | undefined {
  const v = name === undefined ? undefined : values[name];
  return typeof v === "number" ? v : undefined;
}

const forProviderOf = (m: Manifest): Record<string, unknown> => (isRecord(m.spec.forProvider) ? m.spec.forProvider : {});

/** instances.get's answer for the instance Terraform recorded. */
function sqlView(a: Attrs): Instance {
  const s = a.block("settings") ?? new Attrs({});
  const b = s.block("backup_configuration");
  const ip = s.block("ip_configuration");
  const mw = s.block("maintenance_window");
  const wrap = <T>(v: T | undefined): { value: T } | undefined => (v === undefined ? undefined : { value: v });
  return {
    name: a.str("name"),
    region: a.str("region"),
    databaseVersion: enumOf(v1.SqlDatabaseVersion, a.str("database_version")),
    settings: {
      tier: s.str("tier"),
      edition: enumOf(v1.Settings.Edition, s.str("edition")),
      dataDiskSizeGb: wrap(s.int("disk_size")),
      dataDiskType: enumOf(v1.SqlDataDiskType, s.str("disk_type")),
      storageAutoResize: wrap(s.bool("disk_autoresize")),
      availabilityType: enumOf(v1.SqlAvailabilityType, s.str("availability_type")),
      deletionProtectionEnabled: wrap(s.bool("deletion_protection_enabled")),
      userLabels: s.map("user_labels"),
      databaseFlags: s.blocks("database_flags").map((f) => ({ name: f.str("name"), value: f.str("value") })),
      maintenanceWindow: mw ? { day: wrap(mw.int("day")), hour: wrap(mw.int("hour")) } : undefined,
      backupConfiguration: b && {
        enabled: wrap(b.bool("enabled")),
        startTime: b.str("start_time"),
        // Cloud SQL reports each engine's own log flag only (the provider flattens absent to false).
        ...(a.str("database_version")?.startsWith("MYSQL_") ? { binaryLogEnabled: wrap(b.bool("binary_log_enabled")) } : { pointInTimeRecoveryEnabled: wrap(b.bool("point_in_time_recovery_enabled")) }),
        transactionLogRetentionDays: wrap(b.int("transaction_log_retention_days")),
        backupRetentionSettings: { retainedBackups: wrap(b.block("backup_retention_settings")?.int("retained_backups")) },
      },
      ipConfiguration: ip && {
        ipv4Enabled: wrap(ip.bool("ipv4_enabled")),
        privateNetwork: ip.str("private_network"),
        authorizedNetworks: ip.blocks("authorized_networks").map((n) => ({ value: n.str("value"), name: n.str("name") })),
      },
    },
  };
}

const items = <T>(list: T[]): { Quantity: number; Items: T[] } => ({ Quantity: list.length, Items: list });

/** GetDistributionConfig's answer for the distribution Terraform recorded. */
function cloudFrontView(a: Attrs): DistributionConfig {
  const b = a.block("default_cache_behavior") ?? new Attrs({});
  const cert = a.block("viewer_certificate");
  const log = a.block("logging_config");
  return {
    CallerReference: a.str("caller_reference"),
    Comment: a.str("comment") ?? "",
    Enabled: a.bool("enabled") ?? false,
    PriceClass: PRICE_CLASSES.find((c) => c === a.str("price_class")),
    Aliases: items(a.strings("aliases")),
    Origins: items(
      a.blocks("origin").map((o) => {
        const c = o.block("custom_origin_config");
        return {
          Id: o.str("origin_id"),
          DomainName: o.str("domain_name"),
          OriginPath: o.str("origin_path") ?? "",
          ...(c
            ? { CustomOriginConfig: { HTTPPort: c.int("http_port"), HTTPSPort: c.int("https_port"), OriginProtocolPolicy: c.str("origin_protocol_policy") as "https-only", OriginSslProtocols: items(c.strings("origin_ssl_protocols") as "TLSv1.2"[]) } }
            : { S3OriginConfig: { OriginAccessIdentity: o.block("s3_origin_config")?.str("origin_access_identity") ?? "" } }),
        };
      }),
    ),
    DefaultCacheBehavior: {
      TargetOriginId: b.str("target_origin_id"),
      ViewerProtocolPolicy: b.str("viewer_protocol_policy") as "allow-all",
      AllowedMethods: { ...items(b.strings("allowed_methods") as "GET"[]), CachedMethods: items(b.strings("cached_methods") as "GET"[]) },
      Compress: b.bool("compress"),
      CachePolicyId: b.str("cache_policy_id") ?? "",
      MinTTL: b.int("min_ttl"),
      DefaultTTL: b.int("default_ttl"),
      MaxTTL: b.int("max_ttl"),
    },
    ViewerCertificate: {
      CloudFrontDefaultCertificate: cert?.bool("cloudfront_default_certificate"),
      ACMCertificateArn: cert?.str("acm_certificate_arn"),
      SSLSupportMethod: cert?.str("ssl_support_method") as "sni-only" | undefined,
      MinimumProtocolVersion: cert?.str("minimum_protocol_version") as "TLSv1" | undefined,
    },
    Logging: log ? { Enabled: true, Bucket: log.str("bucket"), Prefix: log.str("prefix") ?? "", IncludeCookies: log.bool("include_cookies") ?? false } : { Enabled: false, Bucket: "", Prefix: "", IncludeCookies: false },
  };
}

describe("the first plan is zero-diff: forProvider against the provider's own comparison", () => {
  const rds = ["anzam-rds.tfstate", "driftctl-aws_db_instance.tfstate", "aws-provider-v6.tfstate"].flatMap((f) => pairs(f, "aws_db_instance", "Database").map((p) => [`${f} ${p.manifest.metadata.name}`, p] as const));
  it.each(rds)("aws Database %s", (_n, { manifest, attrs }) => {
    const desired = RdsParameters.parse(manifest.spec.forProvider);
    expect(diffRds(desired, currentParameters(rdsView(attrs)))).toEqual([]);
  });

  const sql = ["arulmanoharan-cloudsql-private-ip.tfstate", "subbachaudhary-cloudsql.tfstate", "driftctl-google_sql_database_instance.tfstate", "google-provider-v6.tfstate"].flatMap((f) =>
    pairs(f, "google_sql_database_instance", "Database").map((p) => [`${f} ${p.manifest.metadata.name}`, p] as const),
  );
  it.each(sql)("gcp Database %s", (_n, { manifest, attrs }) => {
    const desired = SqlParameters.parse(manifest.spec.forProvider);
    expect(diffSql(desired, observedParameters(sqlView(attrs)))).toEqual([]);
  });

  const cdn = ["anzam-cdn.tfstate", "driftctl-aws_cloudfront_distribution.tfstate", "aws-provider-v6.tfstate"].flatMap((f) =>
    pairs(f, "aws_cloudfront_distribution", "CDN").map((p) => [`${f} ${p.manifest.metadata.name}`, p] as const),
  );
  it.each(cdn)("aws CDN %s", (_n, { manifest, attrs }) => {
    const desired = CdnParameters.parse(manifest.spec.forProvider);
    const tags = attrs.map("tags_all") ?? attrs.map("tags") ?? {};
    expect(diffCdn(desired, fromDistributionConfig(cloudFrontView(attrs)), tags)).toEqual([]);
  });

  it("the comparison is not blind: a spec that disagrees with the cloud shows a diff", () => {
    const [db] = pairs("anzam-rds.tfstate", "aws_db_instance", "Database");
    const [inst] = pairs("arulmanoharan-cloudsql-private-ip.tfstate", "google_sql_database_instance", "Database");
    const [dist] = pairs("anzam-cdn.tfstate", "aws_cloudfront_distribution", "CDN");
    if (!db || !inst || !dist) throw new Error("fixtures changed");
    expect(diffRds(RdsParameters.parse({ ...forProviderOf(db.manifest), iops: 0 }), currentParameters(rdsView(db.attrs))).map((d) => d.path)).toEqual(["iops"]);
    expect(diffSql(SqlParameters.parse({ ...forProviderOf(inst.manifest), tier: "db-g1-small" }), observedParameters(sqlView(inst.attrs))).map((d) => d.path)).toEqual(["tier"]);
    expect(diffCdn(CdnParameters.parse({ ...forProviderOf(dist.manifest), priceClass: "PriceClass_100" }), fromDistributionConfig(cloudFrontView(dist.attrs)), {}).map((d) => d.path)).toEqual(["priceClass"]);
  });
});

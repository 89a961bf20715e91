import { CreateDistributionWithTagsCommand } from "@aws-sdk/client-cloudfront";
import type { CloudFrontClient, Distribution } from "@aws-sdk/client-cloudfront";
import { CreateDBInstanceCommand } from "@aws-sdk/client-rds";
import type { DBInstance, RDSClient } from "@aws-sdk/client-rds";
import type { protos } from "@google-cloud/sql";
import type { v1 as sqlV1 } from "@google-cloud/sql";

// Cloud resources made the way Terraform's providers make them (the official SDKs), and the state
// Terraform writes about them: v4 state, attribute names and shapes of terraform-provider-aws v5
// and google v5 (compare /work/shared/tfstate-fixtures/anzam-rds.tfstate, anzam-cdn.tfstate,
// subbachaudhary-cloudsql.tfstate). Used by test/terraform-migration.test.ts and to produce the
// real output in docs/guides/terraform-migration.md. No vitest here: plain clients in, data out.

export const GCP_REGION = "europe-west1";

/** The Cloud SQL Admin clients this needs (test/harness/gcp.ts sqlClients makes them). */
export interface SqlClients {
  readonly instances: sqlV1.SqlInstancesServiceClient;
  readonly operations: sqlV1.SqlOperationsServiceClient;
}

async function waitForOperation(sql: SqlClients, project: string, operation: string): Promise<void> {
  for (let i = 0; i < 600; i++) {
    const [op] = await sql.operations.get({ project, operation });
    if (op.status === "DONE") return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`operation ${operation} not DONE after 30s`);
}

export async function createRds(rds: RDSClient, id: string): Promise<DBInstance> {
  const out = await rds.send(
    new CreateDBInstanceCommand({
      DBInstanceIdentifier: id,
      Engine: "postgres",
      EngineVersion: "16.3",
      DBInstanceClass: "db.t3.micro",
      AllocatedStorage: 20,
      StorageType: "gp2",
      MasterUsername: "app",
      MasterUserPassword: "tf-made-password-1",
      DBName: "orders",
      BackupRetentionPeriod: 7,
      PreferredBackupWindow: "03:00-03:30",
      PreferredMaintenanceWindow: "sun:05:00-sun:05:30",
      MultiAZ: false,
      PubliclyAccessible: false,
      Tags: [{ Key: "team", Value: "orders" }],
    }),
  );
  if (!out.DBInstance) throw new Error("CreateDBInstance returned no instance");
  return out.DBInstance;
}

export async function createDistribution(cf: CloudFrontClient, ref: string): Promise<Distribution> {
  const out = await cf.send(
    new CreateDistributionWithTagsCommand({
      DistributionConfigWithTags: {
        Tags: { Items: [{ Key: "team", Value: "edge" }] },
        DistributionConfig: {
          CallerReference: ref,
          Comment: "made by terraform",
          Enabled: true,
          PriceClass: "PriceClass_100",
          HttpVersion: "http2",
          IsIPV6Enabled: false,
          Origins: { Quantity: 1, Items: [{ Id: "web", DomainName: "origin.example.com", ConnectionAttempts: 3, ConnectionTimeout: 10, CustomOriginConfig: { HTTPPort: 80, HTTPSPort: 443, OriginProtocolPolicy: "https-only", OriginSslProtocols: { Quantity: 1, Items: ["TLSv1.2"] }, OriginKeepaliveTimeout: 5, OriginReadTimeout: 30 } }] },
          DefaultCacheBehavior: {
            TargetOriginId: "web",
            ViewerProtocolPolicy: "redirect-to-https",
            CachePolicyId: "658327ea-f89d-4fab-a63d-7e88639e58f6",
            AllowedMethods: { Quantity: 2, Items: ["GET", "HEAD"], CachedMethods: { Quantity: 2, Items: ["GET", "HEAD"] } },
            Compress: true,
          },
          ViewerCertificate: { CloudFrontDefaultCertificate: true, MinimumProtocolVersion: "TLSv1" },
          Restrictions: { GeoRestriction: { RestrictionType: "none", Quantity: 0 } },
        },
      },
    }),
  );
  if (!out.Distribution) throw new Error("CreateDistributionWithTags returned no distribution");
  return out.Distribution;
}

export type SqlInstance = protos.google.cloud.sql.v1.IDatabaseInstance;

export async function createCloudSql(sql: SqlClients, project: string, name: string): Promise<SqlInstance> {
  const [op] = await sql.instances.insert({
    project,
    body: { name, databaseVersion: "POSTGRES_15", region: GCP_REGION, settings: { tier: "db-custom-1-3840", availabilityType: "ZONAL", userLabels: { team: "data" }, backupConfiguration: { enabled: { value: true }, startTime: "02:00" } } },
  });
  await waitForOperation(sql, project, op.name ?? "");
  const [inst] = await sql.instances.get({ project, instance: name }, {});
  return inst;
}


export const AWS = 'provider["registry.terraform.io/hashicorp/aws"]';
export const GOOGLE = 'provider["registry.terraform.io/hashicorp/google"]';

export function rdsAttributes(db: DBInstance): Record<string, unknown> {
  return {
    address: db.Endpoint?.Address ?? "",
    allocated_storage: db.AllocatedStorage,
    allow_major_version_upgrade: null,
    apply_immediately: false,
    arn: db.DBInstanceArn,
    auto_minor_version_upgrade: db.AutoMinorVersionUpgrade ?? true,
    availability_zone: db.AvailabilityZone,
    backup_retention_period: db.BackupRetentionPeriod,
    backup_target: "region",
    backup_window: db.PreferredBackupWindow,
    blue_green_update: [],
    ca_cert_identifier: db.CACertificateIdentifier ?? "rds-ca-rsa2048-g1",
    character_set_name: "",
    copy_tags_to_snapshot: false,
    customer_owned_ip_enabled: false,
    db_name: db.DBName,
    db_subnet_group_name: db.DBSubnetGroup?.DBSubnetGroupName ?? "",
    dedicated_log_volume: false,
    delete_automated_backups: true,
    deletion_protection: db.DeletionProtection ?? false,
    domain: "",
    enabled_cloudwatch_logs_exports: null,
    endpoint: `${db.Endpoint?.Address ?? ""}:${db.Endpoint?.Port ?? 5432}`,
    engine: db.Engine,
    engine_lifecycle_support: "open-source-rds-extended-support",
    engine_version: db.EngineVersion,
    engine_version_actual: db.EngineVersion,
    final_snapshot_identifier: null,
    iam_database_authentication_enabled: false,
    id: db.DbiResourceId,
    identifier: db.DBInstanceIdentifier,
    identifier_prefix: "",
    instance_class: db.DBInstanceClass,
    iops: 0,
    kms_key_id: "",
    license_model: "postgresql-license",
    maintenance_window: db.PreferredMaintenanceWindow,
    manage_master_user_password: null,
    master_user_secret: [],
    max_allocated_storage: 0,
    monitoring_interval: 0,
    multi_az: db.MultiAZ ?? false,
    nchar_character_set_name: "",
    network_type: "IPV4",
    parameter_group_name: db.DBParameterGroups?.[0]?.DBParameterGroupName ?? "default.postgres16",
    password: "tf-made-password-1",
    performance_insights_enabled: false,
    port: db.Endpoint?.Port ?? 5432,
    publicly_accessible: db.PubliclyAccessible ?? false,
    replicate_source_db: "",
    resource_id: db.DbiResourceId,
    skip_final_snapshot: true,
    status: "available",
    storage_encrypted: db.StorageEncrypted ?? false,
    storage_throughput: 0,
    storage_type: db.StorageType,
    tags: { team: "orders" },
    tags_all: { team: "orders" },
    timeouts: null,
    timezone: "",
    username: db.MasterUsername,
    vpc_security_group_ids: (db.VpcSecurityGroups ?? []).map((g) => g.VpcSecurityGroupId ?? ""),
  };
}

export function distributionAttributes(d: Distribution, ref: string): Record<string, unknown> {
  return {
    aliases: null,
    arn: d.ARN,
    caller_reference: ref,
    comment: "made by terraform",
    continuous_deployment_policy_id: "",
    custom_error_response: [],
    default_cache_behavior: [
      {
        allowed_methods: ["GET", "HEAD"],
        cache_policy_id: "658327ea-f89d-4fab-a63d-7e88639e58f6",
        cached_methods: ["GET", "HEAD"],
        compress: true,
        default_ttl: 0,
        field_level_encryption_id: "",
        forwarded_values: [],
        function_association: [],
        grpc_config: [{ enabled: false }],
        lambda_function_association: [],
        max_ttl: 0,
        min_ttl: 0,
        origin_request_policy_id: "",
        realtime_log_config_arn: "",
        response_headers_policy_id: "",
        smooth_streaming: false,
        target_origin_id: "web",
        trusted_key_groups: [],
        trusted_signers: [],
        viewer_protocol_policy: "redirect-to-https",
      },
    ],
    default_root_object: "",
    domain_name: d.DomainName,
    enabled: true,
    etag: "E1",
    hosted_zone_id: "Z2FDTNDATAQYW2",
    http_version: "http2",
    id: d.Id,
    in_progress_validation_batches: 0,
    is_ipv6_enabled: false,
    last_modified_time: "2026-11-01 10:00:00 +0000 UTC",
    logging_config: [],
    ordered_cache_behavior: [],
    origin: [
      {
        connection_attempts: 3,
        connection_timeout: 10,
        custom_header: [],
        custom_origin_config: [{ http_port: 80, https_port: 443, origin_keepalive_timeout: 5, origin_protocol_policy: "https-only", origin_read_timeout: 30, origin_ssl_protocols: ["TLSv1.2"] }],
        domain_name: "origin.example.com",
        origin_access_control_id: "",
        origin_id: "web",
        origin_path: "",
        origin_shield: [],
        s3_origin_config: [],
        vpc_origin_config: [],
      },
    ],
    origin_group: [],
    price_class: "PriceClass_100",
    restrictions: [{ geo_restriction: [{ locations: [], restriction_type: "none" }] }],
    retain_on_delete: false,
    staging: false,
    status: "Deployed",
    tags: { team: "edge" },
    tags_all: { team: "edge" },
    trusted_key_groups: [{ enabled: false, items: [] }],
    trusted_signers: [{ enabled: false, items: [] }],
    viewer_certificate: [{ acm_certificate_arn: "", cloudfront_default_certificate: true, iam_certificate_id: "", minimum_protocol_version: "TLSv1", ssl_support_method: "" }],
    wait_for_deployment: true,
    web_acl_id: "",
  };
}

export function cloudSqlAttributes(i: SqlInstance, project: string): Record<string, unknown> {
  return {
    available_maintenance_versions: [],
    clone: [],
    connection_name: i.connectionName,
    database_version: i.databaseVersion,
    deletion_protection: true,
    encryption_key_name: null,
    first_ip_address: i.ipAddresses?.[0]?.ipAddress ?? "",
    id: i.name,
    instance_type: "CLOUD_SQL_INSTANCE",
    ip_address: (i.ipAddresses ?? []).map((a) => ({ ip_address: a.ipAddress, time_to_retire: "", type: a.type })),
    maintenance_version: i.maintenanceVersion ?? "",
    master_instance_name: "",
    name: i.name,
    private_ip_address: "",
    project,
    public_ip_address: i.ipAddresses?.[0]?.ipAddress ?? "",
    region: i.region,
    replica_configuration: [],
    restore_backup_context: [],
    root_password: null,
    self_link: `https://sqladmin.googleapis.com/sql/v1beta4/projects/${project}/instances/${i.name}`,
    server_ca_cert: [],
    service_account_email_address: i.serviceAccountEmailAddress ?? "",
    settings: [
      {
        activation_policy: "ALWAYS",
        active_directory_config: [],
        availability_type: "ZONAL",
        backup_configuration: [
          {
            backup_retention_settings: [{ retained_backups: 7, retention_unit: "COUNT" }],
            binary_log_enabled: false,
            enabled: true,
            location: "",
            point_in_time_recovery_enabled: false,
            start_time: "02:00",
            transaction_log_retention_days: 7,
          },
        ],
        collation: "",
        connector_enforcement: "NOT_REQUIRED",
        database_flags: [],
        deletion_protection_enabled: false,
        deny_maintenance_period: [],
        disk_autoresize: true,
        disk_autoresize_limit: 0,
        disk_size: Number(i.settings?.dataDiskSizeGb?.value ?? 10),
        disk_type: "PD_SSD",
        edition: "ENTERPRISE",
        insights_config: [],
        ip_configuration: [{ allocated_ip_range: "", authorized_networks: [], enable_private_path_for_google_cloud_services: false, ipv4_enabled: true, private_network: "", psc_config: [], require_ssl: false, ssl_mode: "ALLOW_UNENCRYPTED_AND_ENCRYPTED" }],
        location_preference: [{ follow_gae_application: "", secondary_zone: "", zone: i.gceZone ?? `${GCP_REGION}-b` }],
        maintenance_window: [],
        password_validation_policy: [],
        pricing_plan: "PER_USE",
        sql_server_audit_config: [],
        tier: "db-custom-1-3840",
        time_zone: "",
        user_labels: { team: "data" },
        version: Number(i.settings?.settingsVersion?.value ?? 1),
      },
    ],
    timeouts: null,
  };
}

export interface StateResource {
  readonly type: string;
  readonly name: string;
  readonly provider: string;
  readonly schemaVersion: number;
  readonly attributes: Record<string, unknown>;
  readonly sensitive?: readonly string[];
}

export function resource({ type, name, provider, schemaVersion, attributes, sensitive = [] }: StateResource): Record<string, unknown> {
  return {
    mode: "managed",
    type,
    name,
    provider,
    instances: [{ schema_version: schemaVersion, attributes, sensitive_attributes: sensitive.map((a) => [{ type: "get_attr", value: a }]), private: "eyJzY2hlbWFfdmVyc2lvbiI6IjIifQ==" }],
  };
}

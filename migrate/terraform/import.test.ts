import { basename } from "node:path";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { managedSpecSchema } from "../../core/crd/generate.ts";
import { managedKinds } from "../../providers/index.ts";
import { fixture, fixtureFiles, secretsIn } from "./_fixtures.ts";
import { importTerraform } from "./import.ts";
import type { ImportResult } from "./import.ts";
import { ImportAnnotations } from "./manifest.ts";
import type { Manifest } from "./manifest.ts";
import { formatReport } from "./report.ts";
import { isStateError, readState } from "./state.ts";
import { yamlStream } from "./writer.ts";

const OPTS = { namespace: "migrated", providerConfig: { kind: "ClusterProviderConfig", name: "default" } } as const;

function run(name: string): ImportResult {
  return importTerraform(fixture(name), name, OPTS);
}

function one(result: ImportResult, kind: string, name: string): Manifest {
  const found = result.manifests.find((m) => m.kind === kind && m.metadata.name === name);
  if (!found) throw new Error(`no ${kind} ${name} among ${result.manifests.map((m) => `${m.kind}/${m.metadata.name}`).join(", ")}`);
  return found;
}

const forProvider = (m: Manifest): Record<string, unknown> => m.spec.forProvider as Record<string, unknown>;
const dropped = (m: Manifest): string[] => m.metadata.annotations[ImportAnnotations.importDropped]?.split(",") ?? [];
const skippedAddresses = (r: ImportResult): string[] => r.report.skipped.map((s) => s.address);

/** The managed kind of a manifest, from the registered providers. */
function kindOf(m: Manifest): Parameters<typeof managedSpecSchema>[0] {
  const kinds = managedKinds().map((k) => k.managed);
  const kind = kinds.find((k) => `${k.group}/${k.version}` === m.apiVersion && k.kind === m.kind);
  if (!kind) throw new Error(`no kind for ${m.apiVersion} ${m.kind}`);
  return kind;
}

/** Every state that imports (not refused), with its result. */
function importable(): [string, ImportResult][] {
  return fixtureFiles().flatMap((file) => {
    try {
      return [[basename(file), importTerraform(readFileSync(file, "utf8"), basename(file), OPTS)] as [string, ImportResult]];
    } catch (err) {
      if (isStateError(err)) return [];
      throw err;
    }
  });
}

describe("every manifest from every fixture", () => {
  const all = importable();

  it("imports most fixtures and maps every supported type somewhere", () => {
    const kinds = new Set(all.flatMap(([, r]) => r.manifests.map((m) => `${m.apiVersion} ${m.kind}`)));
    expect([...kinds].sort()).toEqual([
      "aws.terraplane.dev/v1alpha1 CDN",
      "aws.terraplane.dev/v1alpha1 Database",
      "aws.terraplane.dev/v1alpha1 LoadBalancer",
      "gcp.terraplane.dev/v1alpha1 CDN",
      "gcp.terraplane.dev/v1alpha1 Database",
      "gcp.terraplane.dev/v1alpha1 LoadBalancer",
    ]);
  });

  it.each(all.flatMap(([file, r]) => r.manifests.map((m) => [`${file}: ${m.kind} ${m.metadata.name}`, m] as const)))("%s validates against the kind's schema", (_n, m) => {
    const parsed = managedSpecSchema(kindOf(m)).safeParse(m.spec);
    expect(parsed.error?.message).toBeUndefined();
    expect(m.spec.managementPolicies).toEqual(["Observe"]);
    expect(m.spec.deletionPolicy).toBe("Orphan");
    expect(m.metadata.name).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
    expect(m.metadata.annotations["terraplane.dev/external-name"]).toBeTruthy();
    expect(JSON.parse(m.metadata.annotations[ImportAnnotations.terraformAddresses] ?? "[]")).not.toHaveLength(0);
  });

  it("accounts for every address of every state: mapped or skipped with a reason", () => {
    for (const [file, r] of all) {
      const addresses = readState(fixture(file), file).instances.map((i) => i.address);
      const mapped = r.report.mapped.flatMap((m) => m.addresses);
      const skipped = r.report.skipped.map((s) => s.address);
      expect([...new Set([...mapped, ...skipped])].sort(), file).toEqual([...addresses].sort());
      // Each address is in exactly one place.
      expect(mapped.length + skipped.length, file).toBe(addresses.length);
      for (const s of r.report.skipped) expect(s.reason, `${file} ${s.address}`).not.toBe("");
    }
  });

  it("names are unique per kind and stable across runs", () => {
    for (const [file, r] of all) {
      const keys = r.manifests.map((m) => `${m.kind}/${m.metadata.name}`);
      expect(new Set(keys).size, file).toBe(keys.length);
      expect(importTerraform(fixture(file), file, OPTS).manifests).toEqual(r.manifests);
    }
  });

  it("never emits a secret from any fixture, in manifests or in the report", () => {
    const secrets = new Set(fixtureFiles().flatMap((f) => secretsIn(readFileSync(f, "utf8"))));
    for (const known of ["foobarbaz", "admin123", "master", "s3cr3t-aws-v6!", "gcp-r00t-pw", "gcp-user-pw", "aurora-pw-never", "ya29.never-copy-me"]) expect(secrets).toContain(known);
    for (const [file, r] of all) {
      const outputs = [yamlStream(r.manifests), formatReport(r.report)];
      for (const secret of secrets) {
        const word = new RegExp(`(^|[^A-Za-z0-9_])${secret.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}([^A-Za-z0-9_]|$)`);
        for (const out of outputs) expect(word.test(out), `${file} leaks a secret`).toBe(false);
      }
    }
  });

  it("writes a YAML stream that parses back to the manifests", () => {
    for (const [, r] of all) {
      const docs = parseAllDocuments(yamlStream(r.manifests)).map((d) => d.toJS() as unknown);
      expect(docs).toEqual(r.manifests);
    }
  });
});

describe("aws Database (aws_db_instance)", () => {
  it("provider v5 state: identifier as external name, password as a Secret to fill", () => {
    const r = run("anzam-rds.tfstate");
    const db = one(r, "Database", "db");
    expect(db.metadata.annotations["terraplane.dev/external-name"]).toBe("terraform-20250404163139983900000001");
    expect(forProvider(db)).toEqual({
      region: "us-east-1",
      engine: "mysql",
      engineVersion: "8.0",
      instanceClass: "db.t3.small",
      masterUsername: "admin",
      dbName: "newdb",
      allocatedStorage: 20,
      maxAllocatedStorage: 0,
      storageType: "gp2",
      storageEncrypted: false,
      multiAZ: true,
      publiclyAccessible: false,
      dbSubnetGroupName: "rds-subnet-group",
      vpcSecurityGroupIds: ["sg-0b5f582f84b710310"],
      port: 3306,
      backupRetentionPeriod: 0,
      preferredBackupWindow: "06:54-07:24",
      preferredMaintenanceWindow: "fri:10:20-fri:10:50",
      deletionProtection: false,
      skipFinalSnapshot: true,
      masterPasswordSecretRef: { name: "db-password", key: "password" },
    });
    expect(r.report.secrets).toEqual([{ namespace: "migrated", name: "db-password", key: "password", address: "aws_db_instance.db", attribute: "password" }]);
    expect(skippedAddresses(r)).toEqual(["aws_db_subnet_group.rds_subnet_group"]);
  });

  it("provider v3 state (id is the identifier, db name in `name`)", () => {
    const db = one(run("driftctl-aws_db_instance.tfstate"), "Database", "default");
    expect(db.metadata.annotations["terraplane.dev/external-name"]).toMatch(/^terraform-|^[a-z]/);
    expect(forProvider(db).masterPasswordSecretRef).toEqual({ name: "default-password", key: "password" });
  });

  it("provider v6 state: module for_each names, region attribute, tags_all, lossy settings and password_wo", () => {
    const r = run("aws-provider-v6.tfstate");
    const eu = one(r, "Database", "db-eu-this");
    expect(eu.metadata.annotations["terraplane.dev/external-name"]).toBe("orders-eu");
    expect(forProvider(eu)).toMatchObject({
      region: "eu-west-1",
      engine: "postgres",
      engineVersion: "16",
      storageType: "gp3",
      iops: 3000,
      kmsKeyId: "arn:aws:kms:eu-west-1:123456789012:key/9a8b7c6d-1111-2222-3333-444455556666",
      dbSubnetGroupName: "orders-subnets",
      vpcSecurityGroupIds: ["sg-0a5f582f84b710310", "sg-0b5f582f84b710311"],
      preferredMaintenanceWindow: "sun:05:00-sun:05:30",
      parameterGroupName: "orders-pg16",
      finalSnapshotIdentifier: "orders-eu-final",
      tags: { env: "prod", team: "orders" },
    });
    expect(dropped(eu)).toEqual(expect.arrayContaining(['module.db["eu"].aws_db_instance.this.performance_insights_enabled', 'module.db["eu"].aws_db_instance.this.enabled_cloudwatch_logs_exports']));
    const us = one(r, "Database", "db-us-this");
    expect(forProvider(us).iops).toBeUndefined();
    expect(r.report.secrets.map((s) => `${s.address} ${s.attribute} ${s.name}`)).toEqual(['module.db["eu"].aws_db_instance.this password db-eu-this-password', 'module.db["us"].aws_db_instance.this password_wo db-us-this-password-wo']);
    expect(r.report.skipped.find((s) => s.address === "aws_db_instance.legacy")?.reason).toMatch(/engine "aurora-postgresql" is not supported/);
  });

  it("a trimmed state without the required attributes is skipped, not guessed", () => {
    const r = run("inframap-trimmed-module-count.tfstate.json");
    expect(r.manifests).toEqual([]);
    expect(r.report.skipped.find((s) => s.type === "aws_db_instance")?.reason).toMatch(/missing engine, instance_class, allocated_storage, username/);
  });
});

describe("aws LoadBalancer (aws_lb / aws_alb + listeners, rules, target groups, attachments)", () => {
  it("folds listener, target group and attachment into one LoadBalancer", () => {
    const r = run("anzam-alb.tfstate");
    const lb = one(r, "LoadBalancer", "this");
    expect(lb.metadata.annotations["terraplane.dev/external-name"]).toBe("web-alb");
    expect(JSON.parse(lb.metadata.annotations[ImportAnnotations.terraformAddresses] ?? "")).toEqual([
      "aws_lb.this",
      "aws_lb_listener.http",
      "aws_lb_target_group.this",
      'aws_lb_target_group_attachment.attachments["web1"]',
    ]);
    expect(forProvider(lb)).toEqual({
      region: "us-east-1",
      type: "application",
      scheme: "internet-facing",
      subnets: ["subnet-0253b01ccce8ace3f", "subnet-0e22ee4d9ef887a39"],
      securityGroups: ["sg-0b5f582f84b710310"],
      ipAddressType: "ipv4",
      targetGroups: [
        {
          name: "web-alb-tg",
          targetType: "instance",
          protocol: "HTTP",
          port: 80,
          vpcId: "vpc-0f232840bbc28629f",
          healthCheck: { protocol: "HTTP", path: "/", port: "traffic-port", intervalSeconds: 30, timeoutSeconds: 5, healthyThresholdCount: 2, unhealthyThresholdCount: 2, matcher: "200" },
          targets: [{ id: "i-0e5051c5327b0e903", port: 80 }],
        },
      ],
      listeners: [{ port: 80, protocol: "HTTP", defaultAction: { forward: { targetGroupName: "web-alb-tg" } } }],
    });
    expect(dropped(lb)).toEqual([]);
    expect(r.report.skipped).toEqual([]);
  });

  it("aws_alb, the alias type, maps the same; no listeners in the state leaves the lists unmanaged", () => {
    const lb = one(run("driftctl-aws_alb.tfstate"), "LoadBalancer", "test");
    expect(forProvider(lb)).toMatchObject({ tags: { Environment: "dev" } });
    expect(forProvider(lb).listeners).toBeUndefined();
    expect(forProvider(lb).targetGroups).toBeUndefined();
  });

  it("skips the parts it cannot map, naming them (a second provider's data source too)", () => {
    const r = run("driftctl-aws_lb_listener.tfstate");
    one(r, "LoadBalancer", "test");
    expect(skippedAddresses(r).sort()).toEqual(["aws_internet_gateway.gw", "aws_security_group.lb_sg", "aws_subnet.main-1", "data.azurerm_resource_group.raphael-dev"]);
  });

  it("provider v6: HTTPS and redirect listeners, for_each target groups, rules dropped, an NLB", () => {
    const r = run("aws-provider-v6.tfstate");
    const web = one(r, "LoadBalancer", "web-0");
    const p = forProvider(web);
    expect(p.listeners).toEqual([
      { port: 443, protocol: "HTTPS", certificateArn: "arn:aws:acm:eu-west-1:123456789012:certificate/1f3c7e1a-1111-2222-3333-444455556666", sslPolicy: "ELBSecurityPolicy-TLS13-1-2-2021-06", defaultAction: { forward: { targetGroupName: "shop-blue" } } },
      { port: 80, protocol: "HTTP", defaultAction: { redirect: { protocol: "HTTPS", port: "443", host: "#{host}", path: "/#{path}", query: "#{query}", statusCode: "HTTP_301" } } },
    ]);
    expect((p.targetGroups as { name: string; targets?: unknown[] }[]).map((t) => [t.name, t.targets?.length])).toEqual([
      ["shop-blue", 2],
      ["shop-green", undefined],
    ]);
    expect(dropped(web)).toEqual(expect.arrayContaining(["aws_lb_listener_rule.api.*", "aws_lb.web[0].enable_deletion_protection", "aws_lb.web[0].idle_timeout", 'aws_lb_target_group.app["blue"].tags_all']));
    const tcp = one(r, "LoadBalancer", "tcp");
    expect(forProvider(tcp)).toMatchObject({ type: "network", scheme: "internal", listeners: [{ port: 5432, protocol: "TCP" }] });
    expect(forProvider(tcp).securityGroups).toBeUndefined();
  });

  it("a trimmed aws_lb is skipped", () => {
    expect(run("inframap-trimmed-module-count.tfstate.json").report.skipped.find((s) => s.type === "aws_lb")?.reason).toMatch(/missing name or arn/);
  });
});

describe("aws CDN (aws_cloudfront_distribution)", () => {
  it("S3 origin with an OAI; default_root_object reported as dropped; the default certificate's TLSv1 as a note", () => {
    const r = run("anzam-cdn.tfstate");
    const cdn = one(r, "CDN", "my-distribution");
    expect(cdn.metadata.annotations["terraplane.dev/external-name"]).toBe("E3O23JGG59JNZI");
    expect(forProvider(cdn)).toEqual({
      region: "us-east-1",
      origins: [{ id: "S3Origin", domainName: "webs3bucketusingterraform1.s3.us-east-1.amazonaws.com", s3: { originAccessIdentity: "origin-access-identity/cloudfront/E2A7R6N205NVL0" } }],
      defaultCacheBehavior: {
        targetOriginId: "S3Origin",
        viewerProtocolPolicy: "redirect-to-https",
        allowedMethods: ["GET", "HEAD"],
        cachedMethods: ["GET", "HEAD"],
        compress: false,
        ttl: { minTtl: 0, defaultTtl: 0, maxTtl: 0 },
      },
      viewerCertificate: { cloudFrontDefaultCertificate: true },
      priceClass: "PriceClass_All",
      enabled: true,
    });
    expect(dropped(cdn)).toEqual(["aws_cloudfront_distribution.my_distribution.default_root_object"]);
    expect(r.report.mapped[0]?.notes.join("\n")).toMatch(/minimum_protocol_version TLSv1/);
    expect(skippedAddresses(r)).toContain("data.aws_s3_bucket.existing_bucket");
  });

  it("ordered cache behaviours and forwarded headers are dropped", () => {
    const cdn = one(run("driftctl-aws_cloudfront_distribution.tfstate"), "CDN", "foo-distribution");
    expect(dropped(cdn)).toEqual(["aws_cloudfront_distribution.foo_distribution.ordered_cache_behavior"]);
    expect(forProvider(cdn)).toMatchObject({ enabled: false, origins: [{ id: "S3-foo-cloudfront", s3: {} }], defaultCacheBehavior: { ttl: { minTtl: 0, defaultTtl: 86400, maxTtl: 31536000 } } });
  });

  it("provider v6: ACM certificate with aliases, cache policy, custom origin, logging; error pages and IPv6 dropped", () => {
    const cdn = one(run("aws-provider-v6.tfstate"), "CDN", "site");
    expect(forProvider(cdn)).toMatchObject({
      aliases: ["shop.example.com", "www.shop.example.com"],
      viewerCertificate: { acmCertificateArn: "arn:aws:acm:us-east-1:123456789012:certificate/0f3c7e1a-1111-2222-3333-444455556666", sslSupportMethod: "sni-only", minimumProtocolVersion: "TLSv1.2_2021" },
      defaultCacheBehavior: { cachePolicyId: "658327ea-f89d-4fab-a63d-7e88639e58f6", allowedMethods: ["GET", "HEAD", "OPTIONS"] },
      origins: [{ id: "alb", custom: { httpPort: 80, httpsPort: 443, originProtocolPolicy: "https-only", originSslProtocols: ["TLSv1.2"] } }],
      logging: { enabled: true, bucket: "shop-logs.s3.amazonaws.com", prefix: "cdn/", includeCookies: false },
      comment: "shop front",
      tags: { env: "prod" },
    });
    expect(forProvider(cdn).defaultCacheBehavior).not.toHaveProperty("ttl");
    expect(dropped(cdn).map((d) => d.replace("aws_cloudfront_distribution.site.", "")).sort()).toEqual(["custom_error_response", "default_root_object", "http_version", "is_ipv6_enabled", "ordered_cache_behavior"]);
  });
});

describe("gcp Database (google_sql_database_instance)", () => {
  it("provider v5 state: private IP, authorized networks; Terraform's deletion_protection is a note", () => {
    const r = run("arulmanoharan-cloudsql-private-ip.tfstate");
    const db = one(r, "Database", "cloudsql");
    expect(db.metadata.annotations["terraplane.dev/external-name"]).toBe("nodesqldatabase");
    expect(forProvider(db)).toEqual({
      region: "asia-south1",
      databaseVersion: "MYSQL_8_0",
      tier: "db-f1-micro",
      edition: "ENTERPRISE",
      diskSizeGb: 10,
      diskType: "PD_SSD",
      diskAutoresize: true,
      availabilityType: "ZONAL",
      backupConfiguration: { enabled: false, startTime: "01:00", binaryLogEnabled: false, transactionLogRetentionDays: 7, retainedBackups: 7 },
      ipConfiguration: { ipv4Enabled: true, privateNetwork: "projects/absolute-range-408808/global/networks/cloudsql-vpc", authorizedNetworks: [{ value: "0.0.0.0/0", name: "default" }] },
      deletionProtectionEnabled: false,
    });
    expect(r.report.mapped[0]?.notes.join("\n")).toMatch(/deletion_protection = false is Terraform's own guard/);
    expect(r.report.skipped.find((s) => s.type === "google_compute_global_address")?.reason).toMatch(/internal address \(purpose VPC_PEERING\)/);
    expect(r.report.skipped.find((s) => s.type === "google_sql_user")?.reason).toMatch(/unsupported type/);
    expect(r.report.secrets).toEqual([]);
  });

  it("older provider states (no edition) map too", () => {
    for (const file of ["subbachaudhary-cloudsql.tfstate", "driftctl-google_sql_database_instance.tfstate"]) {
      const r = run(file);
      expect(r.manifests.map((m) => m.kind), file).toEqual(["Database"]);
    }
  });

  it("provider v6 state: root password as a Secret, flags, maintenance window, labels; insights and ssl_mode dropped", () => {
    const r = run("google-provider-v6.tfstate");
    const db = one(r, "Database", "main");
    expect(forProvider(db)).toMatchObject({
      databaseVersion: "POSTGRES_16",
      tier: "db-custom-2-7680",
      availabilityType: "REGIONAL",
      databaseFlags: [
        { name: "max_connections", value: "200" },
        { name: "log_min_duration_statement", value: "500" },
      ],
      maintenanceWindow: { day: 7, hour: 3 },
      deletionProtectionEnabled: true,
      userLabels: { team: "orders" },
      adminPasswordSecretRef: { name: "main-root-password", key: "password" },
      ipConfiguration: { ipv4Enabled: false, privateNetwork: "projects/shop-prod-4711/global/networks/shop-vpc" },
    });
    expect(dropped(db).sort()).toEqual([
      "google_sql_database_instance.main.settings.0.insights_config.0.query_insights_enabled",
      "google_sql_database_instance.main.settings.0.ip_configuration.0.ssl_mode",
      "google_sql_database_instance.main.settings.0.maintenance_window.0.update_track",
    ]);
    one(r, "Database", "legacy-0");
  });
});

describe("gcp LoadBalancer (the google_compute_* chain)", () => {
  it("classic HTTP load balancer: scheme EXTERNAL kept, reserved address as Existing", () => {
    const r = run("otus-alex-k812-gcp-http-lb.tfstate");
    const lb = one(r, "LoadBalancer", "http");
    expect(forProvider(lb)).toEqual({
      loadBalancingScheme: "EXTERNAL",
      healthCheck: { type: "HTTP", port: 9292, requestPath: "/", checkIntervalSec: 5, timeoutSec: 5, healthyThreshold: 2, unhealthyThreshold: 2 },
      backendServices: [
        {
          name: "reddit-app-backend",
          protocol: "HTTP",
          portName: "http",
          timeoutSec: 10,
          backends: [{ group: "https://www.googleapis.com/compute/v1/projects/infra-253316/zones/europe-west1-b/instanceGroups/reddit-app-instance-group", balancingMode: "UTILIZATION", capacityScaler: 1, maxUtilization: 0.8 }],
        },
      ],
      urlMap: { defaultService: "reddit-app-backend" },
      frontend: { protocol: "HTTP", port: 80, address: { mode: "Existing", name: "https://www.googleapis.com/compute/v1/projects/infra-253316/global/addresses/reddit-app-address" } },
    });
    expect(dropped(lb)).toEqual(["google_compute_url_map.urlmap.description"]);
    expect(r.report.mapped[0]?.notes.join("\n")).toMatch(/loadBalancingScheme EXTERNAL/);
    expect(JSON.parse(lb.metadata.annotations[ImportAnnotations.terraformAddresses] ?? "")).toHaveLength(6);
  });

  it("incomplete chains are skipped with the missing part named", () => {
    expect(run("driftctl-google_compute_global_forwarding_rule.tfstate").report.skipped[0]?.reason).toMatch(/its target projects\/driftctl-qa-1\/global\/targetHttpProxies\/target-proxy is not in this state/);
    expect(run("driftctl-google_compute_health_check.tfstate").report.skipped[0]?.reason).toMatch(/not part of a complete forwarding rule/);
    expect(run("driftctl-google_compute_global_address.tfstate").report.skipped[0]?.reason).toMatch(/not part of a complete forwarding rule/);
  });

  it("provider v6: HTTPS, two backend services with host and path rules, reserved address in a module", () => {
    const r = run("google-provider-v6.tfstate");
    const lb = one(r, "LoadBalancer", "web-fr");
    expect(lb.metadata.annotations["terraplane.dev/external-name"]).toBe("shop-fr");
    expect(forProvider(lb)).toMatchObject({
      loadBalancingScheme: "EXTERNAL_MANAGED",
      urlMap: {
        defaultService: "shop-web-backend",
        hostRules: [{ hosts: ["api.shop.example.com"], pathMatcher: "api" }],
        pathMatchers: [{ name: "api", defaultService: "shop-api-backend", pathRules: [{ paths: ["/v1/*", "/v2/*"], service: "shop-api-backend" }] }],
      },
      frontend: { protocol: "HTTPS", port: 443, sslCertificates: ["projects/shop-prod-4711/global/sslCertificates/shop-cert"], address: { mode: "Existing" } },
    });
    expect(dropped(lb)).toEqual([]);
    expect(r.report.skipped.find((s) => s.type === "google_compute_managed_ssl_certificate")?.reason).toMatch(/reference certificates/);
  });
});

describe("gcp CDN (backend bucket / service with Cloud CDN and its front end)", () => {
  it("bucket CDN over HTTPS on a reserved address", () => {
    const r = run("ronaldo-gcp-cdn-https.tfstate");
    const cdn = one(r, "CDN", "cdn-backend-bucket-tatic-vero");
    expect(forProvider(cdn)).toMatchObject({
      origin: { bucketName: "bucket-ronaldocsilva2021-t1" },
      cacheMode: "CACHE_ALL_STATIC",
      frontend: { protocol: "HTTPS", port: 443, sslCertificates: ["projects/teste-buckers/global/sslCertificates/cdn-managed-certificate"], address: "bucket-teste-admin-ip" },
    });
  });

  it("two frontends on one IP: the HTTPS one kept, the HTTP one reported as a second frontend", () => {
    const r = run("ronaldo-gcp-cdn-http-and-https.tfstate");
    const cdn = one(r, "CDN", "cdn-backend-bucket-tatic-vero-prod");
    expect(forProvider(cdn)).toMatchObject({
      origin: { bucketName: "teste-buckers_rosilva021" },
      cacheMode: "CACHE_ALL_STATIC",
      defaultTtl: 3600,
      maxTtl: 86400,
      clientTtl: 3600,
      negativeCaching: true,
      serveWhileStale: 86400,
      signedUrlCacheMaxAgeSec: 0,
      description: "Backend bucket for serving static content through CDN",
      frontend: { protocol: "HTTPS", port: 443, address: "bucket-teste-admin-ip" },
    });
    expect(JSON.parse(cdn.metadata.annotations[ImportAnnotations.terraformAddresses] ?? "")).toEqual([
      "google_compute_backend_bucket.cdn_backend_bucket_tatic_vero_prod",
      "google_compute_global_forwarding_rule.cdn_global_forwarding_http_rule",
      "google_compute_target_http_proxy.cdn_http_proxy",
      "google_compute_url_map.cdn_url_map_http_lb",
      "google_compute_global_address.cdn_bucket_address",
      "google_compute_global_forwarding_rule.cdn_global_forwarding_rule",
      "google_compute_target_https_proxy.cdn_https_proxy",
      "google_compute_url_map.cdn_url_map_https_lb",
    ]);
    expect(dropped(cdn).sort()).toEqual(["google_compute_global_forwarding_rule.cdn_global_forwarding_http_rule.*", "google_compute_target_http_proxy.cdn_http_proxy.*", "google_compute_url_map.cdn_url_map_http_lb.*"]);
  });

  it("provider v6: USE_ORIGIN_HEADERS drops the TTLs the rules forbid; an IP without an address is dropped", () => {
    const cdn = one(run("google-provider-v6.tfstate"), "CDN", "static");
    expect(forProvider(cdn)).toMatchObject({ cacheMode: "USE_ORIGIN_HEADERS", negativeCachingPolicy: [{ code: 404, ttl: 60 }], requestCoalescing: true, frontend: { protocol: "HTTP", port: 80 } });
    for (const ttl of ["defaultTtl", "maxTtl", "clientTtl"]) expect(forProvider(cdn)).not.toHaveProperty(ttl);
    expect(dropped(cdn)).toEqual(expect.arrayContaining(["google_compute_backend_bucket.static.compression_mode", "google_compute_global_forwarding_rule.static.ip_address"]));
  });
});

describe("options", () => {
  it("--provider-config ProviderConfig/NAME and no namespace", () => {
    const r = importTerraform(fixture("anzam-rds.tfstate"), "rds", { namespace: undefined, providerConfig: { kind: "ProviderConfig", name: "team-a" } });
    expect(r.manifests[0]?.spec.providerConfigRef).toEqual({ kind: "ProviderConfig", name: "team-a" });
    expect(r.manifests[0]?.metadata).not.toHaveProperty("namespace");
  });
});

describe("sensitive values", () => {
  it("a manifest that would carry a value Terraform marks sensitive is not emitted", () => {
    const state = JSON.parse(fixture("anzam-rds.tfstate")) as { resources: { type: string; instances: { sensitive_attributes: unknown[] }[] }[] };
    const db = state.resources.find((r) => r.type === "aws_db_instance")?.instances[0];
    db?.sensitive_attributes.push([{ type: "get_attr", value: "identifier" }]);
    const r = importTerraform(JSON.stringify(state), "marked.tfstate", OPTS);
    expect(r.manifests).toEqual([]);
    const reason = r.report.skipped.find((s) => s.address === "aws_db_instance.db")?.reason ?? "";
    expect(reason).toContain("the sensitive value of aws_db_instance.db.identifier");
    expect(reason).not.toContain("terraform-20250404163139983900000001");
  });
});

/** The `terraform show -json` rendering of a version 4 state (values, sensitive_values, child_modules). */
function asShowJson(stateText: string): string {
  type V4Instance = { index_key?: string | number; attributes: Record<string, unknown>; sensitive_attributes: { value: string }[][] };
  type V4 = { resources: { module?: string; mode: string; type: string; name: string; provider: string; instances: V4Instance[] }[] };
  const state = JSON.parse(stateText) as V4;
  const modules = new Map<string, unknown[]>();
  for (const r of state.resources) {
    for (const i of r.instances) {
      const key = i.index_key === undefined ? "" : typeof i.index_key === "number" ? `[${i.index_key}]` : `[${JSON.stringify(i.index_key)}]`;
      const local = `${r.mode === "data" ? "data." : ""}${r.type}.${r.name}${key}`;
      const sensitive = Object.fromEntries(i.sensitive_attributes.map((p) => [p[0]?.value ?? "", true]));
      const list = modules.get(r.module ?? "") ?? [];
      list.push({ address: r.module ? `${r.module}.${local}` : local, mode: r.mode, type: r.type, name: r.name, index: i.index_key, provider_name: r.provider, values: i.attributes, sensitive_values: sensitive });
      modules.set(r.module ?? "", list);
    }
  }
  const children = [...modules.entries()].filter(([m]) => m !== "").map(([address, resources]) => ({ address, resources }));
  return JSON.stringify({ format_version: "1.0", terraform_version: "1.12.2", values: { root_module: { resources: modules.get("") ?? [], child_modules: children } } });
}

describe("terraform show -json", () => {
  it.each(["aws-provider-v6.tfstate", "google-provider-v6.tfstate", "anzam-rds.tfstate"])("%s as show -json gives the same manifests and secrets", (file) => {
    const fromState = run(file);
    const fromShow = importTerraform(asShowJson(fixture(file)), file, OPTS);
    expect(fromShow.report.format).toBe("show-json");
    // Same objects; the order follows the file's (show -json lists the root module first).
    const byName = (ms: readonly Manifest[]): Manifest[] => [...ms].sort((x, y) => `${x.kind}/${x.metadata.name}`.localeCompare(`${y.kind}/${y.metadata.name}`));
    expect(byName(fromShow.manifests)).toEqual(byName(fromState.manifests));
    expect(fromShow.report.secrets.map((x) => x.name).sort()).toEqual(fromState.report.secrets.map((x) => x.name).sort());
  });
});

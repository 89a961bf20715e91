import { execFile } from "node:child_process";
import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CloudFrontClient, GetDistributionCommand } from "@aws-sdk/client-cloudfront";
import { ModifyDBInstanceCommand, RDSClient } from "@aws-sdk/client-rds";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { z } from "zod";
import { nopLogger } from "../core/log.ts";
import { Manager } from "../core/manager.ts";
import { cdn as awsCdn } from "../providers/aws/cdn/index.ts";
import { database as awsDatabase } from "../providers/aws/database/index.ts";
import { database as gcpDatabase } from "../providers/gcp/database/index.ts";
import { allCrds } from "../providers/index.ts";
import { seededRandom, startFaultProxy } from "../sandbox/faultproxy/index.ts";
import type { FaultProxy } from "../sandbox/faultproxy/index.ts";
import { awsClientConfig } from "./harness/aws.ts";
import { createAwsProviderConfig } from "./harness/aws-provider.ts";
import { mutatingCalls } from "./harness/environment.ts";
import { closeClients, gcpEmulatorControl, sqlClients, uniqueProject } from "./harness/gcp.ts";
import { createGcpProviderConfig } from "./harness/gcp-provider.ts";
import { AWS, cloudSqlAttributes, createCloudSql, createDistribution, createRds, distributionAttributes, GCP_REGION, GOOGLE, rdsAttributes, resource } from "./harness/terraform.ts";
import { kubeConfig, kubectl, kubectlOk, testNamespace } from "./harness/kube.ts";
import { applyCrds } from "./harness/managed.ts";
import { uniqueName } from "./harness/names.ts";

// Issue 11 end to end: resources made the way Terraform makes them (the official SDKs, straight at
// moto and the GCP emulator), a Terraform v4 state describing them in the shape
// terraform-provider-aws v5 / google v5 write, then the real CLI: `import terraform` → `kubectl
// apply` → all Ready → `plan` exits 0 with zero mutating calls at the fault proxies; a change in
// the cloud → `plan` shows exactly that field and exits 2, `adopt` refuses; `adopt` → a spec edit
// reaches the cloud; deleting what was adopted without --allow-delete leaves the cloud resource.
//
// Kinds covered: aws Database, aws CDN, gcp Database (the single-resource kinds). The composite
// kinds (aws LoadBalancer, gcp LoadBalancer, gcp CDN), whose parts keep Terraform's names through
// terraplane.dev/external-names (ADR 0012), are in test/terraform-migration-lb.test.ts.

const MAIN = new URL("../cli/main.ts", import.meta.url).pathname;
const REGION = "eu-north-1";
const PC = "tf";
const WAIT = { timeout: 90_000, interval: 500 };
const AWS_MUTATING = (op: string): boolean => !/^(Describe|List|Get)/.test(op);
const SQL_MUTATING = (op: string): boolean => /^instances\.(insert|patch|put|update|delete)$|^users\./.test(op);

interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function cli(args: readonly string[]): Promise<CliResult> {
  const env = { ...process.env, KUBECONFIG: inject("sandbox").kubeconfig };
  return new Promise((done) => {
    execFile(process.execPath, ["--disable-warning=ExperimentalWarning", MAIN, ...args], { env, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      done({ code: err ? (typeof err.code === "number" ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

const PlanJson = z.object({
  resources: z.array(
    z.object({
      kind: z.string(),
      name: z.string(),
      action: z.string(),
      reason: z.string().optional(),
      source: z.string().optional(),
      fields: z.array(z.object({ path: z.string(), desired: z.string().optional(), observed: z.string().optional() })).optional(),
    }),
  ),
  exitCode: z.number(),
});

// ---- the test ----

interface Made {
  readonly rdsId: string;
  readonly distributionId: string;
  readonly sqlName: string;
}

describe("Terraform migration: import → apply → plan → adopt", () => {
  let ns: { name: string; cleanup: () => Promise<void> };
  let awsProxy: FaultProxy;
  let gcpProxy: FaultProxy;
  let project: string;
  let manager: Manager | undefined;
  let dir: string;
  let made: Made;
  let importRun: CliResult;
  const rds = new RDSClient(awsClientConfig({ region: REGION, direct: true }));
  const cf = new CloudFrontClient(awsClientConfig({ region: "us-east-1", direct: true }));
  let sql: ReturnType<typeof sqlClients>;
  const mutating = (): Record<string, number> => ({ ...mutatingCalls(awsProxy, "rds", AWS_MUTATING), ...mutatingCalls(awsProxy, "cloudfront", AWS_MUTATING), ...mutatingCalls(gcpProxy, "sqladmin", SQL_MUTATING) });
  const inNs = (args: string[]): string[] => [...args, "-n", ns.name];
  const planJson = async (args: string[]): Promise<{ run: CliResult; json: z.infer<typeof PlanJson> }> => {
    const run = await cli(inNs(["plan", ...args, "-o", "json"]));
    return { run, json: PlanJson.parse(JSON.parse(run.stdout)) };
  };

  beforeAll(async () => {
    await applyCrds(allCrds());
    ns = await testNamespace("tfmig");
    const sandbox = inject("sandbox");
    awsProxy = await startFaultProxy({ upstream: sandbox.motoEndpoint, random: seededRandom(11) });
    gcpProxy = await startFaultProxy({ upstream: sandbox.gcpEmulatorEndpoint, random: seededRandom(12) });
    project = uniqueProject("tfmig");
    await gcpEmulatorControl().setConfig({ operationDelayMs: 300 }, project);
    sql = sqlClients({ direct: true });
    await createAwsProviderConfig(ns.name, { endpoint: awsProxy.url, region: REGION, name: PC });
    await createGcpProviderConfig(ns.name, project, { endpoint: gcpProxy.url, region: GCP_REGION, name: PC, credentials: "ApplicationDefault" });

    const ref = uniqueName("tf-ref");
    const db = await createRds(rds, uniqueName("orders"));
    const dist = await createDistribution(cf, ref);
    const inst = await createCloudSql(sql, project, uniqueName("analytics"));
    made = { rdsId: db.DBInstanceIdentifier ?? "", distributionId: dist.Id ?? "", sqlName: inst.name ?? "" };
    const state = {
      version: 4,
      terraform_version: "1.9.8",
      serial: 7,
      lineage: "3f0c1e9a-9a51-4a0e-8f39-4b1c7c5b2d11",
      outputs: {},
      resources: [
        resource({ type: "aws_db_instance", name: "orders", provider: AWS, schemaVersion: 2, attributes: rdsAttributes(db), sensitive: ["password"] }),
        resource({ type: "aws_cloudfront_distribution", name: "site", provider: AWS, schemaVersion: 1, attributes: distributionAttributes(dist, ref) }),
        resource({ type: "google_sql_database_instance", name: "analytics", provider: GOOGLE, schemaVersion: 0, attributes: cloudSqlAttributes(inst, project) }),
      ],
      check_results: null,
    };
    dir = await mkdtemp(join(tmpdir(), "tfmig-"));
    await writeFile(join(dir, "terraform.tfstate"), JSON.stringify(state, null, 2));
    importRun = await cli(["import", "terraform", join(dir, "terraform.tfstate"), "-n", ns.name, "--provider-config", `ProviderConfig/${PC}`, "-o", join(dir, "manifests")]);
    manager = new Manager({ kc: kubeConfig(), kinds: [awsDatabase, awsCdn, gcpDatabase], log: nopLogger, namespace: ns.name, concurrency: 4, pollIntervalMs: 2_000, progressIntervalMs: 500 });
    await manager.start();
  });

  afterAll(async () => {
    await kubectl(["delete", "databases.aws.terraplane.dev,cdns.aws.terraplane.dev,databases.gcp.terraplane.dev", "--all", "-n", ns.name, "--wait=true", "--timeout=60s"]);
    await manager?.stop(2_000);
    await Promise.all([awsProxy?.close(), gcpProxy?.close()]);
    await closeClients(sql);
    await gcpEmulatorControl().reset(project);
    await ns.cleanup();
    await rm(dir, { recursive: true, force: true });
  });

  it("import maps all three resources; the report names the Secret to fill in", async () => {
    expect(importRun.code, importRun.stderr).toBe(0);
    expect((await readdir(join(dir, "manifests"))).length).toBe(3);
    expect(importRun.stderr).toContain("secrets to fill in (1");
  });

  it("applied: all Ready, plan exits 0 for every one, and no mutating call reaches the clouds", async () => {
    // The Secret the import report asks for: the password Terraform set.
    const secretName = /Secret "?([a-z0-9-]+)"?/.exec(importRun.stderr.slice(importRun.stderr.indexOf("secrets to fill in")))?.[1] ?? "";
    await kubectlOk(["create", "secret", "generic", secretName, "-n", ns.name, "--from-literal=password=tf-made-password-1"]);
    awsProxy.resetStats();
    gcpProxy.resetStats();
    await kubectlOk(["apply", "-f", join(dir, "manifests")]);
    for (const r of ["databases.aws.terraplane.dev", "cdns.aws.terraplane.dev", "databases.gcp.terraplane.dev"]) {
      await kubectlOk(["wait", r, "--all", "-n", ns.name, "--for=condition=Ready", "--timeout=90s"]);
    }
    await expect.poll(async () => (await planJson([])).json.resources.map((r) => `${r.kind}:${r.action}:${r.source ?? ""}`).sort(), WAIT).toEqual(["CDN:none:controller", "Database:none:controller", "Database:none:controller"]);
    const { run, json } = await planJson([]);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(json.exitCode).toBe(0);
    for (const kind of ["database.aws.terraplane.dev", "cdn.aws.terraplane.dev", "database.gcp.terraplane.dev"]) {
      const one = await cli(inNs(["plan", kind, "--observe"]));
      expect(one.code, `${kind}: ${one.stdout}${one.stderr}`).toBe(0);
      expect(one.stdout).toContain("no changes: the cloud resource matches spec");
    }
    expect(mutating()).toEqual({});
  });

  it("a field changed in the cloud: plan shows exactly that field and exits 2; adopt refuses and prints the diff", async () => {
    await rds.send(new ModifyDBInstanceCommand({ DBInstanceIdentifier: made.rdsId, BackupRetentionPeriod: 3, ApplyImmediately: true }));
    const { run, json } = await planJson(["database.aws.terraplane.dev", "--refresh"]);
    expect(run.code, run.stdout + run.stderr).toBe(2);
    const [db] = json.resources;
    expect(db?.action).toBe("blocked");
    expect(db?.reason).toBe("update-not-allowed");
    expect(db?.fields).toEqual([{ path: "backupRetentionPeriod", desired: "7", observed: "3" }]);
    const text = await cli(inNs(["plan", "database.aws.terraplane.dev", "--observe"]));
    expect(text.code).toBe(2);
    expect(text.stdout).toContain("~ backupRetentionPeriod: 3 (cloud) -> 7 (spec)");
    const name = db?.name ?? "";
    const adopt = await cli(inNs(["adopt", `database.aws.terraplane.dev/${name}`]));
    expect(adopt.code).toBe(1);
    expect(adopt.stdout).toContain("a fresh plan is not zero-diff");
    expect(adopt.stdout).toContain("~ backupRetentionPeriod: 3 (cloud) -> 7 (spec)");
    expect(await kubectlOk(["get", `databases.aws.terraplane.dev/${name}`, "-n", ns.name, "-o", "jsonpath={.spec.managementPolicies}"])).toBe('["Observe"]');
  });

  it("adopt refuses a resource whose import dropped configuration", async () => {
    const name = (await planJson(["database.aws.terraplane.dev"])).json.resources[0]?.name ?? "";
    await kubectlOk(["annotate", `databases.aws.terraplane.dev/${name}`, "-n", ns.name, "terraplane.dev/import-dropped=aws_db_instance.orders.monitoring_interval"]);
    const adopt = await cli(inNs(["adopt", `database.aws.terraplane.dev/${name}`]));
    expect(adopt.code).toBe(1);
    expect(adopt.stdout).toContain("its import dropped configuration Terraplane cannot express (aws_db_instance.orders.monitoring_interval)");
    await kubectlOk(["annotate", `databases.aws.terraplane.dev/${name}`, "-n", ns.name, "terraplane.dev/import-dropped-"]);
  });

  it("adopt of zero-diff resources prints terraform state rm; a spec edit then reaches the cloud", async () => {
    const cdnName = (await planJson(["cdn.aws.terraplane.dev"])).json.resources[0]?.name ?? "";
    const sqlName = (await planJson(["database.gcp.terraplane.dev"])).json.resources[0]?.name ?? "";
    const adopt = await cli(inNs(["adopt", `cdn.aws.terraplane.dev/${cdnName}`, `database.gcp.terraplane.dev/${sqlName}`]));
    expect(adopt.code, adopt.stdout + adopt.stderr).toBe(0);
    expect(adopt.stdout).toContain("terraform state rm 'aws_cloudfront_distribution.site'");
    expect(adopt.stdout).toContain("terraform state rm 'google_sql_database_instance.analytics'");
    expect(await kubectlOk(["get", `cdns.aws.terraplane.dev/${cdnName}`, "-n", ns.name, "-o", "jsonpath={.spec.managementPolicies} {.spec.deletionPolicy}"])).toBe('["Observe","Create","Update","LateInitialize"] Orphan');
    awsProxy.resetStats();
    await kubectlOk(["patch", `cdns.aws.terraplane.dev/${cdnName}`, "-n", ns.name, "--type=merge", "-p", JSON.stringify({ spec: { forProvider: { comment: "now managed by terraplane" } } })]);
    await expect.poll(async () => (await cf.send(new GetDistributionCommand({ Id: made.distributionId }))).Distribution?.DistributionConfig?.Comment, WAIT).toBe("now managed by terraplane");
    expect(mutatingCalls(awsProxy, "cloudfront", AWS_MUTATING)).toMatchObject({ UpdateDistribution: 1 });
  });

  it("deleting a resource adopted without --allow-delete leaves the cloud resource in place", async () => {
    const cdnName = (await planJson(["cdn.aws.terraplane.dev"])).json.resources[0]?.name ?? "";
    await kubectlOk(["delete", `cdns.aws.terraplane.dev/${cdnName}`, "-n", ns.name, "--wait=true", "--timeout=60s"]);
    const still = await cf.send(new GetDistributionCommand({ Id: made.distributionId }));
    expect(still.Distribution?.Id).toBe(made.distributionId);
    expect(mutatingCalls(awsProxy, "cloudfront", AWS_MUTATING).DeleteDistribution).toBeUndefined();
  });

  it("plan -f of the imported manifests observes from here: exactly the fields the cloud now has differently", async () => {
    awsProxy.resetStats();
    gcpProxy.resetStats();
    const run = await cli(inNs(["plan", "-f", join(dir, "manifests"), "-o", "json"]));
    expect(run.code, run.stdout + run.stderr).toBe(2);
    const json = PlanJson.parse(JSON.parse(run.stdout));
    const byKind = Object.fromEntries(json.resources.map((r) => [`${r.kind}/${r.name}`, { action: r.action, source: r.source, fields: r.fields?.map((f) => f.path) }]));
    expect(byKind).toEqual({
      "Database/orders": { action: "blocked", source: "observed", fields: ["backupRetentionPeriod"] },
      "CDN/site": { action: "blocked", source: "observed", fields: ["comment"] },
      "Database/analytics": { action: "none", source: "observed", fields: [] },
    });
    expect(mutating()).toEqual({});
  });

  it("plan -f examples/ lists what it would make before anything is applied (ProviderConfigs and Secrets from the files)", async () => {
    const sandbox = inject("sandbox");
    const env = { ...process.env, KUBECONFIG: sandbox.kubeconfig, AWS_ENDPOINT_URL: sandbox.awsEndpoint, TERRAPLANE_GCP_ENDPOINT: sandbox.gcpEndpoint };
    const examples = new URL("../examples/", import.meta.url).pathname;
    const run = await new Promise<CliResult>((done) => {
      execFile(process.execPath, ["--disable-warning=ExperimentalWarning", MAIN, "plan", "-f", examples, "-o", "json"], { env }, (err, stdout, stderr) => {
        done({ code: err ? (typeof err.code === "number" ? err.code : 1) : 0, stdout, stderr });
      });
    });
    expect(run.code, run.stdout + run.stderr).toBe(2);
    const json = PlanJson.parse(JSON.parse(run.stdout));
    expect(json.resources.map((r) => r.kind).sort()).toEqual(["CDN", "CDN", "Database", "Database", "LoadBalancer", "LoadBalancer"]);
    // Other tests may have made an example's resources in the shared emulators; where they did not, the plan is a create.
    expect(json.resources.every((r) => r.action !== "error")).toBe(true);
    expect(json.resources.some((r) => r.action === "create")).toBe(true);
    expect(run.stderr).toContain("WebStack");
  });
});

import { readFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import type { protos } from "@google-cloud/sql";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { z } from "zod";
import { Annotations, FINALIZER } from "../core/managed.ts";
import { database } from "../providers/gcp/database/index.ts";
import { GcpProviderConfigSpec } from "../providers/gcp/provider-config.ts";
import type { FaultConfigInput, FaultProxy } from "../sandbox/faultproxy/index.ts";
import { applyExample, eventReasons, mutatingCalls as proxyMutatingCalls, operationsDuring, resourceOf, settledAndObserved } from "./harness/environment.ts";
import { closeClients, gcpEmulatorControl, orUndefined, sqlClients, waitForSqlOperation } from "./harness/gcp.ts";
import { gcpEnvironment, installGcpCrds } from "./harness/gcp-provider.ts";
import type { GcpEnvironment } from "./harness/gcp-provider.ts";
import { kubectl, kubectlOk } from "./harness/kube.ts";
import { condition, eventsFor, toldLateInitialization } from "./harness/managed.ts";
import type { ManagedView } from "./harness/managed.ts";
import { uniqueName } from "./harness/names.ts";

// The Database kind (a Cloud SQL instance) end to end: kubectl → the real API server (CRD, CEL) →
// the core → the GCP provider → the official @google-cloud/sql clients → a fault proxy of the
// test's own → the GCP emulator. Each describe has its own namespace, GCP project (isolated state
// in the shared emulator), ProviderConfig, proxy and controller manager. Changes "behind
// Terraplane's back" go straight to the emulator with the official clients.

type Instance = protos.google.cloud.sql.v1.IDatabaseInstance;

const RESOURCE = resourceOf(database);
const WAIT = { timeout: 45_000, interval: 250 };
const OPERATION_DELAY_MS = 800;
const MUTATING = /^instances\.(insert|patch|put|update|delete)$|^users\./;

/** What a user would write: a small PostgreSQL instance. */
const BASE = { databaseVersion: "POSTGRES_16", tier: "db-custom-1-3840" };

interface Env extends GcpEnvironment {
  readonly sql: ReturnType<typeof sqlClients>;
  get(name: string): Promise<Instance | undefined>;
}

async function environment(opts: { faults?: FaultConfigInput; pollIntervalMs?: number; credentials?: "Secret" | "ApplicationDefault" } = {}): Promise<Env> {
  const env = await gcpEnvironment(database, {
    nsPrefix: "gdb",
    projectPrefix: "tp-db",
    operationDelayMs: OPERATION_DELAY_MS,
    seed: 7,
    faults: opts.faults,
    pollIntervalMs: opts.pollIntervalMs ?? 2_000,
    region: "europe-west1",
    credentials: opts.credentials,
    deleteTimeout: "20s",
  });
  const sql = sqlClients({ direct: true });
  return {
    ...env,
    sql,
    get: (instance) => orUndefined(() => sql.instances.get({ project: env.project, instance })),
    async close() {
      await env.close();
      await closeClients(sql);
    },
  };
}

const SecretShape = z.object({ data: z.record(z.string(), z.string()) });

async function secretData(ns: string, name: string): Promise<Record<string, string>> {
  const secret = SecretShape.parse(JSON.parse(await kubectlOk(["get", "secret", name, "-n", ns, "-o", "json"])));
  return Object.fromEntries(Object.entries(secret.data).map(([k, v]) => [k, Buffer.from(v, "base64").toString("utf8")]));
}

const reasons = eventReasons;

/** Ready and Synced, no operation under way, spec and status in step (late initialisation written back and observed). */
async function settled(env: Env, name: string): Promise<boolean> {
  const mr = await env.view(name);
  return (
    condition(mr, "Ready")?.status === "True" &&
    condition(mr, "Synced")?.status === "True" &&
    mr?.spec.forProvider.region !== undefined &&
    mr.status?.pendingOperation === undefined &&
    mr.status?.observedGeneration === mr.metadata.generation
  );
}

/** Settled, then observed twice more, so the controller's cache has caught up with what it wrote. */
const quiet = (env: Env, name: string): Promise<void> => settledAndObserved(env, name, () => settled(env, name), WAIT);

/** Requests per mutating Cloud SQL method seen by a proxy since its last reset. */
const mutatingCalls = (proxy: FaultProxy): Record<string, number> => proxyMutatingCalls(proxy, "sqladmin", (op) => MUTATING.test(op));

/** The connection Secret a PostgreSQL Database with a generated password publishes; returns the password. */
async function expectConnectionSecret(env: Env, name: string, host: string): Promise<string> {
  const conn = await secretData(env.ns, `${name}-conn`);
  const password = conn.password ?? "";
  expect(password).toMatch(/^[A-Za-z0-9]{32}$/);
  expect(conn).toEqual({
    host,
    port: "5432",
    username: "postgres",
    engine: "postgres",
    password,
    uri: `postgres://postgres:${password}@${host}:5432/postgres`,
    connectionName: `${env.project}:europe-west1:${name}`,
  });
  return password;
}

/** atProvider as Cloud SQL reports the instance, and the labels on it (the user's plus Terraplane's ownership labels). */
function expectMirrors(env: Env, name: string, mr: ManagedView | undefined, cloud: Instance | undefined): void {
  const host = cloud?.ipAddresses?.[0]?.ipAddress ?? "";
  expect(mr?.status?.atProvider).toEqual({
    state: "RUNNABLE",
    connectionName: `${env.project}:europe-west1:${name}`,
    ipAddresses: [{ type: "PRIMARY", ipAddress: host }],
    selfLink: cloud?.selfLink,
    settingsVersion: 1,
    databaseInstalledVersion: "POSTGRES_16_8",
    gceZone: "europe-west1-c",
  });
  const { "terraplane-uid": uid, ...labels } = cloud?.settings?.userLabels ?? {};
  expect(labels).toEqual({ team: "orders", "terraplane-managed-by": "terraplane" });
  expect(uid).toMatch(/^[0-9a-f-]{36}$/);
}

const settingsVersionOf = (inst: Instance | undefined): number => Number(inst?.settings?.settingsVersion?.value ?? 0);

describe("Database (Cloud SQL instance) on the GCP emulator", () => {
  beforeAll(async () => {
    await installGcpCrds([database]);
  });

  describe("create, update, drift", () => {
    let env: Env;
    beforeAll(async () => {
      env = await environment();
    });
    afterAll(async () => env.close());

    it("creates the instance through its operation, reports Ready with atProvider and late-initialised fields, and writes the connection Secret", async () => {
      const name = uniqueName("orders");
      const t0 = Date.now();
      await env.apply(name, { ...BASE, userLabels: { team: "orders" } }, { spec: { writeConnectionSecretToRef: { name: `${name}-conn` } } });
      // The create is an operation of its own, recorded in status while it runs.
      await expect.poll(async () => (await env.view(name))?.status?.pendingOperation, WAIT).toMatchObject({ action: "create" });
      expect(condition(await env.view(name), "Ready")?.reason).toBe("Creating");
      await kubectlOk(["wait", `${RESOURCE}/${name}`, "-n", env.ns, "--for=condition=Ready", "--timeout=45s"]);
      console.info(`create → Ready in ${Date.now() - t0} ms`);
      await expect.poll(() => settled(env, name), WAIT).toBe(true);

      const mr = await env.view(name);
      const cloud = await env.get(name);
      const host = cloud?.ipAddresses?.[0]?.ipAddress ?? "";
      expect(mr?.metadata.finalizers).toContain(FINALIZER);
      expect(mr?.metadata.annotations?.[Annotations.externalName]).toBe(name);
      expectMirrors(env, name, mr, cloud);
      // Defaults Cloud SQL filled in are written back to the spec, not fought.
      expect(mr?.spec.forProvider).toMatchObject({
        region: "europe-west1",
        edition: "ENTERPRISE",
        diskSizeGb: 10,
        diskType: "PD_SSD",
        diskAutoresize: true,
        availabilityType: "ZONAL",
        deletionProtectionEnabled: false,
        backupConfiguration: { enabled: false, startTime: "09:00", pointInTimeRecoveryEnabled: false, transactionLogRetentionDays: 7, retainedBackups: 7 },
        ipConfiguration: { ipv4Enabled: true },
      });
      const password = await expectConnectionSecret(env, name, host);
      const events = await eventsFor(env.ns, name);
      expect(events.map((e) => e.reason)).toContain("CreatedExternalResource");
      expect(toldLateInitialization(events)).toBe(true);
      expect(JSON.stringify([mr, events])).not.toContain(password);
      const table = await kubectlOk(["get", "gcpdb", name, "-n", env.ns]);
      expect(table).toMatch(new RegExp(`${name}\\s+True\\s+True\\s+${name}\\s+\\S+\\s+POSTGRES_16\\s+db-custom-1-3840\\s+RUNNABLE`));
    });

    it("applies a spec change with one instances.patch quoting the current settingsVersion, and never patches while it runs", async () => {
      const name = uniqueName("billing");
      await env.apply(name, { ...BASE, userLabels: { team: "billing" } }, { spec: { writeConnectionSecretToRef: { name: `${name}-conn` } } });
      await quiet(env, name);
      const before = settingsVersionOf(await env.get(name));
      env.proxy.resetStats();

      const t0 = Date.now();
      const change = { tier: "db-custom-2-7680", diskSizeGb: 20, databaseFlags: [{ name: "max_connections", value: "200" }], userLabels: { team: "payments" } };
      await kubectlOk(["patch", `${RESOURCE}/${name}`, "-n", env.ns, "--type=merge", "-p", JSON.stringify({ spec: { forProvider: change } })]);
      await expect.poll(async () => (await env.get(name))?.settings?.tier, WAIT).toBe("db-custom-2-7680");
      await quiet(env, name);
      console.info(`spec change → patched and settled in ${Date.now() - t0} ms`);
      const cloud = await env.get(name);
      expect(settingsVersionOf(cloud)).toBe(before + 1);
      expect(cloud?.settings).toMatchObject({ dataDiskSizeGb: { value: "20" }, databaseFlags: [{ name: "max_connections", value: "200" }] });
      expect(cloud?.settings?.userLabels).toMatchObject({ team: "payments", "terraplane-managed-by": "terraplane" });
      expect((await env.view(name))?.status?.atProvider).toMatchObject({ settingsVersion: before + 1 });
      expect(mutatingCalls(env.proxy)).toEqual({ "instances.patch": 1 });
      const events = await eventsFor(env.ns, name);
      expect(events.find((e) => e.reason === "UpdatedExternalResource")?.message).toBe("updated tier, diskSizeGb, databaseFlags, userLabels");
      expect(events.map((e) => e.reason)).not.toContain("DriftDetected"); // the user's edit is not drift
    });

    it("uses the admin password from a Secret, and rotates it with users.update when the Secret changes", async () => {
      const name = uniqueName("rotate");
      await kubectlOk(["create", "secret", "generic", `${name}-admin`, "-n", env.ns, "--from-literal=password=first-Passw0rd"]);
      await env.apply(name, { ...BASE, adminPasswordSecretRef: { name: `${name}-admin`, key: "password" } }, { spec: { writeConnectionSecretToRef: { name: `${name}-conn` } } });
      await quiet(env, name);
      expect((await secretData(env.ns, `${name}-conn`)).password).toBe("first-Passw0rd");
      env.proxy.resetStats();

      await kubectlOk(["patch", "secret", `${name}-admin`, "-n", env.ns, "--type=merge", "-p", JSON.stringify({ stringData: { password: "second-Passw0rd" } })]);
      // A Secret change is no spec edit: the next poll notices it.
      await expect.poll(async () => (await secretData(env.ns, `${name}-conn`)).password, WAIT).toBe("second-Passw0rd");
      expect((await secretData(env.ns, `${name}-conn`)).uri).toContain(":second-Passw0rd@");
      await quiet(env, name);
      expect(mutatingCalls(env.proxy)).toEqual({ "users.put": 1 }); // users.update is an HTTP PUT
      const events = await eventsFor(env.ns, name);
      expect(events.some((e) => e.reason === "UpdatedExternalResource" && e.message === "updated adminPassword")).toBe(true);
      expect(JSON.stringify([await env.view(name), events])).not.toMatch(/first-Passw0rd|second-Passw0rd/);
    });

    it("detects a change made behind Terraplane's back, names the fields, and corrects it", async () => {
      const name = uniqueName("drifty");
      await env.apply(name, { ...BASE }, { spec: { writeConnectionSecretToRef: { name: `${name}-conn` } } });
      await quiet(env, name);

      const t0 = Date.now();
      const [op] = await env.sql.instances.patch({
        project: env.project,
        instance: name,
        body: { settings: { tier: "db-custom-4-15360", backupConfiguration: { enabled: { value: true } }, userLabels: { owner: "someone-else" } } },
      });
      await waitForSqlOperation(env.sql.operations, env.project, op.name ?? "");

      await expect.poll(() => reasons(env.ns, name), WAIT).toContain("DriftDetected");
      const drift = (await eventsFor(env.ns, name)).find((e) => e.reason === "DriftDetected");
      expect(drift?.message).toBe("the cloud resource drifted from spec: tier, backupConfiguration.enabled");
      await expect.poll(async () => (await env.get(name))?.settings?.tier, WAIT).toBe("db-custom-1-3840");
      console.info(`drift → corrected in ${Date.now() - t0} ms`);
      const cloud = await env.get(name);
      expect(cloud?.settings?.backupConfiguration?.enabled?.value).toBe(false);
      expect(cloud?.settings?.userLabels?.owner).toBe("someone-else"); // labels others add are left alone
      await expect.poll(async () => (await env.view(name))?.status?.drift?.resolvedAt, WAIT).toBeTruthy(); // kept as the last drift
    });

    it("reports an operation that fails in the cloud as Synced=False with its message, and recovers on the next spec edit", async () => {
      const name = uniqueName("failing");
      await env.apply(name, { ...BASE }, { spec: { writeConnectionSecretToRef: { name: `${name}-conn` } } });
      await quiet(env, name);
      await gcpEmulatorControl().failOperations({
        match: { service: "sqladmin", operationType: "UPDATE", targetPattern: `/instances/${name}$` },
        error: { httpStatus: 400, code: "INVALID_REQUEST", message: "simulated: the flag value is out of range" },
        count: 1,
      });
      await kubectlOk(["patch", `${RESOURCE}/${name}`, "-n", env.ns, "--type=merge", "-p", JSON.stringify({ spec: { forProvider: { tier: "db-custom-2-7680" } } })]);
      await expect.poll(async () => condition(await env.view(name), "Synced")?.message ?? "", WAIT).toContain("simulated: the flag value is out of range");
      expect(condition(await env.view(name), "Synced")?.status).toBe("False");
      // Terminal: not retried in a loop while the spec stays as it is.
      env.proxy.resetStats();
      await sleep(3_000);
      expect(mutatingCalls(env.proxy)).toEqual({});
      // A new edit is a new request: it goes through.
      await kubectlOk(["patch", `${RESOURCE}/${name}`, "-n", env.ns, "--type=merge", "-p", JSON.stringify({ spec: { forProvider: { tier: "db-custom-4-15360" } } })]);
      await expect.poll(async () => (await env.get(name))?.settings?.tier, WAIT).toBe("db-custom-4-15360");
      await expect.poll(() => settled(env, name), WAIT).toBe(true);
    });
  });

  describe("import, delete, orphan, protection (ApplicationDefault credentials)", () => {
    let env: Env;
    beforeAll(async () => {
      env = await environment({ credentials: "ApplicationDefault" });
    });
    afterAll(async () => env.close());

    it("imports an instance created outside Terraplane read-only: Ready, atProvider mirrors it, nothing written", async () => {
      const legacy = uniqueName("legacy");
      const [op] = await env.sql.instances.insert({
        project: env.project,
        body: { name: legacy, databaseVersion: "MYSQL_8_0", region: "europe-west1", settings: { tier: "db-n1-standard-2", userLabels: { team: "legacy" } } },
      });
      await waitForSqlOperation(env.sql.operations, env.project, op.name ?? "");
      env.proxy.resetStats();
      await env.apply(legacy, { databaseVersion: "MYSQL_8_0", tier: "db-n1-standard-1", userLabels: { team: "legacy" } }, {
        spec: { managementPolicies: ["Observe"], deletionPolicy: "Orphan" },
        annotations: { [Annotations.externalName]: legacy },
      });
      await expect.poll(async () => condition(await env.view(legacy), "Ready")?.status, WAIT).toBe("True");
      await expect.poll(async () => condition(await env.view(legacy), "Synced")?.message ?? "", WAIT).toContain("managementPolicies do not allow updates");
      const mr = await env.view(legacy);
      expect(mr?.status?.atProvider).toMatchObject({ state: "RUNNABLE", connectionName: `${env.project}:europe-west1:${legacy}`, databaseInstalledVersion: "MYSQL_8_0_41" });
      expect(mr?.spec.forProvider.region).toBeUndefined(); // no LateInitialize in the policies
      await sleep(2_500);
      expect(mutatingCalls(env.proxy)).toEqual({});
      await kubectlOk(["delete", `${RESOURCE}/${legacy}`, "-n", env.ns, "--wait=true", "--timeout=30s"]);
      expect((await env.get(legacy))?.state).toBe("RUNNABLE"); // never deleted
    });

    it("deletes the instance through its operation, and leaves it with deletionPolicy Orphan", async () => {
      const gone = uniqueName("gone");
      const kept = uniqueName("kept");
      await env.apply(gone, { ...BASE }, { spec: { writeConnectionSecretToRef: { name: `${gone}-conn` } } });
      await env.apply(kept, { ...BASE }, { spec: { writeConnectionSecretToRef: { name: `${kept}-conn` }, deletionPolicy: "Orphan" } });
      await expect.poll(() => settled(env, gone), WAIT).toBe(true);
      await expect.poll(() => settled(env, kept), WAIT).toBe(true);

      const t0 = Date.now();
      await kubectlOk(["delete", `${RESOURCE}/${gone}`, "-n", env.ns, "--wait=false"]);
      await expect.poll(async () => (await env.view(gone))?.status?.pendingOperation, WAIT).toMatchObject({ action: "delete" });
      expect(condition(await env.view(gone), "Ready")?.reason).toBe("Deleting");
      await expect.poll(() => env.view(gone), WAIT).toBeUndefined();
      console.info(`delete → gone in ${Date.now() - t0} ms`);
      expect(await env.get(gone)).toBeUndefined();

      await kubectlOk(["delete", `${RESOURCE}/${kept}`, "-n", env.ns, "--wait=true", "--timeout=30s"]);
      expect((await env.get(kept))?.state).toBe("RUNNABLE");
      expect(await reasons(env.ns, kept)).toContain("OrphanedExternalResource");
    });

    it("refuses to delete a protected instance until the spec turns protection off, then deletes it", async () => {
      const name = uniqueName("guarded");
      await env.apply(name, { ...BASE, deletionProtectionEnabled: true }, { spec: { writeConnectionSecretToRef: { name: `${name}-conn` } } });
      await expect.poll(() => settled(env, name), WAIT).toBe(true);
      await kubectlOk(["delete", `${RESOURCE}/${name}`, "-n", env.ns, "--wait=false"]);
      await expect.poll(async () => condition(await env.view(name), "Synced")?.message ?? "", WAIT).toContain("set spec.forProvider.deletionProtectionEnabled to false");
      expect(condition(await env.view(name), "Synced")?.status).toBe("False");
      await sleep(1_500);
      expect((await env.get(name))?.settings?.deletionProtectionEnabled?.value).toBe(true); // never turned off by Terraplane on its own
      // The user says so in the spec: protection goes off, then the instance goes.
      const t0 = Date.now();
      await kubectlOk(["patch", `${RESOURCE}/${name}`, "-n", env.ns, "--type=merge", "-p", JSON.stringify({ spec: { forProvider: { deletionProtectionEnabled: false } } })]);
      await expect.poll(() => env.view(name), WAIT).toBeUndefined();
      console.info(`protection off → gone in ${Date.now() - t0} ms`);
      expect(await env.get(name)).toBeUndefined();
    });
  });

  describe("examples", () => {
    let env: Env;
    beforeAll(async () => {
      env = await environment();
    });
    afterAll(async () => env.close());

    it("examples/gcp/database.yaml becomes Ready as written (only its namespace and config reference swapped for the test's); providerconfig.yaml is valid", async () => {
      const name = await applyExample(env, "examples/gcp/database.yaml");
      await quiet(env, name);
      const cloud = await env.get(name);
      expect(cloud?.settings).toMatchObject({
        tier: "db-custom-1-3840",
        dataDiskSizeGb: { value: "20" },
        backupConfiguration: { enabled: { value: true }, startTime: "03:00", pointInTimeRecoveryEnabled: { value: true } },
        ipConfiguration: { authorizedNetworks: [{ name: "office", value: "203.0.113.0/24" }] },
        databaseFlags: [{ name: "max_connections", value: "200" }],
        maintenanceWindow: { day: { value: 7 }, hour: { value: 5 } },
        userLabels: { team: "orders", env: "dev" },
      });
      env.proxy.resetStats();
      await sleep(5_000);
      expect(mutatingCalls(env.proxy)).toEqual({}); // the example as written has no perpetual diff

      const pc = z.looseObject({ kind: z.literal("ClusterProviderConfig"), metadata: z.looseObject({ name: z.literal("default") }), spec: z.unknown() }).parse(
        parse(readFileSync(new URL("../examples/gcp/providerconfig.yaml", import.meta.url), "utf8")),
      );
      expect(GcpProviderConfigSpec.parse(pc.spec)).toMatchObject({ project: "terraplane-sandbox", credentials: { source: "ApplicationDefault" } });
      await kubectlOk(["apply", "--dry-run=server", "-f", "-"], JSON.stringify(pc));
    });
  });

  describe("invalid input", () => {
    let env: Env;
    beforeAll(async () => {
      env = await environment({ pollIntervalMs: 5_000 });
    });
    afterAll(async () => env.close());

    it("rejects invalid specs at admission: schema, engine change, disk shrink", async () => {
      const bad = await kubectl(["apply", "-f", "-"], env.manifest(uniqueName("bad"), { ...BASE, tier: "n1-standard", diskType: "PD_NVME" }, {}));
      expect(bad.code).not.toBe(0);
      expect(bad.stderr).toMatch(/tier/);
      expect(bad.stderr).toMatch(/diskType/);

      const name = uniqueName("strict");
      await env.apply(name, { ...BASE, diskSizeGb: 20 }, { spec: { writeConnectionSecretToRef: { name: `${name}-conn` } } });
      const shrink = await kubectl(["patch", `${RESOURCE}/${name}`, "-n", env.ns, "--type=merge", "-p", JSON.stringify({ spec: { forProvider: { diskSizeGb: 10 } } })]);
      expect(shrink.stderr).toContain("diskSizeGb cannot be reduced");
      const engine = await kubectl(["patch", `${RESOURCE}/${name}`, "-n", env.ns, "--type=merge", "-p", JSON.stringify({ spec: { forProvider: { databaseVersion: "MYSQL_8_0" } } })]);
      expect(engine.stderr).toContain("the engine of databaseVersion cannot change");
      const plus = await kubectl(["apply", "-f", "-"], env.manifest(uniqueName("plus"), { ...BASE, edition: "ENTERPRISE_PLUS" }, {}));
      expect(plus.stderr).toContain("ENTERPRISE_PLUS needs a db-perf-optimized-N-* tier");
    });

    it("reports a request Cloud SQL refuses (400) as Synced=False, without a hot retry loop", async () => {
      const name = uniqueName("refused");
      env.proxy.resetStats();
      await env.apply(name, { ...BASE, tier: "db-n1-weird-8" }, { spec: { writeConnectionSecretToRef: { name: `${name}-conn` } } });
      await expect.poll(async () => condition(await env.view(name), "Synced")?.message ?? "", WAIT).toContain("Invalid Tier (db-n1-weird-8)");
      expect(condition(await env.view(name), "Synced")?.status).toBe("False");
      await sleep(4_000);
      // One attempt, perhaps one more at the poll interval: never a hot loop.
      expect(mutatingCalls(env.proxy)["instances.insert"]).toBeLessThanOrEqual(2);
      expect(await env.get(name)).toBeUndefined();
    });
  });

  describe("behind a faulty network", () => {
    let env: Env;
    beforeAll(async () => {
      env = await environment({
        pollIntervalMs: 1_000,
        faults: { rules: [{ fault: "error5xx", rate: 0.3, match: { service: "sqladmin" } }] },
      });
    });
    afterAll(async () => env.close());

    it("converges through 30% server errors, then makes no update calls over ten poll cycles", async () => {
      const name = uniqueName("flaky");
      const t0 = Date.now();
      await env.apply(name, { ...BASE, userLabels: { team: "flaky" }, databaseFlags: [{ name: "log_min_duration_statement", value: "500" }] }, { spec: { writeConnectionSecretToRef: { name: `${name}-conn` } } });
      await expect.poll(() => settled(env, name), { timeout: 90_000, interval: 250 }).toBe(true);
      console.info(`create → settled behind 30% 5xx in ${Date.now() - t0} ms`);
      const faults = env.proxy.stats().services.sqladmin;
      expect(faults?.total.faults.error5xx).toBeGreaterThan(0); // the faults did fire
      const cloud = await env.get(name);
      expect(cloud?.state).toBe("RUNNABLE");
      expect(cloud?.settings?.databaseFlags).toEqual([{ name: "log_min_duration_statement", value: "500" }]);
      const instances = (await env.sql.instances.list({ project: env.project }))[0].items ?? [];
      expect(instances.map((i) => i.name)).toEqual([name]); // exactly one, despite retries

      await quiet(env, name);
      const ops = await operationsDuring(env.proxy, "sqladmin", 10 * 1_000 + 1_500);
      expect(ops["instances.get"]?.requests ?? 0).toBeGreaterThanOrEqual(8); // it kept polling
      expect(ops["instances.patch"]).toBeUndefined();
      expect(ops["instances.update"]).toBeUndefined();
    }, 150_000);
  });
});

import { AddTagsToResourceCommand, CreateDBInstanceCommand, DeleteDBInstanceCommand, ModifyDBInstanceCommand, RDSClient } from "@aws-sdk/client-rds";
import type { DBInstance } from "@aws-sdk/client-rds";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { Annotations, FINALIZER } from "../core/managed.ts";
import { database } from "../providers/aws/database/index.ts";
import type { FaultProxy } from "../sandbox/faultproxy/index.ts";
import { awsClientConfig, describeDbInstance } from "./harness/aws.ts";
import { awsEnvironment, installAwsCrds } from "./harness/aws-provider.ts";
import type { AwsEnvironment } from "./harness/aws-provider.ts";
import { eventReasons, mutatingCalls as proxyMutatingCalls, resourceOf, settledAndObserved } from "./harness/environment.ts";
import { kubectl, kubectlOk } from "./harness/kube.ts";
import { condition, eventsFor, toldLateInitialization } from "./harness/managed.ts";
import type { ManagedView } from "./harness/managed.ts";
import { uniqueName } from "./harness/names.ts";

// The Database kind (an RDS DB instance) end to end: kubectl → the real API server (CRD, CEL) → the
// core → the AWS provider → the official SDK → a fault proxy → moto. Each test has its own namespace,
// AWS region (moto keeps state per region), ProviderConfig and controller manager. Changes "behind
// Terraplane's back" go straight to moto with the SDK.

const RESOURCE = resourceOf(database);
const WAIT = { timeout: 45_000, interval: 250 };
const MUTATING = /^(Create|Modify|Delete|AddTags|RemoveTags|Reboot|Start|Stop|Restore|Promote)/;

/** What a user would write: a small PostgreSQL instance. */
const BASE = { engine: "postgres", engineVersion: "16", instanceClass: "db.t3.micro", allocatedStorage: 20, masterUsername: "app", skipFinalSnapshot: true };

interface Env extends AwsEnvironment {
  readonly rds: RDSClient;
  describe(name: string): Promise<DBInstance | undefined>;
}

async function environment(region: string, opts: { proxy?: boolean; pollIntervalMs?: number } = {}): Promise<Env> {
  const env = await awsEnvironment(database, { nsPrefix: "db", region, proxySeed: opts.proxy ? 42 : undefined, pollIntervalMs: opts.pollIntervalMs ?? 2_000, deleteTimeout: "20s" });
  const rds = new RDSClient(awsClientConfig({ region, direct: true }));
  return {
    ...env,
    rds,
    describe: (name) => describeDbInstance(rds, name),
    async close() {
      await env.close();
      rds.destroy();
    },
  };
}

const SecretShape = z.object({ data: z.record(z.string(), z.string()), metadata: z.object({ ownerReferences: z.array(z.object({ name: z.string() })).optional() }) });

async function secretData(ns: string, name: string): Promise<Record<string, string>> {
  const secret = SecretShape.parse(JSON.parse(await kubectlOk(["get", "secret", name, "-n", ns, "-o", "json"])));
  return Object.fromEntries(Object.entries(secret.data).map(([k, v]) => [k, Buffer.from(v, "base64").toString("utf8")]));
}

const tagsOf = (db: DBInstance | undefined): Record<string, string> => Object.fromEntries((db?.TagList ?? []).map((t) => [t.Key ?? "", t.Value ?? ""]));
const reasons = eventReasons;

/** Ready and Synced, with spec and status in step (late initialisation written back and observed). */
async function settled(env: Env, name: string): Promise<boolean> {
  const mr = await env.view(name);
  return (
    condition(mr, "Ready")?.status === "True" &&
    condition(mr, "Synced")?.status === "True" &&
    mr?.spec.forProvider.region !== undefined &&
    mr.status?.observedGeneration === mr.metadata.generation
  );
}

/** atProvider as the cloud reports the instance. */
function expectMirrors(mr: ManagedView | undefined, cloud: DBInstance | undefined, engineVersion: string): void {
  expect(cloud).toBeDefined();
  expect(mr?.status?.atProvider).toEqual({
    arn: cloud?.DBInstanceArn,
    status: "available",
    endpoint: { address: cloud?.Endpoint?.Address, port: cloud?.Endpoint?.Port },
    resourceId: cloud?.DbiResourceId,
    engineVersion,
  });
}

/** The connection Secret a PostgreSQL Database with a generated password publishes. */
async function expectConnectionSecret(ns: string, secret: string, cloud: DBInstance | undefined): Promise<string> {
  const conn = await secretData(ns, secret);
  const host = cloud?.Endpoint?.Address ?? "";
  const password = conn.password ?? "";
  expect(password).toMatch(/^[A-Za-z0-9]{32}$/);
  expect(conn).toEqual({ host, port: "5432", username: "app", engine: "postgres", password, uri: `postgres://app:${password}@${host}:5432/postgres` });
  return password;
}

/** Settled, then observed twice more, so the controller's cache has caught up with what it wrote. */
const quiet = (env: Env, name: string): Promise<void> => settledAndObserved(env, name, () => settled(env, name), WAIT);

/** Requests per mutating RDS operation seen by a proxy since its last reset. */
const mutatingCalls = (proxy: FaultProxy): Record<string, number> => proxyMutatingCalls(proxy, "rds", (op) => MUTATING.test(op));

describe("Database (RDS DB instance) on moto", () => {
  beforeAll(async () => {
    await installAwsCrds([database]);
  });

  describe("create", () => {
    let env: Env;
    beforeAll(async () => {
      env = await environment("us-east-2", { proxy: true });
    });
    afterAll(async () => env.close());

    it("creates the instance, reports Ready with atProvider and late-initialised fields, and writes the connection Secret", async () => {
      const name = uniqueName("orders");
      const t0 = Date.now();
      await env.apply(name, { ...BASE, tags: { team: "orders" } }, { spec: { writeConnectionSecretToRef: { name: `${name}-conn` } } });
      await kubectlOk(["wait", `${RESOURCE}/${name}`, "-n", env.ns, "--for=condition=Ready", "--timeout=45s"]);
      console.info(`create → Ready in ${Date.now() - t0} ms`);
      await expect.poll(() => settled(env, name), WAIT).toBe(true);

      const mr = await env.view(name);
      const cloud = await env.describe(name);
      expect(mr?.metadata.finalizers).toContain(FINALIZER);
      expect(mr?.metadata.annotations?.[Annotations.externalName]).toBe(name);
      expectMirrors(mr, cloud, "16");
      // Defaults RDS filled in are written back to the spec, not fought.
      expect(mr?.spec.forProvider).toMatchObject({ region: "us-east-2", storageType: "gp2", backupRetentionPeriod: 1, port: 5432, preferredMaintenanceWindow: "wed:06:38-wed:07:08" });
      expect(mr?.spec.forProvider.vpcSecurityGroupIds).toEqual(cloud?.VpcSecurityGroups?.map((g) => g.VpcSecurityGroupId));
      expect(mr?.spec.forProvider.parameterGroupName).toBeUndefined(); // RDS's default group is not pinned

      const { "terraplane.dev/uid": uid, ...tags } = tagsOf(cloud);
      expect(tags).toEqual({ team: "orders", "terraplane.dev/managed-by": "terraplane", "terraplane.dev/resource": `Database/${env.ns}/${name}` });
      expect(uid).toMatch(/^[0-9a-f-]{36}$/);

      const password = await expectConnectionSecret(env.ns, `${name}-conn`, cloud);

      const events = await eventsFor(env.ns, name);
      expect(events.map((e) => e.reason)).toContain("CreatedExternalResource");
      expect(toldLateInitialization(events)).toBe(true);
      expect(JSON.stringify([mr, events])).not.toContain(password); // never in status or events

      const table = await kubectlOk(["get", "awsdb", name, "-n", env.ns]);
      expect(table).toMatch(/NAME\s+READY\s+SYNCED\s+EXTERNAL-NAME\s+AGE\s+ENGINE\s+VERSION\s+CLASS\s+STATUS/);
      expect(table).toMatch(new RegExp(`${name}\\s+True\\s+True\\s+${name}\\s+\\S+\\s+postgres\\s+16\\s+db.t3.micro\\s+available`));

      // The generated password is known only to create; later observations keep it in the Secret.
      await new Promise((r) => setTimeout(r, 3_000));
      expect((await secretData(env.ns, `${name}-conn`)).password).toBe(password);
    });

    it("finds the instance of a create whose answer was lost, by name and ownership tags, instead of creating it again", async () => {
      const proxy = env.proxy;
      if (!proxy) throw new Error("needs its own proxy");
      const name = uniqueName("lost");
      await kubectlOk(["create", "secret", "generic", `${name}-master`, "-n", env.ns, "--from-literal=password=lost-Passw0rd"]);
      // Paused, then a create-pending marker and an instance carrying this object's ownership tags: what a crash right after CreateDBInstance leaves.
      await env.apply(name, { ...BASE, masterPasswordSecretRef: { name: `${name}-master`, key: "password" } }, { annotations: { [Annotations.paused]: "true" } });
      const uid = (await kubectlOk(["get", `${RESOURCE}/${name}`, "-n", env.ns, "-o", "jsonpath={.metadata.uid}"])).trim();
      await env.rds.send(
        new CreateDBInstanceCommand({
          DBInstanceIdentifier: name,
          Engine: "postgres",
          EngineVersion: "16",
          DBInstanceClass: "db.t3.micro",
          AllocatedStorage: 20,
          MasterUsername: "app",
          MasterUserPassword: "lost-Passw0rd",
          Tags: [
            { Key: "terraplane.dev/managed-by", Value: "terraplane" },
            { Key: "terraplane.dev/resource", Value: `Database/${env.ns}/${name}` },
            { Key: "terraplane.dev/uid", Value: uid },
          ],
        }),
      );
      proxy.resetStats();
      await kubectlOk(["annotate", `${RESOURCE}/${name}`, "-n", env.ns, `${Annotations.createPending}=${new Date().toISOString()}`, `${Annotations.paused}-`]);
      await expect.poll(() => settled(env, name), WAIT).toBe(true);
      const mr = await env.view(name);
      expect(mr?.metadata.annotations?.[Annotations.createSucceeded]).toBeDefined();
      expect(mr?.metadata.finalizers).toContain(FINALIZER);
      expect(proxy.stats().services.rds?.operations.CreateDBInstance).toBeUndefined();
      expect(mutatingCalls(proxy)).toEqual({});
    });
  });

  describe("update", () => {
    let env: Env;
    beforeAll(async () => {
      env = await environment("us-west-1");
    });
    afterAll(async () => env.close());

    it("applies a spec change with ModifyDBInstance and tag calls, and rotates the master password from its Secret", async () => {
      const name = uniqueName("billing");
      await kubectlOk(["create", "secret", "generic", `${name}-master`, "-n", env.ns, "--from-literal=password=first-Passw0rd"]);
      await env.apply(name, { ...BASE, masterPasswordSecretRef: { name: `${name}-master`, key: "password" }, tags: { team: "billing" } }, { spec: { writeConnectionSecretToRef: { name: `${name}-conn` } } });
      await expect.poll(() => settled(env, name), WAIT).toBe(true);
      expect((await secretData(env.ns, `${name}-conn`)).password).toBe("first-Passw0rd");

      const t0 = Date.now();
      await kubectlOk(["patch", `${RESOURCE}/${name}`, "-n", env.ns, "--type=merge", "-p", JSON.stringify({ spec: { forProvider: { instanceClass: "db.t3.small", backupRetentionPeriod: 7, tags: { team: "payments", tier: "gold" } } } })]);
      await expect.poll(async () => (await env.describe(name))?.DBInstanceClass, WAIT).toBe("db.t3.small");
      await expect.poll(() => settled(env, name), WAIT).toBe(true);
      console.info(`spec change → cloud updated and settled in ${Date.now() - t0} ms`);
      const cloud = await env.describe(name);
      expect(cloud?.BackupRetentionPeriod).toBe(7);
      expect(tagsOf(cloud)).toMatchObject({ team: "payments", tier: "gold", "terraplane.dev/managed-by": "terraplane" });
      const events = await eventsFor(env.ns, name);
      expect(events.find((e) => e.reason === "UpdatedExternalResource")?.message).toContain("instanceClass");
      expect(events.map((e) => e.reason)).not.toContain("DriftDetected"); // the user's edit is not drift

      // Rotation: the referenced Secret changes; the new password is sent and then published.
      await kubectlOk(["patch", "secret", `${name}-master`, "-n", env.ns, "--type=merge", "-p", JSON.stringify({ stringData: { password: "second-Passw0rd" } })]);
      await expect.poll(async () => (await secretData(env.ns, `${name}-conn`)).password, { timeout: 45_000, interval: 500 }).toBe("second-Passw0rd");
      expect((await secretData(env.ns, `${name}-conn`)).uri).toContain(":second-Passw0rd@");
      const rotated = await eventsFor(env.ns, name);
      expect(rotated.some((e) => e.reason === "UpdatedExternalResource" && e.message.includes("masterPassword"))).toBe(true);
      expect(JSON.stringify([await env.view(name), rotated])).not.toMatch(/first-Passw0rd|second-Passw0rd/);
    });
  });

  describe("drift", () => {
    let env: Env;
    beforeAll(async () => {
      env = await environment("us-west-2");
    });
    afterAll(async () => env.close());

    it("detects a change made behind Terraplane's back, names the fields, and corrects it", async () => {
      const name = uniqueName("drifty");
      await env.apply(name, { ...BASE, tags: { team: "core" } }, { spec: { writeConnectionSecretToRef: { name: `${name}-conn` } } });
      await quiet(env, name);
      const arn = (await env.describe(name))?.DBInstanceArn;

      const t0 = Date.now();
      await env.rds.send(new ModifyDBInstanceCommand({ DBInstanceIdentifier: name, DBInstanceClass: "db.t3.large", ApplyImmediately: true }));
      await env.rds.send(new AddTagsToResourceCommand({ ResourceName: arn, Tags: [{ Key: "owner", Value: "someone-else" }] }));

      await expect.poll(() => reasons(env.ns, name), WAIT).toContain("DriftDetected");
      const drift = (await eventsFor(env.ns, name)).find((e) => e.reason === "DriftDetected");
      expect(drift?.message).toBe("the cloud resource drifted from spec: instanceClass, tags");
      await expect.poll(async () => (await env.describe(name))?.DBInstanceClass, WAIT).toBe("db.t3.micro");
      console.info(`drift → corrected in ${Date.now() - t0} ms`);
      expect(tagsOf(await env.describe(name))).not.toHaveProperty("owner");
      expect((await env.view(name))?.status?.drift).toMatchObject({
        fields: [
          { path: "instanceClass", desired: '"db.t3.micro"', observed: '"db.t3.large"' },
          { path: "tags", desired: '{"team":"core"}', observed: '{"owner":"someone-else","team":"core"}' },
        ],
        corrected: true,
      });
    });
  });

  describe("observe-only import", () => {
    let env: Env;
    beforeAll(async () => {
      env = await environment("eu-west-2", { proxy: true });
    });
    afterAll(async () => env.close());

    it("imports an instance created outside Terraplane: Ready, atProvider mirrors it, nothing written", async () => {
      const legacy = uniqueName("legacy");
      await env.rds.send(
        new CreateDBInstanceCommand({
          DBInstanceIdentifier: legacy,
          Engine: "mysql",
          EngineVersion: "8.0.35",
          DBInstanceClass: "db.m5.large",
          AllocatedStorage: 100,
          MasterUsername: "admin",
          MasterUserPassword: "not-ours-123",
          Tags: [{ Key: "team", Value: "legacy" }],
        }),
      );
      const proxy = env.proxy;
      if (!proxy) throw new Error("the import test needs its own proxy");
      proxy.resetStats();

      const name = uniqueName("imported");
      // The spec disagrees with the cloud on purpose: read-only means it is reported, never pushed.
      await env.apply(name, { engine: "mysql", instanceClass: "db.t3.micro", allocatedStorage: 100, masterUsername: "admin", skipFinalSnapshot: true }, {
        spec: { managementPolicies: ["Observe"] },
        annotations: { [Annotations.externalName]: legacy },
      });
      await expect.poll(async () => condition(await env.view(name), "Ready")?.status, WAIT).toBe("True");
      await expect.poll(() => proxy.stats().services.rds?.operations.DescribeDBInstances?.requests ?? 0, WAIT).toBeGreaterThanOrEqual(3); // a few more polls

      const mr = await env.view(name);
      const cloud = await env.describe(legacy);
      expectMirrors(mr, cloud, "8.0.35");
      expect(cloud?.Endpoint?.Port).toBe(3306);
      expect(condition(mr, "Synced")?.message).toBe("differs from spec (instanceClass); managementPolicies do not allow updates");
      expect(mr?.spec.forProvider.region).toBeUndefined(); // LateInitialize is not allowed either
      expect(mr?.metadata.finalizers ?? []).not.toContain(FINALIZER);
      expect(cloud?.DBInstanceClass).toBe("db.m5.large");

      const ops = proxy.stats().services.rds?.operations ?? {};
      expect(Object.keys(ops)).toEqual(["DescribeDBInstances"]);

      await kubectlOk(["delete", `${RESOURCE}/${name}`, "-n", env.ns, "--timeout=30s"]);
      expect(await env.describe(legacy)).toBeDefined(); // never deleted: it is not ours
      expect(mutatingCalls(proxy)).toEqual({});
      await env.rds.send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: legacy, SkipFinalSnapshot: true }));
    });
  });

  describe("delete and orphan", () => {
    let env: Env;
    beforeAll(async () => {
      env = await environment("eu-west-3");
    });
    afterAll(async () => env.close());

    it("deletes the instance with the object, and leaves it with deletionPolicy Orphan", async () => {
      const gone = uniqueName("gone");
      const kept = uniqueName("kept");
      await env.apply(gone, BASE, { spec: { writeConnectionSecretToRef: { name: `${gone}-conn` } } });
      await env.apply(kept, BASE, { spec: { deletionPolicy: "Orphan", writeConnectionSecretToRef: { name: `${kept}-conn` } } });
      await expect.poll(async () => (await settled(env, gone)) && (await settled(env, kept)), WAIT).toBe(true);

      const t0 = Date.now();
      await kubectlOk(["delete", `${RESOURCE}/${gone}`, `${RESOURCE}/${kept}`, "-n", env.ns, "--timeout=45s"]);
      console.info(`delete → object gone in ${Date.now() - t0} ms`);
      expect(await env.view(gone)).toBeUndefined();
      expect(await env.view(kept)).toBeUndefined();
      expect(await env.describe(gone)).toBeUndefined();
      expect((await env.describe(kept))?.DBInstanceStatus).toBe("available");
      await env.rds.send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: kept, SkipFinalSnapshot: true }));
    });

    it("refuses to delete a protected instance until the spec turns protection off", async () => {
      const name = uniqueName("guarded");
      await env.apply(name, { ...BASE, deletionProtection: true }, { spec: { writeConnectionSecretToRef: { name: `${name}-conn` } } });
      await expect.poll(() => settled(env, name), WAIT).toBe(true);
      await kubectlOk(["delete", `${RESOURCE}/${name}`, "-n", env.ns, "--wait=false"]);
      await expect.poll(async () => condition(await env.view(name), "Synced")?.message ?? "", WAIT).toContain("set spec.forProvider.deletionProtection to false");
      expect(condition(await env.view(name), "Synced")?.status).toBe("False");
      expect((await env.describe(name))?.DBInstanceStatus).toBe("available");

      await kubectlOk(["patch", `${RESOURCE}/${name}`, "-n", env.ns, "--type=merge", "-p", '{"spec":{"forProvider":{"deletionProtection":false}}}']);
      await expect.poll(() => env.view(name), WAIT).toBeUndefined();
      expect(await env.describe(name)).toBeUndefined();
    });
  });

  describe("invalid input", () => {
    let env: Env;
    beforeAll(async () => {
      env = await environment("eu-central-1", { proxy: true });
    });
    afterAll(async () => env.close());

    it("rejects bad enums, immutable changes, shrinking storage, a missing snapshot choice and reserved tags at admission", async () => {
      const name = uniqueName("strict");
      const bad = await kubectl(["apply", "-f", "-"], env.manifest(uniqueName("oracle"), { ...BASE, engine: "oracle-ee" }, {}));
      expect(bad.code).not.toBe(0);
      expect(bad.stderr).toMatch(/spec\.forProvider\.engine: Unsupported value: "oracle-ee": supported values: "postgres", "mysql", "mariadb"/);

      const noSnapshot = await kubectl(["apply", "-f", "-"], env.manifest(uniqueName("nosnap"), { ...BASE, skipFinalSnapshot: undefined }, {}));
      expect(noSnapshot.code).not.toBe(0);
      expect(noSnapshot.stderr).toContain("set finalSnapshotIdentifier (RDS takes that snapshot when the Database is deleted) or skipFinalSnapshot: true");

      const reserved = await kubectl(["apply", "-f", "-"], env.manifest(uniqueName("tags"), { ...BASE, tags: { "terraplane.dev/uid": "x" } }, {}));
      expect(reserved.stderr).toContain("tag keys starting with terraplane.dev/");

      await env.apply(name, BASE, { spec: { writeConnectionSecretToRef: { name: `${name}-conn` } } });
      const patch = (fields: Record<string, unknown>) => kubectl(["patch", `${RESOURCE}/${name}`, "-n", env.ns, "--type=merge", "-p", JSON.stringify({ spec: { forProvider: fields } })]);
      expect((await patch({ engine: "mysql" })).stderr).toContain("engine is immutable: create a new Database with the new engine (and delete this one) instead of changing it");
      expect((await patch({ allocatedStorage: 10 })).stderr).toContain("allocatedStorage cannot be reduced");
      await expect.poll(() => settled(env, name), WAIT).toBe(true);
      expect((await patch({ region: "eu-west-1" })).stderr).toContain("region is immutable once set");
    });

    it("reports a parameter RDS rejects in Synced=False, and does not retry it in a hot loop", async () => {
      const proxy = env.proxy;
      if (!proxy) throw new Error("needs its own proxy");
      proxy.resetStats();
      const name = uniqueName("overlap");
      // Both windows are valid alone; RDS refuses them together. Poll interval 30s: a terminal error waits for it (or an edit).
      await env.apply(name, { ...BASE, preferredBackupWindow: "06:00-07:00", preferredMaintenanceWindow: "wed:06:30-wed:07:30" }, {
        spec: { writeConnectionSecretToRef: { name: `${name}-conn` } },
        annotations: { [Annotations.pollInterval]: "30s" },
      });
      await expect.poll(async () => condition(await env.view(name), "Synced")?.status, WAIT).toBe("False");
      const synced = condition(await env.view(name), "Synced");
      expect(synced?.message).toBe("cannot create the cloud resource: rds:CreateDBInstance: The backup window and maintenance window must not overlap. (InvalidParameterValue)");
      await new Promise((r) => setTimeout(r, 8_000));
      expect(mutatingCalls(proxy)).toEqual({ CreateDBInstance: 1 });
      const warnings = (await eventsFor(env.ns, name)).filter((e) => e.reason === "CannotCreateExternalResource");
      expect(warnings).toHaveLength(1);

      // An edit brings it back at once.
      await kubectlOk(["patch", `${RESOURCE}/${name}`, "-n", env.ns, "--type=merge", "-p", '{"spec":{"forProvider":{"preferredMaintenanceWindow":"sun:05:00-sun:05:30"}}}']);
      await expect.poll(() => settled(env, name), WAIT).toBe(true);
      expect((await env.describe(name))?.PreferredMaintenanceWindow).toBe("sun:05:00-sun:05:30");
    });
  });

  describe("throttling", () => {
    let env: Env;
    beforeAll(async () => {
      env = await environment("ap-northeast-1", { proxy: true });
      env.proxy?.setFaults({ rules: [{ fault: "throttle", rate: 0.3, match: { service: "rds" } }] });
      // On top of the 30 %: the first two creates and the first modify are throttled for sure, so the SDK's own retry is exercised on writes.
      env.proxy?.schedule({ fault: "throttle", count: 2, match: { service: "rds", operation: "CreateDBInstance" } });
      env.proxy?.schedule({ fault: "throttle", count: 1, match: { service: "rds", operation: "ModifyDBInstance" } });
    });
    afterAll(async () => env.close());

    it("converges behind 30 % throttling, creates exactly once, and stays correct", async () => {
      const proxy = env.proxy;
      if (!proxy) throw new Error("needs its own proxy");
      const name = uniqueName("throttled");
      const t0 = Date.now();
      await env.apply(name, { ...BASE, tags: { team: "edge" } }, { spec: { writeConnectionSecretToRef: { name: `${name}-conn` } } });
      await expect.poll(() => settled(env, name), { timeout: 90_000, interval: 250 }).toBe(true);
      console.info(`throttled create → settled in ${Date.now() - t0} ms`);

      await kubectlOk(["patch", `${RESOURCE}/${name}`, "-n", env.ns, "--type=merge", "-p", '{"spec":{"forProvider":{"instanceClass":"db.t3.small","tags":{"team":"edge","tier":"1"}}}}']);
      await expect.poll(async () => (await env.describe(name))?.DBInstanceClass, { timeout: 90_000, interval: 250 }).toBe("db.t3.small");
      await expect.poll(() => settled(env, name), { timeout: 90_000, interval: 250 }).toBe(true);
      await new Promise((r) => setTimeout(r, 4_000));

      const ops = proxy.stats().services.rds?.operations ?? {};
      const count = (op: string, what: "throttled" | "forwarded"): number => (what === "throttled" ? ops[op]?.faults.throttle : ops[op]?.forwarded) ?? 0;
      console.info(`throttled: ${JSON.stringify(Object.fromEntries(Object.entries(ops).map(([op, c]) => [op, { requests: c.requests, throttled: c.faults.throttle }])))}`);
      expect(count("CreateDBInstance", "throttled")).toBeGreaterThanOrEqual(2);
      expect(count("CreateDBInstance", "forwarded")).toBe(1); // retried by the SDK, created once
      expect(count("ModifyDBInstance", "throttled")).toBeGreaterThanOrEqual(1);
      const cloud = await env.describe(name);
      expect(cloud?.DBInstanceClass).toBe("db.t3.small");
      expect(tagsOf(cloud)).toMatchObject({ team: "edge", tier: "1" });
      expect(await settled(env, name)).toBe(true);
    });
  });

  describe("no perpetual diff", () => {
    let env: Env;
    beforeAll(async () => {
      env = await environment("ap-southeast-2", { proxy: true, pollIntervalMs: 1_000 });
    });
    afterAll(async () => env.close());

    it("issues no mutating call in ten poll cycles after convergence", async () => {
      const proxy = env.proxy;
      if (!proxy) throw new Error("needs its own proxy");
      const name = uniqueName("steady");
      await kubectlOk(["create", "secret", "generic", `${name}-master`, "-n", env.ns, "--from-literal=password=steady-Passw0rd"]);
      await env.apply(
        name,
        {
          ...BASE,
          engineVersion: "16",
          storageType: "gp2",
          maxAllocatedStorage: 100,
          backupRetentionPeriod: 3,
          preferredBackupWindow: "02:00-02:30",
          preferredMaintenanceWindow: "Sun:05:00-Sun:05:30",
          multiAZ: false,
          publiclyAccessible: false,
          deletionProtection: false,
          dbName: "steady",
          masterPasswordSecretRef: { name: `${name}-master`, key: "password" },
          tags: { team: "steady", env: "test" },
        },
        { spec: { writeConnectionSecretToRef: { name: `${name}-conn` } } },
      );
      await expect.poll(() => settled(env, name), WAIT).toBe(true);
      await new Promise((r) => setTimeout(r, 1_500));
      proxy.resetStats();
      const updatesBefore = (await eventsFor(env.ns, name)).filter((e) => e.reason === "UpdatedExternalResource").length;

      // Ten poll cycles: ten observations at the proxy (each reconcile reads the instance once).
      const t0 = Date.now();
      await expect.poll(() => proxy.stats().services.rds?.operations.DescribeDBInstances?.requests ?? 0, { timeout: 30_000, interval: 200 }).toBeGreaterThanOrEqual(10);
      const ops = proxy.stats().services.rds?.operations ?? {};
      console.info(`ten poll cycles in ${Date.now() - t0} ms: ${JSON.stringify(Object.fromEntries(Object.entries(ops).map(([op, c]) => [op, c.requests])))}`);
      expect(mutatingCalls(proxy)).toEqual({});
      expect((await eventsFor(env.ns, name)).filter((e) => e.reason === "UpdatedExternalResource").length).toBe(updatesBefore);
      expect(await settled(env, name)).toBe(true);
      expect((await secretData(env.ns, `${name}-conn`)).uri).toContain("/steady");
    });
  });
});

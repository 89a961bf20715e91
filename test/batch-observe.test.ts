import assert from "node:assert/strict";
import { AddTagsToResourceCommand, DeleteDBInstanceCommand, ModifyDBInstanceCommand, RDSClient } from "@aws-sdk/client-rds";
import type { DBInstance } from "@aws-sdk/client-rds";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { protos } from "@google-cloud/sql";
import { database } from "../providers/aws/database/index.ts";
import { database as gcpDatabase } from "../providers/gcp/database/index.ts";
import type { FaultProxy } from "../sandbox/faultproxy/index.ts";
import { awsClientConfig, describeDbInstance } from "./harness/aws.ts";
import { awsEnvironment, installAwsCrds } from "./harness/aws-provider.ts";
import type { AwsEnvironment } from "./harness/aws-provider.ts";
import { mutatingCalls, operationsDuring, settledAndObserved } from "./harness/environment.ts";
import { closeClients, orUndefined, sqlClients, waitForSqlOperation } from "./harness/gcp.ts";
import { gcpEnvironment, installGcpCrds } from "./harness/gcp-provider.ts";
import type { GcpEnvironment } from "./harness/gcp-provider.ts";
import { condition } from "./harness/managed.ts";
import { uniqueName } from "./harness/names.ts";

// Batch observe against per-resource observe, side by side on the sandbox (API server, the
// controller, a fault proxy of each environment's own, moto): the same scenario runs once with the
// ProviderConfig's batchObserve on and once with it off, each in a region of its own (moto keeps
// state per region, and a listing is per region). The verdicts must be the same; the calls counted
// at the proxy must be one listing per poll instead of one describe per resource.

const POLL_MS = 2_000;
const COUNT = 6;
const WAIT = { timeout: 60_000, interval: 250 };
const MUTATING = /^(Create|Modify|Delete|AddTags|RemoveTags|Reboot)/;
const BASE = { engine: "postgres", engineVersion: "16", instanceClass: "db.t3.micro", allocatedStorage: 20, masterUsername: "app", skipFinalSnapshot: true, tags: { team: "batch" } };

interface Env extends AwsEnvironment<FaultProxy> {
  readonly rds: RDSClient;
  describe(name: string): Promise<DBInstance | undefined>;
}

async function environment(region: string, batchObserve: boolean): Promise<Env> {
  const env = await awsEnvironment(database, { nsPrefix: "batch", region, proxySeed: 7, pollIntervalMs: POLL_MS, deleteTimeout: "30s", batchObserve });
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

async function settled(env: Env, name: string): Promise<boolean> {
  const mr = await env.view(name);
  return condition(mr, "Ready")?.status === "True" && condition(mr, "Synced")?.status === "True" && mr?.status?.observedGeneration === mr?.metadata.generation;
}

const tagsOf = (db: DBInstance | undefined): Record<string, string> => Object.fromEntries((db?.TagList ?? []).map((t) => [t.Key ?? "", t.Value ?? ""]));

/** What one mode concluded, to compare the two. */
interface Verdicts {
  readonly ready: number;
  readonly driftFields: string[];
  readonly driftCorrected: boolean;
  readonly recreated: boolean;
  readonly quietMutations: Record<string, number>;
  readonly describesPerPoll: number;
}

const verdicts = new Map<string, Verdicts>();

const modes: Record<string, { region: string; batch: boolean }> = {
  "batch observe": { region: "eu-north-1", batch: true },
  "per-resource observe": { region: "me-south-1", batch: false },
};

describe("batch observe gives per-resource observe's verdicts, with one listing per poll (aws Database on moto)", () => {
  beforeAll(async () => {
    await installAwsCrds([database]);
  });

  for (const [mode, { region, batch }] of Object.entries(modes)) {
    describe(mode, () => {
      let env: Env;
      const names = Array.from({ length: COUNT }, (_, i) => uniqueName(`b${i}`));
      beforeAll(async () => {
        env = await environment(region, batch);
      });
      afterAll(async () => env.close());

      it("create → Ready, drift corrected, out-of-band delete recreated, then quiet", { timeout: 240_000 }, async () => {
        for (const name of names) await env.apply(name, BASE, { spec: { writeConnectionSecretToRef: { name: `${name}-conn` } } });
        for (const name of names) await settledAndObserved(env, name, () => settled(env, name), WAIT);

        // Steady state: counted at the proxy over five poll intervals.
        const polls = 5;
        const steady = await operationsDuring(env.proxy, "rds", polls * POLL_MS);
        const describesPerPoll = (steady.DescribeDBInstances?.requests ?? 0) / polls;
        const quietMutations = Object.fromEntries(Object.entries(steady).filter(([op]) => MUTATING.test(op)).map(([op, c]) => [op, c.requests]));

        // Drift made out of band, straight at moto.
        const [drifty = "", doomed = ""] = names;
        const arn = (await env.describe(drifty))?.DBInstanceArn;
        await env.rds.send(new ModifyDBInstanceCommand({ DBInstanceIdentifier: drifty, DBInstanceClass: "db.t3.large", ApplyImmediately: true }));
        await env.rds.send(new AddTagsToResourceCommand({ ResourceName: arn, Tags: [{ Key: "owner", Value: "someone-else" }] }));
        await expect.poll(async () => (await env.view(drifty))?.status?.drift?.corrected, WAIT).toBe(true);
        const drift = (await env.view(drifty))?.status?.drift;
        await expect.poll(async () => (await env.describe(drifty))?.DBInstanceClass, WAIT).toBe("db.t3.micro");
        expect(tagsOf(await env.describe(drifty))).not.toHaveProperty("owner");

        // Deleted out of band: the listing still shows it until the next one; then confirmed gone and made again.
        // moto gives every instance the same DbiResourceId: the creation time tells the new one from the old.
        const original = (await env.describe(doomed))?.InstanceCreateTime?.getTime() ?? 0;
        await env.rds.send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: doomed, SkipFinalSnapshot: true }));
        await expect.poll(async () => ((await env.describe(doomed))?.InstanceCreateTime?.getTime() ?? 0) > original, WAIT).toBe(true);
        const recreated = tagsOf(await env.describe(doomed))["terraplane.dev/resource"] === `Database/${env.ns}/${doomed}`;
        for (const name of names) await settledAndObserved(env, name, () => settled(env, name), WAIT);

        // No perpetual diff: nothing more to change over a few polls.
        env.proxy.resetStats();
        await operationsDuring(env.proxy, "rds", 3 * POLL_MS);
        const after = mutatingCalls(env.proxy, "rds", (op) => MUTATING.test(op));

        const ready = (await Promise.all(names.map((n) => settled(env, n)))).filter(Boolean).length;
        verdicts.set(mode, {
          ready,
          driftFields: (drift?.fields ?? []).map((f) => f.path),
          driftCorrected: drift?.corrected === true,
          recreated,
          quietMutations: { ...quietMutations, ...after },
          describesPerPoll,
        });
        console.info(`${mode}: ${describesPerPoll} DescribeDBInstances per ${POLL_MS} ms poll for ${COUNT} instances`);
      });
    });
  }

  it("both modes agree, and batch observe reads once per poll instead of once per resource", () => {
    const batch = verdicts.get("batch observe");
    const single = verdicts.get("per-resource observe");
    assert(batch && single, "both modes ran their scenario");
    const { describesPerPoll: batchReads, ...batchVerdicts } = batch;
    const { describesPerPoll: singleReads, ...singleVerdicts } = single;
    expect(batchVerdicts).toEqual(singleVerdicts);
    expect(batchVerdicts.ready).toBe(COUNT);
    expect(batchVerdicts.recreated).toBe(true);
    expect(batchVerdicts.driftFields).toEqual(["instanceClass", "tags"]);
    expect(batchVerdicts.quietMutations).toEqual({});
    // Per resource: about one describe per instance per poll; batch: about one listing per poll.
    expect(singleReads).toBeGreaterThanOrEqual(COUNT * 0.7);
    expect(batchReads).toBeLessThanOrEqual(2);
    expect(batchReads).toBeGreaterThan(0);
  });
});

// The same for gcp Database on the project's GCP emulator: instances.list pages instead of one
// instances.get per instance. Each mode has a project of its own (the listing is per project).

type SqlInstance = protos.google.cloud.sql.v1.IDatabaseInstance;
const SQL_MUTATING = /^instances\.(insert|patch|update|delete)$|^users\./;
const SQL_BASE = { databaseVersion: "POSTGRES_16", tier: "db-custom-1-3840" };
const GCP_COUNT = 4;

interface GcpEnv extends GcpEnvironment {
  readonly sql: ReturnType<typeof sqlClients>;
  get(name: string): Promise<SqlInstance | undefined>;
}

async function gcpEnv(batchObserve: boolean): Promise<GcpEnv> {
  const env = await gcpEnvironment(gcpDatabase, {
    nsPrefix: "gbatch",
    projectPrefix: "tp-batch",
    operationDelayMs: 300,
    seed: 7,
    pollIntervalMs: POLL_MS,
    region: "europe-west1",
    deleteTimeout: "30s",
    batchObserve,
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

async function sqlSettled(env: GcpEnv, name: string): Promise<boolean> {
  const mr = await env.view(name);
  return (
    condition(mr, "Ready")?.status === "True" &&
    condition(mr, "Synced")?.status === "True" &&
    mr?.status?.pendingOperation === undefined &&
    mr?.status?.observedGeneration === mr?.metadata.generation
  );
}

const sqlVerdicts = new Map<boolean, Verdicts>();

describe("batch observe gives per-resource observe's verdicts, with one listing per poll (gcp Database on the emulator)", () => {
  beforeAll(async () => {
    await installGcpCrds([gcpDatabase]);
  });

  for (const batch of [true, false]) {
    describe(batch ? "batch observe" : "per-resource observe", () => {
      let env: GcpEnv;
      const names = Array.from({ length: GCP_COUNT }, (_, i) => uniqueName(`g${i}`));
      beforeAll(async () => {
        env = await gcpEnv(batch);
      });
      afterAll(async () => env.close());

      it("create → Ready, drift corrected, out-of-band delete recreated, then quiet", { timeout: 240_000 }, async () => {
        for (const name of names) await env.apply(name, SQL_BASE, { spec: { writeConnectionSecretToRef: { name: `${name}-conn` } } });
        for (const name of names) await settledAndObserved(env, name, () => sqlSettled(env, name), WAIT);

        const polls = 5;
        const steady = await operationsDuring(env.proxy, "sqladmin", polls * POLL_MS);
        const reads = (steady["instances.get"]?.requests ?? 0) + (steady["instances.list"]?.requests ?? 0);
        const quietMutations = Object.fromEntries(Object.entries(steady).filter(([op]) => SQL_MUTATING.test(op)).map(([op, c]) => [op, c.requests]));

        const [drifty = "", doomed = ""] = names;
        const [patch] = await env.sql.instances.patch({ project: env.project, instance: drifty, body: { settings: { tier: "db-custom-4-15360" } } });
        await waitForSqlOperation(env.sql.operations, env.project, patch.name ?? "");
        await expect.poll(async () => (await env.view(drifty))?.status?.drift?.corrected, WAIT).toBe(true);
        await expect.poll(async () => (await env.get(drifty))?.settings?.tier, WAIT).toBe("db-custom-1-3840");
        const drift = (await env.view(drifty))?.status?.drift;

        const [removal] = await env.sql.instances.delete({ project: env.project, instance: doomed });
        await waitForSqlOperation(env.sql.operations, env.project, removal.name ?? "");
        await expect.poll(async () => (await env.get(doomed))?.state, WAIT).toBe("RUNNABLE");
        const recreated = (await env.get(doomed))?.settings?.userLabels?.["terraplane-managed-by"] === "terraplane";
        for (const name of names) await settledAndObserved(env, name, () => sqlSettled(env, name), WAIT);

        env.proxy.resetStats();
        await operationsDuring(env.proxy, "sqladmin", 3 * POLL_MS);
        const after = mutatingCalls(env.proxy, "sqladmin", (op) => SQL_MUTATING.test(op));
        const ready = (await Promise.all(names.map((n) => sqlSettled(env, n)))).filter(Boolean).length;
        sqlVerdicts.set(batch, {
          ready,
          driftFields: (drift?.fields ?? []).map((f) => f.path),
          driftCorrected: drift?.corrected === true,
          recreated,
          quietMutations: { ...quietMutations, ...after },
          describesPerPoll: reads / polls,
        });
        console.info(`gcp ${batch ? "batch" : "per-resource"}: ${reads / polls} instances.get/list per ${POLL_MS} ms poll for ${GCP_COUNT} instances`);
      });
    });
  }

  it("both modes agree, and batch observe lists once per poll instead of getting every instance", () => {
    const batch = sqlVerdicts.get(true);
    const single = sqlVerdicts.get(false);
    assert(batch && single, "both modes ran their scenario");
    const { describesPerPoll: batchReads, ...batchVerdicts } = batch;
    const { describesPerPoll: singleReads, ...singleVerdicts } = single;
    expect(batchVerdicts).toEqual(singleVerdicts);
    expect(batchVerdicts).toMatchObject({ ready: GCP_COUNT, driftFields: ["tier"], driftCorrected: true, recreated: true, quietMutations: {} });
    expect(singleReads).toBeGreaterThanOrEqual(GCP_COUNT * 0.7);
    expect(batchReads).toBeLessThanOrEqual(2);
    expect(batchReads).toBeGreaterThan(0);
  });
});

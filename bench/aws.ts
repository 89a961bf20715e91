// `make bench-aws`: N aws Database resources on moto through a fault proxy of the benchmark's own,
// with batch observe on and then off, in the same run. Per mode: the time from the first create to
// all Ready, RDS calls by operation while converging, RDS calls per poll interval in steady state
// (all counted at the proxy), and how long an out-of-band change (a tag added straight at moto with
// the SDK) takes to be detected and corrected. A benchmark, not a test: one JSON line on stdout, a
// one-line summary and progress on stderr. Whatever happens it deletes what it made (through the
// controller, so the instances go too), or at least the finalizers and the namespace.
import { execFile } from "node:child_process";
import { parseArgs } from "node:util";
import { setTimeout as sleep } from "node:timers/promises";
import { AddTagsToResourceCommand, DescribeDBInstancesCommand, RDSClient } from "@aws-sdk/client-rds";
import { CoreV1Api, CustomObjectsApi, PatchStrategy, setHeaderOptions } from "@kubernetes/client-node";
import { pino } from "pino";
import { z } from "zod";
import { loadKubeConfig } from "../core/kube/kubeconfig.ts";
import { Manager } from "../core/manager.ts";
import { database } from "../providers/aws/database/index.ts";
import { AWS_GROUP, AWS_VERSION } from "../providers/aws/provider-config.ts";
import { seededRandom, startFaultProxy } from "../sandbox/faultproxy/index.ts";
import type { FaultProxy } from "../sandbox/faultproxy/index.ts";
import { repoRoot } from "../sandbox/launcher/paths.ts";
import { positiveArg, sandboxForRun } from "./_common.ts";
import { Cleanup } from "./_lifecycle.ts";

const { values } = parseArgs({
  options: {
    count: { type: "string", default: "1000" },
    "poll-seconds": { type: "string", default: "60" },
    "steady-polls": { type: "string", default: "2" },
    concurrency: { type: "string", default: "20" },
    // A phase that has not converged by then fails instead of waiting forever.
    "timeout-seconds": { type: "string", default: "1800" },
  },
});
const count = positive("count");
const pollSeconds = positive("poll-seconds");
const steadyPolls = positive("steady-polls");
const concurrency = positive("concurrency");
const timeoutMs = positive("timeout-seconds") * 1000;
const log = (line: string): void => console.error(`bench-aws: ${line}`);

function positive(name: keyof typeof values): number {
  return positiveArg(values, name);
}

const CREDENTIALS = { accessKeyId: "testing", secretAccessKey: "testing" };
const RESOURCE = { group: AWS_GROUP, version: AWS_VERSION, plural: database.managed.plural };
const DatabaseList = z.object({
  items: z.array(
    z.object({
      metadata: z.object({ name: z.string(), finalizers: z.array(z.string()).optional() }),
      status: z
        .object({
          conditions: z.array(z.object({ type: z.string(), status: z.string() })).optional(),
          drift: z.object({ detectedAt: z.string(), corrected: z.boolean().optional() }).optional(),
        })
        .optional(),
    }),
  ),
});
type Item = z.infer<typeof DatabaseList>["items"][number];

const BENCH_BUDGET = { rds: { ratePerSecond: 10_000, burst: 10_000 } };

/** A mode of the run: its own region (moto keeps state per region, and a listing is per region) and ProviderConfig. */
const MODES = [
  { name: "batch", batchObserve: true, region: "eu-west-1" },
  { name: "perResource", batchObserve: false, region: "ap-northeast-3" },
] as const;

/** How many instances are changed out of band, spread over one poll interval. */
const DRIFT_SAMPLES = 5;

interface DriftResult {
  /** The slowest sample. */
  readonly driftDetectedSeconds: number;
  readonly driftCorrectedSeconds: number;
  /** Each sample's detection, in the order they were changed. */
  readonly driftDetectedSecondsEach: readonly number[];
}

interface ModeResult extends DriftResult {
  readonly applyToAllReadySeconds: number;
  readonly rdsCallsConverging: Record<string, number>;
  readonly rdsCallsPerPollSteady: Record<string, number>;
  readonly describeDBInstancesPerPollSteady: number;
}

const cleanup = new Cleanup(log);
await cleanup.run(async () => {
  const info = await sandboxForRun(cleanup, log);
  const kc = loadKubeConfig({ kubeconfig: info.kubeconfig });
  const custom = kc.makeApiClient(CustomObjectsApi);
  const core = kc.makeApiClient(CoreV1Api);
  const id = Date.now().toString(36);
  const namespace = `bench-aws-${id}`;
  log(`namespace ${namespace}, ${count} Databases per mode, poll ${pollSeconds}s`);

  await applyCrds(info.kubeconfig);
  const proxy = await startFaultProxy({ upstream: info.motoEndpoint, random: seededRandom(1) });
  cleanup.add("stop the fault proxy", () => proxy.close());
  cleanup.add("delete the namespace", async () => void (await core.deleteNamespace({ name: namespace }).catch(() => undefined)));
  await core.createNamespace({ body: { metadata: { name: namespace } } });
  await core.createNamespacedSecret({ namespace, body: { metadata: { name: "moto-creds" }, stringData: CREDENTIALS } });

  // The controller's warnings go to stderr with the progress: stdout holds the one JSON line.
  const controllerLog = pino({ level: "warn", base: { component: "terraplane" } }, pino.destination(2));
  const manager = new Manager({ kc, kinds: [database], log: controllerLog, namespace, concurrency, pollIntervalMs: pollSeconds * 1000 });
  cleanup.add("remove the finalizers the stopped controller left", () => dropFinalizers(custom, namespace));
  cleanup.add("stop the controller", () => manager.stop(5_000));
  await manager.start();

  const results: Record<string, ModeResult> = {};
  for (const mode of MODES) {
    const where = { namespace, prefix: `${mode.name.toLowerCase()}-${id}`, providerConfig: `bench-${mode.name.toLowerCase()}` };
    await custom.createNamespacedCustomObject({
      ...RESOURCE,
      plural: "providerconfigs",
      namespace,
      body: {
        apiVersion: `${AWS_GROUP}/${AWS_VERSION}`,
        kind: "ProviderConfig",
        metadata: { name: where.providerConfig },
        // A call budget far above moto's pace: the bench compares observe modes, and the default RDS
        // budget (10 calls/s, ADR 0014) would cap per-resource polling of 1,000 instances and hide the difference.
        spec: { credentials: { source: "Secret", secretRef: { name: "moto-creds" } }, region: mode.region, endpoint: proxy.url, batchObserve: mode.batchObserve, callBudget: BENCH_BUDGET },
      },
    });
    const rds = new RDSClient({ region: mode.region, endpoint: info.motoEndpoint, credentials: CREDENTIALS });
    try {
      results[mode.name] = await runMode({ custom, proxy, rds }, where, mode.name);
    } finally {
      rds.destroy();
    }
    log(`${mode.name}: deleting ${count} Databases through the controller`);
    await deleteAll(custom, where);
  }

  const batch = results.batch;
  const single = results.perResource;
  console.log(JSON.stringify({ resources: count, pollSeconds, steadyPolls, concurrency, batch, perResource: single }));
  log(
    `summary: ${count} Databases; batch on: Ready in ${batch?.applyToAllReadySeconds}s, ${batch?.describeDBInstancesPerPollSteady} DescribeDBInstances per poll, ` +
      `drift detected in ${batch?.driftDetectedSeconds}s; batch off: Ready in ${single?.applyToAllReadySeconds}s, ${single?.describeDBInstancesPerPollSteady} per poll, ` +
      `drift detected in ${single?.driftDetectedSeconds}s`,
  );
});

interface Where {
  readonly namespace: string;
  readonly prefix: string;
  readonly providerConfig: string;
}

interface Clients {
  readonly custom: CustomObjectsApi;
  readonly proxy: FaultProxy;
  readonly rds: RDSClient;
}

async function runMode({ custom, proxy, rds }: Clients, where: Where, mode: string): Promise<ModeResult> {
  proxy.resetStats();
  const t0 = performance.now();
  await createDatabases(custom, where);
  log(`${mode}: created ${count} in ${((performance.now() - t0) / 1000).toFixed(1)}s`);
  const deadline = Date.now() + timeoutMs;
  for (let ready = countReady(await list(custom, where)); ready < count; ready = countReady(await list(custom, where))) {
    if (Date.now() > deadline) throw new Error(`${mode}: only ${ready}/${count} Ready after --timeout-seconds ${values["timeout-seconds"]}`);
    log(`${mode}: ${ready}/${count} Ready`);
    await sleep(count <= 20 ? 250 : 2_000);
  }
  const applyToAllReadySeconds = round((performance.now() - t0) / 1000);
  const rdsCallsConverging = rdsCalls(proxy);
  log(`${mode}: all Ready in ${applyToAllReadySeconds}s; steady state for ${steadyPolls} poll intervals`);

  // Mutations right after Ready (late initialisation, the creates' own reads) settle within a poll.
  await sleep(pollSeconds * 1000);
  proxy.resetStats();
  await sleep(steadyPolls * pollSeconds * 1000);
  const steady = rdsCalls(proxy);
  const rdsCallsPerPollSteady = Object.fromEntries(Object.entries(steady).map(([op, n]) => [op, round(n / steadyPolls)]));

  const drift = await measureDrift(custom, rds, where, mode);
  return { applyToAllReadySeconds, rdsCallsConverging, rdsCallsPerPollSteady, describeDBInstancesPerPollSteady: rdsCallsPerPollSteady.DescribeDBInstances ?? 0, ...drift };
}

/**
 * DRIFT_SAMPLES instances get a tag straight at moto, one every poll / DRIFT_SAMPLES seconds, so the
 * changes fall at different points of the poll and listing cycles. Seconds until status.drift says
 * so, and until the tag is gone again: the slowest of them (the bound that matters), and each.
 */
async function measureDrift(custom: CustomObjectsApi, rds: RDSClient, where: Where, mode: string): Promise<DriftResult> {
  const samples = Math.min(DRIFT_SAMPLES, count);
  const names = Array.from({ length: samples }, (_, i) => `${where.prefix}-${Math.floor((i * count) / samples)}`);
  const tagsOf = async (name: string): Promise<string[]> => ((await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: name }))).DBInstances?.[0]?.TagList ?? []).map((t) => t.Key ?? "");
  const changedAt = new Map<string, { epoch: number; t0: number }>();
  const detected = new Map<string, number>();
  const corrected = new Map<string, number>();
  const deadline = Date.now() + 4 * pollSeconds * 1000 + 30_000;
  const changes = (async () => {
    for (const [i, name] of names.entries()) {
      if (i > 0) await sleep((pollSeconds * 1000) / samples);
      const arn = (await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: name }))).DBInstances?.[0]?.DBInstanceArn;
      if (!arn) throw new Error(`${mode}: moto has no DB instance ${name}`);
      changedAt.set(name, { epoch: Date.now(), t0: performance.now() });
      await rds.send(new AddTagsToResourceCommand({ ResourceName: arn, Tags: [{ Key: "changed-out-of-band", Value: "yes" }] }));
    }
  })();
  const check = async (name: string, drift: { detectedAt: string; corrected?: boolean | undefined } | undefined): Promise<void> => {
    const at = changedAt.get(name);
    // status.drift holds the last drift: only one detected after the change counts (detectedAt has second precision).
    if (!at || !drift || Date.parse(drift.detectedAt) < at.epoch - 1_000) return;
    if (!detected.has(name)) detected.set(name, (performance.now() - at.t0) / 1000);
    if (drift.corrected === true && !corrected.has(name) && !(await tagsOf(name)).includes("changed-out-of-band")) corrected.set(name, (performance.now() - at.t0) / 1000);
  };
  // One listing of the objects serves every sample's check (not one list per sample a quarter second).
  const watching = (async () => {
    while (corrected.size < samples) {
      if (Date.now() > deadline) throw new Error(`${mode}: out-of-band changes not detected and corrected within four poll intervals (${detected.size} detected, ${corrected.size} corrected of ${samples})`);
      const items = await list(custom, where);
      for (const name of names) await check(name, items.find((i) => i.metadata.name === name)?.status?.drift);
      await sleep(500);
    }
  })();
  await Promise.all([changes, watching]);
  const each = names.map((n) => round(detected.get(n) ?? Number.NaN));
  const result = { driftDetectedSeconds: Math.max(...each), driftCorrectedSeconds: round(Math.max(...corrected.values())), driftDetectedSecondsEach: each };
  log(`${mode}: ${samples} out-of-band changes detected in ${each.join(", ")}s (slowest ${result.driftDetectedSeconds}s; poll ${pollSeconds}s), all corrected within ${result.driftCorrectedSeconds}s`);
  return result;
}

function rdsCalls(proxy: FaultProxy): Record<string, number> {
  const ops = proxy.stats().services.rds?.operations ?? {};
  return Object.fromEntries(Object.entries(ops).map(([op, c]) => [op, c.requests]));
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}

async function createDatabases(custom: CustomObjectsApi, where: Where): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(20, count) }, async () => {
      for (let i = next++; i < count; i = next++) {
        await custom.createNamespacedCustomObject({
          ...RESOURCE,
          namespace: where.namespace,
          body: {
            apiVersion: `${AWS_GROUP}/${AWS_VERSION}`,
            kind: "Database",
            metadata: { name: `${where.prefix}-${i}` },
            spec: {
              forProvider: { engine: "postgres", engineVersion: "16", instanceClass: "db.t3.micro", allocatedStorage: 20, masterUsername: "app", skipFinalSnapshot: true, tags: { bench: "aws" } },
              providerConfigRef: { kind: "ProviderConfig", name: where.providerConfig },
              writeConnectionSecretToRef: { name: `${where.prefix}-${i}-conn` },
            },
          },
        });
      }
    }),
  );
}

async function list(custom: CustomObjectsApi, where: Where): Promise<Item[]> {
  const all = DatabaseList.parse(await custom.listNamespacedCustomObject({ ...RESOURCE, namespace: where.namespace })).items;
  return all.filter((i) => i.metadata.name.startsWith(`${where.prefix}-`));
}

function countReady(items: readonly Item[]): number {
  return items.filter((i) => i.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True")).length;
}

async function deleteAll(custom: CustomObjectsApi, where: Where): Promise<void> {
  const items = await list(custom, where);
  let next = 0;
  await Promise.all(
    Array.from({ length: 20 }, async () => {
      for (let item = items[next++]; item; item = items[next++]) {
        await custom.deleteNamespacedCustomObject({ ...RESOURCE, namespace: where.namespace, name: item.metadata.name }).catch(() => undefined);
      }
    }),
  );
  const deadline = Date.now() + timeoutMs;
  for (let left = items.length; left > 0; left = (await list(custom, where)).length) {
    if (Date.now() > deadline) throw new Error(`${left} Databases still there after --timeout-seconds`);
    await sleep(1_000);
  }
}

/** After a failure: the stopped controller cannot clear its finalizers, and the namespace would stay Terminating. */
async function dropFinalizers(custom: CustomObjectsApi, namespace: string): Promise<void> {
  const all = DatabaseList.parse(await custom.listNamespacedCustomObject({ ...RESOURCE, namespace }).catch(() => ({ items: [] }))).items;
  const held = all.filter((i) => (i.metadata.finalizers ?? []).length > 0);
  if (held.length === 0) return;
  log(`removing the finalizers of ${held.length} Databases (moto keeps their instances until it stops)`);
  const merge = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);
  for (const item of held) {
    await custom.patchNamespacedCustomObject({ ...RESOURCE, namespace, name: item.metadata.name, body: { metadata: { finalizers: null } } }, merge).catch(() => undefined);
  }
}

async function applyCrds(kubeconfig: string): Promise<void> {
  const files = ["databases", "providerconfigs", "clusterproviderconfigs"].map((p) => `${repoRoot}/crds/${AWS_GROUP}_${p}.yaml`);
  const kubectl = (args: readonly string[]): Promise<void> =>
    new Promise((resolveRun, reject) =>
      execFile("kubectl", ["--kubeconfig", kubeconfig, ...args], (err, _out, stderr) => (err ? reject(new Error(`kubectl ${args.join(" ")}: ${stderr}`)) : resolveRun())),
    );
  await kubectl(["apply", "--server-side", "--force-conflicts", ...files.flatMap((f) => ["-f", f])]);
  await kubectl(["wait", "--for=condition=Established", "--timeout=60s", ...["databases", "providerconfigs", "clusterproviderconfigs"].map((p) => `crd/${p}.${AWS_GROUP}`)]);
}

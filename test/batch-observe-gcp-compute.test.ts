import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RegisteredKind } from "../core/provider.ts";
import { cdn } from "../providers/gcp/cdn/index.ts";
import { operationName } from "../providers/gcp/compute/api.ts";
import { loadBalancer } from "../providers/gcp/loadbalancer/index.ts";
import { mutatingCalls, operationsDuring, settledAndObserved } from "./harness/environment.ts";
import { closeClients, computeClients, orUndefined } from "./harness/gcp.ts";
import { gcpEnvironment, installGcpCrds } from "./harness/gcp-provider.ts";
import type { GcpEnvironment } from "./harness/gcp-provider.ts";
import { condition } from "./harness/managed.ts";
import type { ManagedView } from "./harness/managed.ts";
import { uniqueName } from "./harness/names.ts";

// Batch observe against per-resource observe for the compute chains (gcp LoadBalancer and CDN), side
// by side on the sandbox (API server, the controller, a fault proxy of each environment's own, the
// GCP emulator): the same scenario runs once with the ProviderConfig's batchObserve on and once
// with it off, each in a project of its own (a listing is per project). The verdicts must be the
// same; the calls counted at the proxy must be global list calls (one listing per part type and
// poll) instead of one Get per part per object per poll.

const POLL_MS = 2_000;
const COUNT = 3;
const WAIT = { timeout: 60_000, interval: 250 };
const MUTATING = /\.(insert|patch|update|delete|set[A-Z]\w*)$/;

type Compute = ReturnType<typeof computeClients>;
type Started = Parameters<typeof operationName>[0];

interface Env extends GcpEnvironment {
  readonly compute: Compute;
}

/** What differs between the two kinds in the scenario. */
interface Case {
  readonly kind: RegisteredKind;
  readonly nsPrefix: string;
  readonly forProvider: Record<string, unknown>;
  /** The compute resources each object is made of (the part types it lists). */
  readonly parts: number;
  /** Changes one part of `name` behind Terraplane's back (started with an official client). */
  drift(env: Env, name: string): Promise<Started>;
  /** The drifted part is as spec says again. */
  corrected(env: Env, name: string): Promise<boolean>;
  readonly driftFields: readonly string[];
}

const group = (name: string): string => `https://www.googleapis.com/compute/v1/projects/tp-groups/zones/europe-west1-b/instanceGroups/${name}`;

const CASES: Record<string, Case> = {
  LoadBalancer: {
    kind: loadBalancer,
    nsPrefix: "glbbatch",
    forProvider: {
      healthCheck: { type: "HTTP", port: 8080, requestPath: "/healthz" },
      backendServices: [{ name: "web", timeoutSec: 30, backends: [{ group: group("web"), balancingMode: "UTILIZATION", maxUtilization: 0.8 }] }],
    },
    // health check, backend service, URL map, proxy, address, forwarding rule
    parts: 6,
    async drift(env, name) {
      const { project } = env;
      const [bs] = await env.compute.backendServices.get({ project, backendService: `${name}-bs-web` });
      return env.compute.backendServices.patch({ project, backendService: `${name}-bs-web`, backendServiceResource: { timeoutSec: 90, fingerprint: bs.fingerprint } });
    },
    corrected: async (env, name) => (await orUndefined(() => env.compute.backendServices.get({ project: env.project, backendService: `${name}-bs-web` })))?.timeoutSec === 30,
    driftFields: ["backendServices[web].timeoutSec"],
  },
  CDN: {
    kind: cdn,
    nsPrefix: "gcdnbatch",
    forProvider: { origin: { bucketName: "assets-bucket" } },
    // backend bucket, URL map, proxy, address, forwarding rule
    parts: 5,
    // 0 clears a TTL the new mode ignores (the clients cannot send null).
    drift: (env, name) =>
      env.compute.backendBuckets.patch({ project: env.project, backendBucket: `${name}-bb`, backendBucketResource: { enableCdn: false, cdnPolicy: { cacheMode: "FORCE_CACHE_ALL", maxTtl: 0 } } }),
    corrected: async (env, name) => (await orUndefined(() => env.compute.backendBuckets.get({ project: env.project, backendBucket: `${name}-bb` })))?.enableCdn === true,
    driftFields: ["enableCdn", "cacheMode", "maxTtl"],
  },
};

async function environment(c: Case, batchObserve: boolean): Promise<Env> {
  const env = await gcpEnvironment(c.kind, { nsPrefix: c.nsPrefix, projectPrefix: "tp-cbatch", operationDelayMs: 300, seed: 13, pollIntervalMs: POLL_MS, deleteTimeout: "30s", batchObserve });
  const compute = computeClients({ direct: true });
  return {
    ...env,
    compute,
    async close() {
      await env.close();
      await closeClients(compute);
    },
  };
}

/** Waits for a compute operation started with an official client (the test may wait; controllers never do). */
async function done(env: Env, started: Started): Promise<void> {
  const operation = operationName(started);
  for (let i = 0; i < 400; i++) {
    const [op] = await env.compute.globalOperations.get({ project: env.project, operation });
    if (op.status === "DONE") {
      expect(op.error?.errors ?? []).toEqual([]);
      return;
    }
    await sleep(50);
  }
  throw new Error(`operation ${operation} not DONE`);
}

async function settled(env: Env, name: string): Promise<boolean> {
  const mr = await env.view(name);
  return (
    condition(mr, "Ready")?.status === "True" &&
    condition(mr, "Synced")?.status === "True" &&
    mr?.status?.pendingOperation === undefined &&
    mr?.status?.observedGeneration === mr?.metadata.generation
  );
}

const forwardingRule = (env: Env, name: string) => orUndefined(() => env.compute.globalForwardingRules.get({ project: env.project, forwardingRule: `${name}-fr` }));

/** Per poll, the compute reads the proxy saw: Gets of parts and list calls. */
function readsPerPoll(ops: Record<string, { requests: number }>, polls: number): { gets: number; lists: number } {
  const count = (suffix: string): number =>
    Object.entries(ops)
      .filter(([op]) => op.endsWith(suffix) && !op.startsWith("globalOperations."))
      .reduce((n, [, c]) => n + c.requests, 0);
  return { gets: count(".get") / polls, lists: count(".list") / polls };
}

/** Drift made out of band, straight at the emulator: detected, corrected; the drift status the object shows. */
async function driftCorrected(c: Case, env: Env, name: string): Promise<NonNullable<ManagedView["status"]>["drift"]> {
  await done(env, await c.drift(env, name));
  await expect.poll(async () => (await env.view(name))?.status?.drift?.corrected, WAIT).toBe(true);
  await expect.poll(() => c.corrected(env, name), WAIT).toBe(true);
  return (await env.view(name))?.status?.drift;
}

/**
 * A part deleted out of band (the forwarding rule, which nothing references): the listing may still
 * show it until the next one; then it is confirmed gone with a Get and made again, owned.
 */
async function deletedAndRecreated(env: Env, name: string): Promise<boolean> {
  const original = (await forwardingRule(env, name))?.id;
  expect(original).toBeTruthy();
  await done(env, await env.compute.globalForwardingRules.delete({ project: env.project, forwardingRule: `${name}-fr` }));
  await expect.poll(async () => {
    const id = (await forwardingRule(env, name))?.id;
    return id !== undefined && id !== original;
  }, WAIT).toBe(true);
  return (await forwardingRule(env, name))?.labels?.["terraplane-managed-by"] === "terraplane";
}

/** What one mode concluded, to compare the two. */
interface Verdicts {
  readonly ready: number;
  readonly driftFields: string[];
  readonly driftCorrected: boolean;
  readonly recreated: boolean;
  readonly quietMutations: Record<string, number>;
  readonly reads: { gets: number; lists: number };
}

for (const [label, c] of Object.entries(CASES)) {
  const verdicts = new Map<boolean, Verdicts>();

  describe(`batch observe gives per-resource observe's verdicts, with compute's global lists (gcp ${label} on the emulator)`, () => {
    beforeAll(async () => {
      await installGcpCrds([c.kind]);
    });

    for (const batch of [true, false]) {
      describe(batch ? "batch observe" : "per-resource observe", () => {
        let env: Env;
        const names = Array.from({ length: COUNT }, (_, i) => uniqueName(`${label === "CDN" ? "c" : "l"}${i}`));
        beforeAll(async () => {
          env = await environment(c, batch);
        });
        afterAll(async () => env.close());

        it("create → Ready, drift corrected, a part deleted out of band recreated, then quiet", { timeout: 300_000 }, async () => {
          for (const name of names) await env.apply(name, c.forProvider);
          for (const name of names) await settledAndObserved(env, name, () => settled(env, name), WAIT);

          // Steady state: counted at the proxy over five poll intervals.
          const polls = 5;
          const steady = await operationsDuring(env.proxy, "compute", polls * POLL_MS);
          const reads = readsPerPoll(steady, polls);
          const quietMutations = Object.fromEntries(Object.entries(steady).filter(([op]) => MUTATING.test(op)).map(([op, n]) => [op, n.requests]));

          const [drifty = "", doomed = ""] = names;
          const drift = await driftCorrected(c, env, drifty);
          const recreated = await deletedAndRecreated(env, doomed);
          for (const name of names) await settledAndObserved(env, name, () => settled(env, name), WAIT);

          // No perpetual diff: nothing more to change over a few polls.
          env.proxy.resetStats();
          await operationsDuring(env.proxy, "compute", 3 * POLL_MS);
          const after = mutatingCalls(env.proxy, "compute", (op) => MUTATING.test(op));

          const ready = (await Promise.all(names.map((n) => settled(env, n)))).filter(Boolean).length;
          verdicts.set(batch, {
            ready,
            driftFields: (drift?.fields ?? []).map((f) => f.path),
            driftCorrected: drift?.corrected === true,
            recreated,
            quietMutations: { ...quietMutations, ...after },
            reads,
          });
          console.info(`gcp ${label} ${batch ? "batch" : "per-resource"}: ${reads.gets} part Gets and ${reads.lists} list calls per ${POLL_MS} ms poll for ${COUNT} objects of ${c.parts} parts`);
        });
      });
    }

    it("both modes agree, and batch observe lists each part type per poll instead of getting every part", () => {
      const batched = verdicts.get(true);
      const single = verdicts.get(false);
      assert(batched && single, "both modes ran their scenario");
      const { reads: batchReads, ...batchVerdicts } = batched;
      const { reads: singleReads, ...singleVerdicts } = single;
      expect(batchVerdicts).toEqual(singleVerdicts);
      expect(batchVerdicts).toMatchObject({ ready: COUNT, driftFields: c.driftFields, driftCorrected: true, recreated: true, quietMutations: {} });
      // Per resource: about one Get per part per object per poll, no lists.
      expect(singleReads.gets).toBeGreaterThanOrEqual(COUNT * c.parts * 0.7);
      expect(singleReads.lists).toBe(0);
      // Batch: no Gets in steady state, about one list per part type per poll.
      expect(batchReads.gets).toBeLessThanOrEqual(1);
      expect(batchReads.lists).toBeGreaterThan(0);
      expect(batchReads.lists).toBeLessThanOrEqual(2 * c.parts);
    });
  });
}

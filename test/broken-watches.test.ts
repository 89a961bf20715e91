import { RDSClient } from "@aws-sdk/client-rds";
import { KubeConfig } from "@kubernetes/client-node";
import { afterAll, describe, expect, inject, it } from "vitest";
import { nopLogger } from "../core/log.ts";
import { Manager } from "../core/manager.ts";
import { database } from "../providers/aws/database/index.ts";
import { seededRandom, startFaultProxy } from "../sandbox/faultproxy/index.ts";
import { awsClientConfig, describeDbInstance } from "./harness/aws.ts";
import { databaseManifest, rdsCalls } from "./harness/aws-databases.ts";
import { createAwsProviderConfig, installAwsCrds } from "./harness/aws-provider.ts";
import { resourceOf } from "./harness/environment.ts";
import { kubeConfig, kubectl, kubectlOk, testNamespace } from "./harness/kube.ts";
import { condition, getManaged } from "./harness/managed.ts";
import { uniqueName } from "./harness/names.ts";
import { startCuttableProxy } from "./harness/tcp-proxy.ts";

// Issue 13 item 3, watches broken mid-stream: the controller talks to the API server through a TCP
// relay that cuts every live connection (its watches included) on demand, while the test edits
// specs and creates objects. The poll interval is far beyond the test's length, so only the watches
// (re-established by the controller itself, never restarted) can bring an edit in: every edit must
// reach moto, exactly once.

const REGION = "af-south-1"; // moto keeps state per region; no other test uses this one
const RESOURCE = resourceOf(database);
const ROUNDS = 4;

/** The sandbox's kubeconfig with its server moved to `host:port` (same CA and TLS server name: the relay passes TLS through). */
function kubeConfigVia(address: { host: string; port: number }): KubeConfig {
  const base = kubeConfig();
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: base.clusters.map((c) => ({ ...c, server: `https://${address.host}:${address.port}` })),
    users: base.users,
    contexts: base.contexts,
    currentContext: base.currentContext,
  });
  return kc;
}

function apiServerAddress(): { host: string; port: number } {
  const server = new URL(kubeConfig().getCurrentCluster()?.server ?? "");
  return { host: server.hostname, port: Number(server.port || 443) };
}

const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
}, 120_000);

describe("watches broken mid-stream", () => {
  it("the controller re-establishes its watches by itself and every edit made meanwhile reaches the cloud exactly once", { timeout: 240_000 }, async () => {
    await installAwsCrds([database]);
    const ns = await testNamespace("watchcut");
    cleanups.push(ns.cleanup);
    const cloud = await startFaultProxy({ upstream: inject("sandbox").motoEndpoint, random: seededRandom(31) });
    cleanups.push(() => cloud.close());
    const providerConfig = await createAwsProviderConfig(ns.name, { endpoint: cloud.url, region: REGION });
    const relay = await startCuttableProxy(apiServerAddress());
    cleanups.push(() => relay.close());
    const manager = new Manager({ kc: kubeConfigVia(relay.address), kinds: [database], log: nopLogger, namespace: ns.name, concurrency: 4, pollIntervalMs: 3_600_000, progressIntervalMs: 500 });
    await manager.start();
    let exited = false;
    void manager.done.then(() => (exited = true));
    cleanups.push(() => manager.stop(2_000));
    cleanups.push(() => kubectl(["delete", RESOURCE, "--all", "-n", ns.name, "--wait=true", "--timeout=60s"]));

    const rds = new RDSClient(awsClientConfig({ region: REGION, direct: true }));
    cleanups.push(async () => rds.destroy());
    const run = uniqueName("wc");
    const apply = (name: string, allocatedStorage: number): Promise<string> => kubectlOk(["apply", "-f", "-"], JSON.stringify(databaseManifest(ns.name, name, providerConfig, { allocatedStorage })));
    const ready = async (name: string): Promise<string | undefined> => condition(await getManaged(database.managed, ns.name, name), "Ready")?.status;
    const storageInCloud = async (name: string): Promise<number | undefined> => (await describeDbInstance(rds, name))?.AllocatedStorage;

    const storage = new Map<string, number>();
    for (const i of [0, 1]) {
      storage.set(`${run}-${i}`, 20);
      await apply(`${run}-${i}`, 20);
    }
    for (const name of storage.keys()) await expect.poll(() => ready(name), { timeout: 90_000, interval: 500 }).toBe("True");

    const cuts: number[] = [];
    let edits = 0;
    let creates = storage.size;
    for (let round = 1; round <= ROUNDS; round++) {
      // Cut, edit every object and add one while the watches are down or being re-established, cut again.
      cuts.push(relay.cutAll());
      for (const name of storage.keys()) {
        const next = 20 + 10 * round;
        await kubectlOk(["patch", `${RESOURCE}/${name}`, "-n", ns.name, "--type=merge", "-p", JSON.stringify({ spec: { forProvider: { allocatedStorage: next } } })]);
        storage.set(name, next);
        edits++;
      }
      const added = `${run}-${storage.size}`;
      await apply(added, 20);
      creates++;
      cuts.push(relay.cutAll());
      storage.set(added, 20);
      for (const [name, want] of storage) {
        await expect.poll(() => storageInCloud(name), { timeout: 60_000, interval: 250, message: `round ${round}: ${name} has ${want} GiB in moto` }).toBe(want);
      }
    }
    for (const name of storage.keys()) await expect.poll(() => ready(name), { timeout: 60_000, interval: 500 }).toBe("True");

    const [modifyCalls, createCalls] = [rdsCalls(cloud, "ModifyDBInstance").requests, rdsCalls(cloud, "CreateDBInstance").requests];
    console.log(JSON.stringify({ test: "broken-watches", rounds: ROUNDS, connectionsCut: cuts, connectionsAccepted: relay.accepted(), edits, creates, modifyCalls, createCalls }));
    // Each round cuts twice; the second may come before the client reconnected (nothing to cut),
    // but every round broke at least the live watches.
    const perRound = Array.from({ length: ROUNDS }, (_, r) => (cuts[2 * r] ?? 0) + (cuts[2 * r + 1] ?? 0));
    expect(perRound.every((n) => n >= 1), JSON.stringify(cuts)).toBe(true);
    expect(exited).toBe(false); // recovered without a restart of its own
    expect(createCalls).toBe(creates);
    expect(modifyCalls).toBe(edits);
  });
});

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { RDSClient } from "@aws-sdk/client-rds";
import { KubeConfig } from "@kubernetes/client-node";
import { afterAll, describe, expect, inject, it } from "vitest";
import { crdFor, managedCrd, toYaml } from "../core/crd/generate.ts";
import { nopLogger } from "../core/log.ts";
import { Manager } from "../core/manager.ts";
import { AWS_GROUP, awsConfigKinds } from "../providers/aws/provider-config.ts";
import { database } from "../providers/aws/database/index.ts";
import { seededRandom, startFaultProxy } from "../sandbox/faultproxy/index.ts";
import { awsClientConfig, describeDbInstance, testCredentials } from "./harness/aws.ts";
import { databaseManifest, rdsCalls } from "./harness/aws-databases.ts";
import { resourceOf } from "./harness/environment.ts";
import { uniqueName } from "./harness/names.ts";
import { kubectlAt, kubectlAtOk, startControlPlane } from "./harness/private-controlplane.ts";
import type { RunningControlPlane } from "./harness/private-controlplane.ts";

// Issue 13 item 3, the API server restarted under load: on a control plane of this test's own (the
// shared sandbox's serves every other test), kube-apiserver and etcd are stopped while Databases are
// being created, and started again on the same data dir and port. The controller is never restarted:
// its informers must find the API server again by themselves and pick up the edits made right after
// it came back (the poll interval is far beyond the test, so only the watches can bring them in),
// and what reaches moto must be one create per Database and one modify per edit.

const REGION = "ap-southeast-3"; // moto keeps state per region; no other test uses this one
const RESOURCE = resourceOf(database);
const dataDir = mkdtempSync(join(tmpdir(), "terraplane-cp-restart-"));

let cp: RunningControlPlane | undefined;
const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
  await cp?.stop();
  rmSync(dataDir, { recursive: true, force: true });
}, 120_000);

describe("the API server restarted under load", () => {
  it("the controller, not restarted, reconnects, misses no edit made just after, and creates each instance once", { timeout: 300_000 }, async () => {
    cp = await startControlPlane(dataDir);
    const { kubeconfig } = cp;
    const kubectl = (args: readonly string[], input?: string): Promise<string> => kubectlAtOk(kubeconfig, args, input);
    await kubectl(["apply", "--server-side", "-f", "-"], toYaml([managedCrd(database.managed), ...awsConfigKinds.map(crdFor)]));
    await kubectl(["wait", "--for=condition=Established", "--timeout=60s", "crd", "--all"]);
    const ns = "restart";
    await kubectl(["create", "namespace", ns]);
    const cloud = await startFaultProxy({ upstream: inject("sandbox").motoEndpoint, random: seededRandom(47) });
    cleanups.push(() => cloud.close());
    await kubectl(["create", "secret", "generic", "aws-creds", "-n", ns, `--from-literal=accessKeyId=${testCredentials.accessKeyId}`, `--from-literal=secretAccessKey=${testCredentials.secretAccessKey}`]);
    await kubectl(
      ["apply", "-f", "-"],
      JSON.stringify({
        apiVersion: `${AWS_GROUP}/v1alpha1`,
        kind: "ProviderConfig",
        metadata: { name: "aws", namespace: ns },
        spec: { credentials: { source: "Secret", secretRef: { name: "aws-creds" } }, endpoint: cloud.url, region: REGION },
      }),
    );

    const kc = new KubeConfig();
    kc.loadFromFile(kubeconfig);
    // Leader election on, as deployed, with a renew deadline longer than the outage: the leader keeps
    // its Lease across the restart instead of giving up (a longer outage would make it stop: by design).
    const lease = { namespace: ns, name: "leader", leaseDurationSeconds: 90, renewDeadlineMs: 60_000, retryPeriodMs: 1_000 };
    const manager = new Manager({ kc, kinds: [database], log: nopLogger, namespace: ns, concurrency: 4, pollIntervalMs: 3_600_000, progressIntervalMs: 500, leaderElection: lease });
    await manager.start();
    let exited = false;
    void manager.done.then(() => (exited = true));
    cleanups.push(() => manager.stop(2_000));
    cleanups.push(() => kubectlAt(kubeconfig, ["delete", RESOURCE, "--all", "-n", ns, "--wait=true", "--timeout=60s"]));

    const rds = new RDSClient(awsClientConfig({ region: REGION, direct: true }));
    cleanups.push(async () => rds.destroy());
    const run = uniqueName("rs");
    const manifest = (name: string, allocatedStorage: number): string => JSON.stringify(databaseManifest(ns, name, "aws", { allocatedStorage }));
    const ready = async (name: string): Promise<string> =>
      (await kubectlAt(kubeconfig, ["get", RESOURCE, name, "-n", ns, "-o", `jsonpath={.status.conditions[?(@.type=="Ready")].status}`])).stdout;
    const storageInCloud = async (name: string): Promise<number | undefined> => (await describeDbInstance(rds, name))?.AllocatedStorage;

    const storage = new Map<string, number>([[`${run}-0`, 20], [`${run}-1`, 20]]);
    for (const name of storage.keys()) await kubectl(["apply", "-f", "-"], manifest(name, 20));
    for (const name of storage.keys()) await expect.poll(() => ready(name), { timeout: 90_000, interval: 500 }).toBe("True");

    // Under load: two more are applied and the API server goes away while they are being created.
    for (const name of [`${run}-2`, `${run}-3`]) {
      storage.set(name, 20);
      await kubectl(["apply", "-f", "-"], manifest(name, 20));
    }
    const { port } = cp;
    const stoppedAt = Date.now();
    await cp.stop();
    await sleep(3_000); // down long enough for every informer to fail and back off
    cp = await startControlPlane(dataDir, port);
    const downMs = Date.now() - stoppedAt;
    expect(cp.kubeconfig).toBe(kubeconfig);

    // Edits the moment it is back, while the controller's informers are still backing off.
    let edits = 0;
    for (const name of storage.keys()) {
      await kubectl(["patch", `${RESOURCE}/${name}`, "-n", ns, "--type=merge", "-p", JSON.stringify({ spec: { forProvider: { allocatedStorage: 30 } } })]);
      storage.set(name, 30);
      edits++;
    }
    storage.set(`${run}-4`, 20);
    await kubectl(["apply", "-f", "-"], manifest(`${run}-4`, 20));

    for (const [name, want] of storage) {
      await expect.poll(() => storageInCloud(name), { timeout: 90_000, interval: 500, message: `${name} has ${want} GiB in moto` }).toBe(want);
    }
    for (const name of storage.keys()) await expect.poll(() => ready(name), { timeout: 60_000, interval: 500, message: `${name} Ready` }).toBe("True");

    const renewedAt = (await kubectl(["get", "lease", "leader", "-n", ns, "-o", "jsonpath={.spec.renewTime}"])).trim();
    expect(new Date(renewedAt).getTime()).toBeGreaterThan(stoppedAt + downMs); // still renewing, since the restart
    const [modifyCalls, createCalls] = [rdsCalls(cloud, "ModifyDBInstance").requests, rdsCalls(cloud, "CreateDBInstance").requests];
    console.log(JSON.stringify({ test: "apiserver-restart", downMs, databases: storage.size, edits, createCalls, modifyCalls }));
    expect(exited).toBe(false);
    expect(createCalls).toBe(storage.size);
    // One modify per edit at most; an edit to a Database whose create had not happened yet goes into
    // the create instead. The two that were Ready before the restart must each have been modified.
    expect(modifyCalls).toBeGreaterThanOrEqual(2);
    expect(modifyCalls).toBeLessThanOrEqual(edits);
  });
});

import { CoordinationV1Api, V1MicroTime } from "@kubernetes/client-node";
import { afterAll, describe, expect, inject, it, onTestFailed } from "vitest";
import { database } from "../providers/aws/database/index.ts";
import { allCrds } from "../providers/index.ts";
import { seededRandom, startFaultProxy } from "../sandbox/faultproxy/index.ts";
import { databaseManifest, rdsCalls } from "./harness/aws-databases.ts";
import { createAwsProviderConfig } from "./harness/aws-provider.ts";
import { startController } from "./harness/controller-process.ts";
import { resourceOf } from "./harness/environment.ts";
import { kubeConfig, kubectl, kubectlOk, testNamespace } from "./harness/kube.ts";
import { applyCrds, condition, getManaged } from "./harness/managed.ts";
import { uniqueName } from "./harness/names.ts";

// Issue 13 item 3, "recovers without a restart of its own": a `terraplane run` whose Lease is taken
// (as after an API-server outage longer than its renew deadline) stops all work but not its process;
// it stands by, does nothing while another identity holds the Lease, and once that Lease expires it
// leads again and reconciles what was applied meanwhile.

const REGION = "eu-south-2"; // moto keeps state per region; no other test uses this one
const RESOURCE = resourceOf(database);

const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
}, 120_000);

describe("terraplane run after its Lease is lost", () => {
  it("stands by in the same process, does nothing while another holds the Lease, then leads again and reconciles", { timeout: 240_000 }, async () => {
    const { kubeconfig, motoEndpoint } = inject("sandbox");
    await applyCrds(allCrds());
    const ns = await testNamespace("standby");
    cleanups.push(ns.cleanup);
    const proxy = await startFaultProxy({ upstream: motoEndpoint, random: seededRandom(21) });
    cleanups.push(() => proxy.close());
    const providerConfig = await createAwsProviderConfig(ns.name, { endpoint: proxy.url, region: REGION });
    const lease = { name: uniqueName("leader"), namespace: ns.name };
    const controller = startController(kubeconfig, [
      "--namespace", ns.name,
      "--leader-election-namespace", ns.name,
      "--leader-election-id", lease.name,
      "--lease-duration", "4s",
      "--renew-deadline", "3s",
      "--retry-period", "1s",
      "--poll-interval", "5s",
    ]);
    onTestFailed(() => console.log(`controller, last lines:\n${controller.lines.slice(-20).join("\n")}`));
    cleanups.push(async () => {
      controller.child.kill("SIGKILL");
      await controller.exited;
    });
    await expect.poll(() => controller.logged("controller manager running"), { timeout: 90_000, interval: 250 }).toBeDefined();
    const identity = controller.logged("waiting for leadership")?.identity;
    expect(identity).toBeDefined();

    // Someone else takes the Lease for 20 s and never renews it: this replica's renewals fail.
    const leases = kubeConfig().makeApiClient(CoordinationV1Api);
    const current = await leases.readNamespacedLease(lease);
    current.spec = { ...current.spec, holderIdentity: "usurper", renewTime: new V1MicroTime(), leaseDurationSeconds: 20 };
    await leases.replaceNamespacedLease({ ...lease, body: current });
    await expect.poll(() => controller.logged("leadership lost: every worker and informer stopped; standing by for the Lease again"), { timeout: 30_000, interval: 250 }).toBeDefined();

    // Applied while it stands by: nothing reaches the cloud.
    proxy.resetStats();
    const name = uniqueName("sb");
    cleanups.push(() => kubectl(["delete", RESOURCE, name, "-n", ns.name, "--wait=true", "--timeout=60s"]));
    await kubectlOk(["apply", "-f", "-"], JSON.stringify(databaseManifest(ns.name, name, providerConfig)));
    await new Promise((r) => setTimeout(r, 5_000));
    expect((await leases.readNamespacedLease(lease)).spec?.holderIdentity).toBe("usurper");
    expect(rdsCalls(proxy, "CreateDBInstance").requests).toBe(0);
    expect(controller.child.exitCode).toBeNull(); // the process is still there

    // The usurper's Lease expires: the same process leads again and creates the Database once.
    // (Each term of leadership has an identity of its own; the new one is this same process's.)
    await expect.poll(async () => (await leases.readNamespacedLease(lease)).spec?.holderIdentity, { timeout: 60_000, interval: 500 }).not.toBe("usurper");
    const holder = (await leases.readNamespacedLease(lease)).spec?.holderIdentity ?? "";
    expect(holder).not.toBe(identity);
    expect(controller.lines.some((l) => l.includes('"waiting for leadership"') && l.includes(`"identity":"${holder}"`))).toBe(true);
    await expect.poll(async () => condition(await getManaged(database.managed, ns.name, name), "Synced")?.status, { timeout: 90_000, interval: 500 }).toBe("True");
    expect(rdsCalls(proxy, "CreateDBInstance").forwarded).toBe(1);
    expect(controller.child.exitCode).toBeNull();
  });
});

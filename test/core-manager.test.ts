import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CoordinationV1Api } from "@kubernetes/client-node";
import { nopLogger } from "../core/log.ts";
import { Manager } from "../core/manager.ts";
import { doubleProvider } from "./doubles/double-provider.ts";
import { kubeConfig, kubectlOk, testNamespace } from "./harness/kube.ts";
import { applyCrds, condition, deleteCrds, getManaged } from "./harness/managed.ts";
import { uniqueName } from "./harness/names.ts";

// The controller manager as a process-level unit: leader election on a real Lease, and the
// /healthz, /readyz and /metrics endpoints.

const WAIT = { timeout: 30_000, interval: 200 };

describe("controller manager", () => {
  const group = `${uniqueName("mgr")}.test.terraplane.dev`;
  const provider = doubleProvider(group);
  const ref = { group, version: "v1alpha1", plural: "things" };
  let ns: Awaited<ReturnType<typeof testNamespace>>;

  const manager = (leaderElection: boolean): Manager =>
    new Manager({
      kc: kubeConfig(),
      kinds: [provider.registered],
      log: nopLogger,
      namespace: ns.name,
      concurrency: 2,
      pollIntervalMs: 2_000,
      progressIntervalMs: 300,
      metricsAddr: { host: "127.0.0.1", port: 0 },
      ...(leaderElection ? { leaderElection: { namespace: ns.name, name: "terraplane-leader" } } : {}),
    });
  const thing = (name: string, size: number): string =>
    JSON.stringify({ apiVersion: `${group}/v1alpha1`, kind: "Thing", metadata: { name, namespace: ns.name }, spec: { forProvider: { region: "eu", size } } });

  beforeAll(async () => {
    await applyCrds(provider.crds);
    ns = await testNamespace("mgr");
    await kubectlOk(["apply", "-f", "-"], JSON.stringify({ apiVersion: `${group}/v1alpha1`, kind: "ClusterProviderConfig", metadata: { name: "default" }, spec: { cloud: "memory" } }));
  });
  afterAll(async () => {
    await ns.cleanup();
    await deleteCrds(provider.crds);
  });

  it("serves /healthz, /readyz once informers synced, and Prometheus /metrics", async () => {
    const m = manager(false);
    await m.start();
    try {
      const url = m.healthUrl ?? "";
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
      // Ready once every informer's first list has succeeded (a CRD just created may take a moment to be served).
      await expect.poll(async () => (await fetch(`${url}/readyz`)).status, WAIT).toBe(200);
      await kubectlOk(["apply", "-f", "-"], thing("metered", 1));
      await expect.poll(async () => condition(await getManaged(ref, ns.name, "metered"), "Ready")?.status, WAIT).toBe("True");
      const metrics = await (await fetch(`${url}/metrics`)).text();
      expect(metrics).toMatch(/terraplane_reconciles_total\{kind="Thing",result="requeue"\} \d+/);
      expect(metrics).toMatch(/terraplane_external_calls_total\{provider="double",kind="Thing",operation="create",result="success"\} 1/);
      expect(metrics).toContain("terraplane_reconcile_duration_seconds_bucket");
      expect(metrics).toMatch(/terraplane_queue_depth\{priority="delayed"\} \d+/);
    } finally {
      await m.stop(1_000);
    }
  });

  it("reconciles only on the replica holding the Lease, and hands over on shutdown", async () => {
    const leases = kubeConfig().makeApiClient(CoordinationV1Api);
    const holder = async (): Promise<string | undefined> =>
      (await leases.readNamespacedLease({ name: "terraplane-leader", namespace: ns.name })).spec?.holderIdentity ?? undefined;

    const first = manager(true);
    await first.start();
    const firstHolder = await holder();
    expect(firstHolder).toBeTruthy();

    const second = manager(true);
    const secondStarted = second.start(); // blocks until it leads
    await kubectlOk(["apply", "-f", "-"], thing("led", 1));
    await expect.poll(async () => condition(await getManaged(ref, ns.name, "led"), "Ready")?.status, WAIT).toBe("True");
    expect(await holder()).toBe(firstHolder);

    await first.stop(1_000); // releases the lease
    await secondStarted;
    await expect.poll(holder, WAIT).not.toBe(firstHolder);
    await kubectlOk(["patch", `things.${group}/led`, "-n", ns.name, "--type=merge", "-p", '{"spec":{"forProvider":{"size":6}}}']);
    await expect.poll(() => provider.cloud.things.get("led")?.size, WAIT).toBe(6);
    await second.stop(1_000);
  });
});

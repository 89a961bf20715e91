import { CoordinationV1Api, V1MicroTime } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { nopLogger } from "../core/log.ts";
import { Manager } from "../core/manager.ts";
import { doubleProvider } from "./doubles/double-provider.ts";
import { kubeConfig, testNamespace } from "./harness/kube.ts";
import { applyCrds, deleteCrds } from "./harness/managed.ts";
import { uniqueName } from "./harness/names.ts";

// Lost leadership is reported, not acted on by library code: the manager stops itself and its
// `done` says "leadership-lost"; the process that embeds it (the CLI) decides to exit. The test
// process surviving is half of the assertion.

describe("Manager and lost leadership", () => {
  const group = `${uniqueName("lost")}.test.terraplane.dev`;
  const provider = doubleProvider(group);
  let ns: Awaited<ReturnType<typeof testNamespace>>;

  beforeAll(async () => {
    await applyCrds(provider.crds);
    ns = await testNamespace("lost");
  });
  afterAll(async () => {
    await ns.cleanup();
    await deleteCrds(provider.crds);
  });

  it("stops by itself when another identity takes the Lease, and resolves done with leadership-lost", { timeout: 60_000 }, async () => {
    const lease = { name: "terraplane-leader", namespace: ns.name };
    const manager = new Manager({
      kc: kubeConfig(),
      kinds: [provider.registered],
      log: nopLogger,
      namespace: ns.name,
      concurrency: 1,
      pollIntervalMs: 60_000,
      metricsAddr: { host: "127.0.0.1", port: 0 },
      leaderElection: lease,
    });
    await manager.start();
    const url = manager.healthUrl ?? "";
    expect((await fetch(`${url}/healthz`)).status).toBe(200);

    // Someone else holds it now, renewed and long: this replica's renewals fail past the deadline.
    const leases = kubeConfig().makeApiClient(CoordinationV1Api);
    const current = await leases.readNamespacedLease(lease);
    current.spec = { ...current.spec, holderIdentity: "usurper", renewTime: new V1MicroTime(), leaseDurationSeconds: 3600 };
    await leases.replaceNamespacedLease({ ...lease, body: current });

    expect(await manager.done).toBe("leadership-lost");
    await expect(fetch(`${url}/healthz`)).rejects.toThrow(); // its server is closed
    expect((await leases.readNamespacedLease(lease)).spec?.holderIdentity).toBe("usurper"); // and it did not take the lease back
  });

  it("done resolves with stopped after stop()", { timeout: 30_000 }, async () => {
    const manager = new Manager({ kc: kubeConfig(), kinds: [provider.registered], log: nopLogger, namespace: ns.name, concurrency: 1, pollIntervalMs: 60_000 });
    await manager.start();
    await manager.stop(1_000);
    expect(await manager.done).toBe("stopped");
  });
});

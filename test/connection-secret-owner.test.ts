import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { nopLogger } from "../core/log.ts";
import { Manager } from "../core/manager.ts";
import { doubleProvider } from "./doubles/double-provider.ts";
import { kubeConfig, kubectlOk, testNamespace } from "./harness/kube.ts";
import { applyCrds, condition, deleteCrds, getManaged } from "./harness/managed.ts";
import { uniqueName } from "./harness/names.ts";

// Two managed resources naming the same connection Secret: the second must not take over the
// first's (found by the secret scan: an AWS and a GCP Database in one namespace overwrote each
// other's password). The first keeps its Secret; the second reports Synced=False saying whose it is.

const Secret = z.object({ data: z.record(z.string(), z.string()), metadata: z.object({ ownerReferences: z.array(z.object({ name: z.string() })) }) });

describe("a connection Secret another managed resource owns", () => {
  const group = `${uniqueName("conn")}.test.terraplane.dev`;
  const provider = doubleProvider(group);
  const ref = { group, version: "v1alpha1", plural: "things" };
  let ns: Awaited<ReturnType<typeof testNamespace>>;
  let manager: Manager;
  const thing = (name: string): string =>
    JSON.stringify({ apiVersion: `${group}/v1alpha1`, kind: "Thing", metadata: { name, namespace: ns.name }, spec: { forProvider: { region: "eu", size: 1 }, writeConnectionSecretToRef: { name: "shared-conn" } } });

  beforeAll(async () => {
    await applyCrds(provider.crds);
    ns = await testNamespace("conn");
    await kubectlOk(["apply", "-f", "-"], JSON.stringify({ apiVersion: `${group}/v1alpha1`, kind: "ClusterProviderConfig", metadata: { name: "default" }, spec: { cloud: "memory" } }));
    manager = new Manager({ kc: kubeConfig(), kinds: [provider.registered], log: nopLogger, namespace: ns.name, concurrency: 2, pollIntervalMs: 2_000, progressIntervalMs: 300 });
    await manager.start();
  });
  afterAll(async () => {
    await manager.stop(1_000);
    await ns.cleanup();
    await deleteCrds(provider.crds);
  });

  it("is never taken over: the first keeps it, the second says whose it is", async () => {
    await kubectlOk(["apply", "-f", "-"], thing("first"));
    await kubectlOk(["wait", `things.${group}/first`, "-n", ns.name, "--for=condition=Ready", "--timeout=30s"]);
    await kubectlOk(["apply", "-f", "-"], thing("second"));
    await expect
      .poll(async () => condition(await getManaged(ref, ns.name, "second"), "Synced")?.message, { timeout: 30_000, interval: 250 })
      .toMatch(/Secret "shared-conn" is the connection Secret of Thing "first": choose another spec.writeConnectionSecretToRef.name/);
    const secret = Secret.parse(JSON.parse(await kubectlOk(["get", "secret", "shared-conn", "-n", ns.name, "-o", "json"])));
    expect(secret.metadata.ownerReferences.map((o) => o.name)).toEqual(["first"]);
    expect(Buffer.from(secret.data.endpoint ?? "", "base64").toString()).toBe("first.memory.local");
  });
});

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Annotations, FINALIZER } from "../core/managed.ts";
import { Manager } from "../core/manager.ts";
import { nopLogger } from "../core/log.ts";
import { doubleProvider } from "./doubles/double-provider.ts";
import { kubeConfig, kubectl, kubectlOk, testNamespace } from "./harness/kube.ts";
import { applyCrds, condition, deleteCrds, eventsFor, getManaged } from "./harness/managed.ts";
import { uniqueName } from "./harness/names.ts";

// The shared reconciler, end to end: a real API server, the real core (informers, queue,
// reconciler, status, events, secrets), and the test-double provider's in-memory cloud.

const POLL_MS = 1_500;
const WAIT = { timeout: 30_000, interval: 200 };

function thing(ns: string, name: string, forProvider: Record<string, unknown>, extra: { spec?: Record<string, unknown>; annotations?: Record<string, string> } = {}, group = ""): string {
  return JSON.stringify({
    apiVersion: `${group}/v1alpha1`,
    kind: "Thing",
    metadata: { name, namespace: ns, ...(extra.annotations ? { annotations: extra.annotations } : {}) },
    spec: { forProvider, ...extra.spec },
  });
}

function startManager(registered: ReturnType<typeof doubleProvider>["registered"], namespace: string): Manager {
  return new Manager({ kc: kubeConfig(), kinds: [registered], log: nopLogger, namespace, concurrency: 4, pollIntervalMs: POLL_MS, progressIntervalMs: 300, connectionSecretVerifyMs: POLL_MS });
}

describe("managed reconciler with the test-double provider", () => {
  const group = `${uniqueName("dbl")}.test.terraplane.dev`;
  const provider = doubleProvider(group);
  const ref = { group, version: "v1alpha1", plural: "things" };
  const { cloud } = provider;
  let ns: Awaited<ReturnType<typeof testNamespace>>;
  let manager: Manager;
  const apply = (name: string, fp: Record<string, unknown>, extra: Parameters<typeof thing>[3] = {}): Promise<string> =>
    kubectlOk(["apply", "-f", "-"], thing(ns.name, name, fp, extra, group));
  const view = (name: string): ReturnType<typeof getManaged> => getManaged(ref, ns.name, name);
  const readyOf = async (name: string): Promise<string | undefined> => condition(await view(name), "Ready")?.status;
  const syncedOf = async (name: string): Promise<string | undefined> => condition(await view(name), "Synced")?.message ?? condition(await view(name), "Synced")?.reason;

  beforeAll(async () => {
    await applyCrds(provider.crds);
    ns = await testNamespace("core");
    await kubectlOk(["apply", "-f", "-"], JSON.stringify({ apiVersion: `${group}/v1alpha1`, kind: "ClusterProviderConfig", metadata: { name: "default" }, spec: { cloud: "memory" } }));
    manager = startManager(provider.registered, ns.name);
    await manager.start();
  });

  afterAll(async () => {
    await manager.stop(1_000);
    await ns.cleanup();
    await deleteCrds(provider.crds);
  });

  it("creates the cloud resource and reports Ready with atProvider, late-initialised fields and a connection secret", async () => {
    await apply("alpha", { region: "eu", size: 3, tags: { team: "core" } }, { spec: { writeConnectionSecretToRef: { name: "alpha-conn" } } });
    await kubectlOk(["wait", `things.${group}/alpha`, "-n", ns.name, "--for=condition=Ready", "--timeout=30s"]);

    const mr = await view("alpha");
    expect(mr?.metadata.finalizers).toContain(FINALIZER);
    expect(mr?.metadata.annotations?.[Annotations.externalName]).toBe("alpha");
    expect(mr?.status?.atProvider).toMatchObject({ id: "alpha", state: "available", size: 3 });
    expect(mr?.spec.forProvider.color).toBe("red"); // late-initialised from the cloud
    expect(condition(mr, "Synced")).toMatchObject({ status: "True", reason: "ReconcileSuccess" });
    expect(mr?.status?.observedGeneration).toBe(mr?.metadata.generation);
    expect(mr?.status?.lastSyncTime).toBeTruthy();

    const secret = JSON.parse(await kubectlOk(["get", "secret", "alpha-conn", "-n", ns.name, "-o", "json"])) as {
      data: Record<string, string>;
      metadata: { ownerReferences: { name: string }[] };
    };
    expect(Buffer.from(secret.data.endpoint ?? "", "base64").toString()).toBe("alpha.memory.local");
    expect(secret.metadata.ownerReferences[0]?.name).toBe("alpha");

    const events = await eventsFor(ns.name, "alpha");
    expect(events.map((e) => e.reason)).toContain("CreatedExternalResource");
    // Secret values never leak into status or events.
    const everything = JSON.stringify([mr, events]);
    expect(everything).not.toContain("pw-alpha");
    expect(cloud.calls.create).toBe(1);
  });

  it("shows READY, SYNCED and EXTERNAL-NAME in kubectl get", async () => {
    const out = await kubectlOk(["get", `things.${group}`, "alpha", "-n", ns.name]);
    expect(out).toMatch(/NAME\s+READY\s+SYNCED\s+EXTERNAL-NAME\s+AGE/);
    expect(out).toMatch(/alpha\s+True\s+True\s+alpha\s+/);
  });

  it("updates the cloud when the spec is edited, without calling it drift", async () => {
    await kubectlOk(["patch", `things.${group}/alpha`, "-n", ns.name, "--type=merge", "-p", '{"spec":{"forProvider":{"size":5}}}']);
    await expect.poll(() => cloud.things.get("alpha")?.size, WAIT).toBe(5);
    await expect.poll(async () => (await eventsFor(ns.name, "alpha")).map((e) => e.reason), WAIT).toContain("UpdatedExternalResource");
    expect((await eventsFor(ns.name, "alpha")).map((e) => e.reason)).not.toContain("DriftDetected");
    await expect.poll(async () => (await view("alpha"))?.status?.observedGeneration, WAIT).toBe((await view("alpha"))?.metadata.generation);
    // Converged: a later observation finds the cloud matching the edited spec (only after that is a difference drift).
    const observedBefore = cloud.calls.get;
    await expect.poll(() => cloud.calls.get, WAIT).toBeGreaterThan(observedBefore + 1);
  });

  it("detects out-of-band drift, reports it and corrects it", async () => {
    cloud.drift("alpha", { size: 9, tags: { team: "someone-else" } });
    await expect.poll(() => cloud.things.get("alpha")?.size, WAIT).toBe(5);
    expect(cloud.things.get("alpha")?.tags).toEqual({ team: "core" });
    const drift = await eventsFor(ns.name, "alpha").then((events) => events.find((e) => e.reason === "DriftDetected"));
    expect(drift?.message).toContain("size");
    expect(drift?.message).toContain("tags");
    await expect.poll(async () => (await view("alpha"))?.status?.drift, WAIT).toMatchObject({
      fields: [
        { path: "size", desired: "5", observed: "9" },
        { path: "tags", desired: '{"team":"core"}', observed: '{"team":"someone-else"}' },
      ],
      corrected: true,
    });
    // Once the cloud matches again the record stays, as the last drift, stamped with when it ended.
    await expect.poll(async () => (await view("alpha"))?.status?.drift?.resolvedAt, WAIT).toBeTruthy();
    expect((await view("alpha"))?.status?.drift?.fields.map((f) => f.path)).toEqual(["size", "tags"]);
  });

  it("announces the same drift again when it recurs after being corrected", async () => {
    const announced = async (): Promise<number> => (await eventsFor(ns.name, "alpha")).find((e) => e.reason === "DriftDetected")?.count ?? 0;
    const before = await announced();
    cloud.drift("alpha", { size: 9, tags: { team: "someone-else" } });
    await expect.poll(announced, WAIT).toBe(before + 1);
    await expect.poll(() => cloud.things.get("alpha")?.size, WAIT).toBe(5);
  });

  it("rewrites a connection Secret deleted behind its back", async () => {
    const secretData = async (): Promise<Record<string, string> | undefined> => {
      const got = await kubectl(["get", "secret", "alpha-conn", "-n", ns.name, "-o", "json"]);
      return got.code === 0 ? (JSON.parse(got.stdout) as { data: Record<string, string> }).data : undefined;
    };
    const original = await secretData();
    expect(original?.password).toBeTruthy();
    await kubectlOk(["delete", "secret", "alpha-conn", "-n", ns.name]);
    await expect.poll(secretData, { timeout: 30_000, interval: 250 }).toEqual(original);
  });

  it("issues no updates while nothing changes (no perpetual diff)", async () => {
    const before = { ...cloud.calls };
    await new Promise((r) => setTimeout(r, POLL_MS * 3));
    expect(cloud.calls.update).toBe(before.update);
    expect(cloud.calls.get).toBeGreaterThan(before.get); // it did keep observing
  });

  it("imports an existing resource read-only with managementPolicies [Observe], and reports a missing one instead of creating it", async () => {
    await cloud.create({ id: "legacy-1", size: 7, color: "blue", tags: {} });
    const calls = { ...cloud.calls };
    await apply("imported", { region: "eu", size: 1 }, { spec: { managementPolicies: ["Observe"] }, annotations: { [Annotations.externalName]: "legacy-1" } });
    await expect.poll(() => readyOf("imported"), WAIT).toBe("True");
    const mr = await view("imported");
    expect(mr?.status?.atProvider).toMatchObject({ id: "legacy-1", size: 7 });
    expect(mr?.metadata.finalizers ?? []).not.toContain(FINALIZER); // nothing to clean up: it is never deleted
    expect(cloud.things.get("legacy-1")?.size).toBe(7); // the differing spec was not pushed
    expect(condition(mr, "Synced")?.message).toContain("managementPolicies do not allow updates");

    await apply("ghost", { region: "eu", size: 1 }, { spec: { managementPolicies: ["Observe"] }, annotations: { [Annotations.externalName]: "no-such-thing" } });
    await expect.poll(() => syncedOf("ghost"), WAIT).toContain("does not exist, and managementPolicies do not allow Terraplane to create it");
    expect(cloud.calls.create).toBe(calls.create);
    expect(cloud.calls.update).toBe(calls.update);
  });

  it("orphans the cloud resource on delete with deletionPolicy Orphan", async () => {
    await apply("keep", { region: "eu", size: 2 }, { spec: { deletionPolicy: "Orphan" } });
    await expect.poll(() => readyOf("keep"), WAIT).toBe("True");
    await kubectlOk(["delete", `things.${group}/keep`, "-n", ns.name, "--timeout=30s"]);
    expect(await view("keep")).toBeUndefined();
    expect(cloud.things.has("keep")).toBe(true);
    expect(cloud.calls.delete).toBe(0);
  });

  it("keeps the object until the cloud confirms the delete", async () => {
    await apply("gone", { region: "eu", size: 2 });
    await expect.poll(() => readyOf("gone"), WAIT).toBe("True");
    cloud.transitionSteps = 8;
    await kubectlOk(["delete", `things.${group}/gone`, "-n", ns.name, "--wait=false"]);
    await expect.poll(async () => condition(await view("gone"), "Ready")?.reason, WAIT).toBe("Deleting");
    expect(cloud.things.get("gone")?.state).toBe("deleting");
    await expect.poll(() => view("gone"), WAIT).toBeUndefined();
    expect(cloud.things.has("gone")).toBe(false);
    cloud.transitionSteps = 1;
  });

  it("does nothing while paused, and catches up when unpaused", async () => {
    await apply("still", { region: "eu", size: 2 });
    await expect.poll(() => readyOf("still"), WAIT).toBe("True");
    await kubectlOk(["annotate", `things.${group}/still`, "-n", ns.name, `${Annotations.paused}=true`]);
    await expect.poll(async () => condition(await view("still"), "Synced")?.reason, WAIT).toBe("ReconcilePaused");
    await kubectlOk(["patch", `things.${group}/still`, "-n", ns.name, "--type=merge", "-p", '{"spec":{"forProvider":{"size":4}}}']);
    await new Promise((r) => setTimeout(r, POLL_MS * 2));
    expect(cloud.things.get("still")?.size).toBe(2);
    await kubectlOk(["annotate", `things.${group}/still`, "-n", ns.name, `${Annotations.paused}-`]);
    await expect.poll(() => cloud.things.get("still")?.size, WAIT).toBe(4);
    await expect.poll(async () => condition(await view("still"), "Synced")?.reason, WAIT).toBe("ReconcileSuccess");
  });

  it("re-observes at once when terraplane.dev/reconcile-requested-at changes, whatever the poll interval", async () => {
    await apply("lazy", { region: "eu", size: 2 }, { annotations: { [Annotations.pollInterval]: "1h" } });
    await expect.poll(() => readyOf("lazy"), WAIT).toBe("True");
    // Settled: late initialisation written back and observed, nothing left in flight.
    await expect.poll(async () => {
      const mr = await view("lazy");
      return mr?.spec.forProvider.color !== undefined && mr.status?.observedGeneration === mr.metadata.generation;
    }, WAIT).toBe(true);
    await new Promise((r) => setTimeout(r, 1_000));
    cloud.drift("lazy", { size: 50 });
    await new Promise((r) => setTimeout(r, POLL_MS * 2));
    expect(cloud.things.get("lazy")?.size).toBe(50); // an hour-long poll: not seen yet
    await kubectlOk(["annotate", "--overwrite", `things.${group}/lazy`, "-n", ns.name, `${Annotations.reconcileRequestedAt}=${new Date().toISOString()}`]);
    await expect.poll(() => cloud.things.get("lazy")?.size, { timeout: 5_000, interval: 100 }).toBe(2);
  });

  it("reports cloud errors in Synced, backs off, and recovers", async () => {
    cloud.failNext("create", "Transient", "the cloud is having a bad day", 2);
    const before = cloud.calls.create;
    await apply("flaky", { region: "eu", size: 2 });
    await expect.poll(() => syncedOf("flaky"), WAIT).toContain("cannot create the cloud resource: the cloud is having a bad day");
    await expect.poll(() => readyOf("flaky"), WAIT).toBe("True");
    expect(cloud.calls.create - before).toBe(3);
    const warnings = (await eventsFor(ns.name, "flaky")).filter((e) => e.reason === "CannotCreateExternalResource");
    expect(warnings.length).toBe(1); // the repeat is folded into one Event ...
    expect(warnings[0]?.count).toBe(2); // ... with a count
    expect(condition(await view("flaky"), "Synced")).toMatchObject({ status: "True", reason: "ReconcileSuccess" });
  });

  it("does not hot-loop on a terminal error, and retries when the spec is edited", async () => {
    cloud.failNext("create", "InvalidParameter", "size 13 is unlucky here", 1);
    const before = cloud.calls.create;
    await apply("picky", { region: "eu", size: 13 }, { annotations: { [Annotations.pollInterval]: "1h" } });
    await expect.poll(() => syncedOf("picky"), WAIT).toContain("size 13 is unlucky here");
    await new Promise((r) => setTimeout(r, 3_000));
    expect(cloud.calls.create - before).toBe(1);
    await kubectlOk(["patch", `things.${group}/picky`, "-n", ns.name, "--type=merge", "-p", '{"spec":{"forProvider":{"size":12}}}']);
    await expect.poll(() => readyOf("picky"), WAIT).toBe("True");
  });

  it("reports a missing ProviderConfig clearly, and recovers once it exists", async () => {
    await apply("orphaned-config", { region: "eu", size: 2 }, { spec: { providerConfigRef: { kind: "ProviderConfig", name: "team-a" } } });
    await expect.poll(() => syncedOf("orphaned-config"), WAIT).toContain(`ProviderConfig "team-a" in namespace "${ns.name}" (${group}) not found`);
    expect(condition(await view("orphaned-config"), "Synced")?.status).toBe("False");
    await kubectlOk(["apply", "-f", "-"], JSON.stringify({ apiVersion: `${group}/v1alpha1`, kind: "ProviderConfig", metadata: { name: "team-a", namespace: ns.name }, spec: { cloud: "memory" } }));
    await expect.poll(() => readyOf("orphaned-config"), { timeout: 40_000, interval: 250 }).toBe("True");
  });

  it("rejects invalid specs at admission with readable messages", async () => {
    const tooSmall = await kubectl(["apply", "-f", "-"], thing(ns.name, "bad", { region: "eu", size: 0 }, {}, group));
    expect(tooSmall.code).not.toBe(0);
    expect(tooSmall.stderr).toContain("spec.forProvider.size");
    expect(tooSmall.stderr).toMatch(/greater than or equal to 1/);

    const policies = await kubectl(["apply", "-f", "-"], thing(ns.name, "bad", { region: "eu", size: 1 }, { spec: { managementPolicies: ["*", "Create"] } }, group));
    expect(policies.stderr).toContain('"*" must stand alone');

    const region = await kubectl(["patch", `things.${group}/alpha`, "-n", ns.name, "--type=merge", "-p", '{"spec":{"forProvider":{"region":"us"}}}']);
    expect(region.code).not.toBe(0);
    expect(region.stderr).toContain("region is immutable: create a new Thing");
  });
});

describe("a controller killed between create-pending and create-succeeded", () => {
  it("finds the resource by its deterministic name instead of creating it again", async () => {
    const group = `${uniqueName("dblc")}.test.terraplane.dev`;
    const provider = doubleProvider(group);
    await applyCrds(provider.crds);
    const ns = await testNamespace("crash");
    await kubectlOk(["apply", "-f", "-"], JSON.stringify({ apiVersion: `${group}/v1alpha1`, kind: "ClusterProviderConfig", metadata: { name: "default" }, spec: { cloud: "memory" } }));
    try {
      provider.cloud.holdCreates();
      const first = startManager(provider.registered, ns.name);
      await first.start();
      await kubectlOk(["apply", "-f", "-"], thing(ns.name, "named", { region: "eu", size: 1 }, {}, group));
      await expect.poll(() => provider.cloud.calls.create, WAIT).toBe(1);
      const pending = await getManaged({ group, version: "v1alpha1", plural: "things" }, ns.name, "named");
      expect(pending?.metadata.annotations?.[Annotations.createPending]).toBeTruthy();
      expect(pending?.metadata.annotations?.[Annotations.createSucceeded]).toBeUndefined();
      await first.stop(100); // the create never returns: as good as a kill

      const second = startManager(provider.registered, ns.name);
      await second.start();
      await expect.poll(async () => condition(await getManaged({ group, version: "v1alpha1", plural: "things" }, ns.name, "named"), "Ready")?.status, WAIT).toBe("True");
      expect(provider.cloud.calls.create).toBe(1);
      expect(provider.cloud.things.size).toBe(1);
      await second.stop(1_000);
    } finally {
      provider.cloud.releaseCreates();
      await ns.cleanup();
      await deleteCrds(provider.crds);
    }
  });

  it("stops and reports when the cloud assigns the identifier, never creating a duplicate", async () => {
    const group = `${uniqueName("dbla")}.test.terraplane.dev`;
    const provider = doubleProvider(group, { assignedByCloud: true });
    const ref = { group, version: "v1alpha1", plural: "things" };
    await applyCrds(provider.crds);
    const ns = await testNamespace("crash");
    await kubectlOk(["apply", "-f", "-"], JSON.stringify({ apiVersion: `${group}/v1alpha1`, kind: "ClusterProviderConfig", metadata: { name: "default" }, spec: { cloud: "memory" } }));
    try {
      provider.cloud.holdCreates();
      const first = startManager(provider.registered, ns.name);
      await first.start();
      await kubectlOk(["apply", "-f", "-"], thing(ns.name, "generated", { region: "eu", size: 1 }, {}, group));
      await expect.poll(() => provider.cloud.calls.create, WAIT).toBe(1);
      await expect.poll(async () => (await getManaged(ref, ns.name, "generated"))?.metadata.annotations?.[Annotations.createPending], WAIT).toBeTruthy();
      await first.stop(100);

      const second = startManager(provider.registered, ns.name);
      await second.start();
      await expect.poll(async () => condition(await getManaged(ref, ns.name, "generated"), "Synced")?.message, WAIT).toContain("outcome was never recorded");
      await new Promise((r) => setTimeout(r, POLL_MS * 2));
      expect(provider.cloud.calls.create).toBe(1);
      expect(provider.cloud.things.size).toBe(1);
      expect((await eventsFor(ns.name, "generated")).map((e) => e.reason)).toContain("CreateOutcomeUnknown");

      // The person adopts what the cloud made; Terraplane takes it from there.
      const [id] = [...provider.cloud.things.keys()];
      await kubectlOk(["annotate", `things.${group}/generated`, "-n", ns.name, `${Annotations.externalName}=${id ?? ""}`]);
      await expect.poll(async () => condition(await getManaged(ref, ns.name, "generated"), "Ready")?.status, WAIT).toBe("True");
      expect(provider.cloud.things.size).toBe(1);
      await second.stop(1_000);
    } finally {
      provider.cloud.releaseCreates();
      await ns.cleanup();
      await deleteCrds(provider.crds);
    }
  });
});

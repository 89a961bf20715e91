import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Annotations, FINALIZER } from "../core/managed.ts";
import { loadBalancer } from "../providers/gcp/loadbalancer/index.ts";
import type { FaultConfigInput, FaultProxy } from "../sandbox/faultproxy/index.ts";
import { applyExample, eventReasons, mutatingCalls as proxyMutatingCalls, operationsDuring, resourceOf, settledAndObserved } from "./harness/environment.ts";
import { closeClients, computeClients, gcpEmulatorControl, orUndefined } from "./harness/gcp.ts";
import { gcpEnvironment, installGcpCrds } from "./harness/gcp-provider.ts";
import type { GcpEnvironment } from "./harness/gcp-provider.ts";
import { kubectl, kubectlOk } from "./harness/kube.ts";
import { condition, eventsFor, toldLateInitialization } from "./harness/managed.ts";
import type { ManagedView } from "./harness/managed.ts";
import { uniqueName } from "./harness/names.ts";

// The LoadBalancer kind (a global external Application Load Balancer: health check, backend
// services, URL map, target proxy, address, forwarding rule) end to end: kubectl → the real API
// server (CRD, CEL) → the core → the GCP provider → the official @google-cloud/compute clients →
// a fault proxy of the test's own → the GCP emulator. Each describe has its own namespace, GCP
// project, ProviderConfig, proxy and manager. Changes "behind Terraplane's back" go straight to the
// emulator with the official clients.

const RESOURCE = resourceOf(loadBalancer);
const WAIT = { timeout: 60_000, interval: 250 };
const OPERATION_DELAY_MS = 300;
const MUTATING = /\.(insert|patch|update|delete|set[A-Z]\w*)$/;

const group = (name: string): string => `https://www.googleapis.com/compute/v1/projects/tp-groups/zones/europe-west1-b/instanceGroups/${name}`;

/** What a user would write: one backend service behind an HTTP front end on a reserved IP. */
const BASE = {
  healthCheck: { type: "HTTP", port: 8080, requestPath: "/healthz" },
  backendServices: [{ name: "web", timeoutSec: 30, backends: [{ group: group("web"), balancingMode: "UTILIZATION", maxUtilization: 0.8 }] }],
};

type Compute = ReturnType<typeof computeClients>;

interface Env extends GcpEnvironment {
  readonly compute: Compute;
}

async function environment(opts: { faults?: FaultConfigInput; pollIntervalMs?: number } = {}): Promise<Env> {
  const env = await gcpEnvironment(loadBalancer, { nsPrefix: "glb", projectPrefix: "tp-lb", operationDelayMs: OPERATION_DELAY_MS, seed: 5, faults: opts.faults, pollIntervalMs: opts.pollIntervalMs ?? 1_000 });
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

/** Every compute resource of a LoadBalancer named `base`, as the emulator has it. */
async function chain(env: Env, base: string, keys: readonly string[] = ["web"]) {
  const { project } = env;
  const c = env.compute;
  return {
    healthCheck: await orUndefined(() => c.healthChecks.get({ project, healthCheck: `${base}-hc` })),
    backendServices: await Promise.all(keys.map((k) => orUndefined(() => c.backendServices.get({ project, backendService: `${base}-bs-${k}` })))),
    urlMap: await orUndefined(() => c.urlMaps.get({ project, urlMap: `${base}-um` })),
    proxy: await orUndefined(() => c.targetHttpProxies.get({ project, targetHttpProxy: `${base}-proxy` })),
    address: await orUndefined(() => c.globalAddresses.get({ project, address: `${base}-ip` })),
    forwardingRule: await orUndefined(() => c.globalForwardingRules.get({ project, forwardingRule: `${base}-fr` })),
  };
}

/** Waits for a compute operation with globalOperations.wait (the test's own calls may wait; controllers never do). */
async function done(env: Env, started: Promise<[{ latestResponse?: { name?: string | null } | null }, ...unknown[]]>): Promise<void> {
  const [lro] = await started;
  const operation = lro.latestResponse?.name ?? "";
  for (;;) {
    const [op] = await env.compute.globalOperations.wait({ project: env.project, operation });
    if (op.status === "DONE") {
      expect(op.error).toBeFalsy();
      return;
    }
  }
}

const reasons = eventReasons;

async function settled(env: Env, name: string): Promise<boolean> {
  const mr = await env.view(name);
  return (
    mr !== undefined &&
    condition(mr, "Ready")?.status === "True" &&
    condition(mr, "Synced")?.status === "True" &&
    mr.status?.pendingOperation === undefined &&
    mr.status?.observedGeneration === mr.metadata.generation
  );
}

/** Settled, then observed twice more, so the controller's cache has caught up with what it wrote. */
const quiet = (env: Env, name: string): Promise<void> => settledAndObserved(env, name, () => settled(env, name), WAIT);

/** Requests per mutating compute method seen by a proxy since its last reset. */
const mutatingCalls = (proxy: FaultProxy): Record<string, number> => proxyMutatingCalls(proxy, "compute", (op) => MUTATING.test(op));

/** The project's mutating compute requests in the order the emulator received them, as `METHOD collection`. */
async function mutationOrder(env: Env, method: string): Promise<string[]> {
  const prefix = `/compute/v1/projects/${env.project}/global/`;
  return (await gcpEmulatorControl().requests())
    .filter((r) => r.method === method && r.path.startsWith(prefix) && r.status < 300)
    .map((r) => r.path.slice(prefix.length).split("/")[0] ?? "");
}

/** The chain in the emulator is wired as spec says, owned, and mirrored in atProvider; returns the IP. */
async function expectChain(env: Env, name: string, mr: ManagedView | undefined): Promise<string> {
  const cloud = await chain(env, name);
  expect(mr?.metadata.finalizers).toContain(FINALIZER);
  const ip = cloud.address?.address ?? "";
  expect(ip).toMatch(/^203\.0\.113\.\d+$/);
  expect(cloud.forwardingRule).toMatchObject({ IPAddress: ip, portRange: "80-80", loadBalancingScheme: "EXTERNAL_MANAGED", target: cloud.proxy?.selfLink });
  expect(cloud.forwardingRule?.labels).toMatchObject({ "terraplane-managed-by": "terraplane" });
  expect(cloud.proxy?.urlMap).toBe(cloud.urlMap?.selfLink);
  expect(cloud.urlMap?.defaultService).toBe(cloud.backendServices[0]?.selfLink);
  expect(cloud.backendServices[0]).toMatchObject({ healthChecks: [cloud.healthCheck?.selfLink], timeoutSec: 30, loadBalancingScheme: "EXTERNAL_MANAGED", backends: [{ group: group("web") }] });
  expect(cloud.healthCheck?.description).toContain(`Managed by Terraplane: LoadBalancer ${env.ns}/${name} (uid `);
  expect(mr?.status?.atProvider).toEqual({
    ipAddress: ip,
    healthCheck: { name: `${name}-hc`, exists: true, selfLink: cloud.healthCheck?.selfLink },
    backendServices: [{ key: "web", name: `${name}-bs-web`, exists: true, selfLink: cloud.backendServices[0]?.selfLink }],
    urlMap: { name: `${name}-um`, exists: true, selfLink: cloud.urlMap?.selfLink },
    targetProxy: { name: `${name}-proxy`, exists: true, selfLink: cloud.proxy?.selfLink },
    address: { name: `${name}-ip`, exists: true, selfLink: cloud.address?.selfLink },
    forwardingRule: { name: `${name}-fr`, exists: true, selfLink: cloud.forwardingRule?.selfLink, portRange: "80-80" },
  });
  return ip;
}

describe("LoadBalancer (global external Application Load Balancer) on the GCP emulator", () => {
  beforeAll(async () => {
    await installGcpCrds([loadBalancer]);
  });

  describe("create, update, drift", () => {
    let env: Env;
    beforeAll(async () => {
      env = await environment();
    });
    afterAll(async () => env.close());

    it("creates the chain in dependency order, reports Ready with the IP and every sub-resource", async () => {
      const name = uniqueName("shop");
      const t0 = Date.now();
      await env.apply(name, BASE);
      await expect.poll(async () => (await env.view(name))?.status?.pendingOperation, WAIT).toMatchObject({ action: "create" });
      expect(condition(await env.view(name), "Ready")?.reason).toBe("Creating");
      await kubectlOk(["wait", `${RESOURCE}/${name}`, "-n", env.ns, "--for=condition=Ready", "--timeout=60s"]);
      console.info(`create → Ready in ${Date.now() - t0} ms`);
      await quiet(env, name);

      const mr = await env.view(name);
      const ip = await expectChain(env, name, mr);
      // Created in dependency order: nothing is referenced before it exists.
      const inserts = (await mutationOrder(env, "POST")).filter((c) => c !== "operations");
      expect(inserts).toEqual(["healthChecks", "addresses", "backendServices", "urlMaps", "targetHttpProxies", "forwardingRules"]);
      // Defaults compute filled in are written back to the spec (late initialisation).
      expect(mr?.spec.forProvider).toMatchObject({
        healthCheck: { type: "HTTP", port: 8080, requestPath: "/healthz", checkIntervalSec: 5, timeoutSec: 5, healthyThreshold: 2, unhealthyThreshold: 2 },
        backendServices: [{ name: "web", protocol: "HTTP", portName: "http", timeoutSec: 30 }],
      });
      const events = await eventsFor(env.ns, name);
      expect(events.map((e) => e.reason)).toContain("CreatedExternalResource");
      expect(toldLateInitialization(events)).toBe(true);
      expect(await reasons(env.ns, name)).not.toContain("DriftDetected");
      const table = await kubectlOk(["get", "gcplb", name, "-n", env.ns]);
      expect(table).toMatch(new RegExp(`${name}\\s+True\\s+True\\s+\\S+\\s+HTTP\\s+${ip.replaceAll(".", "\\.")}`));
    });

    it("applies a spec change with fingerprinted updates counted at the proxy, and routes to a new backend service", async () => {
      const name = uniqueName("routes");
      await env.apply(name, BASE);
      await quiet(env, name);
      env.proxy.resetStats();
      const t0 = Date.now();
      await env.apply(name, {
        ...BASE,
        healthCheck: { ...BASE.healthCheck, requestPath: "/ready" },
        backendServices: [{ ...BASE.backendServices[0], timeoutSec: 45 }, { name: "api", backends: [{ group: group("api") }] }],
        urlMap: { defaultService: "web", hostRules: [{ hosts: ["shop.example.com"], pathMatcher: "shop" }], pathMatchers: [{ name: "shop", defaultService: "web", pathRules: [{ paths: ["/api/*"], service: "api" }] }] },
      });
      await expect.poll(async () => (await chain(env, name, ["web", "api"])).urlMap?.hostRules?.length, WAIT).toBe(1);
      await quiet(env, name);
      console.info(`spec change → applied and settled in ${Date.now() - t0} ms`);
      const cloud = await chain(env, name, ["web", "api"]);
      expect(cloud.healthCheck?.httpHealthCheck?.requestPath).toBe("/ready");
      expect(cloud.backendServices[0]?.timeoutSec).toBe(45);
      expect(cloud.urlMap?.pathMatchers?.[0]?.pathRules?.[0]).toMatchObject({ paths: ["/api/*"], service: cloud.backendServices[1]?.selfLink });
      expect(mutatingCalls(env.proxy)).toEqual({ "healthChecks.update": 1, "backendServices.update": 1, "backendServices.insert": 1, "urlMaps.update": 1 });
      expect((await env.view(name))?.status?.atProvider?.backendServices).toHaveLength(2);

      // Dropping the api service: the URL map stops using it first, then it is deleted.
      env.proxy.resetStats();
      await env.apply(name, BASE);
      await expect.poll(async () => (await chain(env, name, ["api"])).backendServices[0], WAIT).toBeUndefined().catch(async (err: unknown) => {
        console.log(JSON.stringify(await env.view(name), null, 1), JSON.stringify(await eventsFor(env.ns, name), null, 1));
        throw err;
      });
      await quiet(env, name);
      expect(mutatingCalls(env.proxy)).toEqual({ "healthChecks.update": 1, "backendServices.update": 1, "urlMaps.update": 1, "backendServices.delete": 1 });
    });

    it("detects a change made behind Terraplane's back with the official client, names the fields, and corrects it", async () => {
      const name = uniqueName("drifty");
      await env.apply(name, BASE);
      await quiet(env, name);
      const { project } = env;
      const [bs] = await env.compute.backendServices.get({ project, backendService: `${name}-bs-web` });
      const t0 = Date.now();
      await done(env, env.compute.backendServices.patch({ project, backendService: `${name}-bs-web`, backendServiceResource: { timeoutSec: 90, fingerprint: bs.fingerprint } }));
      await expect.poll(() => reasons(env.ns, name), WAIT).toContain("DriftDetected");
      const drift = (await eventsFor(env.ns, name)).find((e) => e.reason === "DriftDetected");
      expect(drift?.message).toBe("the cloud resource drifted from spec: backendServices[web].timeoutSec");
      await expect.poll(async () => (await chain(env, name)).backendServices[0]?.timeoutSec, WAIT).toBe(30);
      console.info(`drift → corrected in ${Date.now() - t0} ms`);
      await expect.poll(async () => {
        const d = (await env.view(name))?.status?.drift;
        return d === undefined || d.resolvedAt !== undefined;
      }, WAIT).toBe(true);
    });
  });

  describe("import, delete, orphan", () => {
    let env: Env;
    beforeAll(async () => {
      env = await environment();
    });
    afterAll(async () => env.close());

    it("imports a chain created outside Terraplane read-only (Observe + external-name): Ready, atProvider mirrors it, nothing written", async () => {
      const base = uniqueName("legacy");
      const { project } = env;
      const c = env.compute;
      const link = (collection: string, n: string): string => `projects/${project}/global/${collection}/${n}`;
      await done(env, c.healthChecks.insert({ project, healthCheckResource: { name: `${base}-hc`, type: "HTTP", httpHealthCheck: { port: 8080, requestPath: "/healthz" } } }));
      await done(env, c.backendServices.insert({ project, backendServiceResource: { name: `${base}-bs-web`, loadBalancingScheme: "EXTERNAL_MANAGED", timeoutSec: 30, healthChecks: [link("healthChecks", `${base}-hc`)], backends: [{ group: group("web"), balancingMode: "UTILIZATION", maxUtilization: 0.8 }] } }));
      await done(env, c.urlMaps.insert({ project, urlMapResource: { name: `${base}-um`, defaultService: link("backendServices", `${base}-bs-web`) } }));
      await done(env, c.targetHttpProxies.insert({ project, targetHttpProxyResource: { name: `${base}-proxy`, urlMap: link("urlMaps", `${base}-um`) } }));
      await done(env, c.globalAddresses.insert({ project, addressResource: { name: `${base}-ip` } }));
      await done(env, c.globalForwardingRules.insert({ project, forwardingRuleResource: { name: `${base}-fr`, loadBalancingScheme: "EXTERNAL_MANAGED", portRange: "80", IPAddress: link("addresses", `${base}-ip`), target: link("targetHttpProxies", `${base}-proxy`) } }));
      env.proxy.resetStats();
      const name = uniqueName("imported");
      await env.apply(name, { ...BASE, backendServices: [{ ...BASE.backendServices[0], timeoutSec: 60 }] }, {
        spec: { managementPolicies: ["Observe"], deletionPolicy: "Orphan" },
        annotations: { [Annotations.externalName]: base },
      });
      await expect.poll(async () => condition(await env.view(name), "Ready")?.status, WAIT).toBe("True");
      await expect.poll(async () => condition(await env.view(name), "Synced")?.message ?? "", WAIT).toContain("managementPolicies do not allow updates");
      expect(condition(await env.view(name), "Synced")?.message).toContain("backendServices[web].timeoutSec");
      const mr = await env.view(name);
      const [address] = await c.globalAddresses.get({ project, address: `${base}-ip` });
      expect(mr?.status?.atProvider).toMatchObject({ ipAddress: address.address, forwardingRule: { name: `${base}-fr`, exists: true }, urlMap: { name: `${base}-um`, exists: true } });
      expect(mr?.spec.forProvider.healthCheck).toEqual(BASE.healthCheck); // no LateInitialize in the policies
      await sleep(2_500);
      expect(mutatingCalls(env.proxy)).toEqual({});
      await kubectlOk(["delete", `${RESOURCE}/${name}`, "-n", env.ns, "--wait=true", "--timeout=30s"]);
      expect((await chain(env, base)).forwardingRule).toBeDefined(); // never deleted
      expect((await chain(env, base)).backendServices[0]?.timeoutSec).toBe(30); // never changed
    });

    it("deletes every sub-resource in reverse dependency order, and leaves them with deletionPolicy Orphan", async () => {
      const gone = uniqueName("gone");
      const kept = uniqueName("kept");
      await env.apply(gone, BASE);
      await env.apply(kept, BASE, { spec: { deletionPolicy: "Orphan" } });
      await expect.poll(() => settled(env, gone), WAIT).toBe(true);
      await expect.poll(() => settled(env, kept), WAIT).toBe(true);

      const t0 = Date.now();
      const deletesBefore = (await mutationOrder(env, "DELETE")).length;
      await kubectlOk(["delete", `${RESOURCE}/${gone}`, "-n", env.ns, "--wait=false"]);
      await expect.poll(async () => (await env.view(gone))?.status?.pendingOperation, WAIT).toMatchObject({ action: "delete" });
      expect(condition(await env.view(gone), "Ready")?.reason).toBe("Deleting");
      await expect.poll(() => env.view(gone), WAIT).toBeUndefined();
      console.info(`delete → all gone in ${Date.now() - t0} ms`);
      expect(await chain(env, gone)).toEqual({ healthCheck: undefined, backendServices: [undefined], urlMap: undefined, proxy: undefined, address: undefined, forwardingRule: undefined });
      const deletes = (await mutationOrder(env, "DELETE")).slice(deletesBefore);
      expect(deletes).toEqual(["forwardingRules", "targetHttpProxies", "urlMaps", "backendServices", "healthChecks", "addresses"]);

      await kubectlOk(["delete", `${RESOURCE}/${kept}`, "-n", env.ns, "--wait=true", "--timeout=30s"]);
      const left = await chain(env, kept);
      expect(Object.values({ ...left, backendServices: left.backendServices[0] }).every((r) => r !== undefined)).toBe(true);
      expect(await reasons(env.ns, kept)).toContain("OrphanedExternalResource");
    });
  });

  describe("invalid input", () => {
    let env: Env;
    beforeAll(async () => {
      env = await environment({ pollIntervalMs: 5_000 });
    });
    afterAll(async () => env.close());

    it("rejects invalid specs at admission with the rule's message", async () => {
      const unknownKey = await kubectl(["apply", "-f", "-"], env.manifest(uniqueName("bad"), { ...BASE, urlMap: { defaultService: "nope" } }, {}));
      expect(unknownKey.code).not.toBe(0);
      expect(unknownKey.stderr).toContain("urlMap.defaultService must be the name of one of backendServices");
      const https = await kubectl(["apply", "-f", "-"], env.manifest(uniqueName("bad"), { ...BASE, frontend: { protocol: "HTTPS" } }, {}));
      expect(https.stderr).toContain("frontend.sslCertificates is required with protocol HTTPS");
      const schema = await kubectl(["apply", "-f", "-"], env.manifest(uniqueName("bad"), { ...BASE, healthCheck: { type: "GRPC" }, backendServices: [{ name: "Web_1" }] }, {}));
      expect(schema.stderr).toMatch(/healthCheck\.type/);
      expect(schema.stderr).toMatch(/backendServices\[0\]\.name/);

      const name = uniqueName("strict");
      await env.apply(name, BASE);
      for (const [change, message] of [
        [{ frontend: { protocol: "HTTPS", sslCertificates: ["global/sslCertificates/c"] } }, "frontend.protocol is immutable"],
        [{ frontend: { address: { mode: "Ephemeral" } } }, "frontend.address is immutable"],
        [{ loadBalancingScheme: "EXTERNAL" }, "loadBalancingScheme is immutable"],
      ] as const) {
        const res = await kubectl(["patch", `${RESOURCE}/${name}`, "-n", env.ns, "--type=merge", "-p", JSON.stringify({ spec: { forProvider: change } })]);
        expect(res.code, message).not.toBe(0);
        expect(res.stderr).toContain(message);
      }
    });

    it("reports a request compute refuses (400) as Synced=False with its reason, without a hot retry loop", async () => {
      const name = uniqueName("refused");
      env.proxy.resetStats();
      await env.apply(name, { ...BASE, healthCheck: { type: "HTTP", checkIntervalSec: 5, timeoutSec: 10 } });
      await expect.poll(async () => condition(await env.view(name), "Synced")?.message ?? "", WAIT).toContain("TimeoutSec should be less than checkIntervalSec");
      expect(condition(await env.view(name), "Synced")?.status).toBe("False");
      await sleep(4_000);
      expect(mutatingCalls(env.proxy)["healthChecks.insert"]).toBeLessThanOrEqual(2);
      expect((await chain(env, name)).healthCheck).toBeUndefined();
      // Fixing the spec lets it through.
      await env.apply(name, { ...BASE, healthCheck: { type: "HTTP", checkIntervalSec: 10, timeoutSec: 5 } });
      await expect.poll(() => settled(env, name), WAIT).toBe(true);
    });
  });

  describe("behind a faulty network", () => {
    let env: Env;
    beforeAll(async () => {
      env = await environment({
        pollIntervalMs: 1_000,
        faults: {
          rules: [
            { fault: "throttle", rate: 0.15, match: { service: "compute" } },
            { fault: "error5xx", status: 503, rate: 0.15, match: { service: "compute" } },
          ],
        },
      });
    });
    afterAll(async () => env.close());

    it("converges through 30% errors (429/503), creating each sub-resource once, then makes no mutating call over ten poll cycles", async () => {
      const name = uniqueName("flaky");
      const t0 = Date.now();
      await env.apply(name, BASE);
      await expect.poll(() => settled(env, name), { timeout: 120_000, interval: 250 }).toBe(true);
      console.info(`create → settled behind 30% 429/503 in ${Date.now() - t0} ms`);
      const stats = env.proxy.stats().services.compute;
      expect((stats?.total.faults.throttle ?? 0) + (stats?.total.faults.error5xx ?? 0)).toBeGreaterThan(0);
      const cloud = await chain(env, name);
      expect(Object.values({ ...cloud, backendServices: cloud.backendServices[0] }).every((r) => r !== undefined)).toBe(true);
      const [rules] = await env.compute.globalForwardingRules.list({ project: env.project });
      expect(rules.map((r) => r.name)).toEqual([`${name}-fr`]); // exactly one, despite retries
      const [addresses] = await env.compute.globalAddresses.list({ project: env.project });
      expect(addresses).toHaveLength(1);

      await quiet(env, name);
      const ops = await operationsDuring(env.proxy, "compute", 10 * 1_000 + 1_500);
      expect(ops["globalForwardingRules.get"]?.requests ?? 0).toBeGreaterThanOrEqual(8); // it kept polling
      expect(mutatingCalls(env.proxy)).toEqual({});
    }, 180_000);
  });

  describe("examples", () => {
    let env: Env;
    beforeAll(async () => {
      env = await environment();
    });
    afterAll(async () => env.close());

    it("examples/gcp/loadbalancer.yaml becomes Ready as written (only its namespace and config reference swapped), with no perpetual diff", async () => {
      const name = await applyExample(env, "examples/gcp/loadbalancer.yaml");
      await quiet(env, name);
      const cloud = await chain(env, name, ["web", "api"]);
      expect(cloud.urlMap?.hostRules).toMatchObject([{ hosts: ["shop.example.com"], pathMatcher: "shop" }]);
      expect(cloud.backendServices[1]).toMatchObject({ timeoutSec: 60, backends: [{ balancingMode: "RATE", maxRatePerInstance: 100 }] });
      expect((await env.view(name))?.status?.atProvider?.ipAddress).toBe(cloud.address?.address);
      env.proxy.resetStats();
      await sleep(5_000);
      expect(mutatingCalls(env.proxy)).toEqual({});
    });
  });
});

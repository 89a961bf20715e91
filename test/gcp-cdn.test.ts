import { setTimeout as sleep } from "node:timers/promises";
import type { protos } from "@google-cloud/compute";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Annotations, FINALIZER } from "../core/managed.ts";
import { cdn } from "../providers/gcp/cdn/index.ts";
import { operationName } from "../providers/gcp/compute/api.ts";
import type { FaultConfigInput, FaultProxy } from "../sandbox/faultproxy/index.ts";
import { applyExample, eventReasons, mutatingCalls as proxyMutatingCalls, operationsDuring, resourceOf, settledAndObserved } from "./harness/environment.ts";
import { closeClients, computeClients, gcpEmulatorControl, orUndefined } from "./harness/gcp.ts";
import { gcpEnvironment, installGcpCrds } from "./harness/gcp-provider.ts";
import type { GcpEnvironment } from "./harness/gcp-provider.ts";
import { kubectl, kubectlOk } from "./harness/kube.ts";
import { condition, eventsFor, toldLateInitialization } from "./harness/managed.ts";
import type { ManagedView } from "./harness/managed.ts";
import { uniqueName } from "./harness/names.ts";

// The CDN kind (Cloud CDN on a backend bucket or service, with its URL map, target proxy, global
// address and forwarding rule) end to end: kubectl → the real API server (CRD, CEL) → the core →
// the GCP provider → the official @google-cloud/compute clients → a fault proxy of the test's own
// → the GCP emulator. Each describe has its own namespace, GCP project, ProviderConfig, proxy and
// controller manager. Changes "behind Terraplane's back" go straight to the emulator with the
// official clients.

type BackendBucket = protos.google.cloud.compute.v1.IBackendBucket;
type Compute = ReturnType<typeof computeClients>;

const RESOURCE = resourceOf(cdn);
const WAIT = { timeout: 60_000, interval: 250 };
const OPERATION_DELAY_MS = 400;
const MUTATING = /\.(insert|patch|update|delete|set[A-Z]\w*)$/;

interface Env extends GcpEnvironment {
  readonly compute: Compute;
}

async function environment(opts: { faults?: FaultConfigInput; pollIntervalMs?: number } = {}): Promise<Env> {
  const env = await gcpEnvironment(cdn, { nsPrefix: "gcdn", projectPrefix: "tp-cdn", operationDelayMs: OPERATION_DELAY_MS, seed: 11, faults: opts.faults, pollIntervalMs: opts.pollIntervalMs ?? 2_000 });
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

/** Every compute resource of a CDN named `base`, read with the official clients (undefined: absent). */
async function chainOf(env: Env, base: string, opts: { https?: boolean; service?: boolean } = {}) {
  const { compute: c, project } = env;
  const backend = opts.service
    ? { backendService: await orUndefined(() => c.backendServices.get({ project, backendService: `${base}-bs` })), backendBucket: undefined }
    : { backendBucket: await orUndefined(() => c.backendBuckets.get({ project, backendBucket: `${base}-bb` })), backendService: undefined };
  return {
    ...backend,
    urlMap: await orUndefined(() => c.urlMaps.get({ project, urlMap: `${base}-um` })),
    proxy: opts.https
      ? await orUndefined(() => c.targetHttpsProxies.get({ project, targetHttpsProxy: `${base}-proxy` }))
      : await orUndefined(() => c.targetHttpProxies.get({ project, targetHttpProxy: `${base}-proxy` })),
    address: await orUndefined(() => c.globalAddresses.get({ project, address: `${base}-ip` })),
    forwardingRule: await orUndefined(() => c.globalForwardingRules.get({ project, forwardingRule: `${base}-fr` })),
  };
}

/** The parts of a chain that exist. */
function present(chain: Awaited<ReturnType<typeof chainOf>>): string[] {
  return Object.entries(chain).flatMap(([key, r]) => (r !== undefined ? [key] : []));
}
const ALL = ["backendBucket", "urlMap", "proxy", "address", "forwardingRule"];

/** Waits for a compute operation started with an official client. */
async function done(env: Env, started: Parameters<typeof operationName>[0]): Promise<void> {
  const operation = operationName(started);
  for (let i = 0; i < 200; i++) {
    const [op] = await env.compute.globalOperations.get({ project: env.project, operation });
    if (op.status === "DONE") {
      if (op.error?.errors?.length) throw new Error(`operation ${operation} failed: ${JSON.stringify(op.error)}`);
      return;
    }
    await sleep(50);
  }
  throw new Error(`operation ${operation} not DONE`);
}

/** atProvider names each part with its self-link and state, the IP is the reserved address's, and each part references the one below it. */
async function expectMirrors(env: Env, name: string, mr: ManagedView | undefined): Promise<Record<string, unknown> | undefined> {
  const chain = await chainOf(env, name);
  const at = mr?.status?.atProvider;
  expect(at?.ipAddress).toBe(chain.address?.address);
  expect(chain.forwardingRule?.IPAddress).toBe(chain.address?.address);
  expect(at).toMatchObject({
    backend: { name: `${name}-bb`, selfLink: chain.backendBucket?.selfLink, state: "READY" },
    urlMap: { name: `${name}-um`, selfLink: chain.urlMap?.selfLink, state: "READY" },
    targetProxy: { name: `${name}-proxy`, selfLink: chain.proxy?.selfLink, state: "READY" },
    address: { name: `${name}-ip`, state: "READY" },
    forwardingRule: { name: `${name}-fr`, selfLink: chain.forwardingRule?.selfLink, state: "READY" },
  });
  // Each part references the one below it.
  expect(chain.urlMap?.defaultService).toBe(chain.backendBucket?.selfLink);
  expect(chain.proxy?.urlMap).toBe(chain.urlMap?.selfLink);
  expect(chain.forwardingRule?.target).toBe(chain.proxy?.selfLink);
  expect(chain.forwardingRule?.loadBalancingScheme).toBe("EXTERNAL_MANAGED");
  expect(chain.backendBucket).toMatchObject({ bucketName: "assets-bucket", enableCdn: true, cdnPolicy: { cacheMode: "CACHE_ALL_STATIC", defaultTtl: 600 } });
  expect(chain.backendBucket?.description).toMatch(new RegExp(`^static assets\\nManaged by Terraplane: CDN ${env.ns}/${name} \\(uid `));
  return at;
}

/** Ready and Synced, no operation under way, spec and status in step. */
async function settled(env: Env, name: string): Promise<boolean> {
  const mr = await env.view(name);
  return (
    condition(mr, "Ready")?.status === "True" &&
    condition(mr, "Synced")?.status === "True" &&
    mr?.spec.forProvider.cacheMode !== undefined &&
    mr.status?.pendingOperation === undefined &&
    mr.status?.observedGeneration === mr.metadata.generation
  );
}

const quiet = (env: Env, name: string): Promise<void> => settledAndObserved(env, name, () => settled(env, name), WAIT);

/** Requests per mutating compute method seen by a proxy since its last reset. */
const mutatingCalls = (proxy: FaultProxy): Record<string, number> => proxyMutatingCalls(proxy, "compute", (op) => MUTATING.test(op) && !op.startsWith("globalOperations."));
const reasons = eventReasons;

const BUCKET = { origin: { bucketName: "assets-bucket" } };

describe("CDN (Cloud CDN with URL map, proxy and forwarding rule) on the GCP emulator", () => {
  beforeAll(async () => {
    await installGcpCrds([cdn]);
  });

  describe("create, update, drift", () => {
    let env: Env;
    beforeAll(async () => {
      env = await environment();
    });
    afterAll(async () => env.close());

    it("creates the chain in dependency order and reports Ready with the IP address, each part's state and late-initialised fields", async () => {
      const name = uniqueName("assets");
      const t0 = Date.now();
      // Operations slower than the controller's progress interval, so it sees them running.
      await gcpEmulatorControl().setConfig({ operationDelayMs: 1_500 }, env.project);
      await env.apply(name, { ...BUCKET, defaultTtl: 600, description: "static assets" });
      // Not Ready while any part is missing or an operation runs; the message names the pending piece.
      await expect.poll(async () => condition(await env.view(name), "Ready")?.message ?? "", WAIT).toMatch(/^waiting for compute: insert of (backendBuckets|addresses)\/.* is (PENDING|RUNNING)/);
      await expect.poll(async () => condition(await env.view(name), "Ready")?.message ?? "", WAIT).toMatch(/insert of (urlMaps|targetHttpProxies|forwardingRules)\//);
      expect(condition(await env.view(name), "Ready")?.status).toBe("False");
      await kubectlOk(["wait", `${RESOURCE}/${name}`, "-n", env.ns, "--for=condition=Ready", "--timeout=60s"]);
      console.info(`create → Ready in ${Date.now() - t0} ms (operations of 1.5 s)`);
      await gcpEmulatorControl().setConfig({ operationDelayMs: OPERATION_DELAY_MS }, env.project);
      await quiet(env, name);

      const mr = await env.view(name);
      expect(mr?.metadata.finalizers).toContain(FINALIZER);
      const at = await expectMirrors(env, name, mr);
      // What Cloud CDN filled in is written back, not fought.
      expect(mr?.spec.forProvider).toMatchObject({
        cacheMode: "CACHE_ALL_STATIC",
        defaultTtl: 600,
        maxTtl: 86400,
        clientTtl: 3600,
        negativeCaching: false,
        serveWhileStale: 0,
        requestCoalescing: true,
        frontend: { protocol: "HTTP", port: 80 },
      });
      const events = await reasons(env.ns, name);
      expect(events).toContain("CreatedExternalResource");
      expect(toldLateInitialization(await eventsFor(env.ns, name))).toBe(true);
      expect(events).not.toContain("DriftDetected"); // parts not made yet are no drift
      const table = await kubectlOk(["get", "gcpcdn", name, "-n", env.ns]);
      expect(table).toMatch(new RegExp(`${name}\\s+True\\s+True\\s+\\S*\\s*\\S+\\s+CACHE_ALL_STATIC\\s+${String(at?.ipAddress).replaceAll(".", "\\.")}`));
    });

    it("applies a spec change with one backendBuckets.update, and nothing else", async () => {
      const name = uniqueName("ttl");
      await env.apply(name, { ...BUCKET });
      await quiet(env, name);
      env.proxy.resetStats();
      const t0 = Date.now();
      await kubectlOk(["patch", `${RESOURCE}/${name}`, "-n", env.ns, "--type=merge", "-p", JSON.stringify({ spec: { forProvider: { defaultTtl: 120, negativeCaching: true, negativeCachingPolicy: [{ code: 404, ttl: 30 }] } } })]);
      await expect.poll(async () => (await chainOf(env, name)).backendBucket?.cdnPolicy?.defaultTtl, WAIT).toBe(120);
      await quiet(env, name);
      console.info(`spec change → updated and settled in ${Date.now() - t0} ms`);
      expect((await chainOf(env, name)).backendBucket?.cdnPolicy).toMatchObject({ defaultTtl: 120, maxTtl: 86400, negativeCaching: true, negativeCachingPolicy: [{ code: 404, ttl: 30 }] });
      expect(mutatingCalls(env.proxy)).toEqual({ "backendBuckets.update": 1 });
      const events = await eventsFor(env.ns, name);
      expect(events.find((e) => e.reason === "UpdatedExternalResource")?.message).toBe("updated defaultTtl, negativeCaching, negativeCachingPolicy");
      expect(events.map((e) => e.reason)).not.toContain("DriftDetected");
    });

    it("detects CDN switched off and the cache mode changed behind Terraplane's back, and corrects both", async () => {
      const name = uniqueName("drifty");
      await env.apply(name, { ...BUCKET });
      await quiet(env, name);
      const t0 = Date.now();
      // 0 clears a TTL the new mode ignores (the clients cannot send null).
      const change: BackendBucket = { enableCdn: false, cdnPolicy: { cacheMode: "FORCE_CACHE_ALL", maxTtl: 0 } };
      await done(env, await env.compute.backendBuckets.patch({ project: env.project, backendBucket: `${name}-bb`, backendBucketResource: change }));
      await expect.poll(() => reasons(env.ns, name), WAIT).toContain("DriftDetected");
      const drift = (await eventsFor(env.ns, name)).find((e) => e.reason === "DriftDetected");
      expect(drift?.message).toBe("the cloud resource drifted from spec: enableCdn, cacheMode, maxTtl");
      await expect.poll(async () => (await chainOf(env, name)).backendBucket?.enableCdn, WAIT).toBe(true);
      console.info(`drift → corrected in ${Date.now() - t0} ms`);
      expect((await chainOf(env, name)).backendBucket?.cdnPolicy).toMatchObject({ cacheMode: "CACHE_ALL_STATIC", maxTtl: 86400 });
      await expect.poll(async () => (await env.view(name))?.status?.drift?.resolvedAt, WAIT).toBeTruthy();
    });

    it("serves a backend service over HTTPS: health check and certificate by reference, fingerprinted updates", async () => {
      const { compute: c, project } = env;
      const hc = uniqueName("hc");
      const cert = uniqueName("cert");
      await done(env, await c.healthChecks.insert({ project, healthCheckResource: { name: hc, type: "HTTP", httpHealthCheck: { port: 8080, requestPath: "/healthz" } } }));
      await done(env, await c.sslCertificates.insert({ project, sslCertificateResource: { name: cert, managed: { domains: [`${cert}.example.com`] } } }));
      const name = uniqueName("web");
      const origin = { backendService: { backends: [{ group: "zones/europe-west1-b/instanceGroups/web-b", balancingMode: "UTILIZATION", maxUtilization: 0.7 }], healthCheck: `global/healthChecks/${hc}` } };
      await env.apply(name, { origin, cacheMode: "USE_ORIGIN_HEADERS", frontend: { protocol: "HTTPS", sslCertificates: [`projects/${project}/global/sslCertificates/${cert}`] } });
      await quiet(env, name);
      const chain = await chainOf(env, name, { https: true, service: true });
      expect(chain.backendService).toMatchObject({ enableCDN: true, loadBalancingScheme: "EXTERNAL_MANAGED", cdnPolicy: { cacheMode: "USE_ORIGIN_HEADERS" } });
      expect(chain.backendService?.cdnPolicy?.defaultTtl ?? undefined).toBeUndefined();
      const [proxy] = await c.targetHttpsProxies.get({ project, targetHttpsProxy: `${name}-proxy` });
      expect(proxy.sslCertificates).toEqual([`https://www.googleapis.com/compute/v1/projects/${project}/global/sslCertificates/${cert}`]);
      expect(chain.forwardingRule?.portRange).toBe("443-443");
      const mr = await env.view(name);
      expect(mr?.spec.forProvider).toMatchObject({ frontend: { protocol: "HTTPS", port: 443 }, origin: { backendService: { protocol: "HTTP", portName: "http", timeoutSec: 30 } } });
      expect(mr?.spec.forProvider).not.toHaveProperty("defaultTtl");

      env.proxy.resetStats();
      await kubectlOk(["patch", `${RESOURCE}/${name}`, "-n", env.ns, "--type=merge", "-p", JSON.stringify({ spec: { forProvider: { cacheMode: "CACHE_ALL_STATIC", serveWhileStale: 60 } } })]);
      await expect.poll(async () => (await chainOf(env, name, { https: true, service: true })).backendService?.cdnPolicy?.cacheMode, WAIT).toBe("CACHE_ALL_STATIC");
      await quiet(env, name);
      expect((await chainOf(env, name, { https: true, service: true })).backendService?.cdnPolicy).toMatchObject({ serveWhileStale: 60, defaultTtl: 3600 });
      expect(mutatingCalls(env.proxy)).toEqual({ "backendServices.update": 1 });
    });
  });

  describe("import, delete, orphan", () => {
    let env: Env;
    beforeAll(async () => {
      env = await environment();
    });
    afterAll(async () => env.close());

    it("imports a chain created outside Terraplane read-only: Ready, atProvider mirrors it, nothing written", async () => {
      const { compute: c, project } = env;
      const base = uniqueName("legacy");
      const g = (collection: string, n: string): string => `projects/${project}/global/${collection}/${n}`;
      await Promise.all([
        done(env, await c.backendBuckets.insert({ project, backendBucketResource: { name: `${base}-bb`, bucketName: "legacy-bucket", enableCdn: true, cdnPolicy: { cacheMode: "FORCE_CACHE_ALL" } } })),
        done(env, await c.globalAddresses.insert({ project, addressResource: { name: `${base}-ip` } })),
      ]);
      await done(env, await c.urlMaps.insert({ project, urlMapResource: { name: `${base}-um`, defaultService: g("backendBuckets", `${base}-bb`) } }));
      await done(env, await c.targetHttpProxies.insert({ project, targetHttpProxyResource: { name: `${base}-proxy`, urlMap: g("urlMaps", `${base}-um`) } }));
      await done(
        env,
        await c.globalForwardingRules.insert({
          project,
          forwardingRuleResource: { name: `${base}-fr`, target: g("targetHttpProxies", `${base}-proxy`), IPAddress: g("addresses", `${base}-ip`), portRange: "80", loadBalancingScheme: "EXTERNAL_MANAGED" },
        }),
      );
      const address = (await chainOf(env, base)).address?.address;
      env.proxy.resetStats();
      await env.apply(base, { origin: { bucketName: "legacy-bucket" }, cacheMode: "FORCE_CACHE_ALL" }, {
        spec: { managementPolicies: ["Observe"], deletionPolicy: "Orphan" },
        annotations: { [Annotations.externalName]: base },
      });
      await expect.poll(async () => condition(await env.view(base), "Ready")?.status, WAIT).toBe("True");
      await expect.poll(async () => (await env.view(base))?.status?.atProvider?.ipAddress, WAIT).toBe(address);
      expect(condition(await env.view(base), "Synced")?.status).toBe("True");
      expect((await env.view(base))?.spec.forProvider.defaultTtl).toBeUndefined(); // no LateInitialize in the policies
      await sleep(2_500);
      expect(mutatingCalls(env.proxy)).toEqual({});
      await kubectlOk(["delete", `${RESOURCE}/${base}`, "-n", env.ns, "--wait=true", "--timeout=30s"]);
      expect(present(await chainOf(env, base))).toEqual(ALL); // never deleted
    });

    it("deletes the chain in reverse dependency order", async () => {
      const gone = uniqueName("gone");
      await env.apply(gone, { ...BUCKET });
      await quiet(env, gone);

      // Operations slower than the controller's progress interval, so it reports them running.
      await gcpEmulatorControl().setConfig({ operationDelayMs: 1_500 }, env.project);
      const t0 = Date.now();
      await kubectlOk(["delete", `${RESOURCE}/${gone}`, "-n", env.ns, "--wait=false"]);
      // The Ready message names each level's delete while it runs: record their order.
      const order: string[] = [];
      for (;;) {
        const mr = await env.view(gone);
        if (!mr) break;
        for (const m of (condition(mr, "Ready")?.message ?? "").matchAll(/delete of (\w+)\//g)) if (m[1] && !order.includes(m[1])) order.push(m[1]);
        if (Date.now() - t0 > WAIT.timeout) throw new Error("not deleted in time");
        await sleep(100);
      }
      console.info(`delete → gone in ${Date.now() - t0} ms with operations of 1.5 s (${order.join(" → ")})`);
      await gcpEmulatorControl().setConfig({ operationDelayMs: OPERATION_DELAY_MS }, env.project);
      expect(order.slice(0, 3)).toEqual(["forwardingRules", "targetHttpProxies", "urlMaps"]);
      expect(order.slice(3).sort()).toEqual(["addresses", "backendBuckets"]);
      expect(present(await chainOf(env, gone))).toEqual([]);
    });

    it("leaves the chain in Google Cloud with deletionPolicy Orphan", async () => {
      const kept = uniqueName("kept");
      await env.apply(kept, { ...BUCKET }, { spec: { deletionPolicy: "Orphan" } });
      await quiet(env, kept);
      await kubectlOk(["delete", `${RESOURCE}/${kept}`, "-n", env.ns, "--wait=true", "--timeout=30s"]);
      expect(present(await chainOf(env, kept))).toEqual(ALL);
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
      const both = await kubectl(["apply", "-f", "-"], env.manifest(uniqueName("both"), { origin: { bucketName: "b-1", backendService: { backends: [{ group: "zones/z/instanceGroups/ig" }], healthCheck: "global/healthChecks/hc" } } }, {}));
      expect(both.code).not.toBe(0);
      expect(both.stderr).toContain("origin needs exactly one of bucketName or backendService");
      const ttl = await kubectl(["apply", "-f", "-"], env.manifest(uniqueName("ttl"), { ...BUCKET, cacheMode: "USE_ORIGIN_HEADERS", defaultTtl: 60 }, {}));
      expect(ttl.stderr).toContain("cacheMode USE_ORIGIN_HEADERS takes its TTLs from the origin: remove defaultTtl, maxTtl and clientTtl");
      const https = await kubectl(["apply", "-f", "-"], env.manifest(uniqueName("tls"), { ...BUCKET, frontend: { protocol: "HTTPS" } }, {}));
      expect(https.stderr).toContain("frontend.protocol HTTPS needs frontend.sslCertificates");
      const code = await kubectl(["apply", "-f", "-"], env.manifest(uniqueName("neg"), { ...BUCKET, negativeCaching: true, negativeCachingPolicy: [{ code: 200, ttl: 10 }] }, {}));
      expect(code.stderr).toMatch(/negativeCachingPolicy\[0\]\.code: Unsupported value: 200/);

      const name = uniqueName("strict");
      await env.apply(name, { ...BUCKET, frontend: { port: 8080 } });
      const port = await kubectl(["patch", `${RESOURCE}/${name}`, "-n", env.ns, "--type=merge", "-p", JSON.stringify({ spec: { forProvider: { frontend: { port: 80 } } } })]);
      expect(port.stderr).toContain("frontend.port cannot be changed once set");
      const swap = await kubectl(["patch", `${RESOURCE}/${name}`, "-n", env.ns, "--type=merge", "-p", JSON.stringify({ spec: { forProvider: { origin: { bucketName: null, backendService: { backends: [{ group: "zones/z/instanceGroups/ig" }], healthCheck: "global/healthChecks/hc" } } } } })]);
      expect(swap.stderr).toContain("origin cannot switch between bucketName and backendService");
    });

    it("reports a reference compute cannot resolve as Synced=False with compute's words, without a hot retry loop", async () => {
      const name = uniqueName("nohc");
      env.proxy.resetStats();
      await env.apply(name, { origin: { backendService: { backends: [{ group: "zones/europe-west1-b/instanceGroups/ig" }], healthCheck: "global/healthChecks/does-not-exist" } } });
      await expect.poll(async () => condition(await env.view(name), "Synced")?.message ?? "", WAIT).toMatch(/healthChecks\/does-not-exist' was not found/);
      expect(condition(await env.view(name), "Synced")?.status).toBe("False");
      expect(condition(await env.view(name), "Ready")?.status).not.toBe("True");
      await sleep(4_000);
      expect(mutatingCalls(env.proxy)["backendServices.insert"] ?? 0).toBeLessThanOrEqual(3); // backoff, never a hot loop
    });
  });

  describe("behind a faulty network", () => {
    let env: Env;
    beforeAll(async () => {
      env = await environment({ pollIntervalMs: 1_000, faults: { rules: [{ fault: "error5xx", rate: 0.3, match: { service: "compute" } }] } });
    });
    afterAll(async () => env.close());

    it("converges through 30% server errors with exactly one of each resource, then makes no mutating calls over ten poll cycles", async () => {
      const name = uniqueName("flaky");
      const t0 = Date.now();
      await env.apply(name, { ...BUCKET, cacheMode: "FORCE_CACHE_ALL", defaultTtl: 300 });
      await expect.poll(() => settled(env, name), { timeout: 120_000, interval: 250 }).toBe(true);
      console.info(`create → settled behind 30% 5xx in ${Date.now() - t0} ms`);
      expect(env.proxy.stats().services.compute?.total.faults.error5xx).toBeGreaterThan(0);
      const { compute: c, project } = env;
      const names = async (list: Promise<readonly [readonly { name?: string | null }[], ...unknown[]]>): Promise<string[]> => (await list)[0].map((r) => r.name ?? "");
      expect(await names(c.backendBuckets.list({ project }))).toEqual([`${name}-bb`]);
      expect(await names(c.urlMaps.list({ project }))).toEqual([`${name}-um`]);
      expect(await names(c.targetHttpProxies.list({ project }))).toEqual([`${name}-proxy`]);
      expect(await names(c.globalAddresses.list({ project }))).toEqual([`${name}-ip`]);
      expect(await names(c.globalForwardingRules.list({ project }))).toEqual([`${name}-fr`]);

      await quiet(env, name);
      const ops = await operationsDuring(env.proxy, "compute", 10 * 1_000 + 1_500);
      expect(ops["backendBuckets.get"]?.requests ?? 0).toBeGreaterThanOrEqual(8); // it kept polling
      expect(mutatingCalls(env.proxy)).toEqual({});
    }, 180_000);
  });

  describe("examples", () => {
    let env: Env;
    beforeAll(async () => {
      env = await environment();
    });
    afterAll(async () => env.close());

    it("examples/gcp/cdn.yaml becomes Ready as written (only its namespace and config reference swapped for the test's), with no perpetual diff", async () => {
      const name = await applyExample(env, "examples/gcp/cdn.yaml");
      await quiet(env, name);
      expect((await env.view(name))?.status?.atProvider?.ipAddress).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
      env.proxy.resetStats();
      await sleep(5_000);
      expect(mutatingCalls(env.proxy)).toEqual({});
    });
  });
});

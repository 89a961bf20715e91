import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { seededRandom, startFaultProxy } from "../sandbox/faultproxy/index.ts";
import { googleErrorReason } from "../providers/gcp/google-error.ts";
import { computeClients, gcpEmulatorControl, sqlClients, uniqueProject, waitForSqlOperation } from "./harness/gcp.ts";
import { uniqueName } from "./harness/names.ts";

// Conformance of the GCP emulator as the official clients see it (@google-cloud/sql v1 over REST,
// @google-cloud/compute v1), through the sandbox's fault proxy. Every test works in a project of
// its own, so tests sharing the emulator never see each other's resources.

// gRPC status codes (google-gax Status) the clients put on their errors.
const INVALID_ARGUMENT = 3;
const NOT_FOUND = 5;
const ALREADY_EXISTS = 6;
const RESOURCE_EXHAUSTED = 8;
const FAILED_PRECONDITION = 9;
const ABORTED = 10;

/** The rejection of `promise`, for asserting on it (undefined if it resolved). */
async function failure(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => undefined,
    (err: unknown) => err,
  );
}

async function expectGoogleError(promise: Promise<unknown>, want: { code: number; reason: string; message?: RegExp }): Promise<void> {
  const err = await failure(promise);
  expect(err, "the call should have failed").toBeInstanceOf(Error);
  expect(err).toMatchObject({ code: want.code });
  expect(googleErrorReason(err)).toBe(want.reason);
  if (want.message && err instanceof Error) expect(err.message).toMatch(want.message);
}

describe("Cloud SQL Admin v1 emulator with @google-cloud/sql", () => {
  const { instances, operations, users } = sqlClients();

  async function createInstance(project: string, name: string, settings: Record<string, unknown> = {}): Promise<void> {
    const [op] = await instances.insert({
      project,
      body: { name, databaseVersion: "POSTGRES_15", region: "europe-west1", settings: { tier: "db-custom-1-3840", ...settings } },
    });
    const done = await waitForSqlOperation(operations, project, op.name ?? "");
    expect(done.error).toBeFalsy();
  }

  it("creates an instance: operation PENDING → DONE, instance PENDING_CREATE → RUNNABLE with the API's defaults", async () => {
    const project = uniqueProject();
    const name = uniqueName("pg");
    const [op] = await instances.insert({
      project,
      body: { name, databaseVersion: "POSTGRES_15", region: "europe-west1", settings: { tier: "db-custom-1-3840" } },
    });
    expect(op).toMatchObject({ kind: "sql#operation", operationType: "CREATE", targetId: name, targetProject: project });
    expect(op.targetLink).toBe(`https://sqladmin.googleapis.com/v1/projects/${project}/instances/${name}`);
    expect(["PENDING", "RUNNING"]).toContain(op.status);
    const [creating] = await instances.get({ project, instance: name });
    expect(creating.state).toBe("PENDING_CREATE");

    const done = await waitForSqlOperation(operations, project, op.name ?? "");
    expect(done).toMatchObject({ status: "DONE", error: null });
    expect(done.endTime).toBeTruthy();

    const [instance] = await instances.get({ project, instance: name });
    expect(instance).toMatchObject({
      kind: "sql#instance",
      state: "RUNNABLE",
      databaseVersion: "POSTGRES_15",
      connectionName: `${project}:europe-west1:${name}`,
      selfLink: `https://sqladmin.googleapis.com/v1/projects/${project}/instances/${name}`,
      backendType: "SECOND_GEN",
      instanceType: "CLOUD_SQL_INSTANCE",
      region: "europe-west1",
    });
    expect(instance.databaseInstalledVersion).toMatch(/^POSTGRES_15_\d+$/);
    expect(instance.etag).toBeTruthy();
    expect(instance.ipAddresses?.[0]).toMatchObject({ type: "PRIMARY" });
    expect(instance.settings).toMatchObject({
      kind: "sql#settings",
      tier: "db-custom-1-3840",
      settingsVersion: { value: "1" },
      dataDiskType: "PD_SSD",
      dataDiskSizeGb: { value: "10" },
      availabilityType: "ZONAL",
      edition: "ENTERPRISE",
      activationPolicy: "ALWAYS",
      storageAutoResize: { value: true },
      pricingPlan: "PER_USE",
      replicationType: "SYNCHRONOUS",
      backupConfiguration: { kind: "sql#backupConfiguration", enabled: { value: false }, pointInTimeRecoveryEnabled: { value: false } },
    });

    // The REST transport asked for numeric enums, and the emulator answered in them (the client decoded them above).
    const requests = (await gcpEmulatorControl().requests()).filter((r) => r.path.includes(`/projects/${project}/`));
    expect(requests.length).toBeGreaterThan(0);
    expect(requests.every((r) => r.intEnums)).toBe(true);
  });

  it("patch merges and bumps settingsVersion; update replaces settings; a stale settingsVersion is refused", async () => {
    const project = uniqueProject();
    const name = uniqueName("pg");
    await createInstance(project, name, { userLabels: { team: "a" } });

    const [patched] = await instances.patch({ project, instance: name, body: { settings: { dataDiskSizeGb: { value: 20 }, userLabels: { team: "b" } } } });
    await waitForSqlOperation(operations, project, patched.name ?? "");
    const [afterPatch] = await instances.get({ project, instance: name });
    expect(afterPatch.settings).toMatchObject({ settingsVersion: { value: "2" }, dataDiskSizeGb: { value: "20" }, tier: "db-custom-1-3840", userLabels: { team: "b" } });

    // update replaces settings: what it leaves out (the labels) goes back to the defaults.
    const [updated] = await instances.update({
      project,
      instance: name,
      body: { settings: { tier: "db-custom-2-7680", dataDiskSizeGb: { value: 20 }, settingsVersion: { value: 2 } } },
    });
    expect(updated.operationType).toBe("UPDATE");
    await waitForSqlOperation(operations, project, updated.name ?? "");
    const [afterUpdate] = await instances.get({ project, instance: name });
    expect(afterUpdate.settings).toMatchObject({ settingsVersion: { value: "3" }, tier: "db-custom-2-7680", userLabels: {}, dataDiskSizeGb: { value: "20" } });
    // Shrinking the disk is refused before any operation starts.
    await expectGoogleError(instances.patch({ project, instance: name, body: { settings: { dataDiskSizeGb: { value: 10 } } } }), {
      code: INVALID_ARGUMENT,
      reason: "invalid",
    });

    await expectGoogleError(instances.update({ project, instance: name, body: { settings: { tier: "db-custom-2-7680", settingsVersion: { value: 2 } } } }), {
      code: FAILED_PRECONDITION,
      reason: "conditionNotMet",
    });
  });

  it("inserts, lists, updates and deletes users", async () => {
    const project = uniqueProject();
    const instance = uniqueName("pg");
    await createInstance(project, instance);

    const [inserted] = await users.insert({ project, instance, body: { name: "app", password: "not-a-secret-1" } });
    expect(inserted.operationType).toBe("CREATE_USER");
    await waitForSqlOperation(operations, project, inserted.name ?? "");
    const [listed] = await users.list({ project, instance });
    expect(listed.kind).toBe("sql#usersList");
    expect(listed.items?.map((u) => u.name).sort()).toEqual(["app", "postgres"]);
    expect(listed.items?.find((u) => u.name === "app")).toMatchObject({ kind: "sql#user", instance, project, type: "BUILT_IN", password: "" });

    const [changed] = await users.update({ project, instance, name: "app", body: { password: "not-a-secret-2" } });
    expect((await waitForSqlOperation(operations, project, changed.name ?? "")).error).toBeFalsy();
    const [fetched] = await users.get({ project, instance, name: "app" });
    expect(fetched.name).toBe("app");

    const [deleted] = await users.delete({ project, instance, name: "app" });
    expect(deleted.operationType).toBe("DELETE_USER");
    await waitForSqlOperation(operations, project, deleted.name ?? "");
    const [after] = await users.list({ project, instance });
    expect(after.items?.map((u) => u.name)).toEqual(["postgres"]);
  });

  it("answers 404, 409 and 400 as the real API, surfaced as the client's errors with the right code and reason", async () => {
    const project = uniqueProject();
    const name = uniqueName("pg");
    await expectGoogleError(instances.get({ project, instance: "missing" }), { code: NOT_FOUND, reason: "instanceDoesNotExist" });
    await expectGoogleError(instances.insert({ project, body: { name, settings: { tier: "db-nonsense" } } }), {
      code: INVALID_ARGUMENT,
      reason: "invalid",
      message: /Invalid Tier/,
    });

    const [op] = await instances.insert({ project, body: { name, databaseVersion: "MYSQL_8_0", settings: { tier: "db-f1-micro", deletionProtectionEnabled: { value: true } } } });
    // Cloud SQL serializes operations per instance.
    await expectGoogleError(instances.patch({ project, instance: name, body: { settings: { userLabels: { a: "b" } } } }), { code: ABORTED, reason: "operationInProgress" });
    await waitForSqlOperation(operations, project, op.name ?? "");
    await expectGoogleError(instances.insert({ project, body: { name, settings: { tier: "db-f1-micro" } } }), { code: ALREADY_EXISTS, reason: "instanceAlreadyExists" });
    await expectGoogleError(instances.delete({ project, instance: name }), { code: INVALID_ARGUMENT, reason: "invalid", message: /protected from deletion/ });

    const [unprotect] = await instances.patch({ project, instance: name, body: { settings: { deletionProtectionEnabled: { value: false } } } });
    await waitForSqlOperation(operations, project, unprotect.name ?? "");
    const [del] = await instances.delete({ project, instance: name });
    expect(del.operationType).toBe("DELETE");
    await waitForSqlOperation(operations, project, del.name ?? "");
    await expectGoogleError(instances.get({ project, instance: name }), { code: NOT_FOUND, reason: "instanceDoesNotExist" });
  });

  it("carries an operation's failure in error.errors[] of the operation", async () => {
    const project = uniqueProject();
    const name = uniqueName("pg");
    await gcpEmulatorControl().failOperations({
      match: { service: "sqladmin", operationType: "CREATE", targetPattern: `/projects/${project}/instances/${name}$` },
      error: { httpStatus: 409, code: "ERROR_RDBMS", message: "simulated failure" },
    });
    const [op] = await instances.insert({ project, body: { name, settings: { tier: "db-f1-micro" } } });
    const done = await waitForSqlOperation(operations, project, op.name ?? "");
    expect(done.error?.errors?.[0]).toMatchObject({ kind: "sql#operationError", code: "ERROR_RDBMS", message: "simulated failure" });
    const [listed] = await operations.list({ project, instance: name });
    expect(listed.items?.[0]?.name).toBe(op.name);
  });
});

describe("compute v1 global load-balancing emulator with @google-cloud/compute", () => {
  const c = computeClients();

  /** Waits for a compute operation with globalOperations.wait and returns it DONE. */
  async function done(project: string, started: Promise<[{ latestResponse?: unknown }, ...unknown[]]>): Promise<Record<string, unknown>> {
    const [handle] = await started;
    const latest = handle.latestResponse;
    if (typeof latest !== "object" || latest === null || !("name" in latest) || typeof latest.name !== "string") throw new Error("no operation name");
    for (;;) {
      const [op] = await c.globalOperations.wait({ project, operation: latest.name });
      if (op.status === "DONE") return { ...op };
    }
  }

  async function backendService(project: string, name: string): Promise<string> {
    const hc = uniqueName("hc");
    await done(project, c.healthChecks.insert({ project, healthCheckResource: { name: hc, type: "HTTP", httpHealthCheck: { port: 8080 } } }));
    await done(project, c.backendServices.insert({ project, backendServiceResource: { name, healthChecks: [`global/healthChecks/${hc}`] } }));
    return `https://www.googleapis.com/compute/v1/projects/${project}/global/backendServices/${name}`;
  }

  it("builds a global external load balancer chain, health check to forwarding rule, with Cloud CDN", async () => {
    const project = uniqueProject();
    const [hcName, bsName, umName, proxyName, addrName, frName] = ["hc", "bs", "um", "proxy", "addr", "fr"].map(uniqueName);
    const hcOp = await done(project, c.healthChecks.insert({ project, healthCheckResource: { name: hcName, type: "HTTP", httpHealthCheck: { port: 8080, requestPath: "/healthz" } } }));
    expect(hcOp).toMatchObject({ kind: "compute#operation", operationType: "insert", status: "DONE", progress: 100 });
    expect(hcOp.targetLink).toBe(`https://www.googleapis.com/compute/v1/projects/${project}/global/healthChecks/${hcName}`);
    const [hc] = await c.healthChecks.get({ project, healthCheck: hcName });
    expect(hc).toMatchObject({ kind: "compute#healthCheck", checkIntervalSec: 5, timeoutSec: 5, healthyThreshold: 2, unhealthyThreshold: 2 });
    expect(hc.id).toMatch(/^\d+$/);
    expect(hcOp.targetId).toBe(hc.id);

    await done(
      project,
      c.backendServices.insert({
        project,
        backendServiceResource: { name: bsName, healthChecks: [hc.selfLink ?? ""], enableCDN: true, cdnPolicy: { cacheMode: "CACHE_ALL_STATIC", defaultTtl: 600 } },
      }),
    );
    const [bs] = await c.backendServices.get({ project, backendService: bsName });
    expect(bs).toMatchObject({ enableCDN: true, protocol: "HTTP", loadBalancingScheme: "EXTERNAL", timeoutSec: 30, healthChecks: [hc.selfLink] });
    expect(bs.cdnPolicy).toMatchObject({ cacheMode: "CACHE_ALL_STATIC", defaultTtl: 600, maxTtl: 86_400, clientTtl: 3600, negativeCaching: false });
    expect(bs.fingerprint).toMatch(/^[A-Za-z0-9+/]+=*$/);

    await done(
      project,
      c.urlMaps.insert({
        project,
        urlMapResource: {
          name: umName,
          defaultService: bs.selfLink,
          hostRules: [{ hosts: ["shop.example.com"], pathMatcher: "shop" }],
          pathMatchers: [{ name: "shop", defaultService: bs.selfLink, pathRules: [{ paths: ["/static/*"], service: `projects/${project}/global/backendServices/${bsName}` }] }],
        },
      }),
    );
    const [um] = await c.urlMaps.get({ project, urlMap: umName });
    // References are stored as full self-links, whatever form the request used.
    expect(um.pathMatchers?.[0]?.pathRules?.[0]?.service).toBe(bs.selfLink);

    await done(project, c.targetHttpProxies.insert({ project, targetHttpProxyResource: { name: proxyName, urlMap: um.selfLink } }));
    await done(project, c.globalAddresses.insert({ project, addressResource: { name: addrName } }));
    const [reserved] = await c.globalAddresses.get({ project, address: addrName });
    expect(reserved).toMatchObject({ kind: "compute#address", status: "RESERVED", addressType: "EXTERNAL", networkTier: "PREMIUM", ipVersion: "IPV4" });
    expect(reserved.address).toMatch(/^\d+\.\d+\.\d+\.\d+$/);

    await done(
      project,
      c.globalForwardingRules.insert({
        project,
        forwardingRuleResource: { name: frName, IPAddress: reserved.address, portRange: "80", target: `global/targetHttpProxies/${proxyName}` },
      }),
    );
    const [fr] = await c.globalForwardingRules.get({ project, forwardingRule: frName });
    expect(fr).toMatchObject({ IPAddress: reserved.address, portRange: "80-80", IPProtocol: "TCP", loadBalancingScheme: "EXTERNAL" });
    expect(fr.target).toBe(`https://www.googleapis.com/compute/v1/projects/${project}/global/targetHttpProxies/${proxyName}`);
    const [inUse] = await c.globalAddresses.get({ project, address: addrName });
    expect(inUse).toMatchObject({ status: "IN_USE", users: [fr.selfLink] });

    // A rule without an IPAddress gets an ephemeral one; setTarget and setUrlMap re-point the chain.
    const ephemeral = uniqueName("fr");
    await done(project, c.globalForwardingRules.insert({ project, forwardingRuleResource: { name: ephemeral, target: fr.target } }));
    const [eph] = await c.globalForwardingRules.get({ project, forwardingRule: ephemeral });
    expect(eph.IPAddress).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    const um2 = uniqueName("um");
    await done(project, c.urlMaps.insert({ project, urlMapResource: { name: um2, defaultService: bs.selfLink } }));
    const setOp = await done(project, c.targetHttpProxies.setUrlMap({ project, targetHttpProxy: proxyName, urlMapReferenceResource: { urlMap: `global/urlMaps/${um2}` } }));
    expect(setOp.operationType).toBe("setUrlMap");
    const [proxy] = await c.targetHttpProxies.get({ project, targetHttpProxy: proxyName });
    expect(proxy.urlMap).toMatch(new RegExp(`/global/urlMaps/${um2}$`));
  });

  it("serves HTTPS proxies with managed certificates and setSslCertificates", async () => {
    const project = uniqueProject();
    const bs = await backendService(project, uniqueName("bs"));
    const [um, cert1, cert2, proxyName] = ["um", "cert", "cert", "proxy"].map(uniqueName);
    await done(project, c.urlMaps.insert({ project, urlMapResource: { name: um, defaultService: bs } }));
    for (const name of [cert1, cert2]) {
      await done(project, c.sslCertificates.insert({ project, sslCertificateResource: { name, managed: { domains: [`${name}.example.com`] } } }));
    }
    const [cert] = await c.sslCertificates.get({ project, sslCertificate: cert1 });
    expect(cert).toMatchObject({ type: "MANAGED", managed: { status: "PROVISIONING", domains: [`${cert1}.example.com`] } });
    await done(project, c.targetHttpsProxies.insert({ project, targetHttpsProxyResource: { name: proxyName, urlMap: `global/urlMaps/${um}`, sslCertificates: [cert.selfLink ?? ""] } }));
    await done(
      project,
      c.targetHttpsProxies.setSslCertificates({
        project,
        targetHttpsProxy: proxyName,
        targetHttpsProxiesSetSslCertificatesRequestResource: { sslCertificates: [`global/sslCertificates/${cert2}`] },
      }),
    );
    const [proxy] = await c.targetHttpsProxies.get({ project, targetHttpsProxy: proxyName });
    expect(proxy.sslCertificates).toEqual([`https://www.googleapis.com/compute/v1/projects/${project}/global/sslCertificates/${cert2}`]);
    // cert1 is free again, cert2 is not.
    await done(project, c.sslCertificates.delete({ project, sslCertificate: cert1 }));
    await expectGoogleError(c.sslCertificates.delete({ project, sslCertificate: cert2 }), { code: INVALID_ARGUMENT, reason: "resourceInUseByAnotherResource" });
  });

  it("refuses a urlMaps.patch with a stale fingerprint (412 conditionNotMet)", async () => {
    const project = uniqueProject();
    const bs = await backendService(project, uniqueName("bs"));
    const um = uniqueName("um");
    await done(project, c.urlMaps.insert({ project, urlMapResource: { name: um, defaultService: bs } }));
    const [before] = await c.urlMaps.get({ project, urlMap: um });
    await done(project, c.urlMaps.patch({ project, urlMap: um, urlMapResource: { description: "first", fingerprint: before.fingerprint } }));
    const [after] = await c.urlMaps.get({ project, urlMap: um });
    expect(after.description).toBe("first");
    expect(after.fingerprint).not.toBe(before.fingerprint);

    const stale = c.urlMaps.patch({ project, urlMap: um, urlMapResource: { description: "second", fingerprint: before.fingerprint } });
    const err = await failure(stale);
    expect(err).toMatchObject({ code: FAILED_PRECONDITION, httpStatusCode: 412, message: "Invalid fingerprint." });
    expect(googleErrorReason(err)).toBe("conditionNotMet");
  });

  it("refuses to delete a backend service a URL map uses (resourceInUseByAnotherResource) and 404s a missing reference", async () => {
    const project = uniqueProject();
    const bsName = uniqueName("bs");
    const bs = await backendService(project, bsName);
    const um = uniqueName("um");
    await done(project, c.urlMaps.insert({ project, urlMapResource: { name: um, defaultService: bs } }));
    await expectGoogleError(c.backendServices.delete({ project, backendService: bsName }), {
      code: INVALID_ARGUMENT,
      reason: "resourceInUseByAnotherResource",
      message: new RegExp(`The backend_service resource 'projects/${project}/global/backendServices/${bsName}' is already being used by 'projects/${project}/global/urlMaps/${um}'`),
    });
    await expectGoogleError(c.urlMaps.insert({ project, urlMapResource: { name: uniqueName("um"), defaultService: `global/backendServices/missing` } }), {
      code: NOT_FOUND,
      reason: "notFound",
      message: new RegExp(`The resource 'projects/${project}/global/backendServices/missing' was not found`),
    });
    await expectGoogleError(c.urlMaps.insert({ project, urlMapResource: { name: um, defaultService: bs } }), { code: ALREADY_EXISTS, reason: "alreadyExists" });
    await done(project, c.urlMaps.delete({ project, urlMap: um }));
    await done(project, c.backendServices.delete({ project, backendService: bsName }));
    await expectGoogleError(c.backendServices.get({ project, backendService: bsName }), { code: NOT_FOUND, reason: "notFound" });
  });

  it("pages through a list with the client's listAsync", async () => {
    const project = uniqueProject();
    const names = Array.from({ length: 7 }, (_, i) => `hc-${i}`);
    await Promise.all(names.map((name) => done(project, c.healthChecks.insert({ project, healthCheckResource: { name, tcpHealthCheck: { port: 5432 } } }))));
    const seen: string[] = [];
    for await (const hc of c.healthChecks.listAsync({ project, maxResults: 3 })) seen.push(hc.name ?? "");
    expect(seen).toEqual(names);
    const listCalls = (await gcpEmulatorControl().requests()).filter((r) => r.method === "GET" && r.path === `/compute/v1/projects/${project}/global/healthChecks`);
    expect(listCalls).toHaveLength(3);
    // compute's REST client never asks for numeric enums.
    expect(listCalls.every((r) => !r.intEnums)).toBe(true);

    const filtered: string[] = [];
    for await (const hc of c.healthChecks.listAsync({ project, filter: "name = hc-4" })) filtered.push(hc.name ?? "");
    expect(filtered).toEqual(["hc-4"]);
  });

  it("creates a backend bucket with Cloud CDN and refuses TTLs a cache mode ignores", async () => {
    const project = uniqueProject();
    const name = uniqueName("bb");
    await done(project, c.backendBuckets.insert({ project, backendBucketResource: { name, bucketName: "assets-bucket", enableCdn: true } }));
    const [bb] = await c.backendBuckets.get({ project, backendBucket: name });
    expect(bb).toMatchObject({ kind: "compute#backendBucket", bucketName: "assets-bucket", enableCdn: true });
    expect(bb.cdnPolicy).toMatchObject({ cacheMode: "CACHE_ALL_STATIC", defaultTtl: 3600, maxTtl: 86_400, clientTtl: 3600 });
    await expectGoogleError(c.backendBuckets.patch({ project, backendBucket: name, backendBucketResource: { cdnPolicy: { cacheMode: "USE_ORIGIN_HEADERS" } } }), {
      code: INVALID_ARGUMENT,
      reason: "invalid",
    });
    // Switching modes by PATCH: TTLs the new mode ignores are cleared with 0 (the client cannot send null).
    await done(
      project,
      c.backendBuckets.patch({ project, backendBucket: name, backendBucketResource: { cdnPolicy: { cacheMode: "USE_ORIGIN_HEADERS", defaultTtl: 0, maxTtl: 0, clientTtl: 0 } } }),
    );
    const [switched] = await c.backendBuckets.get({ project, backendBucket: name });
    expect(switched.cdnPolicy?.cacheMode).toBe("USE_ORIGIN_HEADERS");
    expect([switched.cdnPolicy?.defaultTtl ?? 0, switched.cdnPolicy?.maxTtl ?? 0, switched.cdnPolicy?.clientTtl ?? 0]).toEqual([0, 0, 0]);
    const requests = await gcpEmulatorControl().requests();
    expect(requests.filter((r) => r.method === "PATCH" && r.path.endsWith(`/backendBuckets/${name}`)).map((r) => r.status)).toEqual([400, 200]);
  });

  it("reports operation failures in error.errors[] with httpErrorStatusCode", async () => {
    const project = uniqueProject();
    const name = uniqueName("hc");
    await gcpEmulatorControl().failOperations({
      match: { service: "compute", targetPattern: `/projects/${project}/global/healthChecks/${name}$` },
      error: { httpStatus: 503, code: "INTERNAL_ERROR", message: "simulated failure" },
    });
    const op = await done(project, c.healthChecks.insert({ project, healthCheckResource: { name, type: "TCP" } }));
    expect(op).toMatchObject({ status: "DONE", httpErrorStatusCode: 503, error: { errors: [{ code: "INTERNAL_ERROR", message: "simulated failure" }] } });
    await expectGoogleError(c.healthChecks.get({ project, healthCheck: name }), { code: NOT_FOUND, reason: "notFound" });
  });

  it("resets one project's state over the control API", async () => {
    const project = uniqueProject();
    const other = uniqueProject();
    for (const p of [project, other]) await done(p, c.healthChecks.insert({ project: p, healthCheckResource: { name: "hc", type: "TCP" } }));
    await gcpEmulatorControl().reset(project);
    await expectGoogleError(c.healthChecks.get({ project, healthCheck: "hc" }), { code: NOT_FOUND, reason: "notFound" });
    const [kept] = await c.healthChecks.get({ project: other, healthCheck: "hc" });
    expect(kept.name).toBe("hc");
  });
});

// A fault proxy of this test's own in front of the sandbox's emulator, so its faults touch no other test.
describe("GCP clients behind the fault proxy", () => {
  let proxy: Awaited<ReturnType<typeof startFaultProxy>>;

  beforeAll(async () => {
    proxy = await startFaultProxy({ upstream: inject("sandbox").gcpEmulatorEndpoint, random: seededRandom(11) });
  });
  afterAll(async () => {
    await proxy.close();
  });

  it("retries 429 RESOURCE_EXHAUSTED with the retry settings of client-options.ts, and the proxy counts every attempt", async () => {
    const project = uniqueProject();
    proxy.reset();
    proxy.schedule({ fault: "throttle", count: 2, match: { service: "sqladmin", operation: "instances.list" } });
    const { instances } = sqlClients({ endpoint: proxy.url });
    const [list] = await instances.list({ project });
    expect(list.items).toEqual([]);
    expect(proxy.stats().services.sqladmin?.operations["instances.list"]).toMatchObject({ requests: 3, forwarded: 1, faults: { throttle: 2 } });

    // Mutations retry throttling too: Google refuses a throttled call before doing anything.
    proxy.schedule({ fault: "throttle", count: 2, match: { service: "compute", operation: "healthChecks.insert" } });
    const { healthChecks, globalOperations } = computeClients({ endpoint: proxy.url });
    const [op] = await healthChecks.insert({ project, healthCheckResource: { name: "hc", type: "TCP" } });
    const opName = op.latestResponse?.name ?? "";
    let [waited] = await globalOperations.wait({ project, operation: opName });
    // wait may return before DONE (the API's two-minute cap); callers loop, as the real API requires.
    while (waited.status !== "DONE") [waited] = await globalOperations.wait({ project, operation: opName });
    expect(waited.status).toBe("DONE");
    expect(proxy.stats().services.compute?.operations["healthChecks.insert"]).toMatchObject({ requests: 3, forwarded: 1, faults: { throttle: 2 } });
  });

  it("without those retry settings the client gives up on the first 429", async () => {
    proxy.reset();
    proxy.schedule({ fault: "throttle", count: 1, match: { service: "sqladmin" } });
    const { instances } = sqlClients({ endpoint: proxy.url, retry: false });
    const err = await failure(instances.list({ project: uniqueProject() }));
    expect(err).toMatchObject({ code: RESOURCE_EXHAUSTED, httpStatusCode: 429 });
    expect(googleErrorReason(err)).toBe("rateLimitExceeded");
  });
});

import { setTimeout as sleep } from "node:timers/promises";
import { CloudFrontClient, GetDistributionCommand } from "@aws-sdk/client-cloudfront";
import { DescribeLoadBalancersCommand, ElasticLoadBalancingV2Client } from "@aws-sdk/client-elastic-load-balancing-v2";
import { RDSClient } from "@aws-sdk/client-rds";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isRecord } from "../compositions/cel-types.ts";
import type { FaultProxy } from "../sandbox/faultproxy/index.ts";
import { awsClientConfig, describeDbInstance } from "./harness/aws.ts";
import { composeEnvironment, conditionOf, installComposeCrds, testComposition, WEBSTACK_RESOURCE } from "./harness/compose.ts";
import type { ComposeEnvironment } from "./harness/compose.ts";
import { closeClients, computeClients, sqlClients } from "./harness/gcp.ts";
import { kubectl, kubectlOk } from "./harness/kube.ts";
import { uniqueName } from "./harness/names.ts";

// WebStacks end to end: kubectl → the real API server (the abstract CRD the controller generated
// from the catalog's definition) → the composite controller → composed managed resources → the
// AWS and GCP providers → fault proxies of the test's own → moto and the GCP emulator.

const WAIT = { timeout: 150_000, interval: 500 };
const POLL_MS = 2_000;
const AWS_BACKENDS = ["172.31.10.11", "172.31.20.12"];
const GCP_BACKENDS = ["zones/europe-west1-b/instanceGroups/web"];
const SECRET_KEYS = ["host", "password", "port", "uri", "url", "username"];

type Obj = Record<string, unknown>;

function statusOf(obj: Obj | undefined): Obj {
  return isRecord(obj?.status) ? obj.status : {};
}

function resourcesOf(obj: Obj | undefined): Obj[] {
  const r = statusOf(obj).resources;
  return Array.isArray(r) ? r.filter(isRecord) : [];
}

async function getJson(args: string[]): Promise<Obj | undefined> {
  const r = await kubectl(["get", ...args, "-o", "json"]);
  if (r.code !== 0) return undefined;
  const parsed: unknown = JSON.parse(r.stdout);
  return isRecord(parsed) ? parsed : undefined;
}

async function secretKeys(ns: string, name: string): Promise<string[]> {
  const s = await getJson(["secret", name, "-n", ns]);
  return isRecord(s?.data) ? Object.keys(s.data).sort() : [];
}

/** A composed resource as the API server has it (cloud: aws|gcp, kind: databases|loadbalancers|cdns). */
function composed(env: ComposeEnvironment, cloud: "aws" | "gcp", plural: string, name: string): Promise<Obj | undefined> {
  return getJson([`${plural}.${cloud}.terraplane.dev`, name, "-n", env.ns]);
}

function atProvider(obj: Obj | undefined): Obj {
  const s = statusOf(obj);
  return isRecord(s.atProvider) ? s.atProvider : {};
}

/** Waits for Ready=True; with COMPOSE_DEBUG set, prints each new condition message on the way. */
async function untilReady(env: ComposeEnvironment, name: string): Promise<Obj | undefined> {
  let last = "";
  await expect
    .poll(async () => {
      const obj = await env.getWebStack(name);
      const seen = JSON.stringify([conditionOf(obj, "Ready"), conditionOf(obj, "Synced")].map((c) => `${String(c?.status)}: ${typeof c?.message === "string" ? c.message : ""}`));
      if (process.env.COMPOSE_DEBUG && seen !== last) console.error(`${name}: ${seen}`);
      last = seen;
      return conditionOf(obj, "Ready")?.status;
    }, WAIT)
    .toBe("True");
  return env.getWebStack(name);
}

/** The composition controller's writes so far, by kind (from its Prometheus counter). */
async function composeWrites(env: ComposeEnvironment): Promise<Record<string, number>> {
  const metric = env.manager.metrics.registry.getSingleMetric("terraplane_composition_writes_total");
  const out: Record<string, number> = {};
  for (const v of (await metric?.get())?.values ?? []) out[`${String(v.labels.kind)} ${String(v.labels.verb)}`] = v.value;
  return out;
}

const AWS_MUTATING = /^(Create|Modify|Delete|Add|Remove|Register|Deregister|Set|Update|Tag|Untag|Reboot)/;

function mutating(proxy: FaultProxy, pattern: RegExp): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [service, s] of Object.entries(proxy.stats().services)) {
    for (const [op, c] of Object.entries(s.operations)) if (pattern.test(op) && !op.startsWith("globalOperations.") && !op.startsWith("operations.") && c.requests > 0) out[`${service}.${op}`] = c.requests;
  }
  return out;
}

function requests(proxy: FaultProxy, service: string, operation: string): number {
  return proxy.stats().services[service]?.operations[operation]?.requests ?? 0;
}

describe("WebStack compositions on moto and the GCP emulator", () => {
  let env: ComposeEnvironment;
  beforeAll(async () => {
    await installComposeCrds();
    env = await composeEnvironment({ nsPrefix: "ws", pollIntervalMs: POLL_MS });
  });
  afterAll(async () => env?.close());

  it("an AWS WebStack becomes Ready, the CDN created only once the load balancer has its address; endpoint in status, connection Secret with the declared keys", async () => {
    const name = uniqueName("shop");
    env.aws.resetStats();
    // First-seen order of the creates at the fault proxy, sampled while the stack builds.
    const firstSeen: Record<string, number> = {};
    let sampling = true;
    const sampler = (async () => {
      for (let tick = 0; sampling; tick++) {
        for (const [svc, op] of [["elasticloadbalancing", "CreateLoadBalancer"], ["cloudfront", "CreateDistributionWithTags"], ["rds", "CreateDBInstance"]] as const) {
          if (firstSeen[op] === undefined && requests(env.aws, svc, op) > 0) firstSeen[op] = tick;
        }
        await sleep(20);
      }
    })();
    let cdnSeenWithoutAddress = false;
    const t0 = Date.now();
    await env.applyWebStack(name, { cloud: "aws", backends: AWS_BACKENDS, writeConnectionSecretToRef: { name: `${name}-conn` } });
    await expect
      .poll(async () => {
        const cdn = await composed(env, "aws", "cdns", `${name}-cdn`);
        const lb = await composed(env, "aws", "loadbalancers", `${name}-lb`);
        if (cdn && typeof atProvider(lb).dnsName !== "string") cdnSeenWithoutAddress = true;
        return cdn !== undefined;
      }, WAIT)
      .toBe(true);
    const ws = await untilReady(env, name);
    sampling = false;
    await sampler;
    console.info(`aws WebStack → Ready in ${Date.now() - t0} ms; creates first seen at ticks ${JSON.stringify(firstSeen)}`);
    expect(cdnSeenWithoutAddress).toBe(false);
    expect(firstSeen.CreateDistributionWithTags).toBeGreaterThan(firstSeen.CreateLoadBalancer ?? Infinity);
    expect(resourcesOf(ws).map((r) => [r.id, r.kind, r.ready, r.synced])).toEqual([["db", "Database", "True", "True"], ["lb", "LoadBalancer", "True", "True"], ["cdn", "CDN", "True", "True"]]);
    const lb = await composed(env, "aws", "loadbalancers", `${name}-lb`);
    const cdn = await composed(env, "aws", "cdns", `${name}-cdn`);
    expect(statusOf(ws).url).toBe(`https://${String(atProvider(cdn).domainName)}`);
    expect(statusOf(ws).loadBalancerAddress).toBe(atProvider(lb).dnsName);
    expect(statusOf(ws).composition).toMatchObject({ name: env.compositionName("aws") });
    await expect.poll(() => secretKeys(env.ns, `${name}-conn`), WAIT).toEqual(SECRET_KEYS);
    // Composed resources are labelled, owned by the instance, and the CDN fronts the load balancer.
    expect(isRecord(cdn?.metadata) && cdn.metadata.labels).toMatchObject({ "compose.terraplane.dev/composite": name, "compose.terraplane.dev/composition": env.compositionName("aws"), "compose.terraplane.dev/resource-id": "cdn" });
    expect(JSON.stringify(cdn?.spec)).toContain(String(atProvider(lb).dnsName));
    const table = await kubectlOk(["get", WEBSTACK_RESOURCE, name, "-n", env.ns]);
    expect(table).toMatch(new RegExp(`${name}\\s+True\\s+True\\s+${env.compositionName("aws")}`));
    // No secret value in the instance's status.
    expect(JSON.stringify(ws)).not.toMatch(/password"\s*:\s*"[^"]/);
  });

  it("a GCP WebStack becomes Ready with every composed resource Ready, its endpoint in status and a connection Secret with the declared keys", async () => {
    const name = uniqueName("shop");
    let cdnSeenWithoutHealthCheck = false;
    const t0 = Date.now();
    await env.applyWebStack(name, { cloud: "gcp", size: "medium", backends: GCP_BACKENDS, writeConnectionSecretToRef: { name: `${name}-conn` } });
    await expect
      .poll(async () => {
        const cdn = await composed(env, "gcp", "cdns", `${name}-cdn`);
        const lb = await composed(env, "gcp", "loadbalancers", `${name}-lb`);
        if (cdn && !isRecord(atProvider(lb).healthCheck)) cdnSeenWithoutHealthCheck = true;
        return cdn !== undefined;
      }, WAIT)
      .toBe(true);
    const ws = await untilReady(env, name);
    console.info(`gcp WebStack → Ready in ${Date.now() - t0} ms`);
    expect(cdnSeenWithoutHealthCheck).toBe(false);
    expect(resourcesOf(ws).map((r) => [r.id, r.ready, r.synced])).toEqual([["db", "True", "True"], ["lb", "True", "True"], ["cdn", "True", "True"]]);
    const cdn = await composed(env, "gcp", "cdns", `${name}-cdn`);
    const lb = await composed(env, "gcp", "loadbalancers", `${name}-lb`);
    expect(statusOf(ws).url).toBe(`http://${String(atProvider(cdn).ipAddress)}`);
    expect(statusOf(ws).loadBalancerAddress).toBe(atProvider(lb).ipAddress);
    expect(statusOf(ws).databaseHost).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    await expect.poll(() => secretKeys(env.ns, `${name}-conn`), WAIT).toEqual(SECRET_KEYS);
  });

  it("once Ready: zero writes to composed resources and zero mutating cloud calls over ten poll cycles; a spec edit then reaches the cloud", async () => {
    const name = uniqueName("quiet");
    await env.applyWebStack(name, { cloud: "aws", backends: AWS_BACKENDS });
    await untilReady(env, name);
    await sleep(3 * POLL_MS); // the managed resources' own follow-up (late init) settles
    const before = await composeWrites(env);
    env.aws.resetStats();
    await sleep(10 * POLL_MS + 1_000);
    const after = await composeWrites(env);
    const composedWrites = Object.entries(after).filter(([k, v]) => !k.startsWith("WebStack") && !k.startsWith("Composition") && !k.startsWith("CompositeDefinition") && v !== (before[k] ?? 0));
    expect(composedWrites).toEqual([]);
    expect(mutating(env.aws, AWS_MUTATING)).toEqual({});
    expect(requests(env.aws, "rds", "DescribeDBInstances")).toBeGreaterThanOrEqual(5); // it kept polling

    env.aws.resetStats();
    await kubectlOk(["patch", `${WEBSTACK_RESOURCE}/${name}`, "-n", env.ns, "--type=merge", "-p", JSON.stringify({ spec: { size: "medium" } })]);
    await expect.poll(async () => (await composed(env, "aws", "databases", `${name}-db`))?.spec, WAIT).toMatchObject({ forProvider: { instanceClass: "db.t3.medium" } });
    await expect.poll(() => requests(env.aws, "rds", "ModifyDBInstance"), WAIT).toBeGreaterThanOrEqual(1);
    await untilReady(env, name);
    expect(mutating(env.aws, AWS_MUTATING)).toMatchObject({ "rds.ModifyDBInstance": 1 });
  });
});

describe("a composition edit rolls out under Automatic, not under Manual", () => {
  let env: ComposeEnvironment;
  beforeAll(async () => {
    await installComposeCrds();
    env = await composeEnvironment({ nsPrefix: "wsroll", pollIntervalMs: POLL_MS });
  });
  afterAll(async () => env?.close());

  it("adds the new tag to the Automatic instance's database (and RDS), leaves the Manual one's alone and says so", async () => {
    const auto = uniqueName("auto");
    const manual = uniqueName("manual");
    await env.applyWebStack(auto, { cloud: "aws", backends: AWS_BACKENDS });
    await env.applyWebStack(manual, { cloud: "aws", backends: AWS_BACKENDS, compositionUpdatePolicy: "Manual" });
    const wsManual = await untilReady(env, manual);
    await untilReady(env, auto);
    const revision = isRecord(statusOf(wsManual).composition) ? statusOf(wsManual).composition : {};
    const manualDb = await composed(env, "aws", "databases", `${manual}-db`);
    env.aws.resetStats();
    const edited = testComposition("aws", env.ns, env.project, (spec) => {
      const list: unknown[] = Array.isArray(spec.resources) ? spec.resources : [];
      const db = list.find((r) => isRecord(r) && r.id === "db");
      if (isRecord(db) && isRecord(db.template) && isRecord(db.template.spec) && isRecord(db.template.spec.forProvider) && isRecord(db.template.spec.forProvider.tags)) db.template.spec.forProvider.tags.tier = "web";
    });
    await kubectlOk(["apply", "-f", "-"], JSON.stringify(edited));
    await expect.poll(async () => (await composed(env, "aws", "databases", `${auto}-db`))?.spec, WAIT).toMatchObject({ forProvider: { tags: { webstack: auto, tier: "web" } } });
    await expect.poll(() => requests(env.aws, "rds", "AddTagsToResource"), WAIT).toBe(1);
    await expect.poll(async () => statusOf(await env.getWebStack(auto)).composition, WAIT).not.toEqual(revision);
    await sleep(3 * POLL_MS);
    const manualNow = await composed(env, "aws", "databases", `${manual}-db`);
    expect(manualNow?.spec).toEqual(manualDb?.spec);
    const held = await env.getWebStack(manual);
    expect(statusOf(held).composition).toEqual(revision);
    expect(conditionOf(held, "Synced")).toMatchObject({ status: "True", reason: "UpdateHeld" });
    expect(conditionOf(held, "Synced")?.message).toMatch(new RegExp(`^compositionUpdatePolicy is Manual: staying on ${env.compositionName("aws")} revision \\w+; ${env.compositionName("aws")} revision \\w+ is available`));
    expect(requests(env.aws, "rds", "AddTagsToResource")).toBe(1);
  });
});

describe("deletion", () => {
  let env: ComposeEnvironment;
  beforeAll(async () => {
    await installComposeCrds();
    env = await composeEnvironment({ nsPrefix: "wsdel", pollIntervalMs: POLL_MS });
  });
  afterAll(async () => env?.close());

  it("deletes an AWS WebStack in reverse dependency order (the CDN before the load balancer it fronts), leaving nothing in moto", async () => {
    const name = uniqueName("gone");
    await env.applyWebStack(name, { cloud: "aws", backends: AWS_BACKENDS });
    await untilReady(env, name);
    const lbArn = String(atProvider(await composed(env, "aws", "loadbalancers", `${name}-lb`)).arn);
    const distribution = String(atProvider(await composed(env, "aws", "cdns", `${name}-cdn`)).id);
    env.aws.resetStats();
    const firstSeen: Record<string, number> = {};
    await kubectlOk(["delete", `${WEBSTACK_RESOURCE}/${name}`, "-n", env.ns, "--wait=false"]);
    const t0 = Date.now();
    for (let tick = 0; await env.getWebStack(name); tick++) {
      for (const [svc, op] of [["cloudfront", "DeleteDistribution"], ["elasticloadbalancing", "DeleteLoadBalancer"], ["rds", "DeleteDBInstance"]] as const) {
        if (firstSeen[op] === undefined && requests(env.aws, svc, op) > 0) firstSeen[op] = tick;
      }
      if (Date.now() - t0 > WAIT.timeout) throw new Error("WebStack not deleted in time");
      await sleep(50);
    }
    console.info(`aws WebStack deleted in ${Date.now() - t0} ms; deletes first seen at ticks ${JSON.stringify(firstSeen)}`);
    expect(firstSeen.DeleteLoadBalancer).toBeGreaterThan(firstSeen.DeleteDistribution ?? Infinity);
    expect(firstSeen.DeleteDBInstance).toBeGreaterThan(firstSeen.DeleteDistribution ?? Infinity);
    const rds = new RDSClient(awsClientConfig({ region: "us-east-1", direct: true }));
    const elb = new ElasticLoadBalancingV2Client(awsClientConfig({ region: "us-east-1", direct: true }));
    const cf = new CloudFrontClient(awsClientConfig({ region: "us-east-1", direct: true }));
    expect(await describeDbInstance(rds, `${name}-db`)).toBeUndefined();
    await expect(elb.send(new DescribeLoadBalancersCommand({ LoadBalancerArns: [lbArn] }))).rejects.toMatchObject({ name: "LoadBalancerNotFoundException" });
    await expect(cf.send(new GetDistributionCommand({ Id: distribution }))).rejects.toMatchObject({ name: "NoSuchDistribution" });
  });

  it("deletes a GCP WebStack leaving nothing in the emulator's project", async () => {
    const name = uniqueName("gone");
    await env.applyWebStack(name, { cloud: "gcp", backends: GCP_BACKENDS });
    await untilReady(env, name);
    await kubectlOk(["delete", `${WEBSTACK_RESOURCE}/${name}`, "-n", env.ns, "--wait=true", "--timeout=120s"]);
    const compute = computeClients({ direct: true });
    const sql = sqlClients({ direct: true });
    const project = env.project;
    try {
      const names = async (list: Promise<readonly [readonly { name?: string | null }[], ...unknown[]]>): Promise<string[]> => (await list)[0].map((r) => r.name ?? "");
      expect(await names(compute.globalForwardingRules.list({ project }))).toEqual([]);
      expect(await names(compute.targetHttpProxies.list({ project }))).toEqual([]);
      expect(await names(compute.urlMaps.list({ project }))).toEqual([]);
      expect(await names(compute.backendServices.list({ project }))).toEqual([]);
      expect(await names(compute.healthChecks.list({ project }))).toEqual([]);
      expect(await names(compute.globalAddresses.list({ project }))).toEqual([]);
      const [instances] = await sql.instances.list({ project });
      expect(instances.items ?? []).toEqual([]);
    } finally {
      await closeClients(compute);
      await closeClients(sql);
    }
  });

  it("with deletionPolicy Orphan, the composed resources go and the cloud resources stay", async () => {
    const name = uniqueName("kept");
    await env.applyWebStack(name, { cloud: "aws", backends: AWS_BACKENDS, deletionPolicy: "Orphan" });
    await untilReady(env, name);
    const lbArn = String(atProvider(await composed(env, "aws", "loadbalancers", `${name}-lb`)).arn);
    await kubectlOk(["delete", `${WEBSTACK_RESOURCE}/${name}`, "-n", env.ns, "--wait=true", "--timeout=60s"]);
    expect(await composed(env, "aws", "loadbalancers", `${name}-lb`)).toBeUndefined();
    const rds = new RDSClient(awsClientConfig({ region: "us-east-1", direct: true }));
    const elb = new ElasticLoadBalancingV2Client(awsClientConfig({ region: "us-east-1", direct: true }));
    expect((await describeDbInstance(rds, `${name}-db`))?.DBInstanceIdentifier).toBe(`${name}-db`);
    expect((await elb.send(new DescribeLoadBalancersCommand({ LoadBalancerArns: [lbArn] }))).LoadBalancers?.length).toBe(1);
  });
});

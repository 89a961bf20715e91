import { DescribeDBInstancesCommand, RDSClient } from "@aws-sdk/client-rds";
import { CoordinationV1Api } from "@kubernetes/client-node";
import { afterAll, describe, expect, inject, it, onTestFailed } from "vitest";
import { database } from "../providers/aws/database/index.ts";
import { allCrds } from "../providers/index.ts";
import { seededRandom, startFaultProxy } from "../sandbox/faultproxy/index.ts";
import { awsClientConfig } from "./harness/aws.ts";
import { databaseManifest, rdsCalls } from "./harness/aws-databases.ts";
import { createAwsProviderConfig } from "./harness/aws-provider.ts";
import { startController } from "./harness/controller-process.ts";
import type { ControllerProcess } from "./harness/controller-process.ts";
import { mutatingCalls, resourceOf } from "./harness/environment.ts";
import { kubeConfig, kubectl, kubectlOk, testNamespace } from "./harness/kube.ts";
import { applyCrds, condition, getManaged } from "./harness/managed.ts";
import { uniqueName } from "./harness/names.ts";

// Issue 13 item 3, the Lease lost: two real `terraplane run` replicas with leader election on a
// Lease of this test's own; the leader is SIGKILLed while its creates are in flight (the fault proxy
// holds each CreateDBInstance for a moment; the kill comes as moto answers the first). The
// standby must take over once the lease expires, and what reaches the cloud must be one leader's
// worth of work: one CreateDBInstance per Database, never a second.

const REGION = "ap-south-2"; // moto keeps state per region; no other test uses this one
const RESOURCE = resourceOf(database);
const COUNT = 5;
const LEASE = { duration: 4, renewDeadline: "3s", retryPeriod: "1s" };
const MUTATING = /^(Create|Modify|Delete|AddTags|RemoveTags|Reboot|Start|Stop|Restore|Promote)/;

const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
}, 120_000);

describe("two replicas, the leader killed", () => {
  it("the standby takes over within the lease duration, everything converges, and each instance is created exactly once", { timeout: 240_000 }, async () => {
    const { kubeconfig, motoEndpoint } = inject("sandbox");
    await applyCrds(allCrds()); // a real `terraplane run` watches every kind
    const ns = await testNamespace("failover");
    cleanups.push(ns.cleanup);
    const proxy = await startFaultProxy({
      upstream: motoEndpoint,
      random: seededRandom(13),
      faults: { rules: [{ fault: "latency", rate: 1, delayMs: 1_500, match: { service: "rds", operation: "CreateDBInstance" } }] },
    });
    cleanups.push(() => proxy.close());
    const providerConfig = await createAwsProviderConfig(ns.name, { endpoint: proxy.url, region: REGION });
    const leaseName = uniqueName("leader");
    const args = [
      "--namespace", ns.name,
      "--leader-election-namespace", ns.name,
      "--leader-election-id", leaseName,
      "--lease-duration", `${LEASE.duration}s`,
      "--renew-deadline", LEASE.renewDeadline,
      "--retry-period", LEASE.retryPeriod,
      "--poll-interval", "5s",
      "--concurrency", "4",
    ];
    const replicas = [startController(kubeconfig, args), startController(kubeconfig, args)];
    onTestFailed(() => replicas.forEach((r, i) => console.log(`replica ${i}, last lines:\n${r.lines.slice(-15).join("\n")}`)));
    for (const r of replicas) {
      cleanups.push(async () => {
        r.child.kill("SIGKILL");
        await r.exited;
      });
    }
    await expect.poll(() => replicas.every((r) => r.logged("waiting for leadership")?.identity), { timeout: 90_000, interval: 250 }).toBe(true);
    const identities = replicas.map((r) => r.logged("waiting for leadership")?.identity ?? "");
    const leases = kubeConfig().makeApiClient(CoordinationV1Api);
    const holder = async (): Promise<string | undefined> => (await leases.readNamespacedLease({ name: leaseName, namespace: ns.name }).catch(() => undefined))?.spec?.holderIdentity;
    await expect.poll(holder, { timeout: 30_000, interval: 100 }).toBeOneOf(identities);
    const leaderAt = identities.indexOf((await holder()) ?? "");
    const leader = replicas[leaderAt] as ControllerProcess;
    const standby = replicas[1 - leaderAt] as ControllerProcess;
    const standbyIdentity = identities[1 - leaderAt];
    await expect.poll(() => leader.logged("controller manager running"), { timeout: 60_000, interval: 100 }).toBeDefined();

    // Until the kill, every mutating call the proxy sees is the leader's: the standby only waits.
    const run = uniqueName("fo");
    const names = Array.from({ length: COUNT }, (_, i) => `${run}-${i}`);
    cleanups.push(() => kubectl(["delete", RESOURCE, "--all", "-n", ns.name, "--wait=true", "--timeout=60s"]));
    await kubectlOk(["apply", "-f", "-"], JSON.stringify({ apiVersion: "v1", kind: "List", items: names.map((name) => databaseManifest(ns.name, name, providerConfig)) }));
    const creates = (): number => rdsCalls(proxy, "CreateDBInstance").requests;
    await expect.poll(creates, { timeout: 60_000, interval: 20 }).toBeGreaterThanOrEqual(1);

    // The replicas' own word for it: the leader has observed in the cloud, the standby has not
    // reconciled anything nor made a cloud call while the leader leads.
    const metrics = async (r: ControllerProcess): Promise<string> => (await fetch(`${r.logged("serving /healthz, /readyz and /metrics")?.url ?? ""}/metrics`)).text();
    const CLOUD_WORK = /^terraplane_external_calls_total\{/m;
    expect(await metrics(leader)).toMatch(CLOUD_WORK);
    expect(await metrics(standby)).not.toMatch(CLOUD_WORK);
    expect(await metrics(standby)).not.toMatch(/^terraplane_reconciles_total\{/m);

    // Killed the moment moto has answered the first create: that answer is lost or not yet recorded
    // (the standby must find the instance by name), and the creates the proxy still holds are cut off.
    await expect.poll(() => rdsCalls(proxy, "CreateDBInstance").upstream["2xx"], { timeout: 30_000, interval: 10 }).toBeGreaterThanOrEqual(1);
    leader.child.kill("SIGKILL");
    const killedAt = Date.now();
    expect(await leader.exited).toBe("SIGKILL");
    const callsAtDeath = proxy.stats().total.requests;
    await expect.poll(holder, { timeout: 60_000, interval: 100 }).toBe(standbyIdentity);
    const takeoverMs = Date.now() - killedAt;
    // Everything counted so far was the dead leader's: the standby starts its informers only now.
    const leaderCreates = creates();
    expect(standby.logged("became leader")?.identity).toBe(standbyIdentity);

    for (const name of names) {
      await expect.poll(async () => condition(await getManaged(database.managed, ns.name, name), "Ready")?.status, { timeout: 120_000, interval: 500, message: `${name} Ready` }).toBe("True");
    }
    const calls = mutatingCalls(proxy, "rds", (op) => MUTATING.test(op));
    const createStats = rdsCalls(proxy, "CreateDBInstance");
    console.log(JSON.stringify({ test: "leader-failover", takeoverMs, leaseDurationMs: LEASE.duration * 1000, callsBeforeKill: callsAtDeath, leaderCreates, standbyCreates: createStats.requests - leaderCreates, mutatingCalls: calls, createUpstream: createStats.upstream }));
    // Within the lease duration after the leader's last renewal, plus a standby's retry period and
    // room for a loaded machine; the killed leader may have renewed just before it died.
    expect(takeoverMs).toBeLessThan(LEASE.duration * 1000 + 15_000);
    // What reached moto is one create per Database. A create the leader had sent when it died is
    // either among them (the standby then finds the instance by name) or was never forwarded (the
    // proxy was still holding it): only such abandoned requests of the leader's may exceed the count.
    expect(createStats.forwarded).toBe(COUNT);
    // A create the proxy forwarded for the dead leader has no client left to answer, so its outcome
    // may go unrecorded; moto's own list below is the proof of exactly one instance per Database.
    expect(createStats.upstream["2xx"]).toBeLessThanOrEqual(COUNT);
    expect(createStats.upstream["5xx"] + createStats.upstream.error).toBe(0);
    expect(createStats.requests - createStats.forwarded).toBeLessThanOrEqual(leaderCreates);
    const rds = new RDSClient(awsClientConfig({ region: REGION, direct: true }));
    cleanups.push(async () => rds.destroy());
    const inMoto = (await rds.send(new DescribeDBInstancesCommand({}))).DBInstances ?? [];
    expect(inMoto.map((d) => d.DBInstanceIdentifier ?? "").filter((id) => id.startsWith(run)).sort()).toEqual([...names].sort());
  });
});

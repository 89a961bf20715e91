// `make trial-faults`: a fault-matrix soak. The real controller (`terraplane run` as its
// ServiceAccount, started as `make sandbox` starts it) reaches moto and the GCP emulator only through
// fault proxies of this trial's own (the ProviderConfigs' endpoints point at them). The same
// workload — `--count` objects spread over all six kinds, created, converged, deleted — runs twice,
// side by side, with fresh names and two proxies each: once with no faults, once with throttling,
// 5xx answers and dropped connections (each at a third of `--fault-rate`) plus added latency (at
// `--fault-rate`) on every request. Both
// runs must converge Ready with one cloud resource per object and leave nothing behind, and the
// mutating calls the clouds executed with faults must be at most 1.5 × those without.
// A trial, not a test: one JSON line on stdout, a one-line summary and progress on stderr; exit 1
// when the verdict is not clean.
//
// Its own namespaces, AWS region, GCP project and name prefixes: it shares the sandbox with anything else.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { CoreV1Api } from "@kubernetes/client-node";
import type { KubeConfig } from "@kubernetes/client-node";
import { loadKubeConfig } from "../core/kube/kubeconfig.ts";
import { startController } from "../sandbox/demo/controller.ts";
import type { Controller } from "../sandbox/demo/controller.ts";
import { installCrds, installRbac, serviceAccountKubeconfig } from "../sandbox/demo/install.ts";
import { seededRandom, startFaultProxy } from "../sandbox/faultproxy/index.ts";
import type { FaultConfigInput, FaultProxy } from "../sandbox/faultproxy/index.ts";
import { GcpEmulatorClient } from "../sandbox/gcp-emulator/control-client.ts";
import { stateDir } from "../sandbox/launcher/paths.ts";
import { down, up } from "../sandbox/launcher/sandbox.ts";
import type { SandboxInfo } from "../sandbox/launcher/sandbox.ts";
import { Cleanup } from "./_lifecycle.ts";
import { isMutation } from "./trial-kill/aim.ts";
import { TrialCloud } from "./trial-kill/cloud.ts";
import { TrialCluster } from "./trial-kill/cluster.ts";
import { objectName, TRIAL_KINDS } from "./trial-kill/kinds.ts";
import type { KindId, TrialKind, TrialScope } from "./trial-kill/kinds.ts";
import { configureTrial, stopLeftovers } from "./trial-kill/setup.ts";
import { judge, waitConverged, waitGone } from "./trial-kill/verdict.ts";
import type { LiveObjects, Verdict } from "./trial-kill/verdict.ts";

const { values } = parseArgs({
  options: {
    count: { type: "string", default: "200" },
    seed: { type: "string" },
    // Share of requests answered by a fault (throttle, 5xx, dropped connection: a third each); as many get added latency.
    "fault-rate": { type: "string", default: "0.3" },
    "latency-ms": { type: "string", default: "300" },
    // Bound on each run's converge and each run's delete.
    "timeout-seconds": { type: "string", default: "900" },
    "aws-region": { type: "string", default: "eu-south-2" },
    "poll-interval": { type: "string", default: "5s" },
  },
});

const log = (line: string): void => console.error(`trial-faults: ${line}`);
const total = count("count", 1);
const seed = values.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : count("seed", 0);
const faultRate = share("fault-rate");
const latencyMs = count("latency-ms", 0);
const timeoutMs = count("timeout-seconds", 1) * 1000;

function count(name: "count" | "seed" | "latency-ms" | "timeout-seconds", min: number): number {
  const n = Number(values[name]);
  if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be an integer of at least ${min} (got ${String(values[name])})`);
  return n;
}

function share(name: "fault-rate"): number {
  const n = Number(values[name]);
  if (!Number.isFinite(n) || n < 0 || n > 0.9) throw new Error(`--${name} must be a number from 0 to 0.9 (got ${String(values[name])})`);
  return n;
}

/** The fault matrix on every request of every service: three terminal faults sharing `rate`, and latency on `rate` of them too. */
function faultMatrix(rate: number): FaultConfigInput {
  return {
    rules: [
      { fault: "latency", rate, delayMs: { min: Math.floor(latencyMs / 3), max: latencyMs } },
      { fault: "throttle", rate: rate / 3 },
      { fault: "error5xx", rate: rate / 3, status: 503 },
      { fault: "drop", rate: rate / 3 },
    ],
  };
}

/** `--count` objects, spread round-robin over the six kinds. */
class FixedObjects implements LiveObjects {
  readonly #names = new Map<KindId, string[]>();
  constructor(scope: TrialScope, n: number) {
    for (let i = 0; i < n; i++) {
      const kind = TRIAL_KINDS[i % TRIAL_KINDS.length];
      if (!kind) continue;
      this.#names.set(kind.id, [...(this.#names.get(kind.id) ?? []), objectName(scope, kind, Math.floor(i / TRIAL_KINDS.length))]);
    }
  }
  live(kind: TrialKind): string[] {
    return [...(this.#names.get(kind.id) ?? [])];
  }
}

interface Calls {
  /** Mutating requests that reached the proxy, by `service operation` (those a fault answered included). */
  readonly requests: Record<string, number>;
  /** Of those, the ones sent on to the cloud: the mutations the cloud executed (or refused). */
  readonly forwarded: Record<string, number>;
}

interface RunResult {
  readonly verdict: Verdict;
  readonly convergeSeconds: number;
  readonly deletedAll: boolean;
  readonly leaks: number;
  readonly calls: Calls;
  readonly faults: Record<string, number>;
}

interface Shared {
  readonly info: SandboxInfo;
  readonly kc: KubeConfig;
  readonly gcpProject: string;
}

const cleanup = new Cleanup(log);
const interrupted = new AbortController();
process.once("SIGINT", () => interrupted.abort());
process.once("SIGTERM", () => interrupted.abort());

await cleanup.run(async () => {
  const t0 = Date.now();
  const { info, started } = await up(log);
  if (started.length > 0 && process.env.TERRAPLANE_KEEP_SANDBOX !== "1") cleanup.add("stop the sandbox", async () => void (await down(started, log)));
  const id = `${Date.now().toString(36).slice(-5)}${Math.floor(Math.random() * 36 ** 2).toString(36).padStart(2, "0")}`;
  await stopLeftovers(join(stateDir(), "trial-faults"), log);
  const gcpProject = `trial-faults-${id}`;
  const kc = loadKubeConfig({ kubeconfig: info.kubeconfig });
  log(`seed ${seed}, ${total} objects per run, fault rate ${faultRate}, AWS region ${values["aws-region"]}, GCP project ${gcpProject}, logs under ${join(stateDir(), "trial-faults")}/${id}-{a,b}`);

  const emulator = new GcpEmulatorClient(info.gcpEmulatorEndpoint);
  cleanup.add("reset the GCP project", async () => void (await emulator.reset(gcpProject)));

  log(`CRDs: ${await installCrds(kc)} applied; RBAC: ${(await installRbac(info.kubeconfig)).length} objects`);
  const subnetProbe = new TrialCloud(scopeOf(id, "x", []), { motoEndpoint: info.motoEndpoint, gcpEmulatorEndpoint: info.gcpEmulatorEndpoint, gcpProject });
  const awsSubnets = await subnetProbe.defaultSubnets();
  subnetProbe.close();
  const shared: Shared = { info, kc, gcpProject };

  // Side by side, each with proxies of its own: the same machine load for both, half the wall time.
  const [calm, stormy] = await Promise.all([runOnce(shared, scopeOf(id, "a", awsSubnets), undefined), runOnce(shared, scopeOf(id, "b", awsSubnets), faultMatrix(faultRate))]);
  const result = resultOf(calm, stormy, Math.round((Date.now() - t0) / 1000));
  console.log(JSON.stringify(result));
  const clean = result.allReady && result.duplicates + result.missing + result.needingPerson + result.leaks === 0 && result.deletedAll && result.amplification <= 1.5;
  console.error(
    `trial-faults: ${clean ? "PASS" : "FAIL"}: ${total} objects × 2 runs (seed ${seed}), ${result.faultsInjected} faults injected, ` +
      `mutating calls executed ${result.mutatingCalls.withoutFaults.total} → ${result.mutatingCalls.withFaults.total} (×${result.amplification}), ` +
      `requests ×${result.requestAmplification}, converged in ${calm.convergeSeconds}s / ${stormy.convergeSeconds}s, all Ready: ${result.allReady}, ${result.leaks} leaks, ${result.seconds}s`,
  );
  if (!clean) process.exitCode = 1;
});

function scopeOf(id: string, run: string, awsSubnets: readonly string[]): TrialScope {
  return {
    prefix: `f${id}${run}`,
    namespace: `trial-faults-${id}-${run}`,
    awsRegion: values["aws-region"],
    awsSubnets,
    awsProviderConfig: "trial-aws",
    gcpProviderConfig: "trial-gcp",
  };
}

/** One run: namespace, controller, `total` objects created, converged, judged, deleted; what the proxies counted from the first create to the last delete. */
async function runOnce(s: Shared, scope: TrialScope, faults: FaultConfigInput | undefined): Promise<RunResult> {
  const label = faults ? "with faults" : "without faults";
  const runCleanup = new Cleanup(log);
  try {
    const dir = join(stateDir(), "trial-faults", scope.namespace.replace(/^trial-faults-/, ""));
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "trial.pid"), String(process.pid));
    const [aws, gcp] = await startProxies(s.info, runCleanup, faults ? seed : seed ^ 0x5bd1e995);
    const proxies = [aws, gcp];
    const saKubeconfig = join(dir, "terraplane-sa.kubeconfig");
    await serviceAccountKubeconfig(s.info.kubeconfig, saKubeconfig);
    await configureTrial(s.kc, scope, { gcpProject: s.gcpProject, label: "trial-faults", awsEndpoint: aws.url, gcpEndpoint: gcp.url });
    runCleanup.add(`delete the namespace ${scope.namespace}`, async () => void (await s.kc.makeApiClient(CoreV1Api).deleteNamespace({ name: scope.namespace })));
    const cluster = new TrialCluster(s.kc, scope);
    const cloud = new TrialCloud(scope, { motoEndpoint: s.info.motoEndpoint, gcpEmulatorEndpoint: s.info.gcpEmulatorEndpoint, gcpProject: s.gcpProject });
    runCleanup.add("close the cloud clients", async () => cloud.close());
    let deletedThroughController = false;
    runCleanup.add("remove the finalizers the stopped controller left", async () => {
      if (deletedThroughController) return;
      for (const kind of TRIAL_KINDS) await cluster.dropFinalizers(kind);
    });
    const controller: Controller = await startController({
      kubeconfig: saKubeconfig,
      sandbox: s.info,
      logFile: join(dir, "controller.log"),
      pidFile: join(dir, "controller.json"),
      pollInterval: values["poll-interval"],
      extraArgs: ["--namespace", scope.namespace, "--no-leader-elect"],
    });
    runCleanup.add("stop the controller", () => controller.stop());

    for (const p of proxies) p.reset();
    if (faults) for (const p of proxies) p.setFaults(faults);
    const objects = new FixedObjects(scope, total);
    log(`${label}: creating ${total} objects in ${scope.namespace}`);
    for (const kind of TRIAL_KINDS) for (const name of objects.live(kind)) await cluster.create(kind, name);
    const waiting = { deadline: Date.now() + timeoutMs, signal: interrupted.signal, log };
    const convergeSeconds = await waitConverged(cluster, objects, waiting);
    const verdict = await judgePaused(proxies, faults, convergeSeconds >= 0, () => waitConverged(cluster, objects, waiting), () => judge(cluster, cloud, objects));
    log(`${label}: converged in ${convergeSeconds}s; deleting`);
    for (const kind of TRIAL_KINDS) for (const name of objects.live(kind)) await cluster.delete(kind, name);
    const deletedAll = await waitGone(cluster, { ...waiting, deadline: Date.now() + timeoutMs });
    deletedThroughController = deletedAll;
    const calls = mutatingCalls(proxies);
    const injected = faultCounts(proxies);
    for (const p of proxies) p.reset();
    const leaks = await leaksOf(cloud, verdict);
    return { verdict, convergeSeconds, deletedAll, leaks, calls, faults: injected };
  } finally {
    await runCleanup.runSteps(); // the namespace and controller of this run, before the next one
  }
}

/**
 * The verdict with the faults paused: under them any poll may flip an object to Synced=False for a
 * backoff; whether everything converged the first wait answered. The faults are back on afterwards.
 */
async function judgePaused(proxies: readonly FaultProxy[], faults: FaultConfigInput | undefined, converged: boolean, wait: () => Promise<number>, verdict: () => Promise<Verdict>): Promise<Verdict> {
  for (const p of proxies) p.setFaults({ rules: [] });
  if (converged) await wait();
  const v = await verdict();
  if (faults) for (const p of proxies) p.setFaults(faults);
  return v;
}

/** What is left of the run in the emulators (after its deletes), logged with whatever needed a person. */
async function leaksOf(cloud: TrialCloud, verdict: Verdict): Promise<number> {
  const left = await cloud.inventory();
  for (const r of left) log(`leak: ${r.kind} ${r.owner}: ${r.what}`);
  for (const n of verdict.needingPerson) log(`needs a person: ${n}`);
  return left.length;
}

/** The run's own fault proxies, in front of moto and the GCP emulator, closed at the run's cleanup. */
async function startProxies(info: SandboxInfo, runCleanup: Cleanup, proxySeed: number): Promise<[FaultProxy, FaultProxy]> {
  const random = seededRandom(proxySeed);
  const aws = await startFaultProxy({ upstream: info.motoEndpoint, random });
  runCleanup.add("close the AWS fault proxy", () => aws.close());
  const gcp = await startFaultProxy({ upstream: info.gcpEmulatorEndpoint, random });
  runCleanup.add("close the GCP fault proxy", () => gcp.close());
  return [aws, gcp];
}

function mutatingCalls(proxies: readonly FaultProxy[]): Calls {
  const mutating = proxies.flatMap((p) =>
    Object.entries(p.stats().services).flatMap(([service, stats]) =>
      Object.entries(stats.operations)
        .filter(([operation]) => isMutation(operation))
        .map(([operation, c]) => ({ key: `${service} ${operation}`, c })),
    ),
  );
  return {
    requests: sorted(Object.fromEntries(mutating.map(({ key, c }) => [key, c.requests]))),
    forwarded: sorted(Object.fromEntries(mutating.map(({ key, c }) => [key, c.forwarded]))),
  };
}

function faultCounts(proxies: readonly FaultProxy[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const p of proxies) for (const [fault, n] of Object.entries(p.stats().total.faults)) out[fault] = (out[fault] ?? 0) + n;
  return out;
}

function sorted(r: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(r).sort(([a], [b]) => a.localeCompare(b)));
}

function sum(r: Record<string, number>): number {
  return Object.values(r).reduce((a, b) => a + b, 0);
}

function ratio(a: number, b: number): number {
  return b === 0 ? 0 : Math.round((a / b) * 1000) / 1000;
}

/** The JSON line. */
function resultOf(calm: RunResult, stormy: RunResult, seconds: number) {
  const executed = { without: sum(calm.calls.forwarded), with: sum(stormy.calls.forwarded) };
  const requested = { without: sum(calm.calls.requests), with: sum(stormy.calls.requests) };
  const runs = [calm, stormy];
  return {
    seed,
    objectsPerRun: total,
    faultRate,
    kinds: Object.fromEntries(TRIAL_KINDS.map((k) => [k.id, { withoutFaults: calm.verdict.kinds[k.id], withFaults: stormy.verdict.kinds[k.id] }])),
    faultsInjected: sum(stormy.faults) - (stormy.faults.latency ?? 0),
    faults: stormy.faults,
    mutatingCalls: {
      withoutFaults: { total: executed.without, byOperation: calm.calls.forwarded },
      withFaults: { total: executed.with, byOperation: stormy.calls.forwarded },
      requestsWithoutFaults: { total: requested.without, byOperation: calm.calls.requests },
      requestsWithFaults: { total: requested.with, byOperation: stormy.calls.requests },
    },
    /** Mutations the clouds executed, with faults ÷ without: what retries cost the cloud. */
    amplification: ratio(executed.with, executed.without),
    /** Mutating requests the proxy saw (fault-answered ones included), with ÷ without: at least 1 / (1 − terminal fault share). */
    requestAmplification: ratio(requested.with, requested.without),
    convergeSeconds: { withoutFaults: calm.convergeSeconds, withFaults: stormy.convergeSeconds },
    allReady: runs.every((r) => r.verdict.allReady && r.convergeSeconds >= 0),
    duplicates: runs.reduce((n, r) => n + r.verdict.duplicates, 0),
    missing: runs.reduce((n, r) => n + r.verdict.missing, 0),
    needingPerson: runs.reduce((n, r) => n + r.verdict.needingPerson.length, 0),
    deletedAll: runs.every((r) => r.deletedAll),
    leaks: runs.reduce((n, r) => n + r.leaks, 0),
    seconds,
  };
}

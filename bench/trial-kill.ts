// `make trial-kill`: the real controller (`terraplane run` as its ServiceAccount, started as
// `make sandbox` starts it) is SIGKILLed at random, seeded moments while it creates, edits and
// deletes objects of all six kinds on moto and the GCP emulator, and started again, `--kills` times.
// Then it must converge alone: every object Ready, exactly one cloud resource per object (no
// duplicate), nothing a person must fix (no CreateOutcomeUnknown, no lost password); and after a
// final delete nothing of the run is left in either emulator (no leak). A trial, not a test: one
// JSON line on stdout, a one-line summary and progress on stderr; exit 1 when the verdict is not clean.
//
// Its own namespace, AWS region, GCP project and object-name prefix: it shares the sandbox with
// anything else. Whatever happens (success, an error, Ctrl-C) it stops the controller it started;
// one left by a SIGKILLed trial is stopped by the next run.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { CoreV1Api } from "@kubernetes/client-node";
import { loadKubeConfig } from "../core/kube/kubeconfig.ts";
import { spawnController } from "../sandbox/demo/controller.ts";
import type { StartingController } from "../sandbox/demo/controller.ts";
import { installCrds, installRbac, serviceAccountKubeconfig } from "../sandbox/demo/install.ts";
import { seededRandom } from "../sandbox/faultproxy/index.ts";
import { GcpEmulatorClient } from "../sandbox/gcp-emulator/control-client.ts";
import { stateDir } from "../sandbox/launcher/paths.ts";
import { down, up } from "../sandbox/launcher/sandbox.ts";
import type { SandboxInfo } from "../sandbox/launcher/sandbox.ts";
import { Cleanup } from "./_lifecycle.ts";
import { mutationAnswers } from "./trial-kill/aim.ts";
import { TrialCloud } from "./trial-kill/cloud.ts";
import { TrialCluster } from "./trial-kill/cluster.ts";
import { TRIAL_KINDS } from "./trial-kill/kinds.ts";
import type { TrialScope } from "./trial-kill/kinds.ts";
import { killLoop } from "./trial-kill/killer.ts";
import type { KillStats } from "./trial-kill/killer.ts";
import { configureTrial, stopLeftovers } from "./trial-kill/setup.ts";
import { judge, waitConverged, waitGone } from "./trial-kill/verdict.ts";
import type { Verdict } from "./trial-kill/verdict.ts";
import { Workload } from "./trial-kill/workload.ts";

const { values } = parseArgs({
  options: {
    kills: { type: "string", default: "200" },
    seed: { type: "string" },
    // Objects of each kind kept alive while the controller is killed (six kinds).
    "per-kind": { type: "string", default: "2" },
    // Longest a controller lives after /readyz before it is killed.
    "max-up-ms": { type: "string", default: "4000" },
    "timeout-seconds": { type: "string", default: "2400" },
    "aws-region": { type: "string", default: "af-south-1" },
    "poll-interval": { type: "string", default: "5s" },
    // How long the emulator keeps this run's GCP operations RUNNING, so kills land while some are in flight.
    "operation-delay-ms": { type: "string", default: "400" },
    // Share of kills aimed at the moment just after a cloud answered a create, update or delete (bench/trial-kill/aim.ts).
    "aimed-share": { type: "string", default: "0.4" },
    // Leader election as `make sandbox` runs it: a SIGKILLed leader's Lease stays held for its 15 s,
    // so each restart idles that long. Off by default (the trial is about the reconcile, not the Lease).
    "leader-elect": { type: "boolean", default: false },
  },
});

const log = (line: string): void => console.error(`trial-kill: ${line}`);
const kills = count("kills", 0);
const perKind = count("per-kind", 1);
const seed = values.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : count("seed", 0);
const deadline = Date.now() + count("timeout-seconds", 1) * 1000;

function count(name: "kills" | "per-kind" | "seed" | "timeout-seconds" | "max-up-ms" | "operation-delay-ms", min: number): number {
  const n = Number(values[name]);
  if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be an integer of at least ${min} (got ${String(values[name])})`);
  return n;
}

function share(name: "aimed-share"): number {
  const n = Number(values[name]);
  if (!Number.isFinite(n) || n < 0 || n > 0.9) throw new Error(`--${name} must be a number from 0 to 0.9 (got ${String(values[name])})`);
  return n;
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
  const dir = join(stateDir(), "trial-kill", id);
  await stopLeftovers(join(stateDir(), "trial-kill"), log);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "trial.pid"), String(process.pid));
  const scope: TrialScope = {
    prefix: `k${id}`,
    namespace: `trial-kill-${id}`,
    awsRegion: values["aws-region"],
    awsSubnets: [],
    awsProviderConfig: "trial-aws",
    gcpProviderConfig: "trial-gcp",
  };
  const gcpProject = `trial-kill-${id}`;
  log(`seed ${seed}, namespace ${scope.namespace}, AWS region ${scope.awsRegion}, GCP project ${gcpProject}, log ${join(dir, "controller.log")}`);

  const kc = loadKubeConfig({ kubeconfig: info.kubeconfig });
  const cloud = new TrialCloud(scope, { motoEndpoint: info.motoEndpoint, gcpEmulatorEndpoint: info.gcpEmulatorEndpoint, gcpProject });
  cleanup.add("close the cloud clients", async () => cloud.close());
  const withSubnets: TrialScope = { ...scope, awsSubnets: await cloud.defaultSubnets() };
  const cluster = new TrialCluster(kc, withSubnets);
  const emulator = new GcpEmulatorClient(info.gcpEmulatorEndpoint);

  log(`CRDs: ${await installCrds(kc)} applied; RBAC: ${(await installRbac(info.kubeconfig)).length} objects`);
  const saKubeconfig = join(dir, "terraplane-sa.kubeconfig");
  await serviceAccountKubeconfig(info.kubeconfig, saKubeconfig);
  cleanup.add("delete the namespace and the GCP project", async () => {
    await kc.makeApiClient(CoreV1Api).deleteNamespace({ name: scope.namespace });
    await emulator.reset(gcpProject);
  });
  await configure(info, scope, gcpProject, emulator);

  let deletedThroughController = false;
  cleanup.add("remove the finalizers the stopped controller left", async () => {
    if (deletedThroughController) return;
    for (const kind of TRIAL_KINDS) {
      const n = await cluster.dropFinalizers(kind);
      if (n > 0) log(`removed the finalizers of ${n} ${kind.id} (their cloud resources stay in ${scope.awsRegion} / ${gcpProject})`);
    }
  });
  let current: StartingController | undefined;
  cleanup.add("stop the controller", async () => void (await current?.stop()));
  const spawn = (): Promise<StartingController> =>
    spawnController({
      kubeconfig: saKubeconfig,
      sandbox: info,
      logFile: join(dir, "controller.log"),
      pidFile: join(dir, "controller.json"),
      pollInterval: values["poll-interval"],
      extraArgs: ["--namespace", scope.namespace, ...(values["leader-elect"] ? ["--leader-election-id", `trial-kill-${id}`] : ["--no-leader-elect"])],
    });

  // The kills and the user's edits run together; the edits stop when the last kill is done.
  const random = seededRandom(seed);
  const workload = new Workload(cluster, withSubnets, seededRandom(seed ^ 0x5bd1e995), perKind);
  await workload.populate();
  log(`created ${workload.counts.creates} objects; killing the controller ${kills} times`);
  const editsStop = new AbortController();
  const editing = workload.run(AbortSignal.any([editsStop.signal, interrupted.signal]));
  const stats = await killLoop({
    kills,
    maxUpMs: count("max-up-ms", 1),
    startingShare: 0.1,
    aimedShare: share("aimed-share"),
    mutationAnswers: mutationAnswers([info.awsEndpoint, info.gcpEndpoint]),
    random,
    spawn,
    current: (c) => (current = c),
    log,
    signal: interrupted.signal,
  }).finally(() => editsStop.abort());
  await editing;
  const killSeconds = (Date.now() - t0) / 1000;
  log(`${stats.kills} kills done after ${killSeconds.toFixed(0)}s (${workload.counts.creates} creates, ${workload.counts.edits} edits, ${workload.counts.deletes} deletes); letting the last controller converge`);

  current = await spawn();
  await current.ready();
  const convergedAfter = await waitConverged(cluster, workload, { deadline, signal: interrupted.signal, log });
  const verdict = await judge(cluster, cloud, workload);
  log(`final delete of ${TRIAL_KINDS.reduce((n, k) => n + workload.live(k).length, 0)} objects`);
  for (const kind of TRIAL_KINDS) for (const name of workload.live(kind)) await cluster.delete(kind, name);
  const gone = await waitGone(cluster, { deadline, signal: interrupted.signal, log });
  deletedThroughController = gone;
  const left = await cloud.inventory();
  for (const r of left) log(`leak: ${r.kind} ${r.owner}: ${r.what}`);

  for (const n of verdict.needingPerson) log(`needs a person: ${n}`);
  const result = resultOf({ seed, stats, workload, verdict, convergedAfter, gone, leaks: left.length, seconds: Math.round((Date.now() - t0) / 1000) });
  console.log(JSON.stringify(result));
  const clean = isClean(result);
  console.error(
    `trial-kill: ${clean ? "PASS" : "FAIL"}: ${result.kills} kills (seed ${seed}), ${workload.counts.creates}/${workload.counts.edits}/${workload.counts.deletes} creates/edits/deletes, ` +
      `${result.duplicates} duplicates, ${result.leaks} leaks, ${result.needingPerson} needing a person, all Ready: ${result.allReady}, ${result.seconds}s`,
  );
  if (!clean) process.exitCode = 1;
});

interface RunFacts {
  readonly seed: number;
  readonly stats: KillStats;
  readonly workload: Workload;
  readonly verdict: Verdict;
  readonly convergedAfter: number;
  readonly gone: boolean;
  readonly leaks: number;
  readonly seconds: number;
}

/** The JSON line. */
function resultOf(f: RunFacts) {
  const { stats, verdict } = f;
  return {
    seed: f.seed,
    kills: stats.kills,
    killsWhileStarting: stats.killsWhileStarting,
    killsAimedAtMutations: stats.aimedHits,
    meanUpMsBeforeKill: stats.upMs.length ? Math.round(stats.upMs.reduce((a, b) => a + b, 0) / stats.upMs.length) : 0,
    unexpectedExits: stats.unexpectedExits.length,
    operations: f.workload.counts,
    kinds: verdict.kinds,
    duplicates: verdict.duplicates,
    strays: verdict.strays,
    missing: verdict.missing,
    needingPerson: verdict.needingPerson.length,
    allReady: verdict.allReady,
    convergeSeconds: f.convergedAfter,
    deletedAll: f.gone,
    leaks: f.leaks,
    seconds: f.seconds,
  };
}

function isClean(r: ReturnType<typeof resultOf>): boolean {
  return r.duplicates + r.strays + r.missing + r.needingPerson + r.leaks + r.unexpectedExits === 0 && r.allReady && r.deletedAll;
}

/** The run's namespace and ProviderConfigs; its GCP operations kept RUNNING a while, so kills land while some are in flight. */
async function configure(info: SandboxInfo, scope: TrialScope, gcpProject: string, emulator: GcpEmulatorClient): Promise<void> {
  await configureTrial(loadKubeConfig({ kubeconfig: info.kubeconfig }), scope, { gcpProject, label: "trial-kill" });
  await emulator.setConfig({ operationDelayMs: count("operation-delay-ms", 0) }, gcpProject);
}

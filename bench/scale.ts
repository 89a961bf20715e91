// `make bench-scale`: N test-double resources (10,000 by default) on the local control plane, the
// in-memory cloud answering every call after --cloud-latency-ms (20 ms), run twice in one
// invocation: batch observe on (polls served from one paginated listing), then off (every resource
// read by itself each poll) as the baseline. Per run: the time from the first create to all Ready,
// the API-server writes per resource from apply to Ready (counted by the API server itself,
// apiserver_request_total by verb, before and after) and per poll interval in steady state, the
// cloud's calls per poll interval in steady state (reads and writes apart, counted by the cloud),
// and the controller's peak RSS. A benchmark, not a test: one JSON line on stdout, a one-line
// summary and progress on stderr. Whatever happens it stops its controllers and removes what it made.
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { setTimeout as sleep } from "node:timers/promises";
import { CoreV1Api, CustomObjectsApi } from "@kubernetes/client-node";
import type { KubeConfig } from "@kubernetes/client-node";
import { z } from "zod";
import { toYaml } from "../core/crd/generate.ts";
import { loadKubeConfig } from "../core/kube/kubeconfig.ts";
import { controllerNodeFlags } from "../sandbox/launcher/controller-entry.ts";
import { repoRoot } from "../sandbox/launcher/paths.ts";
import { doubleProvider } from "../test/doubles/double-provider.ts";
import { positiveArg, sandboxForRun } from "./_common.ts";
import { Cleanup, startChild } from "./_lifecycle.ts";
import type { Child } from "./_lifecycle.ts";
import { ReadyWatch, createThings, dropFinalizers, heapUsedMiB, reconcileCount, rssMiB, run, sumSamples, waitReadyz } from "./_things.ts";
import type { Where } from "./_things.ts";

const { values } = parseArgs({
  options: {
    count: { type: "string", default: "10000" },
    concurrency: { type: "string", default: "50" },
    "poll-seconds": { type: "string", default: "60" },
    "cloud-latency-ms": { type: "string", default: "20" },
    "list-page-size": { type: "string", default: "100" },
    // Creates the benchmark keeps in flight against the API server.
    "create-parallelism": { type: "string", default: "20" },
    // After all Ready, how long before the steady state is measured (the last post-create reads
    // finish within one poll interval), and for how long; 0 (the default): one poll interval.
    "settle-seconds": { type: "string", default: "0" },
    "steady-seconds": { type: "string", default: "0" },
    // Which runs, in order: "batch,per-resource" (default), or one of them.
    modes: { type: "string", default: "batch,per-resource" },
    // Extra node flags for the controller, space-separated, after the ones it ships with
    // (cli/controller-node-flags): "--cpu-prof --cpu-prof-dir=/tmp/prof", "--max-semi-space-size=16".
    "controller-node-args": { type: "string", default: "" },
    // The controller as it ships, bundled (scripts/controller-bundle.sh), or its TypeScript source.
    "controller-from": { type: "string", default: "bundle" },
    "timeout-seconds": { type: "string", default: "1800" },
  },
});
const count = positive("count");
const pollSeconds = positive("poll-seconds");
const settleSeconds = values["settle-seconds"] === "0" ? pollSeconds : positive("settle-seconds");
const steadySeconds = values["steady-seconds"] === "0" ? pollSeconds : positive("steady-seconds");
const modes = parseModes(values.modes);
const log = (line: string): void => console.error(`bench-scale: ${line}`);
const Ready = z.object({ ready: z.literal(true), metrics: z.string().url() });

function positive(name: keyof typeof values): number {
  return positiveArg(values, name);
}

type Mode = "batch" | "per-resource";

function parseModes(text: string): Mode[] {
  const list = text.split(",").map((m) => m.trim());
  const bad = list.filter((m) => m !== "batch" && m !== "per-resource");
  if (bad.length > 0 || list.length === 0) throw new Error(`--modes takes batch and/or per-resource (got ${text})`);
  return list.filter((m): m is Mode => m === "batch" || m === "per-resource");
}

/** The cloud's operations that only read. */
const READS: ReadonlySet<string> = new Set(["get", "list"]);
/** The API server's verbs that write (apiserver_request_total's verb label). */
const WRITE_VERBS: ReadonlySet<string> = new Set(["POST", "PUT", "PATCH", "APPLY", "DELETE", "DELETECOLLECTION"]);

interface RunResult {
  readonly batchObserve: boolean;
  readonly createSeconds: number;
  readonly applyToAllReadySeconds: number;
  readonly reconcilesPerSecondConverging: number;
  /** The controller's writes (the benchmark's own creates left out), per resource, from the first create to all Ready. */
  readonly apiWritesPerResource: number;
  readonly apiWritesPerResourceByTarget: Record<string, number>;
  readonly steadyApiWritesPerResourcePerPoll: number;
  readonly cloudCallsConverging: Record<string, number>;
  readonly steadyCloudCallsPerPoll: Record<string, number>;
  readonly steadyCloudReadsPerPoll: number;
  readonly steadyCloudWritesPerPoll: number;
  readonly controllerPeakRssMiB: number;
  readonly controllerRssMiB: number;
  readonly controllerHeapUsedMiB: number;
}

const cleanup = new Cleanup(log);
await cleanup.run(async () => {
  const info = await sandboxForRun(cleanup, log);
  const kc = loadKubeConfig({ kubeconfig: info.kubeconfig });
  const id = Date.now().toString(36);
  const group = `scale${id}.test.terraplane.dev`;
  const kubectl = (args: readonly string[], input?: string): Promise<string> => run("kubectl", ["--kubeconfig", info.kubeconfig, ...args], input);
  log(`group ${group}, ${count} things per run (${modes.join(", ")}), cloud latency ${values["cloud-latency-ms"]} ms, poll ${pollSeconds}s`);

  const { crds } = doubleProvider(group);
  cleanup.add("delete the CRDs", async () => {
    for (const crd of crds) await kubectl(["delete", "crd", crd.metadata.name, "--wait=false", "--ignore-not-found"]);
  });
  await kubectl(["apply", "-f", "-"], toYaml(crds));
  for (const crd of crds) await kubectl(["wait", "--for=condition=Established", `crd/${crd.metadata.name}`, "--timeout=60s"]);

  const results: Partial<Record<Mode, RunResult>> = {};
  for (const mode of modes) {
    const where = { group, namespace: `scale-${id}-${mode}`, plural: "things" };
    const result = await runOnce({ kc, kubeconfig: info.kubeconfig, kubectl }, where, mode === "batch");
    // On stderr at once: a later run that fails leaves this one's numbers behind.
    log(`${mode}: ${JSON.stringify(result)}`);
    results[mode] = result;
  }

  const batch = results.batch;
  const single = results["per-resource"];
  const config = { resources: count, pollSeconds, cloudLatencyMs: Number(values["cloud-latency-ms"]), listPageSize: Number(values["list-page-size"]), concurrency: Number(values.concurrency), settleSeconds, steadySeconds };
  console.log(JSON.stringify({ ...config, ...(batch ? { batch } : {}), ...(single ? { perResource: single } : {}) }));
  const line = (name: string, r: RunResult): string =>
    `${name}: Ready in ${r.applyToAllReadySeconds}s, ${r.apiWritesPerResource} API writes/resource, ${r.steadyCloudReadsPerPoll} cloud reads and ${r.steadyCloudWritesPerPoll} writes per poll, peak RSS ${r.controllerPeakRssMiB} MiB`;
  log(`summary: ${count} things; ${[batch ? line("batch on", batch) : "", single ? line("batch off", single) : ""].filter(Boolean).join("; ")}`);
});

interface Cluster {
  readonly kc: KubeConfig;
  readonly kubeconfig: string;
  readonly kubectl: (args: readonly string[], input?: string) => Promise<string>;
}

/** One run: its own namespace, ProviderConfig setting and controller process; everything removed after. */
async function runOnce({ kc, kubeconfig, kubectl }: Cluster, where: Where, batchObserve: boolean): Promise<RunResult> {
  const custom = kc.makeApiClient(CustomObjectsApi);
  const name = batchObserve ? "batch on" : "batch off";
  const say = (line: string): void => log(`${name}: ${line}`);
  await kubectl(
    ["apply", "-f", "-"],
    JSON.stringify({ apiVersion: `${where.group}/v1alpha1`, kind: "ClusterProviderConfig", metadata: { name: "default" }, spec: { cloud: "memory", batchObserve } }),
  );
  await kc.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: where.namespace } } });
  const steps = new Cleanup(say);
  steps.add("delete the namespace", async () => void (await kubectl(["delete", "namespace", where.namespace, "--wait=true", "--timeout=600s", "--ignore-not-found"])));
  steps.add("remove the finalizers the stopped controller left", () => dropFinalizers(custom, where, say));
  const readiness = new ReadyWatch(kc, where);
  steps.add("stop watching", () => readiness.stop());
  try {
    const controller = await startController(kubeconfig, where);
    steps.add(`stop the controller (pid ${controller.pid})`, () => controller.stop());
    say(`controller pid ${controller.pid}, metrics at ${controller.ready.metrics}`);
    await waitReadyz(controller.ready.metrics, controller);
    await readiness.start();
    return await measure({ kubectl, custom, controller, readiness, where, say, batchObserve });
  } finally {
    say("cleaning up");
    await steps.runSteps();
  }
}

interface Measuring {
  readonly kubectl: (args: readonly string[]) => Promise<string>;
  readonly custom: CustomObjectsApi;
  readonly controller: Child<z.infer<typeof Ready>>;
  readonly readiness: ReadyWatch;
  readonly where: Where;
  readonly say: (line: string) => void;
  readonly batchObserve: boolean;
}

async function measure(m: Measuring): Promise<RunResult> {
  const url = m.controller.ready.metrics;
  const w0 = await apiWrites(m.kubectl, m.where.group);
  const c0 = await cloudCalls(url);
  const r0 = await reconcileCount(url);
  const t0 = performance.now();
  await createThings(m.custom, m.where, count, positive("create-parallelism"));
  const created = performance.now();
  m.say(`created ${count} in ${((created - t0) / 1000).toFixed(1)}s`);
  const deadline = Date.now() + positive("timeout-seconds") * 1000;
  for (let ready = m.readiness.ready; ready < count; ready = m.readiness.ready) {
    if (!m.controller.alive()) throw new Error(`the controller exited (${await m.controller.exited}) with ${ready}/${count} Ready`);
    if (Date.now() > deadline) throw new Error(`only ${ready}/${count} Ready after --timeout-seconds ${values["timeout-seconds"]}`);
    m.say(`${ready}/${count} Ready`);
    await m.readiness.allReadyOr(count, count <= 100 ? 250 : 2_000);
  }
  const t1 = performance.now();
  const convergeSeconds = (t1 - t0) / 1000;
  const [w1, c1, r1] = [await apiWrites(m.kubectl, m.where.group), await cloudCalls(url), await reconcileCount(url)];
  m.say(`all ${count} Ready after ${convergeSeconds.toFixed(1)}s; settling ${settleSeconds}s, then measuring the steady state for ${steadySeconds}s`);

  await sleep(settleSeconds * 1000);
  const [w2, c2] = [await apiWrites(m.kubectl, m.where.group), await cloudCalls(url)];
  await sleep(steadySeconds * 1000);
  const [w3, c3] = [await apiWrites(m.kubectl, m.where.group), await cloudCalls(url)];
  if (m.readiness.ready < count) throw new Error(`only ${m.readiness.ready}/${count} Ready at the end of the steady state`);

  const perPoll = pollSeconds / steadySeconds;
  const steady = mapValues(difference(c3, c2), (n) => round(n * perPoll));
  const converging = difference(w1, w0);
  // The benchmark's own creates are not the controller's writes.
  converging["things create"] = (converging["things create"] ?? 0) - count;
  const steadyWrites = difference(w3, w2);
  return {
    batchObserve: m.batchObserve,
    createSeconds: round((created - t0) / 1000),
    applyToAllReadySeconds: round(convergeSeconds),
    reconcilesPerSecondConverging: round((r1 - r0) / convergeSeconds),
    apiWritesPerResource: round(total(converging) / count, 2),
    apiWritesPerResourceByTarget: mapValues(nonZero(converging), (n) => round(n / count, 2)),
    steadyApiWritesPerResourcePerPoll: round((total(steadyWrites) * perPoll) / count, 2),
    cloudCallsConverging: nonZero(difference(c1, c0)),
    steadyCloudCallsPerPoll: nonZero(steady),
    steadyCloudReadsPerPoll: round(total(pick(steady, (op) => READS.has(op)))),
    steadyCloudWritesPerPoll: round(total(pick(steady, (op) => !READS.has(op)))),
    controllerPeakRssMiB: rssMiB(m.controller.pid, "VmHWM"),
    controllerRssMiB: rssMiB(m.controller.pid, "VmRSS"),
    controllerHeapUsedMiB: await heapUsedMiB(url),
  };
}

/** bench/core-controller.ts, bundled as `terraplane run` is (docs/adr/0017) unless --controller-from source. */
function controllerScript(): string {
  const from = values["controller-from"];
  if (from === "source") return join(repoRoot, "bench", "core-controller.ts");
  if (from !== "bundle") throw new Error(`--controller-from takes bundle or source (got ${from})`);
  return execFileSync(join(repoRoot, "scripts", "controller-bundle.sh"), ["bench/core-controller.ts"], { cwd: repoRoot, encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] }).trim();
}

function startController(kubeconfig: string, where: Where): Promise<Child<z.infer<typeof Ready>>> {
  const script = controllerScript();
  return startChild({
    command: process.execPath,
    args: [
      ...controllerNodeFlags(),
      ...values["controller-node-args"].split(" ").filter(Boolean),
      "--disable-warning=ExperimentalWarning",
      script,
      "--kubeconfig",
      kubeconfig,
      "--group",
      where.group,
      "--namespace",
      where.namespace,
      "--concurrency",
      values.concurrency,
      "--poll-seconds",
      values["poll-seconds"],
      "--cloud-latency-ms",
      values["cloud-latency-ms"],
      "--list-page-size",
      values["list-page-size"],
    ],
    parseReady: (line) => Ready.parse(JSON.parse(line)),
  });
}

/**
 * The API server's write requests so far, by "<resource>[/<subresource>] <verb>", for the group's
 * resources and for Events (whoever wrote them: the benchmark's sandbox runs nothing else that does).
 */
async function apiWrites(kubectl: (args: readonly string[]) => Promise<string>, group: string): Promise<Record<string, number>> {
  const text = await kubectl(["get", "--raw", "/metrics"]);
  const counts: Record<string, number> = {};
  for (const line of text.split("\n")) {
    if (!line.startsWith("apiserver_request_total{")) continue;
    const labels = new Map([...line.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1] ?? "", m[2] ?? ""]));
    const verb = labels.get("verb") ?? "";
    if (!WRITE_VERBS.has(verb)) continue;
    const resource = labels.get("resource") ?? "";
    const ours = labels.get("group") === group || (labels.get("group") === "" && resource === "events");
    if (!ours) continue;
    const subresource = labels.get("subresource") ?? "";
    const target = `${resource}${subresource ? `/${subresource}` : ""} ${verbName(verb)}`;
    counts[target] = (counts[target] ?? 0) + Number(line.split(" ").pop());
  }
  return counts;
}

function verbName(verb: string): string {
  return verb === "POST" ? "create" : verb.toLowerCase();
}

/** The in-memory cloud's calls so far, by operation, from the controller's /metrics. */
async function cloudCalls(url: string): Promise<Record<string, number>> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const counts: Record<string, number> = {};
  for (const operation of ["get", "list", "create", "update", "delete"]) counts[operation] = sumSamples(text, `terraplane_bench_cloud_calls_total{operation="${operation}"}`);
  return counts;
}

function difference(after: Record<string, number>, before: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const key of new Set([...Object.keys(after), ...Object.keys(before)])) out[key] = (after[key] ?? 0) - (before[key] ?? 0);
  return out;
}

function mapValues(record: Record<string, number>, f: (n: number) => number): Record<string, number> {
  return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, f(v)]));
}

function nonZero(record: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(record).filter(([, v]) => v !== 0));
}

function pick(record: Record<string, number>, keep: (key: string) => boolean): Record<string, number> {
  return Object.fromEntries(Object.entries(record).filter(([k]) => keep(k)));
}

function total(record: Record<string, number>): number {
  return Object.values(record).reduce((a, b) => a + b, 0);
}

function round(n: number, digits = 1): number {
  return Number(n.toFixed(digits));
}

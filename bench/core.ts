// `make bench-core`: N test-double resources on the local control plane. Measures the time from
// the first create to all Ready, reconciles per second while converging, the controller's peak RSS,
// and steady-state reconciles per minute. A benchmark, not a test: it prints numbers (one JSON object
// on stdout; progress on stderr). Whatever happens — success, an error, Ctrl-C, SIGTERM — it stops
// the controller it started and removes what it created; if it is SIGKILLed, the controller notices
// its stdin closing and stops itself.
import { join } from "node:path";
import { parseArgs } from "node:util";
import { setTimeout as sleep } from "node:timers/promises";
import { CoreV1Api, CustomObjectsApi } from "@kubernetes/client-node";
import { z } from "zod";
import { toYaml } from "../core/crd/generate.ts";
import { loadKubeConfig } from "../core/kube/kubeconfig.ts";
import { repoRoot } from "../sandbox/launcher/paths.ts";
import { doubleProvider } from "../test/doubles/double-provider.ts";
import { positiveArg, sandboxForRun } from "./_common.ts";
import { Cleanup, startChild } from "./_lifecycle.ts";
import type { Child } from "./_lifecycle.ts";
import { createThings, dropFinalizers, heapUsedMiB, readyCount, reconcileCount, rssMiB, run, waitReadyz } from "./_things.ts";

const { values } = parseArgs({
  options: {
    count: { type: "string", default: "2000" },
    concurrency: { type: "string", default: "10" },
    "steady-seconds": { type: "string", default: "120" },
    "poll-seconds": { type: "string", default: "60" },
    // Caps the controller's V8 old space as deploy/ does (768); 0 leaves Node's default (a quarter of RAM).
    "controller-heap-mb": { type: "string", default: "0" },
    // A run that has not converged by then fails instead of waiting forever.
    "timeout-seconds": { type: "string", default: "1800" },
  },
});
const count = positive("count");
const steadySeconds = positive("steady-seconds");
const log = (line: string): void => console.error(`bench-core: ${line}`);
const Ready = z.object({ ready: z.literal(true), metrics: z.string().url() });
function positive(name: keyof typeof values): number {
  return positiveArg(values, name);
}

const cleanup = new Cleanup(log);
await cleanup.run(async () => {
  const info = await sandboxForRun(cleanup, log);
  const kc = loadKubeConfig({ kubeconfig: info.kubeconfig });
  const custom = kc.makeApiClient(CustomObjectsApi);
  const core = kc.makeApiClient(CoreV1Api);
  const id = Date.now().toString(36);
  const group = `bench${id}.test.terraplane.dev`;
  const namespace = `bench-${id}`;
  const plural = "things";
  log(`group ${group}, namespace ${namespace}`);
  const kubectl = (args: readonly string[], input?: string): Promise<string> => run("kubectl", ["--kubeconfig", info.kubeconfig, ...args], input);

  const { crds } = doubleProvider(group);
  cleanup.add("delete the CRDs", async () => {
    for (const crd of crds) await kubectl(["delete", "crd", crd.metadata.name, "--wait=false", "--ignore-not-found"]);
  });
  await kubectl(["apply", "-f", "-"], toYaml(crds));
  for (const crd of crds) await kubectl(["wait", "--for=condition=Established", `crd/${crd.metadata.name}`, "--timeout=60s"]);
  cleanup.add("delete the namespace", async () => void (await kubectl(["delete", "namespace", namespace, "--wait=false", "--ignore-not-found"])));
  await core.createNamespace({ body: { metadata: { name: namespace } } });
  await kubectl(["apply", "-f", "-"], JSON.stringify({ apiVersion: `${group}/v1alpha1`, kind: "ClusterProviderConfig", metadata: { name: "default" }, spec: { cloud: "memory" } }));

  // Added before the controller, so it runs after the controller is stopped: without a controller
  // nobody else would ever remove the finalizers, and the namespace and CRDs would stay Terminating.
  let deletedThroughController = false;
  cleanup.add("remove the finalizers the stopped controller left", async () => {
    if (!deletedThroughController) await dropFinalizers(custom, { group, namespace, plural }, log);
  });
  const controller = cleanup.child("the controller", await startController(info.kubeconfig, group, namespace));
  log(`controller pid ${controller.pid}, metrics at ${controller.ready.metrics}`);
  const metricsUrl = controller.ready.metrics;
  await waitReadyz(metricsUrl, controller);

  const t0 = performance.now();
  const r0 = await reconcileCount(metricsUrl);
  await createThings(custom, { group, namespace, plural }, count);
  const created = performance.now();
  log(`created ${count} in ${((created - t0) / 1000).toFixed(1)}s`);
  const deadline = Date.now() + positive("timeout-seconds") * 1000;
  for (let ready = await readyCount(custom, { group, namespace, plural }); ready < count; ready = await readyCount(custom, { group, namespace, plural })) {
    if (!controller.alive()) throw new Error(`the controller exited (${await controller.exited}) with ${ready}/${count} Ready`);
    if (Date.now() > deadline) throw new Error(`only ${ready}/${count} Ready after --timeout-seconds ${values["timeout-seconds"]}`);
    log(`${ready}/${count} Ready`);
    await sleep(count <= 100 ? 250 : 2_000);
  }
  const t1 = performance.now();
  const r1 = await reconcileCount(metricsUrl);
  const convergeSeconds = (t1 - t0) / 1000;
  log(`all ${count} Ready after ${convergeSeconds.toFixed(1)}s; measuring steady state for ${steadySeconds}s`);

  const s0 = await reconcileCount(metricsUrl);
  await sleep(steadySeconds * 1000);
  const s1 = await reconcileCount(metricsUrl);

  const result = {
    resources: count,
    createSeconds: Number(((created - t0) / 1000).toFixed(1)),
    applyToAllReadySeconds: Number(convergeSeconds.toFixed(1)),
    reconcilesPerSecondConverging: Number(((r1 - r0) / convergeSeconds).toFixed(1)),
    steadyReconcilesPerMinute: Math.round(((s1 - s0) / steadySeconds) * 60),
    controllerPeakRssMiB: rssMiB(controller.pid, "VmHWM"),
    controllerRssMiB: rssMiB(controller.pid, "VmRSS"),
    controllerHeapUsedMiB: await heapUsedMiB(metricsUrl),
    controllerHeapCapMiB: Number(values["controller-heap-mb"]) || "node default",
    pollSeconds: Number(values["poll-seconds"]),
    concurrency: Number(values.concurrency),
    controllerPid: controller.pid,
  };
  console.log(JSON.stringify(result, null, 2));

  log("cleaning up (deleting through the controller)");
  await kubectl(["delete", `${plural}.${group}`, "--all", "-n", namespace, "--wait=true", "--timeout=600s"]);
  deletedThroughController = true;
});

function startController(kubeconfig: string, group: string, namespace: string): Promise<Child<z.infer<typeof Ready>>> {
  const mb = Number(values["controller-heap-mb"]);
  const heap = mb > 0 ? [`--max-old-space-size=${mb}`] : [];
  const script = join(repoRoot, "bench", "core-controller.ts");
  return startChild({
    command: process.execPath,
    args: [...heap, "--disable-warning=ExperimentalWarning", script, "--kubeconfig", kubeconfig, "--group", group, "--namespace", namespace, "--concurrency", values.concurrency, "--poll-seconds", values["poll-seconds"]],
    parseReady: (line) => Ready.parse(JSON.parse(line)),
  });
}

// `make bench-core`: N test-double resources on the local control plane. Measures the time from
// the first create to all Ready, reconciles per second while converging, the controller's peak RSS,
// and steady-state reconciles per minute. A benchmark, not a test: it prints numbers.
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { setTimeout as sleep } from "node:timers/promises";
import { CoreV1Api, CustomObjectsApi, KubeConfig } from "@kubernetes/client-node";
import { toYaml } from "../core/crd/generate.ts";
import { repoRoot } from "../sandbox/launcher/paths.ts";
import { down, up } from "../sandbox/launcher/sandbox.ts";
import { doubleProvider } from "../test/doubles/double-provider.ts";
import { execFileSync } from "node:child_process";

const { values } = parseArgs({
  options: {
    count: { type: "string", default: "2000" },
    concurrency: { type: "string", default: "10" },
    "steady-seconds": { type: "string", default: "120" },
    "poll-seconds": { type: "string", default: "60" },
    // Caps the controller's V8 old space as deploy/ does (768); 0 leaves Node's default (a quarter of RAM).
    "controller-heap-mb": { type: "string", default: "0" },
  },
});
const count = Number(values.count);
const log = (line: string): void => console.error(`bench-core: ${line}`);

const { info, started } = await up(log);
const kc = new KubeConfig();
kc.loadFromFile(info.kubeconfig);
const custom = kc.makeApiClient(CustomObjectsApi);
const core = kc.makeApiClient(CoreV1Api);
const group = `bench${Date.now().toString(36)}.test.terraplane.dev`;
const namespace = `bench-${Date.now().toString(36)}`;
const kubectl = (args: string[], input?: string): string =>
  execFileSync("kubectl", ["--kubeconfig", info.kubeconfig, ...args], { input, encoding: "utf8", maxBuffer: 64 << 20 });

const { crds } = doubleProvider(group);
kubectl(["apply", "-f", "-"], toYaml(crds));
for (const crd of crds) kubectl(["wait", "--for=condition=Established", `crd/${crd.metadata.name}`, "--timeout=60s"]);
await core.createNamespace({ body: { metadata: { name: namespace } } });
kubectl(["apply", "-f", "-"], JSON.stringify({ apiVersion: `${group}/v1alpha1`, kind: "ClusterProviderConfig", metadata: { name: "default" }, spec: { cloud: "memory" } }));

const controller = spawn(
  process.execPath,
  [...heapFlags(), "--disable-warning=ExperimentalWarning", join(repoRoot, "bench", "core-controller.ts"), "--kubeconfig", info.kubeconfig, "--group", group, "--namespace", namespace, "--concurrency", values.concurrency, "--poll-seconds", values["poll-seconds"]],
  { stdio: ["ignore", "pipe", "inherit"] },
);
const metricsUrl = await new Promise<string>((resolveUrl, reject) => {
  controller.once("exit", (code) => reject(new Error(`controller exited (${code})`)));
  createInterface({ input: controller.stdout }).once("line", (line) => resolveUrl((JSON.parse(line) as { metrics: string }).metrics));
});
const pid = controller.pid ?? 0;

async function reconcileCount(): Promise<number> {
  const text = await (await fetch(`${metricsUrl}/metrics`)).text();
  return text
    .split("\n")
    .filter((l) => l.startsWith("terraplane_reconciles_total{"))
    .reduce((sum, l) => sum + Number(l.split(" ").pop()), 0);
}

function heapFlags(): string[] {
  const mb = Number(values["controller-heap-mb"]);
  return mb > 0 ? [`--max-old-space-size=${mb}`] : [];
}

/** The controller's V8 heap in use (live objects plus garbage not yet collected), from its /metrics. */
async function heapUsedMiB(): Promise<number> {
  const text = await (await fetch(`${metricsUrl}/metrics`)).text();
  const line = text.split("\n").find((l) => l.startsWith("nodejs_heap_size_used_bytes "));
  return Math.round(Number(line?.split(" ").pop() ?? 0) / 2 ** 20);
}

function rssMiB(field: "VmHWM" | "VmRSS"): number {
  const line = readFileSync(`/proc/${pid}/status`, "utf8").split("\n").find((l) => l.startsWith(field)) ?? "0";
  return Math.round(Number(line.replace(/\D+/g, "")) / 1024);
}

async function readyCount(): Promise<number> {
  const list = (await custom.listNamespacedCustomObject({ group, version: "v1alpha1", namespace, plural: "things" })) as {
    items: { status?: { conditions?: { type: string; status: string }[] } }[];
  };
  return list.items.filter((i) => i.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True")).length;
}

const t0 = performance.now();
const r0 = await reconcileCount();
let next = 0;
await Promise.all(
  Array.from({ length: 20 }, async () => {
    while (next < count) {
      const i = next++;
      await custom.createNamespacedCustomObject({
        group,
        version: "v1alpha1",
        namespace,
        plural: "things",
        body: { apiVersion: `${group}/v1alpha1`, kind: "Thing", metadata: { name: `t-${i}` }, spec: { forProvider: { region: "eu", size: 1 + (i % 100) } } },
      });
    }
  }),
);
const created = performance.now();
log(`created ${count} in ${((created - t0) / 1000).toFixed(1)}s`);
for (let ready = await readyCount(); ready < count; ready = await readyCount()) {
  log(`${ready}/${count} Ready`);
  await sleep(2_000);
}
const t1 = performance.now();
const r1 = await reconcileCount();
const convergeSeconds = (t1 - t0) / 1000;
log(`all ${count} Ready after ${convergeSeconds.toFixed(1)}s; measuring steady state for ${values["steady-seconds"]}s`);

const s0 = await reconcileCount();
await sleep(Number(values["steady-seconds"]) * 1000);
const s1 = await reconcileCount();

const result = {
  resources: count,
  createSeconds: Number(((created - t0) / 1000).toFixed(1)),
  applyToAllReadySeconds: Number(convergeSeconds.toFixed(1)),
  reconcilesPerSecondConverging: Number(((r1 - r0) / convergeSeconds).toFixed(1)),
  steadyReconcilesPerMinute: Math.round(((s1 - s0) / Number(values["steady-seconds"])) * 60),
  controllerPeakRssMiB: rssMiB("VmHWM"),
  controllerRssMiB: rssMiB("VmRSS"),
  controllerHeapUsedMiB: await heapUsedMiB(),
  controllerHeapCapMiB: Number(values["controller-heap-mb"]) || "node default",
  pollSeconds: Number(values["poll-seconds"]),
  concurrency: Number(values.concurrency),
};
console.log(JSON.stringify(result, null, 2));

log("cleaning up (deleting through the controller)");
kubectl(["delete", "things." + group, "--all", "-n", namespace, "--wait=true", "--timeout=600s"]);
controller.kill("SIGTERM");
kubectl(["delete", "namespace", namespace, "--wait=false"]);
for (const crd of crds) kubectl(["delete", "crd", crd.metadata.name, "--wait=false"]);
if (process.env.TERRAPLANE_KEEP_SANDBOX !== "1") await down(started, log);

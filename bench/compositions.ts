// `make bench-compositions`: N instances of a three-resource composition (a → b → c, each reading
// the one before it) over the test-double provider, on the local control plane. Measures the time
// from the first create to every instance Ready, the composition controller's writes per instance
// (applies of composed resources, status writes, all), and the controller's RSS. Prints one JSON
// line. A benchmark, not a test; test/bench-compositions.test.ts runs its smoke form (tiny N).
import { execFileSync, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { setTimeout as sleep } from "node:timers/promises";
import { parseArgs } from "node:util";
import { CoreV1Api, CustomObjectsApi, KubeConfig } from "@kubernetes/client-node";
import { z } from "zod";
import { toYaml } from "../core/crd/generate.ts";
import { compositionCrds } from "../compositions/crds.ts";
import { repoRoot } from "../sandbox/launcher/paths.ts";
import { down, up } from "../sandbox/launcher/sandbox.ts";
import { doubleProvider } from "../test/doubles/double-provider.ts";

const { values } = parseArgs({
  options: {
    count: { type: "string", default: "500" },
    concurrency: { type: "string", default: "10" },
    "poll-seconds": { type: "string", default: "60" },
    "timeout-seconds": { type: "string", default: "900" },
  },
});
const count = Number(values.count);
const log = (line: string): void => console.error(`bench-compositions: ${line}`);

const { info, started } = await up(log);
const kc = new KubeConfig();
kc.loadFromFile(info.kubeconfig);
const custom = kc.makeApiClient(CustomObjectsApi);
const core = kc.makeApiClient(CoreV1Api);
const id = Date.now().toString(36);
const group = `benchc${id}.test.terraplane.dev`;
const stackGroup = `stacks${id}.bench.example.org`;
const namespace = `benchc-${id}`;
const kubectl = (args: string[], input?: string): string => execFileSync("kubectl", ["--kubeconfig", info.kubeconfig, ...args], { input, encoding: "utf8", maxBuffer: 64 << 20 });

const { crds } = doubleProvider(group);
kubectl(["apply", "--server-side", "--force-conflicts", "--field-manager=bench", "-f", "-"], toYaml([...crds, ...compositionCrds()]));
for (const crd of [...crds, ...compositionCrds()]) kubectl(["wait", "--for=condition=Established", `crd/${crd.metadata.name}`, "--timeout=60s"]);
await core.createNamespace({ body: { metadata: { name: namespace } } });
kubectl(["apply", "-f", "-"], JSON.stringify({ apiVersion: `${group}/v1alpha1`, kind: "ClusterProviderConfig", metadata: { name: "default" }, spec: { cloud: "memory" } }));

const thing = (id: string, tags: Record<string, string>): Record<string, unknown> => ({
  id,
  template: { apiVersion: `${group}/v1alpha1`, kind: "Thing", metadata: { name: `\${metadata.name}-${id}` }, spec: { forProvider: { region: "eu", size: "${spec.size}", tags } } },
});
kubectl(["apply", "-f", "-"], JSON.stringify({
  apiVersion: "compose.terraplane.dev/v1alpha1",
  kind: "CompositeDefinition",
  metadata: { name: `stacks.${stackGroup}` },
  spec: {
    group: stackGroup,
    names: { kind: "Stack", plural: "stacks" },
    version: "v1alpha1",
    compositionSelection: { defaultCompositionRef: { name: `stack-${id}` } },
    schema: { spec: { type: "object", properties: { size: { type: "integer", minimum: 1, maximum: 100, default: 1 } } }, status: { type: "object", properties: { last: { type: "string" } } } },
  },
}));
kubectl(["apply", "-f", "-"], JSON.stringify({
  apiVersion: "compose.terraplane.dev/v1alpha1",
  kind: "Composition",
  metadata: { name: `stack-${id}` },
  spec: {
    compositeTypeRef: { apiVersion: `${stackGroup}/v1alpha1`, kind: "Stack" },
    resources: [thing("a", { role: "first" }), thing("b", { after: "${a.status.atProvider.id}" }), thing("c", { after: "${b.status.atProvider.id}" })],
    status: { last: "${c.status.atProvider.id}" },
  },
}));

const controller = spawn(
  process.execPath,
  ["--disable-warning=ExperimentalWarning", join(repoRoot, "bench", "compositions-controller.ts"), "--kubeconfig", info.kubeconfig, "--group", group, "--namespace", namespace, "--concurrency", values.concurrency, "--poll-seconds", values["poll-seconds"]],
  { stdio: ["ignore", "pipe", "inherit"] },
);
const metricsUrl = await new Promise<string>((resolveUrl, reject) => {
  controller.once("exit", (code) => reject(new Error(`controller exited (${code})`)));
  createInterface({ input: controller.stdout }).once("line", (line) => resolveUrl(z.object({ metrics: z.string() }).parse(JSON.parse(line)).metrics));
});
const pid = controller.pid ?? 0;
kubectl(["wait", "--for=condition=Established", `crd/stacks.${stackGroup}`, "--timeout=60s"]);

/** The composition controller's writes, by verb, from its /metrics. */
async function writes(): Promise<Record<string, number>> {
  const text = await (await fetch(`${metricsUrl}/metrics`)).text();
  const out: Record<string, number> = {};
  for (const line of text.split("\n").filter((l) => l.startsWith("terraplane_composition_writes_total{"))) {
    const verb = /verb="(\w+)"/.exec(line)?.[1] ?? "?";
    const kind = /kind="(\w+)"/.exec(line)?.[1] ?? "?";
    out[`${kind} ${verb}`] = (out[`${kind} ${verb}`] ?? 0) + Number(line.split(" ").pop());
  }
  return out;
}

function rssMiB(field: "VmHWM" | "VmRSS"): number {
  const line = readFileSync(`/proc/${pid}/status`, "utf8").split("\n").find((l) => l.startsWith(field)) ?? "0";
  return Math.round(Number(line.replace(/\D+/g, "")) / 1024);
}

const Listed = z.object({ items: z.array(z.object({ status: z.looseObject({ conditions: z.array(z.looseObject({ type: z.string(), status: z.string() })).optional() }).optional() })) });
async function readyCount(): Promise<number> {
  const list = Listed.parse(await custom.listNamespacedCustomObject({ group: stackGroup, version: "v1alpha1", namespace, plural: "stacks" }));
  return list.items.filter((i) => i.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True")).length;
}

const w0 = await writes();
const t0 = performance.now();
let next = 0;
await Promise.all(
  Array.from({ length: 20 }, async () => {
    while (next < count) {
      const i = next++;
      await custom.createNamespacedCustomObject({ group: stackGroup, version: "v1alpha1", namespace, plural: "stacks", body: { apiVersion: `${stackGroup}/v1alpha1`, kind: "Stack", metadata: { name: `s-${i}` }, spec: { size: 1 + (i % 100) } } });
    }
  }),
);
const created = performance.now();
log(`created ${count} in ${((created - t0) / 1000).toFixed(1)}s`);
const deadline = t0 + Number(values["timeout-seconds"]) * 1000;
for (let ready = await readyCount(); ready < count; ready = await readyCount()) {
  if (performance.now() > deadline) throw new Error(`only ${ready}/${count} Ready after ${values["timeout-seconds"]}s`);
  log(`${ready}/${count} Ready`);
  await sleep(count > 20 ? 2_000 : 250);
}
const t1 = performance.now();
const w1 = await writes();
const delta = (key: string): number => (w1[key] ?? 0) - (w0[key] ?? 0);
const all = Object.keys(w1).reduce((sum, k) => sum + delta(k), 0);

const result = {
  instances: count,
  composedPerInstance: 3,
  createSeconds: Number(((created - t0) / 1000).toFixed(1)),
  applyToAllReadySeconds: Number(((t1 - t0) / 1000).toFixed(1)),
  appliesPerInstance: Number((delta("Thing apply") / count).toFixed(2)),
  statusWritesPerInstance: Number((delta("Stack status") / count).toFixed(2)),
  writesPerInstance: Number((all / count).toFixed(2)),
  controllerPeakRssMiB: rssMiB("VmHWM"),
  controllerRssMiB: rssMiB("VmRSS"),
  concurrency: Number(values.concurrency),
};
console.log(JSON.stringify(result));

log("cleaning up (deleting through the controller)");
kubectl(["delete", `stacks.${stackGroup}`, "--all", "-n", namespace, "--wait=true", "--timeout=600s"]);
controller.kill("SIGTERM");
kubectl(["delete", "composition", `stack-${id}`, "--wait=false"]);
kubectl(["delete", "compositedefinition", `stacks.${stackGroup}`, "--wait=false"]);
kubectl(["delete", "namespace", namespace, "--wait=false"]);
for (const crd of [...crds.map((c) => c.metadata.name), `stacks.${stackGroup}`]) kubectl(["delete", "crd", crd, "--wait=false"]);
if (process.env.TERRAPLANE_KEEP_SANDBOX !== "1") await down(started, log);

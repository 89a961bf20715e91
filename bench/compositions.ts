// `make bench-compositions`: N instances of a three-resource composition (a → b → c, each reading
// the one before it) over the test-double provider, on the local control plane. Measures the time
// from the first create to every instance Ready, the composition controller's writes per instance
// (applies of composed resources, status writes, all), and the controller's RSS. Prints one JSON
// line. A benchmark, not a test; test/bench-compositions.test.ts runs its smoke form (tiny N).
// Its definition and composition carry a composition class of their own, so the other composite
// controllers on a shared sandbox (tests, make sandbox) leave them alone; whatever happens it stops
// the controller it started and removes what it created (bench/_lifecycle.ts).
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { parseArgs } from "node:util";
import { CoreV1Api, CustomObjectsApi } from "@kubernetes/client-node";
import { z } from "zod";
import { toYaml } from "../core/crd/generate.ts";
import { loadKubeConfig } from "../core/kube/kubeconfig.ts";
import { compositionCrds } from "../compositions/crds.ts";
import { COMPOSITION_CLASS_LABEL } from "../compositions/controller/index.ts";
import { repoRoot } from "../sandbox/launcher/paths.ts";
import { doubleProvider } from "../test/doubles/double-provider.ts";
import { positiveArg, sandboxForRun } from "./_common.ts";
import { Cleanup, startChild } from "./_lifecycle.ts";

const { values } = parseArgs({
  options: {
    count: { type: "string", default: "500" },
    concurrency: { type: "string", default: "10" },
    "poll-seconds": { type: "string", default: "60" },
    "timeout-seconds": { type: "string", default: "900" },
  },
});
const count = positive("count");
const log = (line: string): void => console.error(`bench-compositions: ${line}`);
const Ready = z.object({ ready: z.literal(true), metrics: z.string().url() });
const Listed = z.object({ items: z.array(z.object({ status: z.looseObject({ conditions: z.array(z.looseObject({ type: z.string(), status: z.string() })).optional() }).optional() })) });

function positive(name: keyof typeof values): number {
  return positiveArg(values, name);
}

const run = (file: string, args: readonly string[], input?: string): Promise<string> =>
  new Promise((resolveRun, reject) => {
    const child = execFile(file, [...args], { encoding: "utf8", maxBuffer: 64 << 20 }, (err, stdout, stderr) => (err ? reject(new Error(`${file} ${args.join(" ")}: ${stderr || err.message}`)) : resolveRun(stdout)));
    if (input !== undefined) child.stdin?.end(input);
  });

const cleanup = new Cleanup(log);
await cleanup.run(async () => {
  const info = await sandboxForRun(cleanup, log);
  const kc = loadKubeConfig({ kubeconfig: info.kubeconfig });
  const custom = kc.makeApiClient(CustomObjectsApi);
  const core = kc.makeApiClient(CoreV1Api);
  const id = Date.now().toString(36);
  const group = `benchc${id}.test.terraplane.dev`;
  const stackGroup = `stacks${id}.bench.example.org`;
  const namespace = `benchc-${id}`;
  const compositionClass = `bench-${id}`;
  const labels = { [COMPOSITION_CLASS_LABEL]: compositionClass };
  const kubectl = (args: readonly string[], input?: string): Promise<string> => run("kubectl", ["--kubeconfig", info.kubeconfig, ...args], input);
  const stacks = { group: stackGroup, version: "v1alpha1", namespace, plural: "stacks" };
  /** `kubectl wait` refuses a CRD the API server has not given a status yet ("accessor error"), so this polls. */
  const established = async (crd: string): Promise<void> => {
    const deadline = Date.now() + 60_000;
    const condition = (): Promise<string> => kubectl(["get", "crd", crd, "-o", "jsonpath={.status.conditions[?(@.type=='Established')].status}"]).catch(() => "");
    while ((await condition()).trim() !== "True") {
      if (Date.now() > deadline) throw new Error(`crd/${crd} not Established after 60s`);
      await sleep(250);
    }
  };

  const { crds } = doubleProvider(group);
  cleanup.add("delete the CRDs", async () => {
    for (const crd of [...crds.map((c) => c.metadata.name), `stacks.${stackGroup}`]) await kubectl(["delete", "crd", crd, "--wait=false", "--ignore-not-found"]);
  });
  await kubectl(["apply", "--server-side", "--force-conflicts", "--field-manager=bench", "-f", "-"], toYaml([...crds, ...compositionCrds()]));
  for (const crd of [...crds, ...compositionCrds()]) await established(crd.metadata.name);
  cleanup.add("delete the namespace", async () => void (await kubectl(["delete", "namespace", namespace, "--wait=false", "--ignore-not-found"])));
  await core.createNamespace({ body: { metadata: { name: namespace } } });
  await kubectl(["apply", "-f", "-"], JSON.stringify({ apiVersion: `${group}/v1alpha1`, kind: "ClusterProviderConfig", metadata: { name: "default" }, spec: { cloud: "memory" } }));

  const thing = (name: string, tags: Record<string, string>): Record<string, unknown> => ({
    id: name,
    template: { apiVersion: `${group}/v1alpha1`, kind: "Thing", metadata: { name: `\${metadata.name}-${name}` }, spec: { forProvider: { region: "eu", size: "${spec.size}", tags } } },
  });
  cleanup.add("delete the definition and composition", async () => {
    await kubectl(["delete", "composition", `stack-${id}`, "--wait=false", "--ignore-not-found"]);
    await kubectl(["delete", "compositedefinition", `stacks.${stackGroup}`, "--wait=false", "--ignore-not-found"]);
  });
  await kubectl(["apply", "-f", "-"], JSON.stringify({
    apiVersion: "compose.terraplane.dev/v1alpha1",
    kind: "CompositeDefinition",
    metadata: { name: `stacks.${stackGroup}`, labels },
    spec: {
      group: stackGroup,
      names: { kind: "Stack", plural: "stacks" },
      version: "v1alpha1",
      compositionSelection: { defaultCompositionRef: { name: `stack-${id}` } },
      schema: { spec: { type: "object", properties: { size: { type: "integer", minimum: 1, maximum: 100, default: 1 } } }, status: { type: "object", properties: { last: { type: "string" } } } },
    },
  }));
  await kubectl(["apply", "-f", "-"], JSON.stringify({
    apiVersion: "compose.terraplane.dev/v1alpha1",
    kind: "Composition",
    metadata: { name: `stack-${id}`, labels },
    spec: {
      compositeTypeRef: { apiVersion: `${stackGroup}/v1alpha1`, kind: "Stack" },
      resources: [thing("a", { role: "first" }), thing("b", { after: "${a.status.atProvider.id}" }), thing("c", { after: "${b.status.atProvider.id}" })],
      status: { last: "${c.status.atProvider.id}" },
    },
  }));

  const controller = cleanup.child("the controller", await startChild({
    command: process.execPath,
    args: [
      "--disable-warning=ExperimentalWarning", join(repoRoot, "bench", "compositions-controller.ts"),
      "--kubeconfig", info.kubeconfig, "--group", group, "--namespace", namespace, "--composition-class", compositionClass,
      "--concurrency", values.concurrency, "--poll-seconds", values["poll-seconds"],
    ],
    parseReady: (line) => Ready.parse(JSON.parse(line)),
  }));
  const metricsUrl = controller.ready.metrics;
  log(`controller pid ${controller.pid}, metrics at ${metricsUrl}`);
  await established(`stacks.${stackGroup}`);

  /** The composition controller's writes, by kind and verb, from its /metrics. */
  const writes = async (): Promise<Record<string, number>> => {
    const text = await (await fetch(`${metricsUrl}/metrics`)).text();
    const out: Record<string, number> = {};
    for (const line of text.split("\n").filter((l) => l.startsWith("terraplane_composition_writes_total{"))) {
      const key = `${/kind="(\w+)"/.exec(line)?.[1] ?? "?"} ${/verb="(\w+)"/.exec(line)?.[1] ?? "?"}`;
      out[key] = (out[key] ?? 0) + Number(line.split(" ").pop());
    }
    return out;
  };
  const readyCount = async (): Promise<number> =>
    Listed.parse(await custom.listNamespacedCustomObject(stacks)).items.filter((i) => i.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True")).length;

  // Instances go through the controller on the way out, so their composed things (and finalizers) go too.
  let deleted = false;
  cleanup.add("delete the instances through the controller", async () => {
    if (!deleted && controller.alive()) await kubectl(["delete", `stacks.${stackGroup}`, "--all", "-n", namespace, "--wait=true", "--timeout=300s"]);
  });

  const w0 = await writes();
  const t0 = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(20, count) }, async () => {
      while (next < count) {
        const i = next++;
        await custom.createNamespacedCustomObject({ ...stacks, body: { apiVersion: `${stackGroup}/v1alpha1`, kind: "Stack", metadata: { name: `s-${i}` }, spec: { size: 1 + (i % 100) } } });
      }
    }),
  );
  const created = performance.now();
  log(`created ${count} in ${((created - t0) / 1000).toFixed(1)}s`);
  const deadline = t0 + positive("timeout-seconds") * 1000;
  for (let ready = await readyCount(); ready < count; ready = await readyCount()) {
    if (!controller.alive()) throw new Error(`the controller exited (${await controller.exited}) with ${ready}/${count} Ready`);
    if (performance.now() > deadline) throw new Error(`only ${ready}/${count} Ready after --timeout-seconds ${values["timeout-seconds"]}`);
    log(`${ready}/${count} Ready`);
    await sleep(count > 20 ? 2_000 : 250);
  }
  const t1 = performance.now();
  const w1 = await writes();
  const delta = (key: string): number => (w1[key] ?? 0) - (w0[key] ?? 0);
  const all = Object.keys(w1).reduce((sum, k) => sum + delta(k), 0);
  const rssMiB = (field: "VmHWM" | "VmRSS"): number => {
    const line = readFileSync(`/proc/${controller.pid}/status`, "utf8").split("\n").find((l) => l.startsWith(field)) ?? "0";
    return Math.round(Number(line.replace(/\D+/g, "")) / 1024);
  };
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
  log(`${count} instances Ready in ${result.applyToAllReadySeconds}s, ${result.writesPerInstance} writes each, controller peak RSS ${result.controllerPeakRssMiB} MiB`);

  log("cleaning up (deleting through the controller)");
  await kubectl(["delete", `stacks.${stackGroup}`, "--all", "-n", namespace, "--wait=true", "--timeout=600s"]);
  deleted = true;
});

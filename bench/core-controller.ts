// The controller side of `make bench-core` and `make bench-scale`: the real core with the test-double
// provider's in-memory cloud, in its own process so its memory can be measured alone. It announces
// readiness on fd 3 (its stdout is free for logs) and stops when the benchmark stops it or dies. The
// in-memory cloud's calls, by operation, are in its /metrics as terraplane_bench_cloud_calls_total.
import { writeSync } from "node:fs";
import { parseArgs } from "node:util";
import { Gauge } from "prom-client";
import { loadKubeConfig } from "../core/kube/kubeconfig.ts";
import { createLogger } from "../core/log.ts";
import { Manager } from "../core/manager.ts";
import { Metrics } from "../core/metrics.ts";
import { doubleProvider } from "../test/doubles/double-provider.ts";
import { READY_FD, exitWhenParentGone } from "./_lifecycle.ts";

const { values } = parseArgs({
  options: {
    kubeconfig: { type: "string" },
    group: { type: "string" },
    namespace: { type: "string" },
    concurrency: { type: "string", default: "10" },
    "poll-seconds": { type: "string", default: "60" },
    "metrics-port": { type: "string", default: "0" },
    // Added to every call of the in-memory cloud (each page of a list counts as one call).
    "cloud-latency-ms": { type: "string", default: "0" },
    "list-page-size": { type: "string", default: "100" },
  },
});
if (!values.kubeconfig || !values.group || !values.namespace) throw new Error("--kubeconfig, --group and --namespace are required");

const { registered, cloud } = doubleProvider(values.group, { listPageSize: Number(values["list-page-size"]) });
cloud.latencyMs = Number(values["cloud-latency-ms"]);
const metrics = new Metrics();
const cloudCalls = new Gauge({
  name: "terraplane_bench_cloud_calls_total",
  help: "Calls the in-memory cloud served, by operation (a counter, read from the cloud at scrape time).",
  labelNames: ["operation"] as const,
  registers: [metrics.registry],
  collect: () => {
    for (const [operation, n] of Object.entries(cloud.calls)) cloudCalls.set({ operation }, n);
  },
});
const manager = new Manager({
  metrics,
  kc: loadKubeConfig({ kubeconfig: values.kubeconfig }),
  kinds: [registered],
  log: createLogger("warn"),
  namespace: values.namespace,
  concurrency: Number(values.concurrency),
  pollIntervalMs: Number(values["poll-seconds"]) * 1000,
  metricsAddr: { host: "127.0.0.1", port: Number(values["metrics-port"]) },
});
exitWhenParentGone("bench-core controller", () => manager.stop(5_000));
await manager.start();
writeSync(READY_FD, `${JSON.stringify({ ready: true, metrics: manager.healthUrl })}\n`);

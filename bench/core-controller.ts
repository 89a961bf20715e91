// The controller side of `make bench-core`: the real core with the test-double provider's in-memory
// cloud, in its own process so its memory can be measured alone. It announces readiness on fd 3
// (its stdout is free for logs) and stops when the benchmark stops it or dies.
import { writeSync } from "node:fs";
import { parseArgs } from "node:util";
import { loadKubeConfig } from "../core/kube/kubeconfig.ts";
import { createLogger } from "../core/log.ts";
import { Manager } from "../core/manager.ts";
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
  },
});
if (!values.kubeconfig || !values.group || !values.namespace) throw new Error("--kubeconfig, --group and --namespace are required");

const { registered } = doubleProvider(values.group);
const manager = new Manager({
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

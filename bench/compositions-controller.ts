// The controller side of `make bench-compositions`: the real core with the test-double provider's
// in-memory cloud and the composition controller, in its own process so its memory is measured alone.
// It announces readiness on fd 3 (its stdout is free for logs) and stops when the benchmark stops it or dies.
import { writeSync } from "node:fs";
import { parseArgs } from "node:util";
import { compositionControllerFactory } from "../compositions/controller/index.ts";
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
    "composition-class": { type: "string" },
  },
});
if (!values.kubeconfig || !values.group || !values.namespace) throw new Error("--kubeconfig, --group and --namespace are required");

const kc = loadKubeConfig({ kubeconfig: values.kubeconfig });
const { registered } = doubleProvider(values.group);
const manager = new Manager({
  kc,
  kinds: [registered],
  controllers: [compositionControllerFactory({ kc, kinds: [registered.managed], ...(values["composition-class"] ? { compositionClass: values["composition-class"] } : {}) })],
  log: createLogger("warn"),
  namespace: values.namespace,
  concurrency: Number(values.concurrency),
  pollIntervalMs: Number(values["poll-seconds"]) * 1000,
  metricsAddr: { host: "127.0.0.1", port: 0 },
});
exitWhenParentGone("bench-compositions controller", () => manager.stop(5_000));
await manager.start();
writeSync(READY_FD, `${JSON.stringify({ ready: true, metrics: manager.healthUrl })}\n`);

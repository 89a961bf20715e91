// The controller side of `make bench-compositions`: the real core with the test-double provider's
// in-memory cloud and the composition controller, in its own process so its memory is measured alone.
import { parseArgs } from "node:util";
import { KubeConfig } from "@kubernetes/client-node";
import { compositionControllerFactory } from "../compositions/controller/index.ts";
import { createLogger } from "../core/log.ts";
import { Manager } from "../core/manager.ts";
import { doubleProvider } from "../test/doubles/double-provider.ts";

const { values } = parseArgs({
  options: {
    kubeconfig: { type: "string" },
    group: { type: "string" },
    namespace: { type: "string" },
    concurrency: { type: "string", default: "10" },
    "poll-seconds": { type: "string", default: "60" },
  },
});
if (!values.kubeconfig || !values.group || !values.namespace) throw new Error("--kubeconfig, --group and --namespace are required");

const kc = new KubeConfig();
kc.loadFromFile(values.kubeconfig);
const { registered } = doubleProvider(values.group);
const manager = new Manager({
  kc,
  kinds: [registered],
  controllers: [compositionControllerFactory({ kc, kinds: [registered.managed] })],
  log: createLogger("warn"),
  namespace: values.namespace,
  concurrency: Number(values.concurrency),
  pollIntervalMs: Number(values["poll-seconds"]) * 1000,
  metricsAddr: { host: "127.0.0.1", port: 0 },
});
await manager.start();
console.log(JSON.stringify({ ready: true, metrics: manager.healthUrl }));
process.once("SIGTERM", () => void manager.stop(5_000).then(() => process.exit(0)));

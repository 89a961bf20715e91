import { KubeConfig } from "@kubernetes/client-node";
import { Command, Option } from "commander";
import { createLogger } from "../core/log.ts";
import { Manager } from "../core/manager.ts";
import { parseDuration } from "../core/policies.ts";
import { managedKinds } from "../providers/index.ts";
import { compositionControllerFactory } from "../compositions/controller/index.ts";

interface RunOptions {
  kubeconfig?: string;
  namespace?: string;
  concurrency: string;
  pollInterval: string;
  leaderElect: boolean;
  leaderElectionNamespace: string;
  metricsAddr: string;
  logLevel: string;
}

/** `terraplane run`: the controller manager against the current kubeconfig (or in-cluster config). */
export function runCommand(): Command {
  return new Command("run")
    .description("run the controller manager")
    .option("--kubeconfig <path>", "kubeconfig file (default: $KUBECONFIG, ~/.kube/config, or in-cluster)")
    .option("--namespace <ns>", "watch only this namespace (default: all)")
    .option("--concurrency <n>", "reconciles in parallel across all kinds", "10")
    .option("--poll-interval <duration>", "how often each resource is re-observed (jittered)", "60s")
    .option("--no-leader-elect", "run without leader election (only one replica may run)")
    .option("--leader-election-namespace <ns>", "namespace of the leader Lease", process.env.POD_NAMESPACE ?? "terraplane-system")
    .option("--metrics-addr <host:port>", "address for /healthz, /readyz and /metrics (port 0: any)", "0.0.0.0:8080")
    .addOption(new Option("--log-level <level>", "log level").choices(["debug", "info", "warn", "error"]).default("info"))
    .action(async (opts: RunOptions) => {
      const log = createLogger(opts.logLevel);
      const kc = new KubeConfig();
      if (opts.kubeconfig) kc.loadFromFile(opts.kubeconfig);
      else kc.loadFromDefault();
      const pollIntervalMs = parseDuration(opts.pollInterval);
      const concurrency = Number.parseInt(opts.concurrency, 10);
      if (pollIntervalMs === undefined || pollIntervalMs < 1000) throw new Error(`--poll-interval "${opts.pollInterval}" is not a duration of at least 1s (e.g. 30s, 5m)`);
      if (!Number.isInteger(concurrency) || concurrency < 1) throw new Error(`--concurrency must be a positive integer`);
      const kinds = managedKinds();
      const manager = new Manager({
        kc,
        kinds,
        controllers: [compositionControllerFactory({ kc, kinds: kinds.map((k) => k.managed) })],
        log,
        concurrency,
        pollIntervalMs,
        metricsAddr: parseAddr(opts.metricsAddr),
        ...(opts.namespace ? { namespace: opts.namespace } : {}),
        ...(opts.leaderElect ? { leaderElection: { namespace: opts.leaderElectionNamespace, name: "terraplane-controller-leader" } } : {}),
      });
      const stopped = new Promise<void>((resolveStop) => {
        const stop = (signal: string): void => {
          log.info({ signal }, "shutting down");
          manager.stop().then(resolveStop, resolveStop);
        };
        process.once("SIGTERM", () => stop("SIGTERM"));
        process.once("SIGINT", () => stop("SIGINT"));
      });
      await manager.start();
      await stopped;
    });
}

function parseAddr(addr: string): { host: string; port: number } {
  const at = addr.lastIndexOf(":");
  const port = Number.parseInt(addr.slice(at + 1), 10);
  if (at < 0 || !Number.isInteger(port)) throw new Error(`--metrics-addr "${addr}" is not host:port`);
  return { host: addr.slice(0, at).replace(/^\[|\]$/g, "") || "0.0.0.0", port };
}

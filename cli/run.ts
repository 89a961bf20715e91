import { Command, Option } from "commander";
import { describeKubeError } from "../core/kube/errors.ts";
import { loadKubeConfig } from "../core/kube/kubeconfig.ts";
import { isLeaderElectionError } from "../core/kube/leader.ts";
import type { LeaderElectionError } from "../core/kube/leader.ts";
import { createLogger } from "../core/log.ts";
import { Manager } from "../core/manager.ts";
import { parseDuration } from "../core/policies.ts";
import { leaseTimings } from "./lease-timings.ts";
import { managedKinds } from "../providers/index.ts";
import { compositionControllerFactory } from "../compositions/controller/index.ts";

interface RunOptions {
  kubeconfig?: string;
  namespace?: string;
  concurrency: string;
  pollInterval: string;
  leaderElect: boolean;
  leaderElectionNamespace: string;
  leaderElectionId: string;
  leaseDuration: string;
  renewDeadline: string;
  retryPeriod: string;
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
    .option("--leader-election-namespace <ns>", "namespace of the leader Lease (created if missing and allowed)", process.env.POD_NAMESPACE ?? "terraplane-system")
    .option("--leader-election-id <name>", "name of the leader Lease", "terraplane-controller-leader")
    .option("--lease-duration <duration>", "how long a standby waits after the leader's last renewal before taking over", "15s")
    .option("--renew-deadline <duration>", "how long the leader keeps trying to renew before it gives up leadership (shorter than --lease-duration)", "10s")
    .option("--retry-period <duration>", "how often the leader renews and a standby tries to acquire (shorter than --renew-deadline)", "2s")
    .option("--metrics-addr <host:port>", "address for /healthz, /readyz and /metrics (port 0: any)", "0.0.0.0:8080")
    .addOption(new Option("--log-level <level>", "log level").choices(["debug", "info", "warn", "error"]).default("info"))
    .action(async (opts: RunOptions) => {
      process.exitCode = await run(opts);
    });
}

/**
 * Runs until SIGTERM/SIGINT (exit code 0); throws when it cannot start. A leader that loses its Lease
 * (e.g. an API-server outage longer than the renew deadline) stops every worker and informer — it can
 * no longer prove it leads — and stands by for the Lease again in the same process: no supervisor
 * restart is needed to get back to work.
 */
async function run(opts: RunOptions): Promise<number> {
  const log = createLogger(opts.logLevel);
  const lease = leaseTimings(opts); // bad flags are refused before anything connects
  const kc = loadKubeConfig(opts);
  const pollIntervalMs = parseDuration(opts.pollInterval);
  const concurrency = Number.parseInt(opts.concurrency, 10);
  if (pollIntervalMs === undefined || pollIntervalMs < 1000) throw new Error(`--poll-interval "${opts.pollInterval}" is not a duration of at least 1s (e.g. 30s, 5m)`);
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new Error(`--concurrency must be a positive integer`);
  const kinds = managedKinds();
  // A new Manager for each term of leadership: its queue, caches and metrics start empty, as a new
  // leader's must (what the last term knew may be stale by the time the Lease is won back).
  const newManager = (): Manager =>
    new Manager({
      kc,
      kinds,
      controllers: [compositionControllerFactory({ kc, kinds: kinds.map((k) => k.managed) })],
      log,
      concurrency,
      pollIntervalMs,
      metricsAddr: parseAddr(opts.metricsAddr),
      ...(opts.namespace ? { namespace: opts.namespace } : {}),
      ...(opts.leaderElect ? { leaderElection: { namespace: opts.leaderElectionNamespace, name: opts.leaderElectionId, ...lease } } : {}),
    });
  let manager = newManager();
  let stopping = false;
  const stop = (signal: string): void => {
    log.info({ signal }, "shutting down");
    stopping = true;
    manager.stop().catch((err: unknown) => log.error({ error: describeKubeError(err) }, "shutdown failed"));
  };
  process.once("SIGTERM", () => stop("SIGTERM"));
  process.once("SIGINT", () => stop("SIGINT"));
  // A library promise rejected with no handler (e.g. an SDK call abandoned at shutdown) is a bug to
  // fix, but not a reason to stop reconciling every other object: said loudly, once per occurrence.
  process.on("unhandledRejection", (reason) => {
    log.error({ error: reason instanceof Error ? (reason.stack ?? reason.message) : String(reason) }, "a promise rejected with no handler (a bug; the controller carries on)");
  });
  for (;;) {
    try {
      await manager.start();
    } catch (err) {
      if (stopping) return 0;
      log.error({ error: describeKubeError(err) }, "controller manager could not start");
      throw new Error(isLeaderElectionError(err) ? leaderElectionHelp(err) : `cannot start: ${describeKubeError(err)}`, { cause: err });
    }
    if ((await manager.done) !== "leadership-lost" || stopping) return 0;
    log.warn("leadership lost: every worker and informer stopped; standing by for the Lease again");
    manager = newManager();
  }
}

/** What the person running `terraplane run` can do about a leader election that cannot work. */
function leaderElectionHelp(err: LeaderElectionError): string {
  return [
    `leader election: ${err.message}.`,
    `Create the namespace (kubectl create namespace ${err.namespace}), grant this identity Leases there,`,
    "choose another namespace with --leader-election-namespace <ns>, or run a single replica with --no-leader-elect.",
  ].join(" ");
}

function parseAddr(addr: string): { host: string; port: number } {
  const at = addr.lastIndexOf(":");
  const port = Number.parseInt(addr.slice(at + 1), 10);
  if (at < 0 || !Number.isInteger(port)) throw new Error(`--metrics-addr "${addr}" is not host:port`);
  return { host: addr.slice(0, at).replace(/^\[|\]$/g, "") || "0.0.0.0", port };
}

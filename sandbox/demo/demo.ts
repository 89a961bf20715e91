import { mkdirSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { KubeConfig } from "@kubernetes/client-node";
import { managedKinds } from "../../core/inspect/discover.ts";
import { repoRoot, stateDir } from "../launcher/paths.ts";
import { components } from "../launcher/components.ts";
import { down, status, up } from "../launcher/sandbox.ts";
import type { SandboxInfo } from "../launcher/sandbox.ts";
import { readRecord } from "../launcher/state.ts";
import { logTail, startController, stopLeftover } from "./controller.ts";
import type { Controller } from "./controller.ts";
import { exampleFiles } from "./examples.ts";
import type { ExampleFile, ManagedRef } from "./examples.ts";
import { installCatalog, installCrds, installRbac, serviceAccountKubeconfig, waitForCatalogKinds } from "./install.ts";
import { kubectl, requireKubectl } from "./kubectl.ts";
import { usage } from "./usage.ts";
import { explainStuck, renderRows, rowsOf, watchUntilReady } from "./watch.ts";
import type { WatchResult } from "./watch.ts";

export interface DemoOptions {
  /** Exit once everything is Ready (status 0) or the timeout passed (status 1), stopping what it started. */
  readonly untilReady: boolean;
  /** How long to wait for Ready before explaining what is stuck. */
  readonly timeoutMs: number;
  /** The controller's --poll-interval: how soon drift is noticed. */
  readonly pollInterval: string;
  readonly refreshMs: number;
}

type Log = (line: string) => void;

/** What this run started, so that it stops exactly that. */
class Session {
  /** Set once `up` returned: the components it started (the others were running already). */
  started: readonly string[] | undefined;
  controller: Controller | undefined;

  async teardown(log: Log): Promise<void> {
    if (this.started === undefined && !this.controller) return;
    log("stopping what this command started");
    if (this.controller) {
      await this.controller.stop();
      log(`controller: stopped pid ${this.controller.pid}`);
    }
    if (this.started?.length) await down(this.started, log);
    else if (this.started) log("the sandbox was running before this command started: left running");
  }
}

export function demoPaths(): { dir: string; kubeconfig: string; pidFile: string; controllerLog: string } {
  const dir = join(stateDir(), "demo");
  return { dir, kubeconfig: join(dir, "terraplane-sa.kubeconfig"), pidFile: join(dir, "controller.json"), controllerLog: join(stateDir(), "logs", "controller.log") };
}

/**
 * `make sandbox`: the sandbox, the CRDs and RBAC, the controller as its ServiceAccount, the examples,
 * a live table until all are Ready, then how to use it; until Ctrl-C (or, with untilReady, until Ready).
 * Returns the exit status. Whatever happens, stops what it started.
 */
export async function runDemo(opts: DemoOptions, log: Log): Promise<number> {
  const stop = stopOnSignals(log);
  const session = new Session();
  try {
    return await demo(opts, session, stop.signal, log);
  } catch (err) {
    log(`failed: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  } finally {
    await session.teardown(log);
    stop.dispose();
  }
}

async function demo(opts: DemoOptions, session: Session, signal: AbortSignal, log: Log): Promise<number> {
  await requireKubectl();
  const files = exampleFiles();
  const info = await upRemembering(session, log);
  if (signal.aborted) return 130;
  const kc = new KubeConfig();
  kc.loadFromFile(info.kubeconfig);
  warnIfMotoUnseeded(files, log);
  session.controller = await install(kc, info, opts, log);
  if (signal.aborted) return 130;
  const rejected = await applyExamples(info.kubeconfig, files, log);
  const refs = files.filter((f) => !rejected.includes(f)).flatMap((f) => f.managed);
  const controller = session.controller;
  const failure = (): string | undefined => (controller.alive() ? undefined : `the controller exited; last lines of its log:\n${logTail(controller.logFile)}`);
  const watch = { since: controller.startedAt, timeoutMs: opts.timeoutMs, intervalMs: opts.refreshMs, signal, failure };
  const result = await watchUntilReady(kc, refs, watch);
  const usageText = async (): Promise<string> =>
    usage({ adminKubeconfig: info.kubeconfig, controllerLog: controller.logFile, pollInterval: opts.pollInterval, refs, kinds: await managedKinds(kc), files });
  await report({ kc, refs, since: watch.since }, result, log);
  if (result.outcome === "failed") return 1;
  if (result.outcome === "aborted") return opts.untilReady ? 130 : 0;
  if (opts.untilReady) return result.outcome === "ready" && rejected.length === 0 ? 0 : 1;
  console.log(`\n${await usageText()}\n`);
  if (rejected.length > 0) log(`warning: left out, refused by the API server (see above): ${rejected.map((f) => shown(f.path)).join(", ")}`);
  if (result.outcome === "timeout") {
    // Keep the table going below the explanation; it may still get there.
    const later = await watchUntilReady(kc, refs, { ...watch, timeoutMs: Number.POSITIVE_INFINITY });
    await report({ kc, refs, since: watch.since }, later, log);
    if (later.outcome === "failed") return 1;
  }
  return waitForStop(signal, failure, log);
}

/** `up`, noting what it started; when it fails halfway, what it had started by then. */
async function upRemembering(session: Session, log: Log): Promise<SandboxInfo> {
  const before = new Set((await status()).filter((c) => c.state === "running").map((c) => c.name));
  try {
    const { info, started } = await up(log);
    session.started = started;
    return info;
  } catch (err) {
    session.started = components.map((c) => c.name).filter((name) => !before.has(name));
    throw err;
  }
}

/** Prints the outcome of a wait. */
async function report(view: { kc: KubeConfig; refs: readonly ManagedRef[]; since: number }, result: WatchResult, log: Log): Promise<void> {
  const { kc, refs, since } = view;
  if (result.outcome === "ready") {
    console.log(`\nAll ${refs.length} managed resources are Ready and Synced, ${(result.ms / 1000).toFixed(1)}s after the examples were applied.`);
  } else if (result.outcome === "failed") {
    log(result.reason);
  } else if (result.outcome === "timeout") {
    console.log(`\nNot all Ready yet. Why, by terraplane explain's root cause:\n${renderRows(await rowsOf(kc, refs, since))}`);
    for (const line of await explainStuck(kc, refs, since)) console.log(`  ${line}`);
  }
}

async function install(kc: KubeConfig, info: SandboxInfo, opts: DemoOptions, log: Log): Promise<Controller> {
  const paths = demoPaths();
  mkdirSync(paths.dir, { recursive: true });
  const leftover = await stopLeftover(paths.pidFile);
  if (leftover) log(`controller: stopped pid ${leftover}, left running by an earlier run`);
  log(`CRDs: ${await installCrds(kc)} applied and established`);
  log(`RBAC from deploy/controller (without its Deployment): ${(await installRbac(info.kubeconfig)).join(", ")}`);
  log(`composition catalog: ${(await installCatalog(info.kubeconfig)).join(", ")}`);
  await serviceAccountKubeconfig(info.kubeconfig, paths.kubeconfig);
  log(`${shown(paths.kubeconfig)}: a kubeconfig with the terraplane ServiceAccount's token (not the admin credential)`);
  mkdirSync(join(stateDir(), "logs"), { recursive: true });
  writeFileSync(paths.controllerLog, "");
  const t0 = Date.now();
  const controller = await startController({ kubeconfig: paths.kubeconfig, sandbox: info, logFile: paths.controllerLog, pidFile: paths.pidFile, pollInterval: opts.pollInterval });
  log(`controller: terraplane run as the terraplane ServiceAccount, pid ${controller.pid}, ready in ${((Date.now() - t0) / 1000).toFixed(1)}s, log ${shown(controller.logFile)}`);
  log(`abstract kinds served by the controller: ${(await waitForCatalogKinds(kc)).join(", ")}`);
  return controller;
}

/**
 * `kubectl apply -f` each example, as a user would, configuration first. A file the API server
 * refuses is reported and left out (the rest still make a demo); returns those files.
 */
async function applyExamples(kubeconfig: string, files: readonly ExampleFile[], log: Log): Promise<ExampleFile[]> {
  const rejected: ExampleFile[] = [];
  for (const file of files) {
    const result = await kubectl(kubeconfig, ["apply", "-f", file.path]);
    const lines = `${result.stdout}${result.stderr}`.trim().split("\n").join("; ");
    if (result.code === 0) log(`kubectl apply -f ${shown(file.path)}: ${lines}`);
    else {
      log(`kubectl apply -f ${shown(file.path)} FAILED, left out: ${lines}`);
      rejected.push(file);
    }
  }
  return rejected;
}

/** examples/aws/loadbalancer.yaml names subnets that exist only in a moto `up` seeded (see moto-seed.ts). */
function warnIfMotoUnseeded(files: readonly ExampleFile[], log: Log): void {
  const needsSubnets = files.some((f) => f.managed.some((r) => r.group.startsWith("aws.") && r.kind === "LoadBalancer"));
  if (needsSubnets && readRecord("moto")?.extra.seed === undefined) {
    log("warning: this moto was started without seeding, so the subnets named in examples/aws/loadbalancer.yaml do not exist in it; `bin/terraplane sandbox down` and run this again");
  }
}

async function waitForStop(signal: AbortSignal, failure: () => string | undefined, log: Log): Promise<number> {
  while (!signal.aborted) {
    const why = failure();
    if (why) {
      log(why);
      return 1;
    }
    await sleep(2_000, undefined, { signal }).catch(() => undefined);
  }
  return 0;
}

function stopOnSignals(log: Log): { signal: AbortSignal; dispose(): void } {
  const abort = new AbortController();
  const onSignal = (name: NodeJS.Signals): void => {
    if (abort.signal.aborted) log(`${name}: still stopping, please wait (nothing is left behind)`);
    else log(`${name}: stopping`);
    abort.abort();
  };
  const signals: NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP"];
  for (const s of signals) process.on(s, onSignal);
  return { signal: abort.signal, dispose: () => signals.forEach((s) => process.off(s, onSignal)) };
}

const shown = (path: string): string => (path.startsWith(`${repoRoot}/`) ? relative(repoRoot, path) : path);

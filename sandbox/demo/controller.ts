import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { z } from "zod";
import { waitUntil } from "../launcher/health.ts";
import { repoRoot } from "../launcher/paths.ts";
import { freePort } from "../launcher/ports.ts";
import { controllerEntry } from "../launcher/controller-entry.ts";
import { isOurProcess, killProcess, startDetached, stopProcess } from "../launcher/process.ts";
import type { SandboxInfo } from "../launcher/sandbox.ts";

export interface ControllerSpec {
  /** The ServiceAccount's token kubeconfig: the controller never sees the admin credential. */
  readonly kubeconfig: string;
  readonly sandbox: SandboxInfo;
  readonly logFile: string;
  /** Where the pid is recorded, so a later run can stop a controller an interrupted one left behind. */
  readonly pidFile: string;
  readonly pollInterval: string;
  /** More `terraplane run` flags, e.g. `--namespace` and `--no-leader-elect` for a trial that shares the sandbox. */
  readonly extraArgs?: readonly string[];
}

export interface Controller {
  readonly pid: number;
  /** Its /healthz, /readyz and /metrics server. */
  readonly url: string;
  readonly logFile: string;
  /** Epoch ms, truncated to the second (the resolution of status.lastSyncTime). */
  readonly startedAt: number;
  alive(): boolean;
  stop(): Promise<void>;
  /** SIGKILL, no chance to clean up (a crash); resolves once it is gone. */
  kill(): Promise<void>;
}

/** A controller process that may not be ready yet. */
export interface StartingController extends Controller {
  /** Resolves once /readyz answers 200 (it leads and every informer has listed); rejects if it exits first. */
  ready(timeoutMs?: number): Promise<void>;
}

const PidRecord = z.object({ pid: z.number().int().positive(), marker: z.string().min(1) });

/** Stops a controller recorded in `pidFile` by an earlier run that did not get to stop it. */
export async function stopLeftover(pidFile: string): Promise<number | undefined> {
  let record: z.infer<typeof PidRecord>;
  try {
    record = PidRecord.parse(JSON.parse(readFileSync(pidFile, "utf8")));
  } catch {
    return undefined;
  }
  const ours = isOurProcess(record.pid, record.marker);
  if (ours) await stopProcess(record.pid, record.marker);
  rmSync(pidFile, { force: true });
  return ours ? record.pid : undefined;
}

/**
 * `terraplane run` as its own process (own session: a Ctrl-C in the terminal reaches the demo, which
 * stops it in order), with the emulators' endpoints in its environment and its log in a file.
 * Resolves once /readyz answers 200, i.e. it leads and every informer has listed.
 */
export async function startController(spec: ControllerSpec): Promise<Controller> {
  const controller = await spawnController(spec);
  try {
    await controller.ready();
  } catch (err) {
    await controller.stop();
    throw err;
  }
  return controller;
}

/** Like {@link startController}, but returns at once: the kill trial also kills controllers that are still starting. */
export async function spawnController(spec: ControllerSpec): Promise<StartingController> {
  const startedAt = Math.floor(Date.now() / 1000) * 1000;
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    AWS_ENDPOINT_URL: spec.sandbox.awsEndpoint,
    TERRAPLANE_GCP_ENDPOINT: spec.sandbox.gcpEndpoint,
  };
  delete env.KUBECONFIG;
  const args = [...controllerEntry(), "run", "--kubeconfig", spec.kubeconfig];
  args.push("--metrics-addr", `127.0.0.1:${port}`, "--poll-interval", spec.pollInterval, ...(spec.extraArgs ?? []));
  const pid = startDetached({ command: process.execPath, args, logFile: spec.logFile, env, cwd: repoRoot });
  // The token kubeconfig's path is on its command line and unique to this state directory.
  const marker = spec.kubeconfig;
  writeFileSync(spec.pidFile, JSON.stringify({ pid, marker }));
  const alive = (): boolean => isOurProcess(pid, marker);
  return {
    pid,
    url,
    logFile: spec.logFile,
    startedAt,
    alive,
    async stop() {
      await stopProcess(pid, marker, 25_000); // the manager drains in-flight reconciles for up to 20 s
      rmSync(spec.pidFile, { force: true });
    },
    async kill() {
      await killProcess(pid, marker);
      rmSync(spec.pidFile, { force: true });
    },
    ready: (timeoutMs = 120_000) =>
      waitUntil(() => readyz(url), {
        what: "the controller (terraplane run)",
        timeoutMs,
        failFast: () => (alive() ? undefined : `it exited; last lines of ${spec.logFile}:\n${logTail(spec.logFile)}`),
      }),
  };
}

async function readyz(url: string): Promise<boolean> {
  try {
    const res = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(2_000) });
    await res.body?.cancel();
    return res.status === 200;
  } catch {
    return false;
  }
}

export function logTail(file: string, lines = 20): string {
  try {
    return readFileSync(file, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return "(no log)";
  }
}

import { spawn } from "node:child_process";
import { openSync, closeSync, readFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";

export interface DetachedSpec {
  readonly command: string;
  readonly args: readonly string[];
  readonly logFile: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
}

/**
 * Starts a process in its own session with stdout/stderr appended to a log file, and does not wait
 * for it: the sandbox's servers must outlive `terraplane sandbox up --detach`.
 */
export function startDetached(spec: DetachedSpec): number {
  const log = openSync(spec.logFile, "a");
  try {
    const child = spawn(spec.command, [...spec.args], {
      detached: true,
      stdio: ["ignore", log, log],
      env: spec.env ?? process.env,
      cwd: spec.cwd,
    });
    if (child.pid === undefined) throw new Error(`could not start ${spec.command}`);
    child.unref();
    return child.pid;
  } finally {
    closeSync(log);
  }
}

/**
 * True when `pid` is alive and its command line still contains `marker`, so a pid recycled by the
 * kernel for an unrelated process is never mistaken for ours (and never signalled).
 */
export function isOurProcess(pid: number, marker: string): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ");
    return cmdline.includes(marker);
  } catch {
    // No /proc (not Linux): fall back to liveness alone.
    return true;
  }
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. Only ever used on pids we started. */
export async function stopProcess(pid: number, marker: string, graceMs = 10_000): Promise<void> {
  if (!isOurProcess(pid, marker)) return;
  signal(pid, "SIGTERM");
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!isOurProcess(pid, marker)) return;
    await sleep(100);
  }
  signal(pid, "SIGKILL");
  while (isOurProcess(pid, marker)) await sleep(50);
}

/** SIGKILL at once (a crash, not a shutdown); resolves once the process is gone. Only ever used on pids we started. */
export async function killProcess(pid: number, marker: string): Promise<void> {
  if (!isOurProcess(pid, marker)) return;
  signal(pid, "SIGKILL");
  while (isOurProcess(pid, marker)) await sleep(20);
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // Already gone.
  }
}

// What every benchmark and trial needs around its measurement: children whose readiness arrives on a
// channel their logs cannot pollute, and that never outlive the run — on success, on an error, on
// Ctrl-C/SIGTERM, and even when the benchmark itself is SIGKILLed.
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import type { Readable } from "node:stream";
import { setTimeout as sleep } from "node:timers/promises";

type Log = (line: string) => void;

/** File descriptor on which a child started by {@link startChild} writes its one JSON ready line. */
export const READY_FD = 3;

export interface Child<T> {
  readonly pid: number;
  /** What the child announced on its ready fd. */
  readonly ready: T;
  /** Resolves with the exit code (or signal name) once it has exited. */
  readonly exited: Promise<number | string>;
  alive(): boolean;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once it has exited. */
  stop(graceMs?: number): Promise<void>;
}

export interface ChildSpec<T> {
  readonly command: string;
  readonly args: readonly string[];
  /** Parses the ready line; throw to reject it. */
  readonly parseReady: (line: string) => T;
  readonly readyTimeoutMs?: number;
}

/**
 * Starts a child whose stdout and stderr go to this process's stderr (they are logs: this process's
 * stdout stays its result), which announces readiness with one line on fd 3, and whose stdin is a
 * lifeline: when this process dies, however it dies, the pipe closes and the child stops itself
 * (see {@link exitWhenParentGone}).
 */
export async function startChild<T>(spec: ChildSpec<T>): Promise<Child<T>> {
  const child = spawn(spec.command, [...spec.args], { stdio: ["pipe", 2, 2, "pipe"] });
  if (child.pid === undefined) throw new Error(`could not start ${spec.command}`);
  const pid = child.pid;
  const exited = new Promise<number | string>((resolveExit) => child.once("exit", (code, signal) => resolveExit(code ?? signal ?? "unknown")));
  let gone = false;
  void exited.then(() => (gone = true));
  const handle: Omit<Child<T>, "ready"> = {
    pid,
    exited,
    alive: () => !gone,
    stop: (graceMs = 10_000) => stopChild(child, exited, graceMs),
  };
  try {
    const ready = await readyLine(child, exited, spec.readyTimeoutMs ?? 60_000);
    return { ...handle, ready: spec.parseReady(ready) };
  } catch (err) {
    await handle.stop(2_000);
    throw err;
  }
}

async function readyLine(child: ChildProcess, exited: Promise<number | string>, timeoutMs: number): Promise<string> {
  const fd: unknown = child.stdio[READY_FD];
  if (!isReadable(fd)) throw new Error("child has no ready pipe");
  const lines = createInterface({ input: fd });
  try {
    return await Promise.race([
      new Promise<string>((resolveLine) => lines.once("line", resolveLine)),
      exited.then((code) => Promise.reject(new Error(`it exited (${code}) before announcing readiness`))),
      sleep(timeoutMs, undefined, { ref: false }).then(() => Promise.reject(new Error(`not ready after ${timeoutMs / 1000}s`))),
    ]);
  } finally {
    lines.close();
  }
}

function isReadable(value: unknown): value is Readable {
  return typeof value === "object" && value !== null && "on" in value && "read" in value;
}

async function stopChild(child: ChildProcess, exited: Promise<number | string>, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill("SIGTERM");
  const killer = setTimeout(() => child.kill("SIGKILL"), graceMs);
  await exited;
  clearTimeout(killer);
}

/**
 * Cleanup steps run once, last added first, each guarded (one failing step does not skip the rest).
 * `run` installs SIGINT/SIGTERM handlers: a signal runs the cleanup and exits 130/143; a second
 * signal while cleaning up stops the children at once.
 */
export class Cleanup {
  readonly #steps: { name: string; fn: () => Promise<void> }[] = [];
  readonly #children: Child<unknown>[] = [];
  readonly #log: Log;
  #running: Promise<void> | undefined;

  constructor(log: Log) {
    this.#log = log;
  }

  add(name: string, fn: () => Promise<void>): void {
    this.#steps.push({ name, fn });
  }

  /** A child stopped at cleanup (and killed outright on a second signal). */
  child<T>(name: string, child: Child<T>): Child<T> {
    this.#children.push(child);
    this.add(`stop ${name} (pid ${child.pid})`, () => child.stop());
    return child;
  }

  runSteps(): Promise<void> {
    this.#running ??= (async () => {
      for (const step of this.#steps.reverse()) {
        try {
          await step.fn();
        } catch (err) {
          this.#log(`cleanup: ${step.name} failed: ${err instanceof Error ? err.message : String(err)}`);
        }
      }
    })();
    return this.#running;
  }

  /** Runs `main`, then the cleanup, whatever happens; sets the exit code. */
  async run(main: () => Promise<void>): Promise<void> {
    const onSignal = (signal: NodeJS.Signals): void => {
      if (this.#running) {
        this.#log(`${signal} again: killing children`);
        for (const c of this.#children) if (c.alive()) process.kill(c.pid, "SIGKILL");
        process.exit(signal === "SIGINT" ? 130 : 143);
      }
      this.#log(`${signal}: stopping what this run started`);
      void this.runSteps().finally(() => process.exit(signal === "SIGINT" ? 130 : 143));
    };
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
    try {
      await main();
    } catch (err) {
      this.#log(`failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      process.exitCode = 1;
    }
    await this.runSteps();
  }
}

/**
 * The child's side of the lifeline: stdin closes when the parent dies (even by SIGKILL), and then
 * this process stops itself. Also stops on SIGTERM/SIGINT.
 */
export function exitWhenParentGone(name: string, stop: () => Promise<void>): void {
  let stopping = false;
  const bye = (why: string): void => {
    if (stopping) return;
    stopping = true;
    console.error(`${name}: ${why}: stopping`);
    stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.stdin.on("end", () => bye("parent gone (stdin closed)"));
  process.stdin.on("error", () => bye("parent gone (stdin error)"));
  process.stdin.resume();
  process.once("SIGTERM", () => bye("SIGTERM"));
  process.once("SIGINT", () => bye("SIGINT"));
}

// The kill loop: start the real controller, SIGKILL it at a random (seeded) moment — mostly while
// it works, sometimes while it is still starting — and start it again, `kills` times.
import { setTimeout as sleep } from "node:timers/promises";
import type { StartingController } from "../../sandbox/demo/controller.ts";
import { logTail } from "../../sandbox/demo/controller.ts";
import type { Random } from "../../sandbox/faultproxy/index.ts";

export interface KillStats {
  kills: number;
  /** Kills that landed before the controller answered /readyz (it was still starting or waiting for its Lease). */
  killsWhileStarting: number;
  /** Kills aimed at the moment just after a cloud answered a mutation (see aim.ts), and how many found one before maxUpMs. */
  aimed: number;
  aimedHits: number;
  /** Lifetimes after ready, in ms, of the controllers killed after ready. */
  upMs: number[];
  /** Controllers that exited by themselves before their kill: a crash the trial did not cause. */
  unexpectedExits: string[];
}

export interface KillerOptions {
  readonly kills: number;
  /** Longest a controller lives after /readyz before its kill. */
  readonly maxUpMs: number;
  /** Share of kills aimed at a controller that is still starting. */
  readonly startingShare: number;
  /** Share of kills aimed just after a cloud answered a mutation, and the counter of such answers. */
  readonly aimedShare: number;
  readonly mutationAnswers: () => Promise<number>;
  readonly random: Random;
  readonly spawn: () => Promise<StartingController>;
  /** Set to the controller running now, so the run's cleanup can stop it. */
  readonly current: (c: StartingController | undefined) => void;
  readonly log: (line: string) => void;
  readonly signal: AbortSignal;
}

export async function killLoop(o: KillerOptions): Promise<KillStats> {
  const stats: KillStats = { kills: 0, killsWhileStarting: 0, aimed: 0, aimedHits: 0, upMs: [], unexpectedExits: [] };
  while (stats.kills < o.kills) {
    if (o.signal.aborted) throw new Error("stopped");
    const controller = await o.spawn();
    o.current(controller);
    const roll = o.random();
    if (roll < o.startingShare) {
      await sleep(o.random() * 3_000);
      if (!(await readyNow(controller))) stats.killsWhileStarting++;
    } else if (await readyOrExited(controller, stats)) {
      await liveUntilKill(o, controller, stats, roll < o.startingShare + o.aimedShare);
    } else if (stats.unexpectedExits.length > 3) {
      await controller.kill();
      throw new Error(`the controller keeps exiting by itself:\n${stats.unexpectedExits.join("\n")}`);
    }
    await controller.kill();
    o.current(undefined);
    stats.kills++;
    if (stats.kills % 10 === 0 || stats.kills === o.kills) o.log(`${stats.kills}/${o.kills} kills (${stats.killsWhileStarting} while starting)`);
  }
  return stats;
}

/** A ready controller's life: until just after the next mutation's answer (aimed), or a random time. */
async function liveUntilKill(o: KillerOptions, controller: StartingController, stats: KillStats, aimed: boolean): Promise<void> {
  const t0 = Date.now();
  if (aimed) {
    stats.aimed++;
    if (await afterNextMutation(o)) stats.aimedHits++;
  } else await sleep(o.random() * o.maxUpMs);
  const up = Date.now() - t0;
  if (!controller.alive()) stats.unexpectedExits.push(`pid ${controller.pid} exited by itself ${up} ms after ready:\n${logTail(controller.logFile, 10)}`);
  stats.upMs.push(up);
}

/** Until a cloud answers a mutation (then 0–50 ms more: the controller is handling the answer), or maxUpMs; true when one came. */
async function afterNextMutation(o: KillerOptions): Promise<boolean> {
  const deadline = Date.now() + o.maxUpMs;
  const before = await o.mutationAnswers();
  while (Date.now() < deadline) {
    await sleep(5);
    if ((await o.mutationAnswers()) > before) {
      await sleep(o.random() * 50);
      return true;
    }
  }
  return false;
}

/** Waits for /readyz; false (and the reason recorded) when the controller exited first. */
async function readyOrExited(c: StartingController, stats: KillStats): Promise<boolean> {
  try {
    await c.ready();
    return true;
  } catch (err) {
    stats.unexpectedExits.push(`${err instanceof Error ? err.message : String(err)}\n${logTail(c.logFile, 10)}`);
    return false;
  }
}

async function readyNow(c: StartingController): Promise<boolean> {
  try {
    await c.ready(0);
    return true;
  } catch {
    return false;
  }
}

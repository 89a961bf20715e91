import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { stateDir } from "./paths.ts";

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Serialises `up` and `down` across processes (two test runs, or a test run and a person) with an
 * exclusive lock file holding the owner's pid; a lock whose owner died is taken over.
 */
export async function withStateLock<T>(fn: () => Promise<T>, timeoutMs = 15 * 60_000): Promise<T> {
  mkdirSync(stateDir(), { recursive: true });
  const file = join(stateDir(), "lock");
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      writeFileSync(file, String(process.pid), { flag: "wx" });
      break;
    } catch {
      const owner = Number.parseInt(readFileSafe(file), 10);
      if (!Number.isFinite(owner) || !alive(owner)) rmSync(file, { force: true });
      else if (Date.now() > deadline) throw new Error(`sandbox state is locked by pid ${owner}`);
      else await sleep(250);
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(file, { force: true });
  }
}

function readFileSafe(file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return "";
  }
}

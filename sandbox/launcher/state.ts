import { mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { stateDir } from "./paths.ts";

/**
 * One pid file per running component (`<state>/pids/<name>.json`): enough to find it, health-check it
 * and stop exactly the process `up` started.
 */
export const ComponentRecord = z.object({
  pid: z.number().int().positive(),
  /** A string from the process's command line, checked before trusting or signalling the pid. */
  marker: z.string().min(1),
  url: z.string(),
  logFile: z.string(),
  startedAt: z.string(),
  extra: z.record(z.string(), z.string()).default({}),
});
export type ComponentRecord = z.infer<typeof ComponentRecord>;

function pidDir(): string {
  return join(stateDir(), "pids");
}

function pidFile(name: string): string {
  return join(pidDir(), `${name}.json`);
}

export function readRecord(name: string): ComponentRecord | undefined {
  try {
    return ComponentRecord.parse(JSON.parse(readFileSync(pidFile(name), "utf8")));
  } catch {
    return undefined;
  }
}

export function writeRecord(name: string, record: ComponentRecord): void {
  mkdirSync(pidDir(), { recursive: true });
  const tmp = `${pidFile(name)}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(record, null, 2));
  renameSync(tmp, pidFile(name));
}

export function removeRecord(name: string): void {
  rmSync(pidFile(name), { force: true });
}

export function recordedComponents(): string[] {
  try {
    return readdirSync(pidDir())
      .filter((f) => f.endsWith(".json"))
      .map((f) => f.slice(0, -".json".length));
  } catch {
    return [];
  }
}

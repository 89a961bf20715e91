// What the benchmark scripts share besides their children's lifecycle (./_lifecycle.ts): numeric
// flags checked the same way, and the sandbox brought up for the run and stopped with it unless
// TERRAPLANE_KEEP_SANDBOX=1 (the smoke tests share one sandbox).
import { down, up } from "../sandbox/launcher/sandbox.ts";
import type { SandboxInfo } from "../sandbox/launcher/sandbox.ts";
import type { Cleanup } from "./_lifecycle.ts";

/** `--name` as a positive number, or an error saying what it got. */
export function positiveArg<K extends string>(values: Readonly<Record<K, string | undefined>>, name: K): number {
  const n = Number(values[name]);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} must be a positive number (got ${String(values[name])})`);
  return n;
}

/** Brings the sandbox up (reusing what runs) and stops, at cleanup, whatever this run started. */
export async function sandboxForRun(cleanup: Cleanup, log: (line: string) => void): Promise<SandboxInfo> {
  const { info, started } = await up(log);
  if (started.length > 0 && process.env.TERRAPLANE_KEEP_SANDBOX !== "1") cleanup.add("stop the sandbox", async () => void (await down(started, log)));
  return info;
}

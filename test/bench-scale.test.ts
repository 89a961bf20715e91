import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { repoRoot } from "../sandbox/launcher/paths.ts";

// The smoke form of `make bench-scale`: the same script with 20 things, a 3 s poll and a 5-thing
// list page (so a listing spans pages), so the benchmark keeps working; its numbers are checked for
// sense, not speed.

const run = promisify(execFile);
const Counts = z.record(z.string(), z.number().nonnegative());
const Run = z.strictObject({
  batchObserve: z.boolean(),
  createSeconds: z.number().nonnegative(),
  applyToAllReadySeconds: z.number().positive(),
  reconcilesPerSecondConverging: z.number().positive(),
  apiWritesPerResource: z.number().positive(),
  apiWritesPerResourceByTarget: Counts,
  steadyApiWritesPerResourcePerPoll: z.number().nonnegative(),
  cloudCallsConverging: Counts,
  steadyCloudCallsPerPoll: Counts,
  steadyCloudReadsPerPoll: z.number().positive(),
  steadyCloudWritesPerPoll: z.number().nonnegative(),
  controllerPeakRssMiB: z.number().positive(),
  controllerRssMiB: z.number().positive(),
  controllerHeapUsedMiB: z.number().positive(),
});
const Result = z.strictObject({
  resources: z.literal(20),
  pollSeconds: z.literal(3),
  cloudLatencyMs: z.literal(20),
  listPageSize: z.literal(5),
  concurrency: z.number().int().positive(),
  settleSeconds: z.number().positive(),
  steadySeconds: z.number().positive(),
  batch: Run,
  perResource: Run,
});

describe("bench/scale.ts (smoke: 20 things)", () => {
  it("gets every thing Ready with batch observe on and off, reads less with it on, and prints one JSON line", { timeout: 300_000 }, async () => {
    const args = ["--count", "20", "--poll-seconds", "3", "--list-page-size", "5", "--settle-seconds", "3", "--steady-seconds", "6", "--concurrency", "10", "--timeout-seconds", "120"];
    const { stdout, stderr } = await run(process.execPath, ["--disable-warning=ExperimentalWarning", join(repoRoot, "bench", "scale.ts"), ...args], {
      cwd: repoRoot,
      env: { ...process.env, TERRAPLANE_KEEP_SANDBOX: "1" },
      maxBuffer: 16 << 20,
    });
    const lines = stdout.trim().split("\n");
    expect(lines).toHaveLength(1);
    const result = Result.parse(JSON.parse(lines[0] ?? ""));
    expect([result.batch.batchObserve, result.perResource.batchObserve]).toEqual([true, false]);
    for (const mode of [result.batch, result.perResource]) {
      expect(mode.cloudCallsConverging.create).toBe(20); // one create each, no duplicate
      expect(mode.steadyCloudWritesPerPoll).toBe(0); // nothing to change once Ready
      // Every thing's creation wrote at least its finalizer and its Ready status.
      expect(mode.apiWritesPerResource).toBeGreaterThanOrEqual(2);
    }
    expect(result.batch.cloudCallsConverging.list).toBeGreaterThan(0);
    expect(result.perResource.cloudCallsConverging.list).toBeUndefined();
    expect(result.perResource.steadyCloudCallsPerPoll.list).toBeUndefined();
    // 20 things: about 20 gets per poll one by one, about one 4-page listing with batch observe.
    expect(result.batch.steadyCloudReadsPerPoll).toBeLessThan(result.perResource.steadyCloudReadsPerPoll);
    expect(stderr).toMatch(/bench-scale: summary: 20 things; batch on: Ready in/);
  });
});

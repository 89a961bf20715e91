import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { repoRoot } from "../sandbox/launcher/paths.ts";

// The smoke form of `make bench-aws`: the same script with five Databases and a 3 s poll, so the
// benchmark keeps working; the numbers it prints are checked for sense, not speed.

const run = promisify(execFile);
const Mode = z.strictObject({
  applyToAllReadySeconds: z.number().positive(),
  rdsCallsConverging: z.record(z.string(), z.number()),
  rdsCallsPerPollSteady: z.record(z.string(), z.number()),
  describeDBInstancesPerPollSteady: z.number(),
  driftDetectedSeconds: z.number().nonnegative(),
  driftCorrectedSeconds: z.number().nonnegative(),
  driftDetectedSecondsEach: z.array(z.number().nonnegative()).length(5),
});
const Result = z.strictObject({ resources: z.literal(5), pollSeconds: z.number(), steadyPolls: z.number(), concurrency: z.number(), batch: Mode, perResource: Mode });

describe("bench/aws.ts (smoke: 5 Databases)", () => {
  it("gets every Database Ready in both modes, corrects the drift and prints one JSON line", { timeout: 300_000 }, async () => {
    const args = ["--count", "5", "--poll-seconds", "3", "--steady-polls", "2", "--timeout-seconds", "120"];
    const { stdout, stderr } = await run(process.execPath, ["--disable-warning=ExperimentalWarning", join(repoRoot, "bench", "aws.ts"), ...args], {
      cwd: repoRoot,
      env: { ...process.env, TERRAPLANE_KEEP_SANDBOX: "1" },
      maxBuffer: 16 << 20,
    });
    const lines = stdout.trim().split("\n");
    expect(lines).toHaveLength(1);
    const result = Result.parse(JSON.parse(lines[0] ?? ""));
    for (const mode of [result.batch, result.perResource]) {
      expect(mode.rdsCallsConverging.CreateDBInstance).toBe(5);
      expect(mode.driftCorrectedSeconds).toBeGreaterThanOrEqual(mode.driftDetectedSeconds);
      expect(Object.keys(mode.rdsCallsPerPollSteady).filter((op) => !op.startsWith("Describe"))).toEqual([]); // nothing to change once Ready
    }
    // Five instances: about five describes per poll one by one, about one listing with batch observe.
    expect(result.perResource.describeDBInstancesPerPollSteady).toBeGreaterThan(result.batch.describeDBInstancesPerPollSteady);
    expect(stderr).toMatch(/bench-aws: summary: 5 Databases; batch on: Ready in/);
  });
});

import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { repoRoot } from "../sandbox/launcher/paths.ts";

// The smoke form of `make bench-compositions`: the same script with three instances, so the
// benchmark keeps working; the numbers it prints are checked for sense, not speed.

const run = promisify(execFile);
const Result = z.object({
  instances: z.number(),
  applyToAllReadySeconds: z.number(),
  appliesPerInstance: z.number(),
  statusWritesPerInstance: z.number(),
  writesPerInstance: z.number(),
  controllerPeakRssMiB: z.number(),
});

describe("bench/compositions.ts (smoke: 3 instances)", () => {
  it("gets every instance Ready with three applies each and prints one JSON line", { timeout: 180_000 }, async () => {
    const { stdout } = await run(process.execPath, ["--disable-warning=ExperimentalWarning", join(repoRoot, "bench", "compositions.ts"), "--count", "3", "--timeout-seconds", "120"], {
      cwd: repoRoot,
      env: { ...process.env, TERRAPLANE_KEEP_SANDBOX: "1" },
      maxBuffer: 16 << 20,
    });
    const lines = stdout.trim().split("\n");
    expect(lines).toHaveLength(1);
    const result = Result.parse(JSON.parse(lines[0] ?? ""));
    console.info(`bench-compositions smoke: ${lines[0] ?? ""}`);
    expect(result.instances).toBe(3);
    expect(result.appliesPerInstance).toBe(3); // each composed resource applied once
    expect(result.controllerPeakRssMiB).toBeGreaterThan(0);
  });
});

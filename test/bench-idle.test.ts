import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { repoRoot } from "../sandbox/launcher/paths.ts";

// The smoke form of `make bench-idle`: the same script with two idle seconds, so the benchmark
// keeps working; its numbers are checked for sense here and against the target by the benchmark.

const run = promisify(execFile);
const Memory = z.strictObject({ rssMiB: z.number().positive(), peakRssMiB: z.number().positive() });
const Result = z.strictObject({ idleSeconds: z.literal(2), kinds: z.string(), bundle: Memory, source: Memory, targetMiB: z.literal(150), withinTarget: z.boolean() });

describe("bench/idle.ts (smoke: 2 idle seconds)", () => {
  it("measures the bundled and the from-source controller and prints one JSON line", { timeout: 240_000 }, async () => {
    const { stdout, stderr } = await run(process.execPath, ["--disable-warning=ExperimentalWarning", join(repoRoot, "bench", "idle.ts"), "--idle-seconds", "2"], {
      cwd: repoRoot,
      env: { ...process.env, TERRAPLANE_KEEP_SANDBOX: "1" },
    });
    const lines = stdout.trim().split("\n");
    expect(lines).toHaveLength(1);
    const result = Result.parse(JSON.parse(lines[0] ?? ""));
    // The bundle is the point of ADR 0017: it must stay well below the type-stripped source.
    expect(result.bundle.rssMiB).toBeLessThan(result.source.rssMiB);
    expect(stderr).toMatch(/bench-idle: idle controller [\d.]+ MiB resident/);
  });
});

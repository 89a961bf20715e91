import { spawn } from "node:child_process";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { repoRoot } from "../sandbox/launcher/paths.ts";

// The smoke form of `make trial-faults`: the trial script itself, as a child process, with one
// object of each of the six kinds, run once without faults and once behind the trial's own fault
// proxies at 30 % faults (throttle, 5xx, dropped connections; latency on as many). Both runs must
// converge Ready and leave nothing, and the mutations the clouds executed may grow at most 1.5×.
// (The script reuses this run's sandbox and isolates itself: its own namespaces, AWS region, GCP
// project and name prefixes.)

const KindCounts = z.strictObject({ managed: z.number().int().nonnegative(), cloud: z.number().int().nonnegative() });
const CallTotals = z.looseObject({ total: z.number().int().positive(), byOperation: z.record(z.string(), z.number().int().nonnegative()) });
const Result = z.looseObject({
  seed: z.literal(20261203),
  objectsPerRun: z.literal(6),
  kinds: z.record(z.string(), z.strictObject({ withoutFaults: KindCounts, withFaults: KindCounts })),
  faultsInjected: z.number().int(),
  mutatingCalls: z.strictObject({ withoutFaults: CallTotals, withFaults: CallTotals, requestsWithoutFaults: CallTotals, requestsWithFaults: CallTotals }),
  amplification: z.number(),
  requestAmplification: z.number(),
  convergeSeconds: z.strictObject({ withoutFaults: z.number(), withFaults: z.number() }),
  allReady: z.boolean(),
  duplicates: z.number(),
  missing: z.number(),
  needingPerson: z.number(),
  deletedAll: z.boolean(),
  leaks: z.number(),
});

function runTrial(args: readonly string[]): Promise<{ code: number | string; stdout: string[]; stderr: string[] }> {
  const child = spawn(process.execPath, ["--disable-warning=ExperimentalWarning", join(repoRoot, "bench", "trial-faults.ts"), ...args], { cwd: repoRoot, stdio: ["ignore", "pipe", "pipe"] });
  const stdout: string[] = [];
  const stderr: string[] = [];
  createInterface({ input: child.stdout }).on("line", (l) => stdout.push(l));
  createInterface({ input: child.stderr }).on("line", (l) => stderr.push(l));
  return new Promise((resolveRun) => child.once("close", (code, signal) => resolveRun({ code: code ?? signal ?? "unknown", stdout, stderr })));
}

describe("make trial-faults, smoke form", () => {
  it("six kinds behind 30 % throttling, 5xx, drops and latency: all Ready, nothing left, mutations executed at most 1.5× those without faults", { timeout: 420_000 }, async () => {
    const trial = await runTrial(["--count", "6", "--seed", "20261203", "--aws-region", "eu-central-2", "--timeout-seconds", "150", "--poll-interval", "2s"]);
    const log = trial.stderr.join("\n");
    expect(trial.code, log).toBe(0);
    expect(trial.stdout, log).toHaveLength(1);
    const result = Result.parse(JSON.parse(trial.stdout[0] ?? ""));
    console.info(`trial-faults smoke: ${trial.stdout[0] ?? ""}`);
    expect(Object.keys(result.kinds).sort()).toEqual(["aws/CDN", "aws/Database", "aws/LoadBalancer", "gcp/CDN", "gcp/Database", "gcp/LoadBalancer"]);
    for (const [kind, runs] of Object.entries(result.kinds)) {
      expect(runs.withoutFaults, kind).toEqual({ managed: 1, cloud: 1 });
      expect(runs.withFaults, kind).toEqual({ managed: 1, cloud: 1 });
    }
    // The faults did fire, on mutating calls too: the comparison means something.
    expect(result.faultsInjected).toBeGreaterThan(5);
    expect(result.requestAmplification).toBeGreaterThan(1);
    expect(result.amplification).toBeGreaterThanOrEqual(0.9);
    expect(result.amplification).toBeLessThanOrEqual(1.5);
    const { duplicates, missing, needingPerson, leaks } = result;
    expect({ duplicates, missing, needingPerson, leaks }).toEqual({ duplicates: 0, missing: 0, needingPerson: 0, leaks: 0 });
    expect(result.allReady).toBe(true);
    expect(result.deletedAll).toBe(true);
    expect(log).toMatch(/trial-faults: PASS: 6 objects/);
  });
});

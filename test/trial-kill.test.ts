import { spawn } from "node:child_process";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { repoRoot } from "../sandbox/launcher/paths.ts";

// The smoke form of `make trial-kill`: the trial script itself, as a child process, with 20 kills of
// the real controller and one object of each of the six kinds kept alive. Its verdict must be clean:
// no duplicate, no leak, nobody needed, everything Ready. (The script reuses this run's sandbox and
// isolates itself: its own namespace, AWS region, GCP project and name prefix.)

const KindCounts = z.strictObject({ managed: z.number().int().nonnegative(), cloud: z.number().int().nonnegative() });
const Result = z.looseObject({
  seed: z.literal(20261203),
  kills: z.literal(20),
  unexpectedExits: z.number(),
  operations: z.strictObject({ creates: z.number().int(), edits: z.number().int(), deletes: z.number().int() }),
  kinds: z.record(z.string(), KindCounts),
  duplicates: z.number(),
  strays: z.number(),
  missing: z.number(),
  needingPerson: z.number(),
  allReady: z.boolean(),
  deletedAll: z.boolean(),
  leaks: z.number(),
  seconds: z.number().positive(),
});

function runTrial(args: readonly string[]): Promise<{ code: number | string; stdout: string[]; stderr: string[] }> {
  const child = spawn(process.execPath, ["--disable-warning=ExperimentalWarning", join(repoRoot, "bench", "trial-kill.ts"), ...args], { cwd: repoRoot, stdio: ["ignore", "pipe", "pipe"] });
  const stdout: string[] = [];
  const stderr: string[] = [];
  createInterface({ input: child.stdout }).on("line", (l) => stdout.push(l));
  createInterface({ input: child.stderr }).on("line", (l) => stderr.push(l));
  return new Promise((resolveRun) => child.once("close", (code, signal) => resolveRun({ code: code ?? signal ?? "unknown", stdout, stderr })));
}

describe("make trial-kill, smoke form", () => {
  it("20 SIGKILLs of the controller amid creates, edits and deletes of all six kinds: no duplicate, no leak, nobody needed, all Ready", { timeout: 900_000 }, async () => {
    const trial = await runTrial(["--kills", "20", "--per-kind", "1", "--seed", "20261203", "--aws-region", "me-south-1", "--timeout-seconds", "780"]);
    const log = trial.stderr.join("\n");
    expect(trial.code, log).toBe(0);
    expect(trial.stdout, log).toHaveLength(1);
    const result = Result.parse(JSON.parse(trial.stdout[0] ?? ""));
    console.info(`trial-kill smoke: ${trial.stdout[0] ?? ""}`);
    expect(Object.keys(result.kinds).sort()).toEqual(["aws/CDN", "aws/Database", "aws/LoadBalancer", "gcp/CDN", "gcp/Database", "gcp/LoadBalancer"]);
    for (const [kind, counts] of Object.entries(result.kinds)) {
      expect(counts.managed, kind).toBeGreaterThanOrEqual(1); // every kind was still there at the end, converged
      expect(counts.cloud, kind).toBe(counts.managed);
    }
    expect(result.operations.creates).toBeGreaterThan(6);
    expect(result.operations.edits).toBeGreaterThan(0);
    expect(result.operations.deletes).toBeGreaterThan(0);
    const { duplicates, strays, missing, needingPerson, leaks, unexpectedExits } = result;
    expect({ duplicates, strays, missing, needingPerson, leaks, unexpectedExits }).toEqual({ duplicates: 0, strays: 0, missing: 0, needingPerson: 0, leaks: 0, unexpectedExits: 0 });
    expect(result.allReady).toBe(true);
    expect(result.deletedAll).toBe(true);
    expect(log).toMatch(/trial-kill: PASS: 20 kills/);
  });
});

import { spawn } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

// The progress ticker build.sh runs during the cold Go build, on a fake slow step: a line at the
// interval with the phase and the time elapsed, and nothing left running once the step is over.

const progress = join(import.meta.dirname, "progress.sh");

function runScript(script: string, env: NodeJS.ProcessEnv): Promise<{ code: number | null; stderr: string; lines: { at: number; text: string }[]; closedAfterMs: number }> {
  return new Promise((resolveRun) => {
    const started = Date.now();
    const child = spawn("bash", ["-c", script], { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    const lines: { at: number; text: string }[] = [];
    let stderr = "";
    let exitedAt = 0;
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
      for (const text of chunk.toString().split("\n").filter((l) => l !== "")) lines.push({ at: Date.now() - started, text });
    });
    child.once("exit", () => (exitedAt = Date.now()));
    // "close": every holder of the pipes is gone, so a caller reading them (tools.ts) is released.
    child.once("close", (code) => resolveRun({ code, stderr, lines, closedAfterMs: Date.now() - exitedAt }));
  });
}

describe("progress.sh", () => {
  it("prints the phase and the elapsed time at every interval while a slow step runs, and stops with it", { timeout: 20_000 }, async () => {
    const script = `
      set -euo pipefail
      source ${JSON.stringify(progress)}
      state=$(mktemp)
      status() { cat "$state"; }
      echo "downloading modules" > "$state"
      progress_begin "fake build" status
      sleep 2.2
      echo "compiling: 12 of 40 packages" > "$state"
      sleep 2.2
      progress_end
      rm -f "$state"
      echo done >&2
    `;
    const run = await runScript(script, { TERRAPLANE_PROGRESS_SECONDS: "1" });
    expect(run.code, run.stderr).toBe(0);
    const ticks = run.lines.filter((l) => l.text.startsWith("fake build: "));
    expect(ticks.length).toBeGreaterThanOrEqual(3);
    expect(ticks[0]?.text).toMatch(/^fake build: downloading modules \(0m0[12]s elapsed\)$/);
    expect(ticks.at(-1)?.text).toMatch(/^fake build: compiling: 12 of 40 packages \(0m0[34]s elapsed\)$/);
    // At the interval (1 s here; 10 s by default, under the 15 s the build promises).
    for (let i = 1; i < ticks.length; i++) expect((ticks[i]?.at ?? 0) - (ticks[i - 1]?.at ?? 0)).toBeLessThan(1_800);
    expect(run.lines.at(-1)?.text).toBe("done"); // no tick after progress_end
    expect(run.closedAfterMs).toBeLessThan(500); // no orphaned sleep holds stderr open
  });

  it("is stopped by an EXIT trap when the step fails", { timeout: 20_000 }, async () => {
    const script = `
      set -euo pipefail
      source ${JSON.stringify(progress)}
      trap progress_end EXIT
      status() { echo working; }
      progress_begin "failing build" status
      sleep 1.5
      false
    `;
    const run = await runScript(script, { TERRAPLANE_PROGRESS_SECONDS: "1" });
    expect(run.code).toBe(1);
    expect(run.lines.some((l) => l.text === "failing build: working (0m01s elapsed)")).toBe(true);
    expect(run.closedAfterMs).toBeLessThan(500);
  });
});

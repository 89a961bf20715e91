import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, inject, it } from "vitest";
import { repoRoot } from "../sandbox/launcher/paths.ts";

const cli = join(repoRoot, "bin", "terraplane");

function terraplane(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolveRun) => {
    execFile(cli, [...args], { cwd: repoRoot }, (err, stdout, stderr) => {
      resolveRun({ code: err && typeof err.code === "number" ? err.code : err ? 1 : 0, stdout, stderr });
    });
  });
}

// The test run's global setup has brought the sandbox up; the CLI must see and reuse it.
describe("terraplane sandbox CLI", () => {
  it("a second `up --detach` reuses the running sandbox and prints its env", async () => {
    const sandbox = inject("sandbox");
    const result = await terraplane(["sandbox", "up", "--detach"]);
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/controlplane: reusing pid \d+/);
    expect(result.stderr).toMatch(/moto: reusing pid \d+/);
    expect(result.stderr).not.toContain("starting");
    expect(result.stdout).toContain(`export KUBECONFIG=${sandbox.kubeconfig}`);
  });

  it("`env` prints export lines for KUBECONFIG and each emulator endpoint", async () => {
    const sandbox = inject("sandbox");
    const result = await terraplane(["sandbox", "env"]);
    expect(result.code).toBe(0);
    expect(result.stdout.split("\n")).toEqual(
      expect.arrayContaining([
        `export KUBECONFIG=${sandbox.kubeconfig}`,
        `export AWS_ENDPOINT_URL=${sandbox.awsEndpoint}`,
        `export TERRAPLANE_MOTO_ENDPOINT=${sandbox.motoEndpoint}`,
        `export TERRAPLANE_GCP_ENDPOINT=${sandbox.gcpEndpoint}`,
      ]),
    );
  });

  it("`status` lists every component as running", async () => {
    const result = await terraplane(["sandbox", "status"]);
    expect(result.code).toBe(0);
    for (const name of ["controlplane", "moto", "moto-proxy", "gcp-emulator", "gcp-emulator-proxy"]) expect(result.stdout).toMatch(new RegExp(`^${name}\\s+running\\s+\\d+`, "m"));
  });
});

describe("terraplane sandbox lifecycle in its own state directory", () => {
  it("`up --detach` starts every component and `down` stops exactly those processes", { timeout: 240_000 }, async () => {
    const { mkdtempSync, readdirSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const stateDir = mkdtempSync(join(tmpdir(), "terraplane-sandbox-"));
    const env = { ...process.env, TERRAPLANE_STATE_DIR: stateDir };
    const run = (args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> =>
      new Promise((resolveRun) => {
        execFile(cli, [...args], { cwd: repoRoot, env }, (err, stdout, stderr) => {
          resolveRun({ code: err && typeof err.code === "number" ? err.code : err ? 1 : 0, stdout, stderr });
        });
      });

    const started = await run(["sandbox", "up", "--detach"]);
    expect(started.code, started.stderr).toBe(0);
    const pidFiles = readdirSync(join(stateDir, "pids"));
    expect(pidFiles.sort()).toEqual(["controlplane.json", "gcp-emulator-proxy.json", "gcp-emulator.json", "moto-proxy.json", "moto.json"]);
    const pids = pidFiles.map((f) => (JSON.parse(readFileSync(join(stateDir, "pids", f), "utf8")) as { pid: number }).pid);
    for (const pid of pids) expect(running(pid)).toBe(true);

    const stopped = await run(["sandbox", "down"]);
    expect(stopped.code, stopped.stderr).toBe(0);
    for (const pid of pids) expect(running(pid)).toBe(false);
    expect(readdirSync(join(stateDir, "pids"))).toEqual([]);

    const status = await run(["sandbox", "status"]);
    expect(status.stdout).toMatch(/^controlplane\s+stopped/m);
  });
});

/** Alive and not a zombie (an orphan's exit status may wait for an init that never reaps it). */
function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    return false;
  }
}

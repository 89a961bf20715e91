import { spawn } from "node:child_process";
import { join } from "node:path";
import { repoRoot } from "./paths.ts";

/** Raised when a prerequisite the sandbox cannot install by itself is missing; the message says how to get it. */
export class MissingToolError extends Error {
  readonly tool: string;
  constructor(tool: string, message: string) {
    super(message);
    this.name = "MissingToolError";
    this.tool = tool;
  }
}

/**
 * Runs one of the project's idempotent install scripts and returns the last line it printed (the
 * path it produced). Progress goes to our stderr so a cold first run shows what it is doing.
 */
function runInstallScript(script: string, tool: string): Promise<string> {
  return new Promise((resolveOut, reject) => {
    const child = spawn(join(repoRoot, script), [], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
      process.stderr.write(chunk);
    });
    child.on("error", (err) => reject(new MissingToolError(tool, `cannot run ${script}: ${err.message}`)));
    child.on("close", (code) => {
      const lines = stdout.trim().split("\n");
      const last = lines[lines.length - 1];
      if (code === 0 && last) return resolveOut(last.trim());
      const reason = stderr.trim().split("\n").slice(-3).join("\n") || `exit code ${code}`;
      reject(new MissingToolError(tool, `${script} failed: ${reason}`));
    });
  });
}

/** The kube-apiserver + etcd binary, built from the Kubernetes Go modules once per machine (needs Go). */
export function ensureControlPlaneBinary(): Promise<string> {
  return runInstallScript("sandbox/controlplane/build.sh", "go");
}

/** The Python virtualenv holding the pinned moto server (needs python3 with venv). */
export async function ensureMotoServer(): Promise<string> {
  const venv = await runInstallScript("scripts/ensure-venv.sh", "python3");
  return join(venv, "bin", "moto_server");
}

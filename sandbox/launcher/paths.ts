import { homedir } from "node:os";
import { join, resolve } from "node:path";

/** The repository root (this file lives in sandbox/launcher/). */
export const repoRoot = resolve(import.meta.dirname, "..", "..");

/** Heavy, input-keyed builds (Node, the moto venv, the control-plane binary) live outside the clone. */
export function cacheDir(): string {
  return process.env.TERRAPLANE_CACHE ?? join(homedir(), ".cache", "terraplane");
}

/** Pid files, logs and data of a running sandbox: one per clone unless overridden. */
export function stateDir(): string {
  return process.env.TERRAPLANE_STATE_DIR ?? join(repoRoot, ".terraplane", "sandbox");
}

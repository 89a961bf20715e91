import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "./paths.ts";

/**
 * What to give `node` to run `terraplane run` as bin/terraplane would: its heap flags and the controller's bundle
 * (built on first use after a change of its sources, docs/adr/0017), or its TypeScript source when
 * TERRAPLANE_RUN_FROM_SOURCE=1. Spawning node on it directly keeps the child's pid the controller's
 * from its first instruction (a kill trial kills it while it starts).
 */
export function controllerEntry(): string[] {
  if (process.env.TERRAPLANE_RUN_FROM_SOURCE === "1") return [...controllerNodeFlags(), "--disable-warning=ExperimentalWarning", join(repoRoot, "cli", "main.ts")];
  const bundle = execFileSync(join(repoRoot, "scripts", "controller-bundle.sh"), { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] }).trim();
  return [...controllerNodeFlags(), bundle];
}

/** The controller's V8 heap flags, one list for every way it is started (why: docs/adr/0020). */
export function controllerNodeFlags(): string[] {
  return readFileSync(join(repoRoot, "cli", "controller-node-flags"), "utf8").split(/\s+/).filter(Boolean);
}

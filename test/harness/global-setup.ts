import type { TestProject } from "vitest/node";
import { down, up } from "../../sandbox/launcher/sandbox.ts";
import type { SandboxInfo } from "../../sandbox/launcher/sandbox.ts";

declare module "vitest" {
  export interface ProvidedContext {
    sandbox: SandboxInfo;
  }
}

/**
 * Brings the sandbox up once per test run, reusing one that is already running (a developer's
 * `terraplane sandbox up`), and stops only what it started. TERRAPLANE_KEEP_SANDBOX=1 leaves it up
 * for the next run.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const { info, started } = await up((line) => console.error(`sandbox: ${line}`));
  project.provide("sandbox", info);
  return async () => {
    if (process.env.TERRAPLANE_KEEP_SANDBOX === "1" || started.length === 0) return;
    await down(started, (line) => console.error(`sandbox: ${line}`));
  };
}

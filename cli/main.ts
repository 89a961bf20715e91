import type { Command } from "commander";
import { runProgram } from "./program.ts";

// Each command's module is imported only when that command runs: the controller pulls in every
// cloud SDK, which `terraplane sandbox env` should not pay for. `terraplane run` itself normally
// runs from the bundle of cli/controller-main.ts (bin/terraplane, scripts/controller-bundle.sh).
const commands: Readonly<Record<string, () => Promise<Command>>> = {
  run: async () => (await import("./run.ts")).runCommand(),
  crds: async () => (await import("./crds.ts")).crdsCommand(),
  status: async () => (await import("./inspect-commands.ts")).statusCommand(),
  explain: async () => (await import("./inspect-commands.ts")).explainCommand(),
  sandbox: async () => (await import("./sandbox.ts")).sandboxCommand(),
  composition: async () => (await import("./composition.ts")).compositionCommand(),
  render: async () => (await import("./composition.ts")).renderCommand(),
  import: async () => (await import("./import.ts")).importCommand(),
  plan: async () => (await import("./plan.ts")).planCommand(),
  adopt: async () => (await import("./adopt.ts")).adoptCommand(),
};

const requested = process.argv[2];
const load = requested ? commands[requested] : undefined;
await runProgram(load ? [load] : Object.values(commands));

import { Command } from "commander";
import { describeKubeError } from "../core/kube/errors.ts";

// Each command's module is imported only when that command runs: the controller pulls in every
// cloud SDK, which `terraplane sandbox env` should not pay for.
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

const program = new Command().name("terraplane").description("Kubernetes-native cloud infrastructure").showHelpAfterError();

try {
  const requested = process.argv[2];
  const load = requested ? commands[requested] : undefined;
  for (const make of load ? [load] : Object.values(commands)) program.addCommand(await make());
  await program.parseAsync(process.argv);
} catch (err) {
  // A Kubernetes API error reads as "403 Forbidden: <the server's message>", not client-node's dump.
  console.error(`terraplane: ${describeKubeError(err)}`);
  process.exitCode = 1;
}

import { Command } from "commander";
import { crdsCommand } from "./crds.ts";
import { explainCommand, statusCommand } from "./inspect-commands.ts";
import { runCommand } from "./run.ts";
import { sandboxCommand } from "./sandbox.ts";

const program = new Command()
  .name("terraplane")
  .description("Kubernetes-native cloud infrastructure")
  .showHelpAfterError()
  .addCommand(runCommand())
  .addCommand(crdsCommand())
  .addCommand(statusCommand())
  .addCommand(explainCommand())
  .addCommand(sandboxCommand());

try {
  await program.parseAsync(process.argv);
} catch (err) {
  console.error(`terraplane: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
}

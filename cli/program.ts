import { Command } from "commander";
import { describeKubeError } from "../core/kube/errors.ts";

/** Parses process.argv against `commands` and reports any failure as one readable line, exit code 1. */
export async function runProgram(commands: readonly (() => Promise<Command>)[]): Promise<void> {
  const program = new Command().name("terraplane").description("Kubernetes-native cloud infrastructure").showHelpAfterError();
  try {
    for (const make of commands) program.addCommand(await make());
    await program.parseAsync(process.argv);
  } catch (err) {
    // A Kubernetes API error reads as "403 Forbidden: <the server's message>", not client-node's dump.
    console.error(`terraplane: ${describeKubeError(err)}`);
    process.exitCode = 1;
  }
}

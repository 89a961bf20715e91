import { Command } from "commander";
import { down, envLines, runningInfo, status, up } from "../sandbox/launcher/sandbox.ts";

const log = (line: string): void => console.error(`sandbox: ${line}`);

/** `terraplane sandbox up|down|status|env`: the local control plane and cloud emulators. */
export function sandboxCommand(): Command {
  const cmd = new Command("sandbox").description("run the local control plane, cloud emulators and fault proxy");

  cmd
    .command("up")
    .description("start the sandbox (reusing whatever is already running); stays in the foreground until Ctrl-C unless --detach")
    .option("--detach", "start and return, leaving the sandbox running")
    .action(async (opts: { detach?: boolean }) => {
      const { info, started } = await up(log);
      console.log(envLines(info).join("\n"));
      if (opts.detach) return;
      log("running; press Ctrl-C to stop what this command started");
      await waitForSignal();
      await down(started, log);
    });

  cmd
    .command("down")
    .description("stop every sandbox process that `up` started")
    .action(async () => {
      const stopped = await down(undefined, log);
      if (stopped.length === 0) log("nothing was running");
    });

  cmd
    .command("status")
    .description("show each sandbox component and whether it serves")
    .action(async () => {
      const rows = await status();
      const table = rows.map((r) => [r.name, r.state, r.pid ? String(r.pid) : "-", r.url ?? "-"]);
      printTable([["COMPONENT", "STATE", "PID", "URL"], ...table]);
      if (rows.some((r) => r.state !== "running")) process.exitCode = 3;
    });

  cmd
    .command("env")
    .description("print export lines for KUBECONFIG and the emulator endpoints")
    .action(async () => {
      const info = await runningInfo();
      if (!info) throw new Error("the sandbox is not running; start it with `terraplane sandbox up --detach`");
      console.log(envLines(info).join("\n"));
    });

  return cmd;
}

function printTable(rows: readonly (readonly string[])[]): void {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length))) ?? [];
  for (const row of rows) console.log(row.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join("  ").trimEnd());
}

function waitForSignal(): Promise<void> {
  return new Promise((resolveSignal) => {
    const done = (): void => {
      process.off("SIGINT", done);
      process.off("SIGTERM", done);
      resolveSignal();
    };
    process.on("SIGINT", done);
    process.on("SIGTERM", done);
  });
}

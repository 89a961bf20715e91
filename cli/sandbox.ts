import { Command } from "commander";
import { down, envLines, runningInfo, status, up } from "../sandbox/launcher/sandbox.ts";

const log = (line: string): void => console.error(`sandbox: ${line}`);

/** `terraplane sandbox up|down|status|env|demo|drift`: the local control plane and cloud emulators, and the demo on them. */
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

  cmd
    .command("demo")
    .description(
      "the main job in one command (`make sandbox`): start (or reuse) the sandbox, install the CRDs and RBAC, run the controller " +
        "as its ServiceAccount, apply examples/, show a live status table until all are Ready, then keep running until Ctrl-C",
    )
    .option("--until-ready", "exit once all examples are Ready (status 0) or the timeout passed (status 1), stopping what it started: for CI")
    .option("--timeout <duration>", "how long to wait for Ready before explaining what is stuck", "5m")
    .option("--poll-interval <duration>", "the controller's poll interval: how soon drift is noticed", "15s")
    .action(async (opts: { untilReady?: boolean; timeout: string; pollInterval: string }) => {
      const { parseDuration } = await import("../core/policies.ts");
      const timeoutMs = parseDuration(opts.timeout);
      if (timeoutMs === undefined) throw new Error(`--timeout "${opts.timeout}" is not a duration (e.g. 90s, 5m)`);
      const { runDemo } = await import("../sandbox/demo/demo.ts");
      process.exitCode = await runDemo({ untilReady: opts.untilReady === true, timeoutMs, pollInterval: opts.pollInterval, refreshMs: 2_000 }, log);
    });

  cmd
    .command("drift")
    .description("change the cloud resource behind a managed resource with the official SDK, straight against the emulator, so Terraplane detects and corrects the drift")
    .argument("<kind/name>", "e.g. databases.aws.terraplane.dev/orders or cdn/website")
    .option("-n, --namespace <ns>", "namespace", "default")
    .action(async (target: string, opts: { namespace: string }) => {
      const info = await runningInfo();
      if (!info) throw new Error("the sandbox is not running; start it with `make sandbox`");
      const [{ KubeConfig }, { makeDrift }] = await Promise.all([import("@kubernetes/client-node"), import("../sandbox/demo/drift.ts")]);
      const kc = new KubeConfig();
      kc.loadFromFile(info.kubeconfig);
      const drift = await makeDrift(kc, info, target, opts.namespace);
      const name = target.slice(target.indexOf("/") + 1);
      console.log(`changed behind Terraplane's back: ${drift.change}`);
      console.log(`Terraplane should report drift in ${drift.field} at its next poll, then correct it. Watch:`);
      console.log(`  kubectl describe ${drift.kind} ${name} -n ${opts.namespace}`);
      console.log(`  bin/terraplane explain ${drift.kind}/${name} -n ${opts.namespace}`);
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

import { execFile } from "node:child_process";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { inject } from "vitest";
import { repoRoot } from "../../sandbox/launcher/paths.ts";
import { startController } from "./controller-process.ts";
import type { ControllerProcess } from "./controller-process.ts";

// `terraplane run` as its own process, started and ready (its /readyz answered) before a test goes
// on: every line it writes is kept (./controller-process.ts), so a test can read the controller's
// whole log, and its exit is a fact a test can assert on. Also the CLI run as an operator runs it.

export const cliPath = join(repoRoot, "bin", "terraplane");

export interface ReadyController extends ControllerProcess {
  /** True while the process runs. */
  running(): boolean;
  /** SIGTERM, then waits for the exit. */
  stop(): Promise<number | string>;
}

export interface ControllerOptions {
  /** Extra `terraplane run` flags (--namespace, --poll-interval ...). */
  readonly args: readonly string[];
  /** Extra environment, over the sandbox's endpoints (AWS_ENDPOINT_URL, TERRAPLANE_GCP_ENDPOINT). */
  readonly env?: Readonly<Record<string, string>>;
}

/** Starts `terraplane run --no-leader-elect` with the sandbox's admin kubeconfig (./controller-process.ts) and waits for its /readyz. */
export async function startReadyController(opts: ControllerOptions): Promise<ReadyController> {
  const { kubeconfig, awsEndpoint, gcpEndpoint } = inject("sandbox");
  const started = startController(kubeconfig, ["--no-leader-elect", ...opts.args], { AWS_ENDPOINT_URL: awsEndpoint, TERRAPLANE_GCP_ENDPOINT: gcpEndpoint, ...opts.env });
  let alive = true;
  void started.exited.then(() => (alive = false));
  const controller: ReadyController = {
    ...started,
    running: () => alive,
    async stop() {
      if (alive) started.child.kill("SIGTERM");
      return started.exited;
    },
  };
  // Plain polling, not expect.poll: this also runs in beforeAll.
  const url = await until(() => (alive ? (started.logged("serving /healthz, /readyz and /metrics")?.url ?? undefined) : ""), 60_000, "its health server");
  if (url === "") throw new Error(`terraplane run exited before serving /readyz:\n${started.lines.join("\n")}`);
  await until(async () => ((await fetch(`${url}/readyz`).catch(() => undefined))?.status === 200 ? true : undefined), 60_000, "/readyz");
  return controller;
}

async function until<T>(probe: () => T | undefined | Promise<T | undefined>, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const got = await probe();
    if (got !== undefined) return got;
    if (Date.now() > deadline) throw new Error(`terraplane run: no ${what} within ${timeoutMs} ms`);
    await sleep(200);
  }
}

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `bin/terraplane <args>` against the sandbox as an operator would (admin kubeconfig, the sandbox's endpoints). */
export function terraplaneCli(args: readonly string[], env: Readonly<Record<string, string>> = {}): Promise<CliResult> {
  const { kubeconfig, awsEndpoint, gcpEndpoint } = inject("sandbox");
  const full: NodeJS.ProcessEnv = { ...process.env, KUBECONFIG: kubeconfig, AWS_ENDPOINT_URL: awsEndpoint, TERRAPLANE_GCP_ENDPOINT: gcpEndpoint, ...env };
  return new Promise((resolveRun) => {
    execFile(cliPath, args, { env: full, cwd: repoRoot, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err && typeof err.code === "number" ? err.code : err ? 1 : 0;
      resolveRun({ code, stdout, stderr });
    });
  });
}

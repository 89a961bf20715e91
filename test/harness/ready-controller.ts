import { execFile, spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { setTimeout as sleep } from "node:timers/promises";
import { inject } from "vitest";
import { z } from "zod";
import { repoRoot } from "../../sandbox/launcher/paths.ts";

// `terraplane run` as its own process, ready (its /readyz answered), as the sandbox and a cluster run it: every line it writes to
// stdout and stderr is kept, so a test can read the controller's whole log, and its exit is a fact
// a test can assert on (a crash is a non-zero exit, not a rejected promise inside the test runner).

export const cliPath = join(repoRoot, "bin", "terraplane");

export interface ControllerProcess {
  readonly child: ChildProcess;
  /** Every line of stdout and stderr, in arrival order. */
  readonly lines: string[];
  /** Resolves with the exit code (or the signal's name). */
  readonly exited: Promise<number | string>;
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

/** Starts `terraplane run` with the sandbox's admin kubeconfig and waits for its /readyz. */
export async function startController(opts: ControllerOptions): Promise<ControllerProcess> {
  const { kubeconfig, awsEndpoint, gcpEndpoint } = inject("sandbox");
  const env: NodeJS.ProcessEnv = { ...process.env, AWS_ENDPOINT_URL: awsEndpoint, TERRAPLANE_GCP_ENDPOINT: gcpEndpoint, ...opts.env };
  delete env.KUBECONFIG;
  const child = spawn(cliPath, ["run", "--kubeconfig", kubeconfig, "--metrics-addr", "127.0.0.1:0", "--no-leader-elect", ...opts.args], {
    cwd: repoRoot,
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const lines: string[] = [];
  createInterface({ input: child.stdout }).on("line", (l) => lines.push(l));
  createInterface({ input: child.stderr }).on("line", (l) => lines.push(l));
  let alive = true;
  const exited = new Promise<number | string>((r) =>
    child.once("exit", (code, signal) => {
      alive = false;
      r(code ?? signal ?? "unknown");
    }),
  );
  const controller: ControllerProcess = {
    child,
    lines,
    exited,
    running: () => alive,
    async stop() {
      if (alive) child.kill("SIGTERM");
      return exited;
    },
  };
  // Plain polling, not expect.poll: this also runs in beforeAll.
  const url = await until(() => (alive ? healthUrl(lines) : ""), 60_000, "its health server");
  if (url === "") throw new Error(`terraplane run exited before serving /readyz:\n${lines.join("\n")}`);
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

const LogLine = z.looseObject({ msg: z.string(), url: z.string().optional() });

/** The health server's URL, from the log line announcing it. */
export function healthUrl(lines: readonly string[]): string | undefined {
  for (const l of lines) {
    const parsed = LogLine.safeParse(safeJson(l));
    if (parsed.success && parsed.data.url) return parsed.data.url;
  }
  return undefined;
}

export function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
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

import { execFile, spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { z } from "zod";
import { ensureControlPlaneBinary } from "../../sandbox/launcher/tools.ts";
import type { KubectlResult } from "./kube.ts";

// A control plane of one test's own (kube-apiserver + etcd, the sandbox's binary on a data dir of the
// test's), for faults the shared sandbox must not suffer: stopping its API server would break every
// other test running in parallel. Restarting on the same data dir and port keeps etcd's data, the
// credentials and the kubeconfig, as a real API server restart does.

const ReadyLine = z.object({ ready: z.literal(true), server: z.string(), kubeconfig: z.string() });

export interface RunningControlPlane {
  readonly server: string;
  readonly port: number;
  readonly kubeconfig: string;
  /** SIGTERM and wait: the process stops the apiserver (cutting watches), then etcd. */
  stop(): Promise<void>;
}

/** Starts the control plane on `dataDir` (port 0: any free one) and resolves once it says it is ready. */
export async function startControlPlane(dataDir: string, port = 0, timeoutMs = 120_000): Promise<RunningControlPlane> {
  const binary = await ensureControlPlaneBinary();
  const child = spawn(binary, ["--data-dir", dataDir, "--port", String(port)], { stdio: ["ignore", "pipe", "pipe"] });
  const stderr: string[] = [];
  createInterface({ input: child.stderr }).on("line", (l) => stderr.push(l));
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  const ready = await new Promise<z.infer<typeof ReadyLine>>((resolveReady, reject) => {
    const timer = setTimeout(() => reject(new Error(`control plane not ready after ${timeoutMs / 1000}s: ${stderr.slice(-5).join("\n")}`)), timeoutMs);
    createInterface({ input: child.stdout }).on("line", (line) => {
      const parsed = ReadyLine.safeParse(safeJson(line));
      if (!parsed.success) return;
      clearTimeout(timer);
      resolveReady(parsed.data);
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`control plane exited (${code}) before it was ready: ${stderr.slice(-5).join("\n")}`));
    });
  });
  return {
    ...ready,
    port: Number(new URL(ready.server).port),
    stop: () => stopChild(child, exited),
  };
}

async function stopChild(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill("SIGTERM");
  await exited;
}

/** kubectl against one kubeconfig; never throws on a non-zero exit. */
export function kubectlAt(kubeconfig: string, args: readonly string[], input?: string): Promise<KubectlResult> {
  return new Promise((resolveRun) => {
    const child = execFile("kubectl", ["--kubeconfig", kubeconfig, ...args], { maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      resolveRun({ code: err && typeof err.code === "number" ? err.code : err ? 1 : 0, stdout, stderr });
    });
    if (input !== undefined) child.stdin?.end(input);
  });
}

export async function kubectlAtOk(kubeconfig: string, args: readonly string[], input?: string): Promise<string> {
  const result = await kubectlAt(kubeconfig, args, input);
  if (result.code !== 0) throw new Error(`kubectl ${args.join(" ")} failed (${result.code}): ${result.stderr}`);
  return result.stdout;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

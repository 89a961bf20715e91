import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { z } from "zod";
import { controllerEntry } from "../../sandbox/launcher/controller-entry.ts";
import { repoRoot } from "../../sandbox/launcher/paths.ts";

// A real `terraplane run` process, as an operator starts it: its JSON log lines are kept so a test
// can read what it said (its health URL, its leader-election identity) and can kill it like a crash.


export interface ControllerProcess {
  readonly child: ChildProcess;
  readonly lines: string[];
  /** The exit code, or the signal that ended it. */
  readonly exited: Promise<number | string>;
  /** The first log line whose msg is `msg`, parsed; undefined until it is printed. */
  logged(msg: string): LogLine | undefined;
}

const LogLineSchema = z.looseObject({ msg: z.string(), url: z.string().optional(), identity: z.string().optional() });
export type LogLine = z.infer<typeof LogLineSchema>;

/** Starts `terraplane run --kubeconfig <kubeconfig> --metrics-addr 127.0.0.1:0 ...args` with `env` added. */
export function startController(kubeconfig: string, args: readonly string[], extraEnv: NodeJS.ProcessEnv = {}): ControllerProcess {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extraEnv };
  delete env.KUBECONFIG;
  return watchController(process.execPath, [...controllerEntry(), "run", "--kubeconfig", kubeconfig, "--metrics-addr", "127.0.0.1:0", ...args], { cwd: repoRoot, env });
}

/** The health server's URL once the controller serves it. */
export async function healthUrl(controller: ControllerProcess, timeoutMs = 60_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const url = controller.logged("serving /healthz, /readyz and /metrics")?.url;
    if (url) return url;
    if (controller.child.exitCode !== null || Date.now() > deadline) {
      throw new Error(`no health URL (exit ${String(controller.child.exitCode)}): ${controller.lines.slice(-20).join("\n")}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A controller started some other way (`file args...`, e.g. an image's entry point), watched the same. */
export function watchController(file: string, args: readonly string[], options: { cwd: string; env: NodeJS.ProcessEnv }): ControllerProcess {
  const child = spawn(file, args, { ...options, stdio: ["ignore", "pipe", "pipe"] });
  const lines: string[] = [];
  createInterface({ input: child.stdout }).on("line", (l) => lines.push(l));
  createInterface({ input: child.stderr }).on("line", (l) => lines.push(l));
  const exited = new Promise<number | string>((r) => child.once("exit", (code, signal) => r(code ?? signal ?? "unknown")));
  return {
    child,
    lines,
    exited,
    logged(msg) {
      for (const l of lines) {
        const parsed = LogLineSchema.safeParse(safeJson(l));
        if (parsed.success && parsed.data.msg === msg) return parsed.data;
      }
      return undefined;
    },
  };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

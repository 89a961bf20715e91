import { execFile } from "node:child_process";

export interface KubectlResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs kubectl with an explicit kubeconfig; never throws on a non-zero exit. */
export function kubectl(kubeconfig: string, args: readonly string[], input?: string): Promise<KubectlResult> {
  return new Promise((resolveRun) => {
    const child = execFile("kubectl", ["--kubeconfig", kubeconfig, ...args], { maxBuffer: 32 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === "number" ? err.code : 127;
      resolveRun({ code, stdout, stderr: err && !stderr ? err.message : stderr });
    });
    if (input !== undefined) child.stdin?.end(input);
  });
}

/** kubectl that must succeed: its stdout, or an error carrying its stderr. */
export async function kubectlOk(kubeconfig: string, args: readonly string[], input?: string): Promise<string> {
  const result = await kubectl(kubeconfig, args, input);
  if (result.code !== 0) throw new Error(`kubectl ${args.join(" ")} failed: ${result.stderr.trim()}`);
  return result.stdout;
}

/** A clear failure up front when kubectl is missing, rather than a spawn error halfway through. */
export async function requireKubectl(): Promise<void> {
  const version = await new Promise<boolean>((resolveRun) => execFile("kubectl", ["version", "--client"], (err) => resolveRun(err === null)));
  if (!version) throw new Error("kubectl is not on PATH: install kubectl 1.28 or newer (https://kubernetes.io/docs/tasks/tools/) and run this again");
}

import { execFile } from "node:child_process";
import { CoreV1Api, KubeConfig } from "@kubernetes/client-node";
import { inject } from "vitest";
import { uniqueName } from "./names.ts";

export interface KubectlResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the real `kubectl` against the sandbox, as a user would. Never throws on a non-zero exit. */
export function kubectl(args: readonly string[], input?: string): Promise<KubectlResult> {
  const { kubeconfig } = inject("sandbox");
  return new Promise((resolveRun) => {
    const child = execFile(
      "kubectl",
      ["--kubeconfig", kubeconfig, ...args],
      { maxBuffer: 16 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const code = err && typeof err.code === "number" ? err.code : err ? 1 : 0;
        resolveRun({ code, stdout, stderr });
      },
    );
    if (input !== undefined) child.stdin?.end(input);
  });
}

/** Like kubectl(), but fails the test with kubectl's own message when the command fails. */
export async function kubectlOk(args: readonly string[], input?: string): Promise<string> {
  const result = await kubectl(args, input);
  if (result.code !== 0) throw new Error(`kubectl ${args.join(" ")} failed (${result.code}): ${result.stderr}`);
  return result.stdout;
}

export function kubeConfig(): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(inject("sandbox").kubeconfig);
  return kc;
}

/** A fresh namespace for one test; delete it with the returned function (the namespace controller finishes the job). */
export async function testNamespace(prefix = "t"): Promise<{ name: string; cleanup: () => Promise<void> }> {
  const core = kubeConfig().makeApiClient(CoreV1Api);
  const name = uniqueName(prefix);
  await core.createNamespace({ body: { metadata: { name, labels: { "terraplane.dev/test": "true" } } } });
  return {
    name,
    cleanup: async () => {
      await core.deleteNamespace({ name }).catch(() => undefined);
    },
  };
}

/**
 * Waits until a CRD is Established. (`kubectl wait --for=condition=Established` fails at once on a
 * CRD so new that it has no conditions yet, so poll instead.)
 */
export async function waitEstablished(crdName: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const result = await kubectl(["get", "crd", crdName, "-o", `jsonpath={.status.conditions[?(@.type=="Established")].status}`]);
    if (result.stdout.trim() === "True") return;
    if (Date.now() > deadline) throw new Error(`CRD ${crdName} not Established after ${timeoutMs / 1000}s: ${result.stderr}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

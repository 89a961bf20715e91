import { execFile } from "node:child_process";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { nopLogger } from "../core/log.ts";
import { Manager } from "../core/manager.ts";
import { repoRoot } from "../sandbox/launcher/paths.ts";
import { doubleProvider } from "./doubles/double-provider.ts";
import { kubeConfig, kubectlOk, testNamespace } from "./harness/kube.ts";
import { applyCrds, condition, deleteCrds, getManaged } from "./harness/managed.ts";
import { uniqueName } from "./harness/names.ts";

// `kubectl terraplane status` and `explain`, as an operator runs them: through kubectl's plugin
// mechanism, against resources the real controller has reconciled.

function kubectlPlugin(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  // kubectl passes no flags to plugins: they read KUBECONFIG, as users' plugins do.
  const env = { ...process.env, KUBECONFIG: inject("sandbox").kubeconfig, PATH: `${join(repoRoot, "bin")}:${dirname(process.execPath)}:${process.env.PATH ?? ""}` };
  return new Promise((resolveRun) => {
    execFile("kubectl", ["terraplane", ...args], { env }, (err, stdout, stderr) =>
      resolveRun({ code: err ? 1 : 0, stdout, stderr }),
    );
  });
}

describe("terraplane status and explain", () => {
  const group = `${uniqueName("ops")}.test.terraplane.dev`;
  const provider = doubleProvider(group);
  const ref = { group, version: "v1alpha1", plural: "things" };
  let ns: Awaited<ReturnType<typeof testNamespace>>;
  let manager: Manager;
  const thing = (name: string, spec: Record<string, unknown> = {}): string =>
    JSON.stringify({ apiVersion: `${group}/v1alpha1`, kind: "Thing", metadata: { name, namespace: ns.name }, spec: { forProvider: { region: "eu", size: 1 }, ...spec } });

  beforeAll(async () => {
    await applyCrds(provider.crds);
    ns = await testNamespace("ops");
    await kubectlOk(["apply", "-f", "-"], JSON.stringify({ apiVersion: `${group}/v1alpha1`, kind: "ClusterProviderConfig", metadata: { name: "default" }, spec: { cloud: "memory" } }));
    manager = new Manager({ kc: kubeConfig(), kinds: [provider.registered], log: nopLogger, namespace: ns.name, concurrency: 2, pollIntervalMs: 2_000, progressIntervalMs: 300 });
    await manager.start();
    await kubectlOk(["apply", "-f", "-"], thing("healthy"));
    await kubectlOk(["apply", "-f", "-"], thing("lost", { providerConfigRef: { kind: "ProviderConfig", name: "nowhere" } }));
    await until(async () => condition(await getManaged(ref, ns.name, "healthy"), "Ready")?.status === "True");
    await until(async () => condition(await getManaged(ref, ns.name, "lost"), "Synced")?.status === "False");
  });
  afterAll(async () => {
    await manager.stop(1_000);
    await ns.cleanup();
    await deleteCrds(provider.crds);
  });

  it("`kubectl terraplane status -n` lists each resource with READY, SYNCED and why it is not Ready", async () => {
    const out = await kubectlPlugin(["status", "-n", ns.name]);
    expect(out.code, out.stderr).toBe(0);
    const lines = out.stdout.trim().split("\n");
    expect(lines[0]).toMatch(/^KIND\s+NAME\s+CLOUD\s+READY\s+SYNCED\s+AGE\s+MESSAGE$/);
    expect(out.stdout).toMatch(/Thing\s+healthy\s+ops-\w+\s+True\s+True\s+\d+s\s*$/m);
    expect(out.stdout).toMatch(/Thing\s+lost\s+ops-\w+\s+\S+\s+False\s+\d+s\s+cannot connect to the provider: ProviderConfig "nowhere"/m);
  });

  it("`status -A` adds the namespace column", async () => {
    const out = await kubectlPlugin(["status", "-A"]);
    expect(out.stdout.split("\n")[0]).toMatch(/^KIND\s+NAMESPACE\s+NAME/);
    expect(out.stdout).toContain(ns.name);
  });

  it("`explain` puts the root cause first and shows what the resource depends on", async () => {
    const out = await kubectlPlugin(["explain", `things.${group}/lost`, "-n", ns.name]);
    expect(out.code, out.stderr).toBe(0);
    const [title, cause] = out.stdout.split("\n");
    expect(title).toContain("Thing/lost");
    expect(cause).toBe(`Not ready because: ProviderConfig "nowhere" in namespace "${ns.name}" does not exist: create it or fix spec.providerConfigRef`);
    expect(out.stdout).toContain(`ProviderConfig ${ns.name}/nowhere: MISSING`);
    expect(out.stdout).toMatch(/Warning\s+CannotConnectToProvider/);

    const healthy = await kubectlPlugin(["explain", `things.${group}/healthy`, "-n", ns.name]);
    expect(healthy.stdout.split("\n")[1]).toBe("Ready: the cloud resource exists and matches the spec.");
    expect(healthy.stdout).toMatch(/Normal\s+CreatedExternalResource/);
  });

  it("says clearly when the kind or the object does not exist", async () => {
    const kind = await kubectlPlugin(["explain", "nosuchkind/x", "-n", ns.name]);
    expect(kind.code).not.toBe(0);
    expect(kind.stderr).toContain('no managed kind "nosuchkind" is installed');
    const object = await kubectlPlugin(["explain", `things.${group}/ghost`, "-n", ns.name]);
    expect(object.stderr).toContain(`Thing "ghost" not found in namespace "${ns.name}"`);
  });
});

async function until(check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("timed out waiting for the controller");
    await new Promise((r) => setTimeout(r, 200));
  }
}

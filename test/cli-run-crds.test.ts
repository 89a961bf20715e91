import { execFile } from "node:child_process";
import { join } from "node:path";
import { describe, expect, inject, it } from "vitest";
import { allCrds } from "../providers/index.ts";
import { repoRoot } from "../sandbox/launcher/paths.ts";
import { healthUrl, watchController } from "./harness/controller-process.ts";
import { kubectlOk, waitEstablished } from "./harness/kube.ts";

const cli = join(repoRoot, "bin", "terraplane");

describe("terraplane crds --apply", () => {
  it("applies every generated CRD to the real API server, where each becomes Established", async () => {
    const { kubeconfig } = inject("sandbox");
    const result = await new Promise<{ code: number; stderr: string }>((resolveRun) => {
      execFile(cli, ["crds", "--apply", "--kubeconfig", kubeconfig], (err, _stdout, stderr) => resolveRun({ code: err ? 1 : 0, stderr }));
    });
    expect(result.code, result.stderr).toBe(0);
    for (const crd of allCrds()) {
      expect(result.stderr).toContain(`${crd.metadata.name} applied`);
      await waitEstablished(crd.metadata.name);
    }
    const names = await kubectlOk(["get", "crd", "-o", "name"]);
    for (const crd of allCrds()) expect(names).toContain(crd.metadata.name);
  });
});

describe("terraplane run", () => {
  it("starts the controller manager, serves /readyz and stops cleanly on SIGTERM", { timeout: 60_000 }, async () => {
    const { kubeconfig } = inject("sandbox");
    const controller = watchController(cli, ["run", "--kubeconfig", kubeconfig, "--no-leader-elect", "--metrics-addr", "127.0.0.1:0"], { cwd: repoRoot, env: process.env });
    const url = await healthUrl(controller);
    await expect.poll(async () => (await fetch(`${url}/readyz`)).status, { timeout: 30_000 }).toBe(200);
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    controller.child.kill("SIGTERM");
    expect(await controller.exited, controller.lines.slice(-20).join("\n")).toBe(0);
    expect(controller.lines.join("\n")).toContain("controller manager stopped");
  });
});

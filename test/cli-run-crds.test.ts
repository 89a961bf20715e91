import { execFile, spawn } from "node:child_process";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { describe, expect, inject, it } from "vitest";
import { allCrds } from "../providers/index.ts";
import { repoRoot } from "../sandbox/launcher/paths.ts";
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
    const child = spawn(cli, ["run", "--kubeconfig", kubeconfig, "--no-leader-elect", "--metrics-addr", "127.0.0.1:0"], { stdio: ["ignore", "pipe", "pipe"] });
    const lines: string[] = [];
    const url = await new Promise<string>((resolveUrl, reject) => {
      child.once("exit", (code) => reject(new Error(`exited early (${code}): ${lines.join("\n")}`)));
      createInterface({ input: child.stderr }).on("line", (line) => lines.push(line));
      createInterface({ input: child.stdout }).on("line", (line) => {
        lines.push(line);
        const parsed: unknown = JSON.parse(line.startsWith("{") ? line : "null");
        if (typeof parsed === "object" && parsed !== null && "url" in parsed && typeof parsed.url === "string") resolveUrl(parsed.url);
      });
    });
    await expect.poll(async () => (await fetch(`${url}/readyz`)).status, { timeout: 30_000 }).toBe(200);
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    const exited = new Promise<number | null>((r) => child.once("exit", r));
    child.kill("SIGTERM");
    expect(await exited, lines.slice(-20).join("\n")).toBe(0);
    expect(lines.join("\n")).toContain("controller manager stopped");
  });
});

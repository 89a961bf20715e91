import { execFile } from "node:child_process";
import { mkdtemp, readFile, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { z } from "zod";
import { repoRoot } from "../sandbox/launcher/paths.ts";
import { healthUrl, watchController } from "./harness/controller-process.ts";
import { followDockerfile } from "./harness/dockerfile.ts";
import type { BuiltStage } from "./harness/dockerfile.ts";

// The container image as the Dockerfile makes it, its steps followed on disk (no Docker engine
// here: test/harness/dockerfile.ts): every CLI command loads from what the image holds, and `run`
// starts the controller's bundle under the heap flags of cli/controller-node-flags, against the
// sandbox's API server.

let out: string;
let image: BuiltStage;

beforeAll(async () => {
  out = await mkdtemp(join(tmpdir(), "terraplane-image-"));
  image = await followDockerfile(repoRoot, out);
}, 180_000);

afterAll(async () => {
  await rm(out, { recursive: true, force: true });
});

/** The image's ENTRYPOINT + `args` as argv, paths inside the image mapped into the stage's directory. */
function argv(args: readonly string[]): [string, ...string[]] {
  const [first = "", ...rest] = [...image.entrypoint, ...args];
  return [first.startsWith("/") ? join(image.root, first) : first, ...rest];
}

const env = (): NodeJS.ProcessEnv => ({ ...process.env, NODE_ENV: "production", PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ""}` });

function runImage(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const [file, ...rest] = argv(args);
  return new Promise((resolveRun) => {
    execFile(file, rest, { cwd: join(image.root, image.workdir), env: env(), maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      resolveRun({ code: err ? (typeof err.code === "number" ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

describe("the container image (Dockerfile followed on disk)", () => {
  it("holds what every CLI command loads: --help lists them, crds prints the CRDs", async () => {
    const help = await runImage(["--help"]);
    expect(help.code, help.stderr).toBe(0);
    for (const command of ["run", "crds", "status", "explain", "import", "plan", "adopt"]) expect(help.stdout).toMatch(new RegExp(`^\\s+${command}\\b`, "m"));
    const crds = await runImage(["crds"]);
    expect(crds.code, crds.stderr).toBe(0);
    expect(crds.stdout).toContain("kind: CustomResourceDefinition");
    // No test files and no repo state beyond what the Dockerfile copies.
    const top = await readdir(join(image.root, image.workdir));
    expect(top.sort()).toEqual(["cli", "compositions", "core", "dist", "migrate", "node_modules", "package.json", "providers", "sandbox"]);
    const files = await readdir(join(image.root, image.workdir, "core"), { recursive: true });
    expect(files.filter((f) => f.endsWith(".test.ts"))).toEqual([]);
  });

  it("loads the bundle's external packages from production dependencies only", async () => {
    const pkg = z.object({ dependencies: z.record(z.string(), z.string()) }).parse(JSON.parse(await readFile(join(repoRoot, "package.json"), "utf8")));
    const dir = join(image.root, image.workdir, "dist", "controller");
    const imported = new Set<string>();
    for (const file of (await readdir(dir)).filter((f) => f.endsWith(".js"))) {
      for (const m of (await readFile(join(dir, file), "utf8")).matchAll(/(?:from|import\()\s*["']([^."'][^"']*)["']/g)) {
        const spec = m[1] ?? "";
        if (spec.startsWith("node:") || !/^[@a-z]/.test(spec)) continue;
        imported.add(spec.startsWith("@") ? spec.split("/").slice(0, 2).join("/") : (spec.split("/")[0] ?? spec));
      }
    }
    const builtins = new Set(["dns", "http", "https", "net", "tls", "url", "vm", "fs", "os", "path", "crypto", "stream", "util", "events", "zlib", "child_process"]);
    const external = [...imported].filter((p) => !builtins.has(p));
    expect(external.length).toBeGreaterThan(0);
    expect(external.filter((p) => !(p in pkg.dependencies))).toEqual([]);
  });

  it("runs the controller from its bundle under the heap flags, serves /readyz, and stops cleanly on SIGTERM", { timeout: 60_000 }, async () => {
    const { kubeconfig } = inject("sandbox");
    const [file, ...rest] = argv([...image.cmd, "--kubeconfig", kubeconfig, "--no-leader-elect", "--metrics-addr", "127.0.0.1:0"]);
    const controller = watchController(file, rest, { cwd: join(image.root, image.workdir), env: env() });
    try {
      const url = await healthUrl(controller, 30_000);
      // The entry point execs node, so the child's pid is the controller's own.
      const cmdline = (await readFile(`/proc/${controller.child.pid}/cmdline`, "utf8")).split("\0");
      const flags = (await readFile(join(repoRoot, "cli", "controller-node-flags"), "utf8")).split(/\s+/).filter(Boolean);
      expect(cmdline).toEqual(expect.arrayContaining([...flags, join(image.root, image.workdir, "dist", "controller", "main.js")]));
      await expect.poll(async () => (await fetch(`${url}/readyz`)).status, { timeout: 30_000 }).toBe(200);
    } finally {
      controller.child.kill("SIGTERM");
    }
    expect(await controller.exited, controller.lines.slice(-20).join("\n")).toBe(0);
  });
});

import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { CustomObjectsApi, PatchStrategy, setHeaderOptions } from "@kubernetes/client-node";
import { afterAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { repoRoot } from "../sandbox/launcher/paths.ts";
import { kubeConfig, kubectl } from "./harness/kube.ts";

// The smoke form of `make bench-core`: the benchmark script itself, as a child process, with a tiny N.
// It must print a complete result and leave no process behind — also when it is interrupted
// (SIGINT, SIGTERM) or killed outright (SIGKILL: its controller notices its stdin closing).

const Result = z.strictObject({
  resources: z.literal(20),
  createSeconds: z.number().nonnegative(),
  applyToAllReadySeconds: z.number().positive(),
  reconcilesPerSecondConverging: z.number().positive(),
  steadyReconcilesPerMinute: z.number().nonnegative(),
  controllerPeakRssMiB: z.number().positive(),
  controllerRssMiB: z.number().positive(),
  controllerHeapUsedMiB: z.number().positive(),
  controllerHeapCapMiB: z.union([z.number(), z.literal("node default")]),
  pollSeconds: z.number().positive(),
  concurrency: z.number().int().positive(),
  controllerPid: z.number().int().positive(),
});

interface Bench {
  readonly child: ChildProcess;
  readonly stdout: string[];
  readonly stderr: string[];
  readonly exited: Promise<number | string>;
  /** Resolves with the first capture of `pattern` in its stderr. */
  waitFor(pattern: RegExp): Promise<string>;
}

function startBench(args: readonly string[]): Bench {
  const child = spawn(process.execPath, ["--disable-warning=ExperimentalWarning", join(repoRoot, "bench", "core.ts"), ...args], { cwd: repoRoot, stdio: ["ignore", "pipe", "pipe"] });
  const stdout: string[] = [];
  const stderr: string[] = [];
  const waiters: { pattern: RegExp; resolve: (s: string) => void }[] = [];
  createInterface({ input: child.stdout }).on("line", (l) => stdout.push(l));
  createInterface({ input: child.stderr }).on("line", (l) => {
    stderr.push(l);
    for (const w of waiters) {
      const m = w.pattern.exec(l);
      if (m) w.resolve(m[1] ?? m[0]);
    }
  });
  const exited = new Promise<number | string>((r) => child.once("exit", (code, signal) => r(code ?? signal ?? "unknown")));
  return {
    child,
    stdout,
    stderr,
    exited,
    waitFor: (pattern) =>
      new Promise((resolveMatch, reject) => {
        const seen = stderr.map((l) => pattern.exec(l)).find((m) => m);
        if (seen) return resolveMatch(seen[1] ?? seen[0]);
        waiters.push({ pattern, resolve: resolveMatch });
        void exited.then((code) => reject(new Error(`bench exited (${code}) before ${pattern}:\n${stderr.join("\n")}`)));
      }),
  };
}

/** Alive and not a zombie (an orphan's zombie is not ours to reap). */
function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    return false;
  }
}

const TINY = ["--count", "20", "--steady-seconds", "3", "--poll-seconds", "60"];
const WAIT = { timeout: 20_000, interval: 100 };
const GONE = { timeout: 60_000, interval: 500 };

async function namespaceGone(name: string): Promise<boolean> {
  return (await kubectl(["get", "namespace", name, "--ignore-not-found", "-o", "name"])).stdout.trim() === "";
}

describe("make bench-core, smoke form", () => {
  const killed: { group: string; namespace: string }[] = [];
  afterAll(async () => {
    // A SIGKILLed bench cleans nothing up: remove its finalizers, namespace and CRD here.
    const custom = kubeConfig().makeApiClient(CustomObjectsApi);
    for (const { group, namespace } of killed) {
      const where = { group, version: "v1alpha1", namespace, plural: "things" };
      const list = z.object({ items: z.array(z.object({ metadata: z.object({ name: z.string() }) })) }).parse(await custom.listNamespacedCustomObject(where));
      for (const t of list.items) await custom.patchNamespacedCustomObject({ ...where, name: t.metadata.name, body: { metadata: { finalizers: null } } }, setHeaderOptions("Content-Type", PatchStrategy.MergePatch));
      await kubectl(["delete", "namespace", namespace, "--wait=false", "--ignore-not-found"]);
      await kubectl(["delete", "crd", `things.${group}`, `providerconfigs.${group}`, `clusterproviderconfigs.${group}`, "--wait=false", "--ignore-not-found"]);
    }
  });

  it("prints a complete result and leaves neither its controller nor its objects behind", { timeout: 120_000 }, async () => {
    const bench = startBench(TINY);
    const namespace = await bench.waitFor(/namespace (bench-\S+)/);
    const code = await bench.exited;
    expect(code, bench.stderr.join("\n")).toBe(0);
    const result = Result.parse(JSON.parse(bench.stdout.join("\n")));
    expect(running(result.controllerPid)).toBe(false);
    expect(bench.stderr.join("\n")).not.toContain("Unknown API Status Code");
    await expect.poll(() => namespaceGone(namespace), GONE).toBe(true);
  });

  const signals: Record<string, { signal: NodeJS.Signals; code: number }> = {
    "Ctrl-C (SIGINT)": { signal: "SIGINT", code: 130 },
    SIGTERM: { signal: "SIGTERM", code: 143 },
  };
  for (const [name, c] of Object.entries(signals)) {
    it(`stopped midway by ${name}: stops its controller, then exits ${c.code}`, { timeout: 120_000 }, async () => {
      const bench = startBench(["--count", "20", "--steady-seconds", "120"]);
      const namespace = await bench.waitFor(/namespace (bench-\S+)/);
      const pid = Number(await bench.waitFor(/controller pid (\d+)/));
      await bench.waitFor(/measuring steady state/);
      expect(running(pid)).toBe(true);
      bench.child.kill(c.signal);
      expect(await bench.exited).toBe(c.code);
      expect(running(pid)).toBe(false);
      expect(bench.stdout).toEqual([]); // no half result
      expect(bench.stderr.join("\n")).toContain("removing the finalizers of 20 things");
      // Nothing keeps its namespace Terminating: the finalizers the stopped controller held are gone.
      await expect.poll(() => namespaceGone(namespace), GONE).toBe(true);
    });
  }

  it("SIGKILLed (no chance to clean up): its controller notices and stops by itself", { timeout: 120_000 }, async () => {
    const bench = startBench(["--count", "20", "--steady-seconds", "120"]);
    const group = await bench.waitFor(/group (\S+),/);
    const namespace = await bench.waitFor(/namespace (bench-\S+)/);
    killed.push({ group, namespace });
    const pid = Number(await bench.waitFor(/controller pid (\d+)/));
    await bench.waitFor(/measuring steady state/);
    bench.child.kill("SIGKILL");
    expect(await bench.exited).toBe("SIGKILL");
    await expect.poll(() => running(pid), WAIT).toBe(false);
  });
});

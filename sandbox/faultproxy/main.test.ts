// The process entry point, as a harness would run it.
import { spawn } from "node:child_process";
import type { ChildProcessByStdio } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { FaultProxyClient } from "./client.ts";
import { startFakeUpstream } from "./_test_upstream.ts";
import type { FakeUpstream } from "./_test_upstream.ts";

const MAIN = path.join(import.meta.dirname, "main.ts");
const ReadyLine = z.strictObject({ ready: z.literal(true), url: z.string().regex(/^http:\/\/127\.0\.0\.1:\d+$/) });

type Child = ChildProcessByStdio<null, Readable, Readable>;

function run(args: readonly string[]): Child {
  return spawn(process.execPath, [MAIN, ...args], { stdio: ["ignore", "pipe", "pipe"] });
}

function firstLine(child: Child): Promise<string> {
  return new Promise((resolve, reject) => {
    let buf = "";
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (chunk: string) => {
      buf += chunk;
      const nl = buf.indexOf("\n");
      if (nl >= 0) resolve(buf.slice(0, nl));
    });
    child.once("exit", (code) => reject(new Error(`exited ${code} before a line`)));
  });
}

function exited(child: Child): Promise<{ code: number | null; stderr: string }> {
  let stderr = "";
  child.stderr.setEncoding("utf8");
  child.stderr.on("data", (chunk: string) => (stderr += chunk));
  return new Promise((resolve) => child.once("close", (code) => resolve({ code, stderr })));
}

let upstream: FakeUpstream;
let dir: string;
beforeAll(async () => {
  upstream = await startFakeUpstream();
  dir = await mkdtemp(path.join(tmpdir(), "faultproxy-"));
});
afterAll(async () => {
  await upstream.close();
  await rm(dir, { recursive: true, force: true });
});

// Each case starts a Node process: generous timeouts for loaded CI machines.
describe("main.ts", { timeout: 20_000 }, () => {
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    it(`prints a ready line, serves, and exits 0 on ${signal}`, async () => {
      const faults = path.join(dir, `faults-${signal}.json`);
      await writeFile(faults, JSON.stringify({ schedule: [{ fault: "error5xx", count: 1 }] }));
      const child = run(["--upstream", upstream.url, "--port", "0", "--seed", "1", "--faults", faults]);
      const done = exited(child);
      const { url } = ReadyLine.parse(JSON.parse(await firstLine(child)));
      expect((await fetch(`${url}/x`)).status).toBe(503); // from --faults
      expect((await fetch(`${url}/x`)).status).toBe(200);
      expect((await new FaultProxyClient(url).stats()).total).toMatchObject({ requests: 2, forwarded: 1 });
      child.kill(signal);
      expect((await done).code).toBe(0);
    });
  }

  const bad: Record<string, { args: string[]; code: number; stderr: RegExp }> = {
    "missing --upstream": { args: [], code: 2, stderr: /--upstream is required/ },
    "unknown flag": { args: ["--upstream", "http://127.0.0.1:1", "--bogus"], code: 2, stderr: /bogus/ },
    "bad port": { args: ["--upstream", "http://127.0.0.1:1", "--port", "http"], code: 2, stderr: /--port must be an integer/ },
    "https upstream": { args: ["--upstream", "https://127.0.0.1:1"], code: 1, stderr: /http:\/\/ URL/ },
    "public host": { args: ["--upstream", "http://127.0.0.1:1", "--host", "0.0.0.0"], code: 1, stderr: /loopback only/ },
  };
  for (const [name, { args, code, stderr }] of Object.entries(bad)) {
    it(`fails on ${name}`, async () => {
      const result = await exited(run(args));
      expect(result.code).toBe(code);
      expect(result.stderr).toMatch(stderr);
    });
  }

  it("fails on an invalid faults file, before listening", async () => {
    const faults = path.join(dir, "bad.json");
    await writeFile(faults, JSON.stringify({ rules: [{ fault: "throttle", rate: -1 }] }));
    const result = await exited(run(["--upstream", upstream.url, "--faults", faults]));
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/invalid fault config[\s\S]*rules\[0\]\.rate/);
  });
});

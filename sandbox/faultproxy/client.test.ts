// The control API as a test in another process drives it: over HTTP, through FaultProxyClient.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { FaultProxyClient, isFaultProxyRequestError } from "./client.ts";
import type { FaultConfigInput } from "./faults.ts";
import { startFaultProxy } from "./proxy.ts";
import type { FaultProxy } from "./proxy.ts";
import { operationCounts } from "./stats.ts";
import { startFakeUpstream } from "./_test_upstream.ts";
import type { FakeUpstream } from "./_test_upstream.ts";

let upstream: FakeUpstream;
let proxy: FaultProxy;
let client: FaultProxyClient;

beforeAll(async () => {
  upstream = await startFakeUpstream();
  proxy = await startFaultProxy({ upstream: upstream.url });
  client = new FaultProxyClient(`${proxy.url}/`);
});
afterAll(async () => {
  await proxy.close();
  await upstream.close();
});
beforeEach(async () => {
  await client.reset();
  upstream.reset();
});

async function failure(p: Promise<unknown>): Promise<{ status: number; message: string }> {
  try {
    await p;
  } catch (err) {
    if (isFaultProxyRequestError(err)) return { status: err.status, message: err.message };
    throw err;
  }
  throw new Error("expected a FaultProxyRequestError");
}

describe("FaultProxyClient", () => {
  it("sets, reads and applies faults", async () => {
    const set = await client.setFaults({ rules: [{ fault: "error5xx", rate: 1, match: { operation: "GET /boom" } }] });
    expect(set).toEqual({ rules: [{ fault: "error5xx", rate: 1, status: 503, match: { operation: "GET /boom" } }], schedule: [] });
    expect(await client.faults()).toEqual(set);
    expect(proxy.faults()).toEqual(set);
    expect((await fetch(`${proxy.url}/boom`)).status).toBe(503);
    expect((await fetch(`${proxy.url}/fine`)).status).toBe(200);
  });

  it("appends scheduled faults and shows what remains", async () => {
    await client.schedule({ fault: "throttle", count: 2 });
    const config = await client.schedule({ fault: "drop", count: 1, match: { service: "rds" } });
    expect(config.schedule).toEqual([
      { fault: "throttle", count: 2 },
      { fault: "drop", count: 1, match: { service: "rds" } },
    ]);
    expect((await fetch(`${proxy.url}/a`)).status).toBe(400); // unknown protocol: plain-text throttle
    expect((await client.faults()).schedule[0]).toEqual({ fault: "throttle", count: 1 });
  });

  it("reads and resets stats", async () => {
    await fetch(`${proxy.url}/one`);
    await fetch(`${proxy.url}/one`);
    const stats = await client.stats();
    expect(operationCounts(stats, "unknown", "GET /one")).toMatchObject({ requests: 2, forwarded: 2, upstream: { "2xx": 2 } });
    expect(stats).toEqual(proxy.stats()); // control calls are not counted
    await client.resetStats();
    expect((await client.stats()).total.requests).toBe(0);
  });

  it("reset clears faults and stats", async () => {
    await client.setFaults({ rules: [{ fault: "latency", rate: 1, delayMs: 1 }] });
    await fetch(`${proxy.url}/x`);
    await client.reset();
    expect(await client.faults()).toEqual({ rules: [], schedule: [] });
    expect((await client.stats()).services).toEqual({});
  });

  it("rejects an invalid config with 400 and a readable message, keeping the old one", async () => {
    await client.setFaults({ rules: [{ fault: "drop", rate: 0 }] });
    const bad: FaultConfigInput = { rules: [{ fault: "latency", rate: 2, delayMs: { min: 5, max: 1 } }] };
    const err = await failure(client.setFaults(bad));
    expect(err.status).toBe(400);
    expect(err.message).toMatch(/invalid fault config/);
    expect(err.message).toMatch(/rules\[0\]\.rate/);
    expect(err.message).toMatch(/min must be <= max/);
    expect((await client.faults()).rules).toEqual([{ fault: "drop", rate: 0 }]);
  });
});

describe("control API over raw HTTP", () => {
  const cases: Record<string, { method: string; path: string; body?: string; status: number; error?: RegExp }> = {
    "bad JSON": { method: "PUT", path: "faults", body: "{rules:", status: 400, error: /not valid JSON/ },
    "bad scheduled fault": { method: "POST", path: "faults/schedule", body: '{"fault":"throttle"}', status: 400, error: /scheduled fault[\s\S]*count/ },
    "PUT without a body": { method: "PUT", path: "faults", status: 400, error: /expected object/ },
    "unknown endpoint": { method: "GET", path: "nope", status: 404, error: /no control endpoint/ },
    "wrong method": { method: "DELETE", path: "stats", status: 405, error: /DELETE not allowed/ },
    "stats with a trailing slash": { method: "GET", path: "stats/", status: 200 },
  };
  for (const [name, { method, path, body, status, error }] of Object.entries(cases)) {
    it(name, async () => {
      const res = await fetch(`${proxy.url}/__faultproxy/${path}`, { method, body });
      expect(res.status).toBe(status);
      const json: unknown = await res.json();
      if (error !== undefined) expect(z.object({ error: z.string() }).parse(json).error).toMatch(error);
      expect(proxy.stats().total.requests).toBe(0);
    });
  }
});

import { createServer } from "node:http";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { googleClientOptions } from "./client-options.ts";
import { sdkComputeApi } from "./compute/api.ts";
import { sdkSqlApi } from "./database/client.ts";
import { GcpSession } from "./session.ts";

// A cloud endpoint that accepts the connection and never answers: every call the GCP provider makes
// through the official clients must give up when the reconcile's signal fires, not after the
// clients' own attempt timeout (60 s) and retries. The bound allows for loading the clients on a slow machine; it is far below 60 s.

const DEADLINE_MS = 300;

let server: Server;
let requests = 0;
let session: GcpSession;

beforeAll(async () => {
  server = createServer(() => {
    requests++; // and never answer
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo; // listen() on a TCP port: always an AddressInfo
  session = new GcpSession("tp-hung", undefined, googleClientOptions({ endpoint: `http://127.0.0.1:${port}` }));
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
});

/** How long a call took to settle, and how: it must settle (reject) soon after the deadline. */
async function settle(call: () => Promise<unknown>): Promise<{ ms: number; rejected: boolean }> {
  const start = performance.now();
  const rejected = await call().then(
    () => false,
    () => true,
  );
  return { ms: performance.now() - start, rejected };
}

describe("Google calls against an endpoint that never answers", { timeout: 30_000 }, () => {
  it("Cloud SQL: instances.get rejects within the deadline", async () => {
    const before = requests;
    const out = await settle(() => sdkSqlApi(session, AbortSignal.timeout(DEADLINE_MS)).get("tp-hung", "orders"));
    expect(out.rejected).toBe(true);
    expect(out.ms).toBeLessThan(DEADLINE_MS + 3_000);
    expect(requests).toBeGreaterThan(before); // it really reached the endpoint
  });

  it("compute: a read and a mutation reject within the deadline", async () => {
    const read = await settle(() => sdkComputeApi(session, AbortSignal.timeout(DEADLINE_MS)).urlMaps.get("tp-hung", "shop-um"));
    const insert = await settle(() => sdkComputeApi(session, AbortSignal.timeout(DEADLINE_MS)).healthChecks.insert("tp-hung", { name: "shop-hc" }));
    for (const out of [read, insert]) {
      expect(out.rejected).toBe(true);
      expect(out.ms).toBeLessThan(DEADLINE_MS + 3_000);
    }
  });

  it("a signal already fired (shutdown) stops the call at once", async () => {
    const out = await settle(() => sdkSqlApi(session, AbortSignal.abort()).operation("tp-hung", "op-1"));
    expect(out.rejected).toBe(true);
    expect(out.ms).toBeLessThan(1_000);
  });
});

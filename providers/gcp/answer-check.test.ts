import http from "node:http";
import type { AddressInfo } from "node:net";
import { v1 as sql } from "@google-cloud/sql";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { notJson } from "./answer-check.ts";
import { googleClientOptions } from "./client-options.ts";
import { classifyGoogleError, toProviderError } from "./errors.ts";

// Through the official Cloud SQL client, against a local server: a successful answer that is not
// JSON fails the call at once (one request, no retries) with DATA_LOSS and a message saying so;
// whole answers and error answers are untouched.

let answer: { status: number; body: string } = { status: 200, body: "" };
let requests = 0;
let server: http.Server;
let endpoint = "";

beforeAll(async () => {
  server = http.createServer((_req, res) => {
    requests += 1;
    res.writeHead(answer.status, { "content-type": "application/json" }).end(answer.body);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((r) => server.close(r));
});
beforeEach(() => {
  requests = 0;
});

function client(): sql.SqlInstancesServiceClient {
  return new sql.SqlInstancesServiceClient(googleClientOptions({ endpoint, retry: { initialDelayMs: 10, maxDelayMs: 20, totalTimeoutMs: 2_000 } }));
}

async function failure(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error("expected the call to fail");
}

describe("answers that are not JSON", () => {
  it("a truncated successful answer fails at once with DATA_LOSS, classified Transient, naming the problem", async () => {
    answer = { status: 200, body: '{"name":"orders","state":' };
    const err = await failure(client().get({ project: "p", instance: "orders" }));
    expect(requests).toBe(1);
    expect(err).toMatchObject({ code: 15 });
    expect(classifyGoogleError(err)).toBe("Transient");
    expect(toProviderError("sqladmin:instances.get", err).message).toMatch(/^sqladmin:instances\.get: the cloud's answer \(HTTP 200\) is not valid JSON: /);
  });

  it("a whole answer goes through", async () => {
    answer = { status: 200, body: JSON.stringify({ name: "orders", project: "p" }) };
    const [inst] = await client().get({ project: "p", instance: "orders" });
    expect(inst.name).toBe("orders");
    expect(requests).toBe(1);
  });

  it("an error answer keeps its own code", async () => {
    answer = { status: 404, body: JSON.stringify({ error: { code: 404, status: "NOT_FOUND", message: "no such instance", errors: [{ reason: "instanceDoesNotExist" }] } }) };
    const err = await failure(client().get({ project: "p", instance: "gone" }));
    expect(classifyGoogleError(err)).toBe("NotFound");
  });

  it("notJson says why, and accepts an empty body", () => {
    expect(notJson(Buffer.from(""))).toBeUndefined();
    expect(notJson(Buffer.from("[1]"))).toBeUndefined();
    expect(notJson(Buffer.from("<html>"))).toMatch(/JSON/);
  });
});

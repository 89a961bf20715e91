// End to end through the real AWS SDK v3 clients: the proxy's errors must be parsed and
// classified by the SDK itself (isThrottlingError is what the SDK's retry middleware calls).
import http from "node:http";
import net from "node:net";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { CloudFrontClient, CloudFrontServiceException, ListDistributionsCommand } from "@aws-sdk/client-cloudfront";
import { DescribeVpcsCommand, EC2Client, EC2ServiceException } from "@aws-sdk/client-ec2";
import { DescribeLoadBalancersCommand, ElasticLoadBalancingV2Client } from "@aws-sdk/client-elastic-load-balancing-v2";
import { DescribeDBInstancesCommand, RDSClient, RDSServiceException } from "@aws-sdk/client-rds";
// The one AWS JSON-protocol client in node_modules (a dependency of the SDK's credential chain).
import { CognitoIdentityClient, CognitoIdentityServiceException, GetIdCommand } from "@aws-sdk/nested-clients/cognito-identity";
// What the SDK's retry middleware uses to pick THROTTLING / TRANSIENT backoff.
import { isThrottlingError, isTransientError } from "@smithy/core/retry";
import { startFaultProxy } from "./proxy.ts";
import type { FaultProxy } from "./proxy.ts";
import { seededRandom } from "./random.ts";
import { operationCounts } from "./stats.ts";
import { sigV4Verifies, startFakeUpstream } from "./_test_upstream.ts";
import type { FakeUpstream } from "./_test_upstream.ts";

const credentials = { accessKeyId: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY" };

let upstream: FakeUpstream;
let proxy: FaultProxy;

beforeAll(async () => {
  upstream = await startFakeUpstream();
  proxy = await startFaultProxy({ upstream: upstream.url, port: 0, random: seededRandom(7) });
});
afterAll(async () => {
  await proxy.close();
  await upstream.close();
});
beforeEach(() => {
  proxy.reset();
  upstream.reset();
});

function sdkConfig(maxAttempts: number) {
  return { endpoint: proxy.url, region: "us-east-1", credentials, maxAttempts };
}

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error("expected the call to fail");
}

// The SDK's classifiers take `cause?: Error`; lib.es2022 types Error.cause as unknown.
function hasErrorCause(err: Error): err is Error & { cause?: Error } {
  return err.cause === undefined || err.cause instanceof Error;
}

function throttling(err: Error): boolean {
  if (!hasErrorCause(err)) throw err;
  return isThrottlingError(err);
}

function transient(err: Error): boolean {
  if (!hasErrorCause(err)) throw err;
  return isTransientError(err);
}

function codeOf(err: object): unknown {
  return "Code" in err ? err.Code : undefined;
}

describe("throttle, through the real SDK", () => {
  it("RDS (awsQuery): the SDK sees Throttling and classifies it as throttling", async () => {
    proxy.setFaults({ rules: [{ fault: "throttle", rate: 1 }] });
    const err = await rejection(new RDSClient(sdkConfig(1)).send(new DescribeDBInstancesCommand({})));
    if (!(err instanceof RDSServiceException)) throw err;
    expect(err.name).toBe("Throttling");
    expect(codeOf(err)).toBe("Throttling");
    expect(err.$metadata.httpStatusCode).toBe(400);
    expect(err.$metadata.requestId).toMatch(/^[0-9a-f-]{36}$/);
    // The SDK only sets `$retryable` from a modeled error's @retryable trait, and RDS/CloudFront
    // model no throttling error, so `$retryable` stays undefined even for real AWS throttles. The
    // retry middleware decides with isThrottlingError (name in THROTTLING_ERROR_CODES), so that is
    // what has to hold.
    expect(err.$retryable).toBeUndefined();
    expect(throttling(err)).toBe(true);
    expect(upstream.requests).toHaveLength(0);
    const counts = operationCounts(proxy.stats(), "rds", "DescribeDBInstances");
    expect(counts).toMatchObject({ requests: 1, forwarded: 0, faults: { throttle: 1 } });
  });

  it("CloudFront (restXml): the SDK sees Throttling and classifies it as throttling", async () => {
    proxy.setFaults({ rules: [{ fault: "throttle", rate: 1, match: { service: "cloudfront" } }] });
    const err = await rejection(new CloudFrontClient(sdkConfig(1)).send(new ListDistributionsCommand({})));
    if (!(err instanceof CloudFrontServiceException)) throw err;
    expect(err.name).toBe("Throttling");
    expect(codeOf(err)).toBe("Throttling");
    expect(err.$metadata.httpStatusCode).toBe(400);
    expect(throttling(err)).toBe(true);
    expect(operationCounts(proxy.stats(), "cloudfront", "ListDistributions").faults.throttle).toBe(1);
  });

  it("EC2 (ec2Query): RequestLimitExceeded, as EC2 itself throttles", async () => {
    proxy.setFaults({ rules: [{ fault: "throttle", rate: 1 }] });
    const err = await rejection(new EC2Client(sdkConfig(1)).send(new DescribeVpcsCommand({})));
    if (!(err instanceof EC2ServiceException)) throw err;
    expect(err.name).toBe("RequestLimitExceeded");
    expect(err.$metadata.httpStatusCode).toBe(503);
    expect(throttling(err)).toBe(true);
  });

  it("Cognito Identity (awsJson): ThrottlingException", async () => {
    proxy.setFaults({ rules: [{ fault: "throttle", rate: 1 }] });
    const client = new CognitoIdentityClient(sdkConfig(1));
    const err = await rejection(client.send(new GetIdCommand({ IdentityPoolId: "us-east-1:00000000-0000-0000-0000-000000000000" })));
    if (!(err instanceof CognitoIdentityServiceException)) throw err;
    expect(err.name).toBe("ThrottlingException");
    expect(err.$metadata.httpStatusCode).toBe(400);
    expect(throttling(err)).toBe(true);
    expect(operationCounts(proxy.stats(), "AWSCognitoIdentityService", "GetId").faults.throttle).toBe(1);
  });

  const retried: Record<string, { service: string; operation: string; call: () => Promise<{ $metadata: { attempts?: number } }> }> = {
    RDS: { service: "rds", operation: "DescribeDBInstances", call: () => new RDSClient(sdkConfig(3)).send(new DescribeDBInstancesCommand({})) },
    CloudFront: { service: "cloudfront", operation: "ListDistributions", call: () => new CloudFrontClient(sdkConfig(3)).send(new ListDistributionsCommand({})) },
  };
  for (const [name, { service, operation, call }] of Object.entries(retried)) {
    // Throttling backoff is up to 500 ms then 1 s (full jitter): allow for a loaded machine.
    it(`${name}: the standard retry strategy rides out 2 scheduled throttles`, { timeout: 20_000 }, async () => {
      proxy.schedule({ fault: "throttle", count: 2, match: { service } });
      const out = await call();
      expect(out.$metadata.attempts).toBe(3);
      expect(operationCounts(proxy.stats(), service, operation)).toEqual({
        requests: 3,
        forwarded: 1,
        faults: { throttle: 2, error5xx: 0, latency: 0, drop: 0, truncate: 0, rewrite: 0 },
        upstream: { "2xx": 1, "3xx": 0, "4xx": 0, "5xx": 0, error: 0 },
      });
      expect(upstream.requests).toHaveLength(1);
      // Forwarded untouched: the upstream can still verify the SDK's signature.
      const [received] = upstream.requests;
      expect(received !== undefined && sigV4Verifies(received, credentials.secretAccessKey)).toBe(true);
    });
  }
});

describe("error5xx", () => {
  const cases: Record<string, { status: 500 | 503; name: string }> = {
    "503 → ServiceUnavailable": { status: 503, name: "ServiceUnavailable" },
    "500 → InternalFailure": { status: 500, name: "InternalFailure" },
  };
  for (const [title, { status, name }] of Object.entries(cases)) {
    it(`awsQuery ${title}, a transient error for the SDK`, async () => {
      proxy.setFaults({ rules: [{ fault: "error5xx", rate: 1, status }] });
      const err = await rejection(new RDSClient(sdkConfig(1)).send(new DescribeDBInstancesCommand({})));
      if (!(err instanceof RDSServiceException)) throw err;
      expect(err.name).toBe(name);
      expect(err.$fault).toBe("server");
      expect(err.$metadata.httpStatusCode).toBe(status);
      expect(transient(err)).toBe(true);
      expect(throttling(err)).toBe(false);
      expect(operationCounts(proxy.stats(), "rds", "DescribeDBInstances").faults.error5xx).toBe(1);
    });
  }

  it("the SDK retries a scheduled 503 and succeeds", async () => {
    proxy.schedule({ fault: "error5xx", count: 1 });
    const out = await new ElasticLoadBalancingV2Client(sdkConfig(2)).send(new DescribeLoadBalancersCommand({}));
    expect(out.$metadata.attempts).toBe(2);
    const counts = operationCounts(proxy.stats(), "elasticloadbalancing", "DescribeLoadBalancers");
    expect(counts).toMatchObject({ requests: 2, forwarded: 1, faults: { error5xx: 1 } });
  });
});

describe("Google wire format", () => {
  const path = "/compute/v1/projects/p/global/backendServices";
  it("throttle → 429 RESOURCE_EXHAUSTED / rateLimitExceeded", async () => {
    proxy.setFaults({ rules: [{ fault: "throttle", rate: 1, match: { protocol: "googleJson" } }] });
    const res = await fetch(`${proxy.url}${path}`, { method: "POST", headers: { authorization: "Bearer x" }, body: "{}" });
    expect(res.status).toBe(429);
    expect(res.headers.get("content-type")).toBe("application/json; charset=UTF-8");
    expect(await res.json()).toMatchObject({
      error: { code: 429, status: "RESOURCE_EXHAUSTED", errors: [{ domain: "usageLimits", reason: "rateLimitExceeded" }] },
    });
    expect(operationCounts(proxy.stats(), "compute", "backendServices.insert").faults.throttle).toBe(1);
  });

  it("error5xx 503 → UNAVAILABLE", async () => {
    proxy.setFaults({ rules: [{ fault: "error5xx", rate: 1 }] });
    const res = await fetch(`${proxy.url}/v1/projects/p/instances/db`);
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ error: { code: 503, status: "UNAVAILABLE" } });
    expect(operationCounts(proxy.stats(), "sqladmin", "instances.get").faults.error5xx).toBe(1);
  });
});

describe("latency", () => {
  it("delays before forwarding", async () => {
    proxy.setFaults({ rules: [{ fault: "latency", rate: 1, delayMs: 150 }] });
    const started = performance.now();
    const out = await new RDSClient(sdkConfig(1)).send(new DescribeDBInstancesCommand({}));
    expect(performance.now() - started).toBeGreaterThanOrEqual(145);
    expect(out.DBInstances).toEqual([]);
    expect(operationCounts(proxy.stats(), "rds", "DescribeDBInstances")).toMatchObject({ requests: 1, forwarded: 1, faults: { latency: 1 } });
  });

  it("delays a fault response too", async () => {
    proxy.setFaults({ rules: [{ fault: "latency", rate: 1, delayMs: { min: 80, max: 100 } }, { fault: "error5xx", rate: 1 }] });
    const started = performance.now();
    const res = await fetch(`${proxy.url}/anything`);
    expect(res.status).toBe(503);
    expect(performance.now() - started).toBeGreaterThanOrEqual(75);
    expect(upstream.requests).toHaveLength(0);
  });
});

describe("drop", () => {
  it("resets the connection: a raw client sees ECONNRESET", async () => {
    proxy.setFaults({ rules: [{ fault: "drop", rate: 1 }] });
    const err = await rejection(
      new Promise((resolve, reject) => {
        http.get(`${proxy.url}/x`, { agent: false }, resolve).on("error", reject);
      }),
    );
    expect(err).toMatchObject({ code: "ECONNRESET" });
    expect(upstream.requests).toHaveLength(0);
    expect(operationCounts(proxy.stats(), "unknown", "GET /x")).toMatchObject({ requests: 1, forwarded: 0, faults: { drop: 1 } });
  });

  it("the SDK sees a transient network error, and retries past a scheduled drop", async () => {
    proxy.setFaults({ rules: [{ fault: "drop", rate: 1 }] });
    const err = await rejection(new RDSClient(sdkConfig(1)).send(new DescribeDBInstancesCommand({})));
    expect(err).toMatchObject({ code: "ECONNRESET" });
    if (!(err instanceof Error)) throw err;
    expect(transient(err)).toBe(true);

    proxy.reset();
    proxy.schedule({ fault: "drop", count: 1 });
    const out = await new RDSClient(sdkConfig(2)).send(new DescribeDBInstancesCommand({}));
    expect(out.$metadata.attempts).toBe(2);
  });
});

describe("truncate and rewrite: a malformed answer from the real upstream", () => {
  it("truncate: the SDK gets a cut XML document with a matching Content-Length and fails to parse it", async () => {
    proxy.setFaults({ rules: [{ fault: "truncate", rate: 1, keep: 0.6, match: { operation: "DescribeDBInstances" } }] });
    const raw = await fetch(`${proxy.url}/`, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: "Action=DescribeDBInstances" });
    const text = await raw.text();
    expect(raw.status).toBe(200);
    expect(Number(raw.headers.get("content-length"))).toBe(Buffer.byteLength(text));
    expect(text.startsWith("<DescribeDBInstancesResponse")).toBe(true);
    expect(text).not.toContain("</DescribeDBInstancesResponse>");

    proxy.resetStats();
    const err = await rejection(new RDSClient(sdkConfig(1)).send(new DescribeDBInstancesCommand({})));
    expect(err).toBeInstanceOf(Error);
    expect(upstream.requests).toHaveLength(2);
    expect(operationCounts(proxy.stats(), "rds", "DescribeDBInstances")).toMatchObject({ requests: 1, forwarded: 1, faults: { truncate: 1 }, upstream: { "2xx": 1 } });
  });

  it("rewrite: the SDK parses the rewritten answer", async () => {
    upstream.respond = (_req, res) => {
      res.writeHead(200, { "content-type": "text/xml" }).end(
        '<DescribeDBInstancesResponse xmlns="http://rds.amazonaws.com/doc/2014-10-31/"><DescribeDBInstancesResult><DBInstances><DBInstance>' +
          "<DBInstanceIdentifier>orders</DBInstanceIdentifier><DBInstanceStatus>available</DBInstanceStatus><Engine>postgres</Engine>" +
          "</DBInstance></DBInstances></DescribeDBInstancesResult></DescribeDBInstancesResponse>",
      );
    };
    proxy.schedule({
      fault: "rewrite",
      count: 1,
      replace: [
        { pattern: "<DBInstanceStatus>available</DBInstanceStatus>", with: "<DBInstanceStatus>sideways</DBInstanceStatus>" },
        { pattern: "<Engine>[^<]*</Engine>", with: "" },
      ],
    });
    const out = await new RDSClient(sdkConfig(1)).send(new DescribeDBInstancesCommand({}));
    expect(out.DBInstances?.[0]).toMatchObject({ DBInstanceIdentifier: "orders", DBInstanceStatus: "sideways" });
    expect(out.DBInstances?.[0]?.Engine).toBeUndefined();
    const again = await new RDSClient(sdkConfig(1)).send(new DescribeDBInstancesCommand({}));
    expect(again.DBInstances?.[0]?.DBInstanceStatus).toBe("available");
  });

  it("spoils a compressed answer after decoding it, and sends it plain", async () => {
    upstream.respond = (_req, res) => {
      const body = gzipSync(Buffer.from(JSON.stringify({ name: "orders", state: "RUNNABLE" })));
      res.writeHead(200, { "content-type": "application/json", "content-encoding": "gzip", "content-length": body.byteLength }).end(body);
    };
    proxy.schedule({ fault: "rewrite", count: 1, replace: [{ pattern: "RUNNABLE", with: "SOMETHING_NEW" }] });
    const res = await fetch(`${proxy.url}/v1/projects/p/instances/orders`);
    expect(res.headers.get("content-encoding")).toBeNull();
    expect(await res.json()).toEqual({ name: "orders", state: "SOMETHING_NEW" });
  });
});

describe("forwarding", () => {
  it("passes body bytes, headers (order, case, duplicates, Host) and the answer through unchanged", async () => {
    upstream.respond = (_req, res) => {
      res.writeHead(404, "Nope", [["X-Upstream", "1"], ["Set-Cookie", "a=1"], ["Set-Cookie", "b=2"], ["Content-Type", "application/octet-stream"], ["Content-Length", "4"]]);
      res.end(Buffer.from([0, 255, 1, 254]));
    };
    const body = Buffer.from(Array.from({ length: 3000 }, (_, i) => i % 256));
    const res = await rawRequest(proxy.port, [
      "PUT /some/path?a=1&b=%2F HTTP/1.1",
      "Host: my-bucket.s3.example.test:9000",
      "X-Amz-Meta-Dup: one",
      "x-amz-meta-dup: two",
      "Content-Type: application/octet-stream",
      `Content-Length: ${body.byteLength}`,
      "Connection: close",
    ], body);
    const [received] = upstream.requests;
    if (received === undefined) throw new Error("not forwarded");
    expect(received.method).toBe("PUT");
    expect(received.url).toBe("/some/path?a=1&b=%2F");
    expect(received.body.equals(body)).toBe(true);
    expect(received.rawHeaders).toEqual([
      "Host", "my-bucket.s3.example.test:9000",
      "X-Amz-Meta-Dup", "one",
      "x-amz-meta-dup", "two",
      "Content-Type", "application/octet-stream",
      "Content-Length", String(body.byteLength),
      "Connection", "keep-alive", // the proxy's own hop to the upstream
    ]);
    expect(res.head).toMatch(/^HTTP\/1\.1 404 Nope\r\n/);
    expect(res.head).toContain("X-Upstream: 1\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\nContent-Type: application/octet-stream\r\nContent-Length: 4\r\n");
    expect(res.body.equals(Buffer.from([0, 255, 1, 254]))).toBe(true);
    expect(operationCounts(proxy.stats(), "unknown", "PUT /some/path")).toMatchObject({ forwarded: 1, upstream: { "4xx": 1 } });
  });

  it("gives a chunked request a Content-Length for the upstream", async () => {
    await rawRequest(proxy.port, ["POST /chunked HTTP/1.1", "Host: x", "Transfer-Encoding: chunked", "Connection: close"], Buffer.from("5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"));
    const [received] = upstream.requests;
    expect(received?.body.toString()).toBe("hello world");
    expect(received?.headers["content-length"]).toBe("11");
    expect(received?.headers["transfer-encoding"]).toBeUndefined();
  });

  it("answers 502 and counts an upstream error when the upstream is down", async () => {
    const port = await closedPort();
    const dead = await startFaultProxy({ upstream: `http://127.0.0.1:${port}` });
    try {
      const res = await fetch(`${dead.url}/v1/projects/p/instances`);
      expect(res.status).toBe(502);
      expect(operationCounts(dead.stats(), "sqladmin", "instances.list").upstream.error).toBe(1);
    } finally {
      await dead.close();
    }
  });

  it("refuses non-loopback hosts and non-http upstreams", async () => {
    await expect(startFaultProxy({ upstream: upstream.url, host: "0.0.0.0" })).rejects.toThrow(/loopback/);
    await expect(startFaultProxy({ upstream: "https://127.0.0.1:1" })).rejects.toThrow(/http:\/\//);
    await expect(startFaultProxy({ upstream: upstream.url, faults: { rules: [{ fault: "drop", rate: 3 }] } })).rejects.toThrow(/rate/);
  });
});

describe("stats", () => {
  it("counts by service and operation, and resets", async () => {
    const rds = new RDSClient(sdkConfig(1));
    await rds.send(new DescribeDBInstancesCommand({}));
    await rds.send(new DescribeDBInstancesCommand({}));
    await new CloudFrontClient(sdkConfig(1)).send(new ListDistributionsCommand({}));
    const stats = proxy.stats();
    expect(stats.total).toMatchObject({ requests: 3, forwarded: 3, upstream: { "2xx": 3 } });
    expect(stats.services.rds?.total.requests).toBe(2);
    expect(Object.keys(stats.services).sort()).toEqual(["cloudfront", "rds"]);
    proxy.resetStats();
    expect(proxy.stats()).toEqual({ total: operationCounts(proxy.stats(), "none", "none"), services: {} });
  });
});

interface RawResponse {
  readonly head: string;
  readonly body: Buffer;
}

// A hand-written HTTP/1.1 exchange, so header case, order and duplicates are under test control.
function rawRequest(port: number, head: readonly string[], body: Buffer): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, "127.0.0.1", () => socket.write(Buffer.concat([Buffer.from(`${head.join("\r\n")}\r\n\r\n`), body])));
    const chunks: Buffer[] = [];
    socket.on("data", (c: Buffer) => chunks.push(c));
    socket.on("error", reject);
    socket.on("close", () => {
      const all = Buffer.concat(chunks);
      const split = all.indexOf("\r\n\r\n");
      resolve({ head: all.subarray(0, split + 2).toString("latin1"), body: all.subarray(split + 4) });
    });
  });
}

async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === "string") throw new Error("no address");
  return address.port;
}

import http from "node:http";
import type { AddressInfo } from "node:net";
import { DescribeDBInstancesCommand, RDSClient } from "@aws-sdk/client-rds";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { errorClassOf } from "../../core/errors.ts";
import { awsCall } from "./errors.ts";

// An answer the SDK cannot read (truncated XML) is reported as what it is, naming the operation,
// without the SDK's hint for programmers; a service error keeps its own code.

let body = "";
let status = 200;
let server: http.Server;
let rds: RDSClient;

beforeAll(async () => {
  server = http.createServer((_req, res) => res.writeHead(status, { "content-type": "text/xml" }).end(body));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  rds = new RDSClient({ endpoint: `http://127.0.0.1:${port}`, region: "us-east-1", credentials: { accessKeyId: "k", secretAccessKey: "s" }, maxAttempts: 1 });
});
afterAll(async () => {
  rds.destroy();
  await new Promise((r) => server.close(r));
});

async function failure(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error("expected the call to fail");
}

describe("awsCall", () => {
  it("a truncated answer: Transient, one line naming the operation and the parser's complaint", async () => {
    status = 200;
    body = '<DescribeDBInstancesResponse xmlns="http://rds.amazonaws.com/doc/2014-10-31/"><DescribeDBInstancesResult><DBInstances><DBInstance><Engine>post';
    const err = await failure(awsCall("rds:DescribeDBInstances", () => rds.send(new DescribeDBInstancesCommand({}))));
    expect(errorClassOf(err)).toBe("Transient");
    const message = err instanceof Error ? err.message : "";
    expect(message).toMatch(/^rds:DescribeDBInstances: the cloud's answer \(HTTP 200\) could not be read: \S/);
    expect(message).not.toContain("\n");
    expect(message).not.toContain("$response");
  });

  it("a service error keeps its class and code", async () => {
    status = 404;
    body = "<ErrorResponse><Error><Type>Sender</Type><Code>DBInstanceNotFound</Code><Message>DBInstance orders not found.</Message></Error><RequestId>1</RequestId></ErrorResponse>";
    const err = await failure(awsCall("rds:DescribeDBInstances", () => rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: "orders" }))));
    expect(errorClassOf(err)).toBe("NotFound");
    expect(err instanceof Error ? err.message : "").toMatch(/^rds:DescribeDBInstances: DBInstance orders not found/);
  });
});

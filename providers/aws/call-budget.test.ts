import { createServer } from "node:http";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { DescribeDBInstancesCommand, RDSClient } from "@aws-sdk/client-rds";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { callBudgets } from "../../core/call-budget.ts";
import { AWS_CALL_BUDGET_DEFAULTS, awsBudgetKey } from "./call-budget.ts";
import { AwsSession, SDK_TIMEOUTS } from "./session.ts";

// The AWS budget is an SDK middleware after the retry middleware: every attempt the SDK sends,
// retries included, takes a token of the account's bucket for the client's service.

let server: Server;
let endpoint: string;
let requests = 0;

beforeAll(async () => {
  // Always "unavailable": the SDK's standard strategy retries it until maxAttempts.
  server = createServer((req, res) => {
    requests++;
    req.resume();
    res.writeHead(503, { "content-type": "text/xml" }).end("<ErrorResponse><Error><Code>ServiceUnavailable</Code><Message>busy</Message></Error></ErrorResponse>");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
});

describe("the AWS call-budget middleware", () => {
  it("takes one token per attempt, in the bucket of the session's account, region and the client's service", async () => {
    const region = "ap-southeast-3";
    const session = new AwsSession(
      { region, credentials: { accessKeyId: "testing", secretAccessKey: "testing" }, endpoint, retryMode: "standard", maxAttempts: 3, requestHandler: SDK_TIMEOUTS },
      { batch: false },
      { account: "111122223333", limits: () => AWS_CALL_BUDGET_DEFAULTS.rds },
    );
    const rds = session.client(RDSClient);
    requests = 0;
    await expect(rds.send(new DescribeDBInstancesCommand({}))).rejects.toThrow();
    const key = awsBudgetKey("111122223333", region, "rds");
    expect(key).toBe("aws/111122223333/ap-southeast-3/rds");
    const state = callBudgets.states().find((s) => s.key === key);
    expect(requests).toBe(3);
    // Outside a contract call the calls count as events.
    expect(state?.granted).toEqual({ event: 3, poll: 0 });
    expect(state?.limits).toEqual(AWS_CALL_BUDGET_DEFAULTS.rds);
    rds.destroy();
  });

  it("keeps CloudFront's bucket global: it has no regions", () => {
    expect(awsBudgetKey("111122223333", "eu-west-1", "cloudfront")).toBe("aws/111122223333/global/cloudfront");
  });
});

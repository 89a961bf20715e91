import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { DescribeDBInstancesCommand, RDSClient, RDSServiceException } from "@aws-sdk/client-rds";
import { DescribeLoadBalancersCommand, ElasticLoadBalancingV2Client } from "@aws-sdk/client-elastic-load-balancing-v2";
import { isThrottlingError } from "@smithy/core/retry";
import { FaultProxyClient, seededRandom, startFaultProxy } from "../sandbox/faultproxy/index.ts";
import { awsClientConfig } from "./harness/aws.ts";

// A fault proxy of this test's own in front of the sandbox's moto, so its faults touch no other test.
describe("fault proxy in front of moto", () => {
  let proxy: Awaited<ReturnType<typeof startFaultProxy>>;

  beforeAll(async () => {
    proxy = await startFaultProxy({ upstream: inject("sandbox").motoEndpoint, random: seededRandom(7) });
  });
  afterAll(async () => {
    await proxy.close();
  });

  it("returns throttling errors that the AWS SDK itself classifies as throttling", async () => {
    proxy.setFaults({ rules: [{ fault: "throttle", rate: 1, match: { service: "rds" } }] });
    const rds = new RDSClient(awsClientConfig({ region: "ap-south-1", endpoint: proxy.url, maxAttempts: 1 }));
    const err: unknown = await rds.send(new DescribeDBInstancesCommand({})).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(RDSServiceException);
    expect(err).toMatchObject({ name: "Throttling", $metadata: { httpStatusCode: 400 } });
    // The SDK's retry strategy decides with isThrottlingError (RDS models no retryable throttling
    // error, so $retryable stays unset even for real AWS throttles); this is what makes it back off.
    if (!(err instanceof RDSServiceException)) return;
    expect(isThrottlingError({ name: err.name, message: err.message, $metadata: err.$metadata, $retryable: err.$retryable })).toBe(true);
  });

  it("lets the SDK's standard retries converge through scheduled throttles, and counts every request", async () => {
    proxy.reset();
    proxy.schedule({ fault: "throttle", count: 2, match: { service: "elasticloadbalancing", operation: "DescribeLoadBalancers" } });
    const elb = new ElasticLoadBalancingV2Client(awsClientConfig({ region: "ap-south-1", endpoint: proxy.url, maxAttempts: 3 }));
    const result = await elb.send(new DescribeLoadBalancersCommand({}));
    expect(result.LoadBalancers).toEqual([]);

    const stats = await new FaultProxyClient(proxy.url).stats();
    const counted = stats.services.elasticloadbalancing?.operations.DescribeLoadBalancers;
    expect(counted).toMatchObject({ requests: 3, forwarded: 1, faults: { throttle: 2 } });
  });

  it("injects 5xx errors and counts them by service and operation", async () => {
    proxy.reset();
    proxy.setFaults({ rules: [{ fault: "error5xx", status: 503, rate: 1, match: { service: "rds" } }] });
    const rds = new RDSClient(awsClientConfig({ region: "ap-south-1", endpoint: proxy.url, maxAttempts: 2 }));
    await expect(rds.send(new DescribeDBInstancesCommand({}))).rejects.toMatchObject({ $metadata: { httpStatusCode: 503 } });
    expect(proxy.stats().services.rds?.operations.DescribeDBInstances).toMatchObject({ requests: 2, faults: { error5xx: 2 } });
  });
});

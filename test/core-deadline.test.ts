import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { database } from "../providers/aws/database/index.ts";
import { awsEnvironment, installAwsCrds } from "./harness/aws-provider.ts";
import type { AwsEnvironment } from "./harness/aws-provider.ts";
import type { FaultProxy } from "../sandbox/faultproxy/index.ts";
import { condition } from "./harness/managed.ts";
import { uniqueName } from "./harness/names.ts";

// A hung cloud endpoint must never pin a worker: the reconcile's deadline abandons the call, the
// resource reports Synced=False saying so, and the key is tried again with backoff. The endpoint is
// the real fault proxy in front of moto, holding every DescribeDBInstances for ten minutes.

const HANG = { fault: "latency", rate: 1, delayMs: 600_000, match: { service: "rds", operation: "DescribeDBInstances" } } as const;
const DEADLINE_MS = 2_000;

describe("reconcile deadline (aws Database on a hung RDS endpoint)", () => {
  let env: AwsEnvironment<FaultProxy>;

  beforeAll(async () => {
    await installAwsCrds([database]);
    env = await awsEnvironment({ ...database, reconcileTimeoutMs: DEADLINE_MS }, { nsPrefix: "deadline", region: "eu-south-1", proxySeed: 7, faults: { rules: [HANG] }, pollIntervalMs: 2_000, deleteTimeout: "20s" });
  });

  afterAll(async () => {
    env.proxy.reset();
    await env.close();
  });

  it("releases the reconcile at the deadline, reports Synced=False, and tries again", async () => {
    const name = uniqueName("hung");
    const started = Date.now();
    await env.apply(name, { engine: "postgres", engineVersion: "16", instanceClass: "db.t3.micro", allocatedStorage: 20, masterUsername: "app", skipFinalSnapshot: true });

    await expect.poll(async () => condition(await env.view(name), "Synced")?.status, { timeout: 20_000, interval: 200 }).toBe("False");
    const synced = condition(await env.view(name), "Synced");
    expect(synced?.reason).toBe("ReconcileError");
    expect(synced?.message).toContain("no answer from the cloud before the reconcile's deadline");
    // Reported within a few deadlines, not after the ten-minute hang.
    expect(Date.now() - started).toBeLessThan(15_000);

    // The same key is reconciled again (one reconcile per key at a time): its earlier reconcile was
    // released although its DescribeDBInstances is still hanging at the proxy.
    const describes = (): number => env.proxy.stats().services.rds?.operations.DescribeDBInstances?.requests ?? 0;
    await expect.poll(describes, { timeout: 20_000, interval: 200 }).toBeGreaterThanOrEqual(2);
  });
});

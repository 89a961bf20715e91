import { DescribeDBInstancesCommand } from "@aws-sdk/client-rds";
import type { DBInstance, RDSClient } from "@aws-sdk/client-rds";
import { inject } from "vitest";

/** Fixed credentials: moto accepts any, and SigV4 still runs end to end through the fault proxy. */
export const testCredentials = { accessKeyId: "testing", secretAccessKey: "testing" } as const;

export interface AwsClientOptions {
  readonly region: string;
  /** Talk to moto directly, bypassing the sandbox's fault proxy (a change "behind Terraplane's back"). */
  readonly direct?: boolean;
  /** Any other endpoint, e.g. a test's own fault proxy. */
  readonly endpoint?: string;
  readonly maxAttempts?: number;
}

/** Config for an official AWS SDK v3 client: the only change from production is the endpoint. */
export function awsClientConfig(opts: AwsClientOptions): {
  region: string;
  endpoint: string;
  credentials: typeof testCredentials;
  maxAttempts?: number;
} {
  const sandbox = inject("sandbox");
  const endpoint = opts.endpoint ?? (opts.direct ? sandbox.motoEndpoint : sandbox.awsEndpoint);
  return { region: opts.region, endpoint, credentials: testCredentials, ...(opts.maxAttempts ? { maxAttempts: opts.maxAttempts } : {}) };
}

/** An RDS DB instance as moto has it, or undefined when it does not exist. */
export async function describeDbInstance(rds: RDSClient, id: string): Promise<DBInstance | undefined> {
  try {
    return (await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: id }))).DBInstances?.[0];
  } catch (err) {
    if (err instanceof Error && err.name === "DBInstanceNotFoundFault") return undefined;
    throw err;
  }
}
